import Dispatch
import RealModule
import Solvers

/// A parameter a posterior is taken over: a model parameter (`psi`, `g[crypto]`), or a
/// likelihood's measurement parameter (`sd[RRPONTSYD]`, `rho[RRPONTSYD]`), with bounds and a prior.
public struct EstimatedParameter: Sendable, Equatable {
    public var key: String
    public var lower: Double
    public var upper: Double
    public var prior: Prior

    public init(key: String, lower: Double, upper: Double, prior: Prior) {
        self.key = key
        self.lower = lower
        self.upper = upper
        self.prior = prior
    }

    /// The parameter at the unbounded coordinate `u`: lower + (upper - lower) / (1 + e^-u).
    func value(_ u: Double) -> Double { lower + (upper - lower) / (1 + Double.exp(-u)) }
    /// The unbounded coordinate of `x` (strictly inside the bounds).
    func coordinate(_ x: Double) -> Double {
        let f = min(max((x - lower) / (upper - lower), 1e-12), 1 - 1e-12)
        return Double.log(f / (1 - f))
    }
    /// The prior's mean (the middle of the bounds for a uniform).
    var priorMean: Double { prior.moments?.mean ?? 0.5 * (lower + upper) }

    /// `x` moved inside the bounds by 0.1% of their width: a start the logistic map can take.
    func inside(_ x: Double) -> Double {
        let margin = 1e-3 * (upper - lower)
        return min(max(x, lower + margin), upper - margin)
    }

    /// log dx/du at `u`.
    func logJacobian(_ u: Double) -> Double {
        Double.log(upper - lower) - Double.log(1 + Double.exp(-u)) - Double.log(1 + Double.exp(u))
    }
}

/// The parts of a log posterior at one point.
public struct PosteriorValue: Sendable, Equatable {
    public var logPosterior: Double
    public var logLikelihood: Double
    public var logPrior: Double
    /// The targets' part of the log likelihood (normal terms, sd = band / sqrt(weight)).
    public var logTargets: Double
    public static let failed = PosteriorValue(
        logPosterior: -.infinity, logLikelihood: -.infinity, logPrior: -.infinity, logTargets: -.infinity)
}

public enum EstimationError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case startFailed(String)

    public var description: String {
        switch self {
        case .invalid(let detail): detail
        case .startFailed(let detail): "the posterior cannot be evaluated at the start: \(detail)"
        }
    }
}

/// A Bayesian estimation of a model's parameters: a likelihood of monthly data, normal terms for
/// targets (the seeds' figures), and a prior per parameter. No I/O; any ``CalibrationModel``.
public struct Estimation: Sendable {
    public var base: any CalibrationModel
    public var parameters: [EstimatedParameter]
    public var likelihood: Likelihood
    /// Targets with a weight above 0, each a normal term with sd = band / sqrt(weight).
    public var targets: [CalibrationTarget]
    public var stepper: Stepper
    public var tolerance: Double

    /// Where each observable's sd and rho come from: a parameter's index, or the stated value.
    enum Source: Sendable {
        case estimated(Int)
        case stated(Double)

        /// The value at the parameters `x`.
        func value(at x: [Double]) -> Double {
            switch self {
            case .estimated(let j): x[j]
            case .stated(let v): v
            }
        }
    }
    let sd: [Source]
    let rho: [Source]
    /// The indices of the model's own parameters among ``parameters``.
    public let modelIndices: [Int]

    public init(
        model base: any CalibrationModel, parameters: [EstimatedParameter], likelihood: Likelihood,
        targets: [CalibrationTarget] = [], stepper: Stepper = .msbdf, tolerance: Double = 1e-8
    ) throws {
        self.base = base
        self.parameters = parameters
        self.likelihood = likelihood
        self.targets = targets.filter { $0.weight > 0 && $0.quantity.isModelled }
        self.stepper = stepper
        self.tolerance = tolerance
        guard Set(parameters.map(\.key)).count == parameters.count else {
            throw EstimationError.invalid("a parameter is listed twice")
        }
        for p in parameters {
            guard p.lower.isFinite, p.upper.isFinite, p.lower < p.upper else {
                throw EstimationError.invalid("\(p.key): bounds [\(p.lower), \(p.upper)] must be finite and ascending")
            }
            if let problem = p.prior.problem(lower: p.lower, upper: p.upper) {
                throw EstimationError.invalid("\(p.key): prior \(p.prior): \(problem)")
            }
        }
        func source(_ key: String, stated: Double?, allowed: ClosedRange<Double>) throws -> Source {
            if let j = parameters.firstIndex(where: { $0.key == key }) {
                guard allowed.contains(parameters[j].lower), allowed.contains(parameters[j].upper) else {
                    throw EstimationError.invalid(
                        "\(key): bounds [\(parameters[j].lower), \(parameters[j].upper)] must lie in \(allowed)")
                }
                return .estimated(j)
            }
            guard let stated else { throw EstimationError.invalid("\(key) is neither stated nor estimated") }
            guard allowed.contains(stated) else {
                throw EstimationError.invalid("\(key) = \(stated) must lie in \(allowed)")
            }
            return .stated(stated)
        }
        sd = try likelihood.observables.map {
            try source($0.sdKey, stated: $0.sd, allowed: 1e-300...Double.greatestFiniteMagnitude)
        }
        rho = try likelihood.observables.map { try source($0.rhoKey, stated: $0.rho, allowed: -0.999...0.999) }
        let measurement = Set(likelihood.observables.flatMap { [$0.sdKey, $0.rhoKey] })
        modelIndices = parameters.indices.filter { !measurement.contains(parameters[$0].key) }
        for j in modelIndices {
            let p = parameters[j]
            _ = try base.value(of: p.key)
            guard try base.allows(p.lower, for: p.key).allowed, try base.allows(p.upper, for: p.key).allowed else {
                throw EstimationError.invalid(
                    """
                    \(p.key): bounds [\(p.lower), \(p.upper)] leave the allowed range \
                    (\(try base.allows(p.lower, for: p.key).range))
                    """
                )
            }
        }
    }

