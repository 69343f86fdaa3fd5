import Experiments
import FlowModel
import Foundation
import ModelLanguage
import Solvers

/// Model files (`models/*.sfc`): read, compiled, checked, solved and written.
public enum ModelFiles {
    /// The model file at `path` as written, parsed but not compiled: what a
    /// caller needs to know which parameters, sets and choices it declares.
    public static func source(_ path: String) throws -> ModelSource {
        let text = try Configuration.readText(path)
        do {
            return try parseModel(text, file: path)
        } catch let error as ModelFileError {
            throw InputError(error.diagnostics.map { "\($0.place): \($0.message)" }.joined(separator: "\nerror: "))
        }
    }

    /// The model file at `path` compiled for `settings`; every error in it is
    /// bad input naming the file, line and column.
    public static func compile(_ path: String, settings: ModelSettings = ModelSettings()) throws -> CompiledModel {
        let text = try Configuration.readText(path)
        do {
            return try compileModel(text, file: path, settings: settings)
        } catch let error as ModelFileError {
            // Errors only: warnings do not stop a model, so they would not be why it failed.
            throw InputError(error.diagnostics.filter { $0.severity == .error }.map { "\($0.place): \($0.message)" }
                .joined(separator: "\nerror: "))
        }
    }

    /// The scenario file at `scenario` as dated changes of the model's parameters
    /// (`name`, or `name[member]` for one member of an indexed parameter).
    public static func changes(_ scenario: String, model: ModelSource) throws -> [ModelSettings.Change] {
        var known: [String: String] = [:]
        for p in model.parameters {
            known[p.name] = p.attributes.unit ?? ""
            if case .member(let set) = p.index { for m in model.sets.first(where: { $0.name == set })?.members ?? [] { known["\(p.name)[\(m)]"] = p.attributes.unit ?? "" } }
        }
        let read = try ScenarioFile.read(scenario) { given in known[given].map { (given, $0) } }
        return read.changes.map { ModelSettings.Change(parameter: $0.key, value: $0.value, start: $0.start, rampYears: $0.rampYears) }
    }

    /// What `liquidity model check` prints: the model, its counts, its
    /// warnings, and its matrices as written.
    public static func checkReport(_ model: CompiledModel, format: TableFormat = .table) -> String {
        let s = model.source
        var lines = [
            "\(s.file): model \(s.name)" + (s.title.map { ": \($0)" } ?? ""),
            "\(model.stateNames.count) state variables, \(model.columns.count) output series, \(s.parameters.count) parameters, "
                + "\(s.sets.count) index sets, \(s.tables.count) tables, \(s.choices.count) choices, \(s.matrices.count) matrices; "
                + "span \(model.t0) to \(model.t1)",
        ]
        for choice in s.choices {
            lines.append("choice \(choice.name): " + choice.options.map { $0.name + ($0.name == choice.defaultOption ? " (default)" : "") }.joined(separator: ", "))
        }
        lines += model.warnings.map(\.description)
        lines.append(s.matrices.isEmpty ? "no matrices" : "every matrix balances at the start and at random states near it")
        for matrix in s.symbolicMatrices {
            lines.append("")
            lines.append(format.render(title: matrix.title, header: ["row"] + matrix.columns + ["sum"], rows: matrix.rows))
        }
        return lines.joined(separator: "\n")
    }

