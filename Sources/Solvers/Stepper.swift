import CGSL

/// A GSL `gsl_odeiv2` stepping method, selectable by its GSL name.
///
/// The explicit Runge-Kutta methods suit non-stiff problems; the implicit
/// ones (`rk1imp`, `rk2imp`, `rk4imp`, `bsimp`, `msbdf`) suit stiff problems
/// and use a Jacobian, analytic or computed by ``JacobianStrategy``.
public enum Stepper: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Explicit embedded Runge-Kutta (2, 3); GSL propagates the third-order solution.
    case rk2
    /// Explicit 4th-order classical Runge-Kutta; error by step doubling.
    case rk4
    /// Explicit embedded Runge-Kutta-Fehlberg (4, 5).
    case rkf45
    /// Explicit embedded Runge-Kutta Cash-Karp (4, 5).
    case rkck
    /// Explicit embedded Runge-Kutta Prince-Dormand (8, 9).
    case rk8pd
    /// Implicit Euler (Gaussian 1st order); error by step doubling.
    case rk1imp
    /// Implicit Gaussian 2nd-order Runge-Kutta (midpoint rule).
    case rk2imp
    /// Implicit Gaussian 4th-order Runge-Kutta.
    case rk4imp
    /// Implicit Bulirsch-Stoer of Bader and Deuflhard; needs the Jacobian every step.
    case bsimp
    /// Variable-order (1 to 12) Adams, functional iteration; non-stiff.
    case msadams
    /// Variable-order (1 to 5) backward differentiation formulas, Newton iteration; stiff.
    case msbdf

    public var description: String { rawValue }

    /// Whether GSL calls the Jacobian for this method.
    public var usesJacobian: Bool {
        switch self {
        case .rk1imp, .rk2imp, .rk4imp, .bsimp, .msbdf: true
        case .rk2, .rk4, .rkf45, .rkck, .rk8pd, .msadams: false
        }
    }

    /// Whether the method is implicit (suitable for stiff problems).
    public var isImplicit: Bool { usesJacobian }

    /// The order of the solution the method propagates, or `nil` for the
    /// variable-order multistep methods.
    public var order: Int? {
        switch self {
        case .rk1imp: 1
        case .rk2imp: 2
        case .rk2: 3
        case .rk4, .rk4imp: 4
        case .rkf45, .rkck: 5
        case .bsimp: 6
        case .rk8pd: 8
        case .msadams, .msbdf: nil
        }
    }

    /// The highest order the method reaches: its order, or for the variable-order
    /// multistep methods their cap (12 for msadams, 5 for msbdf).
    public var maximumOrder: Int {
        switch self {
        case .msadams: 12
        case .msbdf: 5
        default: order ?? 1
        }
    }

    /// The GSL step type.
    var gslType: UnsafePointer<gsl_odeiv2_step_type> {
        switch self {
        case .rk2: cgsl_step_rk2()
        case .rk4: cgsl_step_rk4()
        case .rkf45: cgsl_step_rkf45()
        case .rkck: cgsl_step_rkck()
        case .rk8pd: cgsl_step_rk8pd()
        case .rk1imp: cgsl_step_rk1imp()
        case .rk2imp: cgsl_step_rk2imp()
        case .rk4imp: cgsl_step_rk4imp()
        case .bsimp: cgsl_step_bsimp()
        case .msadams: cgsl_step_msadams()
        case .msbdf: cgsl_step_msbdf()
        }
    }
}
