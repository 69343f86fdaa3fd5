import Experiments
import FlowModel
import Foundation

/// The CSV files of the tool: numbers as the shortest text that reads back, fields quoted when needed.
public enum CSV {
    /// A number as the shortest text that reads back to the same double:
    /// deterministic, so equal runs give byte-identical files.
    public static func number(_ value: Double) -> String {
        value.isFinite ? value.description : (value.isNaN ? "NaN" : (value > 0 ? "Inf" : "-Inf"))
    }

    /// The bytes of a CSV file being built: numbers are written in place, as
    /// ``number(_:)`` spells them, with no `String` per number.
    struct Bytes: TextOutputStream {
        var bytes: [UInt8] = []

        mutating func write(_ string: String) {
            var string = string
            string.withUTF8 { bytes.append(contentsOf: $0) }
        }

        /// Where `Double.write(to:)` puts its digits: straight into the buffer.
        mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }

        mutating func number(_ value: Double) {
            if value.isFinite { value.write(to: &self) } else { write(CSV.number(value)) }
        }

        mutating func byte(_ ascii: Unicode.Scalar) { bytes.append(UInt8(ascii: ascii)) }

        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Quotes a field when it holds a comma, quote, carriage return or newline
    /// (RFC 4180), doubling its quotes. Byte by byte: a quote followed by a
    /// combining mark, or a CR LF pair, is still seen.
    public static func field(_ text: String) -> String {
        func special(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r")
        }
        guard text.utf8.contains(where: special) else { return text }
        var bytes: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            bytes.append(byte)
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
        }
        bytes.append(UInt8(ascii: "\""))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `series.csv` of a model file's path: t, date (for a calendar model),
    /// then every series the file declares.
    public static func series(_ path: ModelSolution) -> String {
        series(t: path.t, columns: path.columns.map(\.name), values: path.values, dates: path.model.source.isCalendar)
    }

    /// One row per saved time: t, its date when `dates`, then each column's value.
    package static func series(t: [Double], columns: [String], values: [[Double]], dates: Bool) -> String {
        var out = Bytes()
        out.bytes.reserveCapacity(t.count * (values.count + 2) * 20)
        out.write((dates ? "t,date," : "t,") + columns.joined(separator: ",") + "\n")
        for k in t.indices {
            out.number(t[k])
            if dates {
                out.byte(",")
                out.write(DecimalYear.isoDate(t[k]))
            }
            for column in values {
                out.byte(",")
                out.number(column[k])
            }
            out.byte("\n")
        }
        return out.text
    }

    /// `compare.csv` of a model file's comparison: one row per time, case
    /// and variable; a counterfactual case is written `none/no_ai_boom`.
    public static func tidy(_ cases: [ChoiceCase]) -> String {
        tidy(
            cases.map { ($0.kind.label, $0.solved.t, $0.solved.columns.map(\.name), $0.solved.values) },
            dates: cases.first?.solved.model.source.isCalendar ?? false)
    }

    package static func tidy(
        _ runs: [(label: String, t: [Double], columns: [String], values: [[Double]])], dates: Bool
    ) -> String {
        var out = Bytes()
        out.write(dates ? "t,date,regime,variable,value\n" : "t,case,variable,value\n")
        for run in runs {
            let label = field(run.label)
            for k in run.t.indices {
                var prefix = Bytes()
                prefix.number(run.t[k])
                prefix.byte(",")
                if dates {
                    prefix.write(DecimalYear.isoDate(run.t[k]))
                    prefix.byte(",")
                }
                prefix.write(label)
                prefix.byte(",")
                for (c, column) in run.columns.enumerated() {
                    out.bytes += prefix.bytes
                    out.write(column)
                    out.byte(",")
                    out.number(run.values[c][k])
                    out.byte("\n")
                }
            }
        }
        return out.text
    }

    /// `units.csv` of a model file: `t` (and `date` for a calendar model), then every series.
    public static func units(_ columns: [SeriesInfo], dates: Bool) -> String {
        var lines = ["column,unit,description"]
        lines +=
            dates
            ? ["t,year,decimal year (each month is 1/12 of a year)", "date,ISO 8601,calendar date of t"]
            : ["t,time,time"]
        for column in columns {
            lines.append([column.name, column.unit, column.description].map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
