import Experiments
import FileFormats
import Foundation
import Reports
import Solvers

/// Backtests as the command runs them: the calibration's files, the data
/// table, the cut-offs; and the report of their forecasts.
public enum BacktestFiles {
    /// The decimal year at the end of a quarter labelled `YYYYQn` (2024Q2: 2024.5).
    public static func quarterEnd(_ label: String) throws -> Double {
        let parts = label.split(separator: "Q")
        guard parts.count == 2, let year = Int(parts[0]), let q = Int(parts[1]), (1...4).contains(q) else {
            throw InputError("--cutoffs \(label): expected a quarter YYYYQn, such as 2024Q2")
        }
        return Double(year) + Double(q) / 4
    }

    /// The cut-offs of `--cutoffs` (quarters YYYYQn, comma-separated) as decimal years, each
    /// inside the data table at `table`: data to fit before it and quarters to forecast after it.
    public static func cutoffs(_ list: String, table: String) throws -> [Double] {
        let times = try HistoryFiles.readTable(table).compactMap { $0["t"] }
        guard let first = times.min(), let last = times.max() else {
            throw InputError("\(table): the table has no rows")
        }
        return try list.split(separator: ",", omittingEmptySubsequences: false).map { label in
            guard !label.isEmpty else {
                throw InputError("--cutoffs \(list): an empty quarter; list quarters YYYYQn separated by commas")
            }
            let t = try quarterEnd(String(label))
            guard t > first, t < last else {
                throw InputError(
                    """
                    --cutoffs \(label): outside the data (\(table) covers \(first) to \(last)); a cut-off needs data \
                    to fit before it and quarters to forecast after it
                    """)
            }
            return t
        }
    }

    /// The backtest of the calibration `job` against the data table at
    /// `table` (FRED units), forecasting `series` (nil: every series the
    /// targets name that the table has) over `horizon` quarters.
    public static func backtest(_ job: CalibrationJob, table: String, series: [String]?, horizon: Int) throws
        -> Backtest
    {
        guard horizon >= 1 else { throw InputError("--horizon \(horizon): must be at least 1") }
        let data = try HistoryFiles.readTable(table)
        guard horizon < data.count else {
            throw InputError(
                "--horizon \(horizon): \(table) has \(data.count) quarters; a forecast needs fewer, after a cut-off")
        }
        let columns = Set(data.flatMap(\.keys))
        var names = series ?? []
        if series == nil {
            for target in job.calibration.targets {
                if case .value(let name, _) = target.quantity, columns.contains(name), !names.contains(name) {
                    names.append(name)
                }
            }
        }
        for name in names where !columns.contains(name) {
            throw InputError("--series \(name): \(table) has no column \(name)")
        }
        guard !names.isEmpty else {
            throw InputError("\(job.targets): no target names a series of \(table); give --series")
        }
        var options = job.spec.options
        options.progress = nil
        return Backtest(calibration: job.calibration, options: options, data: data, series: names, horizon: horizon)
    }

    /// The report: per cut-off and series, the mean absolute error of the
    /// model's forecasts and of no change, the last quarter's errors, and the
    /// quarters whose direction of change since the cut-off the model got
    /// right; and every forecast as CSV.
    public static func report(_ results: [Backtest.Result], horizon: Int) -> (text: String, csv: String) {
        var rows: [[String]] = []
        var csv = ["cutoff,series,step,t,model,actual,no_change,direction_right"]
        for result in results {
            for name in Array(Set(result.forecasts.map(\.series))).sorted() {
                let f = result.forecasts.filter { $0.series == name }.sorted { $0.step < $1.step }
                guard let last = f.last else { continue }
                let mae = f.reduce(0) { $0 + abs($1.model - $1.actual) } / Double(f.count)
                let naive = f.reduce(0) { $0 + abs($1.noChange - $1.actual) } / Double(f.count)
                rows.append([
                    String(format: "%.2f", result.cutoff), name, "\(f.count)", String(format: "%.4g", mae),
                    String(format: "%.4g", naive),
                    mae < naive ? "yes" : "no", String(format: "%.4g", abs(last.model - last.actual)),
                    String(format: "%.4g", abs(last.noChange - last.actual)),
                    "\(f.filter(\.directionRight).count) of \(f.count)",
                ])
            }
            for f in result.forecasts {
                csv.append(
                    [
                        CSV.number(f.cutoff), f.series, "\(f.step)", CSV.number(f.t), CSV.number(f.model),
                        CSV.number(f.actual), CSV.number(f.noChange), "\(f.directionRight)",
                    ].joined(separator: ","))
            }
        }
        let text = TableFormat.table.render(
            title:
                """
                backtests: the model refitted on data up to each cut-off, against no change, over \(horizon) \
                quarters
                """,
            header: [
                "cut-off", "series", "quarters", "MAE model", "MAE no change", "beats no change", "error at the last",
                "no change at the last", "direction right",
            ],
            rows: rows)
        return (text, csv.joined(separator: "\n") + "\n")
    }
}
