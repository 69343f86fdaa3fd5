import Experiments
import FlowModel
import Foundation
import Solvers
import TestSupport
import Testing

@testable import Application
@testable import FileFormats
@testable import Reports

@Suite("The reverse-QE file with the configuration files")
struct ModelFileConfigurationTests {
    @Test("a configuration value the file has no parameter for is refused, naming both")
    func missing() throws {
        let dir = try Tool.scratch()
        let config = try Tool.config(in: dir) { $0.replacingOccurrences(of: "erp = ", with: "tau_rm = 2.0\nerp = ") }
        let qe = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path
        let error = #expect(throws: InputError.self) {
            try ModelFiles.settings(configuration: config, for: try ModelFiles.source(qe))
        }
        #expect(
            error?.message
                == "\(config): parameters.tau_rm: \(qe) has no parameter tau_rm; see `liquidity params --model \(qe)`")
    }

    @Test("a value for a member the set does not have is refused, naming the configuration's key and the members")
    func unknownMember() throws {
        let dir = try Tool.scratch()
        let config = try Tool.config(in: dir) {
            $0.replacingOccurrences(of: "[parameters]\n", with: "[parameters]\nbeta.bitcoin = 1.0\n")
        }
        let error = #expect(throws: InputError.self) {
            try ModelFiles.settings(
                configuration: config,
                for: try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path))
        }
        #expect(
            error?.message
                == """
                \(config): parameters.beta.bitcoin: bitcoin is not a member of risk; its members: crypto, \
                longdur, aiequity, cashflow
                """
        )
    }

    @Test(
        """
        a configuration value outside the file's range is refused by the reader, naming the configuration's key \
        and the range
        """
    )
    func outOfRange() throws {
        let dir = try Tool.scratch()
        let config = try Tool.config(in: dir) {
            $0.replacingOccurrences(of: "\npayout = 0.35", with: "\npayout = 2.0")
        }
        let error = #expect(throws: InputError.self) {
            try ModelFiles.settings(
                configuration: config,
                for: try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path))
        }
        #expect(error?.message == "\(config): parameters.payout = 2.0 is out of range; allowed: in [0, 1]")
    }
}

@Suite("Configurations of model files")
struct ModelConfigurationTests {
    static let qe = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path

    @Test("a model file's configuration, written from the baseline and read back, gives the same model")
    func roundTrip() throws {
        let source = try ModelFiles.compile(Self.qe).source
        let baseline = try ModelFiles.compile(
            Self.qe,
            settings: try ModelFiles.settings(
                configuration: Tool.root.appendingPathComponent("calibration/baseline.toml").path, for: source))
        let dir = try Tool.scratch()
        let path = dir.appendingPathComponent("qe.toml").path
        try ModelConfiguration.render(baseline, header: ["test"]).write(
            toFile: path, atomically: true, encoding: .utf8)
        let again = try ModelFiles.compile(
            Self.qe, settings: try ModelFiles.settings(configuration: path, for: source))
        for p in source.parameters {
            let names = p.index == .scalar ? [p.name] : baseline.members(of: "risk").map { "\(p.name)[\($0)]" }
            for name in names { #expect(again.parameter(name) == baseline.parameter(name), "\(name)") }
        }
        for table in source.tables {
            #expect(again.knots(of: table.name).elementsEqual(baseline.knots(of: table.name)) { $0 == $1 })
        }
        #expect(
            again.initialState == baseline.initialState && again.tstops == baseline.tstops
                && (again.t0, again.t1) == (baseline.t0, baseline.t1))
    }

