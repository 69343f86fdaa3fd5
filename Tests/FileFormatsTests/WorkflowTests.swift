import Experiments
import Foundation
import TestSupport
import Testing

@testable import Application
@testable import FileFormats
@testable import FlowModel
@testable import Reports

/// The workflows of `compare`, `matrices`, `params` and `calibrate`, called
/// in-process as the commands call them, on the default model file.
enum Workflow {
    static let tool = Manifest.Tool(version: "test", commit: "test")
    static let model = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path

    /// MODEL.md's values, as `calibration/modelmd.toml` holds them.
    static func modelmd() throws -> ModelSettings {
        try ModelFiles.settings(configuration: Tool.modelmd, for: try ModelFiles.source(model))
    }

    /// A comparison of regimes on MODEL.md's values, solved into `dir/out`.
    @discardableResult
    static func compare(
        in dir: URL, out: String, regimes: [String] = ["none", "reserves", "buyer"], counterfactual: Bool = false,
        changes: [ModelSettings.Change] = [], plot: Bool = false, panels: [String]? = nil, notebook: Double?? = nil
    ) throws -> (result: ChoiceComparisonResult, files: [String]) {
        var settings = try modelmd()
        settings.changes = changes
        let comparison = try ChoiceComparison(
            source: try ModelFiles.source(model), settings: settings, choice: "regime", options: regimes,
            counterfactual: counterfactual)
        var options = ComparisonFiles.Options(config: Tool.modelmd, tool: tool, command: ["test"])
        options.anchors = [Tool.root.appendingPathComponent("Package.swift").path]
        options.plot = plot
        options.panels = panels
        options.notebookMatricesAt = notebook
        return try ComparisonFiles.run(
            comparison, file: model, into: dir.appendingPathComponent(out).path, options: options)
    }

    /// The summary called `column` of a case.
    static func value(_ solved: ChoiceCase, _ column: String) -> Double? {
        solved.summaries.first { $0.column == column }?.value
    }
}

