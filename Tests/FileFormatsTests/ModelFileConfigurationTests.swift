import Experiments
import FlowModel
import Foundation
import ModelLanguage
import Solvers
import Testing
import TestSupport

@testable import FileFormats

@Suite("The reverse-QE file with the configuration files")
struct ModelFileConfigurationTests {
    /// Under the same fixed steps, the file with a configuration's values and
    /// the hand-written model with that configuration take the same path.
    @Test("with calibration/baseline.toml (the fitted, moving bond share and debt taper) the file reproduces the hand-written model", arguments: [
        ("calibration/baseline.toml", FedRegime.none), ("calibration/baseline.toml", .buyer), ("calibration/history2022.toml", .none),
    ])
    func baseline(_ config: String, _ regime: FedRegime) throws {
        let path = Tool.root.appendingPathComponent(config).path
        let source = try ModelFiles.compile(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path).source
        var settings = try ModelFiles.settings(configuration: path, for: source)
        settings.choices["regime"] = regime.rawValue
        let file = try ModelFiles.compile(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path, settings: settings)
        let hand = try ReverseQEModel(parameters: try Configuration.read(path), regime: regime)
        #expect(file.tstops == hand.tstops)
        #expect(file.initialState == hand.initialState)
        var options = SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10), saveAt: .interval(1.0 / 12))
        options.fixedStep = 1.0 / 1200
        options.maxSteps = 2_000_000
        let a = try solve(file.problem(), .rk8pd, options), b = try solve(hand.problem, .rk8pd, options)
        #expect(a.isSuccessful && b.isSuccessful)
        var worst = 0.0
        for k in 0..<b.count { for (x, y) in zip(a.state(k), b.state(k)) { worst = max(worst, abs(x - y) / max(abs(y), 1)) } }
        print("reverse-qe.sfc with \(config), \(regime): largest relative difference \(worst)")
        #expect(worst < 1e-12)
    }

    @Test("a configuration value the file has no parameter for is refused, naming both")
    func missing() throws {
        let dir = try Tool.scratch()
        let config = try Tool.config(in: dir) { $0.replacingOccurrences(of: "erp = ", with: "tau_rm = 2.0\nerp = ") }
        let source = try ModelFiles.compile(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path).source
        let error = #expect(throws: InputError.self) { try ModelFiles.settings(configuration: config, for: source) }
        #expect(error?.message == "\(config): tau_rm = 2.0, but \(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path) has no parameter tau_rm")
    }
}

@Suite("Configurations of model files")
struct ModelConfigurationTests {
    static let qe = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path

