import RealModule

/// A small, seeded generator (SplitMix64): the same draws on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1), never exactly 0 or 1.
    public mutating func unit() -> Double {
        (Double(next() >> 11) + 0.5) / Double(1 << 53)
    }
}

/// How one swept parameter is drawn.
public enum SweepDistribution: Sendable, Equatable {
    /// The listed values (a grid dimension).
    case values([Double])
    case uniform(lower: Double, upper: Double)
    case normal(mean: Double, sd: Double)
    /// `exp` of a normal with these mean and sd of the logarithm.
    case logNormal(logMean: Double, logSD: Double)

    /// The value at probability `u` in (0, 1).
    public func quantile(_ u: Double) -> Double {
        switch self {
        case .values(let list): list[min(Int(u * Double(list.count)), list.count - 1)]
        case .uniform(let lower, let upper): lower + u * (upper - lower)
        case .normal(let mean, let sd): mean + sd * inverseNormal(u)
        case .logNormal(let mu, let sigma): Double.exp(mu + sigma * inverseNormal(u))
        }
    }
}

/// The standard normal quantile by Acklam's rational approximation
/// (relative error below 1.15e-9 over (0, 1)).
public func inverseNormal(_ p: Double) -> Double {
    let a = [
        -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
        -3.066479806614716e+01, 2.506628277459239e+00,
    ]
    let b = [
        -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
        -1.328068155288572e+01,
    ]
    let c = [
        -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
        4.374664141464968e+00, 2.938163982698783e+00,
    ]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let low = 0.02425
    var x: Double
    if p < low {
        let q = (-2 * Double.log(p)).squareRoot()
        x =
            (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    } else if p <= 1 - low {
        let q = p - 0.5
        let r = q * q
        x =
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    } else {
        let q = (-2 * Double.log(1 - p)).squareRoot()
        x =
            -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    return x
}

/// The design of a sweep: which parameters, how drawn, how many runs.
public enum SweepDesign: Sendable, Equatable {
    /// Every combination of the listed values.
    case grid
    /// Independent draws.
    case random(draws: Int, seed: UInt64)
    /// A Latin hypercube: each parameter's range cut into `draws` strata,
    /// one draw in each, the strata paired by seeded permutations.
    case latinHypercube(draws: Int, seed: UInt64)
    /// Saltelli's design for Sobol indices: base matrices A and B of
    /// `baseDraws` rows, and for each parameter i the matrix A with column i
    /// from B. Run `j * (k + 2)` is A's row j, the next is B's, then A_B^i.
    case saltelli(baseDraws: Int, seed: UInt64)
    /// Elasticities at the baseline: run 0 is the baseline (each parameter's
    /// first listed value), runs 2i + 1 and 2i + 2 move parameter i up and
    /// down by the relative `step`.
    case elasticity(step: Double)
    /// The given points, run by run: draws of a posterior (`liquidity estimate`'s draws.csv), named
    /// by where they come from.
    case listed(points: [[Double]], from: String)
}

/// The parameter values of every run of a sweep, run by run.
public func sweepPoints(_ parameters: [(key: String, distribution: SweepDistribution)], design: SweepDesign)
    -> [[Double]]
{
    switch design {
    case .listed(let points, _):
        return points
    case .grid:
        var points: [[Double]] = [[]]
        for (_, distribution) in parameters {
            guard case .values(let list) = distribution else { return [] }
            points = points.flatMap { prefix in list.map { prefix + [$0] } }
        }
        return points
    case .random(let draws, let seed):
        var generator = SeededGenerator(seed: seed)
        return (0..<draws).map { _ in parameters.map { $0.distribution.quantile(generator.unit()) } }
    case .latinHypercube(let draws, let seed):
        var generator = SeededGenerator(seed: seed)
        let columns = parameters.map { parameter -> [Double] in
            var strata = Array(0..<draws)
            strata.shuffle(using: &generator)
            return strata.map { parameter.distribution.quantile((Double($0) + generator.unit()) / Double(draws)) }
        }
        return (0..<draws).map { i in columns.map { $0[i] } }
    case .elasticity(let step):
        let base = parameters.map { $0.distribution.quantile(0) }
        var points = [base]
        for i in parameters.indices {
            var up = base
            var down = base
            up[i] *= 1 + step
            down[i] *= 1 - step
            points += [up, down]
        }
        return points
    case .saltelli(let draws, let seed):
        var generator = SeededGenerator(seed: seed)
        var points: [[Double]] = []
        for _ in 0..<draws {
            let a = parameters.map { $0.distribution.quantile(generator.unit()) }
            let b = parameters.map { $0.distribution.quantile(generator.unit()) }
            points += [a, b]
            for i in parameters.indices {
                var mixed = a
                mixed[i] = b[i]
                points.append(mixed)
            }
        }
        return points
    }
}

/// First-order and total Sobol indices from a Saltelli design: `fA[j]`,
/// `fB[j]` and `fAB[i][j]` are the outcome at A's, B's and A_B^i's row j.
/// First order by Saltelli et al. (2010) with fB centred, total by Jansen
/// (1999): `S_i = mean((fB - m) (fAB_i - fA)) / V`,
/// `ST_i = mean((fA - fAB_i)^2) / (2V)`; m and V the mean and variance of fA
/// and fB together.
public func sobolIndices(fA: [Double], fB: [Double], fAB: [[Double]]) -> (first: [Double], total: [Double]) {
    let n = Double(fA.count)
    let all = fA + fB
    let mean = all.reduce(0, +) / Double(all.count)
    let variance = all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count)
    guard variance > 0 else { return (fAB.map { _ in 0 }, fAB.map { _ in 0 }) }
    // fB centred on the mean: the same expectation (E[fAB - fA] = 0) without
    // the noise a large mean adds to the plain estimator.
    let first = fAB.map { ab in
        zip(zip(fB, ab), fA).reduce(0) { $0 + ($1.0.0 - mean) * ($1.0.1 - $1.1) } / n / variance
    }
    let total = fAB.map { ab in zip(fA, ab).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / (2 * n) / variance }
    return (first, total)
}

/// 95% bootstrap intervals of the Sobol indices: the base rows resampled
/// with replacement `resamples` times (seeded), the 2.5th and 97.5th
/// percentiles of each index.
public func sobolIntervals(fA: [Double], fB: [Double], fAB: [[Double]], resamples: Int = 200, seed: UInt64 = 1)
    -> (first: [(Double, Double)], total: [(Double, Double)])
{
    var generator = SeededGenerator(seed: seed)
    let n = fA.count
    var firsts = [[Double]](repeating: [], count: fAB.count)
    var totals = firsts
    for _ in 0..<resamples {
        let rows = (0..<n).map { _ in Int(generator.unit() * Double(n)) }
        let (first, total) = sobolIndices(
            fA: rows.map { fA[$0] }, fB: rows.map { fB[$0] }, fAB: fAB.map { ab in rows.map { ab[$0] } })
        for i in fAB.indices {
            firsts[i].append(first[i])
            totals[i].append(total[i])
        }
    }
    func interval(_ values: [Double]) -> (Double, Double) {
        let sorted = values.sorted()
        return (
            sorted[Int(0.025 * Double(sorted.count))], sorted[min(Int(0.975 * Double(sorted.count)), sorted.count - 1)]
        )
    }
    return (firsts.map(interval), totals.map(interval))
}
