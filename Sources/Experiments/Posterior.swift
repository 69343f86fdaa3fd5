import Dispatch
import Foundation
import RealModule
import Solvers

/// The posterior mode, and the curvature there that the sampler starts from.
public struct PosteriorMode: Sendable {
    public var values: [Double]
    public var posterior: PosteriorValue
    public var iterations: Int
    /// Log posterior evaluations of the search and of the curvature.
    public var evaluations: Int
    public var stopReason: String
    /// The inverse of the negative Hessian of the sampled log density at the mode, in the
    /// unbounded coordinates, row major: the sampler's first proposal.
    public var coordinateCovariance: [Double]
    /// The Laplace approximation's standard error of each parameter (NaN where the curvature is
    /// not positive: a parameter the data do not identify, or one at a bound).
    public var standardErrors: [Double]
    /// Whether the Hessian had to be shifted to be inverted.
    public var regularised: Bool
}

/// Settings of the sampler.
public struct SamplerSettings: Sendable, Equatable {
    public var chains = 4
    /// Iterations per chain spent adapting the proposal (discarded).
    public var warmup = 1000
    /// Iterations per chain after warm-up.
    public var draws = 1000
    /// Every `thin`-th iteration after warm-up is kept (1: all); the diagnostics read the kept ones.
    public var thin = 1
    public var seed: UInt64 = 1
    /// How far the chains start from the mode, in Laplace standard deviations: over-dispersed
    /// starts let R-hat see a chain that has not mixed.
    public var startSpread = 2.0

    public init() {}
}

/// The draws of the chains after warm-up.
public struct Chains: Sendable {
    public var keys: [String]
    /// `draws[chain][draw][parameter]`.
    public var draws: [[[Double]]]
    public var logPosterior: [[Double]]
    public var logLikelihood: [[Double]]
    /// Accepted share of the proposals after warm-up, per chain.
    public var acceptance: [Double]
    /// Proposals at which the model failed (rejected), per chain.
    public var failures: [Int]
    public var evaluations: Int

    /// Every chain's draws of parameter `j`.
    public func parameter(_ j: Int) -> [[Double]] { draws.map { $0.map { $0[j] } } }
}

/// A counter shared by the threads of a search.
final class EvaluationCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add(_ n: Int) { lock.withLock { count += n } }
    var value: Int { lock.withLock { count } }
}

