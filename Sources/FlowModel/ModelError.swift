/// An invalid model setting, found before any solve.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case invalidKnots(String)
    case invalidParameter(key: String, value: Double, allowed: String)
    case unknownParameter(String)
    case invalidRiskClasses(String)
    case invalidScenario(String)
    case initialStateInvalid(String)

    public var description: String {
        switch self {
        case .invalidKnots(let detail): "invalid knot table: \(detail)"
        case .invalidParameter(let key, let value, let allowed): "parameter \(key) = \(value) is out of range: allowed \(allowed)"
        case .unknownParameter(let key): "unknown parameter \(key)"
        case .invalidRiskClasses(let detail): "invalid risk classes: \(detail)"
        case .invalidScenario(let detail): "invalid scenario: \(detail)"
        case .initialStateInvalid(let detail): "the initial state cannot clear the markets: \(detail)"
        }
    }
}
