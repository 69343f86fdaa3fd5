import Experiments
import FlowModel
import Foundation
import TOMLKit

/// Reads a restart file (`calibration/restart-<model>.toml`): how `liquidity restart` starts a
/// model at a later date from its fit and the data.
///
///     model = "liquidity_priced"        # optional: the model it is made for
///     to = "2032-01-01"                 # optional: the restarted configuration's end
///     [run]                             # parameter = an expression of the path at the date
///     Bw0 = "Bwb + Bwc"
///     "qS0[j]" = "qS[j] * p[j]"         # every member of the parameter's set
///     [set]                             # parameter = a value and where it comes from
///     "Q[crypto]" = { value = 3.0, source = "the crypto market at end-2025" }
///     [match]                           # observable (FRED id) = the parameter that makes its start the data
///     TREAST = "Bf0"
///     FYGFDPUN = { parameter = "B0", average = "quarter_end" }
public enum RestartFile {
    public struct Spec: Sendable {
        /// The restarted configuration's end, when the file gives one.
        public var to: Double?
        /// `[run]`: parameter key (`Bw0`, `qS0[j]`) and expression, by key.
        public var expressions: [(key: String, text: String)]
        /// `[set]`.
        public var stated: [Restart.Assignment]
        /// `[match]`: the observable, the parameter it moves and how the month's datum is made.
        public var matches: [(series: String, parameter: String, average: MonthlyObservable.Average)]
    }

    static let topKeys = ["model", "to", "run", "set", "match"]

    public static func read(_ path: String, model: String? = nil) throws -> Spec {
        let root = try Configuration.parseTOML(try Configuration.readText(path), file: path)
        try CalibrationFiles.checkKeys(root, allowed: topKeys, file: path)
        try CalibrationFiles.checkModel(root, file: path, model: model)
        var spec = Spec(to: nil, expressions: [], stated: [], matches: [])
        if root.contains(key: "to") {
            let text = try CalibrationFiles.string(root, "to", file: path, at: "file")
            guard let t = DecimalYear.parse(text) else {
                throw InputError("\(path): to = \"\(text)\"; allowed: a date, YYYY-MM-DD (2032-01-01)")
            }
            spec.to = t
        }
        func section(_ name: String) throws -> TOMLTable? { try CalibrationFiles.section(root, name, file: path) }
        if let run = try section("run") {
            for key in run.keys.sorted() {
                spec.expressions.append((key, try CalibrationFiles.string(run, key, file: path, at: "run")))
            }
        }
        if let set = try section("set") {
            for key in set.keys.sorted() {
                guard let entry = set[key]?.table else {
                    throw InputError(
                        """
                        \(path): set.\(key) must be a table { value = NUMBER, source = "TEXT" }; got \
                        \(Configuration.describe(set[key]!))
                        """)
                }
                try CalibrationFiles.checkKeys(entry, allowed: ["value", "source"], file: path, at: "set.\(key)")
                spec.stated.append(
                    Restart.Assignment(
                        key: key, value: try CalibrationFiles.number(entry, "value", file: path, at: "set.\(key)"),
                        source: try CalibrationFiles.string(entry, "source", file: path, at: "set.\(key)")))
            }
        }
        if let match = try section("match") {
            for series in match.keys.sorted() {
                if let parameter = match[series]?.string {
                    spec.matches.append((series, parameter, .mean))
                    continue
                }
                guard let entry = match[series]?.table else {
                    throw InputError(
                        """
                        \(path): match.\(series) must be a parameter's name or a table { parameter = "NAME", \
                        average = "mean" }; got \(Configuration.describe(match[series]!))
                        """)
                }
                let label = "match.\(series)"
                try CalibrationFiles.checkKeys(entry, allowed: ["parameter", "average"], file: path, at: label)
                let parameter = try CalibrationFiles.string(entry, "parameter", file: path, at: label)
                var average = MonthlyObservable.Average.mean
                if entry.contains(key: "average") {
                    let text = try CalibrationFiles.string(entry, "average", file: path, at: label)
                    guard let given = MonthlyObservable.Average(rawValue: text) else {
                        throw InputError(
                            """
                            \(path): \(label).average = \"\(text)\"; allowed: \
                            \(MonthlyObservable.Average.allCases.map(\.rawValue).joined(separator: ", "))
                            """)
                    }
                    average = given
                }
                spec.matches.append((series, parameter, average))
            }
        }
        let keys = spec.expressions.map(\.key) + spec.stated.map(\.key) + spec.matches.map(\.parameter)
        if let twice = keys.first(where: { key in keys.filter { $0 == key }.count > 1 }) {
            throw InputError("\(path): \(twice) is given twice ([run], [set] and [match] each set a parameter once)")
        }
        return spec
    }
}
