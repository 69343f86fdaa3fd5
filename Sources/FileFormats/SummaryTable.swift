import Experiments
import FlowModel
import Foundation

/// The printed comparison tables of `liquidity compare`: every field of
/// ``RunSummary`` per run, and the differences between pairs of runs.
public enum SummaryTable {
    static func text(_ value: Double?, _ kind: SummaryField.Kind) -> String {
        guard let value else { return "never" }
        switch kind {
        case .index: return String(format: "%.4f", value)
        case .share: return String(format: "%.2f%%", 100 * value)
        case .change: return String(format: "%+.3f", value)
        case .dollars: return String(format: "%.3f", value)
        case .date: return DecimalYear.isoDate(value)
        case .residual: return String(format: "%.1e", value)
        }
    }

    static func difference(_ value: Double, _ kind: SummaryField.Kind) -> String {
        switch kind {
        case .index: String(format: "%+.4f", value)
        case .share: String(format: "%+.2f pp", 100 * value)
        case .change, .dollars, .date, .residual: String(format: "%+.3f", value)
        }
    }

    static func layout(_ header: [String], _ body: [[String]]) -> String {
        TableFormat.aligned(header: header, rows: body, gap: "   ")
    }

    /// One column per run, one row per field.
    public static func render(_ runs: [(label: String, summary: RunSummary)]) -> String {
        guard let first = runs.first?.summary else { return "" }
        let body = RunSummary.fields(classes: first.classes).map { field in
            [field.label.replacingOccurrences(of: "floor", with: "\(first.idleCashFloor) $T")]
                + runs.map { text(field.value($0.summary), field.kind) }
        }
        return layout([""] + runs.map(\.label), body)
    }

    /// `a - b` for each pair, in the natural unit of each field that has a difference.
    public static func differences(_ pairs: [(label: String, a: RunSummary, b: RunSummary)]) -> String {
        guard let first = pairs.first?.a else { return "" }
        let body = RunSummary.fields(classes: first.classes).filter(\.kind.hasDifference).map { field in
            [field.label] + pairs.map { difference(field.value($0.a)! - field.value($0.b)!, field.kind) }
        }
        return layout([""] + pairs.map(\.label), body)
    }
}
