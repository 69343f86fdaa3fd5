import FlowModel
import Foundation

/// The Jupyter notebook (nbformat 4) and plain Python script that redraw the
/// dashboard from the files of `compare`, and the matrices they show.
public enum Notebook {
    /// Code shared by the notebook's cells and the script, cell by cell.
    static func codeCells(matricesDate: String) -> [String] {
        [
            """
            import json
            import pandas as pd
            import matplotlib
            import matplotlib.pyplot as plt

            manifest = json.load(open("manifest.json"))
            print("liquidity", manifest["tool"]["version"], "commit", manifest["tool"]["commit"])
            print("command:", " ".join(manifest["command"]))
            print("configuration:", manifest["config"], "| scenario:", manifest["scenario"])
            print("solver:", manifest["solver"])
            """,
            """
            compare = pd.read_csv("compare.csv")   # t, date, regime, variable, value
            units = pd.read_csv("units.csv").set_index("column")
            wide = compare.pivot_table(index=["t", "date", "regime"], columns="variable", values="value").reset_index()
            main = wide[~wide["regime"].str.endswith("/no-ai-boom")]
            flat = wide[wide["regime"].str.endswith("/no-ai-boom")]
            main.groupby("regime")[["rb", "L", "Bf"]].describe().T.head(12)
            """,
            """
            colors = {\(FedRegime.allCases.map { "\"\($0.rawValue)\": \"\(Charts.color($0))\"" }.joined(separator: ", "))}
            classes = manifest["risk_classes"]
            panels = [(f"p_{c}", f"{c} price", "index, 1 at start", 1) for c in classes] + [
                ("rb", "10-year Treasury yield rb", "percent a year", 100),
                ("sc", "AI credit spread sc", "percentage points", 100),
                ("L", "Idle cash L", "$ trillions", 1),
                ("Bf", "Fed Treasury holdings Bf", "$ trillions", 1),
                ("SELL", "Sovereign fund sales", "$ trillions a year", 1),
                ("ai_ig_share", "AI share of the USD IG index", "percent", 100),
            ]
            attribution = [("p_crypto", "AI boom's part: crypto price", "index points, with minus without", 1),
                           ("rb", "AI boom's part: 10-year yield", "percentage points, with minus without", 100)]
            if len(flat):
                panels += [(c, t, u, s, "attribution") for c, t, u, s in attribution]
            rows = (len(panels) + 2) // 3
            fig, axes = plt.subplots(rows, 3, figsize=(16, 3.6 * rows))
            for ax, panel in zip(axes.flat, panels):
                column, title, unit, scale = panel[:4]
                for regime, group in main.groupby("regime", sort=False):
                    values = group[column].to_numpy() * scale
                    if len(panel) == 5:
                        other = flat[flat["regime"] == regime + "/no-ai-boom"][column].to_numpy() * scale
                        values = values - other
                    ax.plot(group["t"], values, color=colors.get(regime, "grey"), label=f"Fed regime: {regime}", lw=2)
                if column == "L" and len(panel) == 4:
                    ax.axhline(1.0, color="#333333", ls=":", lw=1)
                ax.set_title(title, fontweight="bold")
                ax.set_ylabel(unit)
                ax.set_xlabel("year")
                ax.grid(alpha=0.3)
            for ax in list(axes.flat)[len(panels):]:
                ax.axis("off")
            handles, labels = axes.flat[0].get_legend_handles_labels()
            fig.suptitle("Reverse QE: AI capex, idle cash and the Fed", y=0.995, fontsize=16, fontweight="bold")
            fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.975), ncol=4, frameon=False)
            fig.tight_layout(rect=(0, 0, 1, 0.95))
            fig.savefig("dashboard_matplotlib.png", dpi=80)
            plt.show()
            """,
            """
            # The Godley matrices at \(matricesDate), with row and column sums (stocks $T, flows $T/yr).
            matrices = pd.read_csv("matrices.csv")
            for name, table in matrices.groupby("matrix", sort=False):
                print(name)
                table = table.drop(columns="matrix").set_index("row")
                table.loc["column sum"] = table.sum(numeric_only=True)
                print(table.round(4).to_string())
                print()
            """,
        ]
    }

    static func lines(_ text: String) -> [String] {
        let parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return parts.enumerated().map { $0.offset < parts.count - 1 ? $0.element + "\n" : $0.element }
    }

