import RealModule

/// A prior density of one estimated parameter, truncated to its bounds. Each is given by its
/// mean and standard deviation in the parameter's own units, as Dynare's `estimated_params`
/// gives them; the beta is the one on the parameter's bounds.
public enum Prior: Sendable, Equatable, CustomStringConvertible {
    case normal(mean: Double, sd: Double)
    /// The parameter's logarithm is normal; mean and sd are the parameter's.
    case logNormal(mean: Double, sd: Double)
    case gamma(mean: Double, sd: Double)
    /// A beta on [lower, upper] with this mean and sd.
    case beta(mean: Double, sd: Double)
    /// Flat on [lower, upper].
    case uniform

    /// The names a fit file may give.
    public static let names = ["normal", "lognormal", "gamma", "beta", "uniform"]

    public var name: String {
        switch self {
        case .normal: "normal"
        case .logNormal: "lognormal"
        case .gamma: "gamma"
        case .beta: "beta"
        case .uniform: "uniform"
        }
    }

    /// The mean and sd the prior was given by; nil for a uniform (its bounds are all it has).
    public var moments: (mean: Double, sd: Double)? {
        switch self {
        case .normal(let m, let s), .logNormal(let m, let s), .gamma(let m, let s), .beta(let m, let s): (m, s)
        case .uniform: nil
        }
    }

    public var description: String {
        moments.map { "\(name)(mean \($0.mean), sd \($0.sd))" } ?? "uniform"
    }

    /// Why this prior cannot be used on [lower, upper], or nil.
    public func problem(lower: Double, upper: Double) -> String? {
        guard let (m, s) = moments else { return nil }
        guard m.isFinite, s.isFinite, s > 0 else { return "mean and sd must be finite, sd > 0" }
        switch self {
        case .logNormal, .gamma:
            guard m > 0, lower >= 0 else { return "\(name) is for positive parameters: mean > 0 and lower >= 0" }
        case .beta:
            guard m > lower, m < upper, s * s < (m - lower) * (upper - m) else {
                return """
                    a beta on [\(lower), \(upper)] needs lower < mean < upper and sd^2 < (mean - lower)(upper \
                    - mean)
                    """
            }
        default: break
        }
        return nil
    }

    /// The log density at `x` up to a constant; -infinity outside [lower, upper].
    public func logDensity(_ x: Double, lower: Double, upper: Double) -> Double {
        guard x >= lower, x <= upper else { return -.infinity }
        switch self {
        case .uniform:
            return 0
        case .normal(let m, let s):
            return -0.5 * ((x - m) / s) * ((x - m) / s)
        case .logNormal(let m, let s):
            guard x > 0 else { return -.infinity }
            let (mu, sigma) = Self.logNormalParameters(mean: m, sd: s)
            let z = (Double.log(x) - mu) / sigma
            return -Double.log(x) - 0.5 * z * z
        case .gamma(let m, let s):
            guard x > 0 else { return -.infinity }
            let shape = m * m / (s * s)
            return (shape - 1) * Double.log(x) - x * m / (s * s)
        case .beta(let m, let s):
            let (a, b) = Self.betaShapes(mean: m, sd: s, lower: lower, upper: upper)
            let z = (x - lower) / (upper - lower)
            guard z > 0, z < 1 else { return a == 1 && b == 1 ? 0 : -.infinity }
            return (a - 1) * Double.log(z) + (b - 1) * Double.log(1 - z)
        }
    }

    /// A draw within [lower, upper] (by rejection; uniform when the prior puts almost no mass there).
    public func draw(lower: Double, upper: Double, using rng: inout SeededGenerator) -> Double {
        for _ in 0..<10_000 {
            let x: Double
            switch self {
            case .uniform: return lower + rng.unit() * (upper - lower)
            case .normal(let m, let s): x = m + s * inverseNormal(rng.unit())
            case .logNormal(let m, let s):
                let (mu, sigma) = Self.logNormalParameters(mean: m, sd: s)
                x = Double.exp(mu + sigma * inverseNormal(rng.unit()))
            case .gamma(let m, let s): x = Self.gammaDraw(shape: m * m / (s * s), using: &rng) * s * s / m
            case .beta(let m, let s):
                let (a, b) = Self.betaShapes(mean: m, sd: s, lower: lower, upper: upper)
                let ga = Self.gammaDraw(shape: a, using: &rng)
                let gb = Self.gammaDraw(shape: b, using: &rng)
                x = lower + (upper - lower) * ga / (ga + gb)
            }
            if x >= lower, x <= upper { return x }
        }
        return lower + rng.unit() * (upper - lower)
    }

    static func logNormalParameters(mean m: Double, sd s: Double) -> (mu: Double, sigma: Double) {
        let variance = Double.log(1 + s * s / (m * m))
        return (Double.log(m) - 0.5 * variance, variance.squareRoot())
    }

    static func betaShapes(mean m: Double, sd s: Double, lower: Double, upper: Double) -> (a: Double, b: Double) {
        let mz = (m - lower) / (upper - lower)
        let sz = s / (upper - lower)
        let nu = mz * (1 - mz) / (sz * sz) - 1
        return (mz * nu, (1 - mz) * nu)
    }

    /// Marsaglia and Tsang's method (shape < 1 through the boost u^(1/shape)).
    static func gammaDraw(shape: Double, using rng: inout SeededGenerator) -> Double {
        if shape < 1 { return gammaDraw(shape: shape + 1, using: &rng) * Double.pow(rng.unit(), 1 / shape) }
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            let z = inverseNormal(rng.unit())
            let v = Double.pow(1 + c * z, 3)
            guard v > 0 else { continue }
            let u = rng.unit()
            if Double.log(u) < 0.5 * z * z + d - d * v + d * Double.log(v) { return d * v }
        }
    }
}
