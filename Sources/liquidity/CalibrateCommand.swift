import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import Solvers

struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit the free parameters to the targets by weighted least squares (GSL's trust region).",
        discussion: """
            Starts from --config (default calibration/modelmd.toml), moves the free parameters of \
            --fit within their bounds to minimise the sum of squared residuals sqrt(weight) x \
            (model - target) / band over the targets of --targets, and writes the fitted configuration \
            (--write, default calibration/baseline.toml) with its report beside it: <name>-report.md \
            and <name>-report.json (every target against the model, in bands; the fitted parameters \
            with standard errors, treating each band as one standard deviation, and their \
            correlations; the parameters the targets do not identify). The same command gives the \
            same numbers.

            --check only evaluates the targets on --config and prints the table.

            Examples:
              liquidity calibrate
              liquidity calibrate --check --config calibration/baseline.toml
              liquidity calibrate --fit my-fit.toml --write calibration/mine.toml
            """)

    @Option(help: ArgumentHelp("Starting configuration.", valueName: "file"))
    var config: String = "calibration/modelmd.toml"

    @Option(help: ArgumentHelp("Targets file.", valueName: "file"))
    var targets: String = "calibration/targets.toml"

    @Option(help: ArgumentHelp("Free parameters, bounds and fit settings.", valueName: "file"))
    var fit: String = "calibration/fit.toml"

    @Option(help: ArgumentHelp("Where to write the fitted configuration.", valueName: "file"))
    var write: String = "calibration/baseline.toml"

    @Flag(help: "Only evaluate the targets on --config; write nothing.")
    var check = false

    @Flag(help: "No progress messages.")
    var quiet = false

    func run() throws {
        let progress = Progress(quiet: quiet)
        var base = try Configuration.read(config)
        let targetList = try CalibrationFiles.readTargets(targets)
        let spec = try CalibrationFiles.readFit(fit)
        var calibration: Calibration
        do {
            if !check {
                for (key, start) in spec.starts.sorted(by: { $0.key < $1.key }) { try base.set(key, to: start) }
            }
            calibration = try Calibration(
                base: base, free: check ? [] : spec.free, targets: targetList, regime: spec.regime, stepper: spec.stepper,
                tolerance: spec.tolerance)
            calibration.bandPenalty = spec.bandPenalty
        } catch let error as CalibrationError {
            throw InputError("\(check ? targets : fit): \(error.description)")
        } catch let error as ModelError {
            throw InputError("\(fit): \(error.description)")
        }
        if check {
            let values: [Double?]
            do {
                values = try calibration.evaluate(base).values
            } catch let error as CalibrationError {
                throw InputError("\(targets): \(error.description)")
            }
            print(CalibrationReport.targetsTable(calibration.targets, values: values, format: .table))
            let fitted = zip(calibration.targets, values).filter { $0.0.weight > 0 }
            let inside = fitted.filter { abs(($0.1 ?? .infinity) - $0.0.value) <= $0.0.band }.count
            print("\n\(inside) of \(fitted.count) fitted targets inside their bands (\(config))")
            return
        }
        progress.report("fitting \(spec.free.count) parameters to \(calibration.fitted.count) targets")
        let result: CalibrationFit
        do {
            result = try calibration.fit(spec.options)
        } catch let error as LeastSquaresError {
            throw StoppedEarly(description: "the fit stopped: \(error.description)")
        } catch let error as CalibrationError {
            throw InputError("\(targets): \(error.description)")
        }
        let stem = (write as NSString).deletingPathExtension
        let directory = try OutputDirectory((write as NSString).deletingLastPathComponent.isEmpty ? "." : (write as NSString).deletingLastPathComponent)
        let header = [
            "The default configuration of every command: MODEL.md section 4's values with the free",
            "parameters of \(fit) fitted to \(targets) by `liquidity calibrate` (report: \((stem as NSString).lastPathComponent)-report.md).",
        ]
        let report = CalibrationReport(
            fit: result, config: config, targetsFile: targets, fitFile: fit, fitMethod: spec.options.method.rawValue, tool: BuildInfo.tool)
        // Every file is rendered before any is written.
        let files = [
            ((write as NSString).lastPathComponent, Configuration.render(result.parameters, header: header)),
            ((stem as NSString).lastPathComponent + "-report.md", report.markdown()),
            ((stem as NSString).lastPathComponent + "-report.json", try report.json()),
        ]
        for (name, text) in files { try directory.write(name, text) }
        print(report.summary())
        print("wrote \(write), \(stem)-report.md, \(stem)-report.json")
    }
}
