import Foundation
import TestSupport
import Testing

/// A path given to --write that is not a regular file (a device, a pipe) is written through
/// or refused, and never replaced by a regular file (the write-then-rename of other files).
@Suite("Writing to a path that is not a regular file", .serialized)
struct SpecialFileTests {
    static func type(_ path: String) -> mode_t {
        var status = stat()
        return stat(path, &status) == 0 ? status.st_mode & S_IFMT : 0
    }

    @Test(
        "history and model graph write through /dev/null and /dev/full and leave them devices; calibrate refuses them")
    func devices() throws {
        try #require(Self.type("/dev/null") == S_IFCHR && Self.type("/dev/full") == S_IFCHR)
        let null = try Tool.run(["history", "--write", "/dev/null"], in: Tool.root)
        #expect(null.status == 0 && null.stdout == "wrote /dev/null: 15 quarters, 11 series\n", "\(null.stderr)")
        let full = try Tool.run(["history", "--write", "/dev/full"], in: Tool.root)
        #expect(full.status == 4)
        #expect(full.stderr == "error: cannot write /dev/full: No space left on device\n")
        let graph = try Tool.run(
            ["model", "graph", Tool.root.appendingPathComponent("models/gl-sim.sfc").path, "--write", "/dev/full"],
            in: Tool.root)
        #expect(graph.status == 4)
        #expect(graph.stderr == "error: cannot write /dev/full: No space left on device\n")
        let fit = try Tool.run(["calibrate", "--write", "/dev/null"], in: Tool.root)
        #expect(fit.status == 2)
        #expect(
            fit.stderr == """
                error: --write /dev/null: not a regular file; calibrate writes its report beside the configuration, \
                so name a file\n
                """)
        #expect(Self.type("/dev/null") == S_IFCHR && Self.type("/dev/full") == S_IFCHR)
        for stray in ["/dev/full.svg", "/dev/null-report.md", "/dev/null-report.json"] {
            #expect(!FileManager.default.fileExists(atPath: stray), "\(stray) was written")
        }
    }

    @Test("a named pipe receives the table and stays a pipe")
    func pipe() throws {
        let dir = try Tool.scratch()
        let fifo = dir.appendingPathComponent("table.fifo").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [fifo]
        let received = Pipe()
        reader.standardOutput = received
        try reader.run()
        let result = try Tool.run(["history", "--write", fifo], in: Tool.root)
        let table = String(decoding: received.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        reader.waitUntilExit()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(table == (try Tool.run(["history"], in: Tool.root).stdout))
        #expect(table.hasPrefix("quarter,date,t,fed_assets,"))
        #expect(Self.type(fifo) == S_IFIFO)
    }
}

@Suite("The exported notebook's folder")
struct ExportFolderTests {
    @Test(
        """
        the default model's export writes liquidity_priced-dashboard.py, and the history-consistent model's \
        liquidity-dashboard.py, not liquidity.py, which would shadow the package
        """)
    func noShadowing() throws {
        let dir = try Tool.scratch()
        let export = try Tool.run(["export", "--notebook", "nb", "--regimes", "none", "--quiet"], in: dir)
        #expect(export.status == 0, "\(export.stderr)")
        let files = Tool.files(dir.appendingPathComponent("nb"))
        #expect(files.contains("liquidity_priced.ipynb") && files.contains("liquidity_priced-dashboard.py"))
        let previous = try Tool.run(
            [
                "export", "--model", Tool.root.appendingPathComponent("models/liquidity.sfc").path, "--config",
                Tool.root.appendingPathComponent("calibration/liquidity-2026.toml").path, "--notebook", "nb2",
                "--regimes", "none", "--quiet", "--to", "2026.5",
            ], in: dir)
        #expect(previous.status == 0, "\(previous.stderr)")
        let older = Tool.files(dir.appendingPathComponent("nb2"))
        #expect(older.contains("liquidity.ipynb") && older.contains("liquidity-dashboard.py"))
        #expect(!older.contains("liquidity.py"))
        let found = try Tool.runProgram(
            "/usr/bin/env",
            [
                "PYTHONPATH=\(Tool.root.appendingPathComponent("python").path)", "python3", "-c",
                "import importlib.util; print(importlib.util.find_spec('liquidity').origin)",
            ], in: dir.appendingPathComponent("nb2"))
        #expect(found.stdout == Tool.root.appendingPathComponent("python/liquidity/__init__.py").path + "\n")
    }
}
