import Experiments
import FlowModel
import Foundation
import Testing
import TestSupport

@testable import FileFormats

/// The workflows of `compare`, `matrices`, `params` and `calibrate`, called
/// in-process as the commands call them.
enum Workflow {
    static let tool = Manifest.Tool(version: "test", commit: "test")

    /// MODEL.md's parameters, as `calibration/modelmd.toml` holds them.
    static func modelmd() throws -> ModelParameters { try Configuration.read(Tool.modelmd) }

    /// A comparison on MODEL.md's parameters solved into `dir/out`.
    @discardableResult
    static func compare(
        in dir: URL, out: String, regimes: [FedRegime] = [.none, .reserves, .buyer], counterfactual: Bool = false,
        scenario: Scenario = .baseline, plot: Bool = false, notebook: Bool = false
    ) throws -> (result: RegimeComparisonResult, files: [String]) {
        let comparison = RegimeComparison(
            parameters: try modelmd(), scenario: scenario, regimes: regimes, counterfactual: counterfactual)
        var options = ComparisonFiles.Options(config: Tool.modelmd, tool: tool, command: ["test"])
        options.plot = plot
        if notebook { options.notebookMatricesAt = .some(nil) }
        return try ComparisonFiles.run(comparison, into: dir.appendingPathComponent(out).path, options: options)
    }
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
        let table = SummaryTable.render(result.regimes.map { ($0.regime.rawValue, $0.summary) }).split(separator: "\n").map(String.init)
        #expect(table[0].hasPrefix(" ") && table[0].hasSuffix("none   reserves     buyer"))
        #expect(table.contains { $0.hasPrefix("crypto: price at end") })
        #expect(table.contains { $0.hasPrefix("idle cash L first below 1.0 $T") })
        let tidy = try Tool.text(out.appendingPathComponent("compare.csv")).split(separator: "\n")
        #expect(tidy[0] == "t,date,regime,variable,value")
        #expect(tidy[1].hasPrefix("2025.0,2025-01-01,none,B,28.8"))
        let series = try Tool.text(out.appendingPathComponent("series_none.csv")).split(separator: "\n")
        let columns = series[0].split(separator: ",").map(String.init)
        // Each regime: 85 monthly points, each with every series, as rows of compare.csv.
        #expect(tidy.count == 1 + 3 * 85 * (columns.count - 2))
        // The summary is the run's: the buyer keeps crypto higher than no buyer.
        #expect(result.run(.buyer)!.summary.endPrice["crypto"]! > result.run(.none)!.summary.endPrice["crypto"]!)
    }

    @Test("two comparisons with the same inputs give byte-identical files")
    func reproducible() throws {
        let dir = try Tool.scratch()
        for name in ["first", "second"] { try Workflow.compare(in: dir, out: name, regimes: [.none, .buyer], counterfactual: true) }
        for file in ["compare.csv", "series_none.csv", "series_buyer_no-ai-boom.csv", "units.csv"] {
            let a = try Data(contentsOf: dir.appendingPathComponent("first/\(file)"))
            let b = try Data(contentsOf: dir.appendingPathComponent("second/\(file)"))
            #expect(a == b, "\(file) differs")
        }
        let first = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("first/manifest.json"))) as! [String: Any]
        let second = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("second/manifest.json"))) as! [String: Any]
        #expect(first["inputs_fingerprint"] as? String == second["inputs_fingerprint"] as? String)
    }

    @Test("a counterfactual is a field of each run: attribution pairs each regime with its run without the boom")
    func counterfactual() throws {
        let dir = try Tool.scratch()
        let (result, files) = try Workflow.compare(in: dir, out: "out", regimes: [.none], counterfactual: true)
        #expect(result.cases.map(\.kind) == [.init(regime: .none), .init(regime: .none, isCounterfactual: true)])
        #expect(result.cases.map(\.kind.label) == ["none", "none/no-ai-boom"])
        #expect(files.contains("series_none_no-ai-boom.csv"))
        let attribution = result.attribution
        #expect(attribution.count == 1)
        // Without the boom, crypto falls less: the boom's part of the drawdown is positive.
        #expect(attribution[0].boom.largestDrawdown["crypto"]! > attribution[0].flat.largestDrawdown["crypto"]!)
        let text = SummaryTable.differences(attribution.map { ($0.regime.rawValue, $0.boom, $0.flat) })
        #expect(text.contains("crypto: largest drawdown") && !text.contains("identity residual") && !text.contains("idle cash"))
    }

    @Test("a notebook date off the save grid is refused before anything is solved or written")
    func offGrid() throws {
        let dir = try Tool.scratch()
        var options = ComparisonFiles.Options(config: Tool.modelmd, tool: Workflow.tool, command: ["test"])
        options.notebookMatricesAt = .some(2026.3)
        let comparison = RegimeComparison(parameters: try Workflow.modelmd(), regimes: [.none])
        let error = #expect(throws: InputError.self) {
            try ComparisonFiles.run(comparison, into: dir.appendingPathComponent("nb").path, options: options)
        }
        #expect(error?.message == "--matrices-at 2026.3: not a saved date of the run; pick one on the --save-step grid")
        #expect(Tool.files(dir) == [])
    }

    @Test("a scenario file changes parameters from its dates")
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
        let scenario = try ScenarioFile.read(dir.appendingPathComponent("s.toml").path, parameters: try Workflow.modelmd())
        #expect(scenario.changes == [ParameterChange(key: "payout", value: 0.6, start: 2026.5, rampYears: 0.5)])
        let base = try Workflow.compare(in: dir, out: "base", regimes: [.none]).result.cases[0].run
        let changed = try Workflow.compare(in: dir, out: "s", regimes: [.none], scenario: scenario).result.cases[0].run
        func row(_ run: ModelRun, _ k: Int) -> [Double] { run.values.map { $0[k] } }
        #expect(row(base, 0) == row(changed, 0) && row(base, 18) == row(changed, 18), "nothing changes before 2026-07-01")
        #expect(row(base, 84) != row(changed, 84))
        #expect(try Tool.text(dir.appendingPathComponent("s/manifest.json")).contains("\"scenario\" : \"payout up\""))
    }
}

