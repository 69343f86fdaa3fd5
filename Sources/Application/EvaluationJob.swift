import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

/// Forecasts without look-ahead: at each monthly origin the model is refitted (its posterior
/// mode, from the previous origin's mode or from the priors' means) on the data up to the origin,
/// and forecasts the next months; no change, an AR(1) per series and a VAR on the same data
/// forecast beside it.
public struct EvaluationJob {
    public let model: String, file: String, data: String
    public let spec: EstimationFile.Spec
    let source: ModelSource
    let settings: ModelSettings
    /// The months of the benchmarks' data, from `benchmarkFrom` to the last month every series covers.
    public let months: [Double]
    /// `table[i][m]`: observable i in month m.
    let table: [[Double?]]
    /// The 3-month and 2-year yields by month (percent), for the market's policy-rate path.
    let short: [Double?], long: [Double?]
    public let origins: [Double]
    public let horizons: [Int]
    /// The table the market's path replaces after each origin (nil: none).
    public let policyRate: String?
    /// A table measured as a market yield less the policy rate (`r2_gap`: DGS2 less the
    /// midpoint), held after each origin so that the yield, the policy rate plus it, stays at
    /// its value then (no change): held as a spread, it would count the cuts the market
    /// expects twice, once in the policy rate's path and once in the spread (nil: none).
    public let spread: String?
    /// Whether each origin's mode search starts from the previous origin's mode (found on data up
    /// to that origin only, so no look-ahead), else from the priors' means; the first starts from these.
    public var warmStart = true

    public init(
        model: String, file: String, data: String, from: Double, to: Double, horizons: [Int],
        benchmarkFrom: Double, policyRate: String?, spread: String? = nil
    ) throws {
        (self.model, self.file, self.data) = (model, file, data)
        source = try ModelFiles.source(model)
        spec = try EstimationFile.read(file, model: source.name)
        var settings = ModelSettings()
        if let regime = spec.regime { settings.choices[ModelFiles.regimeChoice] = regime }
        self.settings = settings
        guard from >= spec.from + 1.0 / 12 - 1e-9, to >= from else {
            throw InputError("--from: origins must follow \(file)'s first month and come before --to")
        }
        if let policyRate, !source.tables.contains(where: { $0.name == policyRate }) {
            throw InputError("--policy-rate \(policyRate): \(model) has no table \(policyRate)")
        }
        self.policyRate = policyRate
        if let spread, policyRate == nil || !source.tables.contains(where: { $0.name == spread }) {
            throw InputError(
                "--spread \(spread): \(model) has no table \(spread), or no policy rate to measure it from")
        }
        self.spread = spread
        let read = try spec.observables.map { try EstimationJob.read($0.series, in: data) }
        let yields = policyRate == nil ? [] : try ["DGS3MO", "DGS2"].map { try EstimationJob.read($0, in: data) }
        // The months run to the last month any observed series reaches.
        let lastDate =
            read.compactMap { file in
                file.series.values.lastIndex { $0 != nil }.map { file.series.dates[$0] }
            }.max() ?? ""
        guard let last = DecimalYear.month(String(lastDate.prefix(7))) else {
            throw InputError("--data \(data): the observed series hold no values")
        }
        let months = Array(stride(from: benchmarkFrom, through: last + 1e-9, by: 1.0 / 12))
        self.months = months
        table = try zip(spec.observables, read).map { observable, file in
            try EstimationJob.monthly(file.series, average: observable.average, months: months, file: file.path)
        }
        let yieldFigures = try yields.map {
            try EstimationJob.monthly($0.series, average: .mean, months: months, file: $0.path)
        }
        (short, long) = policyRate == nil ? ([], []) : (yieldFigures[0], yieldFigures[1])
        origins = Array(stride(from: from, through: to + 1e-9, by: 1.0 / 12))
        self.horizons = horizons
        guard let top = horizons.max(), horizons.allSatisfy({ $0 >= 1 }), top <= 24 else {
            throw InputError("--horizons: allowed: whole numbers of months from 1 to 24")
        }
    }

    func index(_ t: Double) -> Int { Int(((t - months[0]) * 12).rounded()) }

    /// One forecast: its origin, series, horizon, the data then, and each method's figure.
    public struct Forecast: Sendable {
        public var origin: Double, series: String, horizon: Int, actual: Double
        /// model (unconditional), model given the realised inputs, no change, AR(1), VAR (NaN: none).
        public var figures: [Double]
        public static let methods = ["model", "model_conditional", "no_change", "ar1", "var"]
    }

