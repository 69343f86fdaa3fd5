/// How a table is printed.
public enum TableFormat: String, CaseIterable, Sendable {
    case table, csv, markdown, latex

    /// A terminal table: the first column left-aligned, the others right-aligned.
    public static func aligned(header: [String], rows: [[String]], gap: String = "  ") -> String {
        let widths = header.indices.map { c in max(header[c].count, rows.map { $0[c].count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                c == 0
                    ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: gap)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// Renders `header` and `rows`; the first column is text, the rest right-aligned.
    public func render(title: String, header: [String], rows: [[String]]) -> String {
        switch self {
        case .table:
            return title + "\n" + Self.aligned(header: header, rows: rows)
        case .csv:
            return ([header] + rows).map { $0.map(CSV.field).joined(separator: ",") }.joined(separator: "\n")
        case .markdown:
            let align = ["---"] + Array(repeating: "---:", count: header.count - 1)
            let lines = [header, align] + rows.map { $0.map { $0.replacingOccurrences(of: "|", with: "\\|") } }
            return (["**\(title)**", ""] + lines.map { "| " + $0.joined(separator: " | ") + " |" }).joined(
                separator: "\n")
        case .latex:
            func escape(_ text: String) -> String {
                var out = ""
                for character in text {
                    switch character {
                    case "_", "&", "%", "$", "#", "{", "}": out += "\\\(character)"
                    default: out.append(character)
                    }
                }
                return out
            }
            var lines = [
                "% \(title) (needs \\usepackage{booktabs})",
                "\\begin{tabular}{l" + String(repeating: "r", count: header.count - 1) + "}",
                "\\toprule",
                header.map(escape).joined(separator: " & ") + " \\\\",
                "\\midrule",
            ]
            lines += rows.map { $0.map(escape).joined(separator: " & ") + " \\\\" }
            lines += ["\\bottomrule", "\\end{tabular}"]
            return lines.joined(separator: "\n")
        }
    }
}
