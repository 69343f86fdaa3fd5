import CGSL
import Dispatch
import Foundation
import RealModule

/// Trust-region subproblem methods of GSL's `gsl_multifit_nlinear`.
public enum TrustRegionMethod: String, CaseIterable, Sendable {
    /// Levenberg-Marquardt.
    case lm
    /// Levenberg-Marquardt with geodesic acceleration.
    case lmaccel
    case dogleg
    /// Double dogleg.
    case ddogleg
    /// Two-dimensional subspace.
    case subspace2D

    var gslType: UnsafePointer<gsl_multifit_nlinear_trs> {
        switch self {
        case .lm: cgsl_trs_lm()
        case .lmaccel: cgsl_trs_lmaccel()
        case .dogleg: cgsl_trs_dogleg()
        case .ddogleg: cgsl_trs_ddogleg()
        case .subspace2D: cgsl_trs_subspace2D()
        }
    }
}

/// A bounded nonlinear least-squares problem: minimise `sum r_i(p)^2` over
/// `lower <= p <= upper`.
///
/// GSL's solver is unconstrained, so each parameter is fitted through
/// `p = lower + (upper - lower) / (1 + exp(-u))`; the covariance is carried
/// back to `p` by the derivative of that map.
public struct LeastSquaresProblem: Sendable {
    public var initial: [Double]
    public var lower: [Double]
    public var upper: [Double]
    public var residualCount: Int
    /// Writes the residuals at `parameters` into `residuals`; throwing stops the fit.
    public var residuals: @Sendable (_ parameters: [Double], _ residuals: inout [Double]) throws -> Void

    public init(
        initial: [Double], lower: [Double], upper: [Double], residualCount: Int,
        residuals: @escaping @Sendable (_ parameters: [Double], _ residuals: inout [Double]) throws -> Void
    ) {
        self.initial = initial
        self.lower = lower
        self.upper = upper
        self.residualCount = residualCount
        self.residuals = residuals
    }
}

/// Settings of a fit.
public struct LeastSquaresOptions: Sendable {
    public var method: TrustRegionMethod = .lm
    public var maxIterations = 100
    /// Stop when steps change the parameters by less than this (relative).
    public var xtol = 1e-8
    /// Stop when the gradient is this small.
    public var gtol = 1e-10
    /// Stop when the cost changes by less than this (relative).
    public var ftol = 1e-10
    /// Finite-difference step in the transformed parameters; larger than the
    /// noise of the residuals (which come from an ODE solve).
    public var differenceStep = 1e-4
    /// Called at the start (iteration 0) and after each iteration with its
    /// number, the cost (`sum r_i^2`) and the residual evaluations so far:
    /// what a long fit shows as progress.
    public var progress:
        (@Sendable (_ iteration: Int, _ cost: Double, _ evaluations: Int, _ residuals: [Double]) -> Void)?

    public init() {}
}

/// The result of ``leastSquares(_:_:)``.
public struct LeastSquaresSolution: Sendable {
    public var parameters: [Double]
    public var residuals: [Double]
    /// `sum r_i^2`.
    public var cost: Double
    public var iterations: Int
    public var residualEvaluations: Int
    /// Why the solver stopped: "small step", "small gradient", or a GSL message.
    public var stopReason: String
    /// The Jacobian `dr_i/dp_j` at the optimum, row major (residuals x parameters).
    public var jacobian: [Double]
    /// `(J^T J)^-1` in the parameters, row major; rows and columns of
    /// parameters the residuals do not determine are NaN.
    public var covariance: [Double]
    /// Whether each parameter is determined by the residuals.
    public var identified: [Bool]

    /// Standard errors: the square roots of the covariance's diagonal.
    public var standardErrors: [Double] {
        let p = parameters.count
        return (0..<p).map { covariance[$0 * p + $0].squareRoot() }
    }

    /// The correlation matrix, row major.
    public var correlations: [Double] {
        let p = parameters.count
        let se = standardErrors
        return (0..<(p * p)).map { k in covariance[k] / (se[k / p] * se[k % p]) }
    }
}

