import Experiments
import FlowModel
import Foundation
import TestSupport
import Testing

@testable import Application
@testable import FileFormats
@testable import Reports

@Suite("Charts and notebooks in-process", .serialized)
struct ChartWorkflowTests {
    static let needsLibrary = "needs the Python package's library: swift build --product LiquidityC"

    @Test("the dashboard: a panel per summarised series, a legend, one colour per regime, the counterfactual's part")
    func dashboard() throws {
        let dir = try Tool.scratch()
        let (result, files) = try Workflow.compare(in: dir, out: "d", counterfactual: true, plot: true)
        let svg = try Tool.text(dir.appendingPathComponent("d/dashboard.svg"))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        let series = result.cases[0].summaries.reduce(into: [String]()) {
            if !$0.contains($1.series) { $0.append($1.series) }
        }
        #expect(
            series == [
                "p_crypto", "p_longdur", "p_aiequity", "p_cashflow", "rb", "sc", "Bf", "SELL_total", "L",
                "ai_ig_share", "identity_share",
            ])
        // Titles from the file's descriptions and set members' names, not code names.
        for title in [
            "price (crypto)", "price (long-duration assets)", "10-year Treasury yield",
            "price (crypto): as solved minus no_ai_boom",
        ] {
            #expect(svg.contains("font-weight=\"bold\">\(title)</text>"), "no panel \(title)")
        }
        #expect(!svg.contains(">price (longdur)"))
        for (regime, meaning) in [
            ("none", "no buyer: runoff only"), ("buyer", "buyer of last resort: a soft cap on the 10-year yield"),
        ] {
            #expect(svg.contains(">\(regime) (\(meaning))</text>"))
        }
        // Ten series panels (every summarised series but the accounting check) of three regimes, two
        // counterfactual panels of three.
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 10 * 3 + 2 * 3)
        // Okabe-Ito blue and dots for buyer (third in the file), in every panel and in the legend.
        #expect(
            svg.components(separatedBy: "stroke=\"#0072B2\" stroke-width=\"2\" stroke-dasharray=\"2,3\"").count - 1
                == 12)
        #expect(svg.contains("stroke=\"#0072B2\" stroke-width=\"3\" stroke-dasharray=\"2,3\"/>"))
        // The three regimes' identity residuals coincide, and the chart says so.
        #expect(svg.contains(">drawn over each other: none = reserves = buyer</text>"))
        #expect(
            svg.contains(">2028</text>") && svg.contains(">percent a year</text>") && svg.contains(">level 1</text>"))
        let manifest = try Tool.text(dir.appendingPathComponent("d/manifest.json"))
        #expect(manifest.contains("\"dashboard.svg\""))
        let png = dir.appendingPathComponent("d/dashboard.png")
        let pdf = dir.appendingPathComponent("d/dashboard.pdf")
        if try Tool.runProgram("/usr/bin/env", ["sh", "-c", "command -v rsvg-convert"], in: dir).status == 0 {
            #expect(try Data(contentsOf: png).prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            #expect(try Data(contentsOf: pdf).prefix(5) == Data("%PDF-".utf8))
            #expect(files.contains("dashboard.png") && manifest.contains("\"dashboard.png\""))
            #expect(files.contains("dashboard.pdf") && manifest.contains("\"dashboard.pdf\""))
        } else {
            #expect(
                !FileManager.default.fileExists(atPath: png.path) && !FileManager.default.fileExists(atPath: pdf.path))
        }
        #expect(!Tool.files(dir.appendingPathComponent("d")).contains { $0.contains(".tmp-") })
    }

    @Test("one regime's dashboard is drawn in the regime's colour, whichever regimes are compared")
    func oneRegime() throws {
        let dir = try Tool.scratch()
        try Workflow.compare(in: dir, out: "r", regimes: ["reserves"], plot: true)
        let svg = try Tool.text(dir.appendingPathComponent("r/dashboard.svg"))
        #expect(svg.contains(">reserves (reserve-management purchases when transaction cash runs short)</text>"))
        // Every summarised series but the accounting check, identity_share (the table's).
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 10)
        #expect(!svg.contains("identity residual"))
        #expect(
            svg.components(separatedBy: "stroke=\"#E69F00\" stroke-width=\"2\" stroke-dasharray=\"8,4\"").count - 1
                == 10)
    }

    @Test(
        """
        --panels draws the chosen series in the chosen order; an unknown one is refused before solving, naming \
        the panels there are
        """
    )
    func chosenPanels() throws {
        let dir = try Tool.scratch()
        let (result, _) = try Workflow.compare(
            in: dir, out: "p", regimes: ["none", "buyer"], plot: true, panels: ["rb", "p_crypto"])
        let svg = try Tool.text(dir.appendingPathComponent("p/dashboard.svg"))
        let titles = svg.components(separatedBy: "font-weight=\"bold\">").dropFirst(2).map {
            $0.components(separatedBy: "<").first ?? ""
        }
        #expect(titles == ["10-year Treasury yield", "price (crypto)"])
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2 * 2)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\""), "two panels, two columns")
        // Any series of the file may be a panel, a function of time alone (AI capex I) too.
        let capex = try Charts.dashboard(title: "t", subtitle: "a caption", comparison: result, panels: ["I"])
        #expect(capex.contains(">AI capex"), "\(capex.prefix(600))")
        #expect(capex.contains(">a caption</text>"))
        let panels = [
            "p_crypto", "p_longdur", "p_aiequity", "p_cashflow", "rb", "sc", "Bf", "SELL_total", "L", "ai_ig_share",
            "identity_share",
        ]
        #expect(throws: UnknownPanel(name: "p_bitcoin", panels: panels)) {
            _ = try Charts.dashboard(title: "t", subtitle: "s", comparison: result, panels: ["p_bitcoin"])
        }
        let error = #expect(throws: InputError.self) {
            try Charts.checkPanels(["rb", "p_bitcoin"], model: result.cases[0].solved.model)
        }
        #expect(
            error?.message
                == """
                --panels p_bitcoin: not a series of the model file (the columns of units.csv); its summarised \
                series: \(panels.joined(separator: ", "))
                """
        )
        let run = try Tool.run(["compare", "--plot", "--panels", "rb,p_bitcoin", "--out", "q"], in: dir)
        #expect(run.status == 2 && run.stderr.contains("--panels p_bitcoin: not a series of the model file"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("q").path))
    }

    /// Runs python3 with `code` in `directory`.
    static func python(_ code: String, in directory: URL) throws -> Tool.Result {
        try Tool.runProgram("/usr/bin/env", ["python3", "-c", code], in: directory)
    }

    @Test(
        """
        a model file's notebook runs in a Jupyter kernel: its panels are the file's summarised series, its \
        matrices the file's
        """,
        .enabled(
            if: Requirements.met(FileManager.default.fileExists(atPath: Requirements.pythonLibrary.path)),
            Comment(rawValue: needsLibrary))
    )
    func fileNotebookRuns() throws {
        let dir = try Tool.scratch()
        let file = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path
        let comparison = try ChoiceComparison(
            source: try ModelFiles.source(file), choice: "regime", options: ["none", "buyer"], counterfactual: true,
            solve: SolveSettings(stepper: .msbdf))
        var options = ComparisonFiles.Options(
            config: "", tool: Manifest.Tool(version: "test", commit: "test"), command: ["test"])
        options.anchors = [Tool.root.appendingPathComponent("Package.swift").path]
        options.notebookMatricesAt = .some(2027)
        let nb = dir.appendingPathComponent("nb")
        let (_, files) = try ComparisonFiles.run(comparison, file: file, into: nb.path, options: options)
        #expect(files.suffix(4) == ["matrices.csv", "reverse_qe.ipynb", "reverse_qe-dashboard.py", "reverse-qe.sfc"])
        let runner = Tool.root.appendingPathComponent("notebooks-export/run_notebook.py").path
        // The kernel finds the Python package and the debug build's library, which the test command builds first.
        let library = Requirements.pythonLibrary.path
        try #require(FileManager.default.fileExists(atPath: library), Comment(rawValue: Self.needsLibrary))
        let environment =
            "import os; os.environ['PYTHONPATH'] = '\(Tool.root.appendingPathComponent("python").path)'; "
            + "os.environ['LIQUIDITY_LIBRARY'] = '\(library)'; "
        let report = try Self.python(
            environment
                + """
                import runpy, sys; sys.argv = ['run', 'reverse_qe.ipynb']; runpy.run_path('\(runner)', \
                run_name='__main__')
                """,
            in: nb)
        try #require(report.status == 0, "nbclient failed: \(report.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        #expect(result?["ran"] as? [Int] == [1, 2, 3, 4, 5])
        #expect(result?["errors"] as? Int == 0)
        // The dashboard, and the panels re-solved in the kernel by the Python package.
        #expect(result?["images"] as? Int == 2)
        #expect(result?["matrices"] as? Bool == true)
        let matrices = try Tool.text(nb.appendingPathComponent("matrices.csv")).split(separator: "\n")
        #expect(matrices[0] == "matrix,row,P,A,G,F,S,W,row_sum,must_be")
        #expect(matrices.count == 1 + 17 + 12)
        let script = try Tool.text(nb.appendingPathComponent("reverse_qe-dashboard.py"))
        #expect(script.contains("(\"rb\", \"10-year Treasury yield\", \"percent a year\", 100.0, None)"))
        #expect(script.contains("suffix = \"/no_ai_boom\""))
        #expect(script.contains("\"buyer\": (0, (2,3,))"), "the notebook draws buyer dotted, as the dashboard does")
        // A coauthor's copy: the folder moved elsewhere runs as it stands, the notebook from another
        // folder given LIQUIDITY_EXPORT, the script from anywhere (it finds its folder itself).
        let moved = dir.appendingPathComponent("elsewhere/copy")
        try FileManager.default.createDirectory(
            at: moved.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: nb, to: moved)
        try FileManager.default.removeItem(at: nb)
        let away = try Tool.scratch()
        let fromElsewhere = try Self.python(
            environment
                + """
                os.environ['LIQUIDITY_EXPORT'] = '\(moved.path)'; import runpy, sys; \
                sys.argv = ['run', '\(moved.appendingPathComponent("reverse_qe.ipynb").path)', '\(away.path)']; \
                runpy.run_path('\(runner)', run_name='__main__')
                """,
            in: away)
        try #require(fromElsewhere.status == 0, "nbclient failed: \(fromElsewhere.stderr) \(fromElsewhere.stdout)")
        let again = try JSONSerialization.jsonObject(with: Data(fromElsewhere.stdout.utf8)) as? [String: Any]
        #expect(again?["errors"] as? Int == 0 && again?["images"] as? Int == 2)
        let script2 = try Self.python(
            environment
                + """
                os.environ['MPLBACKEND'] = 'Agg'; import runpy; \
                runpy.run_path('\(moved.appendingPathComponent("reverse_qe-dashboard.py").path)')
                """,
            in: away)
        #expect(script2.status == 0, "\(script2.stderr)")
        #expect(FileManager.default.fileExists(atPath: moved.appendingPathComponent("dashboard_matplotlib.png").path))
        #expect(Tool.files(away).isEmpty, "nothing written into the folder it ran from")
    }

    @Test("the notebook is written deterministically")
    func deterministic() throws {
        let dir = try Tool.scratch()
        for name in ["a", "b"] { try Workflow.compare(in: dir, out: name, regimes: ["none"], notebook: .some(nil)) }
        for file in ["reverse_qe-dashboard.py", "matrices.csv", "reverse_qe.ipynb"] {
            #expect(
                try Data(contentsOf: dir.appendingPathComponent("a/\(file)"))
                    == Data(contentsOf: dir.appendingPathComponent("b/\(file)")))
        }
        let a = try Tool.text(dir.appendingPathComponent("a/reverse_qe.ipynb"))
        #expect(a.contains("\"nbformat\" : 4") && a.contains("\"id\" : \"dashboard\""))
    }
}