    /// The knot tables after `end` as the unconditional forecast takes them: each held at its
    /// value at `end`, the policy rate on the market's path, the spread table so that the
    /// policy rate plus it is held.
    func heldTables(after end: Double, origin m: Int) -> [String: [(Double, Double)]] {
        var tables: [String: [(Double, Double)]] = [:]
        // The policy rate at the end, and on the market's path after it: the 3-month yield for
        // three months, then the forward rate from 3 months to 2 years.
        let policyAtEnd = source.tables.first { $0.name == policyRate }.map {
            Decomposition.interpolate($0.knots, at: end)
        }
        let path: (near: Double, forward: Double)? = {
            guard policyRate != nil, let y3 = short[m], let y2 = long[m] else { return nil }
            return (y3 / 100, (2 * y2 - 0.25 * y3) / 1.75 / 100)
        }()
        func onPath(_ level: Double, _ sign: Double, _ knots: inout [(Double, Double)], _ path: (Double, Double)) {
            knots.append((end + 0.001, level + sign * path.0))
            knots.append((end + 0.25, level + sign * path.0))
            knots.append((end + 0.251, level + sign * path.1))
            knots.append((end + 10, level + sign * path.1))
        }
        for table in source.tables {
            // A knot at the end itself would be given twice.
            let kept = table.knots.filter { $0.0 < end - 1e-9 }
            let value = Decomposition.interpolate(table.knots, at: end)
            var knots = kept + [(end, value)]
            if table.name == policyRate, let path {
                onPath(0, 1, &knots, path)
            } else if table.name == spread, let path, let policyAtEnd {
                onPath(policyAtEnd + value, -1, &knots, path)
            } else {
                knots.append((end + 10, value))
            }
            tables[table.name] = knots
        }
        return tables
    }

    /// Refits at every origin and forecasts; `progress` hears each origin.
    public func run(progress: (@Sendable (String) -> Void)? = nil) throws -> [Forecast] {
        var forecasts: [Forecast] = []
        var previous: [Double]?
        let top = horizons.max()!
        for origin in origins {
            let m = index(origin)
            let fitMonths = Array(stride(from: spec.from, through: origin + 1e-9, by: 1.0 / 12))
            let likelihood = Likelihood(
                months: fitMonths, observables: spec.observables,
                data: table.map { series in fitMonths.map { series[index($0)] } })
            let end = origin + 1.0 / 12
            var fitSettings = settings
            fitSettings.end = end
            let base = FileCalibrationModel(source: source, settings: fitSettings, choice: ModelFiles.regimeChoice)
            let estimation: Estimation
            do {
                estimation = try Estimation(
                    model: base, parameters: spec.parameters, likelihood: likelihood, stepper: spec.stepper,
                    tolerance: spec.tolerance)
            } catch let error as EstimationError {
                throw InputError("\(file): \(error.description)")
            }
            let mode: PosteriorMode
            do {
                mode = try estimation.mode(
                    from: previous ?? estimation.priorMeans(), maxIterations: spec.maxIterations, curvature: false)
            } catch let error as EstimationError {
                throw InputError(
                    "\(file): at the origin \(DecimalYear.isoDate(origin).prefix(7)): \(error.description)")
            } catch let error as MinimizationError {
                throw SolveSettings.Invalid(
                    description:
                        "the mode search at the origin \(DecimalYear.isoDate(origin).prefix(7)) failed: \(error)")
            }
            if warmStart { previous = mode.values }
            let month = DecimalYear.isoDate(origin).prefix(7)
            progress?("evaluate: origin \(month), log posterior \(mode.posterior.logPosterior)")
            // The fitted model solved past the origin: given the realised inputs, and with them held.
            let lastMonth = min(m + top, months.count - 1)
            let forecastMonths = Array(fitMonths) + (m + 1...max(m + 1, lastMonth)).map { months[$0] }
            var paths: [[[Double]]] = []
            for conditional in [false, true] {
                var run = settings
                run.end = forecastMonths.last! + 1.0 / 12
                if !conditional { run.tables = heldTables(after: end, origin: m) }
                var fitted: any CalibrationModel = FileCalibrationModel(
                    source: source, settings: run, choice: ModelFiles.regimeChoice)
                for j in estimation.modelIndices {
                    fitted = try fitted.setting(estimation.parameters[j].key, to: mode.values[j])
                }
                let long = Likelihood(
                    months: forecastMonths, observables: spec.observables,
                    data: spec.observables.map { _ in forecastMonths.map { _ in nil } })
                do {
                    let path = try fitted.solve(at: long.saveTimes, stepper: spec.stepper, tolerance: spec.tolerance)
                    paths.append(try long.modelValues(path))
                } catch let error as ModelFileError {
                    throw ModelFiles.inputError(error)
                } catch let error as CalibrationError {
                    let variant = conditional ? "given the realised inputs" : "with the inputs held"
                    // A solve that fails, as a decomposition's: the command exits 3.
                    throw SolveSettings.Invalid(
                        description: "the forecast from \(month) \(variant) failed: \(error.description)")
                }
            }
            // The benchmarks' data: from the first month to the origin.
            let complete = spec.observables.indices.filter { i in
                spec.observables[i].average != .quarterEnd && (0...m).allSatisfy { table[i][$0] != nil }
            }
            func transform(_ i: Int, _ x: Double) -> Double {
                spec.observables[i].scale == .log ? Double.log(x) : x
            }
            // Per series, what the horizons share: its observations to the origin, in order, and rho.
            let observed = spec.observables.indices.map { i in
                (0...m).compactMap { t in table[i][t].map { (month: t, value: transform(i, $0)) } }
            }
            let rho = spec.observables.indices.map { estimation.errorModel($0, at: mode.values).rho }
            for h in horizons where m + h < months.count {
                let target = m + h
                let varLevels =
                    complete.isEmpty
                    ? nil
                    : ForecastBenchmarks.varForecast(
                        (0...m).map { t in complete.map { transform($0, table[$0][t]!) } }, steps: h)
                for (i, observable) in spec.observables.enumerated() {
                    guard let actual = table[i][target], let last = observed[i].last else { continue }
                    // The model's predictive mean: its path plus the last error, decayed by rho per month.
                    let decay = Double.pow(rho[i], Double(target - last.month))
                    func predictive(_ path: [[Double]]) -> Double {
                        let error = last.value - transform(i, path[i][fitMonths.count - 1 - (m - last.month)])
                        return transform(i, path[i][fitMonths.count - 1 + h]) + decay * error
                    }
                    // AR(1) on the observations in order: monthly, or quarterly for a quarter-end series.
                    let step = observable.average == .quarterEnd ? 3 : 1
                    let ar =
                        ForecastBenchmarks.ar1(observed[i].map(\.value), steps: max(1, (target - last.month) / step))
                        ?? .nan
                    let v = complete.firstIndex(of: i).flatMap { varLevels?[$0] } ?? .nan
                    forecasts.append(
                        Forecast(
                            origin: origin, series: observable.series, horizon: h, actual: transform(i, actual),
                            figures: [predictive(paths[0]), predictive(paths[1]), last.value, ar, v]))
                }
            }
        }
        return forecasts
    }
}

