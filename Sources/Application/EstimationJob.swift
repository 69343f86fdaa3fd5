import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

/// An estimation as its files describe it: the model, the starting configuration, the
/// estimation file (observables, priors, sampler) and the monthly data read from the FRED files
/// of a data folder, each error naming its file.
public struct EstimationJob {
    public let model: String, config: String, file: String, data: String
    public private(set) var spec: EstimationFile.Spec
    public let estimation: Estimation
    /// The targets file read, and the ids of its targets left to the monthly data (values of an
    /// observed series inside the likelihood's months).
    public let targets: String?
    public let leftToData: [String]
    /// The data file of each observable.
    public let dataFiles: [String]

    /// Reads everything; nothing is solved.
    ///
    /// - Parameters:
    ///   - data: the folder holding `<series>.csv` for every observable (FRED's exports).
    ///   - to: the likelihood's last month in place of the file's (`--to`: data that arrived since).
    public init(model: String, config: String?, file: String, data: String, to: String? = nil) throws {
        (self.model, self.config, self.file, self.data) = (model, config ?? model, file, data)
        let source = try ModelFiles.source(model)
        var spec = try EstimationFile.read(file, model: source.name)
        if let to {
            guard let month = DecimalYear.month(to), month >= spec.from else {
                let first = DecimalYear.isoDate(spec.from).prefix(7)
                throw InputError("--to \(to): allowed: a month, YYYY-MM, from \(file)'s first, \(first)")
            }
            spec.to = month
        }
        var settings = try config.map { try ModelFiles.settings(configuration: $0, for: source) } ?? ModelSettings()
        let start = settings.start ?? source.horizon?.0 ?? -.infinity
        let end = settings.end ?? source.horizon?.1 ?? .infinity
        guard spec.from >= start - 1e-9, spec.to + 1.0 / 12 <= end + 1e-9 else {
            throw InputError(
                """
                \(file): from \(DecimalYear.isoDate(spec.from).prefix(7)) to \
                \(DecimalYear.isoDate(spec.to).prefix(7)) \
                leaves the run's horizon, \(start) to \(end) (\(config ?? model)); allowed: months inside it
                """
            )
        }
        let canonical = { (key: String) in source.canonicalKey(key, members: settings.sets) ?? key }
        for i in spec.parameters.indices
        where !spec.parameters[i].key.hasPrefix("sd[") && !spec.parameters[i].key.hasPrefix("rho[") {
            spec.parameters[i].key = canonical(spec.parameters[i].key)
        }
        let observed = Set(source.observations.map(\.name))
        for observable in spec.observables where !observed.contains(observable.series) {
            throw InputError(
                """
                \(file): observable \(observable.series): \(model) has no observe \(observable.series); its \
                observables: \(source.observations.map(\.name).joined(separator: ", "))
                """
            )
        }
        if let regime = spec.regime {
            guard let choice = source.choices.first(where: { $0.name == ModelFiles.regimeChoice }),
                choice.options.contains(where: { $0.name == regime })
            else {
                throw InputError("\(file): regime = \"\(regime)\" is not an option of \(model)'s choice regime")
            }
            settings.choices[ModelFiles.regimeChoice] = regime
        }
        let months = Array(stride(from: spec.from, through: spec.to + 1e-9, by: 1.0 / 12))
        let read = try spec.observables.map { try Self.read($0.series, in: data) }
        let table = try zip(spec.observables, read).map { observable, file in
            try Self.monthly(file.series, average: observable.average, months: months, file: file.path)
        }
        dataFiles = read.map(\.path)
        var targetList: [CalibrationTarget] = []
        var dropped: [String] = []
        if let named = spec.targets {
            let path =
                named.hasPrefix("/")
                ? named : ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(named)
            for target in try CalibrationFiles.readTargets(path, model: source.name) {
                if case .value(let series, let t) = target.quantity,
                    spec.observables.contains(where: { $0.series == series }), t >= spec.from - 1e-9,
                    t <= spec.to + 1.0 / 12 + 1e-9
                {
                    dropped.append(target.id)
                } else {
                    targetList.append(target)
                }
            }
            targets = path
        } else {
            targets = nil
        }
        leftToData = dropped
        self.spec = spec
        do {
            estimation = try Estimation(
                model: FileCalibrationModel(source: source, settings: settings, choice: ModelFiles.regimeChoice),
                parameters: spec.parameters,
                likelihood: Likelihood(months: months, observables: spec.observables, data: table),
                targets: targetList, stepper: spec.stepper, tolerance: spec.tolerance)
        } catch let error as EstimationError {
            throw InputError("\(file): \(error.description)")
        } catch let error as CalibrationError {
            throw InputError("\(file): \(error.description)")
        }
    }

