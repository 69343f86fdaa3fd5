import Experiments
import FileFormats
import FlowModel
import Foundation

/// The printed comparison tables of `liquidity compare`: every summary the
/// model file declares per run, and the differences between pairs of runs.
public enum SummaryTable {
    package static func layout(_ header: [String], _ body: [[String]]) -> String {
        TableFormat.aligned(header: header, rows: body, gap: "   ")
    }
}

extension SummaryTable {
    /// A model file's summary value as printed: shares and rates (unit
    /// `share`, `1/yr`, and every drawdown) in percent, index levels to four
    /// decimals, changes with their sign, dates as dates in a calendar model.
    package static func text(_ summary: SummaryValue, calendar: Bool) -> String {
        guard let value = summary.value else { return "never" }
        switch summary.kind {
        case "below": return calendar ? DecimalYear.isoDate(value) : String(format: "%.4g", value)
        case "drawdown": return String(format: "%.2f%%", 100 * value)
        case _ where isPercent(summary): return String(format: "%.2f%%", 100 * value)
        case "change": return String(format: summary.unit.hasPrefix("$") ? "%+.3f" : "%+.6g", value)
        case _ where summary.unit.hasPrefix("$"): return String(format: "%.3f", value)
        case _ where summary.unit.hasPrefix("index"): return String(format: "%.4f", value)
        default: return String(format: "%.6g", value)
        }
    }

    package static func isPercent(_ summary: SummaryValue) -> Bool {
        summary.kind == "drawdown" || summary.unit == "share" || summary.unit == "1/yr"
    }

    /// `a - b` in the summary's natural unit; nil for a date, whose difference is not reported.
    package static func difference(_ a: SummaryValue, _ b: SummaryValue) -> String? {
        guard a.kind != "below" else { return nil }
        guard let x = a.value, let y = b.value else { return "" }
        if isPercent(a) { return String(format: "%+.2f pp", 100 * (x - y)) }
        return String(format: a.unit.hasPrefix("index") ? "%+.4f" : a.unit.hasPrefix("$") ? "%+.3f" : "%+.6g", x - y)
    }

    /// One column per run, one row per summary the model file declares.
    public static func render(_ runs: [(label: String, summaries: [SummaryValue])], calendar: Bool) -> String {
        guard let first = runs.first?.summaries else { return "" }
        let body = first.indices.map { r in [first[r].label] + runs.map { text($0.summaries[r], calendar: calendar) } }
        return layout([""] + runs.map(\.label), body)
    }

    /// `a - b` for each pair, for every summary but dates.
    public static func differences(_ pairs: [(label: String, a: [SummaryValue], b: [SummaryValue])]) -> String {
        guard let first = pairs.first?.a else { return "" }
        let body = first.indices.compactMap { r -> [String]? in
            guard first[r].kind != "below" else { return nil }
            return [first[r].label] + pairs.map { difference($0.a[r], $0.b[r]) ?? "" }
        }
        return layout([""] + pairs.map(\.label), body)
    }

    /// The rows whose difference `a - b` changes sign between the pairs (AI's part, as solved
    /// less the counterfactual, positive in one regime and negative in another), each with
    /// its most negative and most positive pair: "what flips". A difference counts only from
    /// half the last digit the table prints of dollars (5e-4) or of percent and index rows
    /// (5e-5), and from 5e-5 in other units, so rounding noise (the identity residual's 1e-11)
    /// flips nothing.
    public static func flips(_ pairs: [(label: String, a: [SummaryValue], b: [SummaryValue])]) -> [String] {
        guard let first = pairs.first?.a else { return [] }
        return first.indices.compactMap { r -> String? in
            guard first[r].kind != "below" else { return nil }
            let material = isPercent(first[r]) || !first[r].unit.hasPrefix("$") ? 5e-5 : 5e-4
            let parts = pairs.compactMap { pair -> (String, Double, String)? in
                guard let x = pair.a[r].value, let y = pair.b[r].value, abs(x - y) >= material else { return nil }
                return (pair.label, x - y, difference(pair.a[r], pair.b[r]) ?? "")
            }
            guard let low = parts.min(by: { $0.1 < $1.1 }), let high = parts.max(by: { $0.1 < $1.1 }),
                low.1 < 0, high.1 > 0
            else { return nil }
            return "\(first[r].label): \(low.2) under \(low.0), \(high.2) under \(high.0)"
        }
    }

    /// Two runs of different model files side by side: a row per summary of either, matched by
    /// kind and series (`end_p_crypto`; the first file's order and label, then the second's
    /// own), "-" where a file lacks the row, and the second less the first where both have it
    /// in one unit.
    public static func sideBySide(
        _ a: (label: String, summaries: [SummaryValue]), _ b: (label: String, summaries: [SummaryValue]),
        calendar: Bool
    ) -> String {
        let rows = a.summaries + b.summaries.filter { y in !a.summaries.contains { $0.column == y.column } }
        let body = rows.map { row -> [String] in
            let x = a.summaries.first { $0.column == row.column }
            let y = b.summaries.first { $0.column == row.column }
            var delta = ""
            if let x, let y, x.unit == y.unit { delta = difference(y, x) ?? "" }
            let cells = [x, y].map { $0.map { text($0, calendar: calendar) } ?? "-" }
            return [row.label] + cells + [delta]
        }
        return layout(["", a.label, b.label, "\(b.label) - \(a.label)"], body)
    }
}
