import Solvers

/// A backtest: the calibration refitted on the targets dated up to a
/// cut-off, then the fitted model's forecast of each observed series over
/// the next quarters against the data, and against a no-change forecast
/// (the series' last value at the cut-off): does the model beat a random walk?
public struct Backtest: Sendable {
    /// The calibration on every target; each cut-off keeps those it can know.
    public var calibration: Calibration
    public var options: LeastSquaresOptions
    /// The data: rows with `t` and a value per series (the observed series' names).
    public var data: [[String: Double]]
    /// The series forecast, named as the model's observed series and the data's columns.
    public var series: [String]
    /// Quarters forecast after each cut-off.
    public var horizon: Int

    public init(
        calibration: Calibration, options: LeastSquaresOptions, data: [[String: Double]], series: [String],
        horizon: Int = 4
    ) {
        self.calibration = calibration
        self.options = options
        self.data = data
        self.series = series
        self.horizon = horizon
    }

    /// One forecast of one series at one quarter after a cut-off.
    public struct Forecast: Sendable, Equatable {
        public var series: String
        /// The cut-off and the forecast's date.
        public var cutoff: Double, t: Double
        /// Quarters after the cut-off (1 to the horizon).
        public var step: Int
        public var model: Double, actual: Double, noChange: Double

        /// Whether the model forecast the direction of the change since the cut-off.
        public var directionRight: Bool { (model - noChange).sign == (actual - noChange).sign }
    }

    /// The result at one cut-off: the refit and its forecasts.
    public struct Result: Sendable {
        public let cutoff: Double
        public let fit: CalibrationFit
        public let forecasts: [Forecast]
        /// Targets the refit used: those dated at or before the cut-off.
        public let targetsUsed: Int
    }

    /// Refits on the targets dated at or before `cutoff` and forecasts the
    /// next ``horizon`` quarter-ends of the data.
    ///
    /// - Throws: ``CalibrationError`` when no fitted target is dated before
    ///   the cut-off, or the model cannot be solved.
    public func run(cutoff: Double) throws -> Result {
        var known = calibration
        known.targets = calibration.targets.filter { $0.quantity.latestDate <= cutoff + 1e-9 }
        guard !known.fitted.isEmpty else {
            throw CalibrationError.invalidTarget("no fitted target is dated at or before the cut-off \(cutoff)")
        }
        let fit = try known.fit(options)
        let quarters = data.compactMap { $0["t"] }.filter { $0 > cutoff + 1e-9 }.sorted().prefix(horizon)
        guard let last = quarters.last else {
            return Result(cutoff: cutoff, fit: fit, forecasts: [], targetsUsed: known.targets.count)
        }
        let path = try fit.parameters.solve(
            until: last, also: [], stepper: calibration.stepper, tolerance: calibration.tolerance)
        func row(_ t: Double) -> [String: Double]? { data.first { abs(($0["t"] ?? .nan) - t) < 1e-9 } }
        var forecasts: [Forecast] = []
        for name in series {
            guard let values = path.series(name), let start = row(cutoff)?[name] else { continue }
            for (step, t) in quarters.enumerated() {
                guard let actual = row(t)?[name], let k = path.index(at: t) else { continue }
                forecasts.append(
                    Forecast(
                        series: name, cutoff: cutoff, t: t, step: step + 1, model: values[k], actual: actual,
                        noChange: start))
            }
        }
        return Result(cutoff: cutoff, fit: fit, forecasts: forecasts, targetsUsed: known.targets.count)
    }
}