    @Test(
        "bad model configurations name the file, the key and what the model has",
        arguments: [
            (
                "[parameters]\nalpha = 1\n",
                "parameters.alpha: MODEL has no parameter alpha; see `liquidity params --model MODEL`"
            ),
            (
                "[parameters]\nbeta = 1\n[extra]\nx = 1\n",
                "unknown section extra; allowed: horizon, parameters, sets, tables, choices"
            ),
            ("[sets]\nclasses = [\"a\"]\n", "sets.classes: MODEL has no set classes; its sets: risk, bucket"),
            (
                "[choices]\nregime = \"always\"\n",
                "choices.regime must be one of \"none\", \"reserves\", \"buyer\", \"share\""
            ),
            (
                "[tables]\nrm = [[2026, 0.04], [2025, 0.03]]\n",
                "tables.rm: the years must ascend; 2025.0 follows 2026.0"
            ),
        ])
    func bad(_ text: String, _ message: String) throws {
        let dir = try Tool.scratch()
        let path = dir.appendingPathComponent("c.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let source = try ModelFiles.compile(Self.qe).source
        let error = #expect(throws: InputError.self) { try ModelFiles.settings(configuration: path, for: source) }
        #expect(error?.message == "\(path): " + message.replacingOccurrences(of: "MODEL", with: Self.qe))
    }
}

@Suite("The Sankey diagram of a flow matrix")
struct SankeyTests {
    @Test(
        """
        links carry every payment to the row's receivers: each sector pays what it receives, as its balanced \
        column says
        """
    )
    func links() throws {
        let model = try ModelFiles.compile(Tool.root.appendingPathComponent("models/gl-pc.sfc").path)
        let solution = try solve(
            model.problem(), .msbdf,
            SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10), saveAt: .times([0, 20])))
        let matrix = model.matrixValues(at: 20, solution.state(1))[0]
        let links = Sankey.links(matrix)
        for (i, column) in matrix.columns.enumerated() {
            let paid = links[i].reduce(0, +)
            let received = links.reduce(0) { $0 + $1[i] }
            let payments = matrix.values.reduce(0) { $0 + max(-$1[i], 0) }
            #expect(abs(paid - payments) < 1e-9 * max(payments, 1), "\(column)")
            #expect(abs(paid - received) < 1e-9 * max(payments, 1), "\(column) pays \(paid), receives \(received)")
        }
        let svg = Sankey.svg(matrix, title: "PC", unit: "$ a year")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains(">H pays ") && svg.contains(">CB receives "))
    }
}

@Suite("Comparisons of a model file's choices")
struct ChoiceComparisonTests {
    /// The file's counterfactual (the choice `counterfactual`) is MODEL.md
    /// section 5's: I1 = I0 from t0, as a parameter change gives it.
    @Test(
        """
        compare --counterfactual solves the file's counterfactual option, which is I1 = I0, and draws a panel \
        per summarised series
        """
    )
    func counterfactual() throws {
        let file = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path
        let source = try ModelFiles.source(file)
        let comparison = try ChoiceComparison(
            source: source, choice: "regime", options: ["none", "buyer"], counterfactual: true)
        #expect(comparison.cases.map(\.label) == ["none", "none/no_ai_boom", "buyer", "buyer/no_ai_boom"])
        let result = try comparison.run()
        let i0 = try #require(try compileModel(source).parameter("I0"))
        for regime in ["none", "buyer"] {
            let flat = try #require(result.run(regime, counterfactual: true)).solved
            let changed = try SolveSettings().solve(
                try compileModel(source, settings: ModelSettings(choices: ["regime": regime], parameters: ["I1": i0])),
                label: "I1 = I0")
            #expect(flat.values == changed.values, "\(regime): the counterfactual option and I1 = I0 differ")
        }
        let svg = try Charts.dashboard(title: "t", subtitle: "s", comparison: result)
        // A panel per summarised series but the accounting check, and the two counterfactual panels.
        let series = Set(result.cases[0].summaries.map(\.series)).filter { !$0.hasPrefix(Charts.diagnosticPrefix) }
        #expect(svg.components(separatedBy: "<rect x=").count - 1 == series.count + 2)
        #expect(svg.contains(">price (crypto): as solved minus no_ai_boom</text>"))
        #expect(svg.contains(">buyer (buyer of last resort: a soft cap on the 10-year yield)</text>"))
    }

