import FlowModel
import Solvers

/// A solved path of a compiled model file: the solution and every output
/// series the file declares, at the saved times.
public struct ModelSolution: Sendable {
    public let model: CompiledModel
    public let solution: ODESolution
    /// `values[column][k]` is column's value at `solution.t[k]`, columns as ``columns``.
    public let values: [[Double]]

    /// The output series: every state, definition and observation of the file.
    public var columns: [SeriesInfo] { model.columns }

    /// The saved times.
    public var t: [Double] { solution.t }

    /// The values of the series called `name` (`rb`, `p_crypto`).
    public func series(_ name: String) -> [Double]? {
        guard let c = model.columns.firstIndex(where: { $0.name == name }) else { return nil }
        // A column the solve left out (``SolveSettings/outputs``) is not on this path.
        return values[c].count == solution.count ? values[c] : nil
    }

    /// The index of the saved point at `t` (within 1e-9), if there is one.
    public func index(at t: Double) -> Int? {
        solution.t.firstIndex { abs($0 - t) < 1e-9 }
    }

    /// The summary rows the file declares, on this path.
    public var summaries: [SummaryValue] { model.summaries(t: t, series: values) }
}

extension SolveSettings {
    /// The solver options for a model file: its knots, change dates and stops as stops.
    public func options(for model: CompiledModel) -> SolverOptions {
        var options = SolverOptions(
            relativeTolerance: relativeTolerance, absoluteTolerance: .scalar(absoluteTolerance),
            saveAt: saveTimes.map { .times($0) } ?? .interval(saveStep))
        options.maxSteps = maxSteps
        options.tstops = model.tstops
        options.saveMode = saveMode
        return options
    }

    /// Solves a model file; a solve that does not finish throws ``SolveFailure``,
    /// settings that cannot work ``Invalid``.
    public func solve(_ model: CompiledModel, label: String) throws -> ModelSolution {
        try validate()
        let (solution, values) = try model.run(stepper, options: options(for: model), only: outputs)
        guard solution.isSuccessful else { throw failure(solution, label: label) }
        return ModelSolution(model: model, solution: solution, values: values)
    }

    /// The state of `model` at `t` (its initial state at t0 or before).
    public func state(of model: CompiledModel, at t: Double) throws -> [Double] {
        guard t > model.t0 else { return model.initialState }
        var options = options(for: model)
        options.saveAt = .times([model.t0, t])
        let (solution, _) = try model.run(stepper, options: options)
        guard solution.isSuccessful else { throw failure(solution, label: "the path to \(t)") }
        return solution.state(1)
    }
}

/// The same model file solved under every chosen option of one of its
/// choices (the Fed regimes), each optionally also under the counterfactual
/// option of the choice named `counterfactual` (the economy without the AI
/// boom): `liquidity compare` on a model file, as a value to run.
public struct ChoiceComparison: Sendable {
    /// The name of the choice `--counterfactual` flips to its last option.
    public static let counterfactualChoice = "counterfactual"

    public var source: ModelSource
    /// The settings every case starts from (configuration, overrides, scenario, span).
    public var settings: ModelSettings
    /// The choice compared (the command line's `regime`) and its options, in order.
    public var choice: String
    public var options: [String]
    /// Also solve each option under the counterfactual.
    public var counterfactual: Bool
    public var solve: SolveSettings