@Suite("Matrices and parameters in-process")
struct TablesTests {
    @Test("both matrices, balanced, in every format")
    func matrices() throws {
        let model = try ReverseQEModel(parameters: try Workflow.modelmd())
        let settings = SolveSettings()
        func render(_ t: Double, _ format: TableFormat) throws -> String {
            let state = try settings.state(of: model, at: t)
            return [model.balanceSheetMatrix(at: t, state), model.transactionsFlowMatrix(at: t, state)].map {
                Tables.matrix($0, at: t, regime: .none, format: format, relativeTolerance: 1e-10, absoluteTolerance: 1e-10)
            }.joined(separator: "\n")
        }
        let table = try render(2027, .table)
        #expect(table.contains("balance-sheet matrix ($T) at 2027-01-01 (t = 2027.0), regime none"))
        #expect(table.contains("transactions-flow matrix ($T/yr) at 2027-01-01"))
        #expect(table.components(separatedBy: "balanced: every row and column").count == 3)
        #expect(try render(2026.5, .csv).contains("row,P,A,G,F,S,W,row sum,must be"))
        #expect(try render(2025, .markdown).contains("| row | P | A | G | F | S | W | row sum | must be |"))
        #expect(try render(2025, .latex).contains("\\begin{tabular}{lrrrrrrrr}"))
        #expect(Tables.symbolicFlows(model, format: .csv).contains("AI capex,+(1-mu_m)*I,-I,,,,+mu_m*I"))
    }

