import ArgumentParser
import Experiments
import FileFormats
import Foundation
import ModelLanguage
import Solvers

/// A file of the package (`models/reverse-qe.sfc`): in the current directory, or beside the tool's package.
func packageFile(_ relative: String) -> String? {
    if FileManager.default.fileExists(atPath: relative) { return relative }
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<6 {
        let candidate = directory.appendingPathComponent(relative).path
        if FileManager.default.fileExists(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return nil
}

/// The default model file and the committed calibrations of the package's model files.
enum Defaults {
    static let model = "models/liquidity.sfc"
    static let config = "calibration/liquidity-2026.toml"

    /// What `calibrate` and `backtest` start from and fit for one of the package's model files.
    struct Fit {
        /// The starting configuration (nil: the file's own values), the targets and the free parameters.
        let start: String?, targets: String, fit: String
    }

    /// The committed fits, by the model file's name.
    static let fits: [String: Fit] = [
        "liquidity.sfc": Fit(start: nil, targets: "calibration/targets-liquidity.toml", fit: "calibration/fit-liquidity.toml"),
        "reverse-qe.sfc": Fit(start: "calibration/modelmd.toml", targets: "calibration/targets.toml", fit: "calibration/fit.toml"),
    ]

    /// The default model, found in the current directory or beside the tool.
    static func modelFile() throws -> String {
        guard let path = packageFile(model) else { throw InputError("no model given and \(model) not found; pass --model FILE") }
        return path
    }

    /// MODEL.md's model, models/reverse-qe.sfc.
    static func reverseQEFile() throws -> String {
        guard let path = packageFile("models/reverse-qe.sfc") else { throw InputError("models/reverse-qe.sfc not found; pass --model FILE") }
        return path
    }

    /// The committed fit of `model` (nil: the default model), when it is one of the package's files.
    static func fit(of model: String?) -> Fit? {
        guard let model else { return fits["liquidity.sfc"] }
        let name = (model as NSString).lastPathComponent
        func resolved(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path }
        guard let known = packageFile("models/" + name), resolved(model) == resolved(known) else { return nil }
        return fits[name]
    }
}

/// Where the model's inputs come from: model file, configuration, overrides, scenarios, span.
struct ModelInputOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The model file (default: models/liquidity.sfc; MODEL.md's model is models/reverse-qe.sfc).", valueName: "file"))
    var model: String?

    @Option(help: ArgumentHelp(
        "Configuration file (TOML) of the model's parameters, sets, tables and choices.",
        discussion: "Default for the default model: calibration/liquidity-2026.toml (the history fit restarted on 2026-01-01 from the end-2025 data); for another model file, the file's own values (MODEL.md's fitted baseline: calibration/baseline.toml).",
        valueName: "file"))
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Override one parameter: name=value (repeatable). Names as in `liquidity params`: payout, beta[crypto] (or risk.crypto.beta).",
        valueName: "name=value"))
    var overrides: [String] = []

    @Option(name: .customLong("scenario"), help: ArgumentHelp(
        "Scenario file (TOML) of dated parameter changes (repeatable); no-ai-boom solves the file's counterfactual option.",
        valueName: "file"))
    var scenarios: [String] = []

    @Option(name: .customLong("from"), help: ArgumentHelp("Start of the simulation, t0: a decimal year or YYYY-MM-DD.", valueName: "date"))
    var start: String?

    @Option(name: .customLong("to"), help: ArgumentHelp("End of the simulation, t1: a decimal year or YYYY-MM-DD.", valueName: "date"))
    var end: String?

    /// The model file: --model, or the default model.
    func modelFile() throws -> String { try model ?? Defaults.modelFile() }

    /// The configuration: --config, or for the default model calibration/liquidity-2026.toml; nil: the file's own values.
    func configFile() throws -> String? {
        if let config { return config }
        guard model == nil else { return nil }
        guard let path = packageFile(Defaults.config) else { throw InputError("no configuration given and \(Defaults.config) not found; pass --config FILE") }
        return path
    }

    /// The settings of a run of the model file: the configuration's values,
    /// then --set (`name=value`), --scenario and the span; `choices` pick
    /// options (the Fed regime).
    func modelSettings(choices: [String: String] = [:]) throws -> ModelSettings {
        func time(_ flag: String, _ text: String?) throws -> Double? {
            guard let text else { return nil }
            guard let t = DecimalYear.parse(text) else { throw InputError("\(flag) \(text): expected a decimal year or a date (YYYY-MM-DD)") }
            return t
        }
        let file = try modelFile()
        var settings = try modelFileSettings(
            file, config: try configFile(), overrides: overrides, choices: choices, scenarios: scenarios.filter { $0 != "no-ai-boom" },
            start: try time("--from", start), end: try time("--to", end))
        if scenarios.contains("no-ai-boom") {
            guard let flat = try ModelFiles.source(file).choices.first(where: { $0.name == ChoiceComparison.counterfactualChoice })?.options.last else {
                throw InputError("--scenario no-ai-boom: \(file) declares no choice \(ChoiceComparison.counterfactualChoice)")
            }
            settings.choices[ChoiceComparison.counterfactualChoice] = flat.name
        }
        let horizon = try ModelFiles.source(file).horizon
        if let t0 = settings.start ?? horizon?.0, let t1 = settings.end ?? horizon?.1, !(t1 > t0) {
            let sources = ["--from", "--to"] + ((try configFile()).map { ["[horizon] of \($0)"] } ?? []) + ["the horizon of \(file)"]
            throw InputError("the end \(t1) must come after the start \(t0) (\(sources.joined(separator: ", ")))")
        }
        return settings
    }

    /// A description of the inputs for the printed header: the model and the configuration.
    func describe() throws -> String {
        "model \(try modelFile())" + ((try configFile()).map { "; config \($0)" } ?? "")
    }
}

