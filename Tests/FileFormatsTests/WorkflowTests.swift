import Experiments
import Foundation
import FlowModel
import Testing
import TestSupport

@testable import FileFormats
@testable import Application
@testable import Reports

/// The workflows of `compare`, `matrices`, `params` and `calibrate`, called
/// in-process as the commands call them, on the default model file.
enum Workflow {
    static let tool = Manifest.Tool(version: "test", commit: "test")
    static let model = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path

    /// MODEL.md's values, as `calibration/modelmd.toml` holds them.
    static func modelmd() throws -> ModelSettings { try ModelFiles.settings(configuration: Tool.modelmd, for: try ModelFiles.source(model)) }

    /// A comparison of regimes on MODEL.md's values, solved into `dir/out`.
    @discardableResult
    static func compare(
        in dir: URL, out: String, regimes: [String] = ["none", "reserves", "buyer"], counterfactual: Bool = false,
        changes: [ModelSettings.Change] = [], plot: Bool = false, panels: [String]? = nil, notebook: Double?? = nil
    ) throws -> (result: ChoiceComparisonResult, files: [String]) {
        var settings = try modelmd()
        settings.changes = changes
        let comparison = try ChoiceComparison(
            source: try ModelFiles.source(model), settings: settings, choice: "regime", options: regimes, counterfactual: counterfactual)
        var options = ComparisonFiles.Options(config: Tool.modelmd, tool: tool, command: ["test"])
        options.anchors = [Tool.root.appendingPathComponent("Package.swift").path]
        options.plot = plot
        options.panels = panels
        options.notebookMatricesAt = notebook
        return try ComparisonFiles.run(comparison, file: model, into: dir.appendingPathComponent(out).path, options: options)
    }

    /// The summary called `column` of a case.
    static func value(_ solved: ChoiceCase, _ column: String) -> Double? { solved.summaries.first { $0.column == column }?.value }
}

@Suite("Comparison of regimes in-process", .serialized)
struct ComparisonWorkflowTests {
    @Test("a comparison writes its files, and its summaries make the regime table")
    func compare() throws {
        let dir = try Tool.scratch()
        let (result, files) = try Workflow.compare(in: dir, out: "out")
        let out = dir.appendingPathComponent("out")
        #expect(files == ["compare.csv", "series_none.csv", "series_reserves.csv", "series_buyer.csv", "units.csv", "manifest.json"])
        #expect(Tool.files(out) == files.sorted())
        let table = SummaryTable.render(result.main.map { ($0.kind.option, $0.summaries) }, calendar: true).split(separator: "\n").map(String.init)
        #expect(table[0].hasPrefix(" ") && table[0].split(separator: " ") == ["none", "reserves", "buyer"], "\(table[0])")
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
        #expect(Workflow.value(result.run("buyer")!, "end_p_crypto")! > Workflow.value(result.run("none")!, "end_p_crypto")!)
    }