    @Test("every parameter with value, unit, meaning and source; the rendered configuration reads back the same")
    func params() throws {
        let parameters = try Workflow.modelmd()
        let csv = Tables.parameters(parameters, from: Tool.modelmd, format: .csv)
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines[0] == "key,value,unit,role,allowed,meaning,source")
        #expect(lines.contains("capex.payout,0.35,share,behaviour,\"in [0, 1]\",\"share of operating cash flow paid out (buybacks, dividends)\",MODEL.md section 4"))
        #expect(lines.contains { $0.hasPrefix("risk.crypto.beta,2.0,1,behaviour,") })
        #expect(lines.contains { $0.hasPrefix("exogenous.rm,") })
        let again = try Configuration.parse(Configuration.render(parameters, header: []), file: "again.toml")
        #expect(Tables.parameters(again, from: Tool.modelmd, format: .csv) == csv)
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
            config: Self.root("calibration/baseline.toml"), targets: Self.root("calibration/targets.toml"),
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
            config: Self.root("calibration/modelmd.toml"), targets: Self.root("calibration/targets.toml"),
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
            config: dir.appendingPathComponent("perturbed.toml").path, targets: Self.root("calibration/targets.toml"),
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
            try CalibrationJob(config: Tool.modelmd, targets: Self.root("calibration/targets.toml"), fit: path, check: false)
        }
        #expect(error?.message == message.replacingOccurrences(of: "f.toml", with: path))
    }
}

@Suite("Charts and notebooks in-process", .serialized)
struct ChartWorkflowTests {
    @Test("the dashboard: a panel per class and per series, a legend, one colour per regime")
    func dashboard() throws {
        let dir = try Tool.scratch()
        let (_, files) = try Workflow.compare(in: dir, out: "d", counterfactual: true, plot: true)
        let svg = try Tool.text(dir.appendingPathComponent("d/dashboard.svg"))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        for title in ["crypto price", "longdur price", "aiequity price", "cashflow price", "10-year Treasury yield rb",
                      "AI credit spread sc", "Idle cash L", "Fed Treasury holdings Bf", "Sovereign fund sales",
                      "AI share of the USD IG index", "AI boom's part: crypto price"] {
            #expect(svg.contains(">\(title)</text>"), "no panel \(title)")
        }
        for regime in ["none", "reserves", "buyer"] { #expect(svg.contains("Fed regime: \(regime)</text>")) }
        // Ten series panels of three regimes, two attribution panels of three.
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 10 * 3 + 2 * 3)
        #expect(svg.components(separatedBy: "stroke=\"#1f77b4\" stroke-width=\"2\"").count - 1 == 12)
        #expect(svg.contains(">2028</text>") && svg.contains(">percent a year</text>") && svg.contains(">floor 1 $T</text>"))
        let manifest = try Tool.text(dir.appendingPathComponent("d/manifest.json"))
        #expect(manifest.contains("\"dashboard.svg\""))
        let png = dir.appendingPathComponent("d/dashboard.png")
        if try Tool.runProgram("/usr/bin/env", ["sh", "-c", "command -v rsvg-convert"], in: dir).status == 0 {
            let bytes = try Data(contentsOf: png)
            #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            #expect(files.contains("dashboard.png") && manifest.contains("\"dashboard.png\""))
        } else {
            #expect(!FileManager.default.fileExists(atPath: png.path))
        }
        #expect(!Tool.files(dir.appendingPathComponent("d")).contains { $0.contains(".tmp-") })
    }

    @Test("one regime's dashboard is drawn in the regime's colour")
    func oneRegime() throws {
        let run = try ReverseQEModel(parameters: try Workflow.modelmd(), regime: .reserves).run()
        let svg = Charts.dashboard(
            title: "t", subtitle: "s", cases: [ComparisonCase(kind: .init(regime: .reserves), run: run, idleCashFloor: 1)], idleCashFloor: 1)
        #expect(svg.contains("Fed regime: reserves</text>"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 10)
        #expect(svg.components(separatedBy: "stroke=\"#ff7f0e\" stroke-width=\"2\"").count - 1 == 10)
    }

    /// Runs python3 with `code` in `directory`.
    static func python(_ code: String, in directory: URL) throws -> Tool.Result {
        try Tool.runProgram("/usr/bin/env", ["python3", "-c", code], in: directory)
    }