    /// The estimation file and starting configuration of `model`: those given, or for one of the
    /// package's model files its committed ones (`PackageFiles.estimations`), found beside
    /// `anchors`; `option` names the estimation file's option in the error (`--estimation FILE`).
    public static func files(
        model: String, estimation: String?, config: String?, anchors: [String], beside: String, option: String
    ) throws -> (file: String, config: String?) {
        let known = PackageFiles.estimations[(model as NSString).lastPathComponent]
        guard
            let file = try estimation
                ?? known.map({ try PackageFiles.required($0.file, anchors: anchors, beside: beside) })
        else {
            throw InputError("\(model) has no committed estimation file: give \(option)")
        }
        let start = estimation == nil ? known.map(\.start) : nil
        return (file, try config ?? start.map { try PackageFiles.required($0, anchors: anchors, beside: beside) })
    }

    /// This job with the chains, iterations, warm-up and seed given in place of the file's
    /// (checked as ``sampler(_:chains:draws:warmup:seed:prefix:)`` checks them); nothing is read again.
    public func sampling(chains: Int?, draws: Int?, warmup: Int?, seed: Int?, prefix: String) throws -> EstimationJob {
        var job = self
        job.spec.sampler = try Self.sampler(
            spec.sampler, chains: chains, draws: draws, warmup: warmup, seed: seed, prefix: prefix)
        return job
    }

    /// `base` with the chains, iterations, warm-up and seed given on the command line (`prefix`
    /// "--") or from Python (`prefix` ""), each checked.
    public static func sampler(
        _ base: SamplerSettings, chains: Int?, draws: Int?, warmup: Int?, seed: Int?, prefix: String
    ) throws -> SamplerSettings {
        for (name, value, minimum) in [("chains", chains, 2), ("draws", draws, 100), ("warmup", warmup, 100)] {
            if let value, value < minimum || value > 1_000_000 {
                throw InputError("\(prefix)\(name) \(value): allowed: \(minimum) to 1000000")
            }
        }
        if let seed, seed < 0 { throw InputError("\(prefix)seed \(seed): allowed: a whole number >= 0") }
        var sampler = base
        sampler.chains = chains ?? sampler.chains
        sampler.draws = draws ?? sampler.draws
        sampler.warmup = warmup ?? sampler.warmup
        sampler.seed = seed.map(UInt64.init) ?? sampler.seed
        guard sampler.draws / sampler.thin >= 10 else {
            throw InputError(
                """
                \(prefix)draws \(sampler.draws) with the file's thin = \(sampler.thin) keeps fewer than 10 draws a \
                chain; allowed: at least 10 times thin
                """
            )
        }
        return sampler
    }

    /// The FRED export of the series `id` in the folder `data` (`<data>/<id>.csv`), and its path.
    static func read(_ id: String, in data: String) throws -> (series: DatedSeries, path: String) {
        let path = (data as NSString).appendingPathComponent(id + ".csv")
        return (try FRED.read(path), path)
    }

