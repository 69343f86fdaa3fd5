import Application
import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Forecasts without look-ahead at rolling monthly origins, against no change, AR(1) and a VAR.",
        discussion: """
            At each monthly origin (--from, --to; default 2024-01 to 2025-06) refits the model (its \
            posterior mode on the estimation file's data up to the origin, searched from the previous \
            origin's mode, which saw only the data up to that origin; the first from the priors' means; \
            --start prior: every origin from the priors' means) and \
            forecasts each observable --horizons months on (default 1,3,6,12), with every input table held \
            at its value at the origin and the policy rate (--policy-rate, default rm where the model has \
            it) on the market's path then, a spread over it (--spread, default r2_gap) held so that the \
            market yield it measures stays where it was; a conditional variant is given the realised \
            inputs. No change, an AR(1) per series and a VAR in monthly changes (lags by BIC) forecast \
            from the same data (from --benchmark-from, default 2015-01). Writes evaluation.csv (RMSE and \
            ratios per series and horizon, Diebold-Mariano p-values), forecasts.csv, evaluation.md and \
            manifest.json into --out (default out/evaluate).

            Examples:
              liquidity evaluate
              liquidity evaluate --from 2025-01 --to 2025-03 --horizons 1,3
            """)

    @Option(help: ArgumentHelp("The model file (default: models/liquidity-priced.sfc).", valueName: "file"))
    var model: String?

    @Option(
        help: ArgumentHelp(
            "Estimation file (default for the package's models: calibration/estimate-<model>.toml).",
            valueName: "file"))
    var estimation: String?

    @Option(help: ArgumentHelp("Folder of the FRED files (default: the package's data/).", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("First origin (YYYY-MM).", valueName: "month"))
    var from = "2024-01"

    @Option(help: ArgumentHelp("Last origin (YYYY-MM).", valueName: "month"))
    var to = "2025-06"

    @Option(help: ArgumentHelp("Horizons in months, separated by commas.", valueName: "list"))
    var horizons = "1,3,6,12"

    @Option(help: ArgumentHelp("First month of the benchmarks' data (YYYY-MM).", valueName: "month"))
    var benchmarkFrom = "2015-01"

    @Option(
        help: ArgumentHelp("The table of the policy rate (default: rm, where the model has it).", valueName: "table"))
    var policyRate: String?

    @Option(
        help: ArgumentHelp(
            """
            A table measured as a market yield less the policy rate, held so that the yield stays at its \
            value at the origin (default: r2_gap, where the model has it).
            """,
            valueName: "table"))
    var spread: String?

    @Option(
        help: ArgumentHelp(
            """
            Where each origin's mode search starts: previous (the previous origin's mode) or prior (the \
            priors' means).
            """,
            valueName: "previous|prior"))
    var start = "previous"

    @Option(help: ArgumentHelp("Output folder (default: out/evaluate).", valueName: "dir"))
    var out = "out/evaluate"

    @Flag(help: "Print only the files written.")
    var quiet = false

    @OptionGroup var native: NativeOption

    func run() throws {
        try native.install()
        func month(_ text: String, _ option: String) throws -> Double {
            guard let t = DecimalYear.month(text) else {
                throw InputError("\(option) \(text): expected a month, YYYY-MM (2024-01)")
            }
            return t
        }
        let horizonList = try ModelFiles.names(horizons, option: "--horizons", of: "horizon").map { text -> Int in
            guard let h = Int(text), (1...24).contains(h) else {
                throw InputError("--horizons \(horizons): \(text) is not a whole number of months from 1 to 24")
            }
            return h
        }
        guard ["previous", "prior"].contains(start) else {
            throw InputError("--start \(start): expected previous or prior")
        }
        let modelFile = try model ?? Defaults.modelFile()
        let (file, _) = try EstimationJob.files(
            model: modelFile, estimation: estimation, config: nil, anchors: [PackageFiles.executable],
            beside: "the tool", option: "--estimation FILE")
        let source = try ModelFiles.source(modelFile)
        var job = try EvaluationJob(
            model: modelFile, file: file, data: try data ?? Defaults.dataFile("data"), from: try month(from, "--from"),
            to: try month(to, "--to"), horizons: horizonList,
            benchmarkFrom: try month(benchmarkFrom, "--benchmark-from"),
            policyRate: policyRate ?? (source.tables.contains { $0.name == "rm" } ? "rm" : nil),
            spread: spread ?? (source.tables.contains { $0.name == "r2_gap" } ? "r2_gap" : nil))
        job.warmStart = start == "previous"
        let quiet = quiet
        let forecasts: [EvaluationJob.Forecast]
        do {
            forecasts = try job.run { if !quiet { printError($0) } }
        } catch let error as SolveSettings.Invalid {
            throw StoppedEarly(description: error.description)
        }
        let files = try job.write(forecasts, to: out, tool: BuildInfo.tool, command: CommandLine.arguments)
        if !quiet { print(try String(contentsOfFile: files[2], encoding: .utf8)) }
        print("wrote " + files.joined(separator: ", "))
    }
}
