import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve the same path under several Fed regimes and compare them (the default command).",
        discussion: """
            Prints, per regime: the end price and largest drawdown of every risk class, peak rb and sc, \
            the change in the Fed's Treasuries Bf, total sovereign sales, the first date idle cash L falls \
            below --idle-cash-floor, and the AI share of the IG index at the end; then the differences \
            from the first regime. With --counterfactual, each regime is also solved without the AI boom \
            (I1 = I0) and the boom's part of every number is printed.

            Writes compare.csv (tidy: t,date,regime,variable,value), series_<regime>.csv per run (as \
            `run` writes series.csv), units.csv and manifest.json into --out.

            Examples:
              liquidity compare
              liquidity compare --regimes none,buyer --counterfactual --out out/attribution
              liquidity compare --set k_f=40 --idle-cash-floor 2 --solver msbdf --rtol 1e-8
            """)

    @OptionGroup var comparison: ComparisonArguments
    @OptionGroup var output: OutputOptions

    @Flag(help: "Also write the Jupyter notebook reverse_qe.ipynb, its script reverse_qe.py and matrices.csv.")
    var notebook = false

    func run() throws {
        try comparison.run(out: output.out("compare"), plot: output.plot, notebook: notebook)
    }
}

/// The options of a comparison of Fed regimes, shared by `compare` and `export`.
struct ComparisonArguments: ParsableArguments {
    @OptionGroup var inputs: ModelInputOptions
    @OptionGroup var solver: SolverSettings
    @OptionGroup var report: ReportOptions

    @Option(help: ArgumentHelp("Fed regimes, comma-separated: \(FedRegime.names).", valueName: "list"))
    var regimes: String = "none,reserves,buyer"

    @Flag(help: "Also solve each regime without the AI boom (I1 = I0) and attribute the difference.")
    var counterfactual = false

    @Option(name: .customLong("matrices-at"), help: ArgumentHelp(
        "Date of the Godley matrices in the notebook (default one year after the start); a saved date.", valueName: "date"))
    var matricesAt: String?

    /// --matrices-at, if given.
    func matricesDate() throws -> Double? {
        try matricesAt.map { text -> Double in
            guard let t = DecimalYear.parse(text) else {
                throw InputError("--matrices-at \(text): expected a decimal year (2026.0) or a date (2026-01-01)")
            }
            return t
        }
    }

    func parsedRegimes() throws -> [FedRegime] {
        let allowed = FedRegime.names
        let names = regimes.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty else { throw InputError("--regimes: give at least one of \(allowed)") }
        var result: [FedRegime] = []
        for name in names {
            guard !name.isEmpty else { throw InputError("--regimes \(regimes): an empty name; list regimes separated by single commas") }
            guard let regime = FedRegime(rawValue: name) else {
                throw InputError("--regimes: unknown regime \(name); allowed: \(allowed)")
            }
            guard !result.contains(regime) else { throw InputError("--regimes: \(name) is listed twice") }
            result.append(regime)
        }
        return result
    }

    /// Solves the comparison into `out`, writes its files and prints its tables.
    func run(out: String, plot: Bool, notebook: Bool) throws {
        let progress = Progress(quiet: report.quiet)
        if let file = inputs.model {
            let names = regimes.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            try ModelCompare.compare(
                file, settings: try inputs.modelSettings(file), config: inputs.config, choice: "regime", options: names,
                counterfactual: counterfactual, plot: plot, notebook: notebook ? .some(try matricesDate()) : nil, solver: solver, out: out,
                quiet: report.quiet)
            return
        }
        let regimes = try parsedRegimes()
        guard report.idleCashFloor.isFinite else { throw InputError("--idle-cash-floor \(report.idleCashFloor): must be finite") }
        let prepared = try PreparedModel(inputs, solver)
        let settings = try solver.settings
        let comparison = RegimeComparison(
            parameters: prepared.parameters, scenario: prepared.scenario, regimes: regimes, counterfactual: counterfactual,
            settings: settings, idleCashFloor: report.idleCashFloor)
        var options = ComparisonFiles.Options(config: prepared.configPath, tool: BuildInfo.tool, command: CommandLine.arguments)
        options.plot = plot
        if notebook { options.notebookMatricesAt = .some(try matricesDate()) }
        let (result, outputs) = try ComparisonFiles.run(comparison, into: out, options: options) { index, kind in
            progress.report("solving \(kind.label) (\(index + 1) of \(comparison.cases.count))")
        }
        let p = prepared.parameters
        print("Fed regimes, \(DecimalYear.isoDate(p.t0)) to \(DecimalYear.isoDate(p.t1)); \(solver.solver), rtol \(solver.rtol); config \(prepared.configPath)"
            + (prepared.scenario.changes.isEmpty ? "" : "; scenario \(prepared.scenario.name)"))
        let main = result.regimes.map { ($0.regime.rawValue, $0.summary) }
        print("")
        print(SummaryTable.render(main))
        if main.count > 1 {
            print("")
            print("Differences from \(main[0].0):")
            print(SummaryTable.differences(main.dropFirst().map { ($0.0, $0.1, main[0].1) }))
        }
        if counterfactual {
            print("")
            print("AI-boom attribution (with the boom minus without it, I1 = I0):")
            print(SummaryTable.differences(result.attribution.map { ($0.regime.rawValue, $0.boom, $0.flat) }))
        }
        print("")
        print("wrote \(outputs.map { "\(out)/\($0)" }.joined(separator: ", "))")
    }
}
