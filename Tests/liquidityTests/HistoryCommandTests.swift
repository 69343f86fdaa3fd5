import Foundation
import TestSupport
import Testing

@Suite("Historical configuration, end to end")
struct HistoricalConfigurationTests {
    @Test(
        "the committed historical configuration is what --make-config builds, and --compare runs it against the table")
    func reproduced() throws {
        let dir = try Tool.scratch()
        let make = try Tool.run(
            [
                "history", "--make-config", "calibration/baseline.toml", "--table", "calibration/history.csv",
                "--write", dir.appendingPathComponent("h.toml").path,
            ], in: Tool.root)
        #expect(make.status == 0, "\(make.stderr)")
        let built = try String(contentsOf: dir.appendingPathComponent("h.toml"), encoding: .utf8)
        let committed = try String(
            contentsOf: Tool.root.appendingPathComponent("calibration/history2022.toml"), encoding: .utf8)
        #expect(built == committed)
        #expect(committed.contains("t0 = 2022.5") && committed.contains("Bf0 = 5.763933"))
        let compare = try Tool.run(
            [
                "history", "--compare", "calibration/history2022.toml", "--model", "models/reverse-qe.sfc", "--format",
                "csv",
            ], in: Tool.root)
        #expect(compare.status == 0, "\(compare.stderr)")
        let lines = compare.stdout.split(separator: "\n")
        #expect(lines.count == 1 + 15)
        // The first quarter is the starting point: model and data agree.
        #expect(lines[1].hasPrefix("2022.50,2022-07-01,2.98,2.98,2.33,2.33,1.64,1.64,1.00,1.00,1.00,1.00"))
    }
}

@Suite("History against a model's observed series")
struct ObservedHistoryTests {
    /// The reverse-QE file declares DGS10 = 100 rb: the comparison counts its quarters within 50 bp.
    @Test(
        """
        history --compare with the FRED-unit table sets each observed series against its column, with its RMSE \
        and quarters within the band
        """
    )
    func observed() throws {
        let result = try Tool.run(
            [
                "history", "--compare", "calibration/history2022.toml", "--model", "models/reverse-qe.sfc", "--table",
                "calibration/history-fred.csv", "--format", "csv",
            ],
            in: Tool.root)
        #expect(result.status == 0, "\(result.stderr)")
        let tables = result.stdout.components(separatedBy: "\n\n")
        let rows = tables[0].split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(rows.first?.prefix(2) == ["t", "date"] && rows.first?.suffix(2) == ["model DGS10", "data"])
        let pairs = rows.dropFirst().map { (Double($0[2])!, Double($0[3])!) }
        #expect(pairs.count == 15 && abs(pairs[0].0 - pairs[0].1) < 1e-9, "the start is the data")
        let rmse = (pairs.reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(pairs.count)).squareRoot()
        let within = pairs.filter { abs($0.0 - $0.1) <= 0.5 }.count
        let summary = tables[1].split(separator: "\n").last!.split(separator: ",").map(String.init)
        #expect(summary[0] == "DGS10" && summary[1] == "15")
        #expect(abs(Double(summary[2])! - rmse) <= 1e-3 * rmse)
        #expect(summary[3] == "\(within) of 15 within 0.5")
    }

    /// The per-series rows of a `history --compare --format csv` run: series -> (RMSE, within).
    static func perSeries(_ stdout: String) -> [String: (rmse: Double, within: String)] {
        let table = stdout.components(separatedBy: "\n\n")[1].split(separator: "\n").dropFirst()
        return Dictionary(
            uniqueKeysWithValues: table.map { line in
                let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                return (cells[0], (Double(cells[2]) ?? .nan, cells[3]))
            })
    }