    @Test("two comparisons with the same inputs give byte-identical files")
    func reproducible() throws {
        let dir = try Tool.scratch()
        for name in ["first", "second"] { try Workflow.compare(in: dir, out: name, regimes: ["none", "buyer"], counterfactual: true) }
        for file in ["compare.csv", "series_none.csv", "series_buyer_no_ai_boom.csv", "units.csv"] {
            let a = try Data(contentsOf: dir.appendingPathComponent("first/\(file)"))
            let b = try Data(contentsOf: dir.appendingPathComponent("second/\(file)"))
            #expect(a == b, "\(file) differs")
        }
        let first = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("first/manifest.json"))) as! [String: Any]
        let second = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("second/manifest.json"))) as! [String: Any]
        #expect(first["inputs_fingerprint"] as? String == second["inputs_fingerprint"] as? String)
    }

    @Test("a counterfactual is a field of each case: attribution pairs each regime with its case without the boom")
    func counterfactual() throws {
        let dir = try Tool.scratch()
        let (result, files) = try Workflow.compare(in: dir, out: "out", regimes: ["none"], counterfactual: true)
        #expect(result.cases.map(\.kind) == [.init(option: "none"), .init(option: "none", counterfactual: "no_ai_boom")])
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
        let error = #expect(throws: InputError.self) { try Workflow.compare(in: dir, out: "nb", regimes: ["none"], notebook: .some(2026.3)) }
        #expect(error?.message == "--matrices-at 2026.3: not a saved date of the run; pick one on the --save-step grid")
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
        let changes = try ModelFiles.changes(dir.appendingPathComponent("s.toml").path, model: try ModelFiles.source(Workflow.model))
        #expect(changes == [ModelSettings.Change(parameter: "payout", value: 0.6, start: 2026.5, rampYears: 0.5)])
        let base = try Workflow.compare(in: dir, out: "base", regimes: ["none"]).result.cases[0].solved
        let changed = try Workflow.compare(in: dir, out: "s", regimes: ["none"], changes: changes).result.cases[0].solved
        func row(_ path: ModelSolution, _ k: Int) -> [Double] { path.values.map { $0[k] } }
        #expect(row(base, 0) == row(changed, 0) && row(base, 18) == row(changed, 18), "nothing changes before 2026-07-01")
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
            return model.matrixValues(at: t, state).map { Tables.matrix($0, at: t, calendar: true, case: "regime none", format: format) }
                .joined(separator: "\n")
        }
        let table = try render(2027, .table)
        #expect(table.contains("balance-sheet matrix ($T) at 2027-01-01 (t = 2027.0), regime none"))
        #expect(table.contains("transactions-flow matrix ($T/yr) at 2027-01-01"))
        #expect(table.components(separatedBy: "balanced: every row and column").count == 3)
        #expect(try render(2026.5, .csv).contains("row,P,A,G,F,S,W,row sum,must be"))
        #expect(try render(2025, .markdown).contains("| row | P | A | G | F | S | W | row sum | must be |"))
        #expect(try render(2025, .latex).contains("\\begin{tabular}{lrrrrrrrr}"))
        #expect(ModelFiles.symbolicMatrices(model.source, format: .csv).contains("AI capex,(1 - mu_m) * I,-I,,,,mu_m * I,0"))
    }

    @Test("every parameter with value, unit, meaning and source; the rendered configuration reads back the same")
    func params() throws {
        let model = try ModelFiles.compile(Workflow.model, settings: try Workflow.modelmd())
        let csv = Tables.parameters(of: model, format: .csv)
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines[0] == "name,value,unit,role,allowed,meaning,source")
        #expect(lines.contains("payout,0.35,share,behaviour,\"in [0, 1]\",\"share of operating cash flow paid out (buybacks, dividends)\",MODEL.md section 4"))
        #expect(lines.contains { $0.hasPrefix("beta[crypto],2.0,1,behaviour,") })
        let dir = try Tool.scratch()
        let path = dir.appendingPathComponent("again.toml").path
        try ModelConfiguration.render(model, header: []).write(toFile: path, atomically: true, encoding: .utf8)
        let again = try ModelFiles.compile(Workflow.model, settings: try ModelFiles.settings(configuration: path, for: model.source))
        #expect(Tables.parameters(of: again, format: .csv) == csv)
        #expect(again.knots(of: "rm").elementsEqual(model.knots(of: "rm")) { $0 == $1 })
    }
}

@Suite("Calibration in-process", .serialized)
struct CalibrationWorkflowTests {
    static func root(_ path: String) -> String { Tool.root.appendingPathComponent(path).path }

    static func inside(_ report: String) -> Int {
        Int(report.split(separator: "\n").last { $0.contains("fitted targets inside") }!.split(separator: " ")[0])!
    }

