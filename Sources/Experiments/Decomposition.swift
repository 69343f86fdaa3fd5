import Dispatch
import FlowModel
import Foundation

/// An exogenous driver of a path, and what switching it off means.
public struct Driver: Sendable, Equatable {
    public enum Off: Sendable, Equatable {
        /// A knot table held at its value at the start, or at `value` (runoff off: `qt` at 0).
        case holdTable(String, value: Double? = nil)
        /// An option of a choice in place of the run's (the AI boom off: `counterfactual = no_ai_boom`).
        case option(choice: String, option: String)
        /// Parameters set to these values.
        case parameters([String: Double])
    }

    public var name: String
    public var off: Off

    public init(name: String, off: Off) {
        self.name = name
        self.off = off
    }

    /// The drivers a model file declares by itself: each knot table held at its start, and the
    /// last option of its choice `counterfactual` (the project's convention: no AI boom).
    public static func declared(by source: ModelSource) -> [Driver] {
        var drivers = source.tables.map { Driver(name: $0.name, off: .holdTable($0.name)) }
        if let choice = source.choices.first(where: { $0.name == "counterfactual" }), let last = choice.options.last,
            last.name != choice.defaultOption
        {
            drivers.append(Driver(name: last.name, off: .option(choice: choice.name, option: last.name)))
        }
        return drivers
    }
}

/// A path split into the contributions of its drivers: the Shapley value of each driver over
/// every subset of the others switched on, so that the contributions add up to the path's
/// difference from the one with every driver off, whatever the order effects.
public struct Decomposition: Sendable {
    public let drivers: [Driver]
    public let series: [String]
    public let t: [Double]
    /// `actual[s][k]`: series s with every driver on.
    public let actual: [[Double]]
    /// `baseline[s][k]`: with every driver off.
    public let baseline: [[Double]]
    /// `contributions[s][d][k]`: driver d's contribution to series s at time k.
    public let contributions: [[[Double]]]

    /// The largest |actual - baseline - sum of contributions| over every series and time,
    /// relative to the series' largest absolute value.
    public var closure: Double {
        var worst = 0.0
        for s in series.indices {
            let scale = max(actual[s].map(abs).max() ?? 1, 1e-300)
            for k in t.indices {
                let sum = contributions[s].reduce(0) { $0 + $1[k] }
                worst = max(worst, abs(actual[s][k] - baseline[s][k] - sum) / scale)
            }
        }
        return worst
    }

    /// At most 12 drivers: 4,096 solves.
    public static let driverLimit = 12

    /// Decomposes `series` of `source` under `settings` over `drivers`, solving the model once for
    /// each subset of drivers switched on (2^n solves, on every core), each saved as `solve` says.
    public init(
        source: ModelSource, settings: ModelSettings, drivers: [Driver], series: [String], solve: SolveSettings
    ) throws {
        guard !drivers.isEmpty, drivers.count <= Self.driverLimit else {
            throw SolveSettings.Invalid(
                description: "a decomposition takes 1 to \(Self.driverLimit) drivers; \(drivers.count) given")
        }
        let n = drivers.count
        let start = settings.start ?? source.horizon?.0 ?? 0
        // A held table's knots: flat at its value at the start, over the span of its own knots.
        let held = try drivers.map { driver -> [(Double, Double)]? in
            guard case .holdTable(let name, let fixed) = driver.off else { return nil }
            guard let table = source.tables.first(where: { $0.name == name }) else {
                throw SolveSettings.Invalid(description: "driver \(driver.name): no table \(name)")
            }
            let knots = settings.tables[name] ?? table.knots
            let value = fixed ?? Self.interpolate(knots, at: start)
            return [(knots.first!.0, value), (max(knots.last!.0, knots.first!.0 + 1), value)]
        }
        let subsets = 1 << n
        let results = UncheckedBox([[[Double]]?](repeating: nil, count: subsets))
        let failures = UncheckedBox([String?](repeating: nil, count: subsets))
        let lock = NSLock()
        let times = UncheckedBox([Double]())
        DispatchQueue.concurrentPerform(iterations: subsets) { mask in
            // Bit d set: driver d on (as in `settings`); clear: off.
            var run = settings
            for d in 0..<n where mask & (1 << d) == 0 {
                switch drivers[d].off {
                case .holdTable(let name, _): run.tables[name] = held[d]
                case .option(let choice, let option): run.choices[choice] = option
                case .parameters(let values): run.parameters.merge(values) { $1 }
                }
            }
            do {
                let solved = try solve.solve(try compileModel(source, settings: run), label: "decomposition")
                let values = try series.map { name -> [Double] in
                    guard let v = solved.series(name) else {
                        throw SolveSettings.Invalid(description: "no series \(name)")
                    }
                    return v
                }
                lock.withLock {
                    results.value[mask] = values
                    if mask == subsets - 1 { times.value = solved.t }
                }
            } catch {
                let off = drivers.indices.filter { mask & (1 << $0) == 0 }.map { drivers[$0].name }
                lock.withLock {
                    failures.value[mask] =
                        "with \(off.isEmpty ? "every driver on" : off.joined(separator: ", ") + " off"): \(error)"
                }
            }
        }
        if let failure = failures.value.compactMap({ $0 }).first { throw SolveSettings.Invalid(description: failure) }
        let paths = results.value.map { $0! }
        guard paths.allSatisfy({ $0.allSatisfy { $0.count == times.value.count } }) else {
            throw SolveSettings.Invalid(description: "the runs saved different times")
        }
        // Shapley weights |S|! (n - |S| - 1)! / n! by the size of the subset S without the driver.
        var factorial = [1.0]
        for k in 1...n { factorial.append(factorial[k - 1] * Double(k)) }
        let weight = (0..<n).map { s in factorial[s] * factorial[n - s - 1] / factorial[n] }
        let points = times.value.count
        var contributions = series.indices.map { _ in
            [[Double]](repeating: [Double](repeating: 0, count: points), count: n)
        }
        for d in 0..<n {
            for mask in 0..<subsets where mask & (1 << d) == 0 {
                let w = weight[mask.nonzeroBitCount]
                let with = paths[mask | (1 << d)]
                let without = paths[mask]
                for s in series.indices {
                    for k in 0..<points { contributions[s][d][k] += w * (with[s][k] - without[s][k]) }
                }
            }
        }
        self.drivers = drivers
        self.series = series
        self.t = times.value
        self.actual = paths[subsets - 1]
        self.baseline = paths[0]
        self.contributions = contributions
    }

    /// A knot table's value at `t`: linear between knots, flat beyond them.
    public static func interpolate(_ knots: [(Double, Double)], at t: Double) -> Double {
        guard let first = knots.first, t > first.0 else { return knots.first?.1 ?? 0 }
        for (a, b) in zip(knots, knots.dropFirst()) where t <= b.0 {
            return b.0 > a.0 ? a.1 + (b.1 - a.1) * (t - a.0) / (b.0 - a.0) : b.1
        }
        return knots.last!.1
    }
}
