import Application
import ArgumentParser
import Experiments
import FileFormats
import Foundation
import Reports

struct Params: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "params",
        abstract: "List every parameter of the model file with its value, unit, role, range, meaning and source.",
        discussion: """
            Values come from the configuration (--config, default calibration/liquidity-priced-2026.toml for the \
            default model) after --set overrides. --toml prints them as a complete configuration file \
            instead; --model-defaults gives the file's own values.

            Examples:
              liquidity params
              liquidity params --format csv > params.csv
              liquidity params --set payout=0.5 --toml > calibration/mine.toml
              liquidity params --model models/gl-pc.sfc
            """)

    @OptionGroup var inputs: ModelInputOptions

    @Option(help: "Output format: table, csv, markdown, latex.")
    var format: TableFormat = .table

    @Flag(help: "Print a complete configuration file (TOML).")
    var toml = false

    @Flag(
        name: .customLong("model-defaults"), help: "Use the model file's own values instead of a configuration file.")
    var modelDefaults = false

    func run() throws {
        var request = inputs.request
        if modelDefaults {
            guard inputs.config == nil else {
                throw InputError("--model-defaults: the file's own values; leave out --config")
            }
            request.fileValues = true
        }
        let file = try request.modelFile()
        let model = try ModelFiles.compile(file, settings: try request.modelSettings())
        if toml {
            print(
                ModelConfiguration.render(
                    model,
                    header: ["liquidity configuration of \(file)"]
                        + ((try request.configFile()).map { ["from \($0)"] } ?? [])), terminator: "")
        } else {
            print(
                Tables.parameters(
                    of: model, format: format,
                    givenBy: try ModelFiles.parameterSources(of: model, configuration: try request.configFile())))
        }
    }
}
