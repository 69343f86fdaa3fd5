import Foundation
import TestSupport
import Testing

/// The tool installed by `scripts/install.sh PREFIX` runs from any folder (issue 31).
@Suite("Installed, from any folder")
struct InstallTests {
    @Test("an installed tool finds its model, configuration, fits and data from an unrelated folder")
    func anyFolder() throws {
        let prefix = try Tool.scratch().appendingPathComponent("prefix")
        let install = try Tool.runProgram(
            "/usr/bin/env",
            [
                "bash", Tool.root.appendingPathComponent("scripts/install.sh").path, prefix.path, "--binary",
                Tool.executable.path,
            ],
            in: Tool.root)
        try #require(install.status == 0, "\(install.stderr)")
        let tool = prefix.appendingPathComponent("bin/liquidity").path
        let share = prefix.appendingPathComponent("share/liquidity").path
        let away = try Tool.scratch()
        let compare = try Tool.runProgram(tool, ["compare", "--to", "2026.25", "--regimes", "none"], in: away)
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(
            compare.stdout.hasPrefix(
                """
                liquidity_priced: regime none, 2026-01-01 to 2026-04-01; rk8pd, rtol 1e-10; model \
                \(share)/models/liquidity-priced.sfc; config \(share)/calibration/liquidity-priced-2026.toml
                """))
        #expect(FileManager.default.fileExists(atPath: away.appendingPathComponent("out/compare/compare.csv").path))
        // The default model named by its path gets the default configuration, as without --model.
        let named = try Tool.runProgram(
            tool,
            ["compare", "--to", "2026.25", "--regimes", "none", "--model", "\(share)/models/liquidity-priced.sfc"],
            in: away)
        #expect(named.stdout == compare.stdout)
        let check = try Tool.runProgram(tool, ["calibrate", "--check"], in: away)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(
            check.stdout.contains(
                "of 15 fitted targets inside their bands (\(share)/calibration/liquidity-priced.toml)"))
        let previous = try Tool.runProgram(
            tool,
            [
                "calibrate", "--check", "--model", "\(share)/models/liquidity.sfc", "--config",
                "\(share)/calibration/liquidity.toml",
            ], in: away)
        #expect(previous.status == 0, "\(previous.stderr)")
        #expect(previous.stdout.contains("of 140 fitted targets inside their bands"))
        let history = try Tool.runProgram(tool, ["history", "--from", "2025Q4"], in: away)
        #expect(history.status == 0 && history.stdout.split(separator: "\n").count == 2, "\(history.stderr)")
        // The restart finds its fit, restart file and data beside the tool, and remakes the committed start.
        let restart = try Tool.runProgram(tool, ["restart", "--at", "2026-01-01", "--write", "r.toml"], in: away)
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(
            try Tool.text(away.appendingPathComponent("r.toml"))
                == Tool.text(Tool.root.appendingPathComponent("calibration/liquidity-priced-2026.toml")))
    }
}
