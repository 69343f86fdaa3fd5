import Experiments
import FlowModel
import Foundation
import ModelLanguage

/// The files of a comparison of Fed regimes: `series_<regime>.csv` per run,
/// `compare.csv` (tidy), `units.csv`, `manifest.json`, and on request the
/// dashboard and the notebook.
public enum ComparisonFiles {
    /// What to write besides the series, and what the manifest records.
    public struct Options: Sendable {
        /// The configuration file the parameters came from.
        public var config: String
        public var tool: Manifest.Tool
        /// The command line, as the manifest records it.
        public var command: [String]
        /// Draw the dashboard (SVG, and PNG where rsvg-convert is installed).
        public var plot = false
        /// Write the notebook, with the Godley matrices at this date (nil: one
        /// year after the start); nil: no notebook.
        public var notebookMatricesAt: Double?? = nil

        public init(config: String, tool: Manifest.Tool, command: [String]) {
            self.config = config
            self.tool = tool
            self.command = command
        }
    }

    /// A model the configuration at `config` (after --set and scenarios) makes
    /// and that cannot be built, said with the file and, where the error knows
    /// one, the parameter to look at.
    public static func describe(_ error: ModelError, config: String) -> String {
        switch error {
        case .initialStateInvalid(let detail):
            "\(config): the initial state cannot clear the markets: \(detail); look at the stocks of [portfolio] and [fiscal] (Cb0 against k_y Y0) and at the capex of [capex]"
        default:
            "\(config): \(error.description)"
        }
    }

    /// The date of the notebook's matrices: `wanted`, or a year after the
    /// start; it must be a saved date.
    static func matricesDate(_ wanted: Double?, span: (Double, Double), settings: SolveSettings) throws -> Double {
        let t = wanted ?? min(span.0 + 1, span.1)
        let step = settings.saveStep
        let k = ((t - span.0) / step).rounded()
        let onGrid = settings.saveTimes.map { $0.contains { abs($0 - t) < 1e-9 } }
            ?? (k >= 0 && abs(span.0 + k * step - t) < 1e-9 && t <= span.1 + 1e-9) || abs(t - span.1) < 1e-9
        guard onGrid else { throw InputError("--matrices-at \(t): not a saved date of the run; pick one on the --save-step grid") }
        return t
    }

    /// `series_none.csv`, `series_none_no-ai-boom.csv`.
    public static func seriesFile(_ kind: ComparisonCase.Kind) -> String {
        "series_\(kind.regime.rawValue)" + (kind.isCounterfactual ? "_no-ai-boom" : "") + ".csv"
    }

    /// Solves `comparison` into the directory `out`, writing each run's series
    /// as it finishes (so a failed solve keeps the runs before it), then the
    /// rest. Every input is checked (the models, the notebook's date) before
    /// the directory is made.
    ///
    /// - Returns: the result and the files written, in order.
    public static func run(
        _ comparison: RegimeComparison, into out: String, options: Options, starting: (Int, ComparisonCase.Kind) -> Void = { _, _ in }
    ) throws -> (result: RegimeComparisonResult, files: [String]) {
        let started = Date()
        let models: [(kind: ComparisonCase.Kind, model: ReverseQEModel)]
        do {
            models = try comparison.models()
        } catch let error as ModelError {
            throw InputError(describe(error, config: options.config))
        } catch let error as SolveSettings.Invalid {
            throw InputError(error.description)
        }
        let p = comparison.parameters
        let matricesTime = try options.notebookMatricesAt.map { try matricesDate($0, span: (p.t0, p.t1), settings: comparison.settings) }
        let directory = try OutputDirectory(out)
        var series: [String] = []
        let result = try comparison.run(models: models, starting: starting) { solved in
            let file = seriesFile(solved.kind)
            try directory.write(file, CSV.series(solved.run))
            series.append(file)
        }
        guard let first = result.cases.first else { return (result, []) }
        try directory.write("compare.csv", CSV.tidy(result.cases))
        try directory.write("units.csv", CSV.units(first.run.columns))
        var files = ["compare.csv"] + series + ["units.csv", "manifest.json"]
        let span = "\(DecimalYear.isoDate(p.t0)) to \(DecimalYear.isoDate(p.t1))"
        if options.plot {
            let svg = Charts.dashboard(
                title: "Reverse QE: AI capex, idle cash and the Fed",
                subtitle: "\(span); configuration \(options.config)"
                    + (comparison.scenario.changes.isEmpty ? "" : ", scenario \(comparison.scenario.name)")
                    + (comparison.counterfactual
                        ? "; dashed reference at 0 in the attribution panels" : "; run with --counterfactual for the AI boom's part"),
                cases: result.cases, idleCashFloor: comparison.idleCashFloor)
            files += try Charts.write(svg, into: directory)
        }
        var notebook: (date: String, matrices: String)?
        if let t = matricesTime, let index = first.run.index(at: t) {
            notebook = (DecimalYear.isoDate(first.run.t[index]), Notebook.matricesCSV(first.run, index: index))
            files += ["matrices.csv", "reverse_qe.ipynb", "reverse_qe.py"]
        }
        let manifest = Manifest(
            tool: options.tool, command: options.command, config: options.config, parameters: p, scenario: comparison.scenario,
            settings: comparison.settings, runs: result.cases.map { ($0.kind.label, $0.run) }, outputs: files,
            wallTime: Date().timeIntervalSince(started),
            regimes: comparison.regimes.map(\.rawValue) + (comparison.counterfactual ? ["counterfactual"] : []))
        try directory.write("manifest.json", try manifest.json())
        if let notebook {
            try directory.write("matrices.csv", notebook.matrices)
            let plan = Notebook.plan(manifest, classes: p.riskClasses.map(\.name), idleCashFloor: comparison.idleCashFloor)
            try directory.write("reverse_qe.ipynb", try Notebook.ipynb(plan, matricesDate: notebook.date))
            try directory.write("reverse_qe.py", Notebook.script(plan, matricesDate: notebook.date))
        }
        return (result, files)
    }
}

