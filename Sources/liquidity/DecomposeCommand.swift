import Application
import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation

struct Decompose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decompose",
        abstract: "Historical decomposition: each exogenous driver's contribution to the path (Shapley values).",
        discussion: """
            Solves the model once for every subset of its drivers switched off (2^n runs, on every core; \
            at most 12 drivers) and gives each driver its Shapley value: the mean, over every order of \
            switching the drivers on, of what it adds to each series. The contributions add up to the \
            path less the path with every driver off, exactly but for rounding (the report gives the \
            largest gap).

            A driver is switched off by holding a knot table at its value at the start, by an option of a \
            choice (counterfactual = no_ai_boom), or by setting parameters, as the drivers file says \
            ([[driver]] tables: name, and table, choice with option, or parameters). Without --drivers \
            every table of the model file is a driver, and the last option of its choice counterfactual.

            For the default model the defaults are the history: calibration/liquidity-priced.toml from \
            2022-07-01 to 2026-01-01 with calibration/drivers-liquidity-priced.toml (the policy rate, \
            market expectations, the TGA, runoff, the Fed's other assets, the bill share, the money funds' \
            assets, the primary deficit and the AI boom); for models/liquidity.sfc, calibration/liquidity.toml \
            with calibration/drivers-liquidity.toml.

            Writes into --out (default out/decompose): decomposition.csv (t, date, series, driver, value; \
            with the path and the path with every driver off), decomposition.svg (stacked bars by \
            quarter), decomposition.md (the change of each series from start to end, split by driver) \
            and manifest.json.

            Examples:
              liquidity decompose
              liquidity decompose --series RRPONTSYD,WRESBAL
              liquidity decompose --model models/reverse-qe.sfc --config calibration/baseline.toml
            """)

    @Option(help: ArgumentHelp("The model file (default: models/liquidity-priced.sfc).", valueName: "file"))
    var model: String?

    @Option(
        help: ArgumentHelp(
            "Configuration (default for the default model: calibration/liquidity.toml, the 2022-2025 fit).",
            valueName: "file"))
    var config: String?

    @Option(
        help: ArgumentHelp(
            """
            Drivers file (default for the package's models: calibration/drivers-<model>.toml; otherwise the \
            file's tables).
            """,
            valueName: "file"))
    var drivers: String?

    @Option(
        help: ArgumentHelp("Series, separated by commas (default: the model's observe series).", valueName: "list"))
    var series: String?

    @Option(help: ArgumentHelp("End of the path (default for the default model: 2026-01-01).", valueName: "date"))
    var to: String?

    @Option(help: ArgumentHelp("Output folder (default: out/decompose).", valueName: "dir"))
    var out: String = "out/decompose"

    @Flag(help: "Print only the files written.")
    var quiet = false

    func run() throws {
        let modelFile = try model ?? Defaults.modelFile()
        let request = try DecompositionFiles.Request.resolving(
            model: modelFile, config: config, drivers: drivers,
            series: try series.map { try ModelFiles.names($0, option: "--series", of: "series") }, end: to,
            option: "--to", anchors: [PackageFiles.executable], beside: "the tool")
        let (decomposition, units) = try {
            do {
                return try DecompositionFiles.run(request)
            } catch let error as SolveSettings.Invalid {
                throw StoppedEarly(description: error.description)
            }
        }()
        let files = try DecompositionFiles.write(
            decomposition, units: units, request: request, to: out, tool: BuildInfo.tool,
            command: CommandLine.arguments)
        if !quiet {
            print(DecompositionFiles.markdown(decomposition, title: "Decomposition", inputs: [], units: units))
        }
        print("wrote " + files.joined(separator: ", "))
    }
}
