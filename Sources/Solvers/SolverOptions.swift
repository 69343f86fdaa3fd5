/// Which times the solution records.
public enum SaveSchedule: Sendable, Equatable {
    /// The start, every accepted step, and the end.
    case everyStep
    /// Exactly these times, ascending, within the time span. The integrator
    /// lands on each one; no value is interpolated.
    case times([Double])
    /// `t0 + k * interval` for k = 0, 1, ... up to `t1`, and `t1` itself.
    /// Each time is computed from `k`, never accumulated, so there is no drift.
    case interval(Double)

    /// The times ``interval(_:)`` records from `t0` to `t1`.
    public static func grid(from t0: Double, to t1: Double, every interval: Double) -> [Double] {
        SolvePlan.grid(from: t0, to: t1, every: interval)
    }
}

/// How save times inside a step get their values. `tstops` and the end are
/// landed on exactly whatever the mode.
public enum SaveMode: String, Sendable, Equatable, CaseIterable {
    /// Interpolate where the stepper's own polynomial gives them (msbdf: its
    /// Nordsieck history, as CVODE's dense output, as accurate as its steps and
    /// with no extra evaluation); land on them with every other stepper.
    case automatic = "auto"
    /// Land on every save time: no value is interpolated.
    case land
    /// Interpolate inside every step: msbdf's own polynomial, else a quartic
    /// through the states and derivatives at the step's ends and the
    /// derivative at a third of it (three evaluations a step that holds
    /// saves), its error held within the local tolerance, else the saves are
    /// integrated to from the step's start.
    case interpolate
}

/// How the Jacobian is obtained when the problem has no analytic one and the
/// stepper needs it.
public enum JacobianStrategy: Sendable, Equatable {
    /// One-sided differences: `n + 2` evaluations of `f` per Jacobian.
    case forwardDifferences
    /// Central differences: `2n + 2` evaluations of `f`, error O(h^2) instead of O(h).
    case centralDifferences
}

/// The absolute error tolerance: one number, or one per component.
public enum AbsoluteTolerance: Sendable, Equatable, ExpressibleByFloatLiteral {
    case scalar(Double)
    case componentwise([Double])

    public init(floatLiteral value: Double) { self = .scalar(value) }

    func values(dimension: Int) -> [Double] {
        switch self {
        case .scalar(let value): [Double](repeating: value, count: dimension)
        case .componentwise(let values): values
        }
    }
}

/// Whether an event fires on any sign change of its condition, or only on
/// one direction.
public enum CrossingDirection: String, Sendable {
    case either, rising, falling
}

/// A condition `g(t, y)` whose sign change the solver locates between steps.
///
/// After each accepted step the solver evaluates `g` at the step's end; on a
/// sign change it finds the crossing time by the Illinois (modified
/// regula falsi) method, evaluating `y` at trial times by integrating again
/// from the step's start with the same stepper and tolerances.
public struct Event: Sendable {
    /// A label for reports.
    public var name: String
    /// `g(t, y)`; the event is where it changes sign.
    public var condition: @Sendable (_ t: Double, _ y: UnsafeBufferPointer<Double>) -> Double
    /// Which sign changes count (default either).
    public var direction: CrossingDirection
    /// Whether the solve stops at the event (default true).
    public var isTerminal: Bool

    public init(
        _ name: String,
        direction: CrossingDirection = .either,
        isTerminal: Bool = true,
        condition: @escaping @Sendable (_ t: Double, _ y: UnsafeBufferPointer<Double>) -> Double
    ) {
        self.name = name
        self.condition = condition
        self.direction = direction
        self.isTerminal = isTerminal
    }
}

/// Settings of a solve. Each default is the one a careful user would pick
/// for a smooth problem of moderate size.
public struct SolverOptions: Sendable {
    /// Relative tolerance (default 1e-6).
    public var relativeTolerance: Double = 1e-6
    /// Absolute tolerance (default 1e-8). The local error of component `i`
    /// is held below `atol_i + rtol * |y_i|`, GSL's standard control.
    public var absoluteTolerance: AbsoluteTolerance = .scalar(1e-8)
    /// First trial step; `nil` (default) estimates it from the problem
    /// (Hairer, Nørsett and Wanner's starting-step algorithm).
    public var initialStep: Double?
    /// Smallest step allowed; a smaller proposal ends the solve with
    /// ``ReturnCode/stepSizeUnderflow`` (default 0: no bound but the machine's).
    public var minimumStep: Double = 0
    /// Largest step allowed (default unbounded).
    public var maximumStep: Double = .infinity
    /// Step budget: accepted plus rejected steps (default 1,000,000).
    public var maxSteps: Int = SolverDefaults.maxSteps
    /// A constant step with no error control, when set (default `nil`: adaptive).
    public var fixedStep: Double?
    /// Times to record (default every step).
    public var saveAt: SaveSchedule = .everyStep
    /// Times the integrator must land on exactly, such as kinks in exogenous
    /// inputs; times outside the span are ignored.
    public var tstops: [Double] = []
    /// How save times inside a step get their values (default
    /// ``SaveMode/automatic``: interpolated from msbdf's own polynomial, landed
    /// on with the other steppers). Ignored with a fixed step or when saving
    /// every step.
    public var saveMode: SaveMode = .automatic
    /// Events to locate.
    public var events: [Event] = []
    /// Event times are located to within this many time units (default 1e-10).
    public var eventTimeTolerance: Double = 1e-10
    /// How the Jacobian is computed when the problem has none (default forward differences).
    public var jacobian: JacobianStrategy = .forwardDifferences

    public init(
        relativeTolerance: Double = 1e-6,
        absoluteTolerance: AbsoluteTolerance = .scalar(1e-8),
        saveAt: SaveSchedule = .everyStep,
        tstops: [Double] = [],
        events: [Event] = []
    ) {
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
        self.saveAt = saveAt
        self.tstops = tstops
        self.events = events
    }
}

/// The package's solver defaults, in one place: the command line, the C
/// interface (and so the Python package) and the experiments read them.
/// rk8pd at 1e-10 holds the default model's redundant equation to about 4e-10
/// of the cash stock; a million steps is far above what any committed model
/// needs, so the budget stops only a run that cannot progress.
public enum SolverDefaults {
    public static let stepper: Stepper = .rk8pd
    /// The relative and the absolute tolerance.
    public static let tolerance = 1e-10
    /// Accepted plus rejected steps allowed per solve.
    public static let maxSteps = 1_000_000
    /// Years between saved points: monthly.
    public static let saveStep = 1.0 / 12
}
