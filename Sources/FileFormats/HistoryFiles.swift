import Experiments
import Foundation
import ModelLanguage
import SwiftCSV

/// The quarter-end history table (`calibration/history.csv`) read back, and
/// a run set against it.
public enum HistoryFiles {
    /// The table's rows by column name.
    public static func readTable(_ path: String) throws -> [[String: Double]] {
        let table: NamedCSV
        do {
            table = try NamedCSV(string: try Configuration.readText(path), delimiter: .comma, loadColumns: false)
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError("\(path): not valid CSV: \(error)")
        }
        guard !table.header.isEmpty else { throw InputError("\(path): empty") }
        // A blank line is no quarter.
        return table.rows.map { row in row.compactMapValues { Double($0) } }.filter { !$0.isEmpty }
    }

    /// Solves the model file at `file` with the configuration at `config`
    /// (nil: the file's values), regime none where the file has that choice,
    /// and sets it against the table at `table` at every quarter-end in its span.
    public static func compare(model file: String, config: String?, table: String, format: TableFormat) throws -> String {
        let rows = try readTable(table)
        let source = try ModelFiles.source(file)
        var settings = try config.map { try ModelFiles.settings(configuration: $0, for: source) } ?? ModelSettings()
        if source.choices.contains(where: { $0.name == "regime" }) { settings.choices["regime"] = "none" }
        let model = try ModelFiles.compile(file, settings: settings)
        var solve = SolveSettings()
        solve.saveTimes = rows.compactMap { $0["t"] }.filter { $0 >= model.t0 && $0 <= model.t1 }
        return comparison(try solve.solve(model, label: file), rows: rows, format: format)
    }

    /// Model against data at each saved quarter: rb and DGS10, idle cash L and
    /// ON RRP, sc and the IG spread, prices against bitcoin and the Nasdaq
    /// (each divided by its value at the run's start).
    public static func comparison(_ run: some SolvedPath, rows: [[String: Double]], format: TableFormat) -> String {
        let first = rows.first { abs(($0["t"] ?? 0) - run.t[0]) < 1e-9 } ?? rows[0]
        let pairs: [(String, String, String, Double, (Double) -> String)] = [
            ("rb %", "rb", "rb", 100, { String(format: "%.2f", $0) }),
            ("L / ON RRP $T", "L", "on_rrp", 1, { String(format: "%.2f", $0) }),
            ("sc / IG OAS %", "sc", "ig_oas", 100, { String(format: "%.2f", $0) }),
            ("p_crypto / bitcoin", "p_crypto", "bitcoin", 1, { String(format: "%.2f", $0) }),
            ("p_longdur / Nasdaq", "p_longdur", "nasdaq", 1, { String(format: "%.2f", $0) }),
        ]
        var header = ["t", "date"]
        for pair in pairs { header += ["model " + pair.0, "data"] }
        var body: [[String]] = []
        for (k, t) in run.t.enumerated() {
            guard let row = rows.first(where: { abs(($0["t"] ?? 0) - t) < 1e-9 }) else { continue }
            var cells = [String(format: "%.2f", t), DecimalYear.isoDate(t)]
            for (_, series, column, scale, show) in pairs {
                guard let model = run.series(series).map({ $0[k] * scale }) else {
                    cells += ["-", "-"]
                    continue
                }
                var data = (row[column] ?? .nan) * scale
                if column == "bitcoin" || column == "nasdaq" { data = (row[column] ?? .nan) / (first[column] ?? .nan) }
                cells += [show(model), show(data)]
            }
            body.append(cells)
        }
        return format.render(title: "the model against history (regime none)", header: header, rows: body)
    }
}
