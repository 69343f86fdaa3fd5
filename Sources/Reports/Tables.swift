import Experiments
import FileFormats
import FlowModel
import Foundation

/// The printed tables of `liquidity matrices` and `liquidity params`.
public enum Tables {
    /// A model file's parameters with their values in `model` (its settings
    /// applied), unit, allowed range, role, meaning and source.
    /// - Parameter givenBy: where values not the file's own were given, by
    ///   parameter key (`payout`, `beta[crypto]`, or `beta` for every member):
    ///   a configuration's path, `--set`. Their source names it first, then the
    ///   file's source of the value it replaced.
    public static func parameters(of model: CompiledModel, format: TableFormat, givenBy: [String: String] = [:])
        -> String
    {
        var rows: [[String]] = []
        for p in model.source.parameters {
            let members: [String]
            if case .member(let set) = p.index {
                members = model.members(of: set).map { "[\($0)]" }
            } else {
                members = [""]
            }
            for member in members {
                let name = p.name + member
                var source = p.attributes.source ?? ""
                if let given = givenBy[name] ?? givenBy[p.name] {
                    source = source.isEmpty ? given : "\(given) (in place of the file's value, source: \(source))"
                }
                rows.append([
                    name, model.parameter(name).map(Configuration.format) ?? "", p.attributes.unit ?? "",
                    p.attributes.role ?? "",
                    p.attributes.range?.description ?? "any finite number", p.attributes.meaning ?? "", source,
                ])
            }
        }
        return format.render(
            title: "parameters of \(model.source.file)",
            header: ["name", "value", "unit", "role", "allowed", "meaning", "source"], rows: rows)
    }

    /// A model file's matrix at `t` with its row and column sums, and below
    /// it (for the terminal table) whether it balances or which rows and
    /// columns leak. A balance sheet's rows hold along solutions, so they
    /// balance to the solver's tolerance, not to rounding: the check allows
    /// max(1e-10, 10 rtol) of the largest entry and 10 atol.
    /// - Parameter decimals: digits after the point; in LaTeX and Markdown a
    ///   cell that rounds to zero is left blank, as printed tables show it.
    public static func matrix(
        _ matrix: MatrixValues, at t: Double, calendar: Bool, case label: String?, format: TableFormat,
        relativeTolerance: Double = 1e-10,
        absoluteTolerance: Double = 1e-10, decimals: Int = 6
    ) -> String {
        let blankZeros = format == .latex || format == .markdown
        let number = { (value: Double) -> String in
            let text = String(format: "%.\(decimals)f", value)
            let isZero = !text.contains { ("1"..."9").contains($0) }
            return isZero ? (blankZeros ? "" : String(format: "%.\(decimals)f", 0.0)) : text
        }
        var rows = matrix.rowLabels.indices.map { r in
            [matrix.rowLabels[r]] + matrix.values[r].map(number) + [
                number(matrix.rowSums[r]), number(matrix.rowTargets[r]),
            ]
        }
        rows.append(["column sum"] + matrix.columnSums.map(number) + ["", ""])
        let when = calendar ? "\(DecimalYear.isoDate(t)) (t = \(t))" : "t = \(t)"
        let table = format.render(
            title: "\(matrix.title) at \(when)" + (label.map { ", \($0)" } ?? ""),
            header: ["row"] + matrix.columns + ["row sum", "must be"], rows: rows)
        let relative = max(1e-10, 10 * relativeTolerance)
        let allowed = max(10 * absoluteTolerance, relative * (matrix.values.flatMap { $0 }.map(abs).max() ?? 0))
        var leaks: [String] = []
        for (r, label) in matrix.rowLabels.enumerated()
        where !(abs(matrix.rowSums[r] - matrix.rowTargets[r]) <= allowed) {
            leaks.append("row \"\(label)\" sums to \(matrix.rowSums[r]), not \(matrix.rowTargets[r])")
        }
        for (c, column) in matrix.columns.enumerated() where !(abs(matrix.columnSums[c]) <= allowed) {
            leaks.append("column \(column) sums to \(matrix.columnSums[c]), not 0")
        }
        if format == .table {
            return table + "\n"
                + (leaks.isEmpty
                    ? "balanced: every row and column sums to what it must (to \(relative) relative)\n"
                    : leaks.map { "LEAK: \($0)" }.joined(separator: "\n") + "\n")
        }
        return table + "\n" + leaks.map { "LEAK: \($0)" }.joined(separator: "\n")
    }
}