@Suite("CSV writing")
struct CSVWritingTests {
    @Test(
        "fields with a comma, quote, CR or LF are quoted with their quotes doubled, byte by byte",
        arguments: [
            ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("x\r\ny", "\"x\r\ny\""),
            ("x\ny", "\"x\ny\""),
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
    @Test(
        "the notebook's cells come from notebooks-export/dashboard.py: every placeholder filled, an unknown one named")
    func notebookTemplate() throws {
        let plan = NotebookPlan(
            title: "T", facts: [], panels: [.init(column: "rb", title: "10-year", unit: "%", scale: 100)],
            attribution: [],
            counterfactualSuffix: "/flat", colors: ["none": "#000000"], legend: "regime", model: "/m.sfc", config: nil)
        let template = try Tool.text(Tool.root.appendingPathComponent("notebooks-export/dashboard.py"))
        let cells = try Notebook.codeCells(plan, matricesDate: "2027-01-01", template: template)
        #expect(cells.map(\.name) == ["load-manifest", "load-series", "dashboard", "re-solve", "matrices"])
        #expect(!cells.contains { $0.code.contains("{{") || $0.code.contains("}}") })
        #expect(cells[1].code.contains("suffix = \"/flat\"\n"))
        #expect(cells[2].code.contains("colors = {\"none\": \"#000000\"}\n"))
        #expect(cells[3].code.contains("model, config = \"/m.sfc\", None\n"))
        #expect(cells[4].code.hasPrefix("# The matrices at 2027-01-01, with row and column sums.\n"))
        #expect(
            throws: NotebookTemplateError(
                message:
                    """
                    cell a: unknown placeholder {{nope}}; known: attribution, colors, config, dashes, legend, \
                    matrices_date, model, panels, suffix, title
                    """
            )
        ) {
            try Notebook.codeCells(plan, matricesDate: "2027", template: "# %% a\nx = {{nope}}\n")
        }
        #expect(throws: NotebookTemplateError(message: "no cell: each starts with a line '# %% NAME'")) {
            try Notebook.codeCells(plan, matricesDate: "2027", template: "x = 1\n")
        }
    }
}
