import FlowModel
import Foundation
import SwiftCSV
import FileFormats
import Reports

/// The quarter-end table derived from the data folder: what the model's
/// history is set against (see calibration/history.md for the mapping).
public enum HistoryTable {
    /// A column of the table: its name and unit, the data file and series it
    /// comes from, the factor from the file's unit to the table's, and what it measures.
    public struct Column: Sendable {
        public let name: String, unit: String, file: String, series: String, scale: Double, note: String
    }

    /// Each column: its file, the scale to the table's unit, and what it measures.
    public static let columns: [Column] = [
        Column(name: "fed_assets", unit: "$T", file: "WALCL.csv", series: "WALCL", scale: 1e-6, note: "Fed total assets, Wednesday level"),
        Column(name: "Bf", unit: "$T", file: "TREAST.csv", series: "TREAST", scale: 1e-6, note: "Fed holdings of Treasuries: Bf"),
        Column(name: "on_rrp", unit: "$T", file: "RRPONTSYD.csv", series: "RRPONTSYD", scale: 1e-3, note: "ON RRP: idle cash parked at the Fed (part of L)"),
        Column(name: "reserves", unit: "$T", file: "WRESBAL.csv", series: "WRESBAL", scale: 1e-6, note: "bank reserves, week average"),
        Column(name: "TGA", unit: "$T", file: "DTS_OpCashBal_20210624_20260623.csv", series: "DTS TGA closing balance", scale: 1e-6, note: "Treasury cash at the Fed: TGA"),
        Column(name: "B", unit: "$T", file: "FYGFDPUN.csv", series: "FYGFDPUN", scale: 1e-6, note: "federal debt held by the public (incl. the Fed): B"),
        Column(name: "rb", unit: "1/yr", file: "DGS10.csv", series: "DGS10", scale: 0.01, note: "10-year Treasury yield: rb"),
        Column(name: "ig_oas", unit: "1/yr", file: "BAMLC0A0CM.csv", series: "BAMLC0A0CM", scale: 0.01, note: "IG corporate OAS: the level sc tracks, plus the AI premium"),
        Column(name: "bitcoin", unit: "USD", file: "CBBTCUSD.csv", series: "CBBTCUSD", scale: 1, note: "bitcoin: p_crypto after normalisation"),
        Column(name: "nasdaq", unit: "index", file: "NASDAQCOM.csv", series: "NASDAQCOM", scale: 1, note: "Nasdaq Composite: p_longdur after normalisation"),
        Column(name: "M2", unit: "$T", file: "M2SL.csv", series: "M2SL", scale: 1e-3, note: "M2, seasonally adjusted: the deposits in M"),
    ]

    /// The table's layout: the model's units and names (`calibration/history.csv`),
    /// or the data's own units under their FRED ids (`calibration/history-fred.csv`),
    /// what a model's `observe` declarations line up with.
    public enum Units: String, Sendable, CaseIterable {
        case model, fred
    }

    /// The columns of a layout. In FRED units each column keeps its file's
    /// unit and takes its FRED id as its name (the Treasury's daily cash
    /// balance is `TGA_DTS`); the week-average TGA `WTREGEN` is added, blank
    /// where the file ends.
    public static func columns(_ units: Units) -> [Column] {
        guard units == .fred else { return columns }
        let dataUnits = [
            "WALCL": "millions of USD", "TREAST": "millions of USD", "RRPONTSYD": "billions of USD", "WRESBAL": "millions of USD",
            "DTS TGA closing balance": "millions of USD", "FYGFDPUN": "millions of USD", "DGS10": "percent", "BAMLC0A0CM": "percent",
            "CBBTCUSD": "USD", "NASDAQCOM": "index", "M2SL": "billions of USD",
        ]
        var result = columns.map { c in
            Column(name: c.series == "DTS TGA closing balance" ? "TGA_DTS" : c.series, unit: dataUnits[c.series] ?? "", file: c.file, series: c.series, scale: 1, note: c.note)
        }
        result.insert(Column(name: "WTREGEN", unit: "millions of USD", file: "WTREGEN.csv", series: "WTREGEN", scale: 1, note: "TGA, week average (FRED)"), at: 5)
        return result
    }