    @Test("a comparison the file cannot make is refused, naming the file and what it has")
    func refused() throws {
        let source = try ModelFiles.source(Tool.root.appendingPathComponent("models/gl-sim.sfc").path)
        #expect(
            throws: ChoiceComparison.Invalid(description: "\(source.file) declares no choice regime; its choices: ")
        ) {
            try ChoiceComparison(source: source, choice: "regime")
        }
        let qe = try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        #expect(throws: ChoiceComparison.Invalid(description: "none is listed twice in the options of regime")) {
            try ChoiceComparison(source: qe, choice: "regime", options: ["none", "none"])
        }
    }
}

@Suite("calibrate --model: fitting a model file")
struct FileCalibrationTests {
    static let targets = """
        [[target]]
        id = "Y"
        description = "national income in the steady state"
        quantity = "value"
        series = "Y"
        at = 300
        value = 125
        band = 0.5
        weight = 1
        source = "G_d = 25 gives Y* = G_d / theta = 125"
        """

    static let fit = """
        solver = "msbdf"
        tolerance = 1e-10
        method = "lm"
        max_iterations = 50
        [[free]]
        key = "G_d"
        lower = 1
        upper = 100
        """

    @Test(
        """
        SIM's government spending is fitted to a steady state of 125 (G_d = 25), and the fitted configuration \
        reads back
        """
    )
    func sim() throws {
        let dir = try Tool.scratch()
        let sim = Tool.root.appendingPathComponent("models/gl-sim.sfc").path
        try Self.targets.write(to: dir.appendingPathComponent("t.toml"), atomically: true, encoding: .utf8)
        try Self.fit.write(to: dir.appendingPathComponent("f.toml"), atomically: true, encoding: .utf8)
        let job = try CalibrationJob(
            model: sim, config: nil, targets: dir.appendingPathComponent("t.toml").path,
            fit: dir.appendingPathComponent("f.toml").path,
            check: false)
        final class Inside: @unchecked Sendable {
            let lock = NSLock()
            var counts: [Int] = []
        }
        let inside = Inside()
        let fit = try job.run { _, _, _, count in inside.lock.withLock { inside.counts.append(count) } }
        #expect(abs(fit.freeValues[0] - 25) < 1e-6, "G_d \(fit.freeValues[0])")
        // The start (G_d = 20, Y* = 100) is 50 bands off; the fit ends inside.
        #expect(inside.counts.first == 0 && inside.counts.last == 1, "\(inside.counts)")
        let written = dir.appendingPathComponent("out/fitted.toml").path
        _ = try job.write(fit, to: written, tool: Manifest.Tool(version: "test", commit: "test"))
        let settings = try ModelFiles.settings(configuration: written, for: try ModelFiles.source(sim))
        #expect(abs(settings.parameters["G_d"]! - 25) < 1e-6)
        #expect(settings.parameters["theta"] == 0.2)
    }

    @Test(
        """
        history --make-config builds the reverse-QE file's historical settings: the committed \
        calibration/history2022.toml
        """
    )
    func history() throws {
        let root = Tool.root.appendingPathComponent("calibration")
        let source = try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        let rows = try HistoryFiles.readTable(root.appendingPathComponent("history.csv").path)
        let built = try HistoricalConfiguration.settings(
            source: source,
            base: try ModelFiles.settings(
                configuration: root.appendingPathComponent("baseline.toml").path, for: source), table: rows,
            inputs: try HistoryInputsFile.read(
                Tool.root.appendingPathComponent("calibration/history-inputs.toml").path))
        let committed = try ModelFiles.settings(
            configuration: root.appendingPathComponent("history2022.toml").path, for: source)
        let a = try compileModel(source, settings: built)
        let b = try compileModel(source, settings: committed)
        #expect(a.t0 == b.t0 && a.t1 == b.t1 && a.initialState == b.initialState)
        for p in source.parameters where p.index == .scalar {
            #expect(a.parameter(p.name) == b.parameter(p.name), "\(p.name)")
        }
        for name in ["TGA", "qt", "rm"] {
            #expect(a.knots(of: name).elementsEqual(b.knots(of: name)) { $0 == $1 }, "\(name)")
        }
    }

