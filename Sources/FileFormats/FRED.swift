import FlowModel
import Foundation
import SwiftCSV

/// A dated series read from a FRED-style CSV: ISO dates, ascending, and a
/// value or nothing for each.
public struct DatedSeries: Equatable {
    package var name: String
    package var dates: [String]
    package var values: [Double?]

    package init(name: String, dates: [String], values: [Double?]) {
        (self.name, self.dates, self.values) = (name, dates, values)
    }

    /// The last value on or before `date` (ISO), with its date.
    package func last(onOrBefore date: String) -> (date: String, value: Double)? {
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
    package static func isISODate(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...DecimalYear.daysInMonth(year, month)).contains(day)
        else { return false }
        return true
    }

    package static func lines(_ text: String) -> [Substring] {
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        return body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    }

    /// The series in `text`, a FRED CSV export of one series; errors name `file` and the line.
    public static func parse(_ text: String, file: String) throws -> DatedSeries {
        let all = try parseAll(text, file: file)
        guard all.count == 1 else {
            throw InputError("\(file):1: \(all.count) series; expected one (observation_date,SERIES)")
        }
        return all[0]
    }

    /// Every series in `text`, a FRED CSV export of one or several series
    /// (`fredgraph.csv`: `observation_date,DGS10,WALCL,...`); errors name `file` and the line.
    public static func parseAll(_ text: String, file: String) throws -> [DatedSeries] {
        let rows = lines(text)
        guard let header = rows.first, !header.isEmpty else {
            throw InputError("\(file): empty file; expected a header such as observation_date,SERIES")
        }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false)
        guard columns.count >= 2, ["observation_date", "DATE", "date"].contains(String(columns[0])) else {
            throw InputError(
                "\(file):1: header \"\(header)\"; expected observation_date, DATE or date, then one column per series")
        }
        var all = columns.dropFirst().map { DatedSeries(name: String($0), dates: [], values: []) }
        for (index, row) in rows.enumerated().dropFirst() where !row.isEmpty {
            let line = index + 1
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == columns.count else {
                throw InputError(
                    """
                    \(file):\(line): \(cells.count) columns; expected \(columns.count) (date, then \
                    \(columns.count - 1) value\(columns.count == 2 ? "" : "s"))
                    """
                )
            }
            guard isISODate(cells[0]) else {
                throw InputError("\(file):\(line): bad date \"\(cells[0])\"; expected YYYY-MM-DD")
            }
            let date = String(cells[0])
            if let previous = all[0].dates.last, date <= previous {
                throw InputError(
                    """
                    \(file):\(line): date \(date) does not come after \(previous); rows must be in ascending \
                    date order
                    """
                )
            }
            for (k, raw) in cells.dropFirst().enumerated() {
                let cell = raw.trimmingCharacters(in: .whitespaces)
                let value: Double?
                if cell.isEmpty || cell == "." {
                    value = nil
                } else if let number = Double(cell), number.isFinite {
                    value = number
                } else {
                    throw InputError(
                        "\(file):\(line): value \"\(cell)\" is not a number; missing values are blank or \".\"")
                }
                all[k].dates.append(date)
                all[k].values.append(value)
            }
        }
        return all
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
        for (index, row) in table.rows.enumerated()
        where row[kindColumn] == "Treasury General Account (TGA) Closing Balance" {
            guard let date = row[dateColumn], isISODate(Substring(date)),
                let value = row[valueColumn].flatMap(Double.init)
            else {
                throw InputError("\(file):\(index + 2): bad date or value in a TGA closing-balance row")
            }
            byDate[date] = value
        }
        let dates = byDate.keys.sorted()
        return DatedSeries(name: "TGA_DTS", dates: dates, values: dates.map { byDate[$0] })
    }
}