    /// The quarters from `first` to `last` (labels such as 2022Q2), as
    /// (label, last day, t of the next day).
    public static func quarters(from first: String = "2022Q2", to last: String) throws -> [(label: String, end: String, t: Double)] {
        func parse(_ label: String) throws -> (Int, Int) {
            let parts = label.split(separator: "Q")
            guard parts.count == 2, let year = Int(parts[0]), let q = Int(parts[1]), (1...4).contains(q), (1900...2200).contains(year) else {
                throw InputError("quarter \(label): expected YYYYQn, such as 2022Q2")
            }
            return (year, q)
        }
        let (a, b) = (try parse(first), try parse(last))
        guard a <= b else { throw InputError("quarters \(first) to \(last): the first must not come after the last") }
        let ends = ["03-31", "06-30", "09-30", "12-31"]
        var result: [(label: String, end: String, t: Double)] = []
        var (year, q) = a
        while (year, q) <= b {
            result.append(("\(year)Q\(q)", "\(year)-\(ends[q - 1])", Double(year) + Double(q) / 4))
            (year, q) = q == 4 ? (year + 1, 1) : (year, q + 1)
        }
        return result
    }

    /// Where each column's series is found: `name=FILE` or `name=FILE:SERIES`
    /// in place of the series of the column's FRED id found in any CSV file of the folder.
    public typealias Mapping = [String: (file: String, series: String?)]

