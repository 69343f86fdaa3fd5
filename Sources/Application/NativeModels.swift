import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

/// Model right-hand sides compiled to machine code with the system's C
/// compiler (the tool's `--native`), cached on disk by their source.
///
/// Each model's ``FlowModel/CompiledModel/nativeSource`` is written to
/// the cache as `<hash>.c` and compiled with `-O2 -ffp-contract=off` (IEEE
/// arithmetic as written, so the tape's results bit for bit) into
/// `<hash>.so`, then loaded. A later run, or another process, finds the
/// library and skips the compiler. Parameters are read from memory, so one
/// library serves every parameter set of a model and choice.
public enum NativeModels {
    /// The cache folder: `LIQUIDITY_NATIVE_CACHE`, else `$XDG_CACHE_HOME/liquidity/native`, else
    /// `~/.cache/liquidity/native`.
    public static var defaultCache: String {
        let environment = ProcessInfo.processInfo.environment
        if let given = environment["LIQUIDITY_NATIVE_CACHE"], !given.isEmpty { return given }
        let base =
            environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        return (base as NSString).appendingPathComponent("liquidity/native")
    }

    /// The C compiler as a command (its path, then any arguments): `CC` (split
    /// at spaces, its first word found on `PATH`), else the first of cc, clang
    /// and gcc on `PATH`; nil when there is none.
    public static func compiler() -> [String]? {
        let environment = ProcessInfo.processInfo.environment
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        func find(_ name: String) -> String? {
            if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
            return path.lazy.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        if let given = environment["CC"], !given.trimmingCharacters(in: .whitespaces).isEmpty {
            let words = given.split(separator: " ").map(String.init)
            return find(words[0]).map { [$0] + words.dropFirst() }
        }
        return ["cc", "clang", "gcc"].lazy.compactMap(find).first.map { [$0] }
    }

    /// Compiles every later problem's right-hand side to machine code.
    ///
    /// - Throws: ``InputError`` when there is no C compiler (or `CC` names
    ///   none), or the cache folder cannot be made: checked here, before
    ///   anything is solved.
    public static func install(cache: String = defaultCache) throws {
        guard let cc = compiler() else {
            let given = ProcessInfo.processInfo.environment["CC"] ?? ""
            throw InputError(
                given.trimmingCharacters(in: .whitespaces).isEmpty
                    ? "--native: no C compiler found (set CC, or install clang or gcc)"
                    : "--native: CC=\(given): no such program on PATH")
        }
        do {
            try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        } catch {
            throw InputError("--native: cannot make the cache folder \(cache): \(error.localizedDescription)")
        }
        NativeCode.install { source in try program(source, cache: cache, compiler: cc) }
    }

    /// The first compile that failed since ``install(cache:)``, if any: its
    /// model ran on the tape (the same results, more slowly).
    public static var failure: (any Error)? { NativeCode.failure }

    /// The program of `source`: loaded from the cache, or compiled into it
    /// first (and once more if the cached library does not load).
    static func program(_ source: String, cache: String, compiler: [String]) throws -> NativeProgram {
        let name = name(of: source, compiler: compiler)
        let library = (cache as NSString).appendingPathComponent("\(name).so")
        let kept = (cache as NSString).appendingPathComponent("\(name).c")
        // The source is kept beside its library, and a library is used only for the source it was made from.
        let cached =
            FileManager.default.fileExists(atPath: library)
            && (try? String(contentsOfFile: kept, encoding: .utf8)) == source
        if cached, let program = try? NativeLibrary(path: library).function("liquidity_rhs", as: NativeProgram.self) {
            return program
        }
        try build(source, name: name, cache: cache, compiler: compiler)
        do {
            return try NativeLibrary(path: library).function("liquidity_rhs", as: NativeProgram.self)
        } catch {
            throw InputError("--native: \(error)")
        }
    }

    /// The cache name of `source`'s library: a hash of the source and of what
    /// the library depends on besides it, the compiler and the machine.
    static func name(of source: String, compiler: [String]) -> String {
        hash(source + "\n/* " + compiler.joined(separator: " ") + " " + machine + " */")
    }

    /// Writes `source` and compiles it into `<name>.so` beside `<name>.c`, under
    /// names of this process's own, renamed into place: processes compiling the
    /// same model at once each write a whole library, and the last rename wins.
    /// A source that fails to compile is kept as `<name>.failed.c`, named in the error.
    static func build(_ source: String, name: String, cache: String, compiler: [String]) throws {
        let unique = "\(name)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max))"
        let file = (cache as NSString).appendingPathComponent("\(unique).c")
        let output = (cache as NSString).appendingPathComponent("\(unique).so")
        var done = false
        defer {
            if !done {
                try? FileManager.default.removeItem(atPath: file)
                try? FileManager.default.removeItem(atPath: output)
            }
        }
        do {
            try source.write(toFile: file, atomically: false, encoding: .utf8)
        } catch {
            throw InputError("--native: cannot write \(file): \(error.localizedDescription)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: compiler[0])
        process.arguments =
            Array(compiler.dropFirst()) + [
                "-O2", "-ffp-contract=off", "-fno-fast-math", "-fPIC", "-shared", "-o", output, file, "-lm",
            ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw InputError("--native: cannot run \(compiler[0]): \(error.localizedDescription)")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: output)
            let failed = (cache as NSString).appendingPathComponent("\(name).failed.c")
            let keptAs = rename(file, failed) == 0 ? failed : file
            done = true
            throw InputError(
                """
                --native: \(compiler.joined(separator: " ")) failed on \(keptAs) (status \
                \(process.terminationStatus)): \(message.prefix(2_000))
                """
            )
        }
        let kept = (cache as NSString).appendingPathComponent("\(name).c")
        let library = (cache as NSString).appendingPathComponent("\(name).so")
        guard rename(file, kept) == 0, rename(output, library) == 0 else {
            throw InputError("--native: cannot move \(output) to \(library)")
        }
        done = true
    }

    /// The processor architecture the libraries are built for.
    static var machine: String {
        #if arch(x86_64)
            "x86_64"
        #elseif arch(arm64)
            "arm64"
        #else
            "other"
        #endif
    }

    /// FNV-1a, 64 bits, of the text's bytes, in hex: a name that is the same in every process.
    static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return String(h, radix: 16)
    }
}