    /// AI capex I reads no state: the compiler finds it a function of time alone.
    @Test("the reverse-QE file's I is a time path, MODEL.md's logistic at any date, before t0 too; rb and L are not")
    func timePath() throws {
        let file = try ModelFiles.compile(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        let capex = try #require(file.timePath("I"))
        #expect(file.timePath("rb") == nil && file.timePath("L") == nil)
        let (i0, i1, g, tI) = (
            file.parameter("I0")!, file.parameter("I1")!, file.parameter("gI")!, file.parameter("tI")!
        )
        for t in [2020.0, 2025.0, 2027.3] {
            let expected = i0 + (i1 - i0) / (1 + exp(-g * (t - tI)))
            #expect(abs(capex(t) - expected) <= 1e-15 * expected, "I(\(t))")
        }
    }

    @Test("a fit file that names a regime the model file does not have is refused, naming both")
    func regime() throws {
        let dir = try Tool.scratch()
        let sim = Tool.root.appendingPathComponent("models/gl-sim.sfc").path
        try Self.targets.write(to: dir.appendingPathComponent("t.toml"), atomically: true, encoding: .utf8)
        let fit = dir.appendingPathComponent("f.toml").path
        try ("regime = \"buyer\"\n" + Self.fit).write(toFile: fit, atomically: true, encoding: .utf8)
        let error = #expect(throws: InputError.self) {
            try CalibrationJob(
                model: sim, config: nil, targets: dir.appendingPathComponent("t.toml").path, fit: fit, check: false)
        }
        #expect(error?.message == "\(fit): regime = \"buyer\", but \(sim) declares no choice regime; leave regime out")
    }
}

@Suite("Sizes that cannot work")
struct SizeLimitTests {
    @Test(
        """
        a scenario of more than 1,000 changes and a set of more than 100 members are refused up front, with the \
        number and the limit
        """
    )
    func limits() throws {
        let dir = try Tool.scratch()
        let qe = try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        let scenario = dir.appendingPathComponent("many.toml").path
        try
            (["name = \"many\""]
            + (0..<1_001).flatMap { k in
                ["[[change]]", "key = \"payout\"", "value = 0.4", "start = \(2025.001 + Double(k) * 0.001)"]
            })
            .joined(separator: "\n").write(toFile: scenario, atomically: true, encoding: .utf8)
        let error = #expect(throws: InputError.self) { try ModelFiles.changes(scenario, model: qe) }
        #expect(
            error?.message
                == "\(scenario): 1001 changes; the limit is 1000 (each change is a date the solver must land on)")
        let config = dir.appendingPathComponent("c.toml").path
        try ("[sets]\nrisk = [" + (1...101).map { "\"c\($0)\"" }.joined(separator: ", ") + "]\n").write(
            toFile: config, atomically: true, encoding: .utf8)
        let sets = #expect(throws: InputError.self) { try ModelFiles.settings(configuration: config, for: qe) }
        #expect(
            sets?.message
                == """
                \(config): sets.risk: 101 members; the limit is 100 (each member adds states and equations; a \
                dense Jacobian grows with their cube)
                """
        )
    }

    @Test("two changes of one key at one date are refused, in one scenario file or across two")
    func sameDate() throws {
        let dir = try Tool.scratch()
        let qe = try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        func scenario(_ name: String, _ values: [Double]) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try
                (["name = \"\(name)\""]
                + values.flatMap { ["[[change]]", "key = \"payout\"", "value = \($0)", "start = 2027-01-01"] })
                .joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let one = try scenario("one.toml", [0.4, 0.5])
        let twice = #expect(throws: InputError.self) { try ModelFiles.changes(of: [one], model: qe) }
        #expect(
            twice?.message
                == """
                \(one): change[1]: payout changes at 2027.0, as \(one): change[0] does; one change of a key per \
                date
                """
        )
        let a = try scenario("a.toml", [0.4])
        let b = try scenario("b.toml", [0.6])
        let across = #expect(throws: InputError.self) { try ModelFiles.changes(of: [a, b], model: qe) }
        #expect(
            across?.message
                == "\(b): change[0]: payout changes at 2027.0, as \(a): change[0] does; one change of a key per date")
        #expect(try ModelFiles.changes(of: [a], model: qe).map(\.value) == [0.4])
    }
}