    /// Every series of every FRED CSV file in `directory` (single or
    /// multi-series, every header variant), by FRED id: the column's name, or
    /// for a single column named `value` the file's name (`TREAST.csv`).
    /// Files that are not FRED exports are passed over. Where two files hold
    /// one id, the file named after it (`DGS10.csv`) wins, else the one whose
    /// last observation is later.
    static func scan(_ directory: String) throws -> [String: (series: DatedSeries, file: String)] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".csv") }.sorted()
        } catch {
            throw InputError("--data \(directory): cannot read the folder: \(error.localizedDescription)")
        }
        var found: [String: (series: DatedSeries, file: String)] = [:]
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let text = try? Configuration.readText(path), var all = try? FRED.parseAll(text, file: path) else { continue }
            if all.count == 1, all[0].name == "value" { all[0].name = (name as NSString).deletingPathExtension }
            for series in all {
                let named = { (file: String) in (file as NSString).lastPathComponent == series.name + ".csv" }
                if let held = found[series.name] {
                    if named(held.file) { continue }
                    if !named(path), (held.series.dates.last ?? "") >= (series.dates.last ?? "") { continue }
                }
                found[series.name] = (series, path)
            }
        }
        return found
    }

    /// The newest Daily Treasury Statement cash file in `directory`
    /// (`DTS_OpCashBal_START_END.csv`, or any file with its columns): the one with the latest record.
    static func treasuryCash(_ directory: String) throws -> (series: DatedSeries, file: String)? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".csv") }.sorted()) ?? []
        var best: (series: DatedSeries, file: String)?
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let text = try? Configuration.readText(path), text.contains("Type of Account"),
                let series = try? FRED.parseDailyTreasuryStatement(text, file: path)
            else { continue }
            if (best?.series.dates.last ?? "") < (series.dates.last ?? "") { best = (series, path) }
        }
        return best
    }

    /// The table as CSV: quarter, date, t, then each column's quarter-end value
    /// (the last observation on or before the quarter's last day; for the
    /// quarterly debt series, the observation of that quarter), from the
    /// FRED exports and the newest Treasury cash file in `directory`.
    ///
    /// - Parameters:
    ///   - mapping: files (and series) in place of those found by FRED id.
    ///   - first, last: the quarters (YYYYQn); `last` defaults to the last
    ///     quarter every series covers.
    /// - Returns: the table and the quarters it holds.
    public static func build(
        directory: String, mapping: Mapping = [:], from first: String = "2022Q2", to last: String? = nil, units: Units = .model
    ) throws -> (table: String, quarters: Int) {
        var found = try scan(directory)
        for (name, target) in mapping {
            guard let column = columns.first(where: { $0.name == name }) else {
                throw InputError("--map \(name): no such column; the columns: \(columns.map(\.name).joined(separator: ", "))")
            }
            let path = target.file.hasPrefix("/") ? target.file : (directory as NSString).appendingPathComponent(target.file)
            let text = try Configuration.readText(path)
            if column.name == "TGA" {
                found[column.series] = (try FRED.parseDailyTreasuryStatement(text, file: path), path)
                continue
            }
            let all = try FRED.parseAll(text, file: path)
            let wanted = target.series ?? (all.count == 1 ? all[0].name : column.series)
            guard let series = all.first(where: { $0.name == wanted }) else {
                throw InputError("\(path): no series \(wanted); it holds \(all.map(\.name).joined(separator: ", ")) (--map \(name)=FILE:SERIES)")
            }
            found[column.series] = (series, path)
        }
        if found[columns.first { $0.name == "TGA" }!.series] == nil, let cash = try treasuryCash(directory) {
            found[columns.first { $0.name == "TGA" }!.series] = cash
        }
        var series: [String: DatedSeries] = [:]
        let layout = columns(units)
        for column in layout where column.series == "WTREGEN" { series[column.name] = found["WTREGEN"]?.series ?? DatedSeries(name: "WTREGEN", dates: [], values: []) }
        for column in columns {
            guard let data = found[column.series]?.series else {
                throw InputError("--data \(directory): no file holds \(column.series) (\(column.note)); download it from FRED, or name a file with --map \(column.name)=FILE[:SERIES]")
            }
            series[column.name] = data
            if let renamed = layout.first(where: { $0.series == column.series })?.name { series[renamed] = data }
        }
        // The last quarter every series covers: each has an observation on or after the quarter's last day
        // (the quarterly debt series one dated within the quarter, the monthly M2 one for its last month).
        let lastQuarter: String
        if let last { lastQuarter = last } else {
            let ends = columns.compactMap { column -> String? in
                guard let d = series[column.name]!.dates.last(where: { date in series[column.name]!.values[series[column.name]!.dates.firstIndex(of: date)!] != nil }) else { return nil }
                return column.series == "FYGFDPUN" || column.series == "M2SL" ? endOfQuarter(containing: d) : d
            }
            guard let earliest = ends.min() else { throw InputError("--data \(directory): the series hold no values") }
            lastQuarter = quarterCompletedBy(earliest)
        }
        let quarters = try Self.quarters(from: first, to: lastQuarter)
        var lines = ["quarter,date,t," + layout.map(\.name).joined(separator: ",")]
        for quarter in quarters {
            var cells = [quarter.label, quarter.end, CSV.number(quarter.t)]
            for column in layout {
                let data = series[column.name]!
                let value: Double?
                if column.series == "FYGFDPUN" {
                    // Quarterly, end of period, dated the first day of the quarter.
                    let month = ["03-31": "01", "06-30": "04", "09-30": "07", "12-31": "10"][String(quarter.end.suffix(5))]!
                    let dated = String(quarter.end.prefix(4)) + "-\(month)-01"
                    value = data.dates.firstIndex(of: dated).flatMap { data.values[$0] }
                } else if column.series == "M2SL" {
                    value = data.last(onOrBefore: String(quarter.end.prefix(8)) + "01")?.value
                } else {
                    // A daily or weekly series' last observation, if it falls in the quarter's last two weeks.
                    value = data.last(onOrBefore: quarter.end).flatMap { found in
                        (DecimalYear.parse(quarter.end)! - DecimalYear.parse(found.date)!) * 365 <= 14 ? found.value : nil
                    }
                }
                cells.append(value.map { CSV.number(($0 * column.scale * 1e9).rounded() / 1e9) } ?? "")
            }
            lines.append(cells.joined(separator: ","))
        }
        return (lines.joined(separator: "\n") + "\n", quarters.count)
    }

    /// The last day of the quarter holding `date` (ISO).
    static func endOfQuarter(containing date: String) -> String {
        let month = Int(date.dropFirst(5).prefix(2))!
        return String(date.prefix(4)) + "-" + ["03-31", "06-30", "09-30", "12-31"][(month - 1) / 3]
    }

    /// The last quarter a series whose last observation is `date` covers:
    /// the quarter of `date` when it falls in the quarter's last week (a
    /// weekly series observed on Wednesdays, a daily one on business days),
    /// else the quarter before.
    static func quarterCompletedBy(_ date: String) -> String {
        let year = Int(date.prefix(4))!, month = Int(date.dropFirst(5).prefix(2))!, day = Int(date.suffix(2))!
        let end = endOfQuarter(containing: date)
        let q = (month - 1) / 3 + 1
        let endMonth = Int(end.dropFirst(5).prefix(2))!, endDay = Int(end.suffix(2))!
        if month == endMonth && day >= endDay - 7 { return "\(year)Q\(q)" }
        return q == 1 ? "\(year - 1)Q4" : "\(year)Q\(q - 1)"
    }
}
