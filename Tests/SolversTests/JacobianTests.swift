import Foundation
import Testing

@testable import Solvers

/// The computed Jacobian against the analytic one, at a late Robertson state
/// where y2 ~ 1e-13 (the case a step of sqrt(eps) * max(|y|, 1) gets wrong).
@Suite("Finite-difference Jacobian")
struct JacobianTests {
    @Test("matches the analytic Jacobian", arguments: [JacobianStrategy.forwardDifferences, .centralDifferences])
    func matchesAnalytic(_ strategy: JacobianStrategy) {
        let state: [Double] = [2.08e-8, 8.33e-14, 0.99999998]
        let analytic = Robertson.problem(analyticJacobian: true)
        let computed = CallbackContext(
            problem: Robertson.problem(analyticJacobian: false), strategy: strategy,
            absoluteTolerances: [1e-12, 1e-18, 1e-12], relativeTolerance: 1e-8)
        let exact = CallbackContext(
            problem: analytic, strategy: strategy, absoluteTolerances: [1e-12, 1e-18, 1e-12], relativeTolerance: 1e-8)
        var jFD = [Double](repeating: 0, count: 9)
        var tFD = [Double](repeating: 0, count: 3)
        var jA = [Double](repeating: 0, count: 9)
        var tA = [Double](repeating: 0, count: 3)
        _ = computed.evaluateJacobian(1e10, state, &jFD, &tFD)
        _ = exact.evaluateJacobian(1e10, state, &jA, &tA)
        let scale = jA.map(abs).max()!
        let tolerance = strategy == .centralDifferences ? 1e-8 : 1e-6
        for k in 0..<9 {
            // Every entry, including dy3'/dy2 = 6e7 * y2 = 5e-6, to a small
            // fraction of its own size or of the largest entry.
            #expect(
                abs(jFD[k] - jA[k]) <= tolerance * max(abs(jA[k]), 1e-6 * scale),
                "entry \(k): \(jFD[k]) against \(jA[k])")
        }
        #expect(tFD == [0, 0, 0])
        let evaluations = strategy == .centralDifferences ? 2 * 3 + 3 : 3 + 2
        #expect(computed.functionEvaluations == evaluations)
        #expect(computed.jacobianEvaluations == 1)
    }
}
