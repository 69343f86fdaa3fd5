import Application
import ArgumentParser
import Experiments
import FileFormats
import Foundation
import Reports
import Solvers

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Refit on the data up to each cut-off and forecast the next quarters, against a no-change forecast.",
        discussion: """
            For each cut-off (a quarter, YYYYQn), the calibration of --targets and --fit is refitted on \
            the targets dated at or before its end; the fitted model then forecasts the next --horizon \
            quarter-ends of each series (the targets' series that --table has, or --series), set against \
            the data and against no change from the cut-off. Prints, per cut-off and series, the mean \
            absolute errors of both, the errors at the last quarter and the quarters whose direction the \
            model got right; writes every forecast to --out/backtest.csv.

            Examples:
              liquidity history --targets DGS10=0.5,RRPONTSYD=250 --table calibration/history-fred.csv --write t.toml
              liquidity backtest --model M.sfc --config C.toml --targets t.toml --fit f.toml \\
                  --cutoffs 2024Q2,2024Q4,2025Q2
            """)

    @Option(help: ArgumentHelp("The model file (default: models/liquidity-priced.sfc).", valueName: "file"))
    var model: String?

    @Option(help: ArgumentHelp("Starting configuration (default: the model file's own values).", valueName: "file"))
    var config: String?

    @Option(
        help: ArgumentHelp("Targets file (quarter-end targets: `liquidity history --targets`).", valueName: "file"))
    var targets: String

    @Option(help: ArgumentHelp("Free parameters, bounds and fit settings.", valueName: "file"))
    var fit: String

    @Option(help: ArgumentHelp("The data in FRED units.", valueName: "file"))
    var table: String = "calibration/history-fred.csv"

    @Option(help: ArgumentHelp("Cut-offs, comma-separated quarters.", valueName: "list"))
    var cutoffs: String = "2024Q2,2024Q4,2025Q2"

    @Option(help: "Quarters forecast after each cut-off.")
    var horizon: Int = 4

    @Option(
        help: ArgumentHelp(
            "Series to forecast, comma-separated (default: every series the targets name that the table has).",
            valueName: "list"))
    var series: String?

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out: String = "out/backtest"

    @Flag(help: "No progress messages.")
    var quiet = false

    @OptionGroup var native: NativeOption

    func run() throws {
        try native.install()
        let quarters = try BacktestFiles.cutoffs(cutoffs, table: table)
        let job = try CalibrationJob(
            model: try model ?? Defaults.modelFile(), config: config, targets: targets, fit: fit, check: false)
        let backtest = try BacktestFiles.backtest(
            job, table: table,
            series: try series.map { try ModelFiles.names($0, option: "--series", of: "series") },
            horizon: horizon)
        let directory = try OutputDirectory(out)
        var results: [Backtest.Result] = []
        for (k, cutoff) in quarters.enumerated() {
            if !quiet { printError("backtest: refitting on the data up to \(cutoff) (\(k + 1) of \(quarters.count))") }
            do {
                results.append(try backtest.run(cutoff: cutoff))
            } catch let error as CalibrationError {
                throw InputError("\(targets): \(error.description)")
            } catch let error as LeastSquaresError {
                throw StoppedEarly(description: "the fit at cut-off \(cutoff) stopped: \(error.description)")
            }
        }
        let (text, csv) = BacktestFiles.report(results, horizon: horizon)
        try directory.write("backtest.csv", csv)
        print(text)
        print("wrote \(out)/backtest.csv")
    }
}
