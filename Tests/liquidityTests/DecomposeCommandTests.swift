import Foundation
import TestSupport
import Testing

@Suite("decompose through the tool")
struct DecomposeCommandTests {
    @Test("the default decomposition of the 2022-2025 history writes its files; the contributions add up")
    func history() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(
            [
                "decompose", "--model", Tool.root.appendingPathComponent("models/liquidity.sfc").path, "--quiet",
                "--series", "RRPONTSYD,WRESBAL", "--out", "d",
            ], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout
                == "wrote "
                + ["decomposition.csv", "decomposition.svg", "decomposition.md", "manifest.json"].map {
                    "d/" + $0
                }.joined(separator: ", ") + "\n")
        let rows = try Tool.text(dir.appendingPathComponent("d/decomposition.csv")).split(separator: "\n").dropFirst()
        // Per time and series: the path, every driver off, then the seven drivers.
        var sums: [String: (path: Double, off: Double, parts: Double)] = [:]
        for row in rows {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let key = cells[0] + cells[2]
            var entry = sums[key] ?? (0, 0, 0)
            let value = Double(cells[4])!
            switch cells[3] {
            case "path": entry.path = value
            case "every driver off": entry.off = value
            default: entry.parts += value
            }
            sums[key] = entry
        }
        #expect(sums.count == 2 * 43)
        for (key, entry) in sums {
            #expect(abs(entry.path - entry.off - entry.parts) <= 1e-9 * max(abs(entry.path), 1), "\(key)")
        }
        let manifest = try Tool.text(dir.appendingPathComponent("d/manifest.json"))
        #expect(manifest.contains("\"primary deficit\""))
    }

    @Test("an unknown series and a bad date are refused, naming the option")
    func refused() throws {
        let dir = try Tool.scratch()
        let model = Tool.root.appendingPathComponent("models/liquidity.sfc").path
        let series = try Tool.run(["decompose", "--model", model, "--series", "nope"], in: dir)
        #expect(series.status == 2)
        #expect(series.stderr == "error: --series nope: \(model) has no series nope\n")
        let date = try Tool.run(["decompose", "--model", model, "--to", "soon"], in: dir)
        #expect(date.status == 2)
        #expect(date.stderr == "error: --to soon: expected a decimal year (2026.0) or a date (2026-01-01)\n")
        #expect(Tool.files(dir).isEmpty)
    }
}

@Suite("evaluate through the tool")
struct EvaluateCommandTests {
    @Test("bad horizons, months and starts are refused, naming the option and what is allowed")
    func refused() throws {
        let dir = try Tool.scratch()
        let horizons = try Tool.run(["evaluate", "--horizons", "1,30"], in: dir)
        #expect(horizons.status == 2)
        #expect(horizons.stderr == "error: --horizons 1,30: 30 is not a whole number of months from 1 to 24\n")
        let month = try Tool.run(["evaluate", "--from", "2024-1"], in: dir)
        #expect(month.status == 2)
        #expect(month.stderr == "error: --from 2024-1: expected a month, YYYY-MM (2024-01)\n")
        let start = try Tool.run(["evaluate", "--start", "mode"], in: dir)
        #expect(start.status == 2)
        #expect(start.stderr == "error: --start mode: expected previous or prior\n")
        #expect(Tool.files(dir).isEmpty)
    }
}
