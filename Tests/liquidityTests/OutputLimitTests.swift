import Foundation
import TestSupport
import Testing

/// What a command writes: the limit on saved values, --quiet, and the leftovers of a killed one (issue 28).
@Suite("What a command writes: limits, --quiet, leftovers", .serialized)
struct OutputLimitTests {
    @Test("a command that would save more than ten million values is refused before any solve")
    func savedValues() throws {
        try BadInputTests.refused([
            (
                ["compare", "--save-step", "1e-4"],
                """
                --save-step 0.0001: 60001 points of 175 series in 4 runs from 2026.0 to 2032.0 would save 4.2e+07 \
                values; the limit is 10000000 (a larger --save-step, or a shorter span with --from/--to)
                """
            ),
            (
                ["run", "--save-step", "1e-5"],
                """
                --save-step 1e-05: 600001 points of 175 series in 1 run from 2026.0 to 2032.0 would save 1.05e+08 \
                values; the limit is 10000000 (a larger --save-step, or a shorter span with --from/--to)
                """
            ),
        ])
        try BadInputTests.refused(
            [
                (["export", "--notebook", "n", "--panels", "rb,rb"], "--panels rb,rb: rb is listed twice"),
                (
                    ["export", "--notebook", "n", "--panels", ","],
                    "--panels ,: an empty name; list series separated by single commas"
                ),
            ], out: [])
        let dir = try Tool.scratch()
        let export = try Tool.run(["export", "--notebook", "n", "--save-step", "1e-4"], in: dir)
        #expect(export.status == 2 && export.stderr.hasPrefix("error: --save-step 0.0001: 60001 points"))
        #expect(Tool.files(dir) == [])
    }

    @Test("--quiet prints only the files written")
    func quiet() throws {
        let dir = try Tool.scratch()
        for (arguments, files) in [
            (["run", "--to", "2026.5"], "o/series.csv, o/units.csv, o/manifest.json"),
            (
                ["compare", "--to", "2026.5", "--regimes", "none,buyer"],
                "o/compare.csv, o/series_none.csv, o/series_buyer.csv, o/units.csv, o/manifest.json"
            ),
        ] {
            let result = try Tool.run(arguments + ["--quiet", "--out", "o"], in: dir)
            #expect(result.status == 0 && result.stderr == "", "\(arguments): \(result.stderr)")
            #expect(result.stdout == "wrote \(files)\n", "\(arguments)")
        }
    }

    @Test("the temporaries of a process killed mid-write are removed by the next command writing there")
    func staleTemporaries() throws {
        let dir = try Tool.scratch()
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for name in [".compare.csv.tmp-999999", ".keep", "notes.tmp-12"] {
            try "x".write(to: out.appendingPathComponent(name), atomically: false, encoding: .utf8)
        }
        let run = try Tool.run(["run", "--to", "2026.25", "--quiet", "--out", "out"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(names == [".keep", "manifest.json", "notes.tmp-12", "series.csv", "units.csv"])
    }
}
