import Application
import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

/// A file of the package (`models/liquidity-priced.sfc`): in the current directory, or beside the tool's package.
func packageFile(_ relative: String) -> String? { PackageFiles.locate(relative, anchors: [PackageFiles.executable]) }

/// The default model file and the committed calibrations of the package's model files.
enum Defaults {
    static let model = PackageFiles.model
    static let config = PackageFiles.config

    /// The default model, found in the current directory or beside the tool.
    static func modelFile() throws -> String { try RunRequest.beside().modelFile() }

    /// MODEL.md's model, models/reverse-qe.sfc.
    static func reverseQEFile() throws -> String {
        guard let path = packageFile(PackageFiles.reverseQE) else {
            throw InputError("\(PackageFiles.reverseQE) not found; pass --model FILE")
        }
        return path
    }

    /// One of the package's data files (`calibration/fred-columns.csv`), found as the default model is.
    static func dataFile(_ relative: String) throws -> String {
        try PackageFiles.required(relative, anchors: [PackageFiles.executable], beside: "the tool")
    }

    /// The committed fit of `model` (nil: the default model), when it is one of the package's files.
    static func fit(of model: String?) -> PackageFiles.Fit? {
        PackageFiles.fit(of: model, anchors: [PackageFiles.executable])
    }
}

extension RunRequest {
    /// A request that finds the package's files beside the running tool.
    static func beside() -> RunRequest {
        var request = RunRequest()
        request.anchors = [PackageFiles.executable]
        return request
    }
}

/// Where the model's inputs come from: model file, configuration, overrides, scenarios, span.
struct ModelInputOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The model file (default: models/liquidity-priced.sfc; MODEL.md's model is models/reverse-qe.sfc).",
            valueName: "file"))
    var model: String?

    @Option(
        help: ArgumentHelp(
            "Configuration file (TOML) of the model's parameters, sets, tables and choices.",
            discussion:
                """
                Default for the default model: calibration/liquidity-priced-2026.toml (the monthly fit \
                restarted on 2026-01-01 from December 2025's data); for another model file, the file's own \
                values (models/liquidity.sfc's restart: calibration/liquidity-2026.toml; MODEL.md's fitted \
                baseline: calibration/baseline.toml).
                """,
            valueName: "file"))
    var config: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            """
            Override one parameter: name=value (repeatable). Names as in `liquidity params`: payout, \
            beta[crypto] (or risk.crypto.beta).
            """,
            valueName: "name=value"))
    var overrides: [String] = []

    @Option(
        name: .customLong("scenario"),
        help: ArgumentHelp(
            """
            Scenario file (TOML) of dated parameter changes (repeatable); no-ai-boom solves the file's \
            counterfactual option.
            """,
            valueName: "file"))
    var scenarios: [String] = []

    @Option(
        name: .customLong("from"), parsing: .unconditional,
        help: ArgumentHelp("Start of the simulation, t0: a decimal year or YYYY-MM-DD.", valueName: "date"))
    var start: String?

    @Option(
        name: .customLong("to"), parsing: .unconditional,
        help: ArgumentHelp("End of the simulation, t1: a decimal year or YYYY-MM-DD.", valueName: "date"))
    var end: String?

    /// The request these options make (the inputs' part).
    var request: RunRequest {
        var request = RunRequest.beside()
        request.model = model
        request.config = config
        request.overrides = overrides
        request.scenarios = scenarios
        request.start = start
        request.end = end
        return request
    }

    /// The model file: --model, or the default model.
    func modelFile() throws -> String { try request.modelFile() }

    /// The configuration: --config, or for the default model its committed one; nil: the file's own values.
    func configFile() throws -> String? { try request.configFile() }

    /// The settings of a run of the model file: the configuration's values,
    /// then --set (`name=value`), --scenario and the span; `choices` pick
    /// options (the Fed regime).
    func modelSettings(choices: [String: String] = [:]) throws -> ModelSettings {
        try request.modelSettings(choices: choices)
    }

    /// A description of the inputs for the printed header: the model and the configuration.
    func describe() throws -> String { try request.describe() }
}