/// Errors of a fit.
public enum LeastSquaresError: Error, Equatable, CustomStringConvertible {
    case invalidBounds(index: Int, lower: Double, upper: Double, initial: Double)
    case tooFewResiduals(residuals: Int, parameters: Int)
    case residualsFailed(String)
    case allocationFailed

    public var description: String {
        switch self {
        case .invalidBounds(let i, let lo, let hi, let x):
            """
            parameter \(i): bounds [\(lo), \(hi)] must be finite with lower < upper, and the start \(x) strictly \
            inside
            """
        case .tooFewResiduals(let n, let p): "\(n) residuals cannot determine \(p) parameters"
        case .residualsFailed(let message): "the residuals could not be evaluated: \(message)"
        case .allocationFailed: "GSL could not allocate the least-squares workspace"
        }
    }
}

private final class FitContext {
    let problem: LeastSquaresProblem
    var parameters: [Double]
    var buffer: [Double]
    var evaluations = 0
    var failure: String?
    var progress: (@Sendable (Int, Double, Int, [Double]) -> Void)?

    /// The finite-difference step in the unbounded coordinates.
    var differenceStep = 1e-4

    init(_ problem: LeastSquaresProblem) {
        self.problem = problem
        parameters = problem.initial
        buffer = [Double](repeating: 0, count: problem.residualCount)
    }

    /// The parameters of `problem` at the unbounded coordinates `u`.
    static func map(_ u: [Double], _ problem: LeastSquaresProblem) -> [Double] {
        u.indices.map { j in problem.lower[j] + (problem.upper[j] - problem.lower[j]) / (1 + Double.exp(-u[j])) }
    }

    func map(_ u: [Double]) -> [Double] { Self.map(u, problem) }

    func toParameters(_ u: UnsafePointer<gsl_vector>) {
        parameters = map(parameters.indices.map { gsl_vector_get(u, $0) })
    }

    /// The first failure of the threads of a Jacobian.
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [String] = []
        func record(_ message: String) { lock.withLock { messages.append(message) } }
        var first: String? { lock.withLock { messages.first } }
    }
}

private let residualTrampoline:
    @convention(c) (UnsafePointer<gsl_vector>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<gsl_vector>?) -> Int32 =
        {
            u, params, f in
            let context = Unmanaged<FitContext>.fromOpaque(params!).takeUnretainedValue()
            context.evaluations += 1
            context.toParameters(u!)
            do {
                try context.problem.residuals(context.parameters, &context.buffer)
            } catch {
                context.failure = String(describing: error)
                return Int32(GSL_EBADFUNC)
            }
            for (i, value) in context.buffer.enumerated() {
                guard value.isFinite else {
                    context.failure = "residual \(i) is \(value) at parameters \(context.parameters)"
                    return Int32(GSL_EBADFUNC)
                }
                gsl_vector_set(f!, i, value)
            }
            return Int32(GSL_SUCCESS)
        }

/// The Jacobian in the unbounded coordinates by centred differences, as GSL's own
/// `GSL_MULTIFIT_NLINEAR_CTRDIFF` takes it (step h |u_j|, or h where u_j = 0; columns
/// (f(u + step/2) - f(u - step/2)) / step), its 2p residual evaluations spread over every core.
private let jacobianTrampoline:
    @convention(c) (UnsafePointer<gsl_vector>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<gsl_matrix>?) -> Int32 =
        { u, params, jacobian in
            let context = Unmanaged<FitContext>.fromOpaque(params!).takeUnretainedValue()
            let p = context.parameters.count
            let n = context.problem.residualCount
            let point = (0..<p).map { gsl_vector_get(u!, $0) }
            let h = context.differenceStep
            let steps = point.map { h * abs($0) == 0 ? h : h * abs($0) }
            let columns = UnsafeMutableBufferPointer<Double>.allocate(capacity: 2 * p * n)
            defer { columns.deallocate() }
            let failures = FitContext.Failures()
            nonisolated(unsafe) let shared = columns
            let problem = context.problem
            DispatchQueue.concurrentPerform(iterations: 2 * p) { k in
                var shifted = point
                let j = k / 2
                shifted[j] += (k % 2 == 0 ? 0.5 : -0.5) * steps[j]
                var residuals = [Double](repeating: 0, count: n)
                do {
                    try problem.residuals(FitContext.map(shifted, problem), &residuals)
                } catch {
                    failures.record(String(describing: error))
                    return
                }
                for i in 0..<n { shared[k * n + i] = residuals[i] }
            }
            context.evaluations += 2 * p
            if let failure = failures.first {
                context.failure = failure
                return Int32(GSL_EBADFUNC)
            }
            for j in 0..<p {
                // Times the reciprocal, as GSL's fdjac does: the same bits, so the same fit.
                let reciprocal = 1 / steps[j]
                for i in 0..<n {
                    let value = (columns[2 * j * n + i] - columns[(2 * j + 1) * n + i]) * reciprocal
                    guard value.isFinite else {
                        context.failure = "the Jacobian is not finite at parameters \(context.map(point))"
                        return Int32(GSL_EBADFUNC)
                    }
                    gsl_matrix_set(jacobian!, i, j, value)
                }
            }
            return Int32(GSL_SUCCESS)
        }