/// How the model is solved and sampled.
struct SolverSettings: ParsableArguments {
    @Option(help: ArgumentHelp(
        "GSL stepper: \(Stepper.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var solver: String = "rk8pd"

    @Option(help: "Relative tolerance.")
    var rtol: Double = 1e-10

    @Option(help: "Absolute tolerance.")
    var atol: Double = 1e-10

    @Option(name: .customLong("max-steps"), help: "Step budget of each solve (accepted plus rejected steps).")
    var maxSteps: Int = 1_000_000

    @Option(name: .customLong("save-step"), help: ArgumentHelp(
        "Years between saved points: a number, or monthly (1/12), quarterly (1/4), annual (1). Default: the model file's own step (horizon ... step), else a hundredth of its span.",
        valueName: "step"))
    var givenSaveStep: String?

    /// The save step as given, monthly when not.
    var saveStep: String { givenSaveStep ?? "monthly" }

    var stepper: Stepper {
        get throws { try Stepper.named(solver) }
    }

    var step: Double {
        get throws {
            let named = ["monthly": 1.0 / 12, "quarterly": 0.25, "annual": 1.0]
            if let value = named[saveStep] { return value }
            guard let value = Double(saveStep), value.isFinite, value > 0 else {
                throw InputError("--save-step \(saveStep): expected a positive number of years, or monthly, quarterly, annual")
            }
            return value
        }
    }

    @Flag(name: .customLong("interpolate-saves"), help: "Interpolate the saved times inside the solver's steps (error-controlled) instead of landing on each; knots and change dates are still landed on.")
    var interpolatesSaves = false

    /// The save step when given, or nil: a model file then saves at its own step.
    var givenStep: Double? {
        get throws { givenSaveStep == nil ? nil : try step }
    }

    /// Checks every setting before any file is touched. (Not `validate()`:
    /// ArgumentParser would call that itself and report its errors as usage errors.)
    func check() throws {
        _ = try stepper
        _ = try step
        try checkPositive(rtol, "--rtol")
        try checkPositive(atol, "--atol")
        guard maxSteps >= 1 else { throw InputError("--max-steps \(maxSteps): must be at least 1") }
    }

    /// The settings as the libraries take them; call ``check()`` first.
    var settings: SolveSettings {
        get throws {
            var settings = SolveSettings(stepper: try stepper, relativeTolerance: rtol, absoluteTolerance: atol, maxSteps: maxSteps, saveStep: try step)
            settings.interpolatesSaves = interpolatesSaves
            return settings
        }
    }
}

extension TableFormat: ExpressibleByArgument {}
extension HistoryTable.Units: ExpressibleByArgument {}

/// Where `run` and `compare` write, and whether they draw the dashboard.
struct OutputOptions: ParsableArguments {
    @Option(name: .customLong("out"), help: ArgumentHelp(
        "Output directory (default: out/<command>, so that commands do not write over each other's files).", valueName: "dir"))
    var directory: String?

    /// The output directory: --out, or `out/<command>`.
    func out(_ command: String) -> String { directory ?? "out/\(command)" }

    @Flag(help: "Also draw the dashboard: dashboard.svg, and dashboard.png and dashboard.pdf where rsvg-convert is installed.")
    var plot = false

    @Option(help: ArgumentHelp("The dashboard's panels, comma-separated series the model file summarises, in order (default: every one).", valueName: "list"))
    var panels: String?

    /// --panels as a list.
    var panelList: [String]? { panels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } }
}

/// What `run`, `compare` and `export` report along the way.
struct ReportOptions: ParsableArguments {
    @Flag(help: "No progress messages.")
    var quiet = false
}

extension Stepper {
    /// The stepper called `name` on the command line (`--solver`).
    static func named(_ name: String) throws -> Stepper {
        guard let stepper = Stepper(rawValue: name) else {
            throw InputError("--solver \(name): unknown stepper; allowed: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return stepper
    }
}

/// Refuses a tolerance that is not a positive, finite number.
func checkPositive(_ value: Double, _ option: String) throws {
    guard value.isFinite, value > 0 else { throw InputError("\(option) \(value): must be positive and finite") }
}