    /// - Throws: ``ChoiceComparison/Invalid`` when the file lacks the choice,
    ///   an option, or (with `counterfactual`) the choice `counterfactual`.
    public init(
        source: ModelSource, settings: ModelSettings = ModelSettings(), choice: String, options: [String]? = nil,
        counterfactual: Bool = false, solve: SolveSettings = SolveSettings()
    ) throws {
        guard let declared = source.choices.first(where: { $0.name == choice }) else {
            throw Invalid(
                description:
                    """
                    \(source.file) declares no choice \(choice); its choices: \
                    \(source.choices.map(\.name).joined(separator: ", "))
                    """
            )
        }
        let names = declared.options.map(\.name)
        let chosen = options ?? names
        guard !chosen.isEmpty else {
            throw Invalid(description: "give at least one option of \(choice): \(names.joined(separator: ", "))")
        }
        for (k, name) in chosen.enumerated() {
            guard names.contains(name) else {
                throw Invalid(
                    description:
                        """
                        \(name) is not an option of \(choice) in \(source.file); allowed: \
                        \(names.joined(separator: ", "))
                        """
                )
            }
            guard !chosen[..<k].contains(name) else {
                throw Invalid(description: "\(name) is listed twice in the options of \(choice)")
            }
        }
        if counterfactual,
            !source.choices.contains(where: { $0.name == Self.counterfactualChoice && $0.options.count > 1 })
        {
            throw Invalid(
                description:
                    """
                    \(source.file) declares no choice \(Self.counterfactualChoice) with an option besides its \
                    default, which a comparison with counterfactuals solves
                    """
            )
        }
        self.source = source
        self.settings = settings
        self.choice = choice
        self.options = chosen
        self.counterfactual = counterfactual
        self.solve = solve
    }

    /// A comparison that cannot be made as asked.
    public typealias Invalid = SolveSettings.Invalid

    /// The counterfactual option: the last of the choice `counterfactual`.
    public var counterfactualOption: String? {
        source.choices.first { $0.name == Self.counterfactualChoice }?.options.last?.name
    }

    /// The cases, in order: each option, then (with ``counterfactual``) the
    /// same option under the counterfactual.
    public var cases: [ChoiceCase.Kind] {
        options.flatMap { option in
            [ChoiceCase.Kind(option: option, counterfactual: nil)]
                + (counterfactual ? [ChoiceCase.Kind(option: option, counterfactual: counterfactualOption)] : [])
        }
    }

    /// The settings of one case.
    public func settings(_ kind: ChoiceCase.Kind) -> ModelSettings {
        var settings = settings
        settings.choices[choice] = kind.option
        if let flat = kind.counterfactual { settings.choices[Self.counterfactualChoice] = flat }
        return settings
    }

    /// Every case's model, compiled (checks and matrices included) before anything is solved.
    ///
    /// - Throws: ``ModelFileError`` for a model the settings break,
    ///   ``SolveSettings/Invalid`` for settings that cannot work.
    public func models() throws -> [(kind: ChoiceCase.Kind, model: CompiledModel)] {
        try solve.validate()
        return try cases.map { ($0, try compileModel(source, settings: settings($0))) }
    }

    /// Solves every case in order.
    ///
    /// - Parameters:
    ///   - models: the cases' models (default: ``models()``).
    ///   - starting: called before each solve with the case's index.
    ///   - finished: called with each case as it is solved, so a caller can
    ///     keep what finished when a later solve fails.
    public func run(
        models: [(kind: ChoiceCase.Kind, model: CompiledModel)]? = nil,
        starting: (Int, ChoiceCase.Kind) -> Void = { _, _ in }, finished: (ChoiceCase) throws -> Void = { _ in }
    ) throws -> ChoiceComparisonResult {
        var result: [ChoiceCase] = []
        for (index, (kind, model)) in try (models ?? self.models()).enumerated() {
            starting(index, kind)
            let solved = ChoiceCase(kind: kind, solved: try solve.solve(model, label: kind.label))
            try finished(solved)
            result.append(solved)
        }
        return ChoiceComparisonResult(cases: result, choice: choice, source: source, options: options)
    }
}

/// One solved case of a ``ChoiceComparison``.
public struct ChoiceCase: Sendable {
    /// Which case: an option, and the counterfactual option when it is one.
    public struct Kind: Sendable, Hashable {
        public var option: String
        /// The option of the choice `counterfactual` this case was solved
        /// under (`no_ai_boom`); nil for the file's default.
        public var counterfactual: String?

