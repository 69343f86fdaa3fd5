import Foundation
import Solvers

/// A problem with a known solution `exact(t)`.
struct ClosedFormProblem: Sendable, CustomStringConvertible {
    let name: String
    let problem: ODEProblem
    let exact: @Sendable (Double) -> [Double]
    var description: String { name }

    /// The largest error at the end, relative to max(|exact|, 1).
    func endError(of solution: ODESolution) -> Double {
        let reference = exact(solution.t.last!)
        return zip(solution.finalState, reference).map { abs($0 - $1) / max(abs($1), 1) }.max()!
    }
}

enum ClosedForm {
    /// y' = -k y.
    static let decay = ClosedFormProblem(
        name: "exponential decay",
        problem: ODEProblem(initialState: [2.0], timeSpan: (0, 3)) { _, y, dydt in dydt[0] = -0.7 * y[0] },
        exact: { t in [2.0 * exp(-0.7 * t)] })

    /// y' = A y with A = [[-2, 1], [1, -2]]: eigenvalues -1 and -3.
    static let linear = ClosedFormProblem(
        name: "linear system",
        problem: ODEProblem(initialState: [1.0, 0.0], timeSpan: (0, 2)) { _, y, dydt in
            dydt[0] = -2 * y[0] + y[1]
            dydt[1] = y[0] - 2 * y[1]
        },
        exact: { t in [(exp(-t) + exp(-3 * t)) / 2, (exp(-t) - exp(-3 * t)) / 2] })

    /// x'' = -w^2 x over two periods.
    static let oscillator = ClosedFormProblem(
        name: "harmonic oscillator",
        problem: ODEProblem(initialState: [1.0, 0.0], timeSpan: (0, 2 * Double.pi)) { _, y, dydt in
            dydt[0] = y[1]
            dydt[1] = -4 * y[0]
        },
        exact: { t in [cos(2 * t), -2 * sin(2 * t)] })

    /// GSL's stiff test system (test_odeiv2.c, `rhs_stiff`): eigenvalues -1 and -1000.
    static let stiff = ClosedFormProblem(
        name: "GSL stiff system",
        problem: ODEProblem(
            initialState: [1.0, 0.0], timeSpan: (0, 1),
            jacobian: { _, _, dfdy, dfdt in
                dfdy[0] = 998
                dfdy[1] = 1998
                dfdy[2] = -999
                dfdy[3] = -1999
                dfdt[0] = 0
                dfdt[1] = 0
            }
        ) { _, y, dydt in
            dydt[0] = 998 * y[0] + 1998 * y[1]
            dydt[1] = -999 * y[0] - 1999 * y[1]
        },
        exact: { t in [2 * exp(-t) - exp(-1000 * t), -exp(-t) + exp(-1000 * t)] })

    static let all = [decay, linear, oscillator, stiff]
}

/// Robertson's chemical kinetics (ROBER), the Test Set for IVP Solvers of the
/// University of Bari (F. Mazzia and C. Magherini, release 2.4), reference
/// solution at t = 1e11 computed there with RADAU5 at tolerance 1e-14.
enum Robertson {
    static let end = 1e11
    static let reference = [0.2083340149701255e-07, 0.8333360770334713e-13, 0.9999999791665050]

    static func problem(analyticJacobian: Bool, end: Double = end) -> ODEProblem {
        let jacobian: JacobianFunction = { _, y, dfdy, dfdt in
            dfdy[0] = -0.04
            dfdy[1] = 1e4 * y[2]
            dfdy[2] = 1e4 * y[1]
            dfdy[3] = 0.04
            dfdy[4] = -1e4 * y[2] - 6e7 * y[1]
            dfdy[5] = -1e4 * y[1]
            dfdy[6] = 0
            dfdy[7] = 6e7 * y[1]
            dfdy[8] = 0
            dfdt[0] = 0
            dfdt[1] = 0
            dfdt[2] = 0
        }
        return ODEProblem(
            initialState: [1, 0, 0], timeSpan: (0, end), componentNames: ["y1", "y2", "y3"],
            jacobian: analyticJacobian ? jacobian : nil
        ) { _, y, dydt in
            dydt[0] = -0.04 * y[0] + 1e4 * y[1] * y[2]
            dydt[2] = 3e7 * y[1] * y[1]
            dydt[1] = -dydt[0] - dydt[2]
        }
    }
}

/// Van der Pol's equation with mu = 1000 in the scaled time of the same test
/// set (problem VDPOL): y1' = y2, y2' = ((1 - y1^2) y2 - y1) / eps with
/// eps = 1 / mu^2 = 1e-6, on [0, 2]; reference from RADAU at tolerance 1.1e-18.
enum VanDerPol {
    static let reference = [0.1706167732170483e+01, -0.8928097010247975e+00]
    static let epsilon = 1e-6

    static func problem(analyticJacobian: Bool) -> ODEProblem {
        let jacobian: JacobianFunction = { _, y, dfdy, dfdt in
            dfdy[0] = 0
            dfdy[1] = 1
            dfdy[2] = (-2 * y[0] * y[1] - 1) / epsilon
            dfdy[3] = (1 - y[0] * y[0]) / epsilon
            dfdt[0] = 0
            dfdt[1] = 0
        }
        return ODEProblem(
            initialState: [2, 0], timeSpan: (0, 2), componentNames: ["y1", "y2"],
            jacobian: analyticJacobian ? jacobian : nil
        ) { _, y, dydt in
            dydt[0] = y[1]
            dydt[1] = ((1 - y[0] * y[0]) * y[1] - y[0]) / epsilon
        }
    }
}
