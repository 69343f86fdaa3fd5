import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

/// A calibration as its three files describe it: the starting configuration,
/// the targets and the fit settings, each error naming its file.
public struct CalibrationJob {
    public let config: String, targets: String, fit: String
    /// The calibration: with `check`, no free parameters (the targets are only evaluated).
    public let calibration: Calibration
    public let spec: CalibrationFiles.FitSpec

    /// The model file calibrated.
    public let model: String

    /// Reads the model file and the three files; with `check` the fit file's
    /// starting values are not applied.
    ///
    /// - Parameter config: the starting configuration; nil starts from the
    ///   model file's own values.
    public init(model: String, config: String?, targets: String, fit: String, check: Bool) throws {
        (self.config, self.targets, self.fit, self.model) = (config ?? model, targets, fit, model)
        let source = try ModelFiles.source(model)
        let targetList = try CalibrationFiles.readTargets(targets, model: source.name)
        var spec = try CalibrationFiles.readFit(fit, model: source.name)
        var settings = try config.map { try ModelFiles.settings(configuration: $0, for: source) } ?? ModelSettings()
        let end = settings.end ?? source.horizon?.1 ?? .infinity
        let start = settings.start ?? source.horizon?.0 ?? -.infinity
        if let early = targetList.first(where: { $0.quantity.earliestSavedDate < start - 1e-9 }) {
            throw InputError(
                """
                \(targets): \(early.id) is dated \(early.quantity.earliestSavedDate), before the run's start, \
                \(start) (the horizon of \(config ?? model)); allowed: dates from \(start)
                """
            )
        }
        if let late = targetList.first(where: { $0.quantity.latestDate > end + 1e-9 }) {
            throw InputError(
                """
                \(targets): \(late.id) is dated \(late.quantity.latestDate), after the run's end, \(end) (the \
                horizon of \(config ?? model)); allowed: dates up to \(end)
                """
            )
        }
        // Keys as everywhere else: `risk.crypto.beta` is `beta[crypto]`; an unknown key is left for the calibration to
        // name.
        let canonical = { (key: String) in source.canonicalKey(key, members: settings.sets) ?? key }
        for i in spec.free.indices { spec.free[i].key = canonical(spec.free[i].key) }
        spec.starts = Dictionary(
            spec.starts.map { (canonical($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        if let regime = spec.regime {
            guard let choice = source.choices.first(where: { $0.name == ModelFiles.regimeChoice }) else {
                throw InputError(
                    "\(fit): regime = \"\(regime)\", but \(model) declares no choice regime; leave regime out")
            }
            guard choice.options.contains(where: { $0.name == regime }) else {
                throw InputError(
                    """
                    \(fit): regime = \"\(regime)\"; allowed: the options of \(model)'s choice regime: \
                    \(choice.options.map(\.name).joined(separator: ", "))
                    """
                )
            }
            settings.choices[ModelFiles.regimeChoice] = regime
        }
        self.spec = spec
        var base: any CalibrationModel = FileCalibrationModel(
            source: source, settings: settings, choice: ModelFiles.regimeChoice)
        do {
            if !check {
                for (key, start) in spec.starts.sorted(by: { $0.key < $1.key }) {
                    base = try base.setting(key, to: start)
                }
            }
            var calibration = try Calibration(
                model: base, free: check ? [] : spec.free, targets: targetList, stepper: spec.stepper,
                tolerance: spec.tolerance)
            calibration.bandPenalty = spec.bandPenalty
            self.calibration = calibration
        } catch let error as CalibrationError {
            throw InputError("\(check ? targets : fit): \(error.description)")
        } catch let error as ModelFileError {
            throw ModelFiles.inputError(error)
        }
    }

    /// The model's value of every target on the starting configuration.
    public func evaluate() throws -> [Double?] {
        do {
            return try calibration.evaluate(calibration.base).values
        } catch let error as CalibrationError {
            throw InputError("\(targets): \(error.description)")
        }
    }

    /// The table `calibrate --check` prints, and its last line: how many fitted targets are inside their bands.
    public func checkReport() throws -> String {
        let values = try evaluate()
        let fitted = zip(calibration.targets, values).filter { $0.0.weight > 0 }
        let inside = fitted.filter { abs(($0.1 ?? .infinity) - $0.0.value) <= $0.0.band }.count
        return CalibrationReport.targetsTable(calibration.targets, values: values, format: .table)
            + "\n\n\(inside) of \(fitted.count) fitted targets inside their bands (\(config))"
    }

    /// Fits the free parameters. A target the model cannot evaluate is bad
    /// input; the solver's own failures (`LeastSquaresError`) pass through.
    ///
    /// - Parameter progress: called after each iteration of the trust-region
    ///   solver with its number, the cost, the model solves so far and how
    ///   many fitted targets are inside their bands.
    public func run(
        progress: (@Sendable (_ iteration: Int, _ cost: Double, _ solves: Int, _ inside: Int) -> Void)? = nil
    ) throws -> CalibrationFit {
        var options = spec.options
        let calibration = calibration
        if let progress {
            options.progress = { iteration, cost, solves, residuals in
                progress(iteration, cost, solves, calibration.inside(residuals: residuals))
            }
        }
        do {
            return try calibration.fit(options)
        } catch let error as CalibrationError {
            throw InputError("\(targets): \(error.description)")
        }
    }

    /// Writes the fitted configuration to `path` and its report beside it
    /// (`<name>-report.md`, `<name>-report.json`), every file rendered before
    /// any is written; returns the report and the paths written.
    public func write(_ fit: CalibrationFit, to path: String, tool: Manifest.Tool) throws -> (
        report: CalibrationReport, files: [String]
    ) {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let folder = (path as NSString).deletingLastPathComponent
        let directory = try OutputDirectory(folder.isEmpty ? "." : folder, option: "--write")
        let report = CalibrationReport(
            fit: fit, config: config, targetsFile: targets, fitFile: self.fit, fitMethod: spec.options.method.rawValue,
            tool: tool)
        guard let fitted = fit.parameters as? FileCalibrationModel else {
            preconditionFailure("a calibration of a model that is not a file")
        }
        let configuration = ModelConfiguration.render(
            try ModelFiles.compile(fitted.source.file, settings: fitted.settings),
            header: [
                """
                A configuration of \(fitted.source.file): \(config == model ? "its own values" : config) with \
                the free parameters
                """,
                "of \(self.fit) fitted to \(targets) by `liquidity calibrate` (report: \(stem)-report.md).",
            ])
        let files = [
            ((path as NSString).lastPathComponent, configuration),
            (stem + "-report.md", report.markdown()),
            (stem + "-report.json", try report.json()),
        ]
        for (name, text) in files { try directory.write(name, text) }
        return (report, files.map { (folder as NSString).appendingPathComponent($0.0) })
    }
}
