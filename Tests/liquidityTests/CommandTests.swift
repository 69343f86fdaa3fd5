import Foundation
import Testing
import TestSupport

@Suite("Commands, end to end", .serialized)
struct CommandTests {
    @Test("compare writes its files and prints the regime table")
    func compare() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(["compare", "--config", Tool.modelmd, "--quiet"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "")
        let out = dir.appendingPathComponent("out")
        #expect(Tool.files(out) == [
            "compare.csv", "manifest.json", "series_buyer.csv", "series_none.csv", "series_reserves.csv", "units.csv",
        ])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix(" ") && $0.contains("none") && $0.contains("reserves") && $0.contains("buyer") })
        #expect(lines.contains { $0.hasPrefix("crypto: price at end") })
        #expect(lines.contains("Differences from none:"))
        let tidy = try Tool.text(out.appendingPathComponent("compare.csv")).split(separator: "\n")
        #expect(tidy[0] == "t,date,regime,variable,value")
        #expect(tidy[1].hasPrefix("2025.0,2025-01-01,none,B,28.8"))
        let series = try Tool.text(out.appendingPathComponent("series_none.csv")).split(separator: "\n")
        let columns = series[0].split(separator: ",").map(String.init)
        // Each regime: 85 monthly points, each with every series, as rows of compare.csv.
        #expect(tidy.count == 1 + 3 * 85 * (columns.count - 2))
    }

    @Test("run writes series.csv with MODEL.md's names, units.csv and the manifest")
    func run() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(["run", "--config", Tool.modelmd, "--regime", "buyer", "--out", "b", "--quiet"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let out = dir.appendingPathComponent("b")
        #expect(Tool.files(out) == ["manifest.json", "series.csv", "units.csv"])
        let series = try Tool.text(out.appendingPathComponent("series.csv")).split(separator: "\n")
        #expect(series.count == 86)
        let header = series[0].split(separator: ",").map(String.init)
        #expect(Array(header.prefix(8)) == ["t", "date", "B", "Bf", "Bs", "Bw", "Af", "Lo"])
        for name in ["rb", "sc", "p_crypto", "qS_crypto", "L", "V", "Gap", "CALL", "SELL", "iss", "Y", "ai_ig_share",
                     "drawdown_crypto", "identity_residual"] {
            #expect(header.contains(name), "\(name) missing")
        }
        #expect(series[1].hasPrefix("2025.0,2025-01-01,28.8,4.27,"))
        #expect(series[13].hasPrefix("2026.0,2026-01-01,"))
        #expect(series[85].hasPrefix("2032.0,2032-01-01,"))
        let units = try Tool.text(out.appendingPathComponent("units.csv")).split(separator: "\n").map(String.init)
        #expect(units[0] == "column,unit,description")
        #expect(units.contains("rb,1/yr,10-year Treasury yield"))
        #expect(units.contains("p_crypto,\"index, 1 at t0\",price (crypto)"))
        #expect(units.count == header.count + 1)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as! [String: Any]
        #expect((manifest["tool"] as! [String: Any])["version"] as? String == "0.1.0")
        #expect(((manifest["tool"] as! [String: Any])["commit"] as? String)?.isEmpty == false)
        #expect((manifest["parameters"] as! [String: Double])["payout"] == 0.35)
        #expect((manifest["solver"] as! [String: Any])["stepper"] as? String == "rk8pd")
        #expect(((manifest["runs"] as! [[String: Any]])[0])["regime"] as? String == "buyer")
        #expect((manifest["inputs_fingerprint"] as? String)?.count == 16)
        #expect(result.stdout.contains("wrote b/series.csv, b/units.csv, b/manifest.json"))
    }

    @Test("two runs with the same inputs give byte-identical series files")
    func reproducible() throws {
        let dir = try Tool.scratch()
        for name in ["first", "second"] {
            let result = try Tool.run(
                ["compare", "--config", Tool.modelmd, "--regimes", "none,buyer", "--counterfactual", "--out", name, "--quiet"], in: dir)
            #expect(result.status == 0, "\(result.stderr)")
        }
        for file in ["compare.csv", "series_none.csv", "series_buyer_no-ai-boom.csv", "units.csv"] {
            let a = try Data(contentsOf: dir.appendingPathComponent("first/\(file)"))
            let b = try Data(contentsOf: dir.appendingPathComponent("second/\(file)"))
            #expect(a == b, "\(file) differs")
        }
        let first = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("first/manifest.json"))) as! [String: Any]
        let second = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("second/manifest.json"))) as! [String: Any]
        #expect(first["inputs_fingerprint"] as? String == second["inputs_fingerprint"] as? String)
    }

    @Test("compare --counterfactual prints the AI-boom attribution")
    func counterfactual() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(["compare", "--config", Tool.modelmd, "--regimes", "none", "--counterfactual", "--quiet"], in: dir)
        #expect(result.status == 0)
        #expect(result.stdout.contains("AI-boom attribution (with the boom minus without it, I1 = I0):"))
        #expect(Tool.files(dir.appendingPathComponent("out")).contains("series_none_no-ai-boom.csv"))
    }

    @Test("matrices print both matrices, balanced, in every format")
    func matrices() throws {
        let dir = try Tool.scratch()
        let table = try Tool.run(["matrices", "--config", Tool.modelmd, "--at", "2027-01-01"], in: dir)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("balance-sheet matrix ($T) at 2027-01-01 (t = 2027.0), regime none"))
        #expect(table.stdout.contains("transactions-flow matrix ($T/yr) at 2027-01-01"))
        #expect(table.stdout.components(separatedBy: "balanced: every row and column").count == 3)
        let csv = try Tool.run(["matrices", "--config", Tool.modelmd, "--at", "2026.5", "--format", "csv"], in: dir)
        #expect(csv.stdout.contains("row,P,A,G,F,S,W,row sum,must be"))
        let markdown = try Tool.run(["matrices", "--config", Tool.modelmd, "--format", "markdown"], in: dir)
        #expect(markdown.stdout.contains("| row | P | A | G | F | S | W | row sum | must be |"))
        let latex = try Tool.run(["matrices", "--config", Tool.modelmd, "--format", "latex"], in: dir)
        #expect(latex.stdout.contains("\\begin{tabular}{lrrrrrrrr}"))
        let symbolic = try Tool.run(["matrices", "--config", Tool.modelmd, "--symbolic", "--format", "csv"], in: dir)
        #expect(symbolic.stdout.contains("AI capex,+(1-mu_m)*I,-I,,,,+mu_m*I"))
        #expect(Tool.files(dir) == [])
    }

    @Test("params lists every parameter with value, unit, meaning and source")
    func params() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(["params", "--config", Tool.modelmd, "--format", "csv"], in: dir)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "key,value,unit,role,allowed,meaning,source")
        #expect(lines.contains("capex.payout,0.35,share,behaviour,\"in [0, 1]\",\"share of operating cash flow paid out (buybacks, dividends)\",MODEL.md section 4"))
        #expect(lines.contains { $0.hasPrefix("risk.crypto.beta,2.0,1,behaviour,") })
        #expect(lines.contains { $0.hasPrefix("exogenous.rm,") })
        // The rendered configuration reads back to the same parameters.
        let toml = try Tool.run(["params", "--config", Tool.modelmd, "--toml"], in: dir)
        try toml.stdout.write(to: dir.appendingPathComponent("again.toml"), atomically: true, encoding: .utf8)
        let again = try Tool.run(["params", "--config", "again.toml", "--format", "csv"], in: dir)
        #expect(again.stdout.split(separator: "\n").dropFirst() == result.stdout.split(separator: "\n").dropFirst())
    }

    @Test("every command has help with examples", arguments: ["run", "compare", "matrices", "params"])
    func help(_ command: String) throws {
        let result = try Tool.run([command, "--help"], in: try Tool.scratch())
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: liquidity \(command)"))
        #expect(result.stdout.contains("Examples:"))
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
        let base = try Tool.run(["run", "--config", Tool.modelmd, "--out", "base", "--quiet"], in: dir)
        let changed = try Tool.run(["run", "--config", Tool.modelmd, "--scenario", "s.toml", "--out", "s", "--quiet"], in: dir)
        #expect(base.status == 0 && changed.status == 0, "\(changed.stderr)")
        let a = try Tool.text(dir.appendingPathComponent("base/series.csv")).split(separator: "\n")
        let b = try Tool.text(dir.appendingPathComponent("s/series.csv")).split(separator: "\n")
        #expect(a[1] == b[1])
        #expect(a[85] != b[85])
        let manifest = try Tool.text(dir.appendingPathComponent("s/manifest.json"))
        #expect(manifest.contains("\"scenario\" : \"payout up\""))
    }
}

