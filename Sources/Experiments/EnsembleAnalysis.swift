import Foundation

/// What an ensemble's runs add up to, gathered from the runs in memory as
/// they stream (and from the runs a resumed ensemble kept): the totals, the
/// elasticities, the Sobol indices and the fan bands.
public final class EnsembleAnalysis: @unchecked Sendable {
    public let ensemble: Ensemble
    private let lock = NSLock()
    private var statuses: [String: Int] = [:]
    private var largestResidual = 0.0
    private var count = 0
    private var summaries: [RunID: [Double?]] = [:]
    private var bands: [FanKey: [Double]] = [:]

    /// Whether the summaries are kept: only the elasticity and Saltelli
    /// designs need them, so that other ensembles' memory stays flat.
    private let keepsSummaries: Bool

    /// Where the model's residual column sits among its outcomes.
    private let residualIndex: Int?

    public init(_ ensemble: Ensemble) {
        self.ensemble = ensemble
        residualIndex = ensemble.model.residualColumn.flatMap { ensemble.model.outcomeColumns.firstIndex(of: $0) }
        switch ensemble.spec.design {
        case .elasticity, .saltelli: keepsSummaries = true
        default: keepsSummaries = false
        }
    }

    /// Adds one run.
    public func add(_ run: EnsembleRun) {
        lock.withLock {
            count += 1
            statuses[run.status.description, default: 0] += 1
            if let outcomes = run.outcomes {
                if let residual = residualIndex, let value = outcomes[residual] {
                    largestResidual = max(largestResidual, value)
                }
                if keepsSummaries { summaries[run.id] = outcomes }
            }
            for value in run.paths {
                bands[FanKey(option: run.id.option, series: value.series, t: value.t), default: []].append(value.value)
            }
        }
    }

    /// Runs added, by status (`success`, a return code, `invalid`).
    public var statusCounts: [String: Int] { lock.withLock { statuses } }
    /// Runs added.
    public var runCount: Int { lock.withLock { count } }
    /// The largest identity residual relative to M over the successful runs;
    /// nil for a model that records none.
    public var largestIdentityResidual: Double? { residualIndex == nil ? nil : lock.withLock { largestResidual } }

    /// The outcomes the analyses report per option (the model's
    /// ``EnsembleModel/analysedOutcomes``); with two options or more, the last
    /// one's gain over the first in the first outcome (`buyer_minus_none_end_p_crypto`).
    var outcomes: [EnsembleOutcome] {
        let columns = ensemble.model.outcomeColumns
        @Sendable func value(_ column: String, _ option: String, _ run: Int, _ summaries: [RunID: [Double?]])
            -> Double?
        {
            guard let c = columns.firstIndex(of: column) else { return nil }
            return summaries[RunID(run: run, option: option)]?[c] ?? nil
        }
        var outcomes: [EnsembleOutcome] = []
        for option in ensemble.spec.options {
            for column in ensemble.model.analysedOutcomes {
                outcomes.append(
                    EnsembleOutcome(name: column, option: option) { run, summaries in
                        value(column, option, run, summaries)
                    })
            }
        }
        let options = ensemble.spec.options
        if options.count >= 2, let column = ensemble.model.analysedOutcomes.first, let first = options.first,
            let last = options.last
        {
            outcomes.append(
                EnsembleOutcome(name: "\(last)_minus_\(first)_\(column)", option: "both") { run, summaries in
                    guard let b = value(column, last, run, summaries), let n = value(column, first, run, summaries)
                    else { return nil }
                    return b - n
                })
        }
        return outcomes
    }

    /// Elasticities at the baseline of an elasticity design (empty for other designs), d ln(outcome) /
    /// d ln(parameter), by central differences of the relative `step`; nil
    /// where a run failed or the outcome is 0 at the baseline.
    public func elasticities(step: Double) -> [Elasticity] {
        let summaries = lock.withLock { self.summaries }
        var result: [Elasticity] = []
        for outcome in outcomes {
            guard let base = outcome.value(0, summaries) else { continue }
            for (i, key) in ensemble.keys.enumerated() {
                var value: Double?
                if let up = outcome.value(2 * i + 1, summaries), let down = outcome.value(2 * i + 2, summaries),
                    base != 0
                {
                    value = (up - down) / (2 * step * base)
                }
                result.append(
                    Elasticity(
                        outcome: outcome.name, option: outcome.option, parameter: key, atBaseline: base, value: value))
            }
        }
        return result
    }