    /// The values the posterior starts from: the base model's, and each measurement parameter's
    /// prior mean (the middle of its bounds for a uniform), moved inside the bounds.
    public func startingValues() throws -> [Double] {
        try parameters.enumerated().map { j, p in
            p.inside(modelIndices.contains(j) ? try base.value(of: p.key) : p.priorMean)
        }
    }

    /// Each parameter's prior mean (the middle of its bounds for a uniform), moved inside the
    /// bounds: a start that reads nothing from the data.
    public func priorMeans() -> [Double] { parameters.map { $0.inside($0.priorMean) } }

    /// The sd and rho of observable i at `x`.
    public func errorModel(_ i: Int, at x: [Double]) -> (sd: Double, rho: Double) {
        (sd[i].value(at: x), rho[i].value(at: x))
    }

    /// The parameters at the unbounded coordinates `u`.
    func values(at u: [Double]) -> [Double] { zip(parameters, u).map { $0.value($1) } }

    /// The save times of a solve: the likelihood's months and every target's dates.
    var saveTimes: [Double] {
        // An integral of a series of time alone may start before the run (it is not read from saved points).
        let first = likelihood.saveTimes.first ?? -.infinity
        return Calibration.distinct(likelihood.saveTimes + targets.flatMap(\.quantity.dates).filter { $0 >= first })
    }

    /// The model with the model parameters of `x` set.
    public func model(_ x: [Double]) throws -> any CalibrationModel {
        var model = base
        for j in modelIndices { model = try model.setting(parameters[j].key, to: x[j]) }
        return model
    }

    /// The log prior at `x` (up to a constant).
    public func logPrior(_ x: [Double]) -> Double {
        zip(parameters, x).reduce(0) { $0 + $1.0.prior.logDensity($1.1, lower: $1.0.lower, upper: $1.0.upper) }
    }

    /// The log posterior at `x`, with its parts; ``PosteriorValue/failed`` where the model fails.
    public func posterior(_ x: [Double]) -> PosteriorValue { (try? evaluate(x)) ?? .failed }

    /// The log posterior at `x`, with its parts; throws what fails (the solve, a date not saved, a
    /// log-scale figure that is not positive).
    public func evaluate(_ x: [Double]) throws -> PosteriorValue {
        let prior = logPrior(x)
        guard prior.isFinite else { throw EstimationError.invalid("\(x) lies outside the bounds") }
        let (path, _) = try solve(x, reading: reads)
        let figures = try likelihood.modelValues(path)
        let data = likelihood.logLikelihood(
            model: figures, sd: sd.map { $0.value(at: x) }, rho: rho.map { $0.value(at: x) })
        guard data.isFinite else { throw EstimationError.invalid("a log-scale observable is not positive") }
        var targetTerms = 0.0
        for target in targets {
            guard let m = try path.evaluate(target) else { continue }
            let s = target.band / target.weight.squareRoot()
            targetTerms -=
                0.5 * ((m - target.value) / s) * ((m - target.value) / s) + Double.log(s)
                + 0.5 * Double.log(2 * Double.pi)
        }
        let total = data + targetTerms + prior
        guard total.isFinite else { throw EstimationError.invalid("the log posterior is \(total)") }
        return PosteriorValue(
            logPosterior: total, logLikelihood: data + targetTerms, logPrior: prior, logTargets: targetTerms)
    }

    /// The series the log posterior reads: the observables and the targets' quantities.
    var reads: Set<String> {
        Set(likelihood.observables.map(\.series) + targets.flatMap(\.quantity.seriesNames))
    }

    /// The solved path at `x`, saved at the likelihood's and the targets' dates, with every series
    /// or only `reading` (what the log posterior needs: a fraction of the cost at each saved point).
    public func solve(_ x: [Double], reading: Set<String>? = nil) throws -> (
        path: any SolvedPath, model: any CalibrationModel
    ) {
        var model = try model(x)
        if let reading { model = model.reading(only: reading) }
        return (try model.solve(at: saveTimes, stepper: stepper, tolerance: tolerance), model)
    }

    /// The log of the density MCMC samples in the unbounded coordinates `u`: the log posterior
    /// plus the log Jacobian of the map to the parameters.
    func logTarget(_ u: [Double]) -> (value: Double, posterior: PosteriorValue) {
        let posterior = posterior(values(at: u))
        let jacobian = zip(parameters, u).reduce(0) { $0 + $1.0.logJacobian($1.1) }
        return (posterior.logPosterior + jacobian, posterior)
    }
}
