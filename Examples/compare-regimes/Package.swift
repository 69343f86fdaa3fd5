// swift-tools-version:6.0
// A program that depends on the liquidity package: the default comparison of Fed regimes from Swift.
import PackageDescription

let package = Package(
    name: "compare-regimes",
    dependencies: [.package(name: "liquidity", path: "../..")],
    targets: [
        .executableTarget(
            name: "compare-regimes",
            dependencies: [
                .product(name: "Experiments", package: "liquidity"),
                .product(name: "FileFormats", package: "liquidity"),
                .product(name: "Application", package: "liquidity"),
            ])
    ],
    swiftLanguageModes: [.v6]
)