@Suite("Comparison of regimes in-process", .serialized)
struct ComparisonWorkflowTests {
    @Test("a comparison writes its files, and its summaries make the regime table")
    func compare() throws {
        let dir = try Tool.scratch()
        let (result, files) = try Workflow.compare(in: dir, out: "out")
        let out = dir.appendingPathComponent("out")
        #expect(
            files == [
                "compare.csv", "series_none.csv", "series_reserves.csv", "series_buyer.csv", "units.csv",
                "manifest.json",
            ])
        #expect(Tool.files(out) == files.sorted())
        let table = SummaryTable.render(result.main.map { ($0.kind.option, $0.summaries) }, calendar: true).split(
            separator: "\n"
        ).map(String.init)
        #expect(
            table[0].hasPrefix(" ") && table[0].split(separator: " ") == ["none", "reserves", "buyer"], "\(table[0])")
        #expect(table.contains { $0.hasPrefix("crypto: price at end") })
        #expect(table.contains { $0.hasPrefix("idle cash L first below 1.0 $T") && $0.hasSuffix("never") })
        let tidy = try Tool.text(out.appendingPathComponent("compare.csv")).split(separator: "\n")
        #expect(tidy[0] == "t,date,regime,variable,value")
        let first = result.cases[0].solved
        #expect(tidy[1] == "2025.0,2025-01-01,none,\(first.columns[0].name),\(CSV.number(first.values[0][0]))")
        let series = try Tool.text(out.appendingPathComponent("series_none.csv")).split(separator: "\n")
        let columns = series[0].split(separator: ",").map(String.init)
        #expect(Array(columns.prefix(3)) == ["t", "date", first.columns[0].name])
        // Each regime: 85 monthly points, each with every series, as rows of compare.csv.
        #expect(tidy.count == 1 + 3 * 85 * (columns.count - 2))
        // The buyer keeps crypto higher than no buyer.
        #expect(
            Workflow.value(result.run("buyer")!, "end_p_crypto")! > Workflow.value(
                result.run("none")!, "end_p_crypto")!)
    }

    @Test("two comparisons with the same inputs give byte-identical files")
    func reproducible() throws {
        let dir = try Tool.scratch()
        for name in ["first", "second"] {
            try Workflow.compare(in: dir, out: name, regimes: ["none", "buyer"], counterfactual: true)
        }
        for file in ["compare.csv", "series_none.csv", "series_buyer_no_ai_boom.csv", "units.csv"] {
            let a = try Data(contentsOf: dir.appendingPathComponent("first/\(file)"))
            let b = try Data(contentsOf: dir.appendingPathComponent("second/\(file)"))
            #expect(a == b, "\(file) differs")
        }
        let first =
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("first/manifest.json")))
            as! [String: Any]
        let second =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: dir.appendingPathComponent("second/manifest.json"))) as! [String: Any]
        #expect(first["inputs_fingerprint"] as? String == second["inputs_fingerprint"] as? String)
    }

    @Test("a counterfactual is a field of each case: attribution pairs each regime with its case without the boom")
    func counterfactual() throws {
        let dir = try Tool.scratch()
        let (result, files) = try Workflow.compare(in: dir, out: "out", regimes: ["none"], counterfactual: true)
        #expect(
            result.cases.map(\.kind) == [.init(option: "none"), .init(option: "none", counterfactual: "no_ai_boom")])
        #expect(result.cases.map(\.kind.label) == ["none", "none/no_ai_boom"])
        #expect(files.contains("series_none_no_ai_boom.csv"))
        let attribution = result.attribution
        #expect(attribution.count == 1)
        // Without the boom, crypto falls less: the boom's part of the drawdown is positive.
        func drawdown(_ s: [SummaryValue]) -> Double { s.first { $0.column == "drawdown_p_crypto" }!.value! }
        #expect(drawdown(attribution[0].actual) > drawdown(attribution[0].counterfactual))
        let text = SummaryTable.differences(attribution.map { ($0.option, $0.actual, $0.counterfactual) })
        #expect(text.contains("crypto: largest drawdown") && !text.contains("idle cash"))
    }

    @Test("a notebook date off the save grid is refused before anything is solved or written")
    func offGrid() throws {
        let dir = try Tool.scratch()
        let error = #expect(throws: InputError.self) {
            try Workflow.compare(in: dir, out: "nb", regimes: ["none"], notebook: .some(2026.3))
        }
        #expect(
            error?.message == "--matrices-at 2026.3: not a saved date of the run; pick one on the --save-step grid")
        #expect(Tool.files(dir) == [])
    }

    @Test("a scenario file changes parameters from its dates; its keys may carry a section prefix")
    func scenarioFile() throws {
        let dir = try Tool.scratch()
        try """
        name = "payout up"
        [[change]]
        key = "capex.payout"
        value = 0.6
        start = 2026-07-01
        ramp_years = 0.5
        """.write(to: dir.appendingPathComponent("s.toml"), atomically: true, encoding: .utf8)
        let changes = try ModelFiles.changes(
            dir.appendingPathComponent("s.toml").path, model: try ModelFiles.source(Workflow.model))
        #expect(changes == [ModelSettings.Change(parameter: "payout", value: 0.6, start: 2026.5, rampYears: 0.5)])
        let base = try Workflow.compare(in: dir, out: "base", regimes: ["none"]).result.cases[0].solved
        let changed = try Workflow.compare(in: dir, out: "s", regimes: ["none"], changes: changes).result.cases[0]
            .solved
        func row(_ path: ModelSolution, _ k: Int) -> [Double] { path.values.map { $0[k] } }
        #expect(
            row(base, 0) == row(changed, 0) && row(base, 18) == row(changed, 18), "nothing changes before 2026-07-01")
        #expect(row(base, 84) != row(changed, 84))
        #expect(try Tool.text(dir.appendingPathComponent("s/manifest.json")).contains("\"parameter\" : \"payout\""))
    }
}

@Suite("Matrices and parameters in-process")
struct TablesTests {
    @Test("both matrices, balanced, in every format; the symbolic matrices as the file writes them")
    func matrices() throws {
        let model = try ModelFiles.compile(Workflow.model, settings: try Workflow.modelmd())
        let settings = SolveSettings()
        func render(_ t: Double, _ format: TableFormat) throws -> String {
            let state = try settings.state(of: model, at: t)
            return model.matrixValues(at: t, state).map {
                Tables.matrix($0, at: t, calendar: true, case: "regime none", format: format)
            }
            .joined(separator: "\n")
        }
        let table = try render(2027, .table)
        #expect(table.contains("balance-sheet matrix ($T) at 2027-01-01 (t = 2027.0), regime none"))
        #expect(table.contains("transactions-flow matrix ($T/yr) at 2027-01-01"))
        #expect(table.components(separatedBy: "balanced: every row and column").count == 3)
        #expect(try render(2026.5, .csv).contains("row,P,A,G,F,S,W,row sum,must be"))
        #expect(try render(2025, .markdown).contains("| row | P | A | G | F | S | W | row sum | must be |"))
        #expect(try render(2025, .latex).contains("\\begin{tabular}{lrrrrrrrr}"))
        #expect(
            ModelFiles.symbolicMatrices(model.source, format: .csv).contains(
                "AI capex,(1 - mu_m) * I,-I,,,,mu_m * I,0"))
    }

    @Test("every parameter with value, unit, meaning and source; the rendered configuration reads back the same")
    func params() throws {
        let model = try ModelFiles.compile(Workflow.model, settings: try Workflow.modelmd())
        let csv = Tables.parameters(of: model, format: .csv)
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines[0] == "name,value,unit,role,allowed,meaning,source")
        #expect(
            lines.contains(
                """
                payout,0.35,share,behaviour,\"in [0, 1]\",\"share of operating cash flow paid out (buybacks, \
                dividends)\",MODEL.md section 4
                """
            ))
        #expect(lines.contains { $0.hasPrefix("beta[crypto],2.0,1,behaviour,") })
        let dir = try Tool.scratch()
        let path = dir.appendingPathComponent("again.toml").path
        try ModelConfiguration.render(model, header: []).write(toFile: path, atomically: true, encoding: .utf8)
        let again = try ModelFiles.compile(
            Workflow.model, settings: try ModelFiles.settings(configuration: path, for: model.source))
        #expect(Tables.parameters(of: again, format: .csv) == csv)
        #expect(again.knots(of: "rm").elementsEqual(model.knots(of: "rm")) { $0 == $1 })
    }
}

