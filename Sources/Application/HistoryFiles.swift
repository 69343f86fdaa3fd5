import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import SwiftCSV

/// The quarter-end history table (`calibration/history.csv`) read back, and
/// a run set against it.
public enum HistoryFiles {
    /// The CSV file at `path`, columns by the header's names; a file that is not CSV is bad input naming it.
    static func csv(_ path: String) throws -> NamedCSV {
        do {
            return try NamedCSV(string: try Configuration.readText(path), delimiter: .comma, loadColumns: false)
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError("\(path): not valid CSV: \(error)")
        }
    }

    /// The table's rows by column name.
    public static func readTable(_ path: String) throws -> [[String: Double]] {
        let table = try csv(path)
        guard !table.header.isEmpty else { throw InputError("\(path): empty") }
        // A blank line is no quarter.
        return table.rows.map { row in row.compactMapValues { Double($0) } }.filter { !$0.isEmpty }
    }

    /// Solves the model file at `file` with the configuration at `config`
    /// (nil: the file's values), regime none where the file has that choice,
    /// and sets it against the table at `table` at every quarter-end in its span.
    ///
    /// A model that declares `observe` series named as the table's columns
    /// (FRED ids, `calibration/history-fred.csv`) is set against them, with
    /// each series' RMSE and quarters within its band (``bands``); otherwise
    /// the reverse-QE model's series against the model-unit table.
    public static func compare(
        model file: String, config: String?, table: String, format: TableFormat,
        bands: [String: Double] = HistoryFiles.bands
    ) throws -> String {
        let rows = try readTable(table)
        let source = try ModelFiles.source(file)
        var settings = try config.map { try ModelFiles.settings(configuration: $0, for: source) } ?? ModelSettings()
        if source.choices.contains(where: { $0.name == ModelFiles.regimeChoice }) {
            settings.choices[ModelFiles.regimeChoice] = "none"
        }
        let model = try ModelFiles.compile(file, settings: settings)
        var solve = SolveSettings()
        solve.saveTimes = rows.compactMap { $0["t"] }.filter { $0 >= model.t0 && $0 <= model.t1 }
        let path = try solve.solve(model, label: file)
        let observed = source.observations.map(\.name).filter { name in rows.contains { $0[name] != nil } }
        guard observed.isEmpty else {
            return observedComparison(path, series: observed, rows: rows, bands: bands, format: format)
        }
        return comparison(path, rows: rows, format: format)
    }

    /// The band of each FRED series a history comparison counts quarters
    /// within, in the series' own units (issue 14's goals: the 10-year within
    /// 50 bp, the ON RRP within $0.25T).
    public static let bands: [String: Double] = [
        "DGS10": 0.5, "RRPONTSYD": 250, "WRESBAL": 250_000, "TREAST": 100_000, "WALCL": 100_000, "WTREGEN": 100_000,
        "TGA_DTS": 100_000,
        "BAMLC0A0CM": 0.25,
    ]

    /// The model's observed series (its `observe` declarations, named as
    /// the table's FRED-id columns) against the data at every quarter-end of
    /// the run: a row per quarter with model and data per series, then per
    /// series the quarters compared, the RMSE and the quarters within its band.
    public static func observedComparison(
        _ run: ModelSolution, series names: [String], rows: [[String: Double]], bands: [String: Double],
        format: TableFormat
    ) -> String {
        var header = ["t", "date"]
        for name in names { header += ["model \(name)", "data"] }
        var body: [[String]] = []
        var errors: [String: [Double]] = [:]
        for (k, t) in run.t.enumerated() {
            guard let row = rows.first(where: { abs(($0["t"] ?? 0) - t) < 1e-9 }) else { continue }
            var cells = [String(format: "%.2f", t), run.model.source.isCalendar ? DecimalYear.isoDate(t) : "\(t)"]
            for name in names {
                let model = run.series(name)![k]
                cells.append(String(format: "%.6g", model))
                if let data = row[name] {
                    cells.append(String(format: "%.6g", data))
                    errors[name, default: []].append(model - data)
                } else {
                    cells.append("-")
                }
            }
            body.append(cells)
        }
        var lines = [format.render(title: "the model's observed series against the data", header: header, rows: body)]
        let summary = names.map { name -> [String] in
            let e = errors[name] ?? []
            let rmse = e.isEmpty ? Double.nan : (e.reduce(0) { $0 + $1 * $1 } / Double(e.count)).squareRoot()
            let within =
                bands[name].map { band in
                    "\(e.filter { abs($0) <= band }.count) of \(e.count) within \(String(format: "%g", band))"
                } ?? "-"
            return [name, "\(e.count)", String(format: "%.4g", rmse), within]
        }
        lines.append(
            format.render(
                title: "per series", header: ["series", "quarters", "RMSE", "within the band"], rows: summary))
        return lines.joined(separator: "\n\n")
    }

