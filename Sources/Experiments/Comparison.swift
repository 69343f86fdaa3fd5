import FlowModel
import Solvers

/// How a path is solved and sampled: stepper, tolerances, step budget and the
/// years between saved points.
public struct SolveSettings: Sendable, Equatable {
    public var stepper: Stepper
    public var relativeTolerance: Double
    public var absoluteTolerance: Double
    /// Accepted plus rejected steps allowed per solve.
    public var maxSteps: Int
    /// Years between saved points (1/12: monthly).
    public var saveStep: Double
    /// Saved times in place of the ``saveStep`` grid, when given.
    public var saveTimes: [Double]?

    /// - Parameters: the defaults are the command line's: rk8pd at 1e-10
    ///   (the redundant equation then holds to about 4e-10 of the cash stock),
    ///   a million steps, monthly output.
    public init(
        stepper: Stepper = .rk8pd, relativeTolerance: Double = 1e-10, absoluteTolerance: Double = 1e-10,
        maxSteps: Int = 1_000_000, saveStep: Double = 1.0 / 12
    ) {
        self.stepper = stepper
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
        self.maxSteps = maxSteps
        self.saveStep = saveStep
    }

    /// A setting that cannot work.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Refuses tolerances, step budgets and save steps that cannot work.
    public func validate() throws {
        for (name, value) in [("relative tolerance", relativeTolerance), ("absolute tolerance", absoluteTolerance), ("save step", saveStep)]
        where !(value.isFinite && value > 0) {
            throw Invalid(description: "the \(name) is \(value); it must be positive and finite")
        }
        guard maxSteps >= 1 else { throw Invalid(description: "the step budget is \(maxSteps); it must be at least 1") }
    }

    /// The solver options for `model`: its knots and change dates as stops.
    public func options(for model: ReverseQEModel) -> SolverOptions {
        var options = defaultModelOptions(for: model, saveStep: saveStep)
        if let saveTimes { options.saveAt = .times(saveTimes) }
        options.relativeTolerance = relativeTolerance
        options.absoluteTolerance = .scalar(absoluteTolerance)
        options.maxSteps = maxSteps
        return options
    }

    /// Solves `model`; a solve that does not finish throws ``SolveFailure``,
    /// settings that cannot work ``Invalid``.
    public func solve(_ model: ReverseQEModel, label: String) throws -> ModelRun {
        try validate()
        let run = try model.run(stepper, options: options(for: model))
        guard run.solution.isSuccessful else { throw SolveFailure(label: label, stepper: stepper, solution: run.solution) }
        return run
    }
}

extension SolveSettings {
    /// The state of `model` at `t` (its initial state at t0 or before).
    public func state(of model: ReverseQEModel, at t: Double) throws -> [Double] {
        guard t > model.parameters.t0 else { return model.initialState }
        var options = options(for: model)
        options.saveAt = .times([model.parameters.t0, t])
        let path = try model.run(stepper, options: options)
        guard path.solution.isSuccessful else { throw SolveFailure(label: "the path to \(t)", stepper: stepper, solution: path.solution) }
        return path.solution.state(1)
    }
}

/// A solve that did not reach the end of its span: where, why and in which variable.
public struct SolveFailure: Error, Sendable, CustomStringConvertible {
    /// Which run (`regime none`, `buyer/no-ai-boom`).
    public let label: String
    public let stepper: Stepper
    public let time: Double
    public let returnCode: ReturnCode
    /// The solver's own message, if it gave one.
    public let detail: String?
    /// The state variable that failed, if the solver named one.
    public let variable: String?

    /// The failure of `solution`, a run called `label` solved with `stepper`.
    public init(label: String, stepper: Stepper, solution: ODESolution) {
        self.label = label
        self.stepper = stepper
        time = solution.failure?.time ?? solution.lastGoodTime
        returnCode = solution.returnCode
        detail = solution.failure?.message
        variable = solution.failure?.componentName
    }

    public var description: String {
        var message = "\(label): the solver (\(stepper)) stopped at t = \(time) (\(DecimalYear.isoDate(time))) with \(returnCode)"
        if let detail { message += ": \(detail)" }
        if let variable { message += " [variable \(variable)]" }
        return message
    }
}

/// The same path under several Fed regimes, each optionally also without the
/// AI boom (MODEL.md section 5's counterfactual, I1 = I0): the comparison
/// `liquidity compare` prints, as a value to run.
public struct RegimeComparison: Sendable {
    public var parameters: ModelParameters
    public var scenario: Scenario
    public var regimes: [FedRegime]
    /// Also solve each regime without the AI boom.
    public var counterfactual: Bool
    public var settings: SolveSettings
    /// The level of idle cash L, $T, whose first crossing each summary reports.
    public var idleCashFloor: Double

