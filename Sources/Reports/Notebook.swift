import Experiments
import FileFormats
import FlowModel
import Foundation

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
    /// The model file and configuration, by their names in the export's folder, for the cell that
    /// re-solves with the Python package.
    public var model: String? = nil, config: String? = nil

    public init(
        title: String, facts: [String], panels: [Panel], attribution: [Panel], counterfactualSuffix: String,
        colors: [String: String], dashes: [String: String] = [:], legend: String, model: String? = nil,
        config: String? = nil
    ) {
        (self.title, self.facts, self.panels, self.attribution) = (title, facts, panels, attribution)
        (self.counterfactualSuffix, self.colors, self.dashes, self.legend) = (
            counterfactualSuffix, colors, dashes, legend
        )
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
        "["
            + panels.map { p in
                """
                (\(python(p.column)), \(python(p.title)), \(python(p.unit)), \(CSV.number(p.scale)), \
                \(p.reference.map(CSV.number) ?? "None"))
                """
            }.joined(separator: ",\n          ") + "]"
    }

    /// The values the template's `{{name}}` placeholders take, as Python text.
    package static func values(_ plan: NotebookPlan, matricesDate: String) -> [String: String] {
        [
            "suffix": python(plan.counterfactualSuffix),
            "panels": python(plan.panels),
            "attribution": python(plan.attribution),
            "colors": "{"
                + plan.colors.sorted { $0.key < $1.key }.map { "\(python($0.key)): \(python($0.value))" }.joined(
                    separator: ", ") + "}",
            "dashes": "{"
                + plan.dashes.sorted { $0.key < $1.key }
                .map { "\(python($0.key)): (0, (\($0.value.isEmpty ? "" : $0.value + ",")))" }.joined(separator: ", ")
                + "}",
            "legend": plan.legend,
            "title": python(plan.title),
            "model": plan.model.map(python) ?? "None",
            "config": plan.config.map(python) ?? "None",
            "matrices_date": matricesDate,
        ]
    }

    /// The code cells of `template` (`notebooks-export/dashboard.py`: each cell after a line
    /// `# %% NAME`, the percent format), with every `{{name}}` replaced by its value.
    ///
    /// - Throws: ``NotebookTemplateError`` for a template with no cell or an unknown placeholder.
    package static func codeCells(_ plan: NotebookPlan, matricesDate: String, template: String) throws -> [(
        name: String, code: String
    )] {
        let values = values(plan, matricesDate: matricesDate)
        var cells: [(name: String, lines: [String])] = []
        for line in template.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("# %% ") {
                cells.append((String(line.dropFirst(5)), []))
            } else if !cells.isEmpty {
                cells[cells.count - 1].lines.append(line)
            }
        }
        guard !cells.isEmpty else {
            throw NotebookTemplateError(message: "no cell: each starts with a line '# %% NAME'")
        }
        return try cells.map { cell in
            var lines = cell.lines
            while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
            var code = lines.joined(separator: "\n")
            while let open = code.range(of: "{{"),
                let close = code.range(of: "}}", range: open.upperBound..<code.endIndex)
            {
                let name = String(code[open.upperBound..<close.lowerBound])
                guard let value = values[name] else {
                    throw NotebookTemplateError(
                        message:
                            """
                            cell \(cell.name): unknown placeholder {{\(name)}}; known: \
                            \(values.keys.sorted().joined(separator: ", "))
                            """
                    )
                }
                code.replaceSubrange(open.lowerBound..<close.upperBound, with: value)
            }
            return (cell.name, code)
        }
    }

    package static func lines(_ text: String) -> [String] {
        let parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return parts.enumerated().map { $0.offset < parts.count - 1 ? $0.element + "\n" : $0.element }
    }

    /// The notebook as nbformat 4 JSON, keys sorted so that it is deterministic.
    ///
    /// - Parameter template: the text of `notebooks-export/dashboard.py`.
    public static func ipynb(_ plan: NotebookPlan, matricesDate: String, template: String) throws -> String {
        let facts = (["# \(plan.title)", ""] + plan.facts).joined(separator: "\n")
        var cells = [NotebookFormat.Cell(markdown: "manifest", source: lines(facts))]
        for (name, code) in try codeCells(plan, matricesDate: matricesDate, template: template) {
            if name == "matrices" {
                cells.append(
                    NotebookFormat.Cell(
                        markdown: "matrices-title", source: lines("## The matrices at \(matricesDate)")))
            }
            cells.append(NotebookFormat.Cell(code: name, source: lines(code)))
        }
        return try JSON.text(NotebookFormat(cells: cells))
    }

    /// The same code as a script, for people who do not use Jupyter.
    public static func script(_ plan: NotebookPlan, matricesDate: String, template: String) throws -> String {
        """
        #!/usr/bin/env python3\n# Redraws the dashboard of a `liquidity compare` run; run it in the folder of \
        its files.\n
        """
            + "import matplotlib\nmatplotlib.use(\"Agg\")\n\n"
            + (try codeCells(plan, matricesDate: matricesDate, template: template))
            .map { $0.code.replacingOccurrences(of: "plt.show()", with: "print(\"wrote dashboard_matplotlib.png\")") }
            .joined(separator: "\n\n") + "\n"
    }

    /// Every matrix of a model file at the saved point `index` of `path`, as
    /// CSV rows over the union of their columns (blank where a matrix has none).
    public static func matricesCSV(_ path: ModelSolution, index: Int) -> String {
        let matrices = path.model.matrixValues(at: path.t[index], path.solution.state(index))
        var columns: [String] = []
        for matrix in matrices {
            for column in matrix.columns where !columns.contains(column) { columns.append(column) }
        }
        var lines = ["matrix,row," + columns.map(CSV.field).joined(separator: ",") + ",row_sum,must_be"]
        for matrix in matrices {
            for (r, label) in matrix.rowLabels.enumerated() {
                let cells = columns.map { column in
                    matrix.columns.firstIndex(of: column).map { CSV.number(matrix.values[r][$0]) } ?? ""
                }
                lines.append(
                    [CSV.field(matrix.title), CSV.field(label)].joined(separator: ",") + ","
                        + cells.joined(separator: ",") + ","
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

/// A notebook template that cannot be filled in.
public struct NotebookTemplateError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