@Suite("What flips between regimes")
struct FlipTests {
    @Test(
        "a row whose difference is negative in one pair and positive in another is listed with both ends; noise is not"
    )
    func flips() {
        func row(_ label: String, _ unit: String, _ value: Double, kind: String = "end") -> SummaryValue {
            SummaryValue(label: label, kind: kind, series: label, unit: unit, value: value)
        }
        func run(_ price: Double, _ residual: Double, _ yield: Double, _ date: Double) -> [SummaryValue] {
            [
                row("price", "index, 1 at t0", price), row("residual", "1", residual), row("rb", "1/yr", yield),
                row("paid off", "year", date, kind: "below"),
            ]
        }
        let base = run(1.0, 0, 0.04, 2030)
        let pairs = [
            ("none", run(0.93, 2e-11, 0.045, 2031), base), ("buyer", run(1.02, -1e-11, 0.04002, 2029), base),
            ("share", run(1.005, 3e-11, 0.041, 2030), base),
        ].map { (label: $0.0, a: $0.1, b: $0.2) }
        // The price's part: -0.07 under none, +0.02 under buyer; the residual's sign changes are noise; the
        // yield's parts are all positive (the buyer's 0.002 pp shows as +0.00 pp, below half a printed digit);
        // a date's difference is not reported.
        #expect(SummaryTable.flips(pairs) == ["price: -0.0700 under none, +0.0200 under buyer"])
        #expect(SummaryTable.flips(pairs.filter { $0.label != "none" }) == [])
    }

    @Test(
        """
        a flip says what moved with it between its two ends: a member's first row the part of that member that \
        moves most, a scalar the other scalar in its unit that moves most; a member's other rows nothing
        """
    )
    func why() {
        func row(_ series: String, _ unit: String, _ value: Double, member: String? = nil) -> SummaryValue {
            var row = SummaryValue(label: series, kind: "end", series: series, unit: unit, value: value)
            row.member = member
            return row
        }
        // AI's part under each regime: the price falls under share and rises under buyer; of its two channels
        // the yield channel moves by 0.08 between them, the liquidity channel by 0.01; reserves flip while the
        // ON RRP moves by 0.9 and the Fed's bonds by 0.8.
        func part(_ p: Double, _ yield: Double, _ liquidity: Double, _ r: Double, _ rrp: Double, _ bf: Double)
            -> [SummaryValue]
        {
            [
                row("p_x", "index", p, member: "x"), row("yc_x", "1", yield, member: "x"),
                row("lc_x", "1", liquidity, member: "x"), row("R", "$T", r), row("RRP", "$T", rrp),
                row("Bf", "$T", bf),
            ]
        }
        let zero = part(0, 0, 0, 0, 0, 0)
        let pairs = [
            ("share", part(-0.1, -0.075, -0.001, -0.9, 0.9, 0.02), zero),
            ("buyer", part(0.02, 0.005, 0.009, 0.8, 0, 0.82), zero),
        ].map { (label: $0.0, a: $0.1, b: $0.2) }
        #expect(
            SummaryTable.flips(pairs) == [
                """
                p_x: -0.1000 under share, +0.0200 under buyer; most of it: yc_x: -0.075 under share, +0.005 under \
                buyer
                """,
                "yc_x: -0.075 under share, +0.005 under buyer",
                "lc_x: -0.001 under share, +0.009 under buyer",
                "R: -0.900 under share, +0.800 under buyer; alongside: RRP: +0.900 under share, +0.000 under buyer",
            ])
    }
}
