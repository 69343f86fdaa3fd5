import ModelLanguage
import Foundation
import SwiftCSV

/// A dated series read from a FRED-style CSV: ISO dates, ascending, and a
/// value or nothing for each.
public struct DatedSeries: Equatable {
    var name: String
    var dates: [String]
    var values: [Double?]

    /// The last value on or before `date` (ISO), with its date.
    func last(onOrBefore date: String) -> (date: String, value: Double)? {
        var found: (String, Double)?
        for (d, v) in zip(dates, values) {
            if d > date { break }
            if let v { found = (d, v) }
        }
        return found
    }
}

/// Reads FRED's CSV exports in their variants: a header of `observation_date`,
/// `DATE` or `date` and one value column; blank or "." for missing values;
/// an optional UTF-8 byte-order mark.
public enum FRED {
    static func isISODate(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...DecimalYear.daysInMonth(year, month)).contains(day)
        else { return false }
        return true
    }

    static func lines(_ text: String) -> [Substring] {
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        return body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    }

    /// The series in `text`, a FRED CSV export; errors name `file` and the line.
    public static func parse(_ text: String, file: String) throws -> DatedSeries {
        let rows = lines(text)
        guard let header = rows.first, !header.isEmpty else { throw InputError("\(file): empty file; expected a header such as observation_date,SERIES") }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false)
        guard columns.count == 2, ["observation_date", "DATE", "date"].contains(String(columns[0])) else {
            throw InputError("\(file):1: header \"\(header)\"; expected two columns, the first observation_date, DATE or date")
        }
        var series = DatedSeries(name: String(columns[1]), dates: [], values: [])
        for (index, row) in rows.enumerated().dropFirst() where !row.isEmpty {
            let line = index + 1
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == 2 else {
                throw InputError("\(file):\(line): \(cells.count) columns; expected 2 (date,value)")
            }
            guard isISODate(cells[0]) else {
                throw InputError("\(file):\(line): bad date \"\(cells[0])\"; expected YYYY-MM-DD")
            }
            let date = String(cells[0])
            if let previous = series.dates.last, date <= previous {
                throw InputError("\(file):\(line): date \(date) does not come after \(previous); rows must be in ascending date order")
            }
            let cell = cells[1].trimmingCharacters(in: .whitespaces)
            let value: Double?
            if cell.isEmpty || cell == "." {
                value = nil
            } else if let number = Double(cell), number.isFinite {
                value = number
            } else {
                throw InputError("\(file):\(line): value \"\(cell)\" is not a number; missing values are blank or \".\"")
            }
            series.dates.append(date)
            series.values.append(value)
        }
        return series
    }

    /// The series in the FRED CSV file at `path`.
    public static func read(_ path: String) throws -> DatedSeries {
        try parse(try Configuration.readText(path), file: path)
    }

    /// The Daily Treasury Statement's operating cash balance: the TGA's
    /// closing balance (rows "Treasury General Account (TGA) Closing Balance",
    /// whose value sits in the column "Opening Balance Today"), millions of USD.
    public static func parseDailyTreasuryStatement(_ text: String, file: String) throws -> DatedSeries {
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        let table: NamedCSV
        do {
            table = try NamedCSV(string: body, delimiter: .comma, loadColumns: false)
        } catch {
            throw InputError("\(file): not valid CSV: \(error)")
        }
        guard !table.header.isEmpty else { throw InputError("\(file): empty file") }
        let (dateColumn, kindColumn, valueColumn) = ("Record Date", "Type of Account", "Opening Balance Today")
        guard [dateColumn, kindColumn, valueColumn].allSatisfy(table.header.contains) else {
            throw InputError("\(file):1: expected the columns Record Date, Type of Account and Opening Balance Today")
        }
        var byDate: [String: Double] = [:]
        for (index, row) in table.rows.enumerated() where row[kindColumn] == "Treasury General Account (TGA) Closing Balance" {
            guard let date = row[dateColumn], isISODate(Substring(date)), let value = row[valueColumn].flatMap(Double.init) else {
                throw InputError("\(file):\(index + 2): bad date or value in a TGA closing-balance row")
            }
            byDate[date] = value
        }
        let dates = byDate.keys.sorted()
        return DatedSeries(name: "TGA_DTS", dates: dates, values: dates.map { byDate[$0] })
    }
}

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

    /// The quarters 2022Q2 to 2025Q4, as (label, last day, t of the next day).
    public static let quarters: [(label: String, end: String, t: Double)] = {
        var result: [(label: String, end: String, t: Double)] = []
        let ends = ["03-31", "06-30", "09-30", "12-31"]
        for year in 2022...2025 {
            for q in 1...4 where year > 2022 || q >= 2 {
                let t: Double = Double(year) + Double(q) / 4
                result.append(("\(year)Q\(q)", "\(year)-\(ends[q - 1])", t))
            }
        }
        return result
    }()

    /// The table as CSV: quarter, date, t, then each column's quarter-end value
    /// (the last observation on or before the quarter's last day; for the
    /// quarterly debt series, the observation of that quarter).
    public static func build(directory: String) throws -> String {
        var series: [String: DatedSeries] = [:]
        for column in columns {
            let path = (directory as NSString).appendingPathComponent(column.file)
            series[column.name] = column.file.hasPrefix("DTS")
                ? try FRED.parseDailyTreasuryStatement(try Configuration.readText(path), file: path) : try FRED.read(path)
        }
        var lines = ["quarter,date,t," + columns.map(\.name).joined(separator: ",")]
        for quarter in quarters {
            var cells = [quarter.label, quarter.end, CSV.number(quarter.t)]
            for column in columns {
                let data = series[column.name]!
                let value: Double?
                if column.name == "B" {
                    // Quarterly, end of period, dated the first day of the quarter.
                    let month = ["03-31": "01", "06-30": "04", "09-30": "07", "12-31": "10"][String(quarter.end.suffix(5))]!
                    let dated = String(quarter.end.prefix(4)) + "-\(month)-01"
                    value = data.dates.firstIndex(of: dated).flatMap { data.values[$0] }
                } else if column.name == "M2" {
                    value = data.last(onOrBefore: String(quarter.end.prefix(8)) + "01")?.value
                } else {
                    value = data.last(onOrBefore: quarter.end)?.value
                }
                cells.append(value.map { CSV.number(($0 * column.scale * 1e9).rounded() / 1e9) } ?? "")
            }
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
