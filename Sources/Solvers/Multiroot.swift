import CGSL

/// A square system `f(x) = 0` of n equations in n unknowns.
public struct RootProblem: Sendable {
    public var initial: [Double]
    /// Writes `f(x)` into `f`; throwing stops the search.
    public var residuals: @Sendable (_ x: [Double], _ f: inout [Double]) throws -> Void
    /// Writes the exact Jacobian `df_i/dx_j` at `x` into `jacobian`, row major; nil: GSL's
    /// `hybrids` estimates it by finite differences.
    public var jacobian: (@Sendable (_ x: [Double], _ jacobian: inout [Double]) throws -> Void)?

    public init(
        initial: [Double], residuals: @escaping @Sendable (_ x: [Double], _ f: inout [Double]) throws -> Void,
        jacobian: (@Sendable (_ x: [Double], _ jacobian: inout [Double]) throws -> Void)? = nil
    ) {
        self.initial = initial
        self.residuals = residuals
        self.jacobian = jacobian
    }
}

/// GSL's root finders (`gsl_multiroot`): Powell's hybrid method, scaled, without a Jacobian
/// (`hybrids`) or with one (`hybridsj`), and Newton's method with one (`newton`).
public enum RootMethod: String, CaseIterable, Sendable {
    case hybrids, hybridsj, newton
}

/// Settings of ``findRoot(_:_:)``.
public struct RootOptions: Sendable {
    /// `hybrids` without a Jacobian; with one, `hybridsj` unless `newton` is asked for.
    public var method: RootMethod?
    public var maxIterations = 200
    /// Converged when `|f_i(x)| <= tolerance[i]` for every equation (one value: for all).
    public var tolerance: [Double] = [1e-10]

    public init() {}
}

/// The result of ``findRoot(_:_:)``.
public struct RootSolution: Sendable {
    public var x: [Double]
    public var residuals: [Double]
    public var iterations: Int
}

/// Why ``findRoot(_:_:)`` found no root.
public enum RootError: Error, Equatable, CustomStringConvertible {
    /// The residuals could not be computed (the message of what threw).
    case residualsFailed(String)
    /// The residuals are not finite at the start.
    case nonFinite(x: [Double])
    /// The iterations ended without meeting the tolerance: GSL's reason, the last point and its residuals.
    case notConverged(reason: String, x: [Double], residuals: [Double])
    case allocationFailed

    public var description: String {
        switch self {
        case .residualsFailed(let message): "the equations could not be evaluated: \(message)"
        case .nonFinite(let x): "the equations are not finite at the start \(x)"
        case .notConverged(let reason, _, let f): "no root found (\(reason)); residuals \(f)"
        case .allocationFailed: "GSL could not allocate the root finder"
        }
    }
}

private final class RootContext {
    let problem: RootProblem
    var failure: String?
    init(_ problem: RootProblem) { self.problem = problem }
    var n: Int { problem.initial.count }

    func point(_ v: UnsafePointer<gsl_vector>) -> [Double] { (0..<n).map { gsl_vector_get(v, $0) } }

    func residuals(_ v: UnsafePointer<gsl_vector>, into out: UnsafeMutablePointer<gsl_vector>) -> Int32 {
        do {
            var f = [Double](repeating: .nan, count: n)
            try problem.residuals(point(v), &f)
            for (i, value) in f.enumerated() { gsl_vector_set(out, i, value) }
            return f.allSatisfy(\.isFinite) ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
        } catch {
            failure = String(describing: error)
            return Int32(GSL_EBADFUNC)
        }
    }

    func jacobian(_ v: UnsafePointer<gsl_vector>, into out: UnsafeMutablePointer<gsl_matrix>) -> Int32 {
        do {
            var j = [Double](repeating: .nan, count: n * n)
            try problem.jacobian!(point(v), &j)
            for (k, value) in j.enumerated() { gsl_matrix_set(out, k / n, k % n, value) }
            return j.allSatisfy(\.isFinite) ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
        } catch {
            failure = String(describing: error)
            return Int32(GSL_EBADFUNC)
        }
    }
}

private func rootContext(_ params: UnsafeMutableRawPointer?) -> RootContext {
    Unmanaged<RootContext>.fromOpaque(params!).takeUnretainedValue()
}

