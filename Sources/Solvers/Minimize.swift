import CGSL

/// An unconstrained smooth minimisation: `f` and its gradient at a point.
public struct MinimizationProblem: Sendable {
    public var initial: [Double]
    /// The value at `x`; throwing stops the minimisation.
    public var value: @Sendable (_ x: [Double]) throws -> Double
    /// The gradient at `x` (with the value, which a finite-difference gradient gets for free).
    public var gradient: @Sendable (_ x: [Double]) throws -> (value: Double, gradient: [Double])

    public init(
        initial: [Double], value: @escaping @Sendable (_ x: [Double]) throws -> Double,
        gradient: @escaping @Sendable (_ x: [Double]) throws -> (value: Double, gradient: [Double])
    ) {
        self.initial = initial
        self.value = value
        self.gradient = gradient
    }
}

/// Settings of ``minimize(_:_:)``.
public struct MinimizationOptions: Sendable {
    public var maxIterations = 200
    /// Stop when the gradient's norm is this small.
    public var gradientTolerance = 1e-5
    /// BFGS's first trial step and line-search tolerance (GSL's `step_size` and `tol`).
    public var firstStep = 0.1
    public var lineSearchTolerance = 0.1
    /// Called after each iteration with its number and the value.
    public var progress: (@Sendable (_ iteration: Int, _ value: Double) -> Void)?

    public init() {}
}

/// The result of ``minimize(_:_:)``.
public struct MinimizationResult: Sendable {
    public var x: [Double]
    public var value: Double
    public var iterations: Int
    /// "small gradient", "iteration limit", or GSL's reason (a line search that makes no progress
    /// at a minimum flat to the function's noise ends "iteration is not making progress").
    public var stopReason: String
}

public enum MinimizationError: Error, Equatable, CustomStringConvertible {
    case valueFailed(String)
    case nonFinite(x: [Double])

    public var description: String {
        switch self {
        case .valueFailed(let message): "the function could not be evaluated: \(message)"
        case .nonFinite(let x): "the function is not finite at the start \(x)"
        }
    }
}

private final class MinimizationContext {
    let problem: MinimizationProblem
    var failure: String?
    init(_ problem: MinimizationProblem) { self.problem = problem }

    func point(_ v: UnsafePointer<gsl_vector>) -> [Double] {
        (0..<problem.initial.count).map { gsl_vector_get(v, $0) }
    }

    /// The value and, into `g`, the gradient; +infinity (which the line search backs off from) where
    /// the function fails.
    func evaluate(_ v: UnsafePointer<gsl_vector>, gradient g: UnsafeMutablePointer<gsl_vector>?) -> Double {
        do {
            let x = point(v)
            if let g {
                let (value, gradient) = try problem.gradient(x)
                for (j, d) in gradient.enumerated() { gsl_vector_set(g, j, d.isFinite ? d : 0) }
                return value.isFinite ? value : .infinity
            }
            let value = try problem.value(x)
            return value.isFinite ? value : .infinity
        } catch {
            failure = String(describing: error)
            return .nan
        }
    }
}

private func context(_ params: UnsafeMutableRawPointer?) -> MinimizationContext {
    Unmanaged<MinimizationContext>.fromOpaque(params!).takeUnretainedValue()
}

private let valueTrampoline: @convention(c) (UnsafePointer<gsl_vector>?, UnsafeMutableRawPointer?) -> Double = {
    v, params in context(params).evaluate(v!, gradient: nil)
}
private let gradientTrampoline:
    @convention(c) (UnsafePointer<gsl_vector>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<gsl_vector>?) -> Void =
        { v, params, g in _ = context(params).evaluate(v!, gradient: g) }
private let bothTrampoline:
    @convention(c) (
        UnsafePointer<gsl_vector>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Double>?,
        UnsafeMutablePointer<gsl_vector>?
    ) -> Void = { v, params, f, g in f!.pointee = context(params).evaluate(v!, gradient: g) }

/// Minimises a smooth function with GSL's BFGS (`gsl_multimin_fdfminimizer_vector_bfgs2`).
public func minimize(_ problem: MinimizationProblem, _ options: MinimizationOptions = MinimizationOptions()) throws
    -> MinimizationResult
{
    _ = gsl_set_error_handler_off()
    let n = problem.initial.count
    let context = MinimizationContext(problem)
    guard try problem.value(problem.initial).isFinite else { throw MinimizationError.nonFinite(x: problem.initial) }
    guard let minimizer = gsl_multimin_fdfminimizer_alloc(cgsl_multimin_bfgs2(), n) else {
        throw MinimizationError.valueFailed("GSL could not allocate the minimiser")
    }
    defer { gsl_multimin_fdfminimizer_free(minimizer) }
    let start = gsl_vector_alloc(n)!
    defer { gsl_vector_free(start) }
    for (j, x) in problem.initial.enumerated() { gsl_vector_set(start, j, x) }
    var function = gsl_multimin_function_fdf()
    function.f = valueTrampoline
    function.df = gradientTrampoline
    function.fdf = bothTrampoline
    function.n = n
    function.params = Unmanaged.passUnretained(context).toOpaque()
    var status = gsl_multimin_fdfminimizer_set(
        minimizer, &function, start, options.firstStep, options.lineSearchTolerance)
    var iterations = 0
    var reason = "iteration limit"
    while status == GSL_SUCCESS && iterations < options.maxIterations {
        iterations += 1
        status = gsl_multimin_fdfminimizer_iterate(minimizer)
        if let failure = context.failure { throw MinimizationError.valueFailed(failure) }
        options.progress?(iterations, gsl_multimin_fdfminimizer_minimum(minimizer))
        if status != GSL_SUCCESS {
            reason = String(cString: gsl_strerror(status))
            break
        }
        if gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(minimizer), options.gradientTolerance)
            == GSL_SUCCESS
        {
            reason = "small gradient"
            break
        }
    }
    if let failure = context.failure { throw MinimizationError.valueFailed(failure) }
    let x = context.point(gsl_multimin_fdfminimizer_x(minimizer))
    return MinimizationResult(
        x: x, value: gsl_multimin_fdfminimizer_minimum(minimizer), iterations: iterations, stopReason: reason)
}