    /// A series' figure for each month: the mean or the last of its observations in the month, or
    /// for a quarterly series the quarter's value in the quarter's last month; nil where none.
    static func monthly(_ series: DatedSeries, average: MonthlyObservable.Average, months: [Double], file: String)
        throws -> [Double?]
    {
        var sums = [Double](repeating: 0, count: months.count)
        var counts = [Int](repeating: 0, count: months.count)
        var last = [Double?](repeating: nil, count: months.count)
        guard let first = months.first else { return [] }
        for (date, value) in zip(series.dates, series.values) {
            guard let value, var t = DecimalYear.parse(date) else { continue }
            if average == .quarterEnd {
                guard date.hasSuffix("-01"), ["01", "04", "07", "10"].contains(date.dropFirst(5).prefix(2)) else {
                    throw InputError(
                        """
                        \(file): \(date): a quarter_end series is dated the first day of each quarter, as FRED \
                        dates it
                        """
                    )
                }
                t += 2.0 / 12
            }
            let m = Int(((t - first) * 12 + 1e-9).rounded(.down))
            guard m >= 0, m < months.count else { continue }
            sums[m] += value
            counts[m] += 1
            last[m] = value
        }
        let figures = months.indices.map { m -> Double? in
            guard counts[m] > 0 else { return nil }
            return average == .mean ? sums[m] / Double(counts[m]) : last[m]
        }
        guard figures.contains(where: { $0 != nil }) else {
            throw InputError(
                """
                \(file): no observation from \(DecimalYear.isoDate(first).prefix(7)) to \
                \(DecimalYear.isoDate(months.last!).prefix(7)), the estimation's months
                """
            )
        }
        return figures
    }
}

extension EstimationJob {
    /// The result of ``run(modeOnly:progress:)``.
    public struct Outcome {
        public let mode: PosteriorMode
        public let chains: Chains?
        public let summary: PosteriorSummary?
    }

    /// Finds the mode, then (unless `modeOnly`) runs the chains.
    public func run(modeOnly: Bool = false, progress: (@Sendable (String) -> Void)? = nil) throws -> Outcome {
        do {
            let mode = try estimation.mode(maxIterations: spec.maxIterations) { iteration, value in
                progress?("estimate: mode search, iteration \(iteration), log posterior \(value)")
            }
            progress?("estimate: mode found, log posterior \(mode.posterior.logPosterior) (\(mode.stopReason))")
            guard !modeOnly else { return Outcome(mode: mode, chains: nil, summary: nil) }
            let sampler = spec.sampler
            let total = sampler.warmup + sampler.draws
            let chains = try estimation.sample(mode: mode, settings: sampler) { chain, iteration, acceptance in
                guard iteration % 500 == 0 else { return }
                let phase =
                    iteration <= sampler.warmup ? "warm-up" : "acceptance \(String(format: "%.2f", acceptance))"
                progress?("estimate: chain \(chain + 1), iteration \(iteration) of \(total) (\(phase))")
            }
            return Outcome(
                mode: mode, chains: chains,
                summary: PosteriorSummary(estimation: estimation, mode: mode, chains: chains))
        } catch let error as EstimationError {
            throw InputError("\(file): \(error.description)")
        } catch let error as MinimizationError {
            throw InputError("\(file): the mode search failed: \(error.description)")
        }
    }

    /// Per observable at `x`: the months with data, the RMSE of the errors and their first-order
    /// autocorrelation; and the monthly table of data against model.
    public func fit(at x: [Double]) throws -> (
        summary: [(series: String, rmse: Double, autocorrelation: Double, count: Int)], table: String
    ) {
        let likelihood = estimation.likelihood
        let (path, _) = try estimation.solve(x)
        let model = try likelihood.modelValues(path)
        guard let errors = likelihood.errors(model) else {
            throw InputError("\(file): a log-scale observable is not positive at the mode")
        }
        let summary = zip(likelihood.observables, errors).map { observable, series in
            let e = series.map(\.error)
            let rmse = (e.reduce(0) { $0 + $1 * $1 } / Double(max(e.count, 1))).squareRoot()
            let r = e.count > 2 ? ChainDiagnostics.correlation(Array(e.dropLast()), Array(e.dropFirst())) : .nan
            return (observable.series, rmse, r, e.count)
        }
        var lines = [
            "month,t," + likelihood.observables.map { "\($0.series),\($0.series)_model" }.joined(separator: ",")
        ]
        for (m, t) in likelihood.months.enumerated() {
            var cells = [String(DecimalYear.isoDate(t).prefix(7)), CSV.number(t)]
            for i in likelihood.observables.indices {
                cells += [likelihood.data[i][m].map(CSV.number) ?? "", CSV.number(model[i][m])]
            }
            lines.append(cells.joined(separator: ","))
        }
        return (summary, lines.joined(separator: "\n") + "\n")
    }

