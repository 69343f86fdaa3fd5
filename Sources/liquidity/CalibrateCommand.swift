import Application
import ArgumentParser
import Experiments
import FileFormats
import Foundation
import Reports
import Solvers

struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit the free parameters to the targets by weighted least squares (GSL's trust region).",
        discussion: """
            Starts from --config (default: the model file's own values), moves the free parameters of \
            --fit within their bounds to minimise the sum of squared residuals sqrt(weight) x \
            (model - target) / band over the targets of --targets, and writes the fitted configuration \
            (--write, default out/calibrate/fitted.toml, a new file) with its report beside it: <name>-report.md \
            and <name>-report.json (every target against the model, in bands; the fitted parameters \
            with standard errors, treating each band as one standard deviation, and their \
            correlations; the parameters the targets do not identify). The same command gives the \
            same numbers.

            --check only evaluates the targets on --config and prints the table.

            The model file (--model, default models/liquidity-priced.sfc) names the free parameters \
            (beta[crypto], or risk.crypto.beta) and the targets' series; the fit file's regime is an \
            option of its choice regime. The package's models have committed targets and fits \
            (models/liquidity-priced.sfc: its AI block, calibration/fit-liquidity-priced.toml, to \
            targets-liquidity-priced.toml from the monthly posterior mode liquidity-priced.toml; \
            models/liquidity.sfc: calibration/targets-liquidity.toml and fit-liquidity.toml; \
            models/reverse-qe.sfc: targets.toml and fit.toml, from calibration/modelmd.toml); \
            another model file needs --targets and --fit.

            Examples:
              liquidity calibrate
              liquidity calibrate --check
              liquidity calibrate --fit my-fit.toml --write calibration/mine.toml
              liquidity calibrate --model models/liquidity.sfc --write calibration/liquidity.toml
                  (replaces the history-consistent model's fit; then liquidity restart --model \
            models/liquidity.sfc --at 2026-01-01 --write calibration/liquidity-2026.toml)
              liquidity calibrate --model models/reverse-qe.sfc --write calibration/baseline.toml
              liquidity calibrate --model models/gl-sim.sfc --targets sim-targets.toml --fit sim-fit.toml
            """)

    @Option(
        help: ArgumentHelp(
            "The model file (default: models/liquidity-priced.sfc; MODEL.md's model is models/reverse-qe.sfc).",
            valueName: "file"))
    var model: String?

    @Option(
        help: ArgumentHelp(
            """
            Starting configuration (default: the file's own values; for models/liquidity-priced.sfc, \
            calibration/liquidity-priced.toml; for models/reverse-qe.sfc, calibration/modelmd.toml).
            """,
            valueName: "file"))
    var config: String?

    @Option(
        help: ArgumentHelp(
            """
            Targets file (default for the package's models: calibration/targets-<model>.toml, or \
            calibration/targets.toml for models/reverse-qe.sfc).
            """,
            valueName: "file"))
    var targets: String?

    @Option(
        help: ArgumentHelp(
            """
            Free parameters, bounds and fit settings (default for the package's models: \
            calibration/fit-<model>.toml, or calibration/fit.toml for models/reverse-qe.sfc).
            """,
            valueName: "file"))
    var fit: String?

    @Option(
        help: ArgumentHelp(
            """
            Where to write the fitted configuration (default out/calibrate/fitted.toml: a new file; name \
            the committed fit, calibration/liquidity.toml or calibration/baseline.toml, to replace it).
            """,
            valueName: "file"))
    var write: String = "out/calibrate/fitted.toml"

    @Flag(help: "Only evaluate the targets on --config; write nothing.")
    var check = false

    @Flag(help: "No progress messages.")
    var quiet = false

    @OptionGroup var native: NativeOption

    func run() throws {
        try native.install()
        let known = Defaults.fit(of: model)
        guard let targets = targets ?? known?.targets, let fit = fit ?? known?.fit else {
            throw InputError(
                "\(model ?? Defaults.model) is not one of the package's models: give its --targets and --fit")
        }
        if !check, OutputDirectory.kind(of: write) != .regularOrAbsent {
            throw InputError(
                """
                --write \(write): not a regular file; calibrate writes its report beside the configuration, so \
                name a file
                """)
        }
        let job = try CalibrationJob(
            model: try model ?? Defaults.modelFile(), config: config ?? known?.start, targets: targets, fit: fit,
            check: check)
        if check {
            print(try job.checkReport())
            return
        }
        if !quiet {
            printError(
                "calibrate: fitting \(job.spec.free.count) parameters to \(job.calibration.fitted.count) targets")
        }
        let started = Date()
        let quiet = quiet
        let result: CalibrationFit
        do {
            let fitted = job.calibration.fitted.count
            result = try job.run { iteration, cost, solves, inside in
                guard !quiet else { return }
                printError(
                    String(
                        format:
                            """
                            calibrate: iteration %d, cost %.6g, %d of %d fitted targets inside their bands, %d \
                            model solves, %.1f s
                            """,
                        iteration, cost,
                        inside, fitted, solves, Date().timeIntervalSince(started)))
            }
        } catch let error as LeastSquaresError {
            throw StoppedEarly(description: "the fit stopped: \(error.description)")
        }
        let (report, files) = try job.write(result, to: write, tool: BuildInfo.tool)
        print(report.summary())
        print("wrote " + files.joined(separator: ", "))
    }
}
