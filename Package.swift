// swift-tools-version:6.0
import PackageDescription

// MARK: - Public API

let products: [Product] = [
    .library(name: "Solvers", targets: ["Solvers"]),
    .library(name: "FlowModel", targets: ["FlowModel"]),
    .executable(name: "liquidity", targets: ["liquidity"]),
]

// MARK: - Implementation
// One direction of dependency: CGSL <- Solvers <- FlowModel <- liquidity.

let implementation: [Target] = [
    .systemLibrary(
        name: "CGSL",
        pkgConfig: "gsl",
        providers: [.apt(["libgsl-dev"])]
    ),
    .target(name: "Solvers", dependencies: ["CGSL", .product(name: "RealModule", package: "swift-numerics")]),
    .target(name: "FlowModel", dependencies: ["Solvers", .product(name: "RealModule", package: "swift-numerics")]),
    .executableTarget(
        name: "liquidity",
        dependencies: [
            "FlowModel",
            "Solvers",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]
    ),
]

// MARK: - Benchmarks (run in release mode: `swift run -c release liquidity-bench`)

let benchmarks: [Target] = [
    // The baseline: the same problems solved by direct calls of gsl_odeiv2 from C.
    .target(name: "CReference", dependencies: ["CGSL"], path: "Benchmarks/CReference"),
    .executableTarget(
        name: "liquidity-bench",
        dependencies: [
            "Solvers", "FlowModel", "CReference",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        path: "Benchmarks/LiquidityBench"
    ),
]

// MARK: - Tests

let tests: [Target] = [
    .testTarget(name: "SolversTests", dependencies: ["Solvers"]),
    .testTarget(name: "FlowModelTests", dependencies: ["FlowModel", "Solvers", "CReference"]),
    // End-to-end tests of the built `liquidity` executable.
    .testTarget(name: "liquidityTests", dependencies: ["liquidity", "FlowModel"]),
]

let package = Package(
    name: "liquidity",
    products: products,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: implementation + benchmarks + tests,
    swiftLanguageModes: [.v6]
)
