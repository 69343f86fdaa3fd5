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

    /// The rows worth printing of runs of one file: all but a drawdown that is nil or zero (below
    /// half a printed digit, 5e-5) in every run, whose labels come back to be said once.
    public static func informative(_ runs: [[SummaryValue]]) -> (rows: [Int], silent: [String]) {
        guard let first = runs.first else { return ([], []) }
        let silent = first.indices.filter { r in
            first[r].kind == "drawdown" && runs.allSatisfy { abs($0[r].value ?? 0) < 5e-5 }
        }
        return (first.indices.filter { !silent.contains($0) }, silent.map { first[$0].label })
    }

    /// `a - b` for each pair, for every summary but dates and accounting checks (a series named
    /// `identity_...`, whose differences are rounding).
    public static func differences(_ pairs: [(label: String, a: [SummaryValue], b: [SummaryValue])]) -> String {
        guard let first = pairs.first?.a else { return "" }
        let body = first.indices.compactMap { r -> [String]? in
            guard first[r].kind != "below", !first[r].series.hasPrefix("identity_") else { return nil }
            return [first[r].label] + pairs.map { difference($0.a[r], $0.b[r]) ?? "" }
        }
        return layout([""] + pairs.map(\.label), body)
    }

    /// The rows whose difference `a - b` changes sign between the pairs (AI's part, as solved
    /// minus without the AI boom, under each regime), each with the pairs of its most negative
    /// and most positive difference, and what the numbers say moved with it between those two
    /// pairs: for the first row the file declares of a set's member (a class's price), the part
    /// of that member that moves most ("most of it": a channel); for a scalar row, the other
    /// scalar in its unit that moves most ("alongside": another stock of the balance sheet). A
    /// difference counts only from half the last digit the table prints of dollars (5e-4) or of
    /// percent and index rows (5e-5), and from 5e-5 in other units, so rounding noise (the
    /// identity residual's 1e-11) flips nothing and explains nothing.
    public static func flips(_ pairs: [(label: String, a: [SummaryValue], b: [SummaryValue])]) -> [String] {
        guard let first = pairs.first?.a else { return [] }
        func material(_ r: Int) -> Double { isPercent(first[r]) || !first[r].unit.hasPrefix("$") ? 5e-5 : 5e-4 }
        func part(_ pair: Int, _ r: Int) -> Double? {
            guard first[r].kind != "below", let x = pairs[pair].a[r].value, let y = pairs[pair].b[r].value else {
                return nil
            }
            return x - y
        }
        func said(_ r: Int, _ pair: Int) -> String { difference(pairs[pair].a[r], pairs[pair].b[r]) ?? "" }
        return first.indices.compactMap { r -> String? in
            let parts = pairs.indices.compactMap { i in part(i, r).flatMap { abs($0) >= material(r) ? (i, $0) : nil } }
            guard let low = parts.min(by: { $0.1 < $1.1 }), let high = parts.max(by: { $0.1 < $1.1 }),
                low.1 < 0, high.1 > 0
            else { return nil }
            let (lower, higher) = (pairs[low.0].label, pairs[high.0].label)
            let flip = "\(first[r].label): \(said(r, low.0)) under \(lower), \(said(r, high.0)) under \(higher)"
            let leads = first[r].member.map { m in first.firstIndex { $0.member == m } == r } ?? true
            let kin = first.indices.filter { s in
                first[s].series != first[r].series && first[s].kind != "below" && leads
                    && (first[r].member.map { first[s].member == $0 }
                        ?? (first[s].member == nil && first[s].unit == first[r].unit))
            }
            let moves = kin.compactMap { s -> (Int, Double)? in
                guard let x = part(low.0, s), let y = part(high.0, s), abs(y - x) >= material(s) else { return nil }
                return (s, abs(y - x))
            }
            guard let (s, _) = moves.max(by: { $0.1 < $1.1 }) else { return flip }
            let how = first[r].member == nil ? "alongside" : "most of it"
            return flip
                + "; \(how): \(first[s].label): \(said(s, low.0)) under \(lower), \(said(s, high.0)) under \(higher)"
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