extension EvaluationJob {
    /// One row of the evaluation table: a series at a horizon.
    public struct Row: Sendable {
        public var series: String, horizon: Int, count: Int
        /// RMSE per method, as ``Forecast/methods``.
        public var rmse: [Double]
        /// Diebold-Mariano p-values of the model against no change, AR(1) and VAR, and of the
        /// conditional model against no change.
        public var p: [Double]
    }

    /// The table: per series and horizon, each method's RMSE over the origins and the tests.
    public static func rows(_ forecasts: [Forecast], series: [String], horizons: [Int]) -> [Row] {
        var rows: [Row] = []
        for name in series {
            for h in horizons {
                let group = forecasts.filter { $0.series == name && $0.horizon == h }
                guard !group.isEmpty else { continue }
                let errors = (0..<Forecast.methods.count).map { k in group.map { $0.figures[k] - $0.actual } }
                let rmse = errors.map { e -> Double in
                    e.contains { !$0.isFinite } ? .nan : (e.reduce(0) { $0 + $1 * $1 } / Double(e.count)).squareRoot()
                }
                func p(_ a: Int, _ b: Int) -> Double {
                    errors[b].allSatisfy(\.isFinite)
                        ? ForecastBenchmarks.dieboldMariano(errors[a], errors[b], horizon: h).p : .nan
                }
                rows.append(
                    Row(
                        series: name, horizon: h, count: group.count, rmse: rmse,
                        p: [p(0, 2), p(0, 3), p(0, 4), p(1, 2)]))
            }
        }
        return rows
    }

