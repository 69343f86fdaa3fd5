import Experiments
import Foundation
import FlowModel
import FileFormats

/// What the notebook shows: its title, the facts of its first cell, the
/// dashboard's panels and the colour of each case.
public struct NotebookPlan: Sendable {
    /// A panel of the dashboard: a series, scaled, with an optional reference level.
    public struct Panel: Sendable {
        public var column: String, title: String, unit: String, scale: Double, reference: Double?
        public init(column: String, title: String, unit: String, scale: Double = 1, reference: Double? = nil) {
            (self.column, self.title, self.unit, self.scale, self.reference) = (column, title, unit, scale, reference)
        }
    }

    public var title: String
    /// Markdown lines of the first cell: command, configuration, solver, runs.
    public var facts: [String]
    public var panels: [Panel]
    /// Panels of the difference each case makes against its counterfactual.
    public var attribution: [Panel]
    /// What ends a counterfactual case's name in `compare.csv` (`/no_ai_boom`).
    public var counterfactualSuffix: String
    /// The colour and the dash pattern (SVG's, empty for solid) of each case, and the legend's word for the cases.
    public var colors: [String: String], dashes: [String: String] = [:], legend: String
    /// The model file and configuration, as absolute paths, for the cell that re-solves with the Python package.
    public var model: String? = nil, config: String? = nil

    public init(
        title: String, facts: [String], panels: [Panel], attribution: [Panel], counterfactualSuffix: String,
        colors: [String: String], dashes: [String: String] = [:], legend: String, model: String? = nil, config: String? = nil
    ) {
        (self.title, self.facts, self.panels, self.attribution) = (title, facts, panels, attribution)
        (self.counterfactualSuffix, self.colors, self.dashes, self.legend) = (counterfactualSuffix, colors, dashes, legend)
        (self.model, self.config) = (model, config)
    }
}

