import FlowModel
import Foundation

/// Writes the files of one command into a directory. Every file is written
/// to a temporary name beside its target and renamed into place, so a file
/// is either complete or absent.
struct OutputDirectory {
    let path: String

    /// Creates the directory (and its parents) if needed.
    init(_ path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw InputError("--out \(path): exists and is not a directory") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw InputError("--out \(path): cannot create the directory: \(error.localizedDescription)")
            }
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw InputError("--out \(path): the directory is not writable")
        }
    }

    /// Writes `text` to `name` in the directory, atomically.
    func write(_ name: String, _ text: String) throws {
        let target = (path as NSString).appendingPathComponent(name)
        let temporary = (path as NSString).appendingPathComponent(".\(name).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw InputError("cannot write \(temporary)")
        }
        if rename(temporary, target) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw InputError("cannot move \(temporary) to \(target): \(reason)")
        }
    }
}

enum CSV {
    /// A number as the shortest text that reads back to the same double:
    /// deterministic, so equal runs give byte-identical files.
    static func number(_ value: Double) -> String {
        value.isFinite ? value.description : (value.isNaN ? "NaN" : (value > 0 ? "Inf" : "-Inf"))
    }

    /// Quotes a field when it holds a comma, quote or newline.
    static func field(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// `series.csv`: t, date, then every series, one row per saved time.
    static func series(_ run: ModelRun) -> String {
        var lines = ["t,date," + run.columns.map(\.name).joined(separator: ",")]
        lines.reserveCapacity(run.t.count + 1)
        for k in run.t.indices {
            var row = number(run.t[k]) + "," + DecimalYear.isoDate(run.t[k])
            for column in run.values { row += "," + number(column[k]) }
            lines.append(row)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `units.csv`: the unit and meaning of every column of the series files.
    static func units(_ columns: [SeriesColumn]) -> String {
        var lines = [
            "column,unit,description",
            "t,year,decimal year (each month is 1/12 of a year)",
            "date,ISO 8601,calendar date of t",
        ]
        for column in columns {
            lines.append([column.name, column.unit, column.description].map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// FNV-1a, 64 bits: a stable fingerprint of the inputs of a run.
func fingerprint(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return String(format: "%016llx", hash)
}

/// The tool's version and the git commit it was built from, when the
/// executable sits in a git checkout (as `swift build` leaves it).
enum BuildInfo {
    static let version = "0.1.0"

    static let commit: String = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return git(["rev-parse", "HEAD"], in: directory.path).map { commit in
                    let dirty = git(["status", "--porcelain", "--untracked-files=no"], in: directory.path) ?? ""
                    return dirty.isEmpty ? commit : commit + "-modified"
                } ?? "unknown"
            }
            directory = directory.deletingLastPathComponent()
        }
        return "unknown"
    }()

    static func git(_ arguments: [String], in directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Progress messages on standard error, only once work has taken a second.
final class Progress {
    let quiet: Bool
    let start = Date()
    init(quiet: Bool) { self.quiet = quiet }

    func report(_ message: @autoclosure () -> String) {
        guard !quiet, Date().timeIntervalSince(start) >= 1 else { return }
        printError("liquidity: \(message()) (\(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
    }
}
