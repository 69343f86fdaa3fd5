import Foundation
import Solvers
import TestSupport
import Testing

/// Stiff problems with references from the Test Set for IVP Solvers
/// (University of Bari), solved with the implicit steppers, with the analytic
/// Jacobian and with the computed one.
@Suite("Stiff references (Bari test set)")
struct StiffReferenceTests {
    static let tolerances = (relative: 1e-8, absolute: [1e-12, 1e-18, 1e-12])

    static func robertsonOptions(saveAt: [Double]) -> SolverOptions {
        SolverOptions(
            relativeTolerance: tolerances.relative, absoluteTolerance: .componentwise(tolerances.absolute),
            saveAt: .times(saveAt))
    }

    @Test("Robertson to t = 1e11 matches the reference", arguments: [Stepper.msbdf, .bsimp], [true, false])
    func robertson(_ stepper: Stepper, _ analyticJacobian: Bool) throws {
        let solution = try solve(
            Robertson.problem(analyticJacobian: analyticJacobian), stepper,
            Self.robertsonOptions(saveAt: [0, 40, 1e5, Robertson.end]))
        #expect(solution.returnCode == .success, "\(String(describing: solution.failure))")
        #expect(solution.t == [0, 40, 1e5, Robertson.end])
        for (i, (value, reference)) in zip(solution.finalState, Robertson.reference).enumerated() {
            let band = Self.tolerances.absolute[i] + Self.tolerances.relative * abs(reference)
            #expect(abs(value - reference) <= 20 * band, "component \(i): \(value) against \(reference)")
        }
        // Mass is conserved: y1 + y2 + y3 = 1 at every saved time.
        for k in 0..<solution.count {
            #expect(abs(solution.state(k).reduce(0, +) - 1) < 1e-9)
        }
        #expect(solution.statistics.jacobianEvaluations > 0)
    }

    /// The Gauss methods are A-stable but not L-stable, so far out they crawl;
    /// they are checked to t = 40 against bsimp at a tolerance 100 times
    /// tighter (bsimp itself matches the Bari reference above to 1e-10).
    @Test(
        "implicit Runge-Kutta on Robertson to t = 40", arguments: [Stepper.rk1imp, .rk2imp, .rk4imp], [true, false])
    func robertsonImplicitRungeKutta(_ stepper: Stepper, _ analyticJacobian: Bool) throws {
        let problem = Robertson.problem(analyticJacobian: analyticJacobian, end: 40)
        var reference = Self.robertsonOptions(saveAt: [0, 40])
        reference.relativeTolerance = 1e-10
        let truth = try solve(Robertson.problem(analyticJacobian: true, end: 40), .bsimp, reference)
        var options = Self.robertsonOptions(saveAt: [0, 40])
        if stepper == .rk1imp { options.relativeTolerance = 1e-6 }
        let solution = try solve(problem, stepper, options)
        #expect(solution.returnCode == .success)
        // Robertson decays to its equilibrium: the controller's warranted error, in each component's
        // tolerance unit, plus the reference's own at its tolerance.
        let allowed = warrantedError(steps: solution.statistics.steps, stepper: stepper)
        let referenceAllowed = warrantedError(steps: truth.statistics.steps, stepper: .bsimp)
        for (i, (value, expected)) in zip(solution.finalState, truth.finalState).enumerated() {
            let unit = Self.tolerances.absolute[i] + options.relativeTolerance * abs(expected)
            let referenceUnit = Self.tolerances.absolute[i] + reference.relativeTolerance * abs(expected)
            #expect(
                abs(value - expected) <= allowed * unit + referenceAllowed * referenceUnit,
                "component \(i): \(abs(value - expected) / unit) units in \(solution.statistics.steps) steps")
        }
    }

    @Test(
        "Van der Pol, mu = 1000, matches the reference", arguments: [Stepper.msbdf, .bsimp, .rk2imp, .rk4imp],
        [true, false])
    func vanDerPol(_ stepper: Stepper, _ analyticJacobian: Bool) throws {
        let options = SolverOptions(relativeTolerance: 1e-9, absoluteTolerance: .scalar(1e-9))
        let solution = try solve(VanDerPol.problem(analyticJacobian: analyticJacobian), stepper, options)
        #expect(solution.returnCode == .success, "\(String(describing: solution.failure))")
        // The limit cycle attracts: the controller's warranted error (the reference is exact to far more digits).
        let allowed = warrantedError(steps: solution.statistics.steps, stepper: stepper)
        for (value, reference) in zip(solution.finalState, VanDerPol.reference) {
            let unit = 1e-9 + 1e-9 * abs(reference)
            #expect(
                abs(value - reference) <= allowed * unit,
                "\(abs(value - reference) / unit) units in \(solution.statistics.steps) steps")
        }
    }
}