    /// A target's band: in the series' units, or a share of each quarter's value (`25%`).
    public enum Band: Sendable, Equatable {
        case absolute(Double)
        case relative(Double)

        /// `0.25` or `25%`; nil for anything else.
        public init?(_ text: String) {
            if text.hasSuffix("%") {
                guard let percent = Double(text.dropLast()) else { return nil }
                self = .relative(percent / 100)
            } else {
                guard let value = Double(text) else { return nil }
                self = .absolute(value)
            }
        }

        var size: Double {
            switch self {
            case .absolute(let v), .relative(let v): v
            }
        }

        /// The band of a target valued `value`.
        func band(at value: Double) -> Double {
            switch self {
            case .absolute(let band): band
            case .relative(let share): share * Swift.abs(value)
            }
        }
    }

    /// Calibration targets (`[[target]]` TOML, as `calibrate --targets` reads
    /// them) from a table in FRED units: each of `bands`' series at each
    /// quarter-end of the table from `first` to `last` (quarter labels;
    /// nil: every quarter), valued at the data, within its band (a share of
    /// the quarter's value for a relative band).
    public static func targets(
        table path: String, bands: [(series: String, band: Band)], from first: String?, to last: String?,
        seeds: String? = nil
    ) throws -> String {
        let table = try csv(path)
        for (series, band) in bands {
            guard table.header.contains(series) else {
                throw InputError(
                    """
                    --targets \(series): \(path) has no column \(series); its columns: \
                    \(table.header.dropFirst(3).joined(separator: ", "))
                    """
                )
            }
            guard band.size.isFinite, band.size > 0 else {
                throw InputError(
                    "--targets \(series)=\(band.size): the band must be positive and finite (a number, or a percent)")
            }
        }
        var lines = [
            "# Quarter-end targets from \(path), made by `liquidity history --targets`: each series at each",
            "# quarter-end, in the data's own units, named as the model's observe declarations name it.",
        ]
        var made: Set<String> = []
        for (series, band) in bands {
            for row in table.rows {
                guard let quarter = row["quarter"], let date = row["date"], let t = row["t"].flatMap(Double.init),
                    first.map({ quarter >= $0 }) ?? true, last.map({ quarter <= $0 }) ?? true,
                    let value = row[series].flatMap(Double.init)
                else { continue }
                made.insert("\(series)_\(quarter)")
                lines += [
                    "", "[[target]]", "id = \"\(series)_\(quarter)\"",
                    "description = \"\(series) at the end of \(quarter)\"",
                    "quantity = \"value\"", "series = \"\(series)\"", "at = \(CSV.number(t))",
                    "value = \(CSV.number(value))",
                    "band = \(CSV.number(band.band(at: value)))", "weight = 1.0",
                    "source = \"FRED \(series), \(date) (\(path))\"",
                ]
            }
        }
        guard let seeds else { return lines.joined(separator: "\n") + "\n" }
        // The seeds' targets as their file writes them, after a check that they read and that no id is
        // made twice; the file's `model` key heads the merged file.
        for target in try CalibrationFiles.readTargets(seeds) where made.contains(target.id) {
            throw InputError("--seeds \(seeds): target \(target.id) is also made from --table; rename one")
        }
        let text = try Configuration.readText(seeds).split(separator: "\n", omittingEmptySubsequences: false)
        let start = text.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "[[target]]" } ?? text.endIndex
        var merged: [String] = text[..<start].filter { $0.hasPrefix("model") }.map(String.init)
        merged += lines
        merged += ["", "# The targets of \(seeds)", ""]
        merged += text[start...].map(String.init)
        return merged.joined(separator: "\n").trimmingCharacters(in: .newlines) + "\n"
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
