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

    @OptionGroup var inputs: ModelInputOptions
    @OptionGroup var solver: SolverSettings
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Fed regimes, comma-separated: \(FedRegime.names).", valueName: "list"))
    var regimes: String = "none,reserves,buyer"

    @Flag(help: "Also solve each regime without the AI boom (I1 = I0) and attribute the difference.")
    var counterfactual = false

    @Flag(help: "Also write the Jupyter notebook reverse_qe.ipynb, its script reverse_qe.py and matrices.csv.")
    var notebook = false

    @Option(name: .customLong("matrices-at"), help: ArgumentHelp(
        "Date of the Godley matrices for --notebook (default one year after the start); a saved date.", valueName: "date"))
    var matricesAt: String?

    func parsedRegimes() throws -> [FedRegime] {
        let allowed = FedRegime.names
        let names = regimes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty else { throw InputError("--regimes: give at least one of \(allowed)") }
        var result: [FedRegime] = []
        for name in names {
            guard let regime = FedRegime(rawValue: name) else {
                throw InputError("--regimes: unknown regime \(name); allowed: \(allowed)")
            }
            guard !result.contains(regime) else { throw InputError("--regimes: \(name) is listed twice") }
            result.append(regime)
        }
        return result
    }

    func run() throws {
        let started = Date()
        let progress = Progress(quiet: output.quiet)
        let regimes = try parsedRegimes()
        guard output.idleCashFloor.isFinite else { throw InputError("--idle-cash-floor \(output.idleCashFloor): must be finite") }
        let prepared = try PreparedModel(inputs, solver)
        let settings = try solver.settings
        let comparison = RegimeComparison(
            parameters: prepared.parameters, scenario: prepared.scenario, regimes: regimes, counterfactual: counterfactual,
            settings: settings, idleCashFloor: output.idleCashFloor)
        // The directory is made once the models are valid, when the first run is solved.
        var directory: OutputDirectory?
        var outputs: [String] = []
        let result = try modelInput {
            try comparison.run(
                starting: { index, kind in progress.report("solving \(kind.label) (\(index + 1) of \(comparison.cases.count))") },
                finished: { solved in
                    let file = Self.seriesFile(solved.kind)
                    directory = try directory ?? OutputDirectory(output.out)
                    try directory!.write(file, CSV.series(solved.run))
                    outputs.append(file)
                })
        }
        guard let directory else { return }
        try directory.write("compare.csv", CSV.tidy(result.cases))
        try directory.write("units.csv", CSV.units(result.cases[0].run.columns))
        outputs = ["compare.csv"] + outputs + ["units.csv", "manifest.json"]
        let p = prepared.parameters
        if output.plot {
            let svg = Charts.dashboard(
                title: "Reverse QE: AI capex, idle cash and the Fed",
                subtitle: "\(DecimalYear.isoDate(p.t0)) to \(DecimalYear.isoDate(p.t1)); configuration \(prepared.configPath)"
                    + (prepared.scenario.changes.isEmpty ? "" : ", scenario \(prepared.scenario.name)")
                    + (counterfactual ? "; dashed reference at 0 in the attribution panels" : "; run with --counterfactual for the AI boom's part"),
                cases: result.cases, idleCashFloor: output.idleCashFloor)
            outputs += try Charts.write(svg, into: directory)
        }
        var notebookFiles: (date: String, matrices: String)?
        if notebook {
            let first = result.cases[0].run
            let wanted = try matricesAt.map { text -> Double in
                guard let t = DecimalYear.parse(text) else {
                    throw InputError("--matrices-at \(text): expected a decimal year (2026.0) or a date (2026-01-01)")
                }
                return t
            } ?? min(first.t[0] + 1, first.t.last!)
            guard let index = first.t.firstIndex(where: { abs($0 - wanted) < 1e-9 }) else {
                throw InputError("--matrices-at \(matricesAt ?? ""): not a saved date of the run; pick one on the --save-step grid")
            }
            notebookFiles = (DecimalYear.isoDate(first.t[index]), Notebook.matricesCSV(first, index: index))
            outputs += ["matrices.csv", "reverse_qe.ipynb", "reverse_qe.py"]
        }
        let manifest = Manifest(
            tool: BuildInfo.tool, command: CommandLine.arguments, config: prepared.configPath, parameters: p,
            scenario: prepared.scenario, settings: settings, runs: result.cases.map { ($0.kind.label, $0.run) }, outputs: outputs,
            wallTime: Date().timeIntervalSince(started), regimes: regimes.map(\.rawValue) + (counterfactual ? ["counterfactual"] : []))
        try directory.write("manifest.json", try manifest.json())
        if let notebookFiles {
            try directory.write("matrices.csv", notebookFiles.matrices)
            try directory.write("reverse_qe.ipynb", try Notebook.ipynb(manifest: manifest, matricesDate: notebookFiles.date))
            try directory.write("reverse_qe.py", Notebook.script(matricesDate: notebookFiles.date))
        }

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
        print("wrote \(outputs.map { "\(output.out)/\($0)" }.joined(separator: ", "))")
    }

    /// `series_none.csv`, `series_none_no-ai-boom.csv`.
    static func seriesFile(_ kind: ComparisonCase.Kind) -> String {
        "series_\(kind.regime.rawValue)" + (kind.isCounterfactual ? "_no-ai-boom" : "") + ".csv"
    }
}
