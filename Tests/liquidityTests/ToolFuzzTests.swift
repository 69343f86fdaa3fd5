import Experiments
import Foundation
import TestSupport
import Testing

@Suite("Fuzzing through the tool", .serialized)
struct ToolFuzzTests {
    /// Mutated files, raw bytes included, through the real executable.
    @Test("60 mutated files through the tool: exit 0, 2 or 3, never a crash or a partial file")
    func throughTheTool() throws {
        var rng = SeededGenerator(seed: 7)
        let dir = try Tool.scratch()
        var codes: [Int32: Int] = [:]
        for round in 0..<60 {
            var text = Mutator.reference
            for _ in 0..<Int.random(in: 1...2, using: &rng) {
                text = Mutator.allCases.randomElement(using: &rng)!.apply(text, &rng)
            }
            var data = Data(text.utf8)
            if round % 10 == 0 {
                data.insert(
                    UInt8.random(in: 0x80...0xFF, using: &rng), at: Int.random(in: 0...data.count, using: &rng))
            }
            let path = dir.appendingPathComponent("c\(round).toml")
            try data.write(to: path)
            let out = "out\(round)"
            let result = try Tool.run(
                [
                    "compare", "--config", path.path, "--regimes", "none", "--out", out, "--max-steps", "20000",
                    "--quiet",
                ], in: dir)
            codes[result.status, default: 0] += 1
            #expect([0, 2, 3].contains(result.status), "round \(round): exit \(result.status): \(result.stderr)")
            let files = Tool.files(dir.appendingPathComponent(out))
            #expect(!files.contains { $0.contains(".tmp-") }, "round \(round): partial file left")
            switch result.status {
            case 0: #expect(files == ["compare.csv", "manifest.json", "series_none.csv", "units.csv"])
            case 2:
                #expect(files == [], "round \(round): files written despite bad input")
                #expect(result.stderr.hasPrefix("error: \(path.path)"), "round \(round): \(result.stderr)")
            default: #expect(result.stderr.hasPrefix("error: none: the solver"))
            }
        }
        print("fuzz through the tool: exit codes \(codes.sorted { $0.key < $1.key })")
    }
}
