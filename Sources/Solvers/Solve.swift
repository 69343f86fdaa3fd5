import CGSL
import RealModule

/// Solves `problem` with `stepper`.
///
/// The integrator lands exactly on every `tstop`, so a kink in an exogenous
/// input never falls inside a step, and on every save time unless
/// ``SolverOptions/saveMode`` interpolates them (by default with msbdf, from
/// its own polynomial). Solver outcomes (step budget, step-size underflow, a failing
/// or non-finite right-hand side) do not throw: they end the solve with a
/// ``ReturnCode``, the last good time and state, and a ``SolverFailure``.
///
/// - Parameters:
///   - problem: the initial value problem.
///   - stepper: the GSL method.
///   - options: tolerances, step bounds, save schedule, stops and events.
/// - Throws: ``SolverError`` for invalid settings, before any integration.
public func solve(
    _ problem: ODEProblem, _ stepper: Stepper, _ options: SolverOptions = SolverOptions()
) throws -> ODESolution {
    let plan = try SolvePlan(problem: problem, stepper: stepper, options: options)
    var run = try Integration(problem: problem, stepper: stepper, options: options, plan: plan)
    return run.execute()
}