        public init(option: String, counterfactual: String? = nil) {
            self.option = option
            self.counterfactual = counterfactual
        }

        public var isCounterfactual: Bool { counterfactual != nil }

        /// `none`, or `none/no_ai_boom`: the case's name in messages and in
        /// the `regime` column of `compare.csv`.
        public var label: String { option + (counterfactual.map { "/" + $0 } ?? "") }
    }

    public let kind: Kind
    public let solved: ModelSolution
    /// The file's summary rows on this path.
    public let summaries: [SummaryValue]

    public init(kind: Kind, solved: ModelSolution) {
        self.kind = kind
        self.solved = solved
        summaries = solved.summaries
    }
}

/// The solved cases of a ``ChoiceComparison``.
public struct ChoiceComparisonResult: Sendable {
    /// Every case, in the comparison's order.
    public let cases: [ChoiceCase]
    /// The choice compared, and its options in the file's order (what fixes each option's colour).
    public let choice: String, declaredOptions: [String]
    /// What each option means, as the file describes it (`none`: "no buyer: runoff only").
    public let meanings: [String: String]

    public init(cases: [ChoiceCase], choice: String, declaredOptions: [String], meanings: [String: String] = [:]) {
        self.cases = cases
        self.choice = choice
        self.declaredOptions = declaredOptions
        self.meanings = meanings
    }

    /// The cases of `choice` as `source` declares it: its options in the
    /// file's order and their meanings (`options` when the file lacks the choice).
    public init(cases: [ChoiceCase], choice: String, source: ModelSource, options: [String]) {
        let declared = source.choices.first { $0.name == choice }?.options
        self.init(
            cases: cases, choice: choice, declaredOptions: declared?.map(\.name) ?? options,
            meanings: Dictionary(
                declared?.compactMap { o in o.meaning.map { (o.name, $0) } } ?? [], uniquingKeysWith: { a, _ in a }))
    }

    /// The cases with the file's default counterfactual choice, one per option.
    public var main: [ChoiceCase] { cases.filter { !$0.kind.isCounterfactual } }

    /// The case of `option`, with or without the counterfactual.
    public func run(_ option: String, counterfactual: Bool = false) -> ChoiceCase? {
        cases.first { $0.kind.option == option && $0.kind.isCounterfactual == counterfactual }
    }

    /// Per option solved both ways: its summaries as solved and under the counterfactual.
    public var attribution: [(option: String, actual: [SummaryValue], counterfactual: [SummaryValue])] {
        main.compactMap { actual in
            run(actual.kind.option, counterfactual: true).map { (actual.kind.option, actual.summaries, $0.summaries) }
        }
    }
}

extension ModelSolution: SolvedPath {
    public func timePath(_ name: String) -> (@Sendable (Double) -> Double)? { model.timePath(name) }
}

/// A model file with settings, as a calibration moves it: parameters by
/// their names in the file (`alpha1`, `beta[crypto]`), within the ranges the
/// file declares.
public struct FileCalibrationModel: CalibrationModel {
    public var source: ModelSource
    public var settings: ModelSettings
    /// The choice whose option ``optionName`` reports (the command line's: `regime`).
    public var choice: String
    /// The compiles this model and its copies with other parameter values share.
    let compiled = CompiledModels()
    /// The series its solves compute at the saved points; nil: every one.
    var outputs: Set<String>?

    public init(source: ModelSource, settings: ModelSettings, choice: String) {
        self.source = source
        self.settings = settings
        self.choice = choice
    }

    /// The file's declaration of the parameter `key` (`beta[crypto]` is `beta`'s).
    func declaration(_ key: String) throws -> ModelSource.Parameter {
        let name = key.split(separator: "[").first.map(String.init) ?? key
        guard let parameter = source.parameters.first(where: { $0.name == name }) else {
            throw CalibrationError.invalidFreeParameter("\(key): \(source.file) has no parameter \(name)")
        }
        return parameter
    }

