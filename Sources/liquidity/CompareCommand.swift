import Application
import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Solve the same path under several Fed regimes and compare them (the default command).",
        discussion: """
            Solves the model file (default models/liquidity-priced.sfc, the model whose money markets \
            price, with calibration/liquidity-priced-2026.toml: the monthly fit restarted on 2026-01-01 \
            from December 2025's data) under each option of its choice regime and prints every summary \
            the file declares per regime (for the default file: end prices, largest drawdowns, peak \
            rb, term premium and SOFR - IORB, reserves and the ON RRP at the end, the repo facility's \
            peak lending, the deferred asset at the end, the first date idle money L falls below its \
            level, the change in Bf, the AI share of the IG index, the largest identity residual), then \
            the differences from the first regime. With --counterfactual, each regime is also solved \
            under the last option of the file's choice counterfactual (no AI boom: I1 = I0) and that \
            difference is printed.

            Writes compare.csv (tidy: t,date,regime,variable,value), series_<regime>.csv per run (as \
            `run` writes series.csv), units.csv and manifest.json into --out.

            Examples:
              liquidity compare
              liquidity compare --regimes none,buyer --counterfactual --out out/attribution
              liquidity compare --set k_f=40 --solver msbdf --rtol 1e-8
              liquidity compare --model my-model.sfc --counterfactual --plot   (a file with a choice regime)
            """)

    @OptionGroup var comparison: ComparisonArguments
    @OptionGroup var output: OutputOptions

    @Flag(help: "Also write the Jupyter notebook <model>.ipynb, its script <model>-dashboard.py and matrices.csv.")
    var notebook = false

    func run() throws {
        try comparison.run(
            out: output.out("compare"), plot: output.plot, panels: try output.panelList, caption: output.caption,
            notebook: notebook)
    }
}

/// The options of a comparison of Fed regimes, shared by `compare` and `export`.
struct ComparisonArguments: ParsableArguments {
    @OptionGroup var inputs: ModelInputOptions
    @OptionGroup var solver: SolverFlags
    @OptionGroup var report: ReportOptions

    @Option(
        help: ArgumentHelp(
            "Fed regimes, comma-separated: options of the model file's choice regime (default: every one).",
            valueName: "list"))
    var regimes: String?

    @Flag(
        help:
            """
            Also solve each regime under the file's counterfactual (no AI boom: I1 = I0) and attribute the \
            difference.
            """
    )
    var counterfactual = false

    @Option(
        name: .customLong("matrices-at"),
        help: ArgumentHelp(
            "Date of the matrices in the notebook (default one year after the start); a saved date.", valueName: "date"
        ))
    var matricesAt: String?

    /// --matrices-at, if given: a finite decimal year or a date, and only with the notebook it dates.
    func matricesDate(notebook: Bool) throws -> Double? {
        try matricesAt.map { text -> Double in
            guard let t = DecimalYear.parse(text), t.isFinite else {
                throw InputError("--matrices-at \(text): expected a decimal year (2026.0) or a date (2026-01-01)")
            }
            guard notebook else {
                throw InputError("--matrices-at \(text): dates the notebook's matrices; add --notebook")
            }
            return t
        }
    }

    /// Solves the comparison into `out`, writes its files and prints its tables.
    func run(out: String, plot: Bool, panels: [String]? = nil, caption: String? = nil, notebook: Bool) throws {
        let matrices = try matricesDate(notebook: notebook)
        // A regime twice is the comparison's to refuse, naming the choice.
        let names = try regimes.map {
            try ModelFiles.names($0, option: "--regimes", of: "regimes", refusingRepeats: false)
        }
        try ModelCompare.compare(
            try inputs.modelFile(), settings: try inputs.modelSettings(), config: try inputs.configFile(),
            choice: ModelFiles.regimeChoice, options: names,
            counterfactual: counterfactual, plot: plot, panels: panels,
            notebook: notebook ? .some(matrices) : nil, solver: solver,
            out: out, quiet: report.quiet, caption: caption,
            origin: regimes.map { "--regimes \($0)" } ?? (counterfactual ? "--counterfactual" : "--regimes"))
    }
}
