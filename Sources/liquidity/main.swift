import Foundation
import Solvers

// A short demonstration until the model of MODEL.md lands (issue 3): the
// stiff Van der Pol oscillator (mu = 1000) with every implicit GSL stepper.
let vanDerPol = ODEProblem(
    initialState: [2, 0], timeSpan: (0, 2), componentNames: ["y1", "y2"]
) { _, y, dydt in
    dydt[0] = y[1]
    dydt[1] = ((1 - y[0] * y[0]) * y[1] - y[0]) / 1e-6
}
let reference = [1.706167732170483, -0.8928097010247975]
print("Van der Pol, mu = 1000, on [0, 2] (scaled time, Bari test set problem VDPOL), rtol = atol = 1e-8")
print("stepper   y1(2)                y2(2)                 max rel. error  steps  f evals  Jacobians")
for stepper in Stepper.allCases where stepper.isImplicit && stepper != .rk1imp {
    let options = SolverOptions(relativeTolerance: 1e-8, absoluteTolerance: .scalar(1e-8), saveAt: .times([0, 2]))
    let solution = try solve(vanDerPol, stepper, options)
    let end = solution.finalState
    let error = zip(end, reference).map { abs($0 - $1) / abs($1) }.max()!
    let s = solution.statistics
    print(
        stepper.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
            + String(format: "%-21.15f%-22.15f%-16.2e%-7d%-9d%d", end[0], end[1], error, s.steps, s.functionEvaluations, s.jacobianEvaluations))
}
