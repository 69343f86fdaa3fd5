import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

/// Model files (`models/*.sfc`): read, compiled, checked, solved and written.
public enum ModelFiles {
    /// The choice the command line compares, runs and sweeps (`--regime`, `--regimes`, a spec's
    /// `regimes`): the libraries take the choice as a parameter; this layer names it.
    public static let regimeChoice = "regime"

    /// The model file at `path` as written, parsed but not compiled: what a
    /// caller needs to know which parameters, sets and choices it declares.
    public static func source(_ path: String) throws -> ModelSource {
        let text = try Configuration.readText(path)
        do {
            return try parsed.source(path: path, text: text)
        } catch let error as ModelFileError {
            throw inputError(error)
        }
    }

    /// The model file at `path` compiled for `settings`; every error in it is
    /// bad input naming the file, line and column.
    public static func compile(_ path: String, settings: ModelSettings = ModelSettings(), config: String? = nil)
        throws -> CompiledModel
    {
        let source = try source(path)
        do {
            return try compileModel(source, settings: settings)
        } catch let error as ModelFileError {
            throw inputError(error, source: source, settings: settings, config: config)
        }
    }

    /// Files parsed in this process, so the steps of one command parse a file once.
    private static let parsed = ParsedSources()

    /// Parsed model files by path, each kept with the text it was parsed
    /// from: a file whose text has changed is parsed again.
    private final class ParsedSources: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [String: (text: String, source: ModelSource)] = [:]

