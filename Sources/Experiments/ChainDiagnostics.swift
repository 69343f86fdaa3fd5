import RealModule

/// Convergence diagnostics of MCMC draws, as Vehtari, Gelman, Simpson, Carpenter and Bürkner
/// (2021, "Rank-normalization, folding, and localization") define them and Stan reports them.
public enum ChainDiagnostics {
    /// Each chain cut into its two halves.
    static func split(_ chains: [[Double]]) -> [[Double]] {
        chains.flatMap { chain -> [[Double]] in
            let half = chain.count / 2
            return [Array(chain[0..<half]), Array(chain[(chain.count - half)...])]
        }
    }

    /// The draws replaced by the normal quantiles of their pooled ranks ((r - 3/8) / (S + 1/4)), ties averaged.
    static func rankNormalized(_ chains: [[Double]]) -> [[Double]] {
        let pooled = chains.enumerated().flatMap { c, chain in chain.enumerated().map { (c, $0.offset, $0.element) } }
        let order = pooled.indices.sorted { pooled[$0].2 < pooled[$1].2 }
        var ranks = [Double](repeating: 0, count: pooled.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && pooled[order[j + 1]].2 == pooled[order[i]].2 { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        var result = chains.map { [Double](repeating: 0, count: $0.count) }
        let s = Double(pooled.count)
        for (k, (c, d, _)) in pooled.enumerated() { result[c][d] = inverseNormal((ranks[k] - 0.375) / (s + 0.25)) }
        return result
    }

    /// The classic potential scale reduction of equal-length chains.
    static func rHat(_ chains: [[Double]]) -> Double {
        let m = Double(chains.count)
        let n = Double(chains[0].count)
        let means = chains.map { $0.reduce(0, +) / n }
        let grand = means.reduce(0, +) / m
        let between = n / (m - 1) * means.reduce(0) { $0 + ($1 - grand) * ($1 - grand) }
        let within =
            zip(chains, means).reduce(0) { total, pair in
                total + pair.0.reduce(0) { $0 + ($1 - pair.1) * ($1 - pair.1) } / (n - 1)
            } / m
        guard within > 0 else { return between > 0 ? .infinity : 1 }
        return (((n - 1) / n * within + between / n) / within).squareRoot()
    }

    /// The rank-normalised split R-hat: the larger of the bulk's and the folded draws' (|x - median|),
    /// so that chains differing in location or in scale both show. Below 1.01 is converged.
    public static func splitRHat(_ chains: [[Double]]) -> Double {
        let halves = split(chains)
        guard halves.count >= 2, halves[0].count >= 2 else { return .nan }
        let pooled = halves.flatMap { $0 }.sorted()
        let median = pooled[pooled.count / 2]
        let folded = halves.map { $0.map { abs($0 - median) } }
        return max(rHat(rankNormalized(halves)), rHat(rankNormalized(folded)))
    }

    /// The bulk effective sample size: of the rank-normalised split chains, autocorrelations
    /// combined across chains and summed by Geyer's initial monotone sequence.
    public static func bulkESS(_ chains: [[Double]]) -> Double {
        let halves = rankNormalized(split(chains))
        guard halves.count >= 2, halves[0].count >= 4 else { return .nan }
        return effectiveSize(halves)
    }

    static func effectiveSize(_ chains: [[Double]]) -> Double {
        let m = Double(chains.count)
        let n = chains[0].count
        let means = chains.map { $0.reduce(0, +) / Double(n) }
        let variances = zip(chains, means).map { chain, mean in
            chain.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        }
        let within = variances.reduce(0, +) / m
        let grand = means.reduce(0, +) / m
        let between = Double(n) / (m - 1) * means.reduce(0) { $0 + ($1 - grand) * ($1 - grand) }
        let varPlus = Double(n - 1) / Double(n) * within + between / Double(n)
        guard varPlus > 0 else { return .nan }
        func autocovariance(_ lag: Int) -> Double {
            zip(chains, means).reduce(0) { total, pair in
                let (chain, mean) = pair
                var s = 0.0
                for t in 0..<(n - lag) { s += (chain[t] - mean) * (chain[t + lag] - mean) }
                return total + s / Double(n)
            } / m
        }
        func rho(_ lag: Int) -> Double { 1 - (within - autocovariance(lag)) / varPlus }
        // Geyer: sums of adjacent pairs, while positive, made monotone.
        var sum = 0.0
        var previous = Double.infinity
        var lag = 0
        while lag + 1 < n {
            var pair = (lag == 0 ? 1 : rho(lag)) + rho(lag + 1)
            guard pair > 0 else { break }
            pair = min(pair, previous)
            previous = pair
            sum += pair
            lag += 2
        }
        let tau = max(-1 + 2 * sum, 1 / Double.log10(m * Double(n)))
        return m * Double(n) / tau
    }

    /// The q-quantile of `values` (linear between order statistics).
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
    }

    /// The correlation of two equally long series.
    public static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n
        let mb = b.reduce(0, +) / n
        var (sab, saa, sbb) = (0.0, 0.0, 0.0)
        for (x, y) in zip(a, b) {
            sab += (x - ma) * (y - mb)
            saa += (x - ma) * (x - ma)
            sbb += (y - mb) * (y - mb)
        }
        return sab / (saa * sbb).squareRoot()
    }
}