    /// Writes the outcome into `folder`: posterior.csv, draws.csv, observables.csv, mode.toml,
    /// report.md, prior-posterior.svg and manifest.json, every file rendered before any is written;
    /// returns the paths written.
    public func write(_ outcome: Outcome, to folder: String, tool: Manifest.Tool, command: [String]) throws -> [String]
    {
        let mode = outcome.mode
        let fit = try fit(at: mode.values)
        var files: [(String, String)] = [("observables.csv", fit.table)]
        // The configuration at the mode.
        guard var model = estimation.base as? FileCalibrationModel else {
            preconditionFailure("an estimation of a model that is not a file")
        }
        for j in estimation.modelIndices {
            model = try model.setting(estimation.parameters[j].key, to: mode.values[j])
        }
        files.append(
            (
                "mode.toml",
                ModelConfiguration.render(
                    try ModelFiles.compile(model.source.file, settings: model.settings),
                    header: [
                        "A configuration of \(model.source.file): \(config) with the parameters of \(file)",
                        "at their posterior mode, by `liquidity estimate` (report: report.md).",
                    ])
            ))
        let keys = estimation.parameters.map(\.key)
        if let chains = outcome.chains, let summary = outcome.summary {
            var draws = ["chain,draw,log_posterior,log_likelihood," + keys.joined(separator: ",")]
            for (c, chain) in chains.draws.enumerated() {
                for (d, x) in chain.enumerated() {
                    draws.append(
                        ([
                            String(c + 1), String(d + 1), CSV.number(chains.logPosterior[c][d]),
                            CSV.number(chains.logLikelihood[c][d]),
                        ] + x.map(CSV.number)).joined(separator: ","))
                }
            }
            files.append(("draws.csv", draws.joined(separator: "\n") + "\n"))
            var table = [
                "key,prior,prior_mean,prior_sd,lower,upper,mode,mode_se,mean,sd,q05,q50,q95,rhat,ess_bulk,at_bound"
            ]
            for s in summary.parameters {
                let p = s.parameter
                let (mean, sd) = p.prior.moments.map { (CSV.number($0.mean), CSV.number($0.sd)) } ?? ("", "")
                table.append(
                    ([p.key, p.prior.name, mean, sd]
                        + [p.lower, p.upper, s.mode, s.modeError, s.mean, s.sd, s.q05, s.q50, s.q95, s.rHat, s.ess]
                        .map(CSV.number)
                        + [s.atBound ? "true" : "false"]).joined(separator: ","))
            }
            files.append(("posterior.csv", table.joined(separator: "\n") + "\n"))
            let title = "Posterior of \(model.source.file) (\(file))"
            files.append(("prior-posterior.svg", PosteriorReport.chart(summary, chains: chains, title: title)))
            let months = estimation.likelihood.months
            let inputs = [
                """
                Model \(model.source.file), configuration \(config), estimation file \(file), regime \
                \(estimation.base.optionName), \(spec.stepper.rawValue) at \(spec.tolerance).
                """,
                """
                Data: \(estimation.likelihood.observables.count) series from \(data), \
                \(DecimalYear.isoDate(months.first!).prefix(7)) to \(DecimalYear.isoDate(months.last!).prefix(7)): \
                \(estimation.likelihood.count) monthly observations.
                """,
                targets.map {
                    """
                    Targets: \(estimation.targets.count) from \($0) (normal, sd = band / sqrt(weight)); \
                    \(leftToData.count) quarter-end values of observed series left to the monthly data.
                    """
                } ?? "Targets: none.",
            ]
            files.append(
                (
                    "report.md",
                    PosteriorReport.markdown(
                        title: title, inputs: inputs, mode: mode, chains: chains, summary: summary,
                        settings: spec.sampler, fit: fit.summary)
                ))
        }
        let manifest: [String: Any] = [
            "model": model.source.file, "config": config, "estimation": file, "data": dataFiles,
            "targets": targets ?? NSNull(),
            "sampler": [
                "chains": spec.sampler.chains, "warmup": spec.sampler.warmup, "draws": spec.sampler.draws,
                "thin": spec.sampler.thin,
                "seed": spec.sampler.seed,
            ],
            "parameters": keys,
        ]
        files.append(("manifest.json", try OutputDirectory.manifest(tool: tool, command: command, manifest)))
        return try OutputDirectory.write(files, into: folder)
    }
}