    /// - Parameters: the defaults are the command line's: every regime but
    ///   `share`, no counterfactual, ``SolveSettings``' defaults, a floor of $1T.
    public init(
        parameters: ModelParameters, scenario: Scenario = .baseline, regimes: [FedRegime] = [.none, .reserves, .buyer],
        counterfactual: Bool = false, settings: SolveSettings = SolveSettings(), idleCashFloor: Double = 1
    ) {
        self.parameters = parameters
        self.scenario = scenario
        self.regimes = regimes
        self.counterfactual = counterfactual
        self.settings = settings
        self.idleCashFloor = idleCashFloor
    }

    /// The runs, in order: each regime, then (with ``counterfactual``) the
    /// same regime without the AI boom.
    public var cases: [(regime: FedRegime, isCounterfactual: Bool)] {
        regimes.flatMap { regime in counterfactual ? [(regime, false), (regime, true)] : [(regime, false)] }
    }

    /// The model of one case: the scenario, plus flat capex for a counterfactual.
    public func model(_ regime: FedRegime, isCounterfactual: Bool) throws -> ReverseQEModel {
        guard isCounterfactual else { return try ReverseQEModel(parameters: parameters, regime: regime, scenario: scenario) }
        return try ReverseQEModel(parameters: parameters, regime: regime, scenario: scenario.followed(by: .noAIBoom(parameters)))
    }

    /// Every case's model, built and checked before anything is solved.
    ///
    /// - Throws: ``FlowModel/ModelError`` for an invalid model,
    ///   ``SolveSettings/Invalid`` for settings that cannot work.
    public func models() throws -> [(kind: ComparisonCase.Kind, model: ReverseQEModel)] {
        try settings.validate()
        guard idleCashFloor.isFinite else { throw SolveSettings.Invalid(description: "the idle-cash floor is \(idleCashFloor); it must be finite") }
        return try cases.map { (ComparisonCase.Kind(regime: $0.regime, isCounterfactual: $0.isCounterfactual), try model($0.regime, isCounterfactual: $0.isCounterfactual)) }
    }

    /// Solves every case in order.
    ///
    /// - Parameters:
    ///   - models: the cases' models (default: ``models()``).
    ///   - starting: called before each solve with the case's index.
    ///   - finished: called with each case as it is solved, so a caller can
    ///     keep what finished when a later solve fails.
    /// - Throws: ``FlowModel/ModelError`` for an invalid model (before any
    ///   solve), ``SolveFailure`` for a solve that does not finish.
    public func run(
        models: [(kind: ComparisonCase.Kind, model: ReverseQEModel)]? = nil,
        starting: (Int, ComparisonCase.Kind) -> Void = { _, _ in }, finished: (ComparisonCase) throws -> Void = { _ in }
    ) throws -> RegimeComparisonResult {
        var result: [ComparisonCase] = []
        for (index, (kind, model)) in try (models ?? self.models()).enumerated() {
            starting(index, kind)
            let run = try settings.solve(model, label: kind.label)
            let solved = ComparisonCase(kind: kind, run: run, idleCashFloor: idleCashFloor)
            try finished(solved)
            result.append(solved)
        }
        return RegimeComparisonResult(cases: result)
    }
}

/// One solved run of a comparison.
public struct ComparisonCase: Sendable {
    /// Which run: a regime, with or without the AI boom.
    public struct Kind: Sendable, Equatable {
        public var regime: FedRegime
        /// Solved without the AI boom (I1 = I0).
        public var isCounterfactual: Bool

        public init(regime: FedRegime, isCounterfactual: Bool = false) {
            self.regime = regime
            self.isCounterfactual = isCounterfactual
        }

        /// `none`, or `none/no-ai-boom` for a counterfactual: the run's name
        /// in messages and in the `regime` column of `compare.csv`.
        public var label: String { regime.rawValue + (isCounterfactual ? "/no-ai-boom" : "") }
    }

    public let kind: Kind
    public let run: ModelRun
    public let summary: RunSummary

    /// A solved run and its summary with the given idle-cash floor.
    public init(kind: Kind, run: ModelRun, idleCashFloor: Double) {
        self.kind = kind
        self.run = run
        summary = RunSummary(run, idleCashFloor: idleCashFloor)
    }

    public var regime: FedRegime { kind.regime }
    public var isCounterfactual: Bool { kind.isCounterfactual }
}

/// The solved runs of a ``RegimeComparison``.
public struct RegimeComparisonResult: Sendable {
    /// Every run, in the comparison's order.
    public let cases: [ComparisonCase]

    /// The runs with the AI boom, one per regime.
    public var regimes: [ComparisonCase] { cases.filter { !$0.isCounterfactual } }

    /// The run of `regime`, with or without the AI boom.
    public func run(_ regime: FedRegime, counterfactual: Bool = false) -> ComparisonCase? {
        cases.first { $0.regime == regime && $0.isCounterfactual == counterfactual }
    }

    /// Per regime solved both ways: the run with the boom and the run without.
    public var attribution: [(regime: FedRegime, boom: RunSummary, flat: RunSummary)] {
        regimes.compactMap { boom in run(boom.regime, counterfactual: true).map { (boom.regime, boom.summary, $0.summary) } }
    }
}
