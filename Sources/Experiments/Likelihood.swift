import RealModule

/// One observed series of a likelihood: a model `observe` series set against monthly data,
/// with a measurement error that is normal, either independent from month to month or AR(1).
public struct MonthlyObservable: Sendable, Equatable {
    /// How a month's figure is made from the series.
    public enum Average: String, Sendable, CaseIterable {
        /// The month's mean: of the data's observations in the month, and of the model's path
        /// over it (Simpson's rule on five points).
        case mean
        /// The month's last observation, and the model's value at the month's end.
        case end
        /// A quarterly series of end-of-period values dated the quarter's first day (FRED's
        /// FYGFDPUN): each value is the model's at the quarter's end.
        case quarterEnd = "quarter_end"
    }

    /// Where the error is measured.
    public enum Scale: String, Sendable, CaseIterable {
        /// In the data's units.
        case level
        /// In logarithms: errors in proportion (prices).
        case log
    }

    /// The `observe` name, the data's (FRED) id.
    public var series: String
    public var average: Average
    public var scale: Scale
    /// The standard deviation of the error's innovation, in the data's units (in logs for `log`);
    /// nil: estimated as the parameter `sd[series]`.
    public var sd: Double?
    /// The error's month-to-month autocorrelation; nil: estimated as `rho[series]`.
    public var rho: Double?

    public init(series: String, average: Average = .mean, scale: Scale = .level, sd: Double?, rho: Double? = 0) {
        self.series = series
        self.average = average
        self.scale = scale
        self.sd = sd
        self.rho = rho
    }

    /// The key of its estimated standard deviation.
    public var sdKey: String { "sd[\(series)]" }
    /// The key of its estimated autocorrelation.
    public var rhoKey: String { "rho[\(series)]" }
}

/// Monthly data against a model's path: the months, the observed series and their values
/// (nil for a month without an observation, as a quarterly series has in two months of three).
public struct Likelihood: Sendable {
    /// The decimal-year start of each month (`DecimalYear`: each month is 1/12).
    public var months: [Double]
    public var observables: [MonthlyObservable]
    /// `data[i][m]`: observable i in month m.
    public var data: [[Double?]]

    public init(months: [Double], observables: [MonthlyObservable], data: [[Double?]]) {
        self.months = months
        self.observables = observables
        self.data = data
    }

    /// The saved times a path needs: each month's start and end and three points between.
    public var saveTimes: [Double] {
        guard let first = months.first else { return [] }
        return (0...(4 * months.count)).map { first + Double($0) / 48 }
    }

    /// How many observations the data hold.
    public var count: Int { data.reduce(0) { $0 + $1.compactMap { $0 }.count } }

    /// The model's monthly figures of every observable on `path` (saved at least at ``saveTimes``).
    public func modelValues(_ path: some SolvedPath) throws -> [[Double]] {
        let indices = try saveTimes.map { t in
            guard let k = path.index(at: t) else {
                throw CalibrationError.invalidTarget("the likelihood's path has no saved point at \(t)")
            }
            return k
        }
        return try observables.map { observable in
            guard let values = path.series(observable.series) else {
                throw CalibrationError.unknownSeries(target: "the likelihood", series: observable.series)
            }
            return months.indices.map { m in
                let v = (0...4).map { values[indices[4 * m + $0]] }
                switch observable.average {
                case .mean: return (v[0] + 4 * v[1] + 2 * v[2] + 4 * v[3] + v[4]) / 12
                case .end, .quarterEnd: return v[4]
                }
            }
        }
    }

    /// The errors (data - model, in logs for a log-scale series) and the months that have data,
    /// per observable; nil where a log-scale model value is not positive.
    public func errors(_ model: [[Double]]) -> [[(month: Int, error: Double)]]? {
        var all: [[(Int, Double)]] = []
        for (i, observable) in observables.enumerated() {
            var errors: [(Int, Double)] = []
            for (m, datum) in data[i].enumerated() {
                guard let datum else { continue }
                switch observable.scale {
                case .level: errors.append((m, datum - model[i][m]))
                case .log:
                    guard model[i][m] > 0, datum > 0 else { return nil }
                    errors.append((m, Double.log(datum) - Double.log(model[i][m])))
                }
            }
            all.append(errors)
        }
        return all
    }

    /// The log likelihood of the data given the model's figures, with `sd[i]` and `rho[i]` the
    /// error's innovation sd and autocorrelation of observable i: a stationary AR(1) error, which
    /// across a gap of g months has mean rho^g times the last error and variance
    /// sd^2 (1 - rho^(2g)) / (1 - rho^2). -infinity where a log-scale figure is not positive.
    public func logLikelihood(model: [[Double]], sd: [Double], rho: [Double]) -> Double {
        guard let errors = errors(model) else { return -.infinity }
        var total = 0.0
        for (i, series) in errors.enumerated() {
            let s2 = sd[i] * sd[i]
            let r = rho[i]
            var last: (month: Int, error: Double)?
            for (month, error) in series {
                var mean = 0.0
                var variance = s2 / (1 - r * r)
                if let last {
                    let decay = Double.pow(r, Double(month - last.month))
                    mean = decay * last.error
                    variance = s2 * (1 - decay * decay) / (1 - r * r)
                }
                let z = error - mean
                total -= 0.5 * (z * z / variance + Double.log(2 * Double.pi * variance))
                last = (month, error)
            }
        }
        return total
    }
}
