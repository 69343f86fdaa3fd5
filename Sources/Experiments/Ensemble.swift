import Dispatch
import FlowModel
import Foundation
import Solvers

/// One parameter of an ensemble and how it is drawn.
public struct SweptParameter: Sendable, Equatable {
    /// The catalog key (`I1`, `risk.crypto.beta`).
    public var key: String
    public var distribution: SweepDistribution

    public init(key: String, distribution: SweepDistribution) {
        self.key = key
        self.distribution = distribution
    }
}

/// What an ensemble solves: a design over some parameters of a base
/// configuration, under one or more options of the model's choice (`liquidity sweep`'s spec).
public struct EnsembleSpec: Sendable {
    public var name: String
    public var design: SweepDesign
    public var parameters: [SweptParameter]
    /// The options of the choice the ensemble varies (``FileEnsembleModel/choice``: the Fed regimes).
    public var options: [String]
    public var stepper: Stepper
    /// Relative and absolute tolerance of every solve.
    public var tolerance: Double
    /// How saves inside steps get their values (default: msbdf's own polynomial, landing otherwise).
    public var saveMode: SaveMode = .automatic
    /// Series recorded at ``pathDates`` for every run (the data of fan charts).
    public var pathSeries: [String]
    /// Decimal years; a date that is not a saved point (the monthly grid) is skipped.
    public var pathDates: [Double]

    /// - Parameters: the defaults are a sweep file's: option none, msbdf at
    ///   1e-10, no paths.
    public init(
        name: String, design: SweepDesign, parameters: [SweptParameter], options: [String] = ["none"],
        stepper: Stepper = .msbdf, tolerance: Double = 1e-10, pathSeries: [String] = [],
        pathDates: [Double] = []
    ) {
        self.name = name
        self.design = design
        self.parameters = parameters
        self.options = options
        self.stepper = stepper
        self.tolerance = tolerance
        self.pathSeries = pathSeries
        self.pathDates = pathDates
    }
}

/// One run of an ensemble: a design point under an option of the choice varied.
public struct RunID: Hashable, Sendable, Comparable {
    /// The design point's number, from 0.
    public var run: Int
    public var option: String

    public init(run: Int, option: String) {
        self.run = run
        self.option = option
    }

    public static func < (a: RunID, b: RunID) -> Bool {
        a.run != b.run ? a.run < b.run : a.option < b.option
    }
}

/// How a run of an ensemble ended.
public enum RunStatus: Sendable, Equatable, CustomStringConvertible {
    case success
    /// The solver stopped early with this return code.
    case failed(ReturnCode)
    /// The point lies outside a parameter's range, or the model refused it.
    case invalid

    /// `success`, the return code, or `invalid`: as `runs.csv` writes it.
    public var description: String {
        switch self {
        case .success: "success"
        case .failed(let code): code.rawValue
        case .invalid: "invalid"
        }
    }

    /// The status a description names.
    public init?(_ text: String) {
        switch text {
        case "success": self = .success
        case "invalid": self = .invalid
        default:
            guard let code = ReturnCode(rawValue: text) else { return nil }
            self = .failed(code)
        }
    }
}

/// A series' value at a date of one run.
public struct PathValue: Sendable, Equatable {
    public var series: String
    public var t: Double
    public var value: Double

    public init(series: String, t: Double, value: Double) {
        self.series = series
        self.t = t
        self.value = value
    }
}

/// The outcome of one run of an ensemble.
public struct EnsembleRun: Sendable {
    public var id: RunID
    /// The swept parameters' values, in the spec's order.
    public var point: [Double]
    public var status: RunStatus
    /// Accepted steps (0 for an invalid point).
    public var steps: Int
    /// The headline numbers, as the model's ``EnsembleModel/outcomeColumns``
    /// (nil: a date that never came); nil unless the run succeeded.
    public var outcomes: [Double?]?
    /// The solver's or the model's message; empty on success.
    public var message: String
    /// The spec's path series at its dates.
    public var paths: [PathValue]

    public init(
        id: RunID, point: [Double], status: RunStatus, steps: Int, outcomes: [Double?]?, message: String,
        paths: [PathValue]
    ) {
        self.id = id
        self.point = point
        self.status = status
        self.steps = steps
        self.outcomes = outcomes
        self.message = message
        self.paths = paths
    }
}

/// An ensemble that cannot run as asked.
public enum EnsembleError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidShard(index: Int, count: Int)

    public var description: String {
        switch self {
        case .invalidShard(let index, let count): "shard \(index)/\(count): expected K/N with 1 <= K <= N, such as 2/4"
        }
    }
}

/// Where an ensemble puts each run as it finishes: a CSV file, a database,
/// memory. Called from several threads at once.
public protocol EnsembleResultStore: Sendable {
    /// Keeps `run`. An error stops the ensemble: no run starts after it, and
    /// ``Ensemble/run(_:jobs:into:finished:)`` rethrows it.
    func record(_ run: EnsembleRun) throws
}

