import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports

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
        /// Draw the dashboard (SVG, and PNG and PDF where rsvg-convert is installed).
        public var plot = false
        /// The dashboard's and the notebook's panels, in order (nil: every summarised series).
        public var panels: [String]?
        /// The dashboard's caption, in place of its line of span, model and configuration.
        public var caption: String?
        /// Write the notebook, with the Godley matrices at this date (nil: one
        /// year after the start); nil: no notebook.
        public var notebookMatricesAt: Double?? = nil
        /// Where the package's files are looked for besides the current folder (the tool's
        /// executable, the Python package's library): the notebook's template.
        public var anchors: [String] = []

        public init(config: String, tool: Manifest.Tool, command: [String]) {
            self.config = config
            self.tool = tool
            self.command = command
        }
    }

    /// The date of the notebook's matrices: `wanted`, or a year after the
    /// start; it must be a saved date.
    static func matricesDate(_ wanted: Double?, span: (Double, Double), settings: SolveSettings) throws -> Double {
        let t = wanted ?? min(span.0 + 1, span.1)
        let step = settings.saveStep
        let k = ((t - span.0) / step).rounded()
        let onGrid =
            settings.saveTimes.map { $0.contains { abs($0 - t) < 1e-9 } }
            ?? (k >= 0 && abs(span.0 + k * step - t) < 1e-9 && t <= span.1 + 1e-9) || abs(t - span.1) < 1e-9
        guard onGrid else {
            throw InputError("--matrices-at \(t): not a saved date of the run; pick one on the --save-step grid")
        }
        return t
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
            throw ModelFiles.inputError(
                error, source: comparison.source, settings: comparison.settings, config: options.config)
        } catch let error as SolveSettings.Invalid {
            throw InputError(error.description)
        }
        let span = (models[0].model.t0, models[0].model.t1)
        try ModelFiles.checkSavedValues(models[0].model, step: comparison.solve.saveStep, runs: models.count)
        if let panels = options.panels { try Charts.checkPanels(panels, model: models[0].model) }
        let matricesTime = try options.notebookMatricesAt.map {
            try matricesDate($0, span: span, settings: comparison.solve)
        }
        let template = try matricesTime.map { _ in try notebookTemplate(anchors: options.anchors) }
        let directory = try OutputDirectory(out)
        var series: [String] = []
        let result = try comparison.run(models: models, starting: starting) { solved in
            let name = seriesFile(solved.kind)
            try directory.write(name, CSV.series(solved.solved))
            series.append(name)
        }
        guard let first = result.cases.first else { return (result, []) }
        let model = first.solved.model
        try directory.write("compare.csv", CSV.tidy(result.cases))
        try directory.write("units.csv", CSV.units(model.columns, dates: model.source.isCalendar))
        var files = ["compare.csv"] + series + ["units.csv", "manifest.json"]
        if options.plot {
            let span =
                model.source.isCalendar
                ? "\(DecimalYear.isoDate(model.t0)) to \(DecimalYear.isoDate(model.t1))"
                : "t = \(model.t0) to \(model.t1)"
            let svg = try Charts.dashboard(
                title: model.source.title ?? model.source.name,
                subtitle: options.caption
                    ?? ("\(span); model \((file as NSString).lastPathComponent)"
                        + (options.config.isEmpty
                            ? "" : ", configuration \((options.config as NSString).lastPathComponent)")
                        + (comparison.counterfactual ? "; dotted reference at 0 in the counterfactual panels" : "")),
                comparison: result, panels: options.panels)
            files += try Charts.write(svg, into: directory)
        }
        var notebook: (date: String, matrices: String)?
        let stem = model.source.name
        // The notebook re-solves from copies of the model file and configuration beside it, by
        // relative names: the folder runs as it stands, wherever it is moved.
        let modelCopy = (file as NSString).lastPathComponent
        let configCopy = options.config.isEmpty ? nil : (options.config as NSString).lastPathComponent
        // The script's name is not a module's: beside the notebook, `import liquidity` must find the
        // package, not a script the default model's name would make liquidity.py.
        let script = "\(stem)-dashboard.py"
        if let t = matricesTime, let index = first.solved.index(at: t) {
            notebook = (
                model.source.isCalendar ? DecimalYear.isoDate(first.solved.t[index]) : "t = \(first.solved.t[index])",
                Notebook.matricesCSV(first.solved, index: index)
            )
            files += ["matrices.csv", "\(stem).ipynb", script, modelCopy] + (configCopy.map { [$0] } ?? [])
        }
        let manifest = ModelManifest(
            tool: options.tool, command: options.command, model: file,
            config: options.config.isEmpty ? nil : options.config,
            settings: comparison.solve, runs: result.cases.map { ($0.kind.label, $0.solved) }, outputs: files,
            wallTime: Date().timeIntervalSince(started))
        try directory.write("manifest.json", try JSON.text(manifest))
        if let notebook, let template {
            let (panels, attribution) = try Charts.panels(of: result, only: options.panels)
            let facts = [
                """
                Written by `liquidity` \(options.tool.version) (commit `\(options.tool.commit)`) next to the \
                files it reads.
                """,
                "",
                "- command: `\(options.command.joined(separator: " "))`",
                "- model: `\(file)`" + (options.config.isEmpty ? "" : "; configuration: `\(options.config)`"),
                """
                - solver: \(comparison.solve.stepper), rtol \(comparison.solve.relativeTolerance), atol \
                \(comparison.solve.absoluteTolerance), saved every \(comparison.solve.saveStep)
                """,
                "- runs: \(result.cases.map(\.kind.label).joined(separator: ", "))",
                "- parameters, tables and sets: in `manifest.json`, loaded below",
            ]
            let plan = NotebookPlan(
                title: model.source.title ?? model.source.name, facts: facts, panels: panels, attribution: attribution,
                counterfactualSuffix: "/" + (comparison.counterfactualOption ?? "counterfactual"),
                colors: Charts.colors(of: result),
                dashes: Charts.styles(of: result), legend: comparison.choice,
                model: modelCopy, config: configCopy)
            try directory.write("matrices.csv", notebook.matrices)
            try directory.write(modelCopy, try Configuration.readText(file))
            if let configCopy { try directory.write(configCopy, try Configuration.readText(options.config)) }
            let (ipynb, code) = try render(plan, matricesDate: notebook.date, template: template)
            try directory.write("\(stem).ipynb", ipynb)
            try directory.write(script, code)
        }
        return (result, files)
    }

    /// The notebook's template, `notebooks-export/dashboard.py`, found as the package's other files are.
    static func notebookTemplate(anchors: [String]) throws -> (path: String, text: String) {
        guard let path = PackageFiles.locate(PackageFiles.notebookTemplate, anchors: anchors) else {
            throw InputError(
                "--notebook: \(PackageFiles.notebookTemplate) not found beside the tool or in the current folder")
        }
        return (path, try Configuration.readText(path))
    }

    /// The notebook and the script from the template.
    static func render(_ plan: NotebookPlan, matricesDate: String, template: (path: String, text: String)) throws -> (
        String, String
    ) {
        do {
            return (
                try Notebook.ipynb(plan, matricesDate: matricesDate, template: template.text),
                try Notebook.script(plan, matricesDate: matricesDate, template: template.text)
            )
        } catch let error as NotebookTemplateError {
            throw InputError("\(template.path): \(error.message)")
        }
    }
}
