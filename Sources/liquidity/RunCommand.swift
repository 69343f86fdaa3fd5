import Application
import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Solve one path and write its series.",
        discussion: """
            Writes series.csv (one row per saved time: t, date, every state, definition and observed \
            series of the model file), units.csv (unit and meaning of every column) and manifest.json \
            (version, commit, resolved parameters, tables, sets, changes, solver, statistics, input \
            fingerprint) into --out, and prints the file's summaries.

            Examples:
              liquidity run --regime buyer --out out/buyer
              liquidity run --set payout=0.5 --set beta[crypto]=2.5 --solver msbdf --rtol 1e-8
              liquidity run --scenario scenarios/tight.toml --from 2025-01-01 --to 2030-01-01 --save-step quarterly
              liquidity run --model models/gl-sim.sfc --set G_d=25 --out out/sim
            """)

    @OptionGroup var inputs: ModelInputOptions
    @OptionGroup var solver: SolverFlags
    @OptionGroup var output: OutputOptions
    @OptionGroup var report: ReportOptions

    @Option(
        help: ArgumentHelp(
            "Fed regime: an option of the model file's choice regime (default: the file's default).", valueName: "name"
        ))
    var regime: String?

    func run() throws {
        try solver.check()
        let file = try inputs.modelFile()
        let source = try ModelFiles.source(file)
        let choices = try inputs.request.regimeChoice(regime)
        let out = output.out("run")
        let (path, files) = try ModelFiles.run(
            file, settings: try inputs.modelSettings(choices: choices), solve: try solver.settings,
            saveStep: try solver.givenStep,
            config: try inputs.configFile(), into: out, plot: output.plot, panels: try output.panelList,
            caption: output.caption,
            tool: BuildInfo.tool, command: CommandLine.arguments)
        printWarnings(path.model)
        if report.quiet {
            print("wrote " + files.map { "\(out)/\($0)" }.joined(separator: ", "))
            return
        }
        let s = path.solution.statistics
        let span =
            source.isCalendar
            ? "from \(DecimalYear.isoDate(path.t[0])) to \(DecimalYear.isoDate(path.t.last!))"
            : "from t = \(path.t[0]) to \(path.t.last!)"
        print(
            """
            \(source.name): \(path.t.count) points \(span); \(s.steps) steps, \(s.functionEvaluations) \
            evaluations; \(try inputs.describe())
            """
        )
        ModelRun.printSummaries(path)
        print("wrote " + files.map { "\(out)/\($0)" }.joined(separator: ", "))
    }
}