/// The Jupyter notebook (nbformat 4) and plain Python script that redraw the
/// dashboard from the files of `compare`, and the matrices they show.
public enum Notebook {
    /// A Swift string as a Python string literal.
    package static func python(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = (try? encoder.encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    package static func python(_ panels: [NotebookPlan.Panel]) -> String {
        "[" + panels.map { p in
            "(\(python(p.column)), \(python(p.title)), \(python(p.unit)), \(CSV.number(p.scale)), \(p.reference.map(CSV.number) ?? "None"))"
        }.joined(separator: ",\n          ") + "]"
    }

    /// Code shared by the notebook's cells and the script, cell by cell.
    package static func codeCells(_ plan: NotebookPlan, matricesDate: String) -> [String] {
        [
            """
            import json
            import pandas as pd
            import matplotlib
            import matplotlib.pyplot as plt

            manifest = json.load(open("manifest.json"))
            print("liquidity", manifest["tool"]["version"], "commit", manifest["tool"]["commit"])
            print("command:", " ".join(manifest["command"]))
            print("model:", manifest.get("model", "built-in"), "| configuration:", manifest.get("config"))
            print("solver:", manifest["solver"])
            """,
            """
            compare = pd.read_csv("compare.csv")   # t, date, regime, variable, value
            units = pd.read_csv("units.csv").set_index("column")
            wide = compare.pivot_table(index=["t", "date", "regime"], columns="variable", values="value").reset_index()
            suffix = \(python(plan.counterfactualSuffix))
            main = wide[~wide["regime"].str.endswith(suffix)]
            flat = wide[wide["regime"].str.endswith(suffix)]
            main.groupby("regime")[[c for c, *_ in \(python(plan.panels))][:3]].describe().T
            """,
            """
            colors = {\(plan.colors.sorted { $0.key < $1.key }.map { "\(python($0.key)): \(python($0.value))" }.joined(separator: ", "))}
            dashes = {\(plan.dashes.sorted { $0.key < $1.key }.map { "\(python($0.key)): (0, (\($0.value.isEmpty ? "" : $0.value + ",")))" }.joined(separator: ", "))}
            panels = \(python(plan.panels))
            attribution = \(python(plan.attribution))
            panels = [p + (False,) for p in panels] + ([p + (True,) for p in attribution] if len(flat) else [])
            rows = (len(panels) + 2) // 3
            fig, axes = plt.subplots(rows, 3, figsize=(16, 3.6 * rows), squeeze=False)
            for ax, (column, title, unit, scale, reference, difference) in zip(axes.flat, panels):
                for regime, group in main.groupby("regime", sort=False):
                    values = group[column].to_numpy() * scale
                    if difference:
                        values = values - flat[flat["regime"] == regime + suffix][column].to_numpy() * scale
                    dash = dashes.get(regime, (0, ()))
                    ax.plot(group["t"], values, color=colors.get(regime, "grey"), linestyle=dash if dash[1] else "-",
                            label=f"\(plan.legend): {regime}", lw=2)
                if reference is not None:
                    ax.axhline(reference * scale, color="#333333", ls=":", lw=1)
                ax.set_title(title, fontweight="bold")
                ax.set_ylabel(unit)
                ax.set_xlabel("year")
                ax.grid(alpha=0.3)
            for ax in list(axes.flat)[len(panels):]:
                ax.axis("off")
            handles, labels = axes.flat[0].get_legend_handles_labels()
            fig.suptitle(\(python(plan.title)), y=0.995, fontsize=16, fontweight="bold")
            fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.975), ncol=4, frameon=False)
            fig.tight_layout(rect=(0, 0, 1, 0.95))
            fig.savefig("dashboard_matplotlib.png", dpi=80)
            plt.show()
            """,
            """
            # Re-solve in-process with the Python package (`pip install ./python` in the liquidity
            # folder): another capex plateau I1, another Fed regime; sliders where ipywidgets is installed.
            try:
                import liquidity
            except ImportError:
                liquidity = None
                print("to re-solve here, install the Python package: pip install ./python in the liquidity folder")
            if liquidity is not None:
                model, config = \(plan.model.map(python) ?? "None"), \(plan.config.map(python) ?? "None")
                table = liquidity.params(model=model, config=config).set_index("name")
                regimes = list(colors)

                def resolve(I1=float(table.loc["I1", "value"]) if "I1" in table.index else None, regime=regimes[-1]):
                    run = liquidity.run(model=model, config=config, regime=regime, set={"I1": I1} if I1 is not None else None)
                    fig, axes = plt.subplots(1, 3, figsize=(16, 3.6), squeeze=False)
                    for ax, (column, title, unit, scale, reference, difference) in zip(axes.flat, panels[:3]):
                        exported = main[main["regime"] == regime]
                        ax.plot(exported["t"], exported[column] * scale, color="#999999", ls=":", lw=2, label=f"{regime}, as exported")
                        ax.plot(run["t"], run[column] * scale, color=colors.get(regime, "black"), lw=2, label=f"{regime}, I1 = {I1}")
                        ax.set_title(title, fontweight="bold")
                        ax.set_ylabel(unit)
                        ax.grid(alpha=0.3)
                    axes.flat[0].legend(frameon=False)
                    plt.show()

                try:
                    import ipywidgets
                    value = resolve.__defaults__[0]
                    ipywidgets.interact(resolve, I1=ipywidgets.FloatSlider(min=0.2, max=2.0, step=0.05, value=value), regime=regimes)
                except ImportError:
                    resolve(regime=regimes[-1])
            """,
            """
            # The matrices at \(matricesDate), with row and column sums.
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

    package static func lines(_ text: String) -> [String] {
        let parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return parts.enumerated().map { $0.offset < parts.count - 1 ? $0.element + "\n" : $0.element }
    }

    /// The notebook as nbformat 4 JSON, keys sorted so that it is deterministic.
    public static func ipynb(_ plan: NotebookPlan, matricesDate: String) throws -> String {
        let facts = (["# \(plan.title)", ""] + plan.facts).joined(separator: "\n")
        var cells = [NotebookFormat.Cell(markdown: "manifest", source: lines(facts))]
        let names = ["load-manifest", "load-series", "dashboard", "re-solve", "matrices"]
        for (name, code) in zip(names, codeCells(plan, matricesDate: matricesDate)) {
            if name == "matrices" {
                cells.append(NotebookFormat.Cell(markdown: "matrices-title", source: lines("## The matrices at \(matricesDate)")))
            }
            cells.append(NotebookFormat.Cell(code: name, source: lines(code)))
        }
        return try JSON.text(NotebookFormat(cells: cells))
    }

    /// The same code as a script, for people who do not use Jupyter.
    public static func script(_ plan: NotebookPlan, matricesDate: String) -> String {
        "#!/usr/bin/env python3\n# Redraws the dashboard of a `liquidity compare` run; run it in the folder of its files.\n"
            + "import matplotlib\nmatplotlib.use(\"Agg\")\n\n"
            + codeCells(plan, matricesDate: matricesDate).map { $0.replacingOccurrences(of: "plt.show()", with: "print(\"wrote dashboard_matplotlib.png\")") }
            .joined(separator: "\n\n") + "\n"
    }

    /// Every matrix of a model file at the saved point `index` of `path`, as
    /// CSV rows over the union of their columns (blank where a matrix has none).
    public static func matricesCSV(_ path: ModelSolution, index: Int) -> String {
        let matrices = path.model.matrixValues(at: path.t[index], path.solution.state(index))
        var columns: [String] = []
        for matrix in matrices { for column in matrix.columns where !columns.contains(column) { columns.append(column) } }
        var lines = ["matrix,row," + columns.map(CSV.field).joined(separator: ",") + ",row_sum,must_be"]
        for matrix in matrices {
            for (r, label) in matrix.rowLabels.enumerated() {
                let cells = columns.map { column in matrix.columns.firstIndex(of: column).map { CSV.number(matrix.values[r][$0]) } ?? "" }
                lines.append([CSV.field(matrix.title), CSV.field(label)].joined(separator: ",") + "," + cells.joined(separator: ",") + ","
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
    package struct Kernel: Encodable { let display_name = "Python 3", language = "python", name = "python3" }
    package struct Language: Encodable { let name = "python" }
    package struct Metadata: Encodable { let kernelspec = Kernel(), language_info = Language() }

    package let cells: [Cell]
    package let metadata = Metadata()
    package let nbformat = 4, nbformat_minor = 5
}
