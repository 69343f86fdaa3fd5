import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

/// What a run or a comparison is asked for, in the terms of the command line
/// (`--model`, `--config`, `--set`, `--scenario`, `--from`, `--to`,
/// `--solver`, `--rtol`, `--atol`, `--max-steps`, `--save-step`): the one
/// place where they become a model file, its settings and the solver's, with
/// the command line's messages for bad input. The executable and the C
/// interface (the Python package) both build one.
public struct RunRequest: Sendable {
    public var model: String?
    public var config: String?
    /// The model file's own values: no configuration, not even the default model's.
    public var fileValues = false
    /// `name=value` pairs (`--set`).
    public var overrides: [String] = []
    /// Scenario files, or `no-ai-boom` for the file's counterfactual option.
    public var scenarios: [String] = []
    /// Decimal years or ISO dates.
    public var start: String?, end: String?
    public var solver = SolverDefaults.stepper.rawValue
    public var relativeTolerance = SolverDefaults.tolerance, absoluteTolerance = SolverDefaults.tolerance
    public var maxSteps = SolverDefaults.maxSteps
    /// A number of years, or monthly, quarterly, annual; nil: the model file's own step.
    public var saveStep: String?
    /// `auto`, `land` or `interpolate` (``Solvers/SaveMode``).
    public var saves = SaveMode.automatic.rawValue
    /// Right-hand sides compiled to machine code (``NativeModels``), installed by ``checkSolver()``.
    public var native = false
    /// Where the package's files are looked for besides the current directory.
    public var anchors: [String] = []

    public init() {}

    /// The model file: `model`, or the package's default model.
    public func modelFile() throws -> String {
        if let model { return model }
        guard let path = PackageFiles.locate(PackageFiles.model, anchors: anchors) else {
            throw InputError("no model given and \(PackageFiles.model) not found; pass --model FILE")
        }
        return path
    }

    /// The configuration: `config`, or for the default model its committed one, however the model
    /// is named (`--model models/liquidity-priced.sfc` is the default model); nil: the file's own values.
    public func configFile() throws -> String? {
        if let config { return config }
        if fileValues { return nil }
        if let model, !PackageFiles.isPackageFile(model, PackageFiles.model, anchors: anchors) { return nil }
        guard let path = PackageFiles.locate(PackageFiles.config, anchors: anchors) else {
            throw InputError("no configuration given and \(PackageFiles.config) not found; pass --config FILE")
        }
        return path
    }

    /// The settings of a run of the model file: the configuration's values,
    /// then the overrides, the scenarios and the span; `choices` pick
    /// options (the Fed regime).
    public func modelSettings(choices: [String: String] = [:]) throws -> ModelSettings {
        func time(_ flag: String, _ text: String?) throws -> Double? {
            guard let text else { return nil }
            guard let t = DecimalYear.parse(text) else {
                throw InputError("\(flag) \(text): expected a decimal year or a date (YYYY-MM-DD)")
            }
            return t
        }
        let file = try modelFile()
        var settings = try ModelFiles.runSettings(
            file, config: try configFile(), overrides: overrides, choices: choices,
            scenarios: scenarios.filter { $0 != "no-ai-boom" },
            start: try time("--from", start), end: try time("--to", end))
        if scenarios.contains("no-ai-boom") {
            guard
                let flat = try ModelFiles.source(file).choices.first(where: {
                    $0.name == ChoiceComparison.counterfactualChoice
                })?.options.last
            else {
                throw InputError(
                    "--scenario no-ai-boom: \(file) declares no choice \(ChoiceComparison.counterfactualChoice)")
            }
            settings.choices[ChoiceComparison.counterfactualChoice] = flat.name
        }
        return settings
    }

    /// The choice `regime` set to `regime` (nil: the file's default), refused when the file lacks it.
    public func regimeChoice(_ regime: String?) throws -> [String: String] {
        guard let regime else { return [:] }
        let file = try modelFile()
        guard let choice = try ModelFiles.source(file).choices.first(where: { $0.name == ModelFiles.regimeChoice })
        else {
            throw InputError("--regime \(regime): \(file) declares no choice regime")
        }
        guard choice.options.contains(where: { $0.name == regime }) else {
            throw InputError(
                """
                --regime \(regime): not an option of \(file)'s choice regime; allowed: \
                \(choice.options.map(\.name).joined(separator: ", "))
                """
            )
        }
        return [ModelFiles.regimeChoice: regime]
    }

