import Application
import FileFormats
import FlowModel
import Foundation
import Reports

/// The tool's version and the git commit it was built from, when the
/// executable sits in a git checkout (as `swift build` leaves it).
enum BuildInfo {
    static let version = "0.1.0"

    static let commit: String = {
        var directory = URL(fileURLWithPath: PackageFiles.executable).resolvingSymlinksInPath()
            .deletingLastPathComponent()
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

/// Progress messages on standard error, only once work has taken a second, and only to a
/// terminal: a log or a pipe gets the results alone.
final class Progress {
    let quiet: Bool
    let start = Date()
    init(quiet: Bool) { self.quiet = quiet || isatty(2) == 0 }

    func report(_ message: @autoclosure () -> String) {
        guard !quiet, Date().timeIntervalSince(start) >= 1 else { return }
        printError("liquidity: \(message()) (\(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
    }
}

extension BuildInfo {
    /// The tool's name, version and commit, as the manifest records them.
    static var tool: Manifest.Tool { Manifest.Tool(version: version, commit: commit) }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// The model's warnings (a scenario's change after the end, an unused parameter), on standard error.
func printWarnings(_ model: CompiledModel) {
    for warning in model.warnings { printError(warning.description) }
}

/// A fit or a historical run that stopped early. Exit code 3, like ``Experiments/SolveFailure``.
struct StoppedEarly: Error, CustomStringConvertible {
    let description: String
}

/// Where the commands' printed tables and lines go: standard output, unless
/// a caller in the same process (the command-line fuzz test) sets another.
nonisolated(unsafe) var standardOutput: (String) -> Void = { Swift.print($0, terminator: "") }

/// `print` for the commands of this module, through ``standardOutput``.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    standardOutput(items.map { "\($0)" }.joined(separator: separator) + terminator)
}