    @Test("the notebook runs unchanged in a Jupyter kernel and draws the dashboard; so does the script")
    func notebookRuns() throws {
        let dir = try Tool.scratch()
        try Workflow.compare(in: dir, out: "nb", regimes: [.none, .buyer], counterfactual: true, plot: true, notebook: true)
        let nb = dir.appendingPathComponent("nb")
        for file in ["reverse_qe.ipynb", "reverse_qe.py", "matrices.csv", "compare.csv", "manifest.json", "dashboard.svg"] {
            #expect(FileManager.default.fileExists(atPath: nb.appendingPathComponent(file).path), "\(file) missing")
        }
        let runner = Tool.root.appendingPathComponent("notebooks-export/run_notebook.py").path
        let report = try Self.python(
            "import runpy, sys; sys.argv = ['run', 'reverse_qe.ipynb']; runpy.run_path('\(runner)', run_name='__main__')", in: nb)
        try #require(report.status == 0, "nbclient failed (are nbclient, ipykernel, pandas, matplotlib installed? scripts/test.sh installs them): \(report.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        #expect(result?["first"] as? String == "markdown:# Reverse QE: AI capex, idle cash and the Fed")
        #expect(result?["ran"] as? [Int] == [1, 2, 3, 4])
        #expect(result?["errors"] as? Int == 0)
        #expect(result?["images"] as? Int == 1)
        #expect(result?["matrices"] as? Bool == true)
        let script = try Self.python("import runpy; runpy.run_path('reverse_qe.py')", in: nb)
        #expect(script.status == 0)
        #expect(script.stdout.contains("wrote dashboard_matplotlib.png"))
        #expect(FileManager.default.fileExists(atPath: nb.appendingPathComponent("dashboard_matplotlib.png").path))
    }

    @Test("a model file's notebook runs in a Jupyter kernel: its panels are the file's summarised series, its matrices the file's")
    func fileNotebookRuns() throws {
        let dir = try Tool.scratch()
        let file = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path
        let comparison = try ChoiceComparison(
            source: try ModelFiles.source(file), options: ["none", "buyer"], counterfactual: true, solve: SolveSettings(stepper: .msbdf))
        var options = ComparisonFiles.Options(config: "", tool: Manifest.Tool(version: "test", commit: "test"), command: ["test"])
        options.notebookMatricesAt = .some(2027)
        let nb = dir.appendingPathComponent("nb")
        let (_, files) = try ComparisonFiles.run(comparison, file: file, into: nb.path, options: options)
        #expect(files.suffix(3) == ["matrices.csv", "reverse_qe.ipynb", "reverse_qe.py"])
        let runner = Tool.root.appendingPathComponent("notebooks-export/run_notebook.py").path
        let report = try Self.python(
            "import runpy, sys; sys.argv = ['run', 'reverse_qe.ipynb']; runpy.run_path('\(runner)', run_name='__main__')", in: nb)
        try #require(report.status == 0, "nbclient failed: \(report.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        #expect(result?["ran"] as? [Int] == [1, 2, 3, 4])
        #expect(result?["errors"] as? Int == 0)
        #expect(result?["images"] as? Int == 1)
        #expect(result?["matrices"] as? Bool == true)
        let matrices = try Tool.text(nb.appendingPathComponent("matrices.csv")).split(separator: "\n")
        #expect(matrices[0] == "matrix,row,P,A,G,F,S,W,row_sum,must_be")
        #expect(matrices.count == 1 + 17 + 12)
        let script = try Tool.text(nb.appendingPathComponent("reverse_qe.py"))
        #expect(script.contains("(\"rb\", \"10-year Treasury yield rb\", \"percent a year\", 100.0, None)"))
        #expect(script.contains("suffix = \"/no_ai_boom\""))
    }

    @Test("the notebook is written deterministically")
    func deterministic() throws {
        let dir = try Tool.scratch()
        for name in ["a", "b"] { try Workflow.compare(in: dir, out: name, regimes: [.none], notebook: true) }
        for file in ["reverse_qe.py", "matrices.csv", "reverse_qe.ipynb"] {
            #expect(try Data(contentsOf: dir.appendingPathComponent("a/\(file)")) == Data(contentsOf: dir.appendingPathComponent("b/\(file)")))
        }
        let a = try Tool.text(dir.appendingPathComponent("a/reverse_qe.ipynb"))
        #expect(a.contains("\"nbformat\" : 4") && a.contains("\"id\" : \"dashboard\""))
    }
}
