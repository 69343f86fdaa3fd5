import Application
import ArgumentParser
import Experiments
import FileFormats
import Reports

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Run the comparison into a folder with a Jupyter notebook that redraws it.",
        discussion: """
            Equivalent to `liquidity compare --out DIR --notebook --plot [OPTIONS]`: writes the files of \
            compare, the dashboard, matrices.csv (every matrix of the model file at --matrices-at), and \
            <model>.ipynb (nbformat 4: the manifest, pandas loading the CSV files, the dashboard drawn \
            with matplotlib, the matrices) with <model>-dashboard.py, the same code as a script. Takes the \
            options of compare.

            Examples:
              liquidity export --notebook out/notebook
              liquidity export --notebook out/nb --counterfactual --regimes none,buyer
            """)

    @Option(help: ArgumentHelp("Folder to write into.", valueName: "dir"))
    var notebook: String

    @OptionGroup var comparison: ComparisonArguments

    @Option(
        help: ArgumentHelp(
            """
            The dashboard's and the notebook's panels, comma-separated series of the model file (default: every \
            series it summarises but its accounting checks).
            """,
            valueName: "list"))
    var panels: String?

    @Option(help: ArgumentHelp("The dashboard's caption, in place of its line of span and files.", valueName: "text"))
    var caption: String?

    func run() throws {
        try comparison.run(
            out: notebook, plot: true,
            panels: try panelNames(panels), caption: caption,
            notebook: true)
    }
}
