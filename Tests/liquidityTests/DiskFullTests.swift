import Foundation
import TestSupport
import Testing

@Suite("A full disk", .serialized)
struct DiskFullTests {
    /// Mounts a 64 KiB tmpfs at a new folder, read-only with `readOnly` (root only: the tests that
    /// call it need root).
    static func smallDisk(readOnly: Bool = false) throws -> (URL, cleanup: () -> Void) {
        let dir = try Tool.scratch().appendingPathComponent(readOnly ? "ro" : "small")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let mount = try Tool.runProgram(
            "/usr/bin/env", ["mount", "-t", "tmpfs", "-o", (readOnly ? "ro," : "") + "size=64k", "tmpfs", dir.path],
            in: dir.deletingLastPathComponent())
        try #require(mount.status == 0, "cannot mount a small tmpfs: \(mount.stderr)")
        return (
            dir,
            { _ = try? Tool.runProgram("/usr/bin/env", ["umount", dir.path], in: dir.deletingLastPathComponent()) }
        )
    }

    static let needsRoot = "needs root, to mount a small tmpfs"

    @Test(
        "compare on a full disk exits 4 with the system's reason and leaves no half-written file",
        .enabled(if: Requirements.met(Requirements.isRoot), Comment(rawValue: needsRoot)))
    func compare() throws {
        try #require(Requirements.isRoot, Comment(rawValue: Self.needsRoot))
        let (disk, cleanup) = try Self.smallDisk()
        defer { cleanup() }
        let result = try Tool.run(
            [
                "compare", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--quiet", "--out",
                disk.appendingPathComponent("out").path,
            ], in: disk.deletingLastPathComponent())
        #expect(result.status == 4)
        #expect(result.stderr == "error: cannot write \(disk.path)/out/series_none.csv: No space left on device\n")
        #expect(
            Tool.files(disk.appendingPathComponent("out")).allSatisfy { !$0.hasPrefix(".") },
            "a temporary file was left")
    }

    @Test(
        "a sweep on a full disk stops with exit 4 and the system's reason, not a crash",
        .enabled(if: Requirements.met(Requirements.isRoot), Comment(rawValue: needsRoot)))
    func sweep() throws {
        try #require(Requirements.isRoot, Comment(rawValue: Self.needsRoot))
        let (disk, cleanup) = try Self.smallDisk()
        defer { cleanup() }
        let spec = disk.deletingLastPathComponent().appendingPathComponent("s.toml").path
        try """
        name = \"s\"\ndesign = \"random\"\ndraws = 2000\nseed = 1\n[[parameter]]\nkey = \"I1\"\ndistribution \
        = \"uniform\"\nlower = 0.5\nupper = 1.0\n
        """
        .write(toFile: spec, atomically: true, encoding: .utf8)
        let result = try Tool.run(
            [
                "sweep", spec, "--model", Tool.reverseQE, "--config", Tool.modelmd, "--quiet", "--out",
                disk.appendingPathComponent("s").path,
            ], in: disk.deletingLastPathComponent())
        #expect(result.status == 4, "\(result.stderr)")
        #expect(
            result.stderr == "error: cannot append to \(disk.path)/s/runs.csv: No space left on device\n",
            "\(result.stderr)")
    }

    @Test(
        "a read-only file system ends a run with exit 4 and the system's reason, naming --out or --write",
        .enabled(if: Requirements.met(Requirements.isRoot), Comment(rawValue: needsRoot)))
    func readOnly() throws {
        try #require(Requirements.isRoot, Comment(rawValue: Self.needsRoot))
        let (dir, cleanup) = try Self.smallDisk(readOnly: true)
        defer { cleanup() }
        let run = try Tool.run(
            ["run", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--quiet", "--out", dir.path],
            in: dir.deletingLastPathComponent())
        #expect(run.status == 4)
        #expect(run.stderr == "error: --out \(dir.path): the directory is not writable: Read-only file system\n")
        let nested = try Tool.run(
            ["run", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--quiet", "--out", dir.path + "/out"],
            in: dir.deletingLastPathComponent())
        #expect(nested.status == 4)
        #expect(
            nested.stderr
                == "error: --out \(dir.path)/out: cannot create \(dir.path)/out: Read-only file system\n")
        let history = try Tool.run(["history", "--write", dir.path + "/h.csv"], in: Tool.root)
        #expect(history.status == 4)
        #expect(history.stderr == "error: --write \(dir.path): the directory is not writable: Read-only file system\n")
    }
}