    @Test("a model file's configuration, written from the baseline and read back, gives the same model")
    func roundTrip() throws {
        let source = try ModelFiles.compile(Self.qe).source
        let baseline = try ModelFiles.compile(Self.qe, settings: try ModelFiles.settings(
            configuration: Tool.root.appendingPathComponent("calibration/baseline.toml").path, for: source))
        let dir = try Tool.scratch()
        let path = dir.appendingPathComponent("qe.toml").path
        try ModelConfiguration.render(baseline, header: ["test"]).write(toFile: path, atomically: true, encoding: .utf8)
        let again = try ModelFiles.compile(Self.qe, settings: try ModelFiles.settings(configuration: path, for: source))
        for p in source.parameters {
            let names = p.index == .scalar ? [p.name] : baseline.members(of: "risk").map { "\(p.name)[\($0)]" }
            for name in names { #expect(again.parameter(name) == baseline.parameter(name), "\(name)") }
        }
        for table in source.tables { #expect(again.knots(of: table.name).elementsEqual(baseline.knots(of: table.name)) { $0 == $1 }) }
        #expect(again.initialState == baseline.initialState && again.tstops == baseline.tstops && (again.t0, again.t1) == (baseline.t0, baseline.t1))
    }

    @Test("bad model configurations name the file, the key and what the model has", arguments: [
        ("[parameters]\nalpha = 1\n", "parameters.alpha: MODEL has no parameter alpha; see `liquidity params --model MODEL`"),
        ("[parameters]\nbeta = 1\n[extra]\nx = 1\n", "unknown section extra; allowed: horizon, parameters, sets, tables, choices"),
        ("[sets]\nclasses = [\"a\"]\n", "sets.classes: MODEL has no set classes; its sets: risk, bucket"),
        ("[choices]\nregime = \"always\"\n", "choices.regime must be one of \"none\", \"reserves\", \"buyer\", \"share\""),
        ("[tables]\nrm = [[2026, 0.04], [2025, 0.03]]\n", "tables.rm: invalid knot table: knot times must strictly ascend; 2025.0 follows 2026.0"),
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
    @Test("links carry every payment to the row's receivers: each sector pays what it receives, as its balanced column says")
    func links() throws {
        let model = try ModelFiles.compile(Tool.root.appendingPathComponent("models/gl-pc.sfc").path)
        let solution = try solve(model.problem(), .msbdf, SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10), saveAt: .times([0, 20])))
        let matrix = model.matrixValues(at: 20, solution.state(1))[0]
        let links = Sankey.links(matrix)
        for (i, column) in matrix.columns.enumerated() {
            let paid = links[i].reduce(0, +), received = links.reduce(0) { $0 + $1[i] }
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
    /// The file's counterfactual (the choice `counterfactual`, I1 = I0 from t0)
    /// and its summaries against the hand-written model's `compare --counterfactual`.
    @Test("compare --counterfactual on the reverse-QE file gives the hand-written model's attribution, and draws a panel per summarised series")
    func counterfactual() throws {
        let config = Tool.root.appendingPathComponent("calibration/baseline.toml").path
        let file = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path
        let source = try ModelFiles.source(file)
        let comparison = try ChoiceComparison(
            source: source, settings: try ModelFiles.settings(configuration: config, for: source), options: ["none", "buyer"],
            counterfactual: true)
        #expect(comparison.cases.map(\.label) == ["none", "none/no_ai_boom", "buyer", "buyer/no_ai_boom"])
        let result = try comparison.run()
        let hand = try RegimeComparison(parameters: try Configuration.read(config), regimes: [.none, .buyer], counterfactual: true).run()
        for (regime, flat) in [(FedRegime.none, false), (.none, true), (.buyer, false), (.buyer, true)] {
            let summaries = try #require(result.run(regime.rawValue, counterfactual: flat)).summaries
            let expected = try #require(hand.run(regime, counterfactual: flat)).summary
            for (column, value) in [("end_p_crypto", expected.endPrice["crypto"]!), ("drawdown_p_longdur", expected.largestDrawdown["longdur"]!),
                                    ("peak_rb", expected.peakRb), ("change_Bf", expected.changeInBf), ("end_ai_ig_share", expected.aiIndexShareAtEnd)] {
                let got = try #require(summaries.first { $0.column == column }?.value)
                #expect(abs(got - value) <= 1e-8 * max(abs(value), 1), "\(regime) \(flat) \(column): \(got) against \(value)")
            }
        }
        let svg = Charts.dashboard(title: "t", subtitle: "s", comparison: result)
        let series = Set(result.cases[0].summaries.map(\.series))
        #expect(svg.components(separatedBy: "<rect x=").count - 1 == series.count + 2)
        #expect(svg.contains("p_crypto: as solved minus no_ai_boom"))
        #expect(svg.contains("regime: buyer"))
    }

    @Test("a comparison the file cannot make is refused, naming the file and what it has")
    func refused() throws {
        let source = try ModelFiles.source(Tool.root.appendingPathComponent("models/gl-sim.sfc").path)
        #expect(throws: ChoiceComparison.Invalid(description: "\(source.file) declares no choice regime; its choices: ")) {
            try ChoiceComparison(source: source)
        }
        let qe = try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        #expect(throws: ChoiceComparison.Invalid(description: "none is listed twice")) {
            try ChoiceComparison(source: qe, options: ["none", "none"])
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

    @Test("SIM's government spending is fitted to a steady state of 125 (G_d = 25), and the fitted configuration reads back")
    func sim() throws {
        let dir = try Tool.scratch()
        let sim = Tool.root.appendingPathComponent("models/gl-sim.sfc").path
        try Self.targets.write(to: dir.appendingPathComponent("t.toml"), atomically: true, encoding: .utf8)
        try Self.fit.write(to: dir.appendingPathComponent("f.toml"), atomically: true, encoding: .utf8)
        let job = try CalibrationJob(
            config: nil, targets: dir.appendingPathComponent("t.toml").path, fit: dir.appendingPathComponent("f.toml").path, check: false,
            model: sim)
        let fit = try job.run()
        #expect(abs(fit.freeValues[0] - 25) < 1e-6, "G_d \(fit.freeValues[0])")
        let written = dir.appendingPathComponent("out/fitted.toml").path
        _ = try job.write(fit, to: written, tool: Manifest.Tool(version: "test", commit: "test"))
        let settings = try ModelFiles.settings(configuration: written, for: try ModelFiles.source(sim))
        #expect(abs(settings.parameters["G_d"]! - 25) < 1e-6)
        #expect(settings.parameters["theta"] == 0.2)
    }

    @Test("calibrate --check on the reverse-QE file gives the hand-written model's table of the seed targets, digit for digit")
    func seedTargets() throws {
        let root = Tool.root.appendingPathComponent("calibration")
        let (config, targets, fit) = (root.appendingPathComponent("baseline.toml").path, root.appendingPathComponent("targets.toml").path, root.appendingPathComponent("fit.toml").path)
        let file = try CalibrationJob(config: config, targets: targets, fit: fit, check: true, model: Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        let hand = try CalibrationJob(config: config, targets: targets, fit: fit, check: true)
        #expect(try file.checkReport() == hand.checkReport())
    }

    @Test("history --make-config --model builds the reverse-QE file's historical settings, and the file then tracks history as the hand-written model does")
    func history() throws {
        let root = Tool.root.appendingPathComponent("calibration")
        let file = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path
        let source = try ModelFiles.source(file)
        let rows = try HistoryFiles.readTable(root.appendingPathComponent("history.csv").path)
        let settings = try HistoricalConfiguration.settings(
            source: source, base: try ModelFiles.settings(configuration: root.appendingPathComponent("baseline.toml").path, for: source), table: rows)
        let hand = try HistoricalConfiguration.make(base: try Configuration.read(root.appendingPathComponent("baseline.toml").path), table: rows)
        let written = try Tool.scratch().appendingPathComponent("h.toml").path
        try Configuration.render(hand, header: []).write(toFile: written, atomically: true, encoding: .utf8)
        let mapped = try ModelFiles.settings(configuration: written, for: source)
        #expect(settings.start == mapped.start && settings.end == mapped.end)
        for (key, value) in mapped.parameters { #expect(abs((settings.parameters[key] ?? compileValue(source, settings, key)) - value) <= 1e-12 * max(abs(value), 1), "\(key)") }
        for name in ["TGA", "qt", "rm"] { #expect(settings.tables[name]!.elementsEqual(mapped.tables[name]!) { $0 == $1 }, "\(name)") }
        let table = try HistoryFiles.compare(model: file, config: nil, table: root.appendingPathComponent("history.csv").path, format: .csv)
        #expect(table.isEmpty == false)
    }

    func compileValue(_ source: ModelSource, _ settings: ModelSettings, _ key: String) -> Double {
        (try? compileModel(source, settings: settings).parameter(key)) ?? .nan
    }

    /// AI capex I reads no state: the file's time path integrates it before t0 as the hand-written closed form does.
    @Test("the reverse-QE file's I is a time path whose integral matches the closed form, before t0 too; rb is not")
    func timePath() throws {
        let file = try ModelFiles.compile(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        let capex = try #require(file.timePath("I"))
        #expect(file.timePath("rb") == nil && file.timePath("L") == nil)
        let p = ModelParameters()
        for t in [2020.0, 2025.0, 2027.3] { #expect(abs(capex(t) - p.capex(at: t)) <= 1e-15 * p.capex(at: t), "I(\(t))") }
    }

    @Test("a fit file that names a regime the model file does not have is refused, naming both")
    func regime() throws {
        let dir = try Tool.scratch()
        let sim = Tool.root.appendingPathComponent("models/gl-sim.sfc").path
        try Self.targets.write(to: dir.appendingPathComponent("t.toml"), atomically: true, encoding: .utf8)
        let fit = dir.appendingPathComponent("f.toml").path
        try ("regime = \"buyer\"\n" + Self.fit).write(toFile: fit, atomically: true, encoding: .utf8)
        let error = #expect(throws: InputError.self) {
            try CalibrationJob(config: nil, targets: dir.appendingPathComponent("t.toml").path, fit: fit, check: false, model: sim)
        }
        #expect(error?.message == "\(fit): regime = \"buyer\", but \(sim) declares no choice regime; leave regime out")
    }
}