    /// `series.csv` of a model file's run: `t`, then every output series.
    public static func series(_ model: CompiledModel, t: [Double], values: [[Double]]) -> String {
        var lines = ["t," + model.columns.map(\.name).joined(separator: ",")]
        for k in t.indices {
            lines.append(([CSV.number(t[k])] + values.map { CSV.number($0[k]) }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `units.csv` of a model file's run.
    public static func units(_ model: CompiledModel) -> String {
        var lines = ["column,unit,description", "t,year,time"]
        for column in model.columns { lines.append([column.name, column.unit, column.description].map(CSV.field).joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What a model file's run records in `manifest.json`.
    struct RunManifest: Encodable {
        let tool: Manifest.Tool, command: [String], model: String, choices: [String: String], parameters: [String: Double]
        let t0: Double, t1: Double, stepper: String, rtol: Double, atol: Double, save_step: Double
        let return_code: String, steps: Int, function_evaluations: Int, outputs: [String]
    }

    /// Solves the model file at `path` into the directory `out`: `series.csv`,
    /// `units.csv` and `manifest.json`. Returns the model, the solution's
    /// series and the files written.
    public static func run(
        _ path: String, settings: ModelSettings, stepper: Stepper, tolerance: (relative: Double, absolute: Double), saveStep: Double?,
        maxSteps: Int, into out: String, tool: Manifest.Tool, command: [String]
    ) throws -> (model: CompiledModel, t: [Double], series: [[Double]], files: [String]) {
        let model = try compile(path, settings: settings)
        let step = saveStep ?? model.source.saveStep ?? (model.t1 - model.t0) / 100
        guard step > 0, (model.t1 - model.t0) / step <= 1_000_000 else {
            throw InputError("save step \(step): must be positive and give at most 1,000,000 saved points over \(model.t0) to \(model.t1)")
        }
        var options = SolverOptions(
            relativeTolerance: tolerance.relative, absoluteTolerance: .scalar(tolerance.absolute), saveAt: .interval(step))
        options.maxSteps = maxSteps
        let directory = try OutputDirectory(out)
        let (solution, series) = try model.run(stepper, options: options)
        guard solution.isSuccessful else { throw SolveFailure(label: path, stepper: stepper, solution: solution) }
        try directory.write("series.csv", Self.series(model, t: solution.t, values: series))
        try directory.write("units.csv", units(model))
        let files = ["series.csv", "units.csv", "manifest.json"]
        var parameters: [String: Double] = [:]
        for p in model.source.parameters {
            if let value = model.parameter(p.name) { parameters[p.name] = value }
        }
        let choices = Dictionary(uniqueKeysWithValues: model.source.choices.map { ($0.name, settings.choices[$0.name] ?? $0.defaultOption) })
        let manifest = RunManifest(
            tool: tool, command: command, model: path, choices: choices, parameters: parameters, t0: model.t0, t1: model.t1,
            stepper: stepper.rawValue, rtol: tolerance.relative, atol: tolerance.absolute, save_step: step,
            return_code: solution.returnCode.rawValue, steps: solution.statistics.steps,
            function_evaluations: solution.statistics.functionEvaluations, outputs: files)
        try directory.write("manifest.json", try JSON.text(manifest))
        return (model, solution.t, series, files)
    }
}

extension ModelFiles {
    /// The settings a configuration gives a model file: a configuration of the
    /// file's own names (``ModelConfiguration``), or one in the hand-written
    /// model's schema (`calibration/*.toml`): every parameter
    /// the file declares under the same name, the risk classes as the members
    /// of the file's set `risk` (a class's `value` is `Q`), the knot tables,
    /// the span. A parameter the configuration sets away from its default and
    /// the file lacks is an error: the run would silently differ.
    public static func settings(configuration path: String, for model: ModelSource) throws -> ModelSettings {
        let root = try Configuration.parseTOML(try Configuration.readText(path), file: path)
        if ModelConfiguration.isModelConfiguration(root) { return try ModelConfiguration.settings(root, file: path, for: model) }
        let p = try Configuration.read(path)
        let defaults = ModelParameters()
        let declared = Set(model.parameters.map(\.name))
        var settings = ModelSettings(start: p.t0, end: p.t1)
        for info in p.catalog where info.role != .horizon {
            let parts = info.key.split(separator: ".").map(String.init)
            if parts.count == 3, parts[0] == "risk" {
                let name = parts[2] == "value" ? "Q" : parts[2]
                guard declared.contains(name) else { throw InputError("\(path): \(info.key): \(model.file) has no parameter \(name)") }
                settings.parameters["\(name)[\(parts[1])]"] = info.value(in: p)
                continue
            }
            guard declared.contains(info.key) else {
                let fallback = try? defaults.value(of: info.key)
                if fallback != info.value(in: p) {
                    throw InputError("\(path): \(info.key) = \(info.value(in: p)), but \(model.file) has no parameter \(info.key)")
                }
                continue
            }
            settings.parameters[info.key] = info.value(in: p)
        }
        if model.sets.contains(where: { $0.name == "risk" }) { settings.sets["risk"] = p.riskClasses.map(\.name) }
        for info in ModelParameters.knotTables where model.tables.contains(where: { $0.name == info.key }) {
            let table = info.table(in: p)
            settings.tables[info.key] = Array(zip(table.times, table.values))
        }
        return settings
    }
}
