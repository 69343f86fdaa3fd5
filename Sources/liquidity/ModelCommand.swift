import ArgumentParser
import Experiments
import FileFormats
import Foundation
import ModelLanguage
import Solvers

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Check, draw and solve model files (models/*.sfc): stock-flow models written as text.",
        discussion: """
            A model file declares sectors, parameters, index sets, tables, state variables with their \
            derivatives, definitions, t0 quantities, choices, the balance-sheet and transactions-flow \
            matrices, summaries and observed series; docs/model-language.md describes the language.

            Examples:
              liquidity model check models/gl-sim.sfc
              liquidity model graph models/gl-pc.sfc --write out/gl-pc.dot
              liquidity model run models/gl-sim.sfc --set G_d=25 --out out/sim
              liquidity model compare models/reverse-qe.sfc --choice regime
            """,
        subcommands: [ModelCheck.self, ModelGraph.self, ModelSankey.self, ModelRun.self, ModelCompare.self])
}

/// `key=value` pairs of --set and --choose.
func pairs(_ items: [String], option: String) throws -> [(String, String)] {
    try items.map { item in
        guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
            throw InputError("\(option) \(item): expected name=value")
        }
        return (String(item[..<equals]).trimmingCharacters(in: .whitespaces), String(item[item.index(after: equals)...]).trimmingCharacters(in: .whitespaces))
    }
}

/// The settings of a run of the model file `file`: the configuration's values
/// (when given), then `--set name=value`, the choices, the scenarios' dated
/// changes and the span.
func modelFileSettings(
    _ file: String, config: String?, overrides: [String], choices: [String: String], scenarios: [String], start: Double?, end: Double?
) throws -> ModelSettings {
    var settings = ModelSettings()
    if let config { settings = try ModelFiles.settings(configuration: config, for: try ModelFiles.source(file)) }
    settings.start = start ?? settings.start
    settings.end = end ?? settings.end
    for (name, text) in try pairs(overrides, option: "--set") {
        guard let value = Double(text), value.isFinite else { throw InputError("--set \(name)=\(text): \(name) needs a finite number") }
        settings.parameters[name] = value
    }
    settings.choices.merge(choices) { $1 }
    if !scenarios.isEmpty {
        let source = try ModelFiles.source(file)
        for scenario in scenarios { settings.changes += try ModelFiles.changes(scenario, model: source) }
    }
    return settings
}

/// What the model commands take besides the file: parameters, choices, span.
struct ModelFileOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The model file.", valueName: "FILE.sfc"))
    var file: String

    @Option(help: ArgumentHelp(
        "A configuration in the schema of calibration/*.toml whose values the file takes (its parameters by name, [[risk]] as the set risk, the knot tables).",
        valueName: "file"))
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("A parameter's value: name=value, or name[member]=value (repeatable).", valueName: "name=value"))
    var overrides: [String] = []

    @Option(name: .customLong("choose"), help: ArgumentHelp("An option of a choice: choice=option, such as regime=buyer (repeatable).", valueName: "choice=option"))
    var choices: [String] = []

    @Option(name: .customLong("scenario"), help: ArgumentHelp(
        "Scenario file (TOML) of dated changes of the model's parameters, as for the other commands (repeatable).", valueName: "file"))
    var scenarios: [String] = []

    @Option(name: .customLong("from"), help: ArgumentHelp("Start of the span (default: the file's horizon).", valueName: "t"))
    var start: Double?

    @Option(name: .customLong("to"), help: ArgumentHelp("End of the span (default: the file's horizon).", valueName: "t"))
    var end: Double?

    var settings: ModelSettings {
        get throws {
            try modelFileSettings(
                file, config: config, overrides: overrides, choices: Dictionary(try pairs(choices, option: "--choose")) { $1 },
                scenarios: scenarios, start: start, end: end)
        }
    }

    func compile() throws -> CompiledModel { try ModelFiles.compile(file, settings: try settings) }
}

struct ModelCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a model file and print its matrices as written.",
        discussion: """
            Every error (unknown names with the nearest known one, duplicates, wrong argument counts, \
            algebraic loops, matrix rows or columns that do not sum to zero) is printed with the file, \
            line and column; unused parameters are warnings. Exit code 2 when the file has an error.

            Examples:
              liquidity model check models/gl-pc.sfc
              liquidity model check models/gl-pc.sfc --format markdown
            """)

    @OptionGroup var model: ModelFileOptions

    @Option(help: "Format of the matrices: table, csv, markdown, latex.")
    var format: TableFormat = .table

    func run() throws {
        print(ModelFiles.checkReport(try model.compile(), format: format))
    }
}

struct ModelGraph: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw the dependency graph of a model file's equations (Graphviz DOT, and SVG where dot is installed).",
        discussion: """
            States are boxes, definitions ellipses (dashed: solved from a matrix column), t0 \
            quantities diamonds, parameters and tables plain text; an arrow runs from each name to \
            what reads it.

            Examples:
              liquidity model graph models/gl-sim.sfc
              liquidity model graph models/gl-pc.sfc --write out/gl-pc.dot
            """)

    @OptionGroup var model: ModelFileOptions

    @Option(help: ArgumentHelp("Write the DOT file here (and FILE.svg beside it where Graphviz's dot is installed); default: print it.", valueName: "file"))
    var write: String?

    func run() throws {
        let dot = try model.compile().source.dependencyGraph
        guard let write else { print(dot, terminator: ""); return }
        let folder = (write as NSString).deletingLastPathComponent
        let directory = try OutputDirectory(folder.isEmpty ? "." : folder)
        let name = (write as NSString).lastPathComponent
        try directory.write(name, dot)
        var files = [write]
        let svg = (write as NSString).deletingPathExtension + ".svg"
        if Self.graphviz(write, svg) { files.append(svg) }
        print("wrote " + files.joined(separator: ", "))
    }

    /// Draws `dot` as SVG with Graphviz when it is installed.
    static func graphviz(_ dot: String, _ svg: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["dot", "-Tsvg", dot, "-o", svg]
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

struct ModelRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Solve a model file and write its series.",
        discussion: """
            Writes series.csv (t, then every state, definition and observed series), units.csv and \
            manifest.json into --out, and prints the file's summaries.

            Examples:
              liquidity model run models/gl-sim.sfc --out out/sim
              liquidity model run models/gl-pc.sfc --set r=0.035 --from 0 --to 100 --save-step 0.5
            """)

    @OptionGroup var model: ModelFileOptions

    @OptionGroup var solver: SolverSettings

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out: String = "out/model"

    func run() throws {
        try solver.check()
        let (compiled, t, series, files) = try ModelFiles.run(
            model.file, settings: try model.settings, stepper: try solver.stepper, tolerance: (solver.rtol, solver.atol),
            saveStep: try solver.givenStep, maxSteps: solver.maxSteps,
            into: out, tool: BuildInfo.tool, command: CommandLine.arguments)
        Self.printSummaries(compiled.summaries(t: t, series: series))
        print("wrote " + files.map { "\(out)/\($0)" }.joined(separator: ", "))
    }

    /// The file's summary rows, a label and a number each.
    static func printSummaries(_ summaries: [SummaryValue]) {
        guard let width = summaries.map(\.label.count).max() else { return }
        for summary in summaries {
            print(summary.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (summary.value.map { String(format: "%.6g", $0) } ?? "never"))
        }
    }
}

struct ModelCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Solve a model file under every option of one of its choices and print its summaries side by side.",
        discussion: """
            Each option is solved into --out/<option> as `model run` writes it; the table has one \
            column per option and one row per summary the file declares.

            Examples:
              liquidity model compare models/reverse-qe.sfc --choice regime
              liquidity model compare models/reverse-qe.sfc --choice regime --options none,buyer --set I1=0.25
            """)

    @OptionGroup var model: ModelFileOptions

    @Option(help: ArgumentHelp("The choice whose options are compared.", valueName: "name"))
    var choice: String

    @Option(help: ArgumentHelp("Options to compare, comma-separated (default: every option).", valueName: "list"))
    var options: String?

    @Option(help: ArgumentHelp("GSL stepper: \(Stepper.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var solver: String = "msbdf"

    @Option(help: "Relative and absolute tolerance.")
    var tolerance: Double = 1e-10

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out: String = "out/model-compare"

    func run() throws {
        let stepper = try Stepper.named(solver)
        try checkPositive(tolerance, "--tolerance")
        let base = try model.settings
        let source = try model.compile().source
        guard let declared = source.choices.first(where: { $0.name == choice }) else {
            throw InputError("--choice \(choice): \(model.file) has no such choice; its choices: \(source.choices.map(\.name).joined(separator: ", "))")
        }
        let names = declared.options.map(\.name)
        let chosen = try options.map { list in
            try list.split(separator: ",").map { name -> String in
                let name = name.trimmingCharacters(in: .whitespaces)
                guard names.contains(name) else { throw InputError("--options: \(name) is not an option of \(choice); allowed: \(names.joined(separator: ", "))") }
                return name
            }
        } ?? names
        try Self.compare(
            model.file, settings: base, choice: choice, options: chosen, stepper: stepper, tolerance: tolerance, saveStep: nil, out: out,
            title: "\(source.name): \(choice) \(chosen.joined(separator: ", ")); \(stepper) at \(tolerance)")
    }

    /// Solves `file` under each of `options` of `choice` into `out/<option>` and prints the summaries side by side.
    static func compare(
        _ file: String, settings base: ModelSettings, choice: String, options chosen: [String], stepper: Stepper, tolerance: Double,
        saveStep: Double?, out: String, title: String
    ) throws {
        var columns: [[SummaryValue]] = []
        for option in chosen {
            var settings = base
            settings.choices[choice] = option
            let (compiled, t, series, _) = try ModelFiles.run(
                file, settings: settings, stepper: stepper, tolerance: (tolerance, tolerance), saveStep: saveStep, maxSteps: 1_000_000,
                into: (out as NSString).appendingPathComponent(option), tool: BuildInfo.tool, command: CommandLine.arguments)
            columns.append(compiled.summaries(t: t, series: series))
        }
        print(title)
        print("")
        let rows = columns[0].indices.map { r in [columns[0][r].label] + columns.map { format($0[r]) } }
        print(TableFormat.aligned(header: [""] + chosen, rows: rows, gap: "   "))
        print("")
        print("wrote " + chosen.map { "\(out)/\($0)/" }.joined(separator: ", "))
    }

    static func format(_ summary: SummaryValue) -> String {
        guard let value = summary.value else { return "never" }
        switch summary.kind {
        case "drawdown": return String(format: "%.2f%%", 100 * value)
        case "below": return String(format: "%.2f", value)
        default: return String(format: "%.6g", value)
        }
    }
}

struct ModelSankey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sankey",
        abstract: "Draw a model file's transactions-flow matrix at a date as a Sankey diagram (SVG).",
        discussion: """
            Each row's payments are split over its receipts in proportion; a band runs from each \
            paying sector (left) to each receiving sector (right), its width the flow. The first \
            matrix that is not a balance sheet is drawn.

            Examples:
              liquidity model sankey models/reverse-qe.sfc --at 2028 --write out/flows-2028.svg
              liquidity model sankey models/gl-pc.sfc --at 50 --write out/pc.svg
            """)

    @OptionGroup var model: ModelFileOptions

    @Option(help: ArgumentHelp("The date (default: the start).", valueName: "t"))
    var at: Double?

    @Option(help: ArgumentHelp("The SVG file to write.", valueName: "file"))
    var write: String

    func run() throws {
        let compiled = try model.compile()
        guard let flows = compiled.source.matrices.firstIndex(where: { !$0.isStocks }) else {
            throw InputError("\(model.file): no transactions-flow matrix (a matrix without 'stocks') to draw")
        }
        let t = at ?? compiled.t0
        guard t >= compiled.t0, t <= compiled.t1 else { throw InputError("--at \(t): must lie within the span, \(compiled.t0) to \(compiled.t1)") }
        var state = compiled.initialState
        if t > compiled.t0 {
            let (solution, _) = try compiled.run(.msbdf, options: SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10), saveAt: .times([compiled.t0, t])))
            guard solution.isSuccessful else { throw SolveFailure(label: model.file, stepper: .msbdf, solution: solution) }
            state = solution.state(1)
        }
        let matrix = compiled.matrixValues(at: t, state)[flows]
        let folder = (write as NSString).deletingLastPathComponent
        try OutputDirectory(folder.isEmpty ? "." : folder).write(
            (write as NSString).lastPathComponent, Sankey.svg(matrix, title: "\(matrix.title) at t = \(t)", unit: "per year"))
        print("wrote \(write)")
    }
}