/// GSL's per-iteration callback: the progress of the fit.
private let iterationTrampoline:
    @convention(c) (Int, UnsafeMutableRawPointer?, UnsafePointer<gsl_multifit_nlinear_workspace>?) -> Void =
        { iteration, params, workspace in
            guard let params, let workspace, let f = gsl_multifit_nlinear_residual(workspace) else { return }
            let context = Unmanaged<FitContext>.fromOpaque(params).takeUnretainedValue()
            let residuals = (0..<context.problem.residualCount).map { gsl_vector_get(f, $0) }
            context.progress?(iteration, residuals.reduce(0) { $0 + $1 * $1 }, context.evaluations, residuals)
        }

/// Solves a bounded nonlinear least-squares problem with GSL's trust-region
/// solver (`gsl_multifit_nlinear`), the Jacobian by finite differences.
public func leastSquares(_ problem: LeastSquaresProblem, _ options: LeastSquaresOptions = LeastSquaresOptions()) throws
    -> LeastSquaresSolution
{
    _ = gsl_set_error_handler_off()
    let p = problem.initial.count
    let n = problem.residualCount
    guard n >= p else { throw LeastSquaresError.tooFewResiduals(residuals: n, parameters: p) }
    for j in 0..<p {
        let lo = problem.lower[j]
        let hi = problem.upper[j]
        let x = problem.initial[j]
        guard lo.isFinite, hi.isFinite, lo < hi, x > lo, x < hi else {
            throw LeastSquaresError.invalidBounds(index: j, lower: lo, upper: hi, initial: x)
        }
    }
    let context = FitContext(problem)
    context.differenceStep = options.differenceStep
    var parameters = gsl_multifit_nlinear_default_parameters()
    parameters.trs = options.method.gslType
    parameters.scale = cgsl_scale_more()
    parameters.solver = cgsl_solver_qr()
    parameters.fdtype = GSL_MULTIFIT_NLINEAR_CTRDIFF
    parameters.h_df = options.differenceStep
    guard let workspace = gsl_multifit_nlinear_alloc(cgsl_nlinear_trust(), &parameters, n, p) else {
        throw LeastSquaresError.allocationFailed
    }
    defer { gsl_multifit_nlinear_free(workspace) }
    let start = gsl_vector_alloc(p)!
    defer { gsl_vector_free(start) }
    for j in 0..<p {
        let fraction = (problem.initial[j] - problem.lower[j]) / (problem.upper[j] - problem.lower[j])
        gsl_vector_set(start, j, Double.log(fraction / (1 - fraction)))
    }
    var fdf = gsl_multifit_nlinear_fdf()
    fdf.f = residualTrampoline
    fdf.df = jacobianTrampoline
    fdf.fvv = nil
    fdf.n = n
    fdf.p = p
    fdf.params = Unmanaged.passUnretained(context).toOpaque()
    var status = gsl_multifit_nlinear_init(start, &fdf, workspace)
    var info: Int32 = 0
    if status == GSL_SUCCESS {
        context.progress = options.progress
        status = gsl_multifit_nlinear_driver(
            options.maxIterations, options.xtol, options.gtol, options.ftol,
            options.progress == nil ? nil : iterationTrampoline,
            fdf.params, &info, workspace)
    }
    if let failure = context.failure { throw LeastSquaresError.residualsFailed(failure) }
    let stopReason: String =
        status != GSL_SUCCESS
        ? String(cString: gsl_strerror(status))
        : info == 1 ? "small step" : info == 2 ? "small gradient" : "converged"

    // The optimum, its residuals, and the Jacobian in the parameters.
    let u = gsl_multifit_nlinear_position(workspace)!
    context.toParameters(u)
    let f = gsl_multifit_nlinear_residual(workspace)!
    let residuals = (0..<n).map { gsl_vector_get(f, $0) }
    // The Jacobian at the optimum, by central differences in the parameters
    // themselves (the workspace's copy may have been factorised in place).
    var jacobian = [Double](repeating: 0, count: n * p)
    var plus = [Double](repeating: 0, count: n)
    var minus = plus
    for j in 0..<p {
        let x = context.parameters[j]
        let h = options.differenceStep * (problem.upper[j] - problem.lower[j])
        var up = context.parameters
        var down = context.parameters
        up[j] = min(x + h, problem.upper[j])
        down[j] = max(x - h, problem.lower[j])
        do {
            try problem.residuals(up, &plus)
            try problem.residuals(down, &minus)
        } catch {
            throw LeastSquaresError.residualsFailed(String(describing: error))
        }
        context.evaluations += 2
        for i in 0..<n { jacobian[i * p + j] = (plus[i] - minus[i]) / (up[j] - down[j]) }
    }
    let (covariance, identified) = covarianceOf(jacobian, residuals: n, parameters: p)
    return LeastSquaresSolution(
        parameters: context.parameters, residuals: residuals, cost: residuals.reduce(0) { $0 + $1 * $1 },
        iterations: Int(gsl_multifit_nlinear_niter(workspace)), residualEvaluations: context.evaluations,
        stopReason: stopReason, jacobian: jacobian, covariance: covariance, identified: identified)
}

