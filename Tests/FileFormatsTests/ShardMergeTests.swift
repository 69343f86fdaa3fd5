import Foundation
import TestSupport
import Testing

@testable import Application
@testable import FileFormats

/// `sweep merge` and a resume never lose, mix or repeat runs without a word (issue 28).
@Suite("Merging shards and resuming: nothing lost, mixed or repeated", .serialized)
struct ShardMergeTests {
    static let random = """
        name = "draws"
        design = "random"
        draws = 3
        seed = 11
        regimes = ["none"]
        [[parameter]]
        key = "I1"
        distribution = "uniform"
        lower = 0.6
        upper = 0.9
        """

    /// Shards 1/2 and 2/2 of the random spec with `seed` into `dir/name1` and `dir/name2`.
    func shards(_ dir: URL, seed: Int = 11, name: String = "part") throws -> [String] {
        let spec = try SweepHarness.write(
            Self.random.replacingOccurrences(of: "seed = 11", with: "seed = \(seed)"), "\(name).toml", in: dir)
        return try (1...2).map { k in
            try SweepHarness.run(spec, in: dir, out: "\(name)\(k)", jobs: 1, shard: (k, 2))
            return dir.appendingPathComponent("\(name)\(k)").path
        }
    }

    func refusal(_ shards: [String], into out: String) -> String? {
        let error = #expect(throws: InputError.self) { try SweepFiles.merge(shards, into: out) }
        #expect(!FileManager.default.fileExists(atPath: out), "a refused merge makes no folder")
        return error?.message
    }

    @Test("shards of one sweep merge every run once; other seeds, a missing or repeated shard are refused")
    func shardSets() throws {
        let dir = try Tool.scratch()
        let parts = try shards(dir)
        let out = dir.appendingPathComponent("merged").path
        #expect(try SweepFiles.merge(parts, into: out) == 3)
        let other = try shards(dir, seed: 12, name: "other")
        #expect(
            refusal([parts[0], other[1]], into: out + "2")
                == """
                \(other[1]) is a shard of another sweep than \(parts[0]): the design (its kind, draws and seed) \
                differ; merge the shards of one sweep
                """)
        #expect(refusal([parts[0]], into: out + "2") == "shard 2/2 missing: merge every shard of the split, each once")
        #expect(
            refusal([parts[0], parts[0], parts[1]], into: out + "2")
                == "\(parts[0]) and \(parts[0]) are both shard 1/2; name each shard once")
    }

    @Test("a runs.csv cut short, emptied, short of runs or holding a run twice is refused, naming file and line")
    func damagedShards() throws {
        let dir = try Tool.scratch()
        let parts = try shards(dir)
        let runs = parts[1] + "/runs.csv"
        let text = try Tool.text(URL(fileURLWithPath: runs))
        let lines = text.split(separator: "\n").map(String.init)
        let out = dir.appendingPathComponent("merged").path
        func damage(_ replacement: String) throws -> String? {
            try replacement.write(toFile: runs, atomically: true, encoding: .utf8)
            return refusal(parts, into: out)
        }
        #expect(
            try damage(String(text.dropLast(5)))
                == """
                \(runs):\(lines.count): the last row is cut short (an interrupted write); run the shard's command \
                again to finish it
                """)
        #expect(
            try damage(lines[0] + "\n")
                == """
                \(runs): 0 runs, but \(parts[1])/sweep.json records \(lines.count - 1); the file was cut or edited: \
                run the shard's command again to solve the missing runs
                """)
        #expect(try damage("") == "\(runs) is empty; not a sweep's output")
        #expect(
            try damage(text + lines[1] + "\n")
                == """
                \(runs): \(lines.count) runs, but \(parts[1])/sweep.json records \(lines.count - 1); the file was \
                cut or edited: run the shard's command again to solve the missing runs
                """)
        try FileManager.default.removeItem(atPath: parts[1] + "/sweep.json")
        #expect(
            try damage(text)
                == """
                \(parts[1])/sweep.json: no such file; the shard did not finish: run its command again to finish it
                """)
    }

    @Test("a resume refuses a runs.csv holding a run twice or nothing at all, and solves a torn row again")
    func resumes() throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write(Self.random, "draws.toml", in: dir)
        try SweepHarness.run(spec, in: dir, out: "s", jobs: 1)
        let runs = dir.appendingPathComponent("s/runs.csv").path
        let text = try Tool.text(URL(fileURLWithPath: runs))
        let lines = text.split(separator: "\n").map(String.init)
        try (text + lines[1] + "\n").write(toFile: runs, atomically: true, encoding: .utf8)
        let twice = #expect(throws: InputError.self) { try SweepHarness.run(spec, in: dir, out: "s", jobs: 1) }
        #expect(
            twice?.message
                == """
                \(runs):\(lines.count + 1): run 0, none is also at line 2 (the file was edited?); --restart \
                starts afresh
                """
        )
        try "".write(toFile: runs, atomically: true, encoding: .utf8)
        let empty = #expect(throws: InputError.self) { try SweepHarness.run(spec, in: dir, out: "s", jobs: 1) }
        #expect(empty?.message == "\(runs) is empty; not a sweep's runs: --restart starts afresh")
        try String(text.dropLast(3)).write(toFile: runs, atomically: true, encoding: .utf8)
        let resumed = try SweepHarness.run(spec, in: dir, out: "s", jobs: 1)
        #expect(resumed.kept == 2 && resumed.solvedNow == 1)
        #expect(try Tool.text(URL(fileURLWithPath: runs)) == text)
    }
}