    /// The notebook as nbformat 4 JSON, keys sorted so that it is deterministic.
    public static func ipynb(manifest: Manifest, matricesDate: String) throws -> String {
        let facts = """
            # Reverse QE: AI capex, idle cash and the Fed

            Written by `liquidity` \(manifest.tool.version) (commit `\(manifest.tool.commit)`) next to the files it reads.

            - command: `\(manifest.command.joined(separator: " "))`
            - configuration: `\(manifest.config)`; scenario: \(manifest.scenario)
            - solver: \(manifest.solver.stepper), rtol \(manifest.solver.rtol), atol \(manifest.solver.atol), saved every \(manifest.solver.save_step_years) years
            - runs: \(manifest.runs.map(\.label).joined(separator: ", "))
            - parameters: \(manifest.parameters.sorted { $0.key < $1.key }.map { "`\($0.key)` = \($0.value)" }.joined(separator: ", "))
            - knots and risk classes: in `manifest.json`, loaded below
            """
        var cells = [NotebookFormat.Cell(markdown: "manifest", source: lines(facts))]
        let names = ["load-manifest", "load-series", "dashboard", "matrices"]
        for (name, code) in zip(names, codeCells(matricesDate: matricesDate)) {
            if name == "matrices" {
                cells.append(NotebookFormat.Cell(markdown: "matrices-title", source: lines("## The Godley matrices at \(matricesDate)")))
            }
            cells.append(NotebookFormat.Cell(code: name, source: lines(code)))
        }
        return try JSON.text(NotebookFormat(cells: cells))
    }

    /// The same code as a script, for people who do not use Jupyter.
    public static func script(matricesDate: String) -> String {
        "#!/usr/bin/env python3\n# Redraws the dashboard of a `liquidity compare` run; run it in the folder of its files.\n"
            + "import matplotlib\nmatplotlib.use(\"Agg\")\n\n"
            + codeCells(matricesDate: matricesDate).map { $0.replacingOccurrences(of: "plt.show()", with: "print(\"wrote dashboard_matplotlib.png\")") }
            .joined(separator: "\n\n") + "\n"
    }

    /// Both matrices at the saved point `index` of `run`, as CSV rows.
    public static func matricesCSV(_ run: ModelRun, index: Int) -> String {
        let model = run.model
        let t = run.t[index], y = run.solution.state(index)
        var lines = ["matrix,row," + Sector.allCases.map(\.rawValue).joined(separator: ",") + ",row_sum,must_be"]
        for matrix in [model.balanceSheetMatrix(at: t, y), model.transactionsFlowMatrix(at: t, y)] {
            for (r, label) in matrix.rowLabels.enumerated() {
                lines.append([CSV.field(matrix.title), CSV.field(label)].joined(separator: ",") + ","
                    + matrix.values[r].map(CSV.number).joined(separator: ",") + ","
                    + CSV.number(matrix.rowSums[r]) + "," + CSV.number(matrix.rowTargets[r]))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A Jupyter notebook in nbformat 4.5, as JSON encodes it.
struct NotebookFormat: Encodable {
    /// A markdown or code cell; a code cell has no outputs and has not run.
    struct Cell: Encodable {
        let cell_type: String, id: String, source: [String]

        init(markdown id: String, source: [String]) { (cell_type, self.id, self.source) = ("markdown", id, source) }
        init(code id: String, source: [String]) { (cell_type, self.id, self.source) = ("code", id, source) }

        enum Keys: String, CodingKey { case cell_type, id, metadata, source, execution_count, outputs }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(cell_type, forKey: .cell_type)
            try container.encode(id, forKey: .id)
            try container.encode([String: String](), forKey: .metadata)
            try container.encode(source, forKey: .source)
            if cell_type == "code" {
                try container.encodeNil(forKey: .execution_count)
                try container.encode([String](), forKey: .outputs)
            }
        }
    }
    struct Kernel: Encodable { let display_name = "Python 3", language = "python", name = "python3" }
    struct Language: Encodable { let name = "python" }
    struct Metadata: Encodable { let kernelspec = Kernel(), language_info = Language() }

    let cells: [Cell]
    let metadata = Metadata()
    let nbformat = 4, nbformat_minor = 5
}