    public var optionName: String {
        settings.choices[choice] ?? source.choices.first { $0.name == choice }?.defaultOption ?? "-"
    }

    public func value(of key: String) throws -> Double {
        _ = try declaration(key)
        if let value = settings.parameters[key] { return value }
        guard let value = try compiled.model(source, settings: settings).parameter(key) else {
            throw CalibrationError.invalidFreeParameter(
                "\(key): \(source.file) has no parameter \(key); an indexed one is written name[member]")
        }
        return value
    }

    public func allows(_ value: Double, for key: String) throws -> (allowed: Bool, range: String) {
        guard let range = try declaration(key).attributes.range else { return (value.isFinite, "any finite number") }
        return (range.contains(value), range.description)
    }

    public func setting(_ key: String, to value: Double) throws -> Self {
        var copy = self
        copy.settings.parameters[key] = value
        return copy
    }

    public func reading(only names: Set<String>) -> Self {
        var copy = self
        copy.outputs = names
        return copy
    }

    public func solve(until end: Double, also: [Double], stepper: Stepper, tolerance: Double) throws -> any SolvedPath
    {
        try solve(until: end, times: nil, also: also, stepper: stepper, tolerance: tolerance)
    }

    public func solve(at times: [Double], stepper: Stepper, tolerance: Double) throws -> any SolvedPath {
        try solve(until: times.last ?? -.infinity, times: times, stepper: stepper, tolerance: tolerance)
    }

    /// Solves to `end`, saved at `times`, or on the save step's grid and at each of `also` inside the span.
    func solve(
        until end: Double, times: [Double]?, also: [Double] = [], stepper: Stepper, tolerance: Double
    ) throws -> any SolvedPath {
        var settings = settings
        let start = settings.start ?? source.horizon?.0 ?? 0
        settings.end = max(end, start + 1.0 / 12)
        let model = try compiled.model(source, settings: settings)
        var solve = SolveSettings(
            stepper: stepper, relativeTolerance: tolerance, absoluteTolerance: tolerance,
            saveStep: source.saveStep ?? 1.0 / 12)
        solve.saveTimes = times
        solve.outputs = outputs
        let grid = SaveSchedule.grid(from: model.t0, to: model.t1, every: solve.saveStep)
        let off = also.filter { t in t > model.t0 && t < model.t1 && !grid.contains { abs($0 - t) < 1e-9 } }
        if times == nil, !off.isEmpty { solve.saveTimes = Calibration.distinct(grid + off) }
        do {
            return try solve.solve(model, label: source.file)
        } catch let failure as SolveFailure {
            throw CalibrationError.invalidTarget("the model failed: \(failure.description)")
        }
    }
}

/// A model file with base settings, as an ensemble solves it: parameters
/// by their names in the file, the options of its ``choice`` (the Fed
/// regimes), the outcomes as the summaries it declares.
public struct FileEnsembleModel: EnsembleModel {
    public let source: ModelSource
    public let settings: ModelSettings
    /// The model compiled with the base settings.
    let base: CompiledModel

    /// The choice whose options the ensemble varies (the command line's: `regime`).
    public let choice: String
    /// One compile per option, the runs' parameters then set on it.
    let compiled = CompiledModels()

    /// - Throws: ``ModelFileError`` when the base settings break the model.
    public init(source: ModelSource, settings: ModelSettings, choice: String) throws {
        self.source = source
        self.settings = settings
        self.choice = choice
        base = try compileModel(source, settings: settings)
    }

    /// The name of the one option of a file without the ``choice``.
    public static let defaultOption = "default"

    public var outcomeColumns: [String] {
        base.summaries(t: [base.t0], series: base.columns.map { _ in [0] }).map(\.column)
    }

    /// The first summary of each kind the file declares, but dates (`below`).
    public var analysedOutcomes: [String] {
        var kinds = Set<String>()
        return base.summaries(t: [base.t0], series: base.columns.map { _ in [0] })
            .filter { $0.kind != "below" && kinds.insert($0.kind).inserted }.map(\.column)
    }

