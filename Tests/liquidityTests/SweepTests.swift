import Foundation
import Testing
import TestSupport

import FileFormats

@Suite("Sweeps, end to end", .serialized)
struct SweepTests {
    static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let grid = """
        name = "grid"
        design = "grid"
        regimes = ["none", "buyer"]
        [[parameter]]
        key = "I1"
        distribution = "values"
        values = [0.6, 0.95]
        [[parameter]]
        key = "payout"
        distribution = "values"
        values = [0.35, 0.5, 1.5]
        [paths]
        series = ["rb"]
        dates = [2026.0, 2032.0]
        """

    /// The fields of one CSV line, quotes honoured.
    static func fields(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var characters = Array(line)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { current.append("\""); characters.removeFirst() } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { fields.append(current); current = "" } else { current.append(c) }
        }
        fields.append(current)
        return fields
    }

    static func sortedRows(_ path: URL) throws -> [String] {
        try Tool.text(path).split(separator: "\n").dropFirst().map(String.init).sorted()
    }

    @Test("a grid sweep records every run, its summary and residual, and invalid points without stopping")
    func gridSweep() throws {
        let dir = try Tool.scratch()
        let spec = try Self.write(Self.grid, "grid.toml", in: dir)
        let result = try Tool.run(["sweep", spec, "--config", Tool.modelmd, "--out", "s", "--quiet"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try Tool.text(dir.appendingPathComponent("s/runs.csv")).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(Array(header.prefix(6)) == ["run", "regime", "status", "steps", "I1", "payout"])
        #expect(header.contains("max_drawdown_crypto") && header.contains("largest_identity_residual") && header.last == "message")
        #expect(lines.count == 1 + 2 * 3 * 2)
        let rows = lines.dropFirst().map(Self.fields)
        #expect(rows.allSatisfy { $0.count == header.count })
        // payout = 1.5 is out of range: recorded as invalid with the reason, four times (2 I1 x 2 regimes).
        let invalid = rows.filter { $0[2] == "invalid" }
        #expect(invalid.count == 4)
        #expect(invalid.allSatisfy { $0.last == "parameter payout = 1.5 is out of range: allowed in [0, 1]" })
        let good = rows.filter { $0[2] == "success" }
        #expect(good.count == 8)
        let residual = header.firstIndex(of: "largest_identity_residual")!
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
        let rbNone2032 = paths.filter { $0.contains(",none,2032.0,rb,") }.map { Double($0.split(separator: ",")[4])! }.sorted()
        let median = fan.first { $0.hasPrefix("none,rb,2032.0,") }!.split(separator: ",")[6]
        #expect(Double(median)! == 0.5 * (rbNone2032[1] + rbNone2032[2]))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("s/sweep.json"))) as! [String: Any]
        #expect((summary["statuses"] as! [String: Int]) == ["success": 8, "invalid": 4])
        #expect(result.stdout.contains("12 runs (12 solved now, 0 kept); 4 invalid, 8 success"))
    }

    @Test("an interrupted sweep resumes without redoing finished runs, and ends as an uninterrupted one (sorted)")
    func resume() throws {
        let dir = try Tool.scratch()
        let spec = try Self.write(Self.grid, "grid.toml", in: dir)
        let full = try Tool.run(["sweep", spec, "--config", Tool.modelmd, "--out", "full", "--quiet"], in: dir)
        #expect(full.status == 0)
        // Simulate an interruption: the header, three finished runs and a torn line.
        let lines = try Tool.text(dir.appendingPathComponent("full/runs.csv")).split(separator: "\n").map(String.init)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("resumed"), withIntermediateDirectories: true)
        try (lines[0...3].joined(separator: "\n") + "\n" + String(lines[4].prefix(20)))
            .write(to: dir.appendingPathComponent("resumed/runs.csv"), atomically: true, encoding: .utf8)
        let resumed = try Tool.run(["sweep", spec, "--config", Tool.modelmd, "--out", "resumed", "--quiet", "--jobs", "1"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("12 runs (9 solved now, 3 kept)"))
        #expect(try Self.sortedRows(dir.appendingPathComponent("resumed/runs.csv")) == Self.sortedRows(dir.appendingPathComponent("full/runs.csv")))
    }

    @Test("random and Latin-hypercube sweeps are reproducible from their seed, whatever the number of workers")
    func reproducible() throws {
        let dir = try Tool.scratch()
        let spec = try Self.write("""
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
        for (name, jobs) in [("one", "1"), ("two", "2")] {
            let result = try Tool.run(["sweep", spec, "--config", Tool.modelmd, "--out", name, "--jobs", jobs, "--quiet"], in: dir)
            #expect(result.status == 0)
        }
        let one = try Self.sortedRows(dir.appendingPathComponent("one/runs.csv"))
        #expect(one == (try Self.sortedRows(dir.appendingPathComponent("two/runs.csv"))))
        // Latin hypercube: one draw in each sixth of the distribution.
        let betas = one.map { Double($0.split(separator: ",")[4])! }.map { log($0) }
        let strata = betas.map { Int(((0.5 * (1 + erf(($0 - 0.693) / (0.3 * 2.0.squareRoot())))) * 6).rounded(.down)) }
        #expect(strata.sorted() == [0, 1, 2, 3, 4, 5])
    }

    @Test("a bad spec is refused with the file, key and what is allowed")
    func badSpec() throws {
        let dir = try Tool.scratch()
        let spec = try Self.write("""
            name = "x"
            design = "grid"
            [[parameter]]
            key = "I1"
            distribution = "uniform"
            lower = 0.5
            upper = 1.0
            """, "bad.toml", in: dir)
        let result = try Tool.run(["sweep", spec, "--config", Tool.modelmd, "--out", "s"], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr == "error: \(spec): design = \"grid\" needs distribution = \"values\" for every parameter\n")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("s").path))
    }
}

@Suite("Sweep shards, end to end", .serialized)
struct ShardTests {
    @Test("shards cover the sweep once and merge into the files one run writes, byte for byte after sorting")
    func shardsMerge() throws {
        let dir = try Tool.scratch()
        let spec = try SweepTests.write(SweepTests.grid, "grid.toml", in: dir)
        #expect(try Tool.run(["sweep", spec, "--config", Tool.modelmd, "--out", "single", "--quiet"], in: dir).status == 0)
        for k in 1...3 {
            let shard = try Tool.run(["sweep", spec, "--config", Tool.modelmd, "--shard", "\(k)/3", "--out", "part\(k)", "--quiet"], in: dir)
            #expect(shard.status == 0, "\(shard.stderr)")
        }
        let merge = try Tool.run(["sweep", "merge", "merged", "part1", "part2", "part3"], in: dir)
        #expect(merge.status == 0, "\(merge.stderr)")
        for file in ["runs.csv", "paths.csv"] {
            let single = try Tool.text(dir.appendingPathComponent("single/\(file)")).split(separator: "\n").map(String.init)
            let merged = try Tool.text(dir.appendingPathComponent("merged/\(file)"))
            let sortedSingle = ([single[0]] + SweepFiles.sorted(Array(single.dropFirst()))).joined(separator: "\n") + "\n"
            #expect(merged == sortedSingle, "\(file) differs")
        }
        let bad = try Tool.run(["sweep", spec, "--config", Tool.modelmd, "--shard", "4/3", "--out", "x"], in: dir)
        #expect(bad.status == 2)
        #expect(bad.stderr == "error: --shard 4/3: expected K/N with 1 <= K <= N, such as 2/4\n")
    }
}


@Suite("Sobol sweeps, end to end")
struct SobolSweepTests {
    /// ig_rest0 only scales the IG index the AI share is reported against:
    /// nothing about crypto may depend on it.
    @Test("a Saltelli sweep writes Sobol indices; a parameter that cannot matter gets a total index of 0")
    func sobolSweep() throws {
        let dir = try Tool.scratch()
        let spec = try SweepTests.write("""
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
        let result = try Tool.run(["sweep", spec, "--config", Tool.modelmd, "--out", "s", "--quiet"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Sobol indices: first order S1 and total ST, with 95% bootstrap intervals"))
        let lines = try Tool.text(dir.appendingPathComponent("s/sobol.csv")).split(separator: "\n").map(String.init)
        #expect(lines[0] == "outcome,regime,parameter,first_order,first_order_low,first_order_high,total,total_low,total_high,base_draws_used")
        let crypto = lines.filter { $0.hasPrefix("max_drawdown_crypto,none,ig_rest0,") }
        #expect(crypto.count == 1)
        let fields = crypto[0].split(separator: ",", omittingEmptySubsequences: false)
        #expect(Double(fields[6]) == 0, "total index of ig_rest0: \(fields[6])")
        let capex = lines.first { $0.hasPrefix("max_drawdown_crypto,none,I1,") }!.split(separator: ",")
        #expect(Double(capex[6])! > 0.5)
        #expect(capex.last == "16")
    }
}

@Suite("Elasticity sweeps, end to end")
struct ElasticitySweepTests {
    @Test("elasticities at the baseline: 0 for a parameter that cannot matter, the story's sign for capex")
    func elasticities() throws {
        let dir = try Tool.scratch()
        let spec = try SweepTests.write("""
            name = "elasticities"
            design = "elasticity"
            regimes = ["none"]
            [[parameter]]
            key = "I1"
            [[parameter]]
            key = "ig_rest0"
            """, "e.toml", in: dir)
        let result = try Tool.run(["sweep", spec, "--config", Tool.modelmd, "--out", "e", "--quiet"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try Tool.text(dir.appendingPathComponent("e/elasticities.csv")).split(separator: "\n").map(String.init)
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
