import Experiments
import Foundation
import ModelLanguage

/// Writes the files of one command into a directory. Every file is written
/// to a temporary name beside its target and renamed into place, so a file
/// is either complete or absent; and one process at a time writes into a
/// directory (a lock held until the process ends).
public struct OutputDirectory {
    public let path: String

    /// Creates the directory (and its parents) if needed.
    public init(_ path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw InputError("--out \(path): exists and is not a directory") }
        } else {
            try Self.makeDirectories(path)
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw InputError("--out \(path): the directory is not writable")
        }
        try DirectoryLocks.shared.lock(path)
    }

    /// Makes `path` and its missing parents, naming the one that cannot be made and the system's reason.
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw InputError("--out \(path): \(prefix) is a file, not a directory") }
                continue
            }
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST {
                throw InputError("--out \(path): cannot create \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Writes `text` to `name` in the directory, atomically.
    ///
    /// - Throws: ``OutputError`` with the system's reason (a full disk, say);
    ///   no partial file is left.
    public func write(_ name: String, _ text: String) throws {
        let target = (path as NSString).appendingPathComponent(name)
        let temporary = (path as NSString).appendingPathComponent(".\(name).tmp-\(getpid())")
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw OutputError("cannot write \(target): \(OutputError.reason(error))")
        }
        if rename(temporary, target) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw OutputError("cannot move \(temporary) to \(target): \(reason)")
        }
    }
}

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
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
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
    public static func series(_ path: ModelPath) -> String {
        series(t: path.t, columns: path.columns.map(\.name), values: path.values, dates: path.model.source.isCalendar)
    }

    /// One row per saved time: t, its date when `dates`, then each column's value.
    static func series(t: [Double], columns: [String], values: [[Double]], dates: Bool) -> String {
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
            cases.map { ($0.kind.label, $0.path.t, $0.path.columns.map(\.name), $0.path.values) },
            dates: cases.first?.path.model.source.isCalendar ?? false)
    }

    static func tidy(_ runs: [(label: String, t: [Double], columns: [String], values: [[Double]])], dates: Bool) -> String {
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
        lines += dates ? ["t,year,decimal year (each month is 1/12 of a year)", "date,ISO 8601,calendar date of t"] : ["t,time,time"]
        for column in columns {
            lines.append([column.name, column.unit, column.description].map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// FNV-1a, 64 bits: a stable fingerprint of the inputs of a run.
func fingerprint(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    var text = text
    text.withUTF8 {
        for byte in $0 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

/// Bad input: a file, a key or an option, with a message that names it and
/// says what is allowed. The command line exits 2 and writes nothing.
public struct InputError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A file that could not be written: a full disk, a lost mount. The command
/// line exits 4 and says the system's reason.
public struct OutputError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// The system's reason in an error from Foundation's file writing.
    static func reason(_ error: Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let underlying, underlying.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(underlying.code))) }
        return error.localizedDescription
    }
}

/// The output directories this process writes into, each locked (`flock` on
/// the directory itself, so no lock file is left) until the process ends: a
/// second process that wants to write there is refused, named.
final class DirectoryLocks: @unchecked Sendable {
    static let shared = DirectoryLocks()
    private let lock = NSLock()
    private var held: [String: Int32] = [:]

    func lock(_ path: String) throws {
        let key = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        try lock.withLock {
            guard held[key] == nil else { return }
            let fd = open(key, O_RDONLY | O_DIRECTORY)
            guard fd >= 0 else { throw InputError("--out \(path): cannot open the directory: \(String(cString: strerror(errno)))") }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                let other = Self.holder(of: key).map { "process \($0)" } ?? "another process"
                throw InputError("--out \(path): \(other) is writing into this directory; wait for it to finish or pick another --out")
            }
            held[key] = fd
        }
    }

    /// The process holding an flock on `path`, from /proc/locks, where Linux lists them by inode.
    static func holder(of path: String) -> Int? {
        var status = stat()
        guard stat(path, &status) == 0, let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        for line in locks.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int(fields[4]),
                let inode = fields[5].split(separator: ":").last.flatMap({ UInt64($0) }), inode == UInt64(status.st_ino)
            else { continue }
            return pid
        }
        return nil
    }
}