/// `(J^T J)^-1` by the singular value decomposition of the column-scaled J.
/// A parameter is not identified when it lies along a singular direction
/// whose singular value is below 1e-6 of the largest (its row and column of
/// the covariance are then NaN).
func covarianceOf(_ jacobian: [Double], residuals n: Int, parameters p: Int) -> ([Double], [Bool]) {
    let a = gsl_matrix_alloc(n, p)!
    let v = gsl_matrix_alloc(p, p)!
    let s = gsl_vector_alloc(p)!
    let work = gsl_vector_alloc(p)!
    defer {
        gsl_matrix_free(a)
        gsl_matrix_free(v)
        gsl_vector_free(s)
        gsl_vector_free(work)
    }
    // Scale the columns so that the test of small singular values does not
    // depend on the parameters' units.
    let scale = (0..<p).map { j -> Double in
        let norm = (0..<n).reduce(0) { $0 + jacobian[$1 * p + j] * jacobian[$1 * p + j] }.squareRoot()
        return norm > 0 ? norm : 1
    }
    for i in 0..<n { for j in 0..<p { gsl_matrix_set(a, i, j, jacobian[i * p + j] / scale[j]) } }
    var covariance = [Double](repeating: .nan, count: p * p)
    var identified = [Bool](repeating: false, count: p)
    guard gsl_linalg_SV_decomp(a, v, s, work) == GSL_SUCCESS else { return (covariance, identified) }
    let sigma = (0..<p).map { gsl_vector_get(s, $0) }
    let largest = sigma.max() ?? 0
    let kept = sigma.map { $0 > 1e-6 * largest && $0 > 0 }
    // A parameter is identified if it has (almost) no weight on dropped directions.
    for j in 0..<p {
        var dropped = 0.0
        for k in 0..<p where !kept[k] { dropped += gsl_matrix_get(v, j, k) * gsl_matrix_get(v, j, k) }
        identified[j] = dropped < 1e-6
    }
    for i in 0..<p where identified[i] {
        for j in 0..<p where identified[j] {
            var sum = 0.0
            for k in 0..<p where kept[k] {
                sum += gsl_matrix_get(v, i, k) * gsl_matrix_get(v, j, k) / (sigma[k] * sigma[k])
            }
            covariance[i * p + j] = sum / (scale[i] * scale[j])
        }
    }
    return (covariance, identified)
}