/// The command line's solver flags (`--solver`, `--rtol`, ...); they become a ``RunRequest``.
struct SolverFlags: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "GSL stepper: \(Stepper.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var solver: String = SolverDefaults.stepper.rawValue

    // Unconditional: the next word is the value even when it starts with '-', so
    // `--rtol -1` is refused as a tolerance that is not positive, not as a missing value.
    @Option(parsing: .unconditional, help: "Relative tolerance.")
    var rtol: Double = SolverDefaults.tolerance

    @Option(parsing: .unconditional, help: "Absolute tolerance.")
    var atol: Double = SolverDefaults.tolerance

    @Option(
        name: .customLong("max-steps"), parsing: .unconditional,
        help: "Step budget of each solve (accepted plus rejected steps).")
    var maxSteps: Int = SolverDefaults.maxSteps

    @Option(
        name: .customLong("save-step"),
        help: ArgumentHelp(
            """
            Years between saved points: a number, or monthly (1/12), quarterly (1/4), annual (1). Default: the \
            model file's own step (horizon ... step), else a hundredth of its span.
            """,
            valueName: "step"))
    var givenSaveStep: String?

    @Option(
        help: ArgumentHelp(
            """
            How saved times inside a step get their values: auto (interpolated from msbdf's own polynomial, as \
            accurate as its steps; landed on with the other steppers), land, or interpolate (every stepper; \
            error-controlled). Knots and change dates are always landed on.
            """,
            valueName: "mode"))
    var saves = SaveMode.automatic.rawValue

    @OptionGroup var compiled: NativeOption

    /// The request these options make (the solver's part).
    var request: RunRequest { applied(to: RunRequest.beside()) }

    /// `request` with these options' solver settings.
    func applied(to request: RunRequest) -> RunRequest {
        var request = request
        request.solver = solver
        request.relativeTolerance = rtol
        request.absoluteTolerance = atol
        request.maxSteps = maxSteps
        request.saveStep = givenSaveStep
        request.saves = saves
        request.native = compiled.native
        return request
    }

    var stepper: Stepper {
        get throws { try request.stepper }
    }

    var step: Double {
        get throws { try request.step }
    }

    /// The save step when given, or nil: a model file then saves at its own step.
    var givenStep: Double? {
        get throws { try request.givenStep }
    }

    /// Checks every setting before any file is touched. (Not `validate()`:
    /// ArgumentParser would call that itself and report its errors as usage errors.)
    func check() throws { try request.checkSolver() }

    /// The settings as the libraries take them; call ``check()`` first.
    var settings: SolveSettings {
        get throws { try request.solveSettings }
    }
}

extension TableFormat: ExpressibleByArgument {}
extension HistoryTable.Units: ExpressibleByArgument {}

/// Where `run` and `compare` write, and whether they draw the dashboard.
struct OutputOptions: ParsableArguments {
    @Option(
        name: .customLong("out"),
        help: ArgumentHelp(
            "Output directory (default: out/<command>, so that commands do not write over each other's files).",
            valueName: "dir"))
    var directory: String?

    /// The output directory: --out, or `out/<command>`.
    func out(_ command: String) -> String { directory ?? "out/\(command)" }

    @Flag(
        help:
            """
            Also draw the dashboard: dashboard.svg, and dashboard.png and dashboard.pdf where rsvg-convert is \
            installed.
            """
    )
    var plot = false

    @Option(
        help: ArgumentHelp(
            """
            The dashboard's panels, comma-separated series of the model file, in order (default: every series it \
            summarises but its accounting checks).
            """,
            valueName: "list"))
    var panels: String?

    @Option(help: ArgumentHelp("The dashboard's caption, in place of its line of span and files.", valueName: "text"))
    var caption: String?

    /// --panels as a list.
    var panelList: [String]? {
        get throws { try panelNames(panels) }
    }
}

/// A --panels list as names: none empty, none twice.
func panelNames(_ panels: String?) throws -> [String]? {
    try panels.map { try ModelFiles.names($0, option: "--panels", of: "series") }
}

/// What `run`, `compare` and `export` report along the way.
struct ReportOptions: ParsableArguments {
    @Flag(
        help: ArgumentHelp(
            """
            No progress messages and no tables: print only the files written (errors and warnings still go to \
            stderr).
            """))
    var quiet = false
}

/// `--native`: in the solver's options, and on its own for the commands that solve
/// many paths from spec files (sweep, calibrate, backtest, estimate, evaluate).
struct NativeOption: ParsableArguments {
    @Flag(
        help:
            """
            Compile the model's right-hand side to machine code with the system's C compiler (cached in \
            ~/.cache/liquidity/native or LIQUIDITY_NATIVE_CACHE); the same results as the tape, bit for bit, \
            faster.
            """
    )
    var native = false

    /// Installs the compiler when asked: before any file is read or written.
    func install() throws {
        if native { try NativeModels.install() }
    }
}
