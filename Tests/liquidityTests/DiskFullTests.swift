import Foundation
import TestSupport
import Testing

@Suite("A full disk", .serialized)
struct DiskFullTests {
    /// Mounts a 64 KiB tmpfs at a new folder, or says why it cannot.
    static func smallDisk() throws -> (URL, cleanup: () -> Void)? {
        let dir = try Tool.scratch().appendingPathComponent("small")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let mount = try Tool.runProgram(
            "/usr/bin/env", ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir.path],
            in: dir.deletingLastPathComponent())
        guard mount.status == 0 else {
            print(
                """
                full-disk test skipped: cannot mount a small tmpfs here \
                (\(mount.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))
                """
            )
            return nil
        }
        return (
            dir,
            { _ = try? Tool.runProgram("/usr/bin/env", ["umount", dir.path], in: dir.deletingLastPathComponent()) }
        )
    }

    @Test("compare on a full disk exits 4 with the system's reason and leaves no half-written file")
    func compare() throws {
        guard let (disk, cleanup) = try Self.smallDisk() else { return }
        defer { cleanup() }
        let result = try Tool.run(
            [
                "compare", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--quiet", "--out",
                disk.appendingPathComponent("out").path,
            ], in: disk.deletingLastPathComponent())
        #expect(result.status == 4)
        #expect(result.stderr.hasPrefix("error: cannot write \(disk.path)/out/series_none.csv: "), "\(result.stderr)")
        #expect(result.stderr.contains("space"), "\(result.stderr)")
        #expect(
            Tool.files(disk.appendingPathComponent("out")).allSatisfy { !$0.hasPrefix(".") },
            "a temporary file was left")
    }

    @Test("a sweep on a full disk stops with exit 4 and the system's reason, not a crash")
    func sweep() throws {
        guard let (disk, cleanup) = try Self.smallDisk() else { return }
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
}
