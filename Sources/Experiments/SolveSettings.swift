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
    /// How saved times inside a step get their values
    /// (``Solvers/SolverOptions/saveMode``; default: interpolated from msbdf's
    /// own polynomial, landed on with the other steppers); knots and change
    /// dates are always landed on.
    public var saveMode: SaveMode = .automatic
    /// The series computed at the saved points; nil: every one (a likelihood needs a few).
    public var outputs: Set<String>?

    /// - Parameters: the defaults are ``Solvers/SolverDefaults``, the command line's.
    public init(
        stepper: Stepper = SolverDefaults.stepper, relativeTolerance: Double = SolverDefaults.tolerance,
        absoluteTolerance: Double = SolverDefaults.tolerance, maxSteps: Int = SolverDefaults.maxSteps,
        saveStep: Double = SolverDefaults.saveStep
    ) {
        self.stepper = stepper
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
        self.maxSteps = maxSteps
        self.saveStep = saveStep
    }

    /// A setting that cannot work (or, for ``ChoiceComparison``, a comparison that cannot be made).
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Refuses tolerances, step budgets and save steps that cannot work.
    public func validate() throws {
        for (name, value) in [
            ("relative tolerance", relativeTolerance), ("absolute tolerance", absoluteTolerance),
            ("save step", saveStep),
        ]
        where !(value.isFinite && value > 0) {
            throw Invalid(description: "the \(name) is \(value); it must be positive and finite")
        }
        guard maxSteps >= 1 else {
            throw Invalid(description: "the step budget is \(maxSteps); it must be at least 1")
        }
    }
}

extension SolveSettings {
    /// The failure of `solution`, with a hint when these settings explain it:
    /// tolerances tighter than double precision can meet leave the steps too
    /// small to advance.
    func failure(_ solution: ODESolution, label: String) -> SolveFailure {
        var failure = SolveFailure(label: label, stepper: stepper, solution: solution)
        if [.stepBudgetExhausted, .stepSizeUnderflow].contains(solution.returnCode),
            relativeTolerance < 1e-14 || absoluteTolerance < 1e-200
        {
            failure.hint =
                """
                rtol \(relativeTolerance) and atol \(absoluteTolerance) ask for more than double precision gives \
                (about 1e-15 relative); loosen them
                """
        }
        return failure
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
    /// What to try, when the settings explain the failure.
    public var hint: String?

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
        var message =
            """
            \(label): the solver (\(stepper)) stopped at t = \(time) (\(DecimalYear.isoDate(time))) with \
            \(returnCode)
            """
        if let detail { message += ": \(detail)" }
        if let variable { message += " [variable \(variable)]" }
        if let hint { message += "; \(hint)" }
        return message
    }
}