    /// Writes evaluation.csv, forecasts.csv, evaluation.md, manifest.json and evaluation.svg into `folder`.
    public func write(_ forecasts: [Forecast], to folder: String, tool: Manifest.Tool, command: [String]) throws
        -> [String]
    {
        let series = spec.observables.map(\.series)
        let rows = Self.rows(forecasts, series: series, horizons: horizons)
        var csv = [
            "series,horizon,origins,rmse_model,rmse_model_conditional,rmse_no_change,rmse_ar1,rmse_var,"
                + "ratio_no_change,ratio_ar1,ratio_var,ratio_conditional_no_change,"
                + "p_no_change,p_ar1,p_var,p_conditional_no_change"
        ]
        for r in rows {
            let ratios = [r.rmse[0] / r.rmse[2], r.rmse[0] / r.rmse[3], r.rmse[0] / r.rmse[4], r.rmse[1] / r.rmse[2]]
            csv.append(
                ([r.series, String(r.horizon), String(r.count)] + (r.rmse + ratios + r.p).map(CSV.number)).joined(
                    separator: ","))
        }
        var lines = ["origin,series,horizon,target,actual," + Forecast.methods.joined(separator: ",")]
        for f in forecasts {
            let target = DecimalYear.isoDate(f.origin + Double(f.horizon) / 12).prefix(7)
            lines.append(
                ([String(DecimalYear.isoDate(f.origin).prefix(7)), f.series, String(f.horizon), String(target)]
                    + ([f.actual] + f.figures).map(CSV.number)).joined(separator: ","))
        }
        let start =
            warmStart ? "from the previous origin's mode (the first from the priors' means)" : "from its priors' means"
        let held = spread.map {
            ", and \($0) so that the yield it measures over the policy rate stays at its value then"
        }
        var md = [
            "# Forecasts without look-ahead: \((model as NSString).lastPathComponent)", "",
            """
            At each origin from \(DecimalYear.isoDate(origins.first!).prefix(7)) to \
            \(DecimalYear.isoDate(origins.last!).prefix(7)) the model's posterior mode is found again \
            \(start) \
            on the data up to that month (\(file)), and it forecasts the month's figure h months \
            on: its path plus the last error decayed by the error's estimated autocorrelation. The \
            unconditional forecast holds every input table at its value at the origin, the policy rate \
            (\(policyRate ?? "none")) on the market's path then (the 3-month yield, then the forward rate to \
            the 2-year)\(held ?? ""); the conditional one is given the realised inputs. The benchmarks use the same \
            monthly data from \(DecimalYear.isoDate(months[0]).prefix(7)): no change, an AR(1) per series, a \
            VAR in monthly changes of the monthly series (lags by BIC, up to 3). Errors are in the data's \
            units, in logs for log-scale series. A ratio below 1 is the model's win; p is the two-sided \
            Diebold-Mariano p-value (Harvey-Leybourne-Newbold, t with n - 1 df), given only where the \
            origins number at least twice the horizon.
            """,
            "",
            "| series | h | origins | RMSE model | / no change | / AR(1) | / VAR | conditional / no change "
                + "| p (no change) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        func f(_ x: Double) -> String {
            x.isFinite ? (abs(x) >= 1e4 || abs(x) < 1e-3 ? String(format: "%.3g", x) : String(format: "%.3f", x)) : "-"
        }
        for r in rows {
            md.append(
                "| \(r.series) | \(r.horizon) | \(r.count) | \(f(r.rmse[0])) | \(f(r.rmse[0] / r.rmse[2])) | "
                    + "\(f(r.rmse[0] / r.rmse[3])) | \(f(r.rmse[0] / r.rmse[4])) | \(f(r.rmse[1] / r.rmse[2])) | "
                    + "\(f(r.p[0])) |")
        }
        let wins = rows.filter { $0.rmse[0] < $0.rmse[2] }.count
        md += [
            "",
            "The model beats no change in \(wins) of \(rows.count) series and horizons "
                + "(significantly at 5%: \(rows.filter { $0.rmse[0] < $0.rmse[2] && $0.p[0] < 0.05 }.count)).",
        ]
        let manifest: [String: Any] = [
            "model": model, "estimation": file, "data": data,
            "origins": origins.map { String(DecimalYear.isoDate($0).prefix(7)) },
            "horizons": horizons, "policy_rate": policyRate ?? NSNull(), "spread": spread ?? NSNull(),
            "start": warmStart ? "previous origin's mode" : "priors' means",
        ]
        let files = [
            ("evaluation.csv", csv.joined(separator: "\n") + "\n"),
            ("forecasts.csv", lines.joined(separator: "\n") + "\n"),
            ("evaluation.md", md.joined(separator: "\n") + "\n"),
            ("manifest.json", try OutputDirectory.manifest(tool: tool, command: command, manifest)),
        ]
        let chart = EvaluationChart.svg(
            series.map { name in
                (name, rows.filter { $0.series == name }.map { ($0.horizon, $0.rmse[0] / $0.rmse[2]) })
            },
            title: "Forecasts without look-ahead: \((model as NSString).lastPathComponent) against no change")
        return try OutputDirectory.write(files + [("evaluation.svg", chart)], into: folder)
    }
}
