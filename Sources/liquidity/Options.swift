import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import ModelLanguage
import Solvers

/// Where the model's inputs come from: configuration, overrides, scenarios, span.
struct ModelInputOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A model file (models/*.sfc) to solve in place of the built-in model; --config, --set, --scenario, --from and --to then apply to it.",
        valueName: "file"))
    var model: String?

    @Option(help: ArgumentHelp(
        "Configuration file (TOML) with every parameter.",
        discussion: "Default: calibration/baseline.toml in the current directory or beside the tool's package.",
        valueName: "file"))
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Override one parameter: key=value (repeatable). Keys as in `liquidity params`: payout, capex.payout, risk.crypto.beta, exogenous.rm=[[2025,0.04],[2040,0.03]].",
        valueName: "key=value"))
    var overrides: [String] = []

    @Option(name: .customLong("scenario"), help: ArgumentHelp(
        "Scenario file (TOML) of dated parameter changes, or the built-in no-ai-boom (repeatable).",
        valueName: "file"))
    var scenarios: [String] = []

    @Option(name: .customLong("from"), help: ArgumentHelp("Start of the simulation, t0: a decimal year or YYYY-MM-DD.", valueName: "date"))
    var start: String?

    @Option(name: .customLong("to"), help: ArgumentHelp("End of the simulation, t1: a decimal year or YYYY-MM-DD.", valueName: "date"))
    var end: String?

    /// The settings of a run of the model file at `file`: the configuration's
    /// values when --config is given, then --set (`name=value`), --scenario
    /// and the span; `choices` pick options (the Fed regime).
    func modelSettings(_ file: String, choices: [String: String] = [:]) throws -> ModelSettings {
        func time(_ flag: String, _ text: String?) throws -> Double? {
            guard let text else { return nil }
            guard let t = DecimalYear.parse(text) else { throw InputError("\(flag) \(text): expected a decimal year or a date (YYYY-MM-DD)") }
            return t
        }
        return try modelFileSettings(
            file, config: config, overrides: overrides, choices: choices, scenarios: scenarios, start: try time("--from", start),
            end: try time("--to", end))
    }

    /// The configuration file to read.
    func configurationPath() throws -> String {
        if let config { return config }
        let relative = "calibration/baseline.toml"
        if FileManager.default.fileExists(atPath: relative) { return relative }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent(relative).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw InputError("no configuration given and \(relative) not found; pass --config FILE")
    }

    /// The parameters: the configuration, then the span, then `--set` overrides.
    func parameters() throws -> (ModelParameters, path: String) {
        let path = try configurationPath()
        var parameters = try Configuration.read(path)
        if let start {
            guard let t0 = DecimalYear.parse(start) else {
                throw InputError("--from \(start): expected a decimal year (2025.0) or a date (2025-01-01)")
            }
            parameters.t0 = t0
        }
        if let end {
            guard let t1 = DecimalYear.parse(end) else {
                throw InputError("--to \(end): expected a decimal year (2032.0) or a date (2032-01-01)")
            }
            parameters.t1 = t1
        }
        guard parameters.t1 > parameters.t0 else {
            throw InputError("the end \(parameters.t1) must come after the start \(parameters.t0) (--from, --to or [horizon] of \(path))")
        }
        try Configuration.apply(overrides: overrides, to: &parameters)
        return (parameters, path)
    }

    /// The scenario: every file's changes, in order, under the joined names.
    func scenario(for parameters: ModelParameters) throws -> Scenario {
        guard !scenarios.isEmpty else { return .baseline }
        var combined = Scenario(name: "", changes: [])
        for source in scenarios {
            combined = combined.followed(by: source == "no-ai-boom" ? Scenario.noAIBoom(parameters) : try ScenarioFile.read(source, parameters: parameters))
        }
        return combined
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
        "Years between saved points: a number, or monthly (1/12), quarterly (1/4), annual (1). Default: monthly, or a model file's own step.",
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
            SolveSettings(stepper: try stepper, relativeTolerance: rtol, absoluteTolerance: atol, maxSteps: maxSteps, saveStep: try step)
        }
    }
}

/// Everything a command needs to solve one path.
struct PreparedModel {
    let parameters: ModelParameters
    let configPath: String
    let scenario: Scenario

    /// The most saved points a run may ask for: each costs a row of every series.
    static let savedPointLimit = 1_000_000

    init(_ inputs: ModelInputOptions, _ solver: SolverSettings) throws {
        try solver.check()
        (parameters, configPath) = try inputs.parameters()
        let points = (parameters.t1 - parameters.t0) / (try solver.step)
        guard points <= Double(Self.savedPointLimit) else {
            throw InputError(
                "--save-step \(solver.saveStep): \(String(format: "%.3g", points)) saved points from \(parameters.t0) to \(parameters.t1); the limit is \(Self.savedPointLimit) (a larger step or a shorter span)")
        }
        scenario = try inputs.scenario(for: parameters)
    }

    func model(_ regime: FedRegime) throws -> ReverseQEModel {
        do {
            return try ReverseQEModel(parameters: parameters, regime: regime, scenario: scenario)
        } catch let error as ModelError {
            throw InputError(ComparisonFiles.describe(error, config: configPath))
        }
    }
}

extension FedRegime: ExpressibleByArgument {}
extension TableFormat: ExpressibleByArgument {}

/// Where `run` and `compare` write, and whether they draw the dashboard.
struct OutputOptions: ParsableArguments {
    @Option(name: .customLong("out"), help: ArgumentHelp(
        "Output directory (default: out/<command>, so that commands do not write over each other's files).", valueName: "dir"))
    var directory: String?

    /// The output directory: --out, or `out/<command>`.
    func out(_ command: String) -> String { directory ?? "out/\(command)" }

    @Flag(help: "Also draw the dashboard: dashboard.svg, and dashboard.png where rsvg-convert is installed.")
    var plot = false
}

/// What `run`, `compare` and `export` report along the way and in their summaries.
struct ReportOptions: ParsableArguments {
    @Flag(help: "No progress messages.")
    var quiet = false

    @Option(name: .customLong("idle-cash-floor"), help: ArgumentHelp(
        "Level of idle cash L, $T: compare reports its first crossing; the dashboard draws it.", valueName: "T$"))
    var idleCashFloor: Double = 1.0
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