@Suite("Calibration, end to end", .serialized)
struct CalibrateCommandTests {
    /// The committed baseline must give the model values its committed report
    /// states, put every fitted seed target inside its band, and fit better
    /// than MODEL.md's starting values.
    @Test("the committed baseline reproduces its report and hits every seed target within its band")
    func baselineMatchesReport() throws {
        let check = try Tool.run(["calibrate", "--check", "--config", "calibration/baseline.toml"], in: Tool.root)
        #expect(check.status == 0, "\(check.stderr)")
        let report = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Tool.root.appendingPathComponent("calibration/baseline-report.json"))) as! [String: Any]
        let targets = report["targets"] as! [[String: Any]]
        let lines = check.stdout.split(separator: "\n").map(String.init)
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
        func inside(_ output: String) -> Int {
            let summary = output.split(separator: "\n").last { $0.contains("fitted targets inside") }!
            return Int(summary.split(separator: " ")[0])!
        }
        let start = try Tool.run(["calibrate", "--check", "--config", "calibration/modelmd.toml"], in: Tool.root)
        #expect(inside(check.stdout) > inside(start.stdout))
        let fitted = targets.filter { ($0["weight"] as! Double) > 0 }.count
        #expect(check.stdout.hasSuffix(
            "\(fitted) of \(fitted) fitted targets inside their bands (calibration/baseline.toml)\n"))
    }

    /// Eight fitted parameters moved off the committed fit by 2-5% (tI by 0.1
    /// year), the fit file's own starting values dropped so the perturbed
    /// configuration is the start: the fit must come back to the committed
    /// parameters (each within 1% of its standard error) and cost. About four
    /// minutes in a debug build.
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

        let result = try Tool.run(
            ["calibrate", "--config", "perturbed.toml", "--fit", "fit.toml", "--write", "refit.toml", "--quiet",
             "--targets", Tool.root.appendingPathComponent("calibration/targets.toml").path], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
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
        #expect(result.stdout.contains("16 of 16 fitted targets inside their bands"))
    }

    @Test("a bad targets file is refused with the file, key and what is allowed")
    func badTargets() throws {
        let dir = try Tool.scratch()
        try """
            [[target]]
            id = "x"
            description = "x"
            quantity = "median"
            value = 1
            band = 1
            weight = 1
            source = "s"
            """.write(to: dir.appendingPathComponent("t.toml"), atomically: true, encoding: .utf8)
        let result = try Tool.run(
            ["calibrate", "--check", "--config", Tool.modelmd, "--targets", "t.toml",
             "--fit", Tool.root.appendingPathComponent("calibration/fit.toml").path], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr == "error: t.toml: x.quantity = \"median\"; allowed: value, change, maximum, ratio, capex_integral, not_modelled\n")
    }

    @Test("a bad fit file is refused with the file, key and what is allowed, and writes nothing", arguments: [
        ("band_penalty = -1\n[[free]]\nkey = \"I1\"\nlower = 0.5\nupper = 2\n",
         "f.toml: band_penalty = -1.0; allowed: a finite number >= 0"),
        ("[[free]]\nkey = \"I1\"\nlower = 0.5\nupper = 2\nfirst = 1\n", "f.toml: unknown key free[0].first; allowed: key, lower, upper, start"),
        ("[[free]]\nkey = \"I1\"\nlower = 0.5\nupper = 2\nstart = 3\n", "f.toml: invalid free parameter: I1: the starting value 3.0 must lie within [0.5, 2.0]"),
    ])
    func badFit(extra: String, message: String) throws {
        let dir = try Tool.scratch()
        try ("regime = \"none\"\nsolver = \"rk8pd\"\ntolerance = 1e-9\nmethod = \"lm\"\nmax_iterations = 5\n" + extra)
            .write(to: dir.appendingPathComponent("f.toml"), atomically: true, encoding: .utf8)
        let result = try Tool.run(
            ["calibrate", "--config", Tool.modelmd, "--targets", Tool.root.appendingPathComponent("calibration/targets.toml").path,
             "--fit", "f.toml", "--write", "out.toml"], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr == "error: \(message)\n")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.toml").path))
    }
}

