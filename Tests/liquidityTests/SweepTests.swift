import Foundation
import TestSupport
import Testing

/// The sweep command's own work: exit codes and what it prints. The sweeps
/// themselves are tested in-process (FileFormatsTests, "Sweeps in-process").
@Suite("Sweeps, end to end", .serialized)
struct SweepTests {
    @Test("a sweep prints its totals and files; a bad spec or shard exits 2 and writes nothing")
    func command() throws {
        let dir = try Tool.scratch()
        let spec = dir.appendingPathComponent("grid.toml").path
        try """
        name = "grid"
        design = "grid"
        [[parameter]]
        key = "payout"
        distribution = "values"
        values = [0.35, 1.5]
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let good = try Tool.run(
            ["sweep", spec, "--model", Tool.reverseQE, "--config", Tool.modelmd, "--out", "s"], in: dir)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(
            good.stdout
                == "grid: 2 runs (2 solved now, 0 kept); 1 invalid, 1 success\nwrote s/runs.csv, s/sweep.json\n")
        #expect(
            good.stderr.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).allSatisfy {
                $0.hasPrefix("liquidity sweep: ")
            }, "only progress on stderr: \(good.stderr)")

        let bad = dir.appendingPathComponent("bad.toml").path
        try """
        name = \"x\"\ndesign = \"grid\"\n[[parameter]]\nkey = \"I1\"\ndistribution = \"uniform\"\nlower = \
        0.5\nupper = 1.0\n
        """
        .write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try Tool.run(
            ["sweep", bad, "--model", Tool.reverseQE, "--config", Tool.modelmd, "--out", "b"], in: dir)
        #expect(refused.status == 2)
        #expect(
            refused.stderr == "error: \(bad): design = \"grid\" needs distribution = \"values\" for every parameter\n")
        let shard = try Tool.run(
            ["sweep", spec, "--model", Tool.reverseQE, "--config", Tool.modelmd, "--shard", "4/3", "--out", "x"],
            in: dir)
        #expect(shard.status == 2)
        #expect(shard.stderr == "error: --shard 4/3: expected K/N with 1 <= K <= N, such as 2/4\n")
        #expect(Tool.files(dir) == ["bad.toml", "grid.toml", "s"])
    }

    /// The process killed with SIGKILL mid-sweep (no chance to tidy up), then
    /// the same command again: every run exactly once, as an uninterrupted sweep gives them.
    @Test("a sweep killed with SIGKILL and run again ends with every run once, as an uninterrupted one (sorted)")
    func killAndResume() throws {
        let dir = try Tool.scratch()
        let spec = dir.appendingPathComponent("r.toml").path
        try """
        name = "r"
        design = "random"
        draws = 60
        seed = 5
        regimes = ["none", "buyer"]
        [[parameter]]
        key = "I1"
        distribution = "uniform"
        lower = 0.5
        upper = 1.2
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let sweep = Process()
        sweep.executableURL = Tool.executable
        sweep.arguments = [
            "sweep", spec, "--model", Tool.reverseQE, "--config", Tool.modelmd, "--quiet", "--jobs", "2", "--out",
            "killed",
        ]
        sweep.currentDirectoryURL = dir
        sweep.standardOutput = FileHandle.nullDevice
        sweep.standardError = FileHandle.nullDevice
        // The test hook halts the sweep after 20 runs (CSVRunStore.haltAfter): it is killed there, mid-sweep.
        sweep.environment = ProcessInfo.processInfo.environment.merging(["LIQUIDITY_TEST_HALT_AFTER_RUNS": "20"]) {
            $1
        }
        try sweep.run()
        let runs = dir.appendingPathComponent("killed/runs.csv")
        let halted = dir.appendingPathComponent("killed/.halted")
        func count() -> Int { ((try? Tool.text(runs)) ?? "").split(separator: "\n").count }
        while !FileManager.default.fileExists(atPath: halted.path) && sweep.isRunning { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: halted.path), "the sweep ended without halting")
        kill(sweep.processIdentifier, SIGKILL)
        sweep.waitUntilExit()
        #expect(sweep.terminationReason == .uncaughtSignal && sweep.terminationStatus == SIGKILL)
        #expect(count() - 1 == 20, "killed after \(count() - 1) runs")
        try FileManager.default.removeItem(at: halted)
        let resumed = try Tool.run(
            ["sweep", spec, "--model", Tool.reverseQE, "--config", Tool.modelmd, "--out", "killed"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.hasPrefix("r: 120 runs ("), "\(resumed.stdout)")
        let whole = try Tool.run(
            ["sweep", spec, "--model", Tool.reverseQE, "--config", Tool.modelmd, "--quiet", "--out", "whole"], in: dir)
        #expect(whole.status == 0)
        func rows(_ name: String) throws -> [String] {
            try Tool.text(dir.appendingPathComponent("\(name)/runs.csv")).split(separator: "\n").dropFirst().map(
                String.init
            ).sorted()
        }
        let killed = try rows("killed")
        #expect(
            killed.count == 120
                && Set(killed.map { $0.split(separator: ",").prefix(2).joined(separator: ",") }).count == 120)
        #expect(killed == (try rows("whole")))
    }

    @Test("a sweep whose runs would save more than a million points is refused before anything is solved")
    func longSpan() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(
            [
                "sweep", Tool.root.appendingPathComponent("scenarios/sweep-example.toml").path, "--model",
                Tool.reverseQE, "--config", Tool.modelmd, "--to", "1e9", "--quiet", "--out", "s",
            ], in: dir)
        #expect(result.status == 2)
        #expect(
            result.stderr == """
                error: --from/--to: 1.2e+10 saved points from 2025.0 to 1000000000.0 at the model's step, \
                0.08333333333333333; the limit is 1000000 (a shorter span)\n
                """)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("s").path))
    }
}
