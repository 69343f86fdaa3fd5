import Application
import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
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

/// What the model commands take besides the file: parameters, choices, span.
struct ModelFileOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The model file.", valueName: "FILE.sfc"))
    var file: String

    @Option(
        help: ArgumentHelp(
            """
            A configuration of the file ([horizon], [parameters], [sets], [tables], [choices], by the file's \
            names) whose values it takes.
            """,
            valueName: "file"))
    var config: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "A parameter's value: name=value, or name[member]=value (repeatable).", valueName: "name=value"))
    var overrides: [String] = []

    @Option(
        name: .customLong("choose"),
        help: ArgumentHelp(
            "An option of a choice: choice=option, such as regime=buyer (repeatable).", valueName: "choice=option"))
    var choices: [String] = []

    @Option(
        name: .customLong("scenario"),
        help: ArgumentHelp(
            "Scenario file (TOML) of dated changes of the model's parameters, as for the other commands (repeatable).",
            valueName: "file"))
    var scenarios: [String] = []

    @Option(
        name: .customLong("from"), parsing: .unconditional,
        help: ArgumentHelp("Start of the span (default: the file's horizon).", valueName: "t"))
    var start: Double?

    @Option(
        name: .customLong("to"), parsing: .unconditional,
        help: ArgumentHelp("End of the span (default: the file's horizon).", valueName: "t"))
    var end: Double?

    var settings: ModelSettings { get throws { try settings(of: file, config: config) } }

    /// The settings of `file` with `config` and these options' --set, --choose, scenarios and span.
    func settings(of file: String, config: String?) throws -> ModelSettings {
        try ModelFiles.runSettings(
            file, config: config, overrides: overrides,
            choices: Dictionary(try ModelFiles.pairs(choices, option: "--choose")) { $1 },
            scenarios: scenarios, start: start, end: end)
    }

    func compile() throws -> CompiledModel { try ModelFiles.compile(file, settings: try settings, config: config) }
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
        abstract:
            "Draw the dependency graph of a model file's equations (Graphviz DOT, and SVG where dot is installed).",
        discussion: """
            States are boxes, definitions ellipses (dashed: solved from a matrix column), t0 \
            quantities diamonds, parameters and tables plain text; an arrow runs from each name to \
            what reads it.

            Examples:
              liquidity model graph models/gl-sim.sfc
              liquidity model graph models/gl-pc.sfc --write out/gl-pc.dot
            """)

    @OptionGroup var model: ModelFileOptions

    @Option(
        help: ArgumentHelp(
            "Write the DOT file here (and FILE.svg beside it where Graphviz's dot is installed); default: print it.",
            valueName: "file"))
    var write: String?

    func run() throws {
        let dot = try model.compile().source.dependencyGraph
        guard let write else {
            print(dot, terminator: "")
            return
        }
        let folder = (write as NSString).deletingLastPathComponent
        let directory = try OutputDirectory(folder.isEmpty ? "." : folder, option: "--write")
        let name = (write as NSString).lastPathComponent
        try directory.write(name, dot)
        var files = [write]
        // The drawing only beside a regular file: a device or a pipe has no folder of its own to draw into.
        let svg = (write as NSString).deletingPathExtension + ".svg"
        if OutputDirectory.kind(of: write) == .regularOrAbsent, Self.graphviz(write, svg) { files.append(svg) }
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

    @OptionGroup var solver: SolverFlags

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out: String = "out/model"

    func run() throws {
        try solver.check()
        let (path, files) = try ModelFiles.run(
            model.file, settings: try model.settings, solve: try solver.settings, saveStep: try solver.givenStep,
            config: model.config,
            into: out, tool: BuildInfo.tool, command: CommandLine.arguments)
        Self.printSummaries(path)
        print("wrote " + files.map { "\(out)/\($0)" }.joined(separator: ", "))
    }

    /// The file's summary rows on `path`, a label and a number each.
    static func printSummaries(_ path: ModelSolution) {
        let table = SummaryTable.render([("", path.summaries)], calendar: path.model.source.isCalendar)
        if !table.isEmpty { print(table.split(separator: "\n").dropFirst().joined(separator: "\n")) }
    }
}