    /// A description of the inputs for a printed header: the model and the configuration.
    public func describe() throws -> String {
        let model = try modelFile()
        let note = PackageFiles.ownValuesNote(model: model, config: try configFile(), anchors: anchors)
        return "model \(model)" + ((try configFile()).map { "; config \($0)" } ?? note.map { "; \($0)" } ?? "")
    }

    /// The stepper named by `solver`.
    public var stepper: Stepper {
        get throws {
            guard let stepper = Stepper(rawValue: solver) else {
                throw InputError(
                    """
                    --solver \(solver): unknown stepper; allowed: \
                    \(Stepper.allCases.map(\.rawValue).joined(separator: ", "))
                    """
                )
            }
            return stepper
        }
    }

    /// The save step in years: `saveStep`, monthly when not given.
    public var step: Double {
        get throws {
            let text = saveStep ?? "monthly"
            let named = ["monthly": 1.0 / 12, "quarterly": 0.25, "annual": 1.0]
            if let value = named[text] { return value }
            guard let value = Double(text), value.isFinite, value > 0 else {
                throw InputError(
                    "--save-step \(text): expected a positive number of years, or monthly, quarterly, annual")
            }
            return value
        }
    }

    /// The save step when given, or nil: a model file then saves at its own step.
    public var givenStep: Double? {
        get throws { saveStep == nil ? nil : try step }
    }