extension Estimation {
    /// `f` at each of `points`, on every core.
    func values(_ points: [[Double]], _ f: @Sendable ([Double]) -> Double) -> [Double] {
        let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: points.count)
        defer { results.deallocate() }
        let slots = UncheckedBuffer(results)
        DispatchQueue.concurrentPerform(iterations: points.count) { k in slots.buffer[k] = f(points[k]) }
        return Array(results)
    }

    /// Finds the posterior mode from `start` (default ``startingValues()``) by BFGS in the unbounded
    /// coordinates, gradients by central differences on every core, then the curvature there.
    ///
    /// - Parameter curvature: false skips the Hessian (2n^2 evaluations): the standard errors are
    ///   NaN and the covariance the identity, for a mode that only forecasts.
    public func mode(
        from start: [Double]? = nil, maxIterations: Int = 200, curvature withCurvature: Bool = true,
        progress: (@Sendable (_ iteration: Int, _ logPosterior: Double) -> Void)? = nil
    ) throws -> PosteriorMode {
        let counter = EvaluationCounter()
        let x0 = try start ?? startingValues()
        let u0 = zip(parameters, x0).map { $0.coordinate($1) }
        let estimation = self
        @Sendable func f(_ u: [Double]) -> Double {
            -estimation.posterior(estimation.values(at: u)).logPosterior
        }
        do {
            _ = try evaluate(values(at: u0))
        } catch {
            throw EstimationError.startFailed("\(error)")
        }
        let h = 1e-4
        let value: @Sendable ([Double]) -> Double = { u in
            counter.add(1)
            return f(u)
        }
        let gradient: @Sendable ([Double]) -> (value: Double, gradient: [Double]) = { u in
            var points = [u]
            for j in u.indices {
                var up = u
                var down = u
                up[j] += h
                down[j] -= h
                points += [up, down]
            }
            counter.add(points.count)
            let v = estimation.values(points, f)
            let gradient = u.indices.map { j -> Double in
                let (a, b) = (v[1 + 2 * j], v[2 + 2 * j])
                if a.isFinite && b.isFinite { return (a - b) / (2 * h) }
                if a.isFinite { return (a - v[0]) / h }
                if b.isFinite { return (v[0] - b) / h }
                return 0
            }
            return (v[0], gradient)
        }
        let problem = MinimizationProblem(initial: u0, value: value, gradient: gradient)
        var options = MinimizationOptions()
        options.maxIterations = maxIterations
        options.gradientTolerance = 1e-3
        if let progress {
            options.progress = { @Sendable iteration, value in progress(iteration, -value) }
        }
        let result = try minimize(problem, options)
        let u = result.x
        let (covariance, regularised) =
            withCurvature
            ? curvature(at: u, counter: counter)
            : ((0..<(u.count * u.count)).map { $0 / u.count == $0 % u.count ? 1 : 0 }, true)
        let values = values(at: u)
        let errors = parameters.indices.map { j -> Double in
            let slope = Double.exp(parameters[j].logJacobian(u[j]))
            return regularised && covariance[j * u.count + j] >= 4
                ? .nan : covariance[j * u.count + j].squareRoot() * slope
        }
        return PosteriorMode(
            values: values, posterior: posterior(values), iterations: result.iterations, evaluations: counter.value,
            stopReason: result.stopReason, coordinateCovariance: covariance, standardErrors: errors,
            regularised: regularised)
    }

    /// The inverse negative Hessian of the sampled density (``logTarget(_:)``) at `u`, by second
    /// differences (step 0.01), shifted until positive definite and each variance capped at 4.
    func curvature(at u: [Double], counter: EvaluationCounter) -> (covariance: [Double], regularised: Bool) {
        let n = u.count
        let h = 1e-2
        var points = [u]
        for j in 0..<n {
            for s in [1.0, -1.0] {
                var p = u
                p[j] += s * h
                points.append(p)
            }
        }
        for j in 0..<n {
            for k in 0..<j {
                for (a, b) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
                    var p = u
                    p[j] += a * h
                    p[k] += b * h
                    points.append(p)
                }
            }
        }
        counter.add(points.count)
        let estimation = self
        let v = values(points) { -estimation.logTarget($0).value }
        var hessian = [Double](repeating: 0, count: n * n)
        for j in 0..<n { hessian[j * n + j] = (v[1 + 2 * j] - 2 * v[0] + v[2 + 2 * j]) / (h * h) }
        var next = 1 + 2 * n
        for j in 0..<n {
            for k in 0..<j {
                let value = (v[next] - v[next + 1] - v[next + 2] + v[next + 3]) / (4 * h * h)
                hessian[j * n + k] = value
                hessian[k * n + j] = value
                next += 4
            }
        }
        // Non-finite entries (a failing neighbour) say nothing of the curvature.
        for k in hessian.indices where !hessian[k].isFinite { hessian[k] = k / n == k % n ? 1 : 0 }
        var shift = 0.0
        let largest = (0..<n).map { abs(hessian[$0 * n + $0]) }.max() ?? 1
        while true {
            var shifted = hessian
            for j in 0..<n { shifted[j * n + j] += shift }
            if let inverse = SymmetricMatrix.inverse(shifted, n) {
                var covariance = inverse
                var capped = false
                for j in 0..<n where covariance[j * n + j] > 4 {
                    let factor = (4 / covariance[j * n + j]).squareRoot()
                    for k in 0..<n {
                        covariance[j * n + k] *= factor
                        covariance[k * n + j] *= factor
                    }
                    capped = true
                }
                return (covariance, shift > 0 || capped)
            }
            shift = shift == 0 ? max(1e-6 * largest, 1e-6) : shift * 10
        }
    }

    /// Runs `settings.chains` adaptive Metropolis chains in the unbounded coordinates, one per
    /// core at a time, each started over-dispersed around the mode. During warm-up the proposal's
    /// covariance is re-estimated from the chain's own draws (at iterations 100, 200, 400, ...)
    /// and its scale tuned towards an acceptance of 0.234 (Roberts, Gelman and Gilks 1997); after
    /// warm-up it is fixed, so the kept draws are a Markov chain with the posterior as its limit.
    public func sample(
        mode: PosteriorMode, settings: SamplerSettings,
        progress: (@Sendable (_ chain: Int, _ iteration: Int, _ acceptance: Double) -> Void)? = nil
    ) throws -> Chains {
        let n = parameters.count
        let uMode = zip(parameters, mode.values).map { $0.coordinate($1) }
        guard let modeFactor = SymmetricMatrix.cholesky(mode.coordinateCovariance, n) else {
            throw EstimationError.invalid("the mode's covariance is not positive definite")
        }
        let counter = EvaluationCounter()
        let lock = NSLock()
        var results = [ChainResult?](repeating: nil, count: settings.chains)
        let estimation = self
        let box = UncheckedBox(results)
        DispatchQueue.concurrentPerform(iterations: settings.chains) { chain in
            var rng = SeededGenerator(seed: settings.seed &+ UInt64(chain) &* 0x9E37_79B9_7F4A_7C15)
            let result = estimation.chain(
                chain, from: uMode, factor: modeFactor, covariance: mode.coordinateCovariance, settings: settings,
                rng: &rng, counter: counter, progress: progress)
            lock.withLock { box.value[chain] = result }
        }
        results = box.value
        let done = results.compactMap { $0 }
        if let failed = done.first(where: { $0.startFailure != nil }) {
            throw EstimationError.startFailed(failed.startFailure!)
        }
        return Chains(
            keys: parameters.map(\.key), draws: done.map(\.draws), logPosterior: done.map(\.logPosterior),
            logLikelihood: done.map(\.logLikelihood), acceptance: done.map(\.acceptance),
            failures: done.map(\.failures), evaluations: counter.value)
    }

    struct ChainResult {
        var draws: [[Double]] = []
        var logPosterior: [Double] = []
        var logLikelihood: [Double] = []
        var acceptance = 0.0
        var failures = 0
        var startFailure: String?
    }

    func chain(
        _ chain: Int, from uMode: [Double], factor: [Double], covariance modeCovariance: [Double],
        settings: SamplerSettings, rng: inout SeededGenerator, counter: EvaluationCounter,
        progress: (@Sendable (Int, Int, Double) -> Void)?
    ) -> ChainResult {
        let n = uMode.count
        var result = ChainResult()
        func normals() -> [Double] { (0..<n).map { _ in inverseNormal(rng.unit()) } }
        // An over-dispersed start where the model solves.
        var u = uMode
        var current = logTarget(u)
        counter.add(1)
        for attempt in 0..<100 {
            let spread = settings.startSpread / Double(1 + attempt / 20)
            let candidate = zip(uMode, SymmetricMatrix.multiply(factor, normals(), n)).map { $0 + spread * $1 }
            let value = logTarget(candidate)
            counter.add(1)
            if value.value.isFinite {
                (u, current) = (candidate, value)
                break
            }
        }
        guard current.value.isFinite else {
            result.startFailure = "chain \(chain + 1): no start within the spread of the mode solves the model"
            return result
        }
        var proposalFactor = factor
        var logScale = Double.log(2.38 * 2.38 / Double(n))
        var window: [[Double]] = []
        var nextAdaptation = 100
        var accepted = 0
        let total = settings.warmup + settings.draws
        for iteration in 0..<total {
            let step = SymmetricMatrix.multiply(proposalFactor, normals(), n)
            let scale = Double.exp(0.5 * logScale)
            let candidate = zip(u, step).map { $0 + scale * $1 }
            let proposed = logTarget(candidate)
            counter.add(1)
            if !proposed.value.isFinite && iteration >= settings.warmup { result.failures += 1 }
            let ratio = proposed.value.isFinite ? min(1, Double.exp(proposed.value - current.value)) : 0
            if rng.unit() < ratio {
                (u, current) = (candidate, proposed)
                if iteration >= settings.warmup { accepted += 1 }
            }
            if iteration < settings.warmup {
                logScale += (ratio - 0.234) / Double.pow(Double(iteration + 1), 0.6)
                window.append(u)
                if iteration + 1 == nextAdaptation, iteration + 1 < settings.warmup {
                    // The covariance of the window's second half, shrunk towards the mode's.
                    let recent = Array(window.suffix(window.count / 2))
                    let m = Double(recent.count)
                    let mean = (0..<n).map { j in recent.reduce(0) { $0 + $1[j] } / m }
                    var blended = [Double](repeating: 0, count: n * n)
                    for j in 0..<n {
                        for k in 0...j {
                            let c = recent.reduce(0) { $0 + ($1[j] - mean[j]) * ($1[k] - mean[k]) } / max(m - 1, 1)
                            let value = (m * c + 10 * modeCovariance[j * n + k]) / (m + 10) + (j == k ? 1e-10 : 0)
                            blended[j * n + k] = value
                            blended[k * n + j] = value
                        }
                    }
                    if let f = SymmetricMatrix.cholesky(blended, n) { proposalFactor = f }
                    nextAdaptation *= 2
                }
            } else if (iteration - settings.warmup) % settings.thin == settings.thin - 1 {
                result.draws.append(values(at: u))
                result.logPosterior.append(current.posterior.logPosterior)
                result.logLikelihood.append(current.posterior.logLikelihood)
            }
            if (iteration + 1) % 100 == 0 {
                let kept = iteration + 1 - settings.warmup
                progress?(chain, iteration + 1, kept > 0 ? Double(accepted) / Double(kept) : -1)
            }
        }
        result.acceptance = settings.draws > 0 ? Double(accepted) / Double(settings.draws) : 0
        return result
    }
}