@Suite("Charts, end to end")
struct ChartTests {
    @Test("compare --plot draws the dashboard: a panel per class and per series, a legend, one colour per regime")
    func dashboard() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(
            ["compare", "--config", Tool.modelmd, "--counterfactual", "--plot", "--out", "d", "--quiet"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let svg = try Tool.text(dir.appendingPathComponent("d/dashboard.svg"))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        for title in ["crypto price", "longdur price", "aiequity price", "cashflow price", "10-year Treasury yield rb",
                      "AI credit spread sc", "Idle cash L", "Fed Treasury holdings Bf", "Sovereign fund sales",
                      "AI share of the USD IG index", "AI boom&apos;s part: crypto price".replacingOccurrences(of: "&apos;", with: "'")] {
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
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/rsvg-convert") {
            let bytes = try Data(contentsOf: png)
            #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            #expect(manifest.contains("\"dashboard.png\""))
        } else {
            #expect(!FileManager.default.fileExists(atPath: png.path))
        }
        #expect(!Tool.files(dir.appendingPathComponent("d")).contains { $0.contains(".tmp-") })
    }
}

@Suite("Notebook export, end to end", .serialized)
struct NotebookTests {
    /// Runs python3 with `code` in `directory`.
    static func python(_ code: String, in directory: URL) throws -> Tool.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", code]
        process.currentDirectoryURL = directory
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Tool.Result(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: "")
    }

