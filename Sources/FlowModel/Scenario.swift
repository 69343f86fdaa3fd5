/// A change of one scalar parameter from a date on: a step, or a linear ramp
/// from the value in force to the new value over `[start, start + rampYears]`.
public struct ParameterChange: Sendable, Equatable {
    /// The parameter's catalog key (`I1`, `risk.crypto.beta`).
    public var key: String
    /// The value after the change.
    public var value: Double
    /// When the change starts (decimal year).
    public var start: Double
    /// The length of the ramp in years; 0 for a step.
    public var rampYears: Double

    public init(key: String, value: Double, start: Double, rampYears: Double = 0) {
        self.key = key
        self.value = value
        self.start = start
        self.rampYears = rampYears
    }
}

/// A named set of dated parameter changes. A change that starts at or before
/// t0 alters the run's parameters from the start (initial conditions
/// included); later changes may only touch behaviour, exogenous paths and policy.
public struct Scenario: Sendable, Equatable {
    public var name: String
    public var changes: [ParameterChange]

    public init(name: String, changes: [ParameterChange]) {
        self.name = name
        self.changes = changes
    }

    /// This scenario's changes followed by `other`'s, under both names joined by `+`.
    public func followed(by other: Scenario) -> Scenario {
        Scenario(name: name.isEmpty ? other.name : name + "+" + other.name, changes: changes + other.changes)
    }

    /// No changes.
    public static let baseline = Scenario(name: "baseline", changes: [])

    /// The counterfactual of MODEL.md section 5: flat AI capex (I1 = I0) from t0.
    public static func noAIBoom(_ parameters: ModelParameters) -> Scenario {
        Scenario(
            name: "no-ai-boom",
            changes: [ParameterChange(key: "I1", value: parameters.I0, start: parameters.t0)])
    }
}

/// A dated change resolved against the catalog: the value path of one
/// parameter after t0, piecewise linear.
struct ScheduledChange: Sendable {
    let info: ParameterInfo
    let start: Double
    let end: Double
    let from: Double
    let to: Double

    @inline(__always)
    func value(at t: Double) -> Double? {
        if t < start { return nil }
        if t >= end { return to }
        return from + (to - from) * (t - start) / (end - start)
    }
}