/// Storage written by concurrent iterations at distinct indices.
struct UncheckedBuffer: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Double>
    init(_ buffer: UnsafeMutableBufferPointer<Double>) { self.buffer = buffer }
}

/// A value written under a lock by concurrent iterations.
final class UncheckedBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Cholesky factors and inverses of small dense symmetric matrices (row major). Written here
/// rather than taken from GSL because only the Solvers module touches C and these are at most a
/// few dozen rows, factorised a few times per chain.
enum SymmetricMatrix {
    /// The lower factor L with L L^T = a, or nil when a is not positive definite.
    static func cholesky(_ a: [Double], _ n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var d = a[j * n + j]
            for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
            guard d > 0, d.isFinite else { return nil }
            let root = d.squareRoot()
            l[j * n + j] = root
            for i in (j + 1)..<max(j + 1, n) {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = s / root
            }
        }
        return l
    }

    /// L z for a lower-triangular L.
    static func multiply(_ l: [Double], _ z: [Double], _ n: Int) -> [Double] {
        (0..<n).map { i in (0...i).reduce(0) { $0 + l[i * n + $1] * z[$1] } }
    }

    /// The inverse of a positive definite a, or nil.
    static func inverse(_ a: [Double], _ n: Int) -> [Double]? {
        guard let l = cholesky(a, n) else { return nil }
        var inverse = [Double](repeating: 0, count: n * n)
        for column in 0..<n {
            // Solve L y = e_column, then L^T x = y.
            var y = [Double](repeating: 0, count: n)
            for i in 0..<n {
                var s = i == column ? 1.0 : 0.0
                for k in 0..<i { s -= l[i * n + k] * y[k] }
                y[i] = s / l[i * n + i]
            }
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = y[i]
                for k in (i + 1)..<max(i + 1, n) { s -= l[k * n + i] * inverse[k * n + column] }
                inverse[i * n + column] = s / l[i * n + i]
            }
        }
        return inverse
    }
}