private let rootF:
    @convention(c) (UnsafePointer<gsl_vector>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<gsl_vector>?) -> Int32 =
        { x, params, f in rootContext(params).residuals(x!, into: f!) }
private let rootJ:
    @convention(c) (UnsafePointer<gsl_vector>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<gsl_matrix>?) -> Int32 =
        { x, params, j in rootContext(params).jacobian(x!, into: j!) }
private let rootFJ:
    @convention(c) (
        UnsafePointer<gsl_vector>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<gsl_vector>?,
        UnsafeMutablePointer<gsl_matrix>?
    ) -> Int32 = { x, params, f, j in
        let context = rootContext(params)
        let status = context.residuals(x!, into: f!)
        return status == GSL_SUCCESS ? context.jacobian(x!, into: j!) : status
    }

/// Solves `f(x) = 0` with GSL's `gsl_multiroot` solvers.
public func findRoot(_ problem: RootProblem, _ options: RootOptions = RootOptions()) throws -> RootSolution {
    _ = gsl_set_error_handler_off()
    let n = problem.initial.count
    let context = RootContext(problem)
    let tolerance = options.tolerance.count == n ? options.tolerance : Array(repeating: options.tolerance[0], count: n)
    var f = [Double](repeating: .nan, count: n)
    try problem.residuals(problem.initial, &f)
    guard f.allSatisfy(\.isFinite) else { throw RootError.nonFinite(x: problem.initial) }
    if zip(f, tolerance).allSatisfy({ abs($0) <= $1 }) {
        return RootSolution(x: problem.initial, residuals: f, iterations: 0)
    }
    guard let start = gsl_vector_alloc(n) else { throw RootError.allocationFailed }
    defer { gsl_vector_free(start) }
    for (j, x) in problem.initial.enumerated() { gsl_vector_set(start, j, x) }
    let params = Unmanaged.passUnretained(context).toOpaque()

    // The solver's three calls, whichever kind it is.
    let iterate: () -> Int32
    let root: () -> UnsafeMutablePointer<gsl_vector>
    let value: () -> UnsafeMutablePointer<gsl_vector>
    let free: () -> Void
    var status: Int32
    var function = gsl_multiroot_function(f: rootF, n: n, params: params)
    var withJacobian = gsl_multiroot_function_fdf(f: rootF, df: rootJ, fdf: rootFJ, n: n, params: params)
    if problem.jacobian == nil {
        guard let s = gsl_multiroot_fsolver_alloc(cgsl_multiroot_hybrids(), n) else {
            throw RootError.allocationFailed
        }
        status = gsl_multiroot_fsolver_set(s, &function, start)
        (iterate, root, value) = ({ gsl_multiroot_fsolver_iterate(s) }, { s.pointee.x }, { s.pointee.f })
        free = { gsl_multiroot_fsolver_free(s) }
    } else {
        let type = options.method == .newton ? cgsl_multiroot_newton() : cgsl_multiroot_hybridsj()
        guard let s = gsl_multiroot_fdfsolver_alloc(type, n) else { throw RootError.allocationFailed }
        status = gsl_multiroot_fdfsolver_set(s, &withJacobian, start)
        (iterate, root, value) = ({ gsl_multiroot_fdfsolver_iterate(s) }, { s.pointee.x }, { s.pointee.f })
        free = { gsl_multiroot_fdfsolver_free(s) }
    }
    defer { free() }
    var iterations = 0
    while true {
        if let failure = context.failure { throw RootError.residualsFailed(failure) }
        let residuals = context.point(value())
        if status == GSL_SUCCESS, zip(residuals, tolerance).allSatisfy({ abs($0) <= $1 }) {
            return RootSolution(x: context.point(root()), residuals: residuals, iterations: iterations)
        }
        guard status == GSL_SUCCESS, iterations < options.maxIterations else { break }
        iterations += 1
        status = iterate()
    }
    let reason =
        status == GSL_SUCCESS ? "iteration limit \(options.maxIterations)" : String(cString: gsl_strerror(status))
    throw RootError.notConverged(reason: reason, x: context.point(root()), residuals: context.point(value()))
}