        func source(path: String, text: String) throws -> ModelSource {
            if let hit = lock.withLock({ entries[path] }), hit.text == text { return hit.source }
            let source = try parseModel(text, file: path)
            lock.withLock { entries[path] = (text, source) }
            return source
        }
    }

    /// A model file's errors as bad input, each with its file, line and
    /// column. Errors only: warnings do not stop a model, so they would not be why it failed.
    ///
    /// With `source` and `settings`, a start the settings made impossible (a t0 quantity that is
    /// not finite) is traced to the values they gave: those that, each put back to the file's own
    /// value, let the model compile are named, as from `config` (or --set and the scenarios).
    public static func inputError(
        _ error: ModelFileError, source: ModelSource? = nil, settings: ModelSettings? = nil, config: String? = nil
    ) -> InputError {
        var messages = error.diagnostics.filter { $0.severity == .error }.map { "\($0.place): \($0.message)" }
        if let source, let settings, error.diagnostics.contains(where: { $0.message.hasPrefix("the t0 quantity") }) {
            let culprits = settings.parameters.keys.sorted().prefix(culpritSearchLimit).filter { key in
                var reverted = settings
                reverted.parameters[key] = nil
                return (try? compileModel(source, settings: reverted)) != nil
            }
            if !culprits.isEmpty {
                let origin = (config?.isEmpty ?? true) ? "--set" : "\(config!) (or --set)"
                messages[messages.count - 1] +=
                    "; \(origin) gives "
                    + culprits.map { "\($0) = \(settings.parameters[$0]!)" }.joined(separator: ", ")
                    + ", and the model starts with the file's own value of "
                    + (culprits.count == 1 ? "it" : "each")
            }
        }
        return InputError(messages.joined(separator: "\nerror: "))
    }

    /// The most given values ``inputError(_:source:settings:config:)`` puts back one at a time.
    static let culpritSearchLimit = 200

    /// The most dated changes a scenario may hold: each is a date the solver must land on.
    public static let changeLimit = 1_000

    /// The scenario file at `scenario` as dated changes of the model's parameters
    /// (`name`, or `name[member]` for one member of an indexed parameter).
    ///
    /// - Parameter t0: the start of the run (default: the file's horizon):
    ///   an initial condition may change only at or before it.
    /// - Throws: ``InputError`` naming the scenario file and the change for a
    ///   key the file lacks, a value outside its range, or a later change of
    ///   an initial condition.
    public static func changes(_ scenario: String, model: ModelSource, t0: Double? = nil) throws -> [ModelSettings
        .Change]
    {
        func declared(_ key: String) -> ModelSource.Parameter? {
            model.parameters.first { $0.name == (key.split(separator: "[").first.map(String.init) ?? key) }
        }
        let read = try ScenarioFile.read(scenario) { given in
            model.canonicalKey(given).map { ($0, declared($0)?.attributes.unit ?? "") }
        }
        guard read.changes.count <= changeLimit else {
            throw InputError(
                """
                \(scenario): \(read.changes.count) changes; the limit is \(changeLimit) (each change is a date \
                the solver must land on)
                """
            )
        }
        let start = t0 ?? model.horizon?.0 ?? 0
        for (index, change) in read.changes.enumerated() {
            guard let parameter = declared(change.parameter) else { continue }
            let range = parameter.attributes.range ?? .any
            guard range.contains(change.value) else {
                throw InputError(
                    """
                    \(scenario): change[\(index)]: \(change.parameter) = \(change.value) is out of range; \
                    allowed: \(range)
                    """
                )
            }
            if ["initial", "horizon"].contains(parameter.attributes.role ?? ""), change.start > start {
                throw InputError(
                    """
                    \(scenario): change[\(index)]: \(change.parameter) is an initial condition; it can change \
                    only at or before t0 = \(start), not from \(change.start)
                    """
                )
            }
        }
        return read.changes
    }

    /// The changes of every scenario file in `scenarios`, in order (see ``changes(_:model:t0:)``);
    /// refuses two changes of one key at the same date, in one file or two: which would hold is
    /// not for the order of the files to decide.
    public static func changes(of scenarios: [String], model: ModelSource, t0: Double? = nil) throws -> [ModelSettings
        .Change]
    {
        var all: [ModelSettings.Change] = []
        var places: [String: String] = [:]
        for scenario in scenarios {
            for (index, change) in try changes(scenario, model: model, t0: t0).enumerated() {
                let place = "\(scenario): change[\(index)]"
                let key = "\(change.parameter)@\(change.start)"
                if let earlier = places[key] {
                    throw InputError(
                        """
                        \(place): \(change.parameter) changes at \(change.start), as \(earlier) does; one change \
                        of a key per date
                        """
                    )
                }
                places[key] = place
                all.append(change)
            }
        }
        return all
    }

    /// What `liquidity model check` prints: the model, its counts, its
    /// warnings, and its matrices as written.
    public static func checkReport(_ model: CompiledModel, format: TableFormat = .table) -> String {
        let s = model.source
        var lines = [
            "\(s.file): model \(s.name)" + (s.title.map { ": \($0)" } ?? ""),
            "\(model.stateNames.count) state variables, \(model.columns.count) output series, "
                + "\(s.parameters.count) parameters, \(s.sets.count) index sets, \(s.tables.count) tables, "
                + "\(s.choices.count) choices, \(s.matrices.count) matrices; span \(model.t0) to \(model.t1)",
        ]
        for choice in s.choices {
            lines.append(
                "choice \(choice.name): "
                    + choice.options.map { $0.name + ($0.name == choice.defaultOption ? " (default)" : "") }.joined(
                        separator: ", "))
        }
        lines += model.warnings.map(\.description)
        lines.append(
            s.matrices.isEmpty ? "no matrices" : "every matrix balances at the start and at random states near it")
        if !s.matrices.isEmpty { lines += ["", symbolicMatrices(s, format: format)] }
        return lines.joined(separator: "\n")
    }

    /// The matrices of a model file as it writes them, one table each.
    public static func symbolicMatrices(_ source: ModelSource, format: TableFormat = .table) -> String {
        source.symbolicMatrices.map {
            format.render(title: $0.title, header: ["row"] + $0.columns + ["sum"], rows: $0.rows)
        }
        .joined(separator: "\n\n")
    }

    /// The most points one run may save.
    public static let savedPointLimit = ModelSource.savedPointLimit

    /// Refuses a span that would save more than ``savedPointLimit`` points at the model's own step,
    /// naming --from and --to (`perRun`: of each run of a sweep).
    static func checkSpan(_ span: (Double, Double), step: Double, perRun: Bool) throws {
        let points = (span.1 - span.0) / step
        guard points.isFinite, points <= Double(savedPointLimit) else {
            throw InputError(
                """
                --from/--to: \(String(format: "%.3g", points)) saved points\(perRun ? " a run" : "") from \(span.0) \
                to \(span.1) at the model's step, \(step); the limit is \(savedPointLimit) (a shorter span)
                """)
        }
    }

    /// Refuses a sweep whose runs would save more than a million points each (`--to 1e9` had
    /// aborted on an allocation of gigabytes): each run saves at the file's step, monthly by default.
    public static func checkSweepSpan(_ source: ModelSource, settings: ModelSettings) throws {
        let span = (settings.start ?? source.horizon?.0 ?? 0, settings.end ?? source.horizon?.1 ?? 1)
        try checkSpan(span, step: source.saveStep ?? 1.0 / 12, perRun: true)
    }

    /// The most values one command may save: points times series times runs (ten million values
    /// write about 170 MB of CSV, in seconds; `--save-step 1e-4` had written 2.5 GB for minutes).
    public static let savedValueLimit = 10_000_000

    /// Refuses, before any solve, a command whose `runs` runs of `model` would save more than
    /// ``savedValueLimit`` values at the save step `step`.
    public static func checkSavedValues(_ model: CompiledModel, step: Double, runs: Int) throws {
        let points = ((model.t1 - model.t0) / step).rounded(.down) + 1
        let values = points * Double(model.columns.count) * Double(runs)
        guard values <= Double(savedValueLimit) else {
            throw InputError(
                """
                --save-step \(step): \(Int(points)) points of \(model.columns.count) series in \(runs) \
                run\(runs == 1 ? "" : "s") from \(model.t0) to \(model.t1) would save \
                \(String(format: "%.3g", values)) \
                values; the limit is \(savedValueLimit) (a larger --save-step, or a shorter span with --from/--to)
                """
            )
        }
    }

    /// The save step of a model file's run: the one given, else the file's own, else a hundredth of the span.
    public static func saveStep(_ given: Double?, for source: ModelSource, span: (Double, Double)) throws -> Double {
        let step = given ?? source.saveStep ?? (span.1 - span.0) / 100
        if given == nil, step > 0 { try checkSpan(span, step: step, perRun: false) }
        let points = (span.1 - span.0) / step
        guard step > 0, points <= Double(savedPointLimit) else {
            throw InputError(
                """
                --save-step \(step): \(String(format: "%.3g", points)) saved points from \(span.0) to \(span.1); \
                the limit is \(savedPointLimit) (a larger step or a shorter span)
                """
            )
        }
        return step
    }

    /// Solves the model file at `path` into the directory `out`: `series.csv`,
    /// `units.csv`, with `plot` the dashboard, and `manifest.json`. `solve`'s
    /// save step is replaced by `saveStep` (nil: the file's own). Returns the
    /// solved path and the files written.
    public static func run(
        _ path: String, settings: ModelSettings, solve: SolveSettings, saveStep: Double?, config: String?,
        into out: String,
        plot: Bool = false, panels: [String]? = nil, caption: String? = nil, tool: Manifest.Tool, command: [String]
    ) throws -> (path: ModelSolution, files: [String]) {
        let started = Date()
        let model = try compile(path, settings: settings, config: config)
        if let panels { try Charts.checkPanels(panels, model: model) }
        var solve = solve
        solve.saveStep = try Self.saveStep(saveStep, for: model.source, span: (model.t0, model.t1))
        try checkSavedValues(model, step: solve.saveStep, runs: 1)
        let directory = try OutputDirectory(out)
        let solved = try solve.solve(model, label: path)
        try directory.write("series.csv", CSV.series(solved))
        try directory.write("units.csv", CSV.units(model.columns, dates: model.source.isCalendar))
        var files = ["series.csv", "units.csv", "manifest.json"]
        if plot {
            let source = model.source
            let regime = source.choices.first { $0.name == regimeChoice }
            let option = regime.map { settings.choices[regimeChoice] ?? $0.defaultOption } ?? "run"
            let result = ChoiceComparisonResult(
                cases: [ChoiceCase(kind: .init(option: option), solved: solved)], choice: regimeChoice, source: source,
                options: [option])
            let span =
                source.isCalendar
                ? "\(DecimalYear.isoDate(model.t0)) to \(DecimalYear.isoDate(model.t1))"
                : "t = \(model.t0) to \(model.t1)"
            files += try Charts.write(
                try Charts.dashboard(
                    title: source.title ?? source.name,
                    subtitle: caption ?? "\(span); model \((path as NSString).lastPathComponent)", comparison: result,
                    panels: panels),
                into: directory)
        }
        let manifest = ModelManifest(
            tool: tool, command: command, model: path, config: config, settings: solve, runs: [("run", solved)],
            outputs: files,
            wallTime: Date().timeIntervalSince(started))
        try directory.write("manifest.json", try JSON.text(manifest))
        return (solved, files)
    }
}

extension ModelFiles {
    /// The settings the configuration at `path` (``ModelConfiguration``: the
    /// file's own names) gives the model file `model`.
    public static func settings(configuration path: String, for model: ModelSource) throws -> ModelSettings {
        try ModelConfiguration.settings(
            Configuration.parseTOML(try Configuration.readText(path), file: path), file: path, for: model)
    }

    /// Where each of `model`'s parameter values that is not the file's own was
    /// given, by key, for ``Tables/parameters(of:format:givenBy:)``: the
    /// configuration's path where it holds that value, else `--set`.
    public static func parameterSources(of model: CompiledModel, configuration: String?) throws -> [String: String] {
        let fromConfiguration =
            try configuration.map { try settings(configuration: $0, for: model.source).parameters } ?? [:]
        var givenBy: [String: String] = [:]
        for (key, value) in model.settings.parameters {
            givenBy[key] = fromConfiguration[key] == value ? configuration : "--set"
        }
        return givenBy
    }
}
