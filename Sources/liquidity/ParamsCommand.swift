import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation

struct Params: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every parameter with its value, unit, meaning and source.",
        discussion: """
            Values come from the configuration (--config, default calibration/baseline.toml) after \
            --set overrides. --toml prints them as a complete configuration file instead.

            Examples:
              liquidity params
              liquidity params --format csv > params.csv
              liquidity params --set payout=0.5 --toml > calibration/mine.toml
            """)

    @OptionGroup var inputs: ModelInputOptions

    @Option(help: "Output format: table, csv, markdown, latex.")
    var format: TableFormat = .table

    @Flag(help: "Print a complete configuration file (TOML).")
    var toml = false

    @Flag(name: .customLong("model-defaults"), help: "Use the values of MODEL.md section 4 instead of a configuration file.")
    var modelDefaults = false

    func run() throws {
        if let file = inputs.model {
            guard !modelDefaults else { throw InputError("--model: --model-defaults applies to the built-in model only") }
            let model = try ModelFiles.compile(file, settings: try inputs.modelSettings(file))
            if toml {
                print(ModelConfiguration.render(model, header: ["liquidity configuration of \(file)"]), terminator: "")
            } else {
                print(Tables.parameters(of: model, format: format))
            }
            return
        }
        var (parameters, path) = (ModelParameters(), "MODEL.md section 4")
        if modelDefaults {
            try Configuration.apply(overrides: inputs.overrides, to: &parameters)
        } else {
            (parameters, path) = try inputs.parameters()
        }
        if toml {
            print(Configuration.render(parameters, header: ["liquidity configuration, from \(path)"]), terminator: "")
            return
        }
        print(Tables.parameters(parameters, from: path, format: format))
    }
}
