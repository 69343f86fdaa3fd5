import Solvers

/// The global error, in units of the local tolerance `atol + rtol |y|`, that
/// GSL's step-size control warrants after `steps` accepted steps of `stepper`
/// on a problem that does not expand errors (a decaying, neutral or attracting
/// flow): each accepted step commits at most one unit of local error, and the
/// global error is at most their sum (Hairer, Nørsett and Wanner, Solving ODEs
/// I, II.3, "Lady Windermere's fan"). The variable-order multistep methods test
/// an estimate for the current order while a change of step or order rescales
/// their history, an error of the same size, so each of their steps is given up
/// to q + 1 units, q their highest order. The order enters through the number
/// of steps: about T / tol^(1/(p+1)) for a method of order p.
public func warrantedError(steps: Int, stepper: Stepper) -> Double {
    let perStep = stepper.order == nil ? Double(stepper.maximumOrder + 1) : 1
    return Double(steps) * perStep
}