@Suite("Backtests")
struct BacktestTests {
    /// Data made by SIM itself with G_d = 25; the fit starts at 20. Refitted on
    /// the data up to t = 20, the model recovers G_d and forecasts Y on its way
    /// to 125 far better than no change, the direction right every time.
    @Test("a backtest on data the model made recovers the parameter and beats no change, in direction too")
    func synthetic() throws {
        let dir = try Tool.scratch()
        let sim = Tool.root.appendingPathComponent("models/gl-sim.sfc").path
        let truth = try ModelFiles.compile(sim, settings: ModelSettings(parameters: ["G_d": 25]))
        let times = stride(from: 5.0, through: 40, by: 5).map { $0 }
        var options = SolverOptions(
            relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10), saveAt: .times([0] + times))
        options.maxSteps = 100_000
        let (solution, series) = try truth.run(.msbdf, options: options)
        let y = series[truth.columns.firstIndex { $0.name == "Y" }!]
        let table = dir.appendingPathComponent("data.csv").path
        try (["quarter,date,t,Y"] + solution.t.indices.dropFirst().map { "p\($0),-,\(solution.t[$0]),\(y[$0])" })
            .joined(separator: "\n")
            .write(toFile: table, atomically: true, encoding: .utf8)
        let targets = dir.appendingPathComponent("t.toml").path
        try solution.t.indices.dropFirst().map { k in
            """
            [[target]]\nid = \"Y_\(k)\"\ndescription = \"Y\"\nquantity = \"value\"\nseries = \"Y\"\nat = \
            \(solution.t[k])\nvalue = \(y[k])\nband = 1.0\nweight = 1.0\nsource = \"SIM\"\n
            """
        }.joined(separator: "\n").write(toFile: targets, atomically: true, encoding: .utf8)
        let fit = dir.appendingPathComponent("f.toml").path
        try """
        solver = \"msbdf\"\ntolerance = 1e-10\nmethod = \"lm\"\nmax_iterations = 50\n[[free]]\nkey = \
        \"G_d\"\nlower = 1\nupper = 100\n
        """
        .write(toFile: fit, atomically: true, encoding: .utf8)
        let job = try CalibrationJob(model: sim, config: nil, targets: targets, fit: fit, check: false)
        let backtest = try BacktestFiles.backtest(job, table: table, series: nil, horizon: 4)
        #expect(backtest.series == ["Y"])
        let result = try backtest.run(cutoff: 20)
        #expect(result.targetsUsed == 4)
        #expect(abs(result.fit.freeValues[0] - 25) < 1e-6)
        #expect(result.forecasts.map(\.t) == [25, 30, 35, 40])
        for f in result.forecasts {
            #expect(
                abs(f.model - f.actual) < 1e-6 * f.actual && abs(f.noChange - f.actual) > 0.1 && f.directionRight,
                "\(f)")
        }
        let (text, csv) = BacktestFiles.report([result], horizon: 4)
        #expect(
            text.contains("| yes |")
                || text.split(separator: "\n").contains {
                    $0.contains(" Y ") && $0.contains("yes") && $0.contains("4 of 4")
                })
        #expect(csv.split(separator: "\n").count == 1 + 4)
    }
}
