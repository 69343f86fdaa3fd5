import Foundation

/// Runs the built `liquidity` executable and a scratch directory for its files.
public struct Tool {
    /// The package root, from this file's path.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The reference configuration.
    public static let modelmd = root.appendingPathComponent("calibration/modelmd.toml").path
    /// MODEL.md's model, which calibration/modelmd.toml and baseline.toml configure.
    public static let reverseQE = root.appendingPathComponent("models/reverse-qe.sfc").path
    /// The project's copy of the public FRED, Treasury and SEC series (data/SOURCES.md).
    public static let data = root.appendingPathComponent("data").path

    /// The executable beside the test bundle (swift build puts both in one folder).
    public static let executable: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("liquidity")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/liquidity")
    }()

    public struct Result {
        public let status: Int32
        public let stdout: String
        public let stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Runs the tool with `arguments` in `directory`.
    public static func run(_ arguments: [String], in directory: URL) throws -> Result {
        try runProgram(executable.path, arguments, in: directory)
    }

    /// Runs the program at `path` with `arguments` in `directory`.
    public static func runProgram(_ path: String, _ arguments: [String], in directory: URL) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        // Standard error goes to a file, standard output through a pipe read to
        // the end, so neither can fill up and block the tool.
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "liquidity-stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errPath.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errPath) }
        let errHandle = try FileHandle(forWritingTo: errPath)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errHandle
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errHandle.close()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: try String(contentsOf: errPath, encoding: .utf8))
    }

    /// A new empty directory, removed when the test process exits (kept where
    /// `LIQUIDITY_KEEP_SCRATCH` is set, to look at a failing test's files).
    public static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("liquidity-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        scratchDirectories.add(url)
        return url
    }

    /// The files in `directory`, hidden ones included, sorted.
    public static func files(_ directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    public static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// The rows of a CSV file without quoted fields (the tool's series and tables), each split into its cells.
    public static func rows(_ url: URL) throws -> [[String]] {
        try text(url).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// The reference configuration with `edit` applied to its text, written into `directory`.
    public static func config(in directory: URL, named name: String = "config.toml", _ edit: (String) -> String) throws
        -> String
    {
        let text = edit(try String(contentsOfFile: modelmd, encoding: .utf8))
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// The scratch directories of this process, removed at its exit.
private let scratchDirectories = ScratchDirectories()

private final class ScratchDirectories: @unchecked Sendable {
    private let lock = NSLock()
    private var urls: [URL] = []

    init() {
        if ProcessInfo.processInfo.environment["LIQUIDITY_KEEP_SCRATCH"] == nil {
            atexit { scratchDirectories.removeAll() }
        }
    }

    func add(_ url: URL) {
        lock.lock()
        urls.append(url)
        lock.unlock()
    }

    func removeAll() {
        lock.lock()
        for url in urls { try? FileManager.default.removeItem(at: url) }
        urls = []
        lock.unlock()
    }
}