    @Test("the exported notebook runs unchanged in a Jupyter kernel and draws the dashboard; so does the script")
    func notebookRuns() throws {
        let dir = try Tool.scratch()
        let export = try Tool.run(
            ["export", "--notebook", "nb", "--config", Tool.modelmd, "--counterfactual", "--regimes", "none,buyer", "--quiet"], in: dir)
        #expect(export.status == 0, "\(export.stderr)")
        let nb = dir.appendingPathComponent("nb")
        for file in ["reverse_qe.ipynb", "reverse_qe.py", "matrices.csv", "compare.csv", "manifest.json", "dashboard.svg"] {
            #expect(FileManager.default.fileExists(atPath: nb.appendingPathComponent(file).path), "\(file) missing")
        }
        let runner = Tool.root.appendingPathComponent("notebooks-export/run_notebook.py").path
        let report = try Self.python(
            "import runpy, sys; sys.argv = ['run', 'reverse_qe.ipynb']; runpy.run_path('\(runner)', run_name='__main__')", in: nb)
        #expect(report.status == 0, "nbclient failed (are nbclient, ipykernel, pandas, matplotlib installed? scripts/test.sh installs them)")
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

    @Test("the notebook is written deterministically")
    func deterministic() throws {
        let dir = try Tool.scratch()
        for name in ["a", "b"] {
            let result = try Tool.run(["export", "--notebook", name, "--config", Tool.modelmd, "--regimes", "none", "--quiet"], in: dir)
            #expect(result.status == 0)
        }
        for file in ["reverse_qe.py", "matrices.csv"] {
            #expect(try Data(contentsOf: dir.appendingPathComponent("a/\(file)")) == Data(contentsOf: dir.appendingPathComponent("b/\(file)")))
        }
        let a = try Tool.text(dir.appendingPathComponent("a/reverse_qe.ipynb"))
        #expect(a.contains("\"nbformat\" : 4") && a.contains("\"id\" : \"dashboard\""))
    }
}

@Suite("Charts of one run")
struct RunChartTests {
    @Test("run --plot draws the single-regime dashboard in the regime's colour")
    func runDashboard() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(["run", "--config", Tool.modelmd, "--regime", "reserves", "--plot", "--out", "r", "--quiet"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let svg = try Tool.text(dir.appendingPathComponent("r/dashboard.svg"))
        #expect(svg.contains("Fed regime: reserves</text>"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 10)
        #expect(svg.components(separatedBy: "stroke=\"#ff7f0e\" stroke-width=\"2\"").count - 1 == 10)
        #expect(result.stdout.contains("r/dashboard.svg"))
    }
}