    @Test(
        """
        the history-consistent model fits the quarter-end 10-year yield of 2022-2025 that MODEL.md's misses, by an \
        order of magnitude
        """
    )
    func defaultModelFitsHistory() throws {
        let liquidity = try Tool.run(
            [
                "history", "--compare", "calibration/liquidity.toml", "--model", "models/liquidity.sfc", "--table",
                "calibration/history-fred.csv", "--format", "csv",
            ], in: Tool.root)
        #expect(liquidity.status == 0, "\(liquidity.stderr)")
        let modelmd = try Tool.run(
            [
                "history", "--compare", "calibration/history2022.toml", "--model", "models/reverse-qe.sfc", "--table",
                "calibration/history-fred.csv", "--format", "csv",
            ],
            in: Tool.root)
        let fitted = Self.perSeries(liquidity.stdout)
        let old = Self.perSeries(modelmd.stdout)
        #expect(
            Set(fitted.keys) == [
                "DGS10", "RRPONTSYD", "WRESBAL", "TREAST", "WALCL", "FYGFDPUN", "WTREGEN", "BAMLC0A0CM", "CBBTCUSD",
                "NASDAQCOM",
            ])
        let rmse = try #require(fitted["DGS10"]?.rmse)
        let oldRMSE = try #require(old["DGS10"]?.rmse)
        #expect(rmse < 0.5 && oldRMSE > 10 * rmse, "DGS10 RMSE \(rmse) pp against MODEL.md's \(oldRMSE)")
        #expect(try #require(fitted["TREAST"]?.rmse) < 100_000, "the Fed's Treasuries within $100B RMSE")
    }

    @Test(
        "the committed fit of the history-consistent model reproduces its report: the same targets inside their bands")
    func committedFit() throws {
        let check = try Tool.run(
            ["calibrate", "--check", "--model", "models/liquidity.sfc", "--config", "calibration/liquidity.toml"],
            in: Tool.root)
        #expect(check.status == 0, "\(check.stderr)")
        let report =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Tool.root.appendingPathComponent("calibration/liquidity-report.json")))
            as? [String: Any]
        let targets = try #require(report?["targets"] as? [[String: Any]])
        // The quarter-end targets are the data, read here from the raw files, not through the tool: the
        // 10-year on 2022-09-30 (data/DGS10.csv) and the ON RRP on 2024-12-31 (data/RRPONTSYD.csv).
        func observation(_ file: String, _ date: String) throws -> Double {
            let rows = try Tool.text(Tool.root.appendingPathComponent("data/\(file)")).split(separator: "\n")
            let row = try #require(rows.first { $0.hasPrefix(date + ",") }, "\(file) has no \(date)")
            return try #require(Double(row.split(separator: ",")[1]))
        }
        for (id, file, date) in [
            ("DGS10_2022Q3", "DGS10.csv", "2022-09-30"), ("RRPONTSYD_2024Q4", "RRPONTSYD.csv", "2024-12-31"),
        ] {
            let target = try #require(targets.first { $0["id"] as? String == id }, "no target \(id)")
            #expect(target["value"] as? Double == (try observation(file, date)), "\(id)")
        }
        let fitted = targets.filter { ($0["weight"] as? Double ?? 0) > 0 }
        let inside = fitted.filter { $0["inside"] as? Bool == true }.count
        #expect(fitted.count == 140, "126 quarter-ends (nine series) and 14 of the seeds' figures")
        #expect(
            check.stdout.contains("\(inside) of \(fitted.count) fitted targets inside their bands"),
            "\(check.stdout.suffix(300))")
    }
}