    /// The committed baseline must give the model values its committed report
    /// states, put every fitted seed target inside its band, and fit better
    /// than MODEL.md's starting values.
    @Test("the committed baseline reproduces its report and hits every seed target within its band")
    func baselineMatchesReport() throws {
        let job = try CalibrationJob(
            model: Workflow.model, config: Self.root("calibration/baseline.toml"), targets: Self.root("calibration/targets.toml"),
            fit: Self.root("calibration/fit.toml"), check: true)
        let check = try job.checkReport()
        let report = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Tool.root.appendingPathComponent("calibration/baseline-report.json"))) as! [String: Any]
        let targets = report["targets"] as! [[String: Any]]
        let lines = check.split(separator: "\n").map(String.init)
        for target in targets {
            let id = target["id"] as! String
            let line = try #require(lines.first { $0.hasPrefix(id + " ") }, "\(id) missing from the check")
            if let model = target["model"] as? Double {
                #expect(line.contains(String(format: "%.6g", model)), "\(id): report says \(model), check printed \(line)")
            }
            if (target["weight"] as! Double) > 0 {
                #expect(line.hasSuffix(" yes"), "\(id) is outside its band: \(line)")
            }
        }
        let start = try CalibrationJob(
            model: Workflow.model, config: Self.root("calibration/modelmd.toml"), targets: Self.root("calibration/targets.toml"),
            fit: Self.root("calibration/fit.toml"), check: true)
        #expect(Self.inside(check) > Self.inside(try start.checkReport()))
        let fitted = targets.filter { ($0["weight"] as! Double) > 0 }.count
        #expect(check.hasSuffix("\(fitted) of \(fitted) fitted targets inside their bands (\(Self.root("calibration/baseline.toml")))"))
    }

    /// Eight fitted parameters moved off the committed fit by 2-5% (tI by 0.1
    /// year), the fit file's own starting values dropped so the perturbed
    /// configuration is the start: the fit must come back to the committed
    /// parameters (each within 1% of its standard error) and cost.
    @Test("refitting from perturbed starting values recovers the committed fit")
    func refitFromPerturbedStart() throws {
        let dir = try Tool.scratch()
        let moves: [String: (Double) -> Double] = [
            "I1": { $0 * 1.05 }, "tI": { $0 + 0.1 }, "ocf0": { $0 * 0.95 }, "payout": { $0 * 1.03 },
            "ig_rest0": { $0 * 1.05 }, "sc0": { $0 * 1.05 }, "rb0": { $0 * 1.02 }, "sigma_c": { $0 * 0.95 },
        ]
        var moved = Set<String>()
        let baseline = try Tool.text(Tool.root.appendingPathComponent("calibration/baseline.toml"))
        let perturbed = baseline.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count >= 3, parts[1] == "=", let move = moves[String(parts[0])], let value = Double(parts[2]) else {
                return String(line)
            }
            moved.insert(String(parts[0]))
            return "\(parts[0]) = \(move(value))"
        }.joined(separator: "\n")
        #expect(moved == Set(moves.keys))
        try perturbed.write(to: dir.appendingPathComponent("perturbed.toml"), atomically: true, encoding: .utf8)
        let fit = try Tool.text(Tool.root.appendingPathComponent("calibration/fit.toml"))
            .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("start = ") }.joined(separator: "\n")
        try fit.write(to: dir.appendingPathComponent("fit.toml"), atomically: true, encoding: .utf8)

        let job = try CalibrationJob(
            model: Workflow.model, config: dir.appendingPathComponent("perturbed.toml").path, targets: Self.root("calibration/targets.toml"),
            fit: dir.appendingPathComponent("fit.toml").path, check: false)
        let result = try job.run()
        let (written, files) = try job.write(result, to: dir.appendingPathComponent("refit.toml").path, tool: Workflow.tool)
        #expect(files == ["refit.toml", "refit-report.md", "refit-report.json"].map { dir.appendingPathComponent($0).path })
        func report(_ url: URL) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        }
        let committed = try report(Tool.root.appendingPathComponent("calibration/baseline-report.json"))
        let refit = try report(dir.appendingPathComponent("refit-report.json"))
        let cost = committed["cost"] as! Double
        #expect(abs(refit["cost"] as! Double - cost) < 1e-6 * cost, "cost \(refit["cost"]!) against \(cost)")
        let before = committed["parameters"] as! [[String: Any]], after = refit["parameters"] as! [[String: Any]]
        #expect(before.map { $0["key"] as! String } == after.map { $0["key"] as! String })
        for (a, b) in zip(before, after) {
            let key = a["key"] as! String, value = a["fitted"] as! Double, again = b["fitted"] as! Double
            if let error = a["standard_error"] as? Double {
                #expect(abs(again - value) <= 0.01 * error, "\(key): \(again) against \(value) (standard error \(error))")
            } else {
                #expect(again == value, "\(key), held: \(again) against \(value)")
            }
        }
        #expect(written.summary().contains("16 of 16 fitted targets inside their bands"))
        #expect(Tool.files(dir) == ["fit.toml", "perturbed.toml", "refit-report.json", "refit-report.md", "refit.toml"])
    }

    @Test("a bad targets file is refused with the file, key and what is allowed")
    func badTargets() throws {
        let dir = try Tool.scratch()
        let path = dir.appendingPathComponent("t.toml").path
        try """
            [[target]]
            id = "x"
            description = "x"
            quantity = "median"
            value = 1
            band = 1
            weight = 1
            source = "s"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: InputError.self) { try CalibrationFiles.readTargets(path) }
        #expect(error?.message == "\(path): x.quantity = \"median\"; allowed: value, change, maximum, ratio, integral, not_modelled")
    }

    @Test("a bad fit file is refused with the file, key and what is allowed", arguments: [
        ("band_penalty = -1\n[[free]]\nkey = \"I1\"\nlower = 0.5\nupper = 2\n",
         "f.toml: band_penalty = -1.0; allowed: a finite number >= 0"),
        ("[[free]]\nkey = \"I1\"\nlower = 0.5\nupper = 2\nfirst = 1\n", "f.toml: unknown key free[0].first; allowed: key, lower, upper, start"),
        ("[[free]]\nkey = \"I1\"\nlower = 0.5\nupper = 2\nstart = 3\n", "f.toml: invalid free parameter: I1: the starting value 3.0 must lie within [0.5, 2.0]"),
    ])
    func badFit(extra: String, message: String) throws {
        let dir = try Tool.scratch()
        try ("regime = \"none\"\nsolver = \"rk8pd\"\ntolerance = 1e-9\nmethod = \"lm\"\nmax_iterations = 5\n" + extra)
            .write(to: dir.appendingPathComponent("f.toml"), atomically: true, encoding: .utf8)
        let path = dir.appendingPathComponent("f.toml").path
        let error = #expect(throws: InputError.self) {
            try CalibrationJob(model: Workflow.model, config: Tool.modelmd, targets: Self.root("calibration/targets.toml"), fit: path, check: false)
        }
        #expect(error?.message == message.replacingOccurrences(of: "f.toml", with: path))
    }
}

@Suite("Charts and notebooks in-process", .serialized)
struct ChartWorkflowTests {
    @Test("the dashboard: a panel per summarised series, a legend, one colour per regime, the counterfactual's part")
    func dashboard() throws {
        let dir = try Tool.scratch()
        let (result, files) = try Workflow.compare(in: dir, out: "d", counterfactual: true, plot: true)
        let svg = try Tool.text(dir.appendingPathComponent("d/dashboard.svg"))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        let series = result.cases[0].summaries.reduce(into: [String]()) { if !$0.contains($1.series) { $0.append($1.series) } }
        #expect(series == ["p_crypto", "p_longdur", "p_aiequity", "p_cashflow", "rb", "sc", "Bf", "SELL_total", "L", "ai_ig_share", "identity_share"])
        // Titles from the file's descriptions and set members' names, not code names.
        for title in ["price (crypto)", "price (long-duration assets)", "10-year Treasury yield", "price (crypto): as solved minus no_ai_boom"] {
            #expect(svg.contains("font-weight=\"bold\">\(title)</text>"), "no panel \(title)")
        }
        #expect(!svg.contains(">price (longdur)"))
        for (regime, meaning) in [("none", "no buyer: runoff only"), ("buyer", "buyer of last resort: a soft cap on the 10-year yield")] {
            #expect(svg.contains(">\(regime) (\(meaning))</text>"))
        }
        // Eleven series panels of three regimes, two counterfactual panels of three.
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 11 * 3 + 2 * 3)
        // Okabe-Ito blue and dots for buyer (third in the file), in every panel and in the legend.
        #expect(svg.components(separatedBy: "stroke=\"#0072B2\" stroke-width=\"2\" stroke-dasharray=\"2,3\"").count - 1 == 13)
        #expect(svg.contains("stroke=\"#0072B2\" stroke-width=\"3\" stroke-dasharray=\"2,3\"/>"))
        // The three regimes' identity residuals coincide, and the chart says so.
        #expect(svg.contains(">drawn over each other: none = reserves = buyer</text>"))
        #expect(svg.contains(">2028</text>") && svg.contains(">percent a year</text>") && svg.contains(">level 1</text>"))
        let manifest = try Tool.text(dir.appendingPathComponent("d/manifest.json"))
        #expect(manifest.contains("\"dashboard.svg\""))
        let png = dir.appendingPathComponent("d/dashboard.png"), pdf = dir.appendingPathComponent("d/dashboard.pdf")
        if try Tool.runProgram("/usr/bin/env", ["sh", "-c", "command -v rsvg-convert"], in: dir).status == 0 {
            #expect(try Data(contentsOf: png).prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            #expect(try Data(contentsOf: pdf).prefix(5) == Data("%PDF-".utf8))
            #expect(files.contains("dashboard.png") && manifest.contains("\"dashboard.png\""))
            #expect(files.contains("dashboard.pdf") && manifest.contains("\"dashboard.pdf\""))
        } else {
            #expect(!FileManager.default.fileExists(atPath: png.path) && !FileManager.default.fileExists(atPath: pdf.path))
        }
        #expect(!Tool.files(dir.appendingPathComponent("d")).contains { $0.contains(".tmp-") })
    }

    @Test("one regime's dashboard is drawn in the regime's colour, whichever regimes are compared")
    func oneRegime() throws {
        let dir = try Tool.scratch()
        try Workflow.compare(in: dir, out: "r", regimes: ["reserves"], plot: true)
        let svg = try Tool.text(dir.appendingPathComponent("r/dashboard.svg"))
        #expect(svg.contains(">reserves (reserve-management purchases when transaction cash runs short)</text>"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 11)
        #expect(svg.components(separatedBy: "stroke=\"#E69F00\" stroke-width=\"2\" stroke-dasharray=\"8,4\"").count - 1 == 11)
    }

    @Test("--panels draws the chosen series in the chosen order; an unknown one is refused before solving, naming the panels there are")
    func chosenPanels() throws {
        let dir = try Tool.scratch()
        let (result, _) = try Workflow.compare(in: dir, out: "p", regimes: ["none", "buyer"], plot: true, panels: ["rb", "p_crypto"])
        let svg = try Tool.text(dir.appendingPathComponent("p/dashboard.svg"))
        let titles = svg.components(separatedBy: "font-weight=\"bold\">").dropFirst(2).map { $0.components(separatedBy: "<").first ?? "" }
        #expect(titles == ["10-year Treasury yield", "price (crypto)"])
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2 * 2)
        let panels = ["p_crypto", "p_longdur", "p_aiequity", "p_cashflow", "rb", "sc", "Bf", "SELL_total", "L", "ai_ig_share", "identity_share"]
        #expect(throws: UnknownPanel(name: "p_bitcoin", panels: panels)) {
            _ = try Charts.dashboard(title: "t", subtitle: "s", comparison: result, panels: ["p_bitcoin"])
        }
        let error = #expect(throws: InputError.self) { try Charts.checkPanels(["rb", "p_bitcoin"], model: result.cases[0].solved.model) }
        #expect(error?.message == "--panels p_bitcoin: not a series the model file summarises; its panels: \(panels.joined(separator: ", "))")
        let run = try Tool.run(["compare", "--plot", "--panels", "rb,p_bitcoin", "--out", "q"], in: dir)
        #expect(run.status == 2 && run.stderr.contains("--panels p_bitcoin: not a series the model file summarises"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("q").path))
    }

    /// Runs python3 with `code` in `directory`.
    static func python(_ code: String, in directory: URL) throws -> Tool.Result {
        try Tool.runProgram("/usr/bin/env", ["python3", "-c", code], in: directory)
    }

    @Test("a model file's notebook runs in a Jupyter kernel: its panels are the file's summarised series, its matrices the file's")
    func fileNotebookRuns() throws {
        let dir = try Tool.scratch()
        let file = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path
        let comparison = try ChoiceComparison(
            source: try ModelFiles.source(file), choice: "regime", options: ["none", "buyer"], counterfactual: true, solve: SolveSettings(stepper: .msbdf))
        var options = ComparisonFiles.Options(config: "", tool: Manifest.Tool(version: "test", commit: "test"), command: ["test"])
        options.anchors = [Tool.root.appendingPathComponent("Package.swift").path]
        options.notebookMatricesAt = .some(2027)
        let nb = dir.appendingPathComponent("nb")
        let (_, files) = try ComparisonFiles.run(comparison, file: file, into: nb.path, options: options)
        #expect(files.suffix(3) == ["matrices.csv", "reverse_qe.ipynb", "reverse_qe.py"])
        let runner = Tool.root.appendingPathComponent("notebooks-export/run_notebook.py").path
        // The kernel finds the Python package and the debug build's library, which the test command builds first.
        let library = Tool.root.appendingPathComponent(".build/debug/libLiquidityC.so").path
        let resolves = FileManager.default.fileExists(atPath: library)
        let environment = resolves
            ? "import os; os.environ['PYTHONPATH'] = '\(Tool.root.appendingPathComponent("python").path)'; os.environ['LIQUIDITY_LIBRARY'] = '\(library)'; "
            : ""
        let report = try Self.python(
            environment + "import runpy, sys; sys.argv = ['run', 'reverse_qe.ipynb']; runpy.run_path('\(runner)', run_name='__main__')", in: nb)
        try #require(report.status == 0, "nbclient failed: \(report.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        #expect(result?["ran"] as? [Int] == [1, 2, 3, 4, 5])
        #expect(result?["errors"] as? Int == 0)
        // The dashboard, and where the package is found, the re-solved panels.
        #expect(result?["images"] as? Int == (resolves ? 2 : 1))
        #expect(result?["matrices"] as? Bool == true)
        let matrices = try Tool.text(nb.appendingPathComponent("matrices.csv")).split(separator: "\n")
        #expect(matrices[0] == "matrix,row,P,A,G,F,S,W,row_sum,must_be")
        #expect(matrices.count == 1 + 17 + 12)
        let script = try Tool.text(nb.appendingPathComponent("reverse_qe.py"))
        #expect(script.contains("(\"rb\", \"10-year Treasury yield\", \"percent a year\", 100.0, None)"))
        #expect(script.contains("suffix = \"/no_ai_boom\""))
        #expect(script.contains("\"buyer\": (0, (2,3,))"), "the notebook draws buyer dotted, as the dashboard does")
    }

    @Test("the notebook is written deterministically")
    func deterministic() throws {
        let dir = try Tool.scratch()
        for name in ["a", "b"] { try Workflow.compare(in: dir, out: name, regimes: ["none"], notebook: .some(nil)) }
        for file in ["reverse_qe.py", "matrices.csv", "reverse_qe.ipynb"] {
            #expect(try Data(contentsOf: dir.appendingPathComponent("a/\(file)")) == Data(contentsOf: dir.appendingPathComponent("b/\(file)")))
        }
        let a = try Tool.text(dir.appendingPathComponent("a/reverse_qe.ipynb"))
        #expect(a.contains("\"nbformat\" : 4") && a.contains("\"id\" : \"dashboard\""))
    }
}

@Suite("CSV writing")
struct CSVWritingTests {
    @Test("fields with a comma, quote, CR or LF are quoted with their quotes doubled, byte by byte", arguments: [
        ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("x\r\ny", "\"x\r\ny\""), ("x\ny", "\"x\ny\""),
        ("\"\u{301}", "\"\"\"\u{301}\""), (",\u{200D}", "\",\u{200D}\""), ("$T at t0 prices", "$T at t0 prices"),
    ])
    func quoting(_ text: String, _ expected: String) {
        #expect(Array(CSV.field(text).utf8) == Array(expected.utf8))
    }

    @Test("series and tidy rows spell numbers as CSV.number does, NaN and infinities included")
    func numbers() {
        let values = [[0.1, -0.0, .nan], [1e-300, .infinity, -.infinity]]
        let series = CSV.series(t: [2025, 2025.5, 2026], columns: ["a", "b"], values: values, dates: false)
        #expect(series == "t,a,b\n2025.0,0.1,1e-300\n2025.5,-0.0,Inf\n2026.0,NaN,-Inf\n")
        let tidy = CSV.tidy([(label: "x,y", t: [2025], columns: ["a"], values: [[0.1]])], dates: false)
        #expect(tidy == "t,case,variable,value\n2025.0,\"x,y\",a,0.1\n")
        #expect(CSV.tidy([], dates: true) == "t,date,regime,variable,value\n")
    }

    /// The notebook's code comes from the template file, cell by cell, its placeholders filled in.
    @Test("the notebook's cells come from notebooks-export/dashboard.py: every placeholder filled, an unknown one named")
    func notebookTemplate() throws {
        let plan = NotebookPlan(
            title: "T", facts: [], panels: [.init(column: "rb", title: "10-year", unit: "%", scale: 100)], attribution: [],
            counterfactualSuffix: "/flat", colors: ["none": "#000000"], legend: "regime", model: "/m.sfc", config: nil)
        let template = try Tool.text(Tool.root.appendingPathComponent("notebooks-export/dashboard.py"))
        let cells = try Notebook.codeCells(plan, matricesDate: "2027-01-01", template: template)
        #expect(cells.map(\.name) == ["load-manifest", "load-series", "dashboard", "re-solve", "matrices"])
        #expect(!cells.contains { $0.code.contains("{{") || $0.code.contains("}}") })
        #expect(cells[1].code.contains("suffix = \"/flat\"\n"))
        #expect(cells[2].code.contains("colors = {\"none\": \"#000000\"}\n"))
        #expect(cells[3].code.contains("model, config = \"/m.sfc\", None\n"))
        #expect(cells[4].code.hasPrefix("# The matrices at 2027-01-01, with row and column sums.\n"))
        #expect(throws: NotebookTemplateError(message: "cell a: unknown placeholder {{nope}}; known: attribution, colors, config, dashes, legend, matrices_date, model, panels, suffix, title")) {
            try Notebook.codeCells(plan, matricesDate: "2027", template: "# %% a\nx = {{nope}}\n")
        }
        #expect(throws: NotebookTemplateError(message: "no cell: each starts with a line '# %% NAME'")) {
            try Notebook.codeCells(plan, matricesDate: "2027", template: "x = 1\n")
        }
    }
}