extension ComparisonFiles {
    /// `series_none.csv`, `series_none_no_ai_boom.csv`.
    public static func seriesFile(_ kind: ChoiceCase.Kind) -> String {
        "series_\(kind.option)" + (kind.counterfactual.map { "_" + $0 } ?? "") + ".csv"
    }

    /// Solves `comparison` of the model file at `file` into the directory
    /// `out`: each case's series as it finishes, then `compare.csv`,
    /// `units.csv`, `manifest.json` and, with `options.plot`, the dashboard.
    /// Every case's model is compiled and checked before the directory is made.
    ///
    /// - Returns: the result and the files written, in order.
    public static func run(
        _ comparison: ChoiceComparison, file: String, into out: String, options: Options,
        starting: (Int, ChoiceCase.Kind) -> Void = { _, _ in }
    ) throws -> (result: ChoiceComparisonResult, files: [String]) {
        let started = Date()
        let models: [(kind: ChoiceCase.Kind, model: CompiledModel)]
        do {
            models = try comparison.models()
        } catch let error as ModelFileError {
            throw ModelFiles.inputError(error)
        } catch let error as SolveSettings.Invalid {
            throw InputError(error.description)
        }
        let span = (models[0].model.t0, models[0].model.t1)
        let matricesTime = try options.notebookMatricesAt.map { try matricesDate($0, span: span, settings: comparison.solve) }
        let directory = try OutputDirectory(out)
        var series: [String] = []
        let result = try comparison.run(models: models, starting: starting) { solved in
            let name = seriesFile(solved.kind)
            try directory.write(name, CSV.series(solved.path))
            series.append(name)
        }
        guard let first = result.cases.first else { return (result, []) }
        let model = first.path.model
        try directory.write("compare.csv", CSV.tidy(result.cases))
        try directory.write("units.csv", CSV.units(model.columns, dates: model.source.isCalendar))
        var files = ["compare.csv"] + series + ["units.csv", "manifest.json"]
        if options.plot {
            let span = model.source.isCalendar
                ? "\(DecimalYear.isoDate(model.t0)) to \(DecimalYear.isoDate(model.t1))" : "t = \(model.t0) to \(model.t1)"
            let svg = Charts.dashboard(
                title: model.source.title ?? model.source.name,
                subtitle: "\(span); model \(file)" + (options.config.isEmpty ? "" : ", configuration \(options.config)")
                    + (comparison.counterfactual ? "; dashed reference at 0 in the counterfactual panels" : ""),
                comparison: result)
            files += try Charts.write(svg, into: directory)
        }
        var notebook: (date: String, matrices: String)?
        let stem = model.source.name
        if let t = matricesTime, let index = first.path.index(at: t) {
            notebook = (model.source.isCalendar ? DecimalYear.isoDate(first.path.t[index]) : "t = \(first.path.t[index])", Notebook.matricesCSV(first.path, index: index))
            files += ["matrices.csv", "\(stem).ipynb", "\(stem).py"]
        }
        let manifest = ModelManifest(
            tool: options.tool, command: options.command, model: file, config: options.config.isEmpty ? nil : options.config,
            settings: comparison.solve, runs: result.cases.map { ($0.kind.label, $0.path) }, outputs: files,
            wallTime: Date().timeIntervalSince(started))
        try directory.write("manifest.json", try JSON.text(manifest))
        if let notebook {
            let (panels, attribution) = Charts.panels(of: result)
            let facts = [
                "Written by `liquidity` \(options.tool.version) (commit `\(options.tool.commit)`) next to the files it reads.", "",
                "- command: `\(options.command.joined(separator: " "))`",
                "- model: `\(file)`" + (options.config.isEmpty ? "" : "; configuration: `\(options.config)`"),
                "- solver: \(comparison.solve.stepper), rtol \(comparison.solve.relativeTolerance), atol \(comparison.solve.absoluteTolerance), saved every \(comparison.solve.saveStep)",
                "- runs: \(result.cases.map(\.kind.label).joined(separator: ", "))",
                "- parameters, tables and sets: in `manifest.json`, loaded below",
            ]
            let plan = NotebookPlan(
                title: model.source.title ?? model.source.name, facts: facts, panels: panels, attribution: attribution,
                counterfactualSuffix: "/" + (comparison.counterfactualOption ?? "counterfactual"), colors: Charts.colors(of: result),
                legend: comparison.choice)
            try directory.write("matrices.csv", notebook.matrices)
            try directory.write("\(stem).ipynb", try Notebook.ipynb(plan, matricesDate: notebook.date))
            try directory.write("\(stem).py", Notebook.script(plan, matricesDate: notebook.date))
        }
        return (result, files)
    }
}