    /// First-order and total Sobol indices of every outcome from a Saltelli
    /// design of `baseDraws` (empty for other designs), over the base rows whose every run succeeded.
    public func sobol(baseDraws: Int) -> [SobolIndices] {
        let summaries = lock.withLock { self.summaries }
        let keys = ensemble.keys
        let k = keys.count
        var result: [SobolIndices] = []
        for outcome in outcomes {
            var fA: [Double] = []
            var fB: [Double] = []
            var fAB = [[Double]](repeating: [], count: k)
            for j in 0..<baseDraws {
                let group = (0..<(k + 2)).map { outcome.value(j * (k + 2) + $0, summaries) }
                guard group.allSatisfy({ $0 != nil }) else { continue }
                fA.append(group[0]!)
                fB.append(group[1]!)
                for i in 0..<k { fAB[i].append(group[2 + i]!) }
            }
            guard fA.count >= 2 else { continue }
            // An outcome that hardly varies has no variance to apportion.
            let all = fA + fB
            let mean = all.reduce(0, +) / Double(all.count)
            let sd = (all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count)).squareRoot()
            if sd <= 1e-6 * max(abs(mean), 1e-12) {
                for key in keys {
                    result.append(
                        SobolIndices(
                            outcome: outcome.name, option: outcome.option, parameter: key, estimate: nil,
                            baseDrawsUsed: fA.count))
                }
                continue
            }
            let (first, total) = sobolIndices(fA: fA, fB: fB, fAB: fAB)
            let (firstCI, totalCI) = sobolIntervals(fA: fA, fB: fB, fAB: fAB)
            for i in 0..<k {
                let estimate = SobolIndices.Estimate(
                    first: first[i], firstInterval: firstCI[i], total: total[i], totalInterval: totalCI[i])
                result.append(
                    SobolIndices(
                        outcome: outcome.name, option: outcome.option, parameter: keys[i], estimate: estimate,
                        baseDrawsUsed: fA.count))
            }
        }
        return result
    }

    /// Quantile bands (5, 25, 50, 75 and 95%) of every path series at each of
    /// its dates, per option, across the runs: the data of a fan chart,
    /// ordered by option, series and date.
    public func fan() -> [FanBand] {
        let bands = lock.withLock { self.bands }
        let levels = [0.05, 0.25, 0.5, 0.75, 0.95]
        return bands.keys.sorted().map { key in
            let values = bands[key]!.sorted()
            // Linear interpolation between order statistics (type 7, as R and numpy).
            let quantiles = levels.map { q -> Double in
                let h = Double(values.count - 1) * q
                let lo = Int(h.rounded(.down))
                let hi = min(lo + 1, values.count - 1)
                return values[lo] + (h - Double(lo)) * (values[hi] - values[lo])
            }
            return FanBand(option: key.option, series: key.series, t: key.t, runs: values.count, quantiles: quantiles)
        }
    }
}

/// A headline outcome of an ensemble's runs, by design point.
struct EnsembleOutcome: Sendable {
    /// `max_drawdown_crypto`, `peak_rb`, `buyer_minus_none_end_p_crypto`.
    let name: String
    /// A option's name, or `both` for a difference of options.
    let option: String
    let read: @Sendable (Int, [RunID: [Double?]]) -> Double?

    func value(_ run: Int, _ summaries: [RunID: [Double?]]) -> Double? { read(run, summaries) }
}

/// An elasticity of an outcome at the baseline.
public struct Elasticity: Sendable, Equatable {
    public let outcome: String, option: String, parameter: String
    /// The outcome at the baseline.
    public let atBaseline: Double
    /// d ln(outcome) / d ln(parameter); nil where it cannot be computed.
    public let value: Double?
}

/// The Sobol indices of one outcome for one parameter.
public struct SobolIndices: Sendable {
    /// First-order and total indices with 95% bootstrap intervals.
    public struct Estimate: Sendable {
        public let first: Double, firstInterval: (Double, Double)
        public let total: Double, totalInterval: (Double, Double)
    }

    public let outcome: String, option: String, parameter: String
    /// nil when the outcome is constant over the design: no variance to apportion.
    public let estimate: Estimate?
    /// Base rows whose every run succeeded.
    public let baseDrawsUsed: Int
}

/// The quantile bands of one series at one date under one option.
public struct FanBand: Sendable, Equatable {
    public let option: String, series: String, t: Double
    public let runs: Int
    /// At 5, 25, 50, 75 and 95%.
    public let quantiles: [Double]
}

struct FanKey: Hashable, Comparable {
    let option: String, series: String, t: Double
    static func < (a: FanKey, b: FanKey) -> Bool {
        (a.option, a.series) != (b.option, b.series) ? (a.option, a.series) < (b.option, b.series) : a.t < b.t
    }
}
