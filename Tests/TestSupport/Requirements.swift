import Foundation

/// What some tests need from the machine, and whether a test may be skipped for want of it.
///
/// A test that needs something uses `.enabled(if: Requirements.met(condition))` with the reason,
/// so a skip is reported as one, and then `try #require(condition, reason)`: where skips are not
/// allowed (CI, which runs as root with everything installed), the test runs and fails, naming
/// what is missing, instead of passing having checked nothing.
public enum Requirements {
    /// False in CI (`CI=true`) and with `LIQUIDITY_NO_SKIPS=1`: there every test must run.
    public static let skipsAllowed: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["CI"] != "true" && environment["LIQUIDITY_NO_SKIPS"] != "1"
    }()

    /// Whether a test that needs `condition` runs: always where skips are not allowed.
    public static func met(_ condition: Bool) -> Bool { condition || !skipsAllowed }

    /// Whether the tests run as root (a tmpfs can be mounted, a folder made read-only to others only).
    public static var isRoot: Bool { getuid() == 0 }

    /// Whether the processor has AVX2, read from /proc/cpuinfo's flags.
    public static var cpuHasAVX2: Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        return info.split(separator: "\n").contains {
            $0.hasPrefix("flags") && $0.split(separator: " ").contains("avx2")
        }
    }

    /// The C interface of the Python package in the debug build (`swift build --product LiquidityC`).
    public static var pythonLibrary: URL { Tool.root.appendingPathComponent(".build/debug/libLiquidityC.so") }
}
