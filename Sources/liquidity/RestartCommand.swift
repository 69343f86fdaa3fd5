import Application
import ArgumentParser
import FileFormats
import FlowModel
import Foundation

struct RestartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract:
            "Restart a model at a later date from its fit and the data: the configuration a comparison starts from.",
        discussion: """
            Runs the model with --config (the fit) to --at, then writes a configuration that starts there \
            and runs to --to. Its values come, each later one overriding the earlier: (1) from the path at \
            --at: every parameter that is a state's whole start (R0 for `state R start = R0`) takes the \
            state's value, and each [run] expression of the restart file its value; (2) from the restart \
            file's [set] values; (3) from the data: each [match] parameter is moved so that its observable \
            starts at the month before --at in --data (the month's mean, last value or quarter), all \
            together by GSL's hybrids root finder. Every restarted value's line names its source.

            For the default model the defaults are calibration/liquidity-priced.toml (the monthly fit) and \
            calibration/restart-liquidity-priced.toml; the committed calibration/liquidity-priced-2026.toml \
            is `liquidity restart --at 2026-01-01 --write calibration/liquidity-priced-2026.toml`.

            Examples:
              liquidity restart --at 2026-01-01
              liquidity restart --at 2025-07-01 --to 2031-07-01 --write out/restart/2025-07.toml
            """)

    @Option(help: ArgumentHelp("The model file (default: models/liquidity-priced.sfc).", valueName: "file"))
    var model: String?

    @Option(
        help: ArgumentHelp(
            "The fitted configuration run to --at (default for the default model: calibration/liquidity-priced.toml).",
            valueName: "file"))
    var config: String?

    @Option(
        help: ArgumentHelp(
            "The restart file: [run], [set], [match] (default: calibration/restart-liquidity-priced.toml).",
            valueName: "file"))
    var restart: String?

    @Option(help: ArgumentHelp("The restart date, YYYY-MM-DD.", valueName: "date"))
    var at: String

    @Option(
        help: ArgumentHelp(
            "The restarted configuration's end (default: the restart file's `to`).", valueName: "date"))
    var to: String?

    @Option(help: ArgumentHelp("Folder of the FRED files (default: the package's data/).", valueName: "dir"))
    var data: String?

    @Option(
        help: ArgumentHelp(
            "Where to write the configuration (default out/restart/restarted.toml).", valueName: "file"))
    var write: String = "out/restart/restarted.toml"

    @Flag(help: "Print only the file written.")
    var quiet = false

    func run() throws {
        let modelFile = try model ?? Defaults.modelFile()
        let anchors = [PackageFiles.executable]
        let known = PackageFiles.committed(PackageFiles.restarts, of: modelFile, anchors: anchors)
        func located(_ relative: String) throws -> String {
            try PackageFiles.required(relative, anchors: anchors, beside: "the tool")
        }
        guard let config = try config ?? known.map({ try located($0.config) }),
            let restart = try restart ?? known.map({ try located($0.file) })
        else {
            throw InputError("\(modelFile) is not one of the package's models: give its --config and --restart")
        }
        var end: Double?
        if let to {
            guard let t = DecimalYear.parse(to) else { throw InputError("--to \(to): allowed: a date, YYYY-MM-DD") }
            end = t
        }
        let job = try RestartJob(
            model: modelFile, config: config, restart: restart, data: try data ?? Defaults.dataFile("data"), at: at,
            to: end)
        let assignments = try job.write(to: write)
        if !quiet {
            for a in assignments { print("\(a.key) = \(Configuration.format(a.value))  (\(a.source))") }
        }
        print("wrote \(write)")
    }
}
