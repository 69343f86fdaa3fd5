import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import ModelLanguage

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve one path and write its series.",
        discussion: """
            Writes series.csv (one row per saved time: t, date, every state and derived series), \
            units.csv (unit and meaning of every column) and manifest.json (version, commit, \
            resolved parameters, scenario, solver, statistics, input fingerprint) into --out.

            Examples:
              liquidity run --regime buyer --out out/buyer
              liquidity run --set payout=0.5 --set risk.crypto.beta=2.5 --solver msbdf --rtol 1e-8
              liquidity run --scenario scenarios/tight.toml --from 2025-01-01 --to 2030-01-01 --save-step quarterly
            """)

    @OptionGroup var inputs: ModelInputOptions
    @OptionGroup var solver: SolverSettings
    @OptionGroup var output: OutputOptions
    @OptionGroup var report: ReportOptions

    @Option(help: "Fed regime: \(FedRegime.names).")
    var regime: FedRegime = .none

    func run() throws {
        if let file = inputs.model {
            try solver.check()
            let source = try ModelFiles.source(file)
            let hasRegime = source.choices.contains { $0.name == "regime" }
            let settings = try inputs.modelSettings(file, choices: hasRegime ? ["regime": regime.rawValue] : [:])
            let (path, files) = try ModelFiles.run(
                file, settings: settings, solve: try solver.settings, saveStep: try solver.givenStep, config: inputs.config,
                into: output.out("run"), plot: output.plot, tool: BuildInfo.tool, command: CommandLine.arguments)
            ModelRun.printSummaries(path)
            print("wrote " + files.map { "\(output.out("run"))/\($0)" }.joined(separator: ", "))
            return
        }
        let started = Date()
        let progress = Progress(quiet: report.quiet)
        let prepared = try PreparedModel(inputs, solver)
        let settings = try solver.settings
        let model = try prepared.model(regime)
        let directory = try OutputDirectory(output.out("run"))
        progress.report("solving the \(regime) regime")
        let path = try settings.solve(model, label: "regime \(regime)")
        try directory.write("series.csv", CSV.series(path))
        try directory.write("units.csv", CSV.units(path.columns))
        var outputs = ["series.csv", "units.csv", "manifest.json"]
        if output.plot {
            let p = prepared.parameters
            let solved = ComparisonCase(kind: .init(regime: regime), run: path, idleCashFloor: report.idleCashFloor)
            outputs += try Charts.write(
                Charts.dashboard(
                    title: "Reverse QE: AI capex, idle cash and the Fed",
                    subtitle: "\(DecimalYear.isoDate(p.t0)) to \(DecimalYear.isoDate(p.t1)); configuration \(prepared.configPath)",
                    cases: [solved], idleCashFloor: report.idleCashFloor),
                into: directory)
        }
        let manifest = Manifest(
            tool: BuildInfo.tool, command: CommandLine.arguments, config: prepared.configPath, parameters: prepared.parameters,
            scenario: prepared.scenario, settings: settings, runs: [(regime.rawValue, path)], outputs: outputs,
            wallTime: Date().timeIntervalSince(started), regimes: [regime.rawValue])
        try directory.write("manifest.json", try manifest.json())
        let s = path.solution.statistics
        print("\(regime): \(path.t.count) points from \(DecimalYear.isoDate(path.t.first!)) to \(DecimalYear.isoDate(path.t.last!)); \(s.steps) steps, \(s.functionEvaluations) evaluations; largest identity residual \(String(format: "%.1e", path.largestRelativeIdentityResidual)) of M")
        print("wrote " + outputs.map { "\(output.out("run"))/\($0)" }.joined(separator: ", "))
    }
}