@Suite("The default comparison's start")
struct DefaultStartTests {
    @Test(
        """
        the history-consistent model's comparison starts on 2026-01-01 from the end-2025 data, with the \
        configuration `liquidity restart --model models/liquidity.sfc --at 2026-01-01` writes
        """
    )
    func start() throws {
        let dir = try Tool.scratch()
        let written = dir.appendingPathComponent("start.toml").path
        let restart = try Tool.run(
            ["restart", "--model", "models/liquidity.sfc", "--at", "2026-01-01", "--write", written, "--quiet"],
            in: Tool.root)
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(
            try Tool.text(URL(fileURLWithPath: written))
                == Tool.text(Tool.root.appendingPathComponent("calibration/liquidity-2026.toml")))
        let run = try Tool.run(
            [
                "run", "--model", Tool.root.appendingPathComponent("models/liquidity.sfc").path, "--config", written,
                "--regime", "none", "--save-step", "quarterly", "--quiet", "--out", "r",
            ], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let series = try Tool.rows(dir.appendingPathComponent("r/series.csv"))
        let header = series[0]
        let first = series[1]
        #expect(first[1] == "2026-01-01")
        let data = try Tool.rows(Tool.root.appendingPathComponent("calibration/history-fred.csv"))
        let q4 = try #require(data.first { $0[0] == "2025Q4" })
        for id in ["FYGFDPUN", "TREAST", "WALCL", "WRESBAL", "RRPONTSYD", "BAMLC0A0CM", "CBBTCUSD", "NASDAQCOM"] {
            let column = try #require(header.firstIndex(of: id))
            let dataColumn = try #require(data[0].firstIndex(of: id))
            let model = try #require(Double(first[column]))
            let value = try #require(Double(q4[dataColumn]))
            #expect(abs(model - value) <= 1e-9 * abs(value), "\(id) starts at \(model), the data say \(value)")
        }
    }

    @Test(
        """
        the default comparison (the priced model) starts on 2026-01-01 from the configuration \
        `liquidity restart --at 2026-01-01` writes, its balance sheet whole and its measured stocks December \
        2025's means
        """
    )
    func pricedStart() throws {
        let dir = try Tool.scratch()
        let written = dir.appendingPathComponent("start.toml").path
        let restart = try Tool.run(["restart", "--at", "2026-01-01", "--write", written, "--quiet"], in: Tool.root)
        #expect(restart.status == 0, "\(restart.stderr)")
        let committed = Tool.root.appendingPathComponent("calibration/liquidity-priced-2026.toml")
        #expect(try Tool.text(URL(fileURLWithPath: written)) == Tool.text(committed))
        let run = try Tool.run(["run", "--regime", "none", "--to", "2027-01-01", "--quiet", "--out", "r"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try Tool.rows(dir.appendingPathComponent("r/series.csv"))
        let residual = try #require(rows[0].firstIndex(of: "identity_share"))
        #expect(rows.dropFirst().allSatisfy { Double($0[residual])! < 1e-9 })
        let reserves = try #require(rows[0].firstIndex(of: "R"))
        #expect(rows[1][1] == "2026-01-01")
        func december(_ id: String) throws -> Double {
            let values = try Tool.text(Tool.root.appendingPathComponent("data/\(id).csv")).split(separator: "\n")
                .filter { $0.hasPrefix("2025-12") }
                .compactMap { Double($0.split(separator: ",", omittingEmptySubsequences: false)[1]) }
            return values.reduce(0, +) / Double(values.count)
        }
        let mean = try december("WRESBAL") / 1e6
        #expect(abs(Double(rows[1][reserves])! - mean) <= 1e-9 * mean, "R starts at \(rows[1][reserves]), not \(mean)")
        // Every [match] of calibration/restart-liquidity-priced.toml starts at December's mean (the 10-year by tp0).
        for id in ["TREAST", "WRESBAL", "RRPONTSYD", "BAMLC0A0CM", "CBBTCUSD", "NASDAQCOM", "DGS10"] {
            let column = try #require(rows[0].firstIndex(of: id))
            let (model, data) = (Double(rows[1][column])!, try december(id))
            #expect(abs(model - data) <= 1e-9 * abs(data), "\(id) starts at \(model), December's mean is \(data)")
        }
    }

    @Test("the priced model's monthly tables (TGA, r2_gap, Af_data) are what scripts/monthly-tables.py prints")
    func monthlyTables() throws {
        let script = try Tool.runProgram("/usr/bin/env", ["python3", "scripts/monthly-tables.py"], in: Tool.root)
        #expect(script.status == 0, "\(script.stderr)")
        let knots = script.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("(") }
            .map { $0.hasSuffix("\\") ? String($0.dropLast()).trimmingCharacters(in: .whitespaces) : $0 }
        #expect(knots.count == 27, "\(knots.count) lines of knots")
        let model = try Tool.text(Tool.root.appendingPathComponent("models/liquidity-priced.sfc"))
        for line in knots {
            #expect(model.contains(line), "models/liquidity-priced.sfc lacks \(line)")
        }
    }
}

@Suite("Targets from the data with the seeds' merged in")
struct SeedTargetsTests {
    @Test(
        """
        history --targets --seeds writes the quarter-ends and then every target of the seeds' file under its model \
        key, which calibrate reads; an id made twice is refused
        """
    )
    func merged() throws {
        let dir = try Tool.scratch()
        let seeds = Tool.root.appendingPathComponent("calibration/targets-liquidity-priced.toml").path
        let table = Tool.root.appendingPathComponent("calibration/history-fred.csv").path
        let written = try Tool.run(
            [
                "history", "--targets", "DGS10=0.25,RRPONTSYD=25%", "--from", "2025Q3", "--table", table, "--seeds",
                seeds, "--write", "t.toml",
            ], in: dir)
        #expect(written.status == 0, "\(written.stderr)")
        let text = try Tool.text(dir.appendingPathComponent("t.toml"))
        #expect(text.hasPrefix("model = \"liquidity_priced\""))
        let seedCount = try Tool.text(URL(fileURLWithPath: seeds)).components(separatedBy: "[[target]]").count - 1
        #expect(text.components(separatedBy: "[[target]]").count - 1 == 4 + seedCount)
        let check = try Tool.run(["calibrate", "--check", "--targets", "t.toml"], in: dir)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("of \(4 + seedCount - 2) fitted targets inside their bands"))
        let clash = [
            "[[target]]", "id = \"DGS10_2025Q4\"", "description = \"x\"", "quantity = \"value\"", "series = \"rb\"",
            "at = 2026.0", "value = 0.04", "band = 0.01", "weight = 1.0", "source = \"x\"",
        ]
        try (clash.joined(separator: "\n") + "\n").write(
            to: dir.appendingPathComponent("clash.toml"), atomically: true, encoding: .utf8)
        try BadInputTests.refused(
            [
                (
                    [
                        "history", "--targets", "DGS10=0.25", "--from", "2025Q3", "--table", table, "--seeds",
                        "clash.toml", "--write", "u.toml",
                    ],
                    "--seeds clash.toml: target DGS10_2025Q4 is also made from --table; rename one"
                )
            ], in: dir, out: [])
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("u.toml").path))
    }
}