    public var residualColumn: String? { nil }

    public var optionNames: [String] {
        source.choices.first { $0.name == choice }?.options.map(\.name) ?? [Self.defaultOption]
    }

    public var seriesNames: [String] { base.columns.map(\.name) }

    public func canonicalKey(_ given: String) -> String? { source.canonicalKey(given, members: settings.sets) }

    public func range(of key: String) -> ParameterRange {
        let name = key.split(separator: "[").first.map(String.init) ?? key
        return source.parameters.first { $0.name == name }?.attributes.range ?? .any
    }

    public var span: (start: Double, end: Double) { (base.t0, base.t1) }

    public func value(of key: String) throws -> Double {
        guard let value = base.parameter(key) else {
            throw CalibrationError.invalidFreeParameter("\(key): \(source.file) has no parameter \(key)")
        }
        return value
    }

    /// The file as parsed (every equation, so an edit of the file changes it) and every resolved value.
    public var fingerprintText: String {
        // Swift's description of the parsed file names the module of its types; written with the
        // module's earlier name, so that a sweep started before the rename (ModelLanguage to
        // FlowModel) still resumes.
        let description = String(describing: source).replacingOccurrences(of: "FlowModel.", with: "ModelLanguage.")
        var parts = [description, "span=\(base.t0),\(base.t1)"]
        parts += source.parameters.flatMap { p -> [String] in
            switch p.index {
            case .scalar: return ["\(p.name)=\(base.parameter(p.name) ?? .nan)"]
            case .member(let set), .each(_, let set):
                return base.members(of: set).map { "\(p.name)[\($0)]=\(base.parameter("\(p.name)[\($0)]") ?? .nan)" }
            }
        }
        parts += source.tables.map { "\($0.name)=\(base.knots(of: $0.name))" }
        parts += source.sets.map { "\($0.name)=\(base.members(of: $0.name))" }
        parts += settings.choices.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        parts += settings.changes.map { "\($0.parameter)=\($0.value)@\($0.start)+\($0.rampYears)" }
        return parts.joined(separator: "|")
    }

    public func solve(_ id: RunID, keys: [String], point: [Double], spec: EnsembleSpec) -> EnsembleRun {
        var settings = settings
        for (key, value) in zip(keys, point) { settings.parameters[key] = value }
        if id.option != Self.defaultOption { settings.choices[choice] = id.option }
        let model: CompiledModel
        do {
            model = try compiled.model(source, settings: settings, checkingMatrices: false)
        } catch let error as ModelFileError {
            let message = error.diagnostics.filter { $0.severity == .error }.map(\.message).joined(separator: "; ")
            return EnsembleRun(
                id: id, point: point, status: .invalid, steps: 0, outcomes: nil, message: message, paths: [])
        } catch {
            return EnsembleRun(
                id: id, point: point, status: .invalid, steps: 0, outcomes: nil, message: "\(error)", paths: [])
        }
        var solve = SolveSettings(
            stepper: spec.stepper, relativeTolerance: spec.tolerance, absoluteTolerance: spec.tolerance,
            maxSteps: 200_000,
            saveStep: source.saveStep ?? 1.0 / 12)
        solve.saveMode = spec.saveMode
        do {
            let path = try solve.solve(model, label: id.option)
            return EnsembleRun(
                id: id, point: point, status: .success, steps: path.solution.statistics.steps,
                outcomes: path.summaries.map(\.value),
                message: "", paths: paths(spec, series: path.series, index: path.index(at:)))
        } catch let failure as SolveFailure {
            return EnsembleRun(
                id: id, point: point, status: .failed(failure.returnCode), steps: 0, outcomes: nil,
                message: "t = \(failure.time): \(failure.detail ?? "")", paths: [])
        } catch {
            return EnsembleRun(
                id: id, point: point, status: .invalid, steps: 0, outcomes: nil, message: "\(error)", paths: [])
        }
    }
}