    /// ``saves`` as a mode.
    public var saveMode: SaveMode {
        get throws {
            guard let mode = SaveMode(rawValue: saves) else {
                throw InputError(
                    "--saves \(saves): expected one of \(SaveMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return mode
        }
    }

    /// Checks the solver's settings before any file is touched; with
    /// ``native``, finds the C compiler and installs it for every later solve
    /// (without it, later solves run on the tape).
    public func checkSolver() throws {
        if native { try NativeModels.install() } else { NativeCode.uninstall() }
        _ = try stepper
        _ = try step
        _ = try saveMode
        for (value, option) in [(relativeTolerance, "--rtol"), (absoluteTolerance, "--atol")] {
            guard value.isFinite, value > 0 else {
                throw InputError("\(option) \(value): must be positive and finite")
            }
        }
        guard maxSteps >= 1 else { throw InputError("--max-steps \(maxSteps): must be at least 1") }
    }

    /// The solver's settings as the libraries take them; call ``checkSolver()`` first.
    public var solveSettings: SolveSettings {
        get throws {
            var settings = SolveSettings(
                stepper: try stepper, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance,
                maxSteps: maxSteps, saveStep: try step)
            settings.saveMode = try saveMode
            return settings
        }
    }
}

extension RunRequest {
    /// Every matrix of the model file at `at` (a decimal year or a date; nil:
    /// t0), on the path solved under `regime`; call ``checkSolver()`` first.
    public func matrices(regime: String?, at: String?) throws -> (
        model: CompiledModel, t: Double, matrices: [MatrixValues]
    ) {
        let model = try ModelFiles.compile(
            try modelFile(), settings: try modelSettings(choices: try regimeChoice(regime)), config: try configFile())
        var t = model.t0
        if let at {
            guard let value = DecimalYear.parse(at) else {
                throw InputError("--at \(at): expected a decimal year (2027.0) or a date (2027-01-01)")
            }
            guard value >= model.t0, value <= model.t1 else {
                throw InputError("--at \(at): must lie within the simulation, \(model.t0) to \(model.t1)")
            }
            t = value
        }
        let state = try solveSettings.state(of: model, at: t)
        return (model, t, model.matrixValues(at: t, state))
    }
}

extension ModelFiles {
    /// The names of a comma-separated `list` given to `option` (`--panels`, `--regimes`,
    /// `--series`), trimmed; an empty one is refused, and with `refusingRepeats` one listed twice.
    public static func names(_ list: String, option: String, of noun: String, refusingRepeats: Bool = true) throws
        -> [String]
    {
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if names.contains("") {
            throw InputError("\(option) \(list): an empty name; list \(noun) separated by single commas")
        }
        if refusingRepeats, let twice = names.enumerated().first(where: { names[..<$0.offset].contains($0.element) }) {
            throw InputError("\(option) \(list): \(twice.element) is listed twice")
        }
        return names
    }

    /// `key=value` pairs of `--set` and `--choose`.
    public static func pairs(_ items: [String], option: String) throws -> [(String, String)] {
        try items.map { item in
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw InputError("\(option) \(item): expected name=value")
            }
            let (name, value) = (
                String(item[..<equals]).trimmingCharacters(in: .whitespaces),
                String(item[item.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            )
            guard !value.isEmpty else {
                throw InputError("\(option) \(item): no value after '='; expected name=value")
            }
            return (name, value)
        }
    }

    /// The settings of a run of the model file `file`: the configuration's
    /// values (when given), then `--set name=value`, the choices, the
    /// scenarios' dated changes and the span.
    public static func runSettings(
        _ file: String, config: String?, overrides: [String], choices: [String: String], scenarios: [String],
        start: Double?, end: Double?
    ) throws -> ModelSettings {
        let source = try ModelFiles.source(file)
        var settings = ModelSettings()
        if let config { settings = try ModelFiles.settings(configuration: config, for: source) }
        settings.start = start ?? settings.start
        settings.end = end ?? settings.end
        if let t0 = settings.start ?? source.horizon?.0, let t1 = settings.end ?? source.horizon?.1,
            !(t1 > t0 && t0.isFinite && t1.isFinite)
        {
            let sources =
                ["--from", "--to"] + (config.map { ["[horizon] of \($0)"] } ?? []) + ["the horizon of \(file)"]
            let rule =
                t0.isFinite && t1.isFinite
                ? "the end \(t1) must come after the start \(t0)" : "the span \(t0) to \(t1) must be finite"
            throw InputError("\(rule) (\(sources.joined(separator: ", ")))")
        }
        if let step = source.saveStep, let t0 = settings.start ?? source.horizon?.0,
            let t1 = settings.end ?? source.horizon?.1
        {
            try ModelFiles.checkSpan((t0, t1), step: step, perRun: false)
        }
        for (name, text) in try pairs(overrides, option: "--set") {
            guard let value = Double(text), value.isFinite else {
                throw InputError("--set \(name)=\(text): \(name) needs a finite number")
            }
            guard let key = source.canonicalKey(name, members: settings.sets) else {
                if let declared = source.parameters.first(where: { $0.name == name }),
                    case .member(let set) = declared.index
                {
                    let example =
                        (settings.sets[set] ?? source.sets.first { $0.name == set }?.members ?? []).first ?? "member"
                    throw InputError(
                        """
                        --set \(name)=\(text): \(name) is indexed by \(set); give one member, such as \
                        \(name)[\(example)]
                        """
                    )
                }
                throw InputError("--set \(name)=\(text): \(file) has no parameter \(name); see `liquidity params`")
            }
            let range =
                source.parameters.first { $0.name == (key.split(separator: "[").first.map(String.init) ?? key) }?
                .attributes.range ?? .any
            guard range.contains(value) else {
                throw InputError("--set \(name)=\(text): out of range; allowed: \(range)")
            }
            settings.parameters[key] = value
        }
        if source.choices.isEmpty, let key = choices.keys.sorted().first {
            throw InputError("\(file): the model has no choices; --choose \(key)=... does not apply")
        }
        for (key, option) in choices.sorted(by: { $0.key < $1.key })
        where !source.choices.contains(where: { $0.name == key }) {
            throw InputError(
                """
                --choose \(key)=\(option): \(file) has no choice \(key); its choices: \
                \(source.choices.map(\.name).joined(separator: ", "))
                """
            )
        }
        settings.choices.merge(choices) { $1 }
        settings.changes += try ModelFiles.changes(of: scenarios, model: source, t0: settings.start)
        return settings
    }
}
