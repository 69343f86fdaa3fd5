// swift-tools-version:6.0
import Foundation
import PackageDescription

// MARK: - Public API

let products: [Product] = [
    .library(name: "Solvers", targets: ["Solvers"]),
    .library(name: "ModelLanguage", targets: ["ModelLanguage"]),
    .library(name: "Experiments", targets: ["Experiments"]),
    .library(name: "FileFormats", targets: ["FileFormats"]),
    .executable(name: "liquidity", targets: ["liquidity"]),
    // The C interface of the Python package (python/): liq_run, liq_compare, ... (Sources/LiquidityC).
    .library(name: "LiquidityC", type: .dynamic, targets: ["LiquidityC"]),
]

// MARK: - Implementation
// One direction of dependency: CGSL <- Solvers <- ModelLanguage <- Experiments <- FileFormats <- liquidity.
// Solvers, ModelLanguage and Experiments do no file I/O; FileFormats reads and writes every file;
// the executable parses the command line, calls the libraries and maps errors to exit codes.

// With LIQUIDITY_OPTIMISE_DEBUG=1 (scripts/test.sh sets it) the numerical libraries are
// optimised in debug builds too, so the tests' solves run at close to release speed; the
// command-line and file layers keep debug settings. Without it no unsafe flag is set, so a
// package can depend on this one by version.
let optimisedInDebug: [SwiftSetting] =
    Context.environment["LIQUIDITY_OPTIMISE_DEBUG"] == "1" ? [.unsafeFlags(["-O"], .when(configuration: .debug))] : []
let optimisedCInDebug: [CSetting] =
    Context.environment["LIQUIDITY_OPTIMISE_DEBUG"] == "1" ? [.unsafeFlags(["-O2"], .when(configuration: .debug))] : []

let implementation: [Target] = [
    .systemLibrary(
        name: "CGSL",
        pkgConfig: "gsl",
        providers: [.apt(["libgsl-dev"])]
    ),
    // A small dense LU that takes over GSL's own LU calls for its implicit steppers' iteration matrices.
    .target(name: "SmallLU", dependencies: ["CGSL"], cSettings: optimisedCInDebug, linkerSettings: [.linkedLibrary("dl")]),
    .target(
        name: "Solvers", dependencies: ["CGSL", "SmallLU", .product(name: "RealModule", package: "swift-numerics")],
        swiftSettings: optimisedInDebug),
    // The model language: parser, checks and compiler of model files (no I/O).
    .target(name: "ModelLanguage", dependencies: ["Solvers"], swiftSettings: optimisedInDebug),
    .target(
        name: "Experiments", dependencies: ["ModelLanguage", "Solvers", .product(name: "RealModule", package: "swift-numerics")],
        swiftSettings: optimisedInDebug),
    .target(
        name: "FileFormats",
        dependencies: [
            "Experiments", "ModelLanguage", "Solvers",
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "SwiftCSV", package: "SwiftCSV"),
        ]),
    .target(name: "LiquidityC", dependencies: ["FileFormats", "Experiments", "ModelLanguage", "Solvers"]),
    .executableTarget(
        name: "liquidity",
        dependencies: [
            "FileFormats", "Experiments", "ModelLanguage", "Solvers",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]
    ),
]

// MARK: - Benchmarks (run in release mode: `swift run -c release liquidity-bench`)

let hasCVODE = FileManager.default.fileExists(atPath: "/usr/include/cvode/cvode.h")

let benchmarks: [Target] = [
    // The baseline: the same problems solved by direct calls of gsl_odeiv2 from C.
    .target(name: "CReference", dependencies: ["CGSL"], path: "Benchmarks/CReference"),

    .executableTarget(
        name: "liquidity-bench",
        dependencies: [
            "Solvers", "ModelLanguage", "FileFormats", "CReference", "LiquidityC",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ] + (hasCVODE ? ["CVODEPeer"] : []),
        path: "Benchmarks/LiquidityBench",
        swiftSettings: hasCVODE ? [.define("LIQUIDITY_CVODE")] : []
    ),
] + (hasCVODE ? [
    // SUNDIALS CVODE on the same C model, the stiff solver to beat: built where Debian's
    // libsundials-dev is installed (`scripts/setup.sh --bench` installs it).
    .target(
        name: "CVODEPeer", dependencies: ["CReference"], path: "Benchmarks/CVODEPeer",
        linkerSettings: [.linkedLibrary("sundials_cvode"), .linkedLibrary("sundials_nvecserial")]),
] : [])

// MARK: - Tests

let tests: [Target] = [
    // The test helpers: the executable harness and the configuration mutator.
    .target(name: "TestSupport", dependencies: ["Experiments"], path: "Tests/TestSupport"),
    .testTarget(name: "SolversTests", dependencies: ["Solvers", "Experiments"]),
    // The reverse-QE model file against the independent implementations in C and in Python with SciPy.
    .testTarget(name: "ModelLanguageTests", dependencies: ["ModelLanguage", "Solvers", "CReference"]),
    .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "ModelLanguage", "Solvers"]),
    .testTarget(name: "FileFormatsTests", dependencies: ["FileFormats", "Experiments", "ModelLanguage", "Solvers", "TestSupport"]),
    // End-to-end tests of the built `liquidity` executable: exit codes, files, --help.
    .testTarget(name: "liquidityTests", dependencies: ["liquidity", "FileFormats", "Experiments", "ModelLanguage", "TestSupport"]),
]

let package = Package(
    name: "liquidity",
    products: products,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
    ],
    targets: implementation + benchmarks + tests,
    swiftLanguageModes: [.v6]
)
