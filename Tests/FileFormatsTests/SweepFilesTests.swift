import FlowModel
import Foundation
import TestSupport
import Testing

@testable import Application
@testable import Experiments
@testable import FileFormats
@testable import Reports

/// Sweeps run in-process through ``SweepFiles/run``, the call `liquidity sweep` makes.

@Suite("Sweeps in-process", .serialized)
struct SweepFilesTests {
    @Test("a grid sweep records every run, its summary and residual, and invalid points without stopping")
    func gridSweep() throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write(SweepHarness.grid, "grid.toml", in: dir)
        let report = try SweepHarness.run(spec, in: dir, out: "s")
        let lines = try Tool.text(dir.appendingPathComponent("s/runs.csv")).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(Array(header.prefix(6)) == ["run", "regime", "status", "steps", "I1", "payout"])
        #expect(
            header.contains("drawdown_p_crypto") && header.contains("peak_identity_share") && header.last == "message")
        #expect(lines.count == 1 + 2 * 3 * 2)
        let rows = lines.dropFirst().map(SweepHarness.fields)
        #expect(rows.allSatisfy { $0.count == header.count })
        // payout = 1.5 is out of range: recorded as invalid with the reason, four times (2 I1 x 2 regimes).
        let invalid = rows.filter { $0[2] == "invalid" }
        #expect(invalid.count == 4)
        #expect(
            invalid.allSatisfy { $0.last == "parameter payout = 1.5 is out of range; allowed: in [0, 1]" },
            "\(invalid.map { $0.last! })")
        let good = rows.filter { $0[2] == "success" }
        #expect(good.count == 8)
        let residual = header.firstIndex(of: "peak_identity_share")!
        #expect(good.allSatisfy { Double($0[residual])! < 1e-8 })
        let paths = try Tool.text(dir.appendingPathComponent("s/paths.csv")).split(separator: "\n")
        #expect(paths[0] == "run,regime,t,series,value")
        #expect(paths.count == 1 + 8 * 2)
        // Fan chart data: quantiles of each series across the 4 good runs of a regime.
        let fan = try Tool.text(dir.appendingPathComponent("s/fan.csv")).split(separator: "\n").map(String.init)
        #expect(fan[0] == "regime,series,t,runs,q05,q25,q50,q75,q95")
        #expect(fan.count == 1 + 2 * 2)
        for row in fan.dropFirst() {
            let q = row.split(separator: ",").dropFirst(4).map { Double($0)! }
            #expect(row.split(separator: ",")[3] == "4" && q == q.sorted())
        }
        let rbNone2032 = paths.filter { $0.contains(",none,2032.0,rb,") }.map { Double($0.split(separator: ",")[4])! }
            .sorted()
        let median = fan.first { $0.hasPrefix("none,rb,2032.0,") }!.split(separator: ",")[6]
        // Type-7 quantiles, as R and numpy: the median of four is halfway between the middle two.
        #expect(Double(median)! == rbNone2032[1] + 0.5 * (rbNone2032[2] - rbNone2032[1]))
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("s/sweep.json")))
            as! [String: Any]
        #expect((summary["statuses"] as! [String: Int]) == ["success": 8, "invalid": 4])
        #expect(report.runCount == 12 && report.solvedNow == 12 && report.kept == 0)
        #expect(report.statusCounts == ["success": 8, "invalid": 4])
        let converted =
            try Tool.runProgram("/usr/bin/env", ["sh", "-c", "command -v rsvg-convert"], in: dir).status == 0
        #expect(
            report.files == ["runs.csv", "paths.csv", "sweep.json", "fan.csv", "fan.svg"]
                + (converted ? ["fan.png", "fan.pdf"] : []))
        // The fan chart: per path series a panel, per regime two shaded bands and the median.
        let chart = try Tool.text(dir.appendingPathComponent("s/fan.svg"))
        let panels = Set(fan.dropFirst().map { $0.split(separator: ",")[1] }).count
        let regimes = Set(fan.dropFirst().map { $0.split(separator: ",")[0] }).count
        #expect(chart.components(separatedBy: "<polygon").count - 1 == 2 * panels * regimes)
        #expect(chart.components(separatedBy: "<polyline").count - 1 == panels * regimes)
    }

    @Test("an interrupted sweep resumes without redoing finished runs, and ends as an uninterrupted one (sorted)")
    func resume() throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write(SweepHarness.grid, "grid.toml", in: dir)
        try SweepHarness.run(spec, in: dir, out: "full")
        // Simulate an interruption: the header, three finished runs and a torn line.
        let lines = try Tool.text(dir.appendingPathComponent("full/runs.csv")).split(separator: "\n").map(String.init)
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("resumed"), withIntermediateDirectories: true)
        try (lines[0...3].joined(separator: "\n") + "\n" + String(lines[4].prefix(20)))
            .write(to: dir.appendingPathComponent("resumed/runs.csv"), atomically: true, encoding: .utf8)
        let resumed = try SweepHarness.run(spec, in: dir, out: "resumed", jobs: 1)
        #expect(resumed.runCount == 12 && resumed.solvedNow == 9 && resumed.kept == 3)
        #expect(
            try SweepHarness.sortedRows(dir.appendingPathComponent("resumed/runs.csv"))
                == SweepHarness.sortedRows(dir.appendingPathComponent("full/runs.csv")))
    }

    @Test("an interrupted elasticity sweep with paths resumes into the same analyses, byte for byte")
    func resumeAnalyses() throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write(
            """
            name = "e"
            design = "elasticity"
            regimes = ["none", "buyer"]
            [[parameter]]
            key = "I1"
            [[parameter]]
            key = "k_y"
            [paths]
            series = ["rb", "L"]
            dates = [2026.0, 2030.0]
            """, "e.toml", in: dir)
        try SweepHarness.run(spec, in: dir, out: "full")
        // Interrupted: four runs and a torn line in runs.csv, their paths and a torn line in paths.csv.
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("resumed"), withIntermediateDirectories: true)
        let runs = try Tool.text(dir.appendingPathComponent("full/runs.csv")).split(separator: "\n").map(String.init)
        let kept = Set(runs[1...4].map { $0.split(separator: ",").prefix(2).joined(separator: ",") })
        try (runs[0...4].joined(separator: "\n") + "\n" + String(runs[5].prefix(15)))
            .write(to: dir.appendingPathComponent("resumed/runs.csv"), atomically: true, encoding: .utf8)
        let paths = try Tool.text(dir.appendingPathComponent("full/paths.csv")).split(separator: "\n").map(String.init)
        let keptPaths = paths.dropFirst().filter {
            kept.contains($0.split(separator: ",").prefix(2).joined(separator: ","))
        }
        try (([paths[0]] + keptPaths).joined(separator: "\n") + "\n" + "3,none,2026.0,r")
            .write(to: dir.appendingPathComponent("resumed/paths.csv"), atomically: true, encoding: .utf8)
        let resumed = try SweepHarness.run(spec, in: dir, out: "resumed", jobs: 1)
        #expect(resumed.kept == 4 && resumed.solvedNow == 6)
        for file in ["fan.csv", "elasticities.csv"] {
            #expect(
                try Tool.text(dir.appendingPathComponent("resumed/\(file)"))
                    == Tool.text(dir.appendingPathComponent("full/\(file)")), "\(file) differs")
        }
        #expect(
            try SweepHarness.sortedRows(dir.appendingPathComponent("resumed/paths.csv"))
                == SweepHarness.sortedRows(dir.appendingPathComponent("full/paths.csv")))
    }

    @Test("a resume refuses rows that are not this sweep's, naming the file and line")
    func staleRows() throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write(SweepHarness.grid, "grid.toml", in: dir)
        try SweepHarness.run(spec, in: dir, out: "s")
        let path = dir.appendingPathComponent("s/runs.csv")
        var lines = try Tool.text(path).split(separator: "\n").map(String.init)
        lines[2] = lines[2].replacingOccurrences(of: ",0.6,", with: ",0.65,")
        try (lines.joined(separator: "\n") + "\n").write(to: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: InputError.self) { try SweepHarness.run(spec, in: dir, out: "s") }
        #expect(
            error?.message
                == """
                \(path.path):3: not a run of this sweep (its run number, regime or parameter values differ from \
                the spec's); pick another --out
                """
        )
    }

    @Test("a resume with another configuration is refused, naming what changed; --restart starts afresh")
    func changedInputs() throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write(SweepHarness.grid, "grid.toml", in: dir)
        try SweepHarness.run(spec, in: dir, out: "s")
        let error = #expect(throws: InputError.self) {
            try SweepHarness.run(spec, in: dir, out: "s", set: ["payout=0.4"])
        }
        #expect(
            error?.message
                == """
                \(dir.appendingPathComponent("s").path) holds runs of another sweep: the model file or its \
                configuration (or --set) changed since; --restart starts afresh, or pick another --out
                """
        )
        let again = try SweepHarness.run(spec, in: dir, out: "s", set: ["payout=0.4"], restart: true)
        #expect(again.kept == 0 && again.solvedNow == 12)
    }

    @Test(
        "specs that cannot work are refused with the file, the key and the limit",
        arguments: [
            (
                """
                design = \"random\"\ndraws = 10\nseed = 1\n[[parameter]]\nkey = \"I1\"\ndistribution = \
                \"uniform\"\nlower = -inf\nupper = 1.0\n
                """,
                "I1.lower = -inf is not a finite number (a number)"
            ),
            (
                """
                design = \"random\"\ndraws = 10\nseed = 1\n[[parameter]]\nkey = \"I1\"\ndistribution = \
                \"normal\"\nmean = nan\nsd = 0.1\n
                """,
                "I1.mean = nan is not a finite number (a number)"
            ),
            (
                "design = \"grid\"\n[[parameter]]\nkey = \"I1\"\ndistribution = \"values\"\nvalues = [nan, 0.5]\n",
                "I1.values = nan is not a finite number (a number)"
            ),
            (
                """
                design = \"grid\"\nsolver = 1\n[[parameter]]\nkey = \"I1\"\ndistribution = \"values\"\nvalues = \
                [0.5]\n
                """,
                "solver must be a stepper's name in double quotes; got an integer"
            ),
            (
                """
                design = \"grid\"\ntolerance = inf\n[[parameter]]\nkey = \"I1\"\ndistribution = \
                \"values\"\nvalues = [0.5]\n
                """,
                "tolerance = inf is not a finite number (a number)"
            ),
            (
                """
                design = \"grid\"\nregimes = []\n[[parameter]]\nkey = \"I1\"\ndistribution = \"values\"\nvalues \
                = [0.5]\n
                """,
                "regimes must be a non-empty list of some of none, reserves, buyer, share, such as [\"none\"]"
            ),
            (
                """
                design = \"grid\"\n[[parameter]]\nkey = \"I1\"\ndistribution = \"values\"\nvalues = \
                [0.5]\n[paths]\nseries = [\"bogus\"]\ndates = [2026.0]\n
                """,
                "paths.series: unknown series bogus; the series are the columns of `liquidity run`'s series.csv"
            ),
            (
                """
                design = \"grid\"\n[[parameter]]\nkey = \"I1\"\ndistribution = \"values\"\nvalues = \
                [0.5]\n[paths]\nseries = [\"rb\"]\ndates = [2026.0]\nextra = 1\n
                """,
                "unknown key paths.extra; allowed: series, dates"
            ),
        ])
    func badSpecs(_ body: String, _ message: String) throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write("name = \"x\"\n" + body, "bad.toml", in: dir)
        let error = #expect(throws: InputError.self) { try SweepHarness.run(spec, in: dir, out: "s") }
        #expect(error?.message == "\(spec): \(message)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("s").path))
    }

    /// The reader refuses a design past its limit with a typed error; the command line names
    /// the flag that raises the limit, the Python package does not (it has no such flag).
    @Test(
        "a design with more points than the limit is refused before anything is solved, the tool naming --max-points")
    func pointLimit() throws {
        let dir = try Tool.scratch()
        let body =
            "name = \"x\"\ndesign = \"random\"\ndraws = 9223372036854775807\nseed = 1\n"
            + "[[parameter]]\nkey = \"I1\"\ndistribution = \"uniform\"\nlower = 0.5\nupper = 1.0\n"
        let random = try SweepHarness.write(body, "random.toml", in: dir)
        let values = (1...50).map { _ in "0.5" }.joined(separator: ", ")
        let grid = try SweepHarness.write(
            "name = \"x\"\ndesign = \"grid\"\n"
                + ["I1", "payout", "k_y", "b", "erp", "k_p"].map {
                    "[[parameter]]\nkey = \"\($0)\"\ndistribution = \"values\"\nvalues = [\(values)]\n"
                }.joined(),
            "grid.toml", in: dir)
        #expect(throws: PointLimit(path: random, points: Double(Int.max), limit: 10_000_000)) {
            try SweepHarness.run(random, in: dir, out: "s")
        }
        let error = #expect(throws: PointLimit.self) { try SweepHarness.run(grid, in: dir, out: "s") }
        #expect(error?.description == "\(grid): the design has 1.56e+10 points; the limit is 10000000")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("s").path))
        let tool = try Tool.run(
            ["sweep", grid, "--model", Tool.reverseQE, "--config", Tool.modelmd, "--quiet", "--out", "t"], in: dir)
        #expect(tool.status == 2)
        #expect(
            tool.stderr == """
                error: \(grid): the design has 1.56e+10 points; the limit is 10000000 \
                (--max-points raises it, for a cluster)\n
                """)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("t").path))
    }

    @Test("random and Latin-hypercube sweeps are reproducible from their seed, whatever the number of workers")
    func reproducible() throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write(
            """
            name = "latin"
            design = "latin"
            draws = 6
            seed = 7
            [[parameter]]
            key = "risk.crypto.beta"
            distribution = "lognormal"
            log_mean = 0.693
            log_sd = 0.3
            """, "latin.toml", in: dir)
        for (name, jobs) in [("one", 1), ("two", 2)] { try SweepHarness.run(spec, in: dir, out: name, jobs: jobs) }
        let one = try SweepHarness.sortedRows(dir.appendingPathComponent("one/runs.csv"))
        #expect(one == (try SweepHarness.sortedRows(dir.appendingPathComponent("two/runs.csv"))))
        // Latin hypercube: one draw in each sixth of the distribution.
        let betas = one.map { Double($0.split(separator: ",")[4])! }.map { log($0) }
        let strata = betas.map { Int(((0.5 * (1 + erf(($0 - 0.693) / (0.3 * 2.0.squareRoot())))) * 6).rounded(.down)) }
        #expect(strata.sorted() == [0, 1, 2, 3, 4, 5])
    }

    @Test("a bad spec is refused with the file, key and what is allowed")
    func badSpec() throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write(
            """
            name = "x"
            design = "grid"
            [[parameter]]
            key = "I1"
            distribution = "uniform"
            lower = 0.5
            upper = 1.0
            """, "bad.toml", in: dir)
        let error = #expect(throws: InputError.self) { try SweepHarness.run(spec, in: dir, out: "s") }
        #expect(error?.message == "\(spec): design = \"grid\" needs distribution = \"values\" for every parameter")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("s").path))
    }

    @Test(
        """
        saves in a spec: auto takes fewer msbdf steps than land; a resume with another save mode is refused, \
        naming it; a bad value names the allowed ones
        """
    )
    func saves() throws {
        let dir = try Tool.scratch()
        let body = """
            design = "grid"
            [[parameter]]
            key = "I1"
            distribution = "values"
            values = [0.8]
            """
        let auto = try SweepHarness.write("name = \"a\"\n" + body, "auto.toml", in: dir)
        let land = try SweepHarness.write("name = \"a\"\nsaves = \"land\"\n" + body, "land.toml", in: dir)
        try SweepHarness.run(auto, in: dir, out: "auto")
        try SweepHarness.run(land, in: dir, out: "land")
        func steps(_ out: String) throws -> Int {
            let rows = try Tool.text(dir.appendingPathComponent("\(out)/runs.csv")).split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false)
            }
            return Int(rows[1][rows[0].firstIndex(of: "steps")!])!
        }
        #expect(try steps("auto") < steps("land"))
        let error = #expect(throws: InputError.self) { try SweepHarness.run(land, in: dir, out: "auto") }
        #expect(
            error?.message
                == """
                \(dir.appendingPathComponent("auto").path) holds runs of another sweep: the save mode changed \
                since; --restart starts afresh, or pick another --out
                """
        )
        let bad = try SweepHarness.write("name = \"b\"\nsaves = \"dense\"\n" + body, "bad.toml", in: dir)
        let refused = #expect(throws: InputError.self) { try SweepHarness.run(bad, in: dir, out: "b") }
        #expect(refused?.message == "\(bad): saves = \"dense\"; allowed: \"auto\", \"land\", \"interpolate\"")
    }

    @Test("a section-qualified key names the same parameter as in a configuration, --set and a scenario")
    func sectionKey() throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write(
            """
            name = "k"
            design = "grid"
            [[parameter]]
            key = "capex.payout"
            distribution = "values"
            values = [0.4]
            """, "k.toml", in: dir)
        let source = try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        let read = try SweepSpecFile.read(
            spec, model: try FileEnsembleModel(source: source, settings: ModelSettings(), choice: "regime"))
        #expect(read.parameters.map(\.key) == ["payout"])
    }

    @Test("shards cover the sweep once and merge into the files one run writes, byte for byte after sorting")
    func shardsMerge() throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write(SweepHarness.grid, "grid.toml", in: dir)
        try SweepHarness.run(spec, in: dir, out: "single")
        var solved = 0
        for k in 1...3 {
            let shard = try SweepHarness.run(spec, in: dir, out: "part\(k)", shard: (k, 3))
            solved += shard.solvedNow
            #expect(shard.files == ["runs.csv", "paths.csv", "sweep.json"], "a shard writes no analyses")
        }
        #expect(solved == 12)
        try SweepFiles.merge(
            ["part1", "part2", "part3"].map { dir.appendingPathComponent($0).path },
            into: dir.appendingPathComponent("merged").path)
        for file in ["runs.csv", "paths.csv"] {
            let single = try Tool.text(dir.appendingPathComponent("single/\(file)")).split(separator: "\n").map(
                String.init)
            let merged = try Tool.text(dir.appendingPathComponent("merged/\(file)"))
            let sortedSingle =
                ([single[0]] + SweepFiles.sorted(Array(single.dropFirst()))).joined(separator: "\n") + "\n"
            #expect(merged == sortedSingle, "\(file) differs")
        }
    }

    /// ig_rest0 only scales the IG index the AI share is reported against:
    /// nothing about crypto may depend on it.
    @Test("a Saltelli sweep writes Sobol indices; a parameter that cannot matter gets a total index of 0")
    func sobolSweep() throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write(
            """
            name = "sobol"
            design = "saltelli"
            base_draws = 16
            seed = 3
            solver = "msbdf"
            tolerance = 1e-8
            [[parameter]]
            key = "I1"
            distribution = "uniform"
            lower = 0.5
            upper = 1.2
            [[parameter]]
            key = "ig_rest0"
            distribution = "uniform"
            lower = 7
            upper = 10
            """, "sobol.toml", in: dir)
        let report = try SweepHarness.run(spec, in: dir, out: "s")
        #expect(
            report.tables.count == 1
                && report.tables[0].hasPrefix(
                    "Sobol indices: first order S1 and total ST, with 95% bootstrap intervals")
        )
        let lines = try Tool.text(dir.appendingPathComponent("s/sobol.csv")).split(separator: "\n").map(String.init)
        #expect(
            lines[0]
                == "outcome,regime,parameter,first_order,first_order_low,first_order_high,"
                + "total,total_low,total_high,base_draws_used"
        )
        let crypto = lines.filter { $0.hasPrefix("drawdown_p_crypto,none,ig_rest0,") }
        #expect(crypto.count == 1)
        let fields = crypto[0].split(separator: ",", omittingEmptySubsequences: false)
        #expect(Double(fields[6]) == 0, "total index of ig_rest0: \(fields[6])")
        let capex = lines.first { $0.hasPrefix("drawdown_p_crypto,none,I1,") }!.split(separator: ",")
        #expect(Double(capex[6])! > 0.5)
        #expect(capex.last == "16")
    }

    @Test("an outcome constant over the design is written as constant in sobol.csv and its table")
    func constantOutcome() {
        let rows = [
            SobolIndices(outcome: "change_Bf", option: "none", parameter: "I1", estimate: nil, baseDrawsUsed: 8)
        ]
        let (csv, text) = SweepFiles.sobol(rows)
        #expect(csv.split(separator: "\n")[1] == "change_Bf,none,I1,,,,,,,8")
        #expect(text.contains("change_Bf") && text.contains("constant"))
    }

    @Test("elasticities at the baseline: 0 for a parameter that cannot matter, the story's sign for capex")
    func elasticities() throws {
        let dir = try Tool.scratch()
        let spec = try SweepHarness.write(
            """
            name = "elasticities"
            design = "elasticity"
            regimes = ["none"]
            [[parameter]]
            key = "I1"
            [[parameter]]
            key = "ig_rest0"
            """, "e.toml", in: dir)
        try SweepHarness.run(spec, in: dir, out: "e")
        let lines = try Tool.text(dir.appendingPathComponent("e/elasticities.csv")).split(separator: "\n").map(
            String.init)
        #expect(lines[0] == "outcome,regime,parameter,outcome_at_baseline,elasticity")
        #expect(try Tool.text(dir.appendingPathComponent("e/runs.csv")).split(separator: "\n").count == 1 + 5)
        func elasticity(_ outcome: String, _ parameter: String) -> Double {
            Double(lines.first { $0.hasPrefix("\(outcome),none,\(parameter),") }!.split(separator: ",")[4])!
        }
        #expect(elasticity("end_p_crypto", "ig_rest0") == 0)
        #expect(elasticity("end_p_crypto", "I1") < 0)
        #expect(elasticity("peak_rb", "I1") > 0)
    }
}