struct ModelCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: """
            Solve a model file under every option of one of its choices, or two model files, and print their \
            summaries side by side.
            """,
        discussion: """
            With one file and --choice, each option is solved into --out/<option> as `model run` writes \
            it; the table has one column per option and one row per summary the file declares. With two \
            files, each is solved into --out/<its name> (--config for the first, --second-config for the \
            second; --set, --choose and the span for both), and the table has a row per summary label of \
            either file ("-" where one lacks it) and the second less the first.

            Examples:
              liquidity model compare models/reverse-qe.sfc --choice regime
              liquidity model compare models/reverse-qe.sfc --choice regime --options none,buyer --set I1=0.25
              liquidity model compare models/liquidity.sfc models/liquidity-priced.sfc \
                  --config calibration/liquidity-2026.toml --second-config calibration/liquidity-priced-2026.toml \
                  --choose regime=buyer
            """)

    @OptionGroup var model: ModelFileOptions

    @Argument(help: ArgumentHelp("A second model file, compared with the first.", valueName: "SECOND.sfc"))
    var second: String?

    @Option(help: ArgumentHelp("A configuration of the second model file.", valueName: "file"))
    var secondConfig: String?

    @Option(help: ArgumentHelp("The choice whose options are compared (one file).", valueName: "name"))
    var choice: String?

    @Option(help: ArgumentHelp("Options to compare, comma-separated (default: every option).", valueName: "list"))
    var options: String?

    @Flag(
        help:
            """
            Also solve each option under the last option of the file's choice `counterfactual`, and attribute \
            the difference.
            """
    )
    var counterfactual = false

    @Flag(
        help:
            """
            Also draw the dashboard: a panel per summarised series (dashboard.svg, and dashboard.png where \
            rsvg-convert is installed).
            """
    )
    var plot = false

    @OptionGroup var solver: SolverFlags

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out: String = "out/model-compare"

    func run() throws {
        try solver.check()
        if let second {
            guard choice == nil, options == nil, !counterfactual, !plot else {
                throw InputError(
                    "\(second): two model files are compared as they are; --choice, --options, --counterfactual and "
                        + "--plot compare the options of one file")
            }
            try compareFiles(second)
            return
        }
        guard let choice else {
            throw InputError("--choice: name the choice whose options are compared, or give a second model file")
        }
        if secondConfig != nil { throw InputError("--second-config: no second model file is given") }
        for (name, option) in try ModelFiles.pairs(model.choices, option: "--choose") where name == choice {
            throw InputError(
                "--choose \(name)=\(option): \(name) is the choice compared (--choice); each of its options is solved")
        }
        let names = options.map { list in
            list.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        }
        try Self.compare(
            model.file, settings: try model.settings, config: model.config, choice: choice, options: names,
            counterfactual: counterfactual,
            plot: plot, solver: solver, out: out, quiet: false,
            origin: "--choice \(choice)" + (options.map { ", --options \($0)" } ?? ""))
    }

    /// Solves the two files into --out/<name> each and prints their summaries side by side.
    func compareFiles(_ second: String) throws {
        let names = [model.file, second].map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }
        let folders = names[0] == names[1] ? [names[0] + "-1", names[1] + "-2"] : names
        var paths: [ModelSolution] = []
        var written: [String] = []
        for (k, (file, config)) in [(model.file, model.config), (second, secondConfig)].enumerated() {
            let (path, files) = try ModelFiles.run(
                file, settings: try model.settings(of: file, config: config), solve: try solver.settings,
                saveStep: try solver.givenStep, config: config, into: "\(out)/\(folders[k])", tool: BuildInfo.tool,
                command: CommandLine.arguments)
            paths.append(path)
            written += files.map { "\(out)/\(folders[k])/\($0)" }
        }
        // Two files of one model are told apart by their folders.
        let models = paths.map(\.model.source.name)
        let labels = models[0] == models[1] ? folders : models
        print(
            SummaryTable.sideBySide(
                (labels[0], paths[0].summaries), (labels[1], paths[1].summaries),
                calendar: paths.allSatisfy { $0.model.source.isCalendar }))
        print("")
        print("wrote " + written.joined(separator: ", "))
    }

    /// Solves `file` under each of `options` of `choice` (nil: all) into
    /// `out`, and prints the file's summaries side by side, their differences
    /// from the first option and, with `counterfactual`, the counterfactual's part.
    static func compare(
        _ file: String, settings: ModelSettings, config: String?, choice: String, options: [String]?,
        counterfactual: Bool, plot: Bool,
        panels: [String]? = nil, notebook: Double?? = nil, solver: SolverFlags, out: String, quiet: Bool,
        caption: String? = nil, origin: String
    ) throws {
        try solver.check()
        let source = try ModelFiles.source(file)
        var solve = try solver.settings
        let span = (settings.start ?? source.horizon?.0 ?? 0, settings.end ?? source.horizon?.1 ?? 1)
        solve.saveStep = try ModelFiles.saveStep(try solver.givenStep, for: source, span: span)
        let comparison: ChoiceComparison
        do {
            comparison = try ChoiceComparison(
                source: source, settings: settings, choice: choice, options: options, counterfactual: counterfactual,
                solve: solve)
        } catch let error as ChoiceComparison.Invalid {
            throw InputError("\(origin): \(error.description)")
        }
        var files = ComparisonFiles.Options(config: config ?? "", tool: BuildInfo.tool, command: CommandLine.arguments)
        files.anchors = [PackageFiles.executable]
        files.plot = plot
        files.panels = panels
        files.caption = caption
        files.notebookMatricesAt = notebook
        let progress = Progress(quiet: quiet)
        let (result, written) = try ComparisonFiles.run(comparison, file: file, into: out, options: files) {
            index, kind in
            progress.report("solving \(kind.label) (\(index + 1) of \(comparison.cases.count))")
        }
        let calendar = source.isCalendar
        let model = result.cases[0].solved.model
        printWarnings(model)
        if !quiet {
            let dates =
                calendar
                ? "\(DecimalYear.isoDate(model.t0)) to \(DecimalYear.isoDate(model.t1))"
                : "t = \(model.t0) to \(model.t1)"
            print(
                "\(source.name): \(choice) \(comparison.options.joined(separator: ", ")), \(dates); "
                    + "\(solver.solver), rtol \(solver.rtol); model \(file)"
                    + (config.map { "; config \($0)" }
                        ?? PackageFiles.ownValuesNote(model: file, config: nil, anchors: [PackageFiles.executable])
                        .map { "; \($0)" } ?? ""))
            let (rows, silent) = SummaryTable.informative(result.cases.map(\.summaries))
            let kept = { (summaries: [SummaryValue]) in rows.map { summaries[$0] } }
            let main = result.main.map { ($0.kind.option, kept($0.summaries)) }
            print("")
            print(SummaryTable.render(main, calendar: calendar))
            if !silent.isEmpty { print(silent.map { "\($0): 0.00% in every run" }.joined(separator: "; ") + ".") }
            if main.count > 1 {
                print("")
                print("Differences from \(main[0].0):")
                print(SummaryTable.differences(main.dropFirst().map { ($0.0, $0.1, main[0].1) }))
            }
            if counterfactual, let option = comparison.counterfactualOption {
                print("")
                print("Attribution (as solved minus \(ChoiceComparison.counterfactualChoice) = \(option)):")
                let pairs = result.attribution.map { ($0.option, kept($0.actual), kept($0.counterfactual)) }
                print(SummaryTable.differences(pairs))
                let flips = SummaryTable.flips(pairs)
                print("")
                print(
                    flips.isEmpty
                        ? "As solved minus \(option) has the same sign in every option of \(choice)."
                        : "Where as solved minus \(option) changes sign between options of \(choice):\n"
                            + flips.map { "  " + $0 }.joined(separator: "\n"))
            }
            print("")
        }
        print("wrote \(written.map { "\(out)/\($0)" }.joined(separator: ", "))")
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
        guard t >= compiled.t0, t <= compiled.t1 else {
            throw InputError("--at \(t): must lie within the span, \(compiled.t0) to \(compiled.t1)")
        }
        var state = compiled.initialState
        if t > compiled.t0 {
            let (solution, _) = try compiled.run(
                .msbdf,
                options: SolverOptions(
                    relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10), saveAt: .times([compiled.t0, t])))
            guard solution.isSuccessful else {
                throw SolveFailure(label: model.file, stepper: .msbdf, solution: solution)
            }
            state = solution.state(1)
        }
        let matrix = compiled.matrixValues(at: t, state)[flows]
        let folder = (write as NSString).deletingLastPathComponent
        try OutputDirectory(folder.isEmpty ? "." : folder, option: "--write").write(
            (write as NSString).lastPathComponent,
            Sankey.svg(matrix, title: "\(matrix.title) at t = \(t)", unit: "per year"))
        print("wrote \(write)")
    }
}
