/// An invalid setting: thrown by ``solve(_:_:_:)`` before any integration.
public enum SolverError: Error, Equatable, CustomStringConvertible {
    case emptyState
    case nonFiniteInitialState(component: Int, name: String)
    case invalidTimeSpan(start: Double, end: Double)
    case invalidTolerance(String)
    case invalidStep(String)
    case invalidMaxSteps(Int)
    case invalidSaveTimes(String)
    case invalidEventTolerance(Double)
    case allocationFailed(String)

    public var description: String {
        switch self {
        case .emptyState:
            "the initial state is empty: a problem needs at least one component"
        case .nonFiniteInitialState(let component, let name):
            "the initial state of \(name) (component \(component)) is not finite"
        case .invalidTimeSpan(let start, let end):
            "the time span must be finite and run forward; got start \(start), end \(end)"
        case .invalidTolerance(let detail):
            "invalid tolerance: \(detail)"
        case .invalidStep(let detail):
            "invalid step setting: \(detail)"
        case .invalidMaxSteps(let value):
            "the step budget must be at least 1; got \(value)"
        case .invalidSaveTimes(let detail):
            "invalid save times: \(detail)"
        case .invalidEventTolerance(let value):
            "the event time tolerance must be positive and finite; got \(value)"
        case .allocationFailed(let what):
            "GSL could not allocate \(what)"
        }
    }
}
