import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports

/// Writes the files of one command into a directory. Every file is written
/// to a temporary name beside its target and renamed into place, so a file
/// is either complete or absent; and one process at a time writes into a
/// directory (a lock held until the process ends).
public struct OutputDirectory {
    public let path: String

    /// Creates the directory (and its parents) if needed.
    ///
    /// - Parameter option: the option that named the folder, for the messages: `--out`, or
    ///   `--write` for the folder of a file written.
    /// - Throws: ``InputError`` for a folder that cannot be one (exit 2); ``OutputError`` for one
    ///   the system will not let this process write into, a read-only file system say (exit 4).
    public init(_ path: String, option: String = "--out") throws {
        self.path = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw InputError("\(option) \(path): exists and is not a directory") }
        } else {
            try Self.makeDirectories(path, option: option)
        }
        guard access(path, W_OK) == 0 else {
            throw OutputError("\(option) \(path): the directory is not writable: \(String(cString: strerror(errno)))")
        }
        try DirectoryLocks.shared.lock(path, option: option)
        removeStaleTemporaries()
    }

    /// Removes the temporaries (`.NAME.tmp-PID`) of another process that was killed mid-write:
    /// with the folder's lock held, no other live process writes into it.
    func removeStaleTemporaries() {
        let own = ".tmp-\(getpid())"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        where name.hasPrefix(".") && !name.hasSuffix(own) {
            guard let range = name.range(of: ".tmp-", options: .backwards),
                !name[range.upperBound...].isEmpty, name[range.upperBound...].allSatisfy(\.isNumber)
            else { continue }
            try? FileManager.default.removeItem(atPath: (path as NSString).appendingPathComponent(name))
        }
    }

    /// What a path names, following symbolic links: a regular file (or nothing yet), a folder, or
    /// something else (a device, a pipe, a socket).
    public enum Kind: Sendable { case regularOrAbsent, directory, special }

    public static func kind(of path: String) -> Kind {
        var status = stat()
        guard stat(path, &status) == 0 else { return .regularOrAbsent }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .regularOrAbsent
        case S_IFDIR: return .directory
        default: return .special
        }
    }

    /// Writes `text` into the existing special file at `path` (a device, a pipe); the reason on failure.
    static func writeThrough(_ path: String, _ text: String) -> String? {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        return write(fd, text)
    }

    /// Writes `text` to a new file at `path`; the system's reason on failure, nil on success.
    static func writeFile(_ path: String, _ text: String) -> String? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        return write(fd, text)
    }

    /// Writes all of `text` to `fd` and closes it; the system's reason on failure, nil on success.
    static func write(_ fd: Int32, _ text: String) -> String? {
        var text = text
        var failure: String?
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
        return failure
    }

    /// Makes `path` and its missing parents, naming the one that cannot be made and the system's reason.
    static func makeDirectories(_ path: String, option: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw InputError("\(option) \(path): \(prefix) is a file, not a directory")
                }
                continue
            }
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST {
                let reason = "\(option) \(path): cannot create \(prefix): \(String(cString: strerror(errno)))"
                // The system's refusal (a read-only or full file system, permissions) is an output failure.
                if [EROFS, EACCES, EPERM, ENOSPC, EDQUOT].contains(errno) { throw OutputError(reason) }
                throw InputError(reason)
            }
        }
    }

    /// Writes the named texts into the folder `path` (`option` names it in an error), each
    /// atomically, in order; returns their paths.
    public static func write(_ files: [(name: String, text: String)], into path: String, option: String = "--out")
        throws -> [String]
    {
        let directory = try OutputDirectory(path, option: option)
        for (name, text) in files { try directory.write(name, text) }
        return files.map { (path as NSString).appendingPathComponent($0.name) }
    }

    /// `manifest.json`'s text: the tool, the command and `fields`, keys sorted.
    public static func manifest(tool: Manifest.Tool, command: [String], _ fields: [String: Any]) throws -> String {
        var all = fields
        all["tool"] = ["version": tool.version, "commit": tool.commit]
        all["command"] = command
        let json = try JSONSerialization.data(withJSONObject: all, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: json, as: UTF8.self) + "\n"
    }

    /// Writes `text` to `name` in the directory, atomically.
    ///
    /// - Throws: ``OutputError`` with the system's reason (a full disk, say);
    ///   no partial file is left.
    public func write(_ name: String, _ text: String) throws {
        let target = (path as NSString).appendingPathComponent(name)
        // A path that is not a regular file (a device such as /dev/null, a pipe) is written through,
        // never replaced: a rename would put a regular file in its place.
        switch Self.kind(of: target) {
        case .directory:
            throw InputError("\(target): is a directory, not a file")
        case .special:
            if let reason = Self.writeThrough(target, text) { throw OutputError("cannot write \(target): \(reason)") }
            return
        case .regularOrAbsent:
            break
        }
        let temporary = (path as NSString).appendingPathComponent(".\(name).tmp-\(getpid())")
        // POSIX calls rather than Foundation's Data.write, so a failure carries the system's reason
        // ("No space left on device"), which Foundation replaces with a sentence of its own.
        if let reason = Self.writeFile(temporary, text) {
            try? FileManager.default.removeItem(atPath: temporary)
            throw OutputError("cannot write \(target): \(reason)")
        }
        if rename(temporary, target) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw OutputError("cannot move \(temporary) to \(target): \(reason)")
        }
    }
}

/// The output directories this process writes into, each locked (`flock` on
/// the directory itself, so no lock file is left) until the process ends: a
/// second process that wants to write there is refused, named.
final class DirectoryLocks: @unchecked Sendable {
    static let shared = DirectoryLocks()
    private let lock = NSLock()
    private var held: [String: Int32] = [:]

    func lock(_ path: String, option: String) throws {
        let key = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        try lock.withLock {
            guard held[key] == nil else { return }
            let fd = open(key, O_RDONLY | O_DIRECTORY)
            guard fd >= 0 else {
                throw InputError("\(option) \(path): cannot open the directory: \(String(cString: strerror(errno)))")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                let other = Self.holder(of: key).map { "process \($0)" } ?? "another process"
                throw InputError(
                    """
                    \(option) \(path): \(other) is writing into this directory; wait for it to finish or pick \
                    another \(option)
                    """
                )
            }
            held[key] = fd
        }
    }

    /// The process holding an flock on `path`, from /proc/locks, where Linux lists them by inode.
    static func holder(of path: String) -> Int? {
        var status = stat()
        guard stat(path, &status) == 0, let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else {
            return nil
        }
        for line in locks.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int(fields[4]),
                let inode = fields[5].split(separator: ":").last.flatMap({ UInt64($0) }),
                inode == UInt64(status.st_ino)
            else { continue }
            return pid
        }
        return nil
    }
}
