// swift-tools-version:6.0
import Foundation
import PackageDescription

// MARK: - Public API

let products: [Product] = [
    .library(name: "Solvers", targets: ["Solvers"]),
    .library(name: "FlowModel", targets: ["FlowModel"]),
    .library(name: "Experiments", targets: ["Experiments"]),
    .library(name: "FileFormats", targets: ["FileFormats"]),
    .library(name: "Reports", targets: ["Reports"]),
    .library(name: "Application", targets: ["Application"]),
    .executable(name: "liquidity", targets: ["liquidity"]),
    // The C interface of the Python package (python/): liq_run, liq_compare, ... (Sources/LiquidityC).
    .library(name: "LiquidityC", type: .dynamic, targets: ["LiquidityC"]),
]

// MARK: - Implementation
// One direction of dependency, each target using only those to its left:
//   CGSL <- SmallLU <- Solvers <- FlowModel <- Experiments <- FileFormats <- Reports <- Application
//   <- liquidity (the executable) and LiquidityC (the C interface of the Python package).
// - CGSL: GSL as a system library (module map and shim only).
// - SmallLU: C that takes over GSL's LU and two BLAS helpers for the implicit steppers.
// - Solvers: the only Swift target that touches C; problems, steppers, solutions.
// - FlowModel: stock-flow models as files: the language, its checks and its compiler.
// - Experiments: workflows as values (comparisons, sweeps, fits, backtests).
// - FileFormats: readers and writers of the files (configurations, scenarios, specs, CSV, JSON).
// - Reports: what a person reads (charts, Sankey diagrams, notebooks, tables).
// - Application: the one layer that speaks in command-line flags (run requests, the package's
//   files, output folders, history tables, sweep folders, native models).
// Solvers, FlowModel and Experiments do no file I/O; the executable parses the command line,
// calls the libraries and maps errors to exit codes.

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
    .target(
        name: "SmallLU", dependencies: ["CGSL"], cSettings: optimisedCInDebug, linkerSettings: [.linkedLibrary("dl")]),
    .target(
        name: "Solvers", dependencies: ["CGSL", "SmallLU", .product(name: "RealModule", package: "swift-numerics")],
        swiftSettings: optimisedInDebug),
    // The model language: parser, checks and compiler of model files (no I/O).
    .target(name: "FlowModel", dependencies: ["Solvers"], swiftSettings: optimisedInDebug),
    .target(
        name: "Experiments",
        dependencies: ["FlowModel", "Solvers", .product(name: "RealModule", package: "swift-numerics")],
        swiftSettings: optimisedInDebug),
    .target(
        name: "FileFormats",
        dependencies: [
            "Experiments", "FlowModel", "Solvers",
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "SwiftCSV", package: "SwiftCSV"),
        ]),
    .target(name: "Reports", dependencies: ["FileFormats", "Experiments", "FlowModel", "Solvers"]),
    .target(name: "Application", dependencies: ["Reports", "FileFormats", "Experiments", "FlowModel", "Solvers"]),
    .target(
        name: "LiquidityC",
        dependencies: ["Application", "Reports", "FileFormats", "Experiments", "FlowModel", "Solvers"]),
    .executableTarget(
        name: "liquidity",
        dependencies: [
            "Application", "Reports", "FileFormats", "Experiments", "FlowModel", "Solvers",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]
    ),
]

// MARK: - Benchmarks (run in release mode: `swift run -c release liquidity-bench`)

let hasCVODE = FileManager.default.fileExists(atPath: "/usr/include/cvode/cvode.h")

let benchmarks: [Target] =
    [
        .executableTarget(
            name: "liquidity-bench",
            dependencies: [
                "Solvers", "FlowModel", "Experiments", "FileFormats", "Application", "CReference", "LiquidityC",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ] + (hasCVODE ? ["CVODEPeer"] : []),
            path: "Benchmarks/LiquidityBench",
            swiftSettings: hasCVODE ? [.define("LIQUIDITY_CVODE")] : []
        )
    ]
    + (hasCVODE
        ? [
            // SUNDIALS CVODE on the same C model, the stiff solver to beat: built where Debian's
            // libsundials-dev is installed (`scripts/setup.sh --bench` installs it).
            .target(
                name: "CVODEPeer", dependencies: ["CReference"], path: "Benchmarks/CVODEPeer",
                linkerSettings: [.linkedLibrary("sundials_cvode"), .linkedLibrary("sundials_nvecserial")])
        ] : [])

// MARK: - Tests

let tests: [Target] = [
    // The test helpers: the executable harness and the configuration mutator.
    .target(name: "TestSupport", dependencies: ["Experiments"], path: "Tests/TestSupport"),
    // The default model written a second time in plain C over gsl_odeiv2: the tests' independent
    // oracle, and the baseline of the benchmarks (which depend on it; no test depends on a benchmark).
    .target(name: "CReference", dependencies: ["CGSL"], path: "Tests/CReference"),
    .testTarget(name: "SolversTests", dependencies: ["Solvers", "Experiments", "TestSupport"]),
    // The reverse-QE model file against the independent implementations in C and in Python with SciPy.
    .testTarget(name: "FlowModelTests", dependencies: ["FlowModel", "Solvers", "CReference", "TestSupport"]),
    .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "FlowModel", "Solvers"]),
    // The file formats, reports and the application layer, through the files they read and write.
    .testTarget(
        name: "FileFormatsTests",
        dependencies: ["Application", "Reports", "FileFormats", "Experiments", "FlowModel", "Solvers", "TestSupport"]),
    // End-to-end tests of the built `liquidity` executable: exit codes, files, --help.
    .testTarget(
        name: "liquidityTests",
        dependencies: ["liquidity", "Application", "FileFormats", "Experiments", "FlowModel", "TestSupport"]),
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
    // The test command (scripts/test.sh) sets LIQUIDITY_NO_BENCHMARKS=1: no test needs a benchmark,
    // and building them is CPU the six-minute budget of the test command cannot spare.
    targets: implementation + tests + (Context.environment["LIQUIDITY_NO_BENCHMARKS"] == "1" ? [] : benchmarks),
    swiftLanguageModes: [.v6]
)