/// A model an ensemble solves: a base whose parameters each design point
/// sets, under an option of the choice it varies, recording its headline numbers: a model file
/// (``FileEnsembleModel``), or a model of the caller's own.
public protocol EnsembleModel: Sendable {
    /// The headline numbers every successful run records, by column name (`end_p_crypto`, `peak_rb`).
    var outcomeColumns: [String] { get }
    /// The outcomes the analyses (elasticities, Sobol indices) report.
    var analysedOutcomes: [String] { get }
    /// The column of the largest accounting residual relative to the cash stock, if the model records one.
    var residualColumn: String? { get }
    /// The options a spec may name.
    var optionNames: [String] { get }
    /// The series a spec's paths may name.
    var seriesNames: [String] { get }
    /// The key a spec's `key` names (`capex.payout` is `payout`), nil if none.
    func canonicalKey(_ given: String) -> String?
    /// The value of a parameter at the base (an elasticity design's baseline).
    func value(of key: String) throws -> Double
    /// The base as text, whose fingerprint a resumed sweep checks.
    var fingerprintText: String { get }
    /// The values the parameter `key` may take (``ParameterRange/any`` when the model declares none).
    func range(of key: String) -> ParameterRange
    /// The span every run solves, from start to end.
    var span: (start: Double, end: Double) { get }
    /// Solves the base with `point` at `keys` under the option of `id`; never throws:
    /// a failure is the run's status.
    func solve(_ id: RunID, keys: [String], point: [Double], spec: EnsembleSpec) -> EnsembleRun
}

extension EnsembleModel {
    /// The spec's path series at its dates on a solved path.
    func paths(_ spec: EnsembleSpec, series: (String) -> [Double]?, index: (Double) -> Int?) -> [PathValue] {
        var paths: [PathValue] = []
        for name in spec.pathSeries {
            guard let values = series(name) else { continue }
            for date in spec.pathDates {
                if let k = index(date) { paths.append(PathValue(series: name, t: date, value: values[k])) }
            }
        }
        return paths
    }
}

/// An ensemble over a design: every point of ``EnsembleSpec/design`` under
/// every option, solved on several threads and streamed to a store.
public struct Ensemble: Sendable {
    public let spec: EnsembleSpec
    public let model: any EnsembleModel
    /// The design points, run by run.
    public let points: [[Double]]

    public init(_ spec: EnsembleSpec, model: any EnsembleModel) {
        self.spec = spec
        self.model = model
        points = sweepPoints(spec.parameters.map { ($0.key, $0.distribution) }, design: spec.design)
    }

    /// The swept keys, in order.
    public var keys: [String] { spec.parameters.map(\.key) }

    /// The runs of shard `index` of `count` (1-based: the design points whose
    /// number is index - 1 modulo count), each under every option, in order.
    ///
    /// - Throws: ``EnsembleError/invalidShard(index:count:)`` unless 1 <= index <= count.
    public func runs(shard index: Int = 1, of count: Int = 1) throws -> [RunID] {
        guard count >= 1, (1...count).contains(index) else {
            throw EnsembleError.invalidShard(index: index, count: count)
        }
        return points.indices.filter { $0 % count == index - 1 }.flatMap { i in
            spec.options.map { RunID(run: i, option: $0) }
        }
    }

    /// Whether `run` is one of this ensemble's: a design point's number and
    /// its parameter values, an option the spec lists.
    public func contains(_ run: EnsembleRun) -> Bool {
        points.indices.contains(run.id.run) && points[run.id.run] == run.point && spec.options.contains(run.id.option)
    }

    /// Solves one run; never throws: a failure is its status.
    public func solve(_ id: RunID) -> EnsembleRun {
        model.solve(id, keys: keys, point: points[id.run], spec: spec)
    }

    /// Solves `runs` on `jobs` threads, recording each in `store` as it
    /// finishes (in no fixed order) and then calling `finished`. The first
    /// error of the store stops the work and is rethrown.
    public func run(
        _ runs: [RunID], jobs: Int, into store: some EnsembleResultStore,
        finished: @Sendable (EnsembleRun) -> Void = { _ in }
    ) throws {
        let failure = FirstError()
        let workers = max(1, min(jobs, runs.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < runs.count, !failure.isSet {
                let result = solve(runs[index])
                do {
                    try store.record(result)
                    finished(result)
                } catch {
                    failure.set(error)
                }
                index += workers
            }
        }
        if let error = failure.error { throw error }
    }
}

/// The first error of several threads.
private final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    var isSet: Bool { lock.withLock { stored != nil } }
    var error: Error? { lock.withLock { stored } }
    func set(_ error: Error) { lock.withLock { if stored == nil { stored = error } } }
}
