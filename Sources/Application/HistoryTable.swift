import FileFormats
import FlowModel
import Foundation
import Reports
import SwiftCSV

/// The quarter-end table derived from the data folder: what the model's
/// history is set against (see calibration/history.md for the mapping).
public enum HistoryTable {
    /// A column of the table: its name and unit, the data file and series it
    /// comes from, the factor from the file's unit to the table's, and what it measures.
    public struct Column: Sendable {
        public let name: String, unit: String, file: String, series: String, scale: Double, note: String
        /// Which observation is the quarter's.
        public let sampling: Sampling
    }

    /// Which observation of a series is a quarter's.
    public enum Sampling: String, Sendable, CaseIterable {
        /// A daily or weekly series: the last observation, if it falls in the quarter's last two weeks.
        case daily
        /// A monthly series: the quarter's last month.
        case monthly
        /// A quarterly series, end of period, dated the first day of the quarter.
        case quarterly
    }

    /// The table's layout: the model's units and names (`calibration/history.csv`),
    /// or the data's own units under their FRED ids (`calibration/history-fred.csv`),
    /// what a model's `observe` declarations line up with.
    public enum Units: String, Sendable, CaseIterable {
        case model, fred
    }

    /// The columns of both layouts, as `calibration/fred-columns.csv` lists
    /// them: per row the model's column name (blank for a series only the FRED
    /// layout has), its FRED column name, the series id and the file that
    /// holds it, the model's unit and the data's, the factor between them, and
    /// what it measures.
    public struct Columns: Sendable {
        /// The model layout: the rows with a model column, in the file's order.
        public let model: [Column]
        /// The FRED layout: every row, in the data's units under its FRED column name.
        public let fred: [Column]

        public func callAsFunction(_ units: Units) -> [Column] { units == .fred ? fred : model }

        /// Reads the columns file at `path`.
        ///
        /// - Throws: ``InputError`` naming the file, and the line and column of a bad row.
        public static func read(_ path: String) throws -> Columns {
            let csv = try HistoryFiles.csv(path)
            let header = ["column", "fred_column", "series", "file", "unit", "data_unit", "scale", "sampling", "note"]
            guard csv.header == header else {
                throw InputError(
                    """
                    \(path): expected the columns \(header.joined(separator: ",")); found \
                    \(csv.header.joined(separator: ","))
                    """
                )
            }
            var model: [Column] = []
            var fred: [Column] = []
            for (k, row) in csv.rows.enumerated() {
                let cell = { (key: String) in row[key] ?? "" }
                guard let scale = Double(cell("scale")), scale.isFinite, scale > 0 else {
                    throw InputError("\(path):\(k + 2): scale \(cell("scale")): expected a positive number")
                }
                guard let sampling = Sampling(rawValue: cell("sampling")) else {
                    throw InputError(
                        """
                        \(path):\(k + 2): sampling \(cell("sampling")): expected \
                        \(Sampling.allCases.map(\.rawValue).joined(separator: ", "))
                        """
                    )
                }
                guard !cell("fred_column").isEmpty, !cell("series").isEmpty, !cell("file").isEmpty else {
                    throw InputError("\(path):\(k + 2): fred_column, series and file must not be blank")
                }
                if !cell("column").isEmpty {
                    model.append(
                        Column(
                            name: cell("column"), unit: cell("unit"), file: cell("file"), series: cell("series"),
                            scale: scale, note: cell("note"), sampling: sampling))
                }
                fred.append(
                    Column(
                        name: cell("fred_column"), unit: cell("data_unit"), file: cell("file"), series: cell("series"),
                        scale: 1, note: cell("note"), sampling: sampling))
            }
            guard model.contains(where: { $0.name == "TGA" }) else {
                throw InputError("\(path): no row for the column TGA")
            }
            return Columns(model: model, fred: fred)
        }
    }

