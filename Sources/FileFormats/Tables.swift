import Experiments
import FlowModel
import Foundation
import ModelLanguage

/// The printed tables of `liquidity matrices` and `liquidity params`.
public enum Tables {
    /// A Godley matrix with its row and column sums, and below it (for the
    /// terminal table) whether it balances or which rows and columns leak.
    /// The cash row is the integrated redundant equation, so it balances to
    /// the solver's tolerance, not to rounding: the check allows
    /// max(1e-10, 10 rtol) relative and 10 atol absolute.
    public static func matrix(
        _ matrix: GodleyMatrix, at t: Double, regime: FedRegime, format: TableFormat, relativeTolerance: Double,
        absoluteTolerance: Double
    ) -> String {
        let number = { (value: Double) in String(format: "%.6f", value) }
        var rows = zip(matrix.rowLabels, matrix.values).enumerated().map { index, pair in
            [pair.0] + pair.1.map(number) + [number(matrix.rowSums[index]), number(matrix.rowTargets[index])]
        }
        rows.append(["column sum"] + matrix.columnSums.map(number) + ["", ""])
        let table = format.render(
            title: "\(matrix.title) at \(DecimalYear.isoDate(t)) (t = \(t)), regime \(regime)",
            header: ["row"] + Sector.allCases.map(\.rawValue) + ["row sum", "must be"], rows: rows)
        let relative = max(1e-10, 10 * relativeTolerance)
        let leaks = matrix.leaks(absolute: 10 * absoluteTolerance, relative: relative)
        if format == .table {
            return table + "\n" + (leaks.isEmpty
                ? "balanced: every row and column sums to what it must (to \(relative) relative)\n"
                : leaks.map { "LEAK: \($0)" }.joined(separator: "\n") + "\n")
        }
        return table + "\n" + leaks.map { "LEAK: \($0)" }.joined(separator: "\n")
    }

    /// The symbolic transactions-flow matrix, as MODEL.md writes it.
    public static func symbolicFlows(_ model: ReverseQEModel, format: TableFormat) -> String {
        let rows = zip(model.transactions.rows, model.transactions.symbolic).map { [$0.0.label] + $0.1 }
        return format.render(
            title: "transactions-flow matrix (MODEL.md section 2)", header: ["flow"] + Sector.allCases.map(\.rawValue), rows: rows)
    }

    /// Every parameter with its value, unit, role, range, meaning and source,
    /// the knot tables last.
    public static func parameters(_ parameters: ModelParameters, from source: String, format: TableFormat) -> String {
        var rows = parameters.catalog.map { info in
            [info.group + "." + info.key.split(separator: ".").last!, Configuration.format(info.value(in: parameters)), info.unit,
             info.role.rawValue, info.allowed, info.meaning, info.source]
        }
        for info in ModelParameters.knotTables {
            let table = info.table(in: parameters)
            let knots = zip(table.times, table.values).map { "(\($0), \($1))" }.joined(separator: " ")
            rows.append(["exogenous.\(info.key)", knots, info.unit, "exogenous", "ascending years", "\(info.meaning), knots (year, value)", "MODEL.md section 4"])
        }
        return format.render(
            title: "parameters of \(source)", header: ["key", "value", "unit", "role", "allowed", "meaning", "source"], rows: rows)
    }

    /// A model file's parameters with their values in `model` (its settings
    /// applied), unit, allowed range, role, meaning and source.
    public static func parameters(of model: CompiledModel, format: TableFormat) -> String {
        var rows: [[String]] = []
        for p in model.source.parameters {
            let members: [String]
            if case .member(let set) = p.index { members = model.members(of: set).map { "[\($0)]" } } else { members = [""] }
            for member in members {
                let name = p.name + member
                rows.append([name, model.parameter(name).map(Configuration.format) ?? "", p.attributes.unit ?? "", p.attributes.role ?? "",
                             p.attributes.range?.description ?? "any finite number", p.attributes.meaning ?? "", p.attributes.source ?? ""])
            }
        }
        return format.render(
            title: "parameters of \(model.source.file)", header: ["name", "value", "unit", "role", "allowed", "meaning", "source"], rows: rows)
    }

    /// A model file's matrix at `t`, with its row and column sums.
    public static func matrix(_ matrix: MatrixValues, at t: Double, format: TableFormat) -> String {
        let number = { (value: Double) in String(format: "%.6f", value) }
        var rows = matrix.rowLabels.indices.map { r in
            [matrix.rowLabels[r]] + matrix.values[r].map(number) + [number(matrix.rowSums[r]), number(matrix.rowTargets[r])]
        }
        rows.append(["column sum"] + matrix.columnSums.map(number) + ["", ""])
        return format.render(title: "\(matrix.title) at t = \(t)", header: ["row"] + matrix.columns + ["row sum", "must be"], rows: rows)
    }
}
