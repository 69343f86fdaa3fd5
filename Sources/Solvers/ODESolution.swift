/// How a solve ended.
public enum ReturnCode: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Reached the end of the time span.
    case success
    /// A terminal event stopped the solve (also a success).
    case terminated
    /// The step budget ``SolverOptions/maxSteps`` ran out (GSL_EMAXITER).
    case stepBudgetExhausted
    /// The step fell below ``SolverOptions/minimumStep`` or could not be made
    /// smaller to meet the tolerance (GSL_ENOPROG, GSL_FAILURE).
    case stepSizeUnderflow
    /// The right-hand side threw (GSL_EBADFUNC).
    case rightHandSideFailed
    /// The analytic Jacobian threw (GSL_EBADFUNC).
    case jacobianFailed
    /// The right-hand side returned NaN or infinity even at the smallest
    /// step, or the state itself became non-finite.
    case nonFinite
    /// Any other GSL status; the failure message names it.
    case solverFailure

    public var description: String { rawValue }

    /// Whether the solve reached its end or a terminal event.
    public var isSuccessful: Bool { self == .success || self == .terminated }
}

/// What went wrong, where and when.
public struct SolverFailure: Sendable, Equatable, CustomStringConvertible {
    /// The time of the failing evaluation or step.
    public var time: Double
    /// The first offending component, when one is to blame.
    public var component: Int?
    /// Its name (from ``ODEProblem/componentNames``), when one is to blame.
    public var componentName: String?
    /// A sentence that says what happened.
    public var message: String

    public var description: String { message }
}

/// Work done by a solve.
public struct SolverStatistics: Sendable, Equatable {
    /// Accepted steps.
    public var steps = 0
    /// Rejected step attempts (error too large, or a failed stage).
    public var rejectedSteps = 0
    /// Calls of the right-hand side, including those made for finite-difference
    /// Jacobians, initial-step estimation and event location.
    public var functionEvaluations = 0
    /// Jacobian evaluations requested by the stepper.
    public var jacobianEvaluations = 0
    /// Integrations started anew to locate events.
    public var eventLocations = 0
}

/// A located event.
public struct EventRecord: Sendable, Equatable {
    /// The event's name.
    public var name: String
    /// The position of the event in ``SolverOptions/events``.
    public var index: Int
    /// The located crossing time.
    public var time: Double
    /// The state at `time`.
    public var state: [Double]
    /// Whether the condition went from negative to positive.
    public var isRising: Bool
}

/// The result of ``solve(_:_:_:)``: the saved times and states, how the
/// solve ended, and what it cost.
public struct ODESolution: Sendable {
    /// The problem solved.
    public let problem: ODEProblem
    /// The stepper used.
    public let stepper: Stepper
    /// Saved times, ascending.
    public let t: [Double]
    /// Saved states, row after row: the state at `t[k]` is
    /// `values[k * dimension ..< (k + 1) * dimension]`.
    public let values: [Double]
    /// How the solve ended.
    public let returnCode: ReturnCode
    /// Details when ``returnCode`` is not a success.
    public let failure: SolverFailure?
    /// The last time reached with a good state (the end time on success).
    public let lastGoodTime: Double
    /// The state at ``lastGoodTime``.
    public let lastGoodState: [Double]
    /// Events located, in time order.
    public let events: [EventRecord]
    /// Steps and evaluations.
    public let statistics: SolverStatistics

    /// Whether the solve reached its end or a terminal event.
    public var isSuccessful: Bool { returnCode.isSuccessful }

    /// The number of state components.
    public var dimension: Int { problem.dimension }

    /// The number of saved points.
    public var count: Int { t.count }

    /// The state at saved point `index`, indexed from 0.
    public func state(_ index: Int) -> [Double] {
        Array(values[index * dimension..<(index + 1) * dimension])
    }

    /// The path of component `component` over the saved times.
    public func series(_ component: Int) -> [Double] {
        precondition((0..<dimension).contains(component), "component \(component) out of range")
        return stride(from: component, to: values.count, by: dimension).map { values[$0] }
    }

    /// The last saved state.
    public var finalState: [Double] { state(count - 1) }
}