    /// The quarters from `first` to `last` (labels such as 2022Q2), as
    /// (label, last day, t of the next day).
    /// - Parameter options: the options the labels come from, as errors name them.
    public static func quarters(
        from first: String = "2022Q2", to last: String, options: (String, String) = ("--from", "--to")
    ) throws -> [(label: String, end: String, t: Double)] {
        func parse(_ label: String, _ option: String) throws -> (Int, Int) {
            let parts = label.split(separator: "Q")
            guard parts.count == 2, let year = Int(parts[0]), let q = Int(parts[1]), (1...4).contains(q),
                (1900...2200).contains(year)
            else {
                throw InputError("\(option) \(label): expected a quarter YYYYQn from 1900Q1 to 2200Q4, such as 2022Q2")
            }
            return (year, q)
        }
        let (a, b) = (try parse(first, options.0), try parse(last, options.1))
        guard a <= b else {
            throw InputError("\(options.0) \(first), \(options.1) \(last): the first must not come after the last")
        }
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
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".csv") }
                .sorted()
        } catch {
            throw InputError("--data \(directory): cannot read the folder: \(error.localizedDescription)")
        }
        var found: [String: (series: DatedSeries, file: String)] = [:]
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let text = try? Configuration.readText(path), var all = try? FRED.parseAll(text, file: path) else {
                continue
            }
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
        let names =
            (try? FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".csv") }.sorted())
            ?? []
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
        directory: String, columns table: Columns, mapping: Mapping = [:], from first: String = "2022Q2",
        to last: String? = nil,
        units: Units = .model
    ) throws -> (table: String, quarters: Int) {
        let columns = table.model
        var found = try scan(directory)
        for (name, target) in mapping {
            guard let column = columns.first(where: { $0.name == name }) else {
                throw InputError(
                    "--map \(name): no such column; the columns: \(columns.map(\.name).joined(separator: ", "))")
            }
            let path =
                target.file.hasPrefix("/") ? target.file : (directory as NSString).appendingPathComponent(target.file)
            let text = try Configuration.readText(path)
            if column.name == "TGA" {
                found[column.series] = (try FRED.parseDailyTreasuryStatement(text, file: path), path)
                continue
            }
            let all = try FRED.parseAll(text, file: path)
            let wanted = target.series ?? (all.count == 1 ? all[0].name : column.series)
            guard let series = all.first(where: { $0.name == wanted }) else {
                throw InputError(
                    """
                    \(path): no series \(wanted); it holds \(all.map(\.name).joined(separator: ", ")) (--map \
                    \(name)=FILE:SERIES)
                    """
                )
            }
            found[column.series] = (series, path)
        }
        if found[columns.first { $0.name == "TGA" }!.series] == nil, let cash = try treasuryCash(directory) {
            found[columns.first { $0.name == "TGA" }!.series] = cash
        }
        var series: [String: DatedSeries] = [:]
        let layout = table(units)
        // A series only the FRED layout has is blank where no file holds it.
        for column in layout where !columns.contains(where: { $0.series == column.series }) {
            series[column.name] =
                found[column.series]?.series ?? DatedSeries(name: column.series, dates: [], values: [])
        }
        for column in columns {
            guard let data = found[column.series]?.series else {
                throw InputError(
                    """
                    --data \(directory): no file holds \(column.series) (\(column.note)); download it from FRED, \
                    or name a file with --map \(column.name)=FILE[:SERIES]
                    """
                )
            }
            series[column.name] = data
            if let renamed = layout.first(where: { $0.series == column.series })?.name { series[renamed] = data }
        }
        // The last quarter every series covers: each has an observation on or after the quarter's last day
        // (the quarterly debt series one dated within the quarter, the monthly M2 one for its last month).
        // The quarters every series covers: from the latest first observation to the earliest last one.
        func observed(_ column: Column) -> [String] {
            let data = series[column.name]!
            return zip(data.dates, data.values).compactMap { $0.1 == nil ? nil : $0.0 }
        }
        let ends = columns.compactMap { column -> (date: String, file: String)? in
            guard let d = observed(column).last else { return nil }
            return (column.sampling == .daily ? d : endOfQuarter(containing: d), column.file)
        }
        guard let earliest = ends.min(by: { $0.date < $1.date }),
            let latestStart = columns.compactMap({ observed($0).first }).max()
        else {
            throw InputError("--data \(directory): the series hold no values")
        }
        let covered = (first: quarterOf(latestStart), last: quarterCompletedBy(earliest.date))
        func end(_ label: String, _ option: String) throws -> Double {
            try Self.quarters(from: label, to: label, options: (option, option))[0].t
        }
        if last == nil, try end(covered.last, "--to") < end(first, "--from") {
            throw InputError(
                """
                --data \(directory): the series of \(earliest.file) end at \(earliest.date), before --from \(first); \
                every series must cover the quarters of the table
                """
            )
        }
        if try end(first, "--from") < end(covered.first, "--from") {
            throw InputError(
                "--from \(first): before \(covered.first), the first quarter every series of \(directory) covers")
        }
        if let last, try end(last, "--to") > end(covered.last, "--to") {
            throw InputError(
                "--to \(last): after \(covered.last), the last quarter every series of \(directory) covers")
        }
        let lastQuarter = last ?? covered.last
        let quarters = try Self.quarters(from: first, to: lastQuarter)
        var lines = ["quarter,date,t," + layout.map(\.name).joined(separator: ",")]
        for quarter in quarters {
            var cells = [quarter.label, quarter.end, CSV.number(quarter.t)]
            for column in layout {
                let data = series[column.name]!
                let value: Double?
                switch column.sampling {
                case .quarterly:
                    // Quarterly, end of period, dated the first day of the quarter.
                    let month = ["03-31": "01", "06-30": "04", "09-30": "07", "12-31": "10"][
                        String(quarter.end.suffix(5))]!
                    let dated = String(quarter.end.prefix(4)) + "-\(month)-01"
                    value = data.dates.firstIndex(of: dated).flatMap { data.values[$0] }
                case .monthly:
                    value = data.last(onOrBefore: String(quarter.end.prefix(8)) + "01")?.value
                case .daily:
                    // A daily or weekly series' last observation, if it falls in the quarter's last two weeks.
                    value = data.last(onOrBefore: quarter.end).flatMap { found in
                        (DecimalYear.parse(quarter.end)! - DecimalYear.parse(found.date)!) * 365 <= 14
                            ? found.value : nil
                    }
                }
                cells.append(value.map { CSV.number(($0 * column.scale * 1e9).rounded() / 1e9) } ?? "")
            }
            lines.append(cells.joined(separator: ","))
        }
        return (lines.joined(separator: "\n") + "\n", quarters.count)
    }

    /// The label of the quarter holding `date` (ISO): 2022-06-30 is 2022Q2.
    static func quarterOf(_ date: String) -> String {
        let month = Int(date.dropFirst(5).prefix(2))!
        return String(date.prefix(4)) + "Q\((month - 1) / 3 + 1)"
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
        let year = Int(date.prefix(4))!
        let month = Int(date.dropFirst(5).prefix(2))!
        let day = Int(date.suffix(2))!
        let end = endOfQuarter(containing: date)
        let q = (month - 1) / 3 + 1
        let endMonth = Int(end.dropFirst(5).prefix(2))!
        let endDay = Int(end.suffix(2))!
        if month == endMonth && day >= endDay - 7 { return "\(year)Q\(q)" }
        return q == 1 ? "\(year - 1)Q4" : "\(year)Q\(q - 1)"
    }
}