/// What the draws say of one parameter.
public struct ParameterSummary: Sendable {
    public var parameter: EstimatedParameter
    public var mode: Double
    /// The Laplace standard error at the mode (NaN where the curvature is not positive).
    public var modeError: Double
    public var mean: Double
    public var sd: Double
    public var q05: Double
    public var q50: Double
    public var q95: Double
    public var rHat: Double
    public var ess: Double
    /// The mode, or 5% of the draws, within 0.1% of the bounds. width of a bound: the
    /// bounds, not the data, decide the parameter.
    public var atBound: Bool
}

/// The posterior in numbers: per parameter its summary, the pairs correlated above 0.9, and the chains'
/// convergence at a glance.
public struct PosteriorSummary: Sendable {
    public var parameters: [ParameterSummary]
    /// Pairs of parameters whose draws are correlated beyond ±0.9.
    public var correlated: [(first: String, second: String, correlation: Double)]
    public var maxRHat: Double { parameters.map(\.rHat).max() ?? .nan }
    public var minESS: Double { parameters.map(\.ess).min() ?? .nan }

    public init(estimation: Estimation, mode: PosteriorMode, chains: Chains) {
        parameters = estimation.parameters.enumerated().map { j, p in
            let perChain = chains.parameter(j)
            let pooled = perChain.flatMap { $0 }
            let n = Double(pooled.count)
            let mean = pooled.reduce(0, +) / n
            let sd = (pooled.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / max(n - 1, 1)).squareRoot()
            let width = p.upper - p.lower
            let near = pooled.filter { $0 - p.lower < 1e-3 * width || p.upper - $0 < 1e-3 * width }.count
            let modeNear = mode.values[j] - p.lower < 1e-3 * width || p.upper - mode.values[j] < 1e-3 * width
            return ParameterSummary(
                parameter: p, mode: mode.values[j], modeError: mode.standardErrors[j], mean: mean, sd: sd,
                q05: ChainDiagnostics.quantile(pooled, 0.05), q50: ChainDiagnostics.quantile(pooled, 0.5),
                q95: ChainDiagnostics.quantile(pooled, 0.95), rHat: ChainDiagnostics.splitRHat(perChain),
                ess: ChainDiagnostics.bulkESS(perChain), atBound: modeNear || Double(near) >= 0.05 * n)
        }
        var pairs: [(String, String, Double)] = []
        let pooled = estimation.parameters.indices.map { chains.parameter($0).flatMap { $0 } }
        for j in pooled.indices {
            for k in 0..<j {
                let r = ChainDiagnostics.correlation(pooled[j], pooled[k])
                if abs(r) > 0.9 { pairs.append((estimation.parameters[k].key, estimation.parameters[j].key, r)) }
            }
        }
        correlated = pairs
    }
}
