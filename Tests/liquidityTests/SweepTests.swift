import Foundation
import Testing
import TestSupport

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
        let good = try Tool.run(["sweep", spec, "--config", Tool.modelmd, "--out", "s", "--quiet"], in: dir)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout == "grid: 2 runs (2 solved now, 0 kept); 1 invalid, 1 success\nwrote s/runs.csv, s/sweep.json\n")
        #expect(good.stderr == "")

        let bad = dir.appendingPathComponent("bad.toml").path
        try "name = \"x\"\ndesign = \"grid\"\n[[parameter]]\nkey = \"I1\"\ndistribution = \"uniform\"\nlower = 0.5\nupper = 1.0\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try Tool.run(["sweep", bad, "--config", Tool.modelmd, "--out", "b"], in: dir)
        #expect(refused.status == 2)
        #expect(refused.stderr == "error: \(bad): design = \"grid\" needs distribution = \"values\" for every parameter\n")
        let shard = try Tool.run(["sweep", spec, "--config", Tool.modelmd, "--shard", "4/3", "--out", "x"], in: dir)
        #expect(shard.status == 2)
        #expect(shard.stderr == "error: --shard 4/3: expected K/N with 1 <= K <= N, such as 2/4\n")
        #expect(Tool.files(dir) == ["bad.toml", "grid.toml", "s"])
    }
}
