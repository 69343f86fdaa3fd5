import Foundation
import ModelLanguage
import Solvers

/// Model right-hand sides compiled to machine code with the system's C
/// compiler (the tool's `--native`), cached on disk by their source.
///
/// Each model's ``ModelLanguage/CompiledModel/nativeSource`` is written to
/// the cache as `<hash>.c` and compiled with `-O2 -ffp-contract=off` (IEEE
/// arithmetic as written, so the tape's results bit for bit) into
/// `<hash>.so`, then loaded. A later run, or another process, finds the
/// library and skips the compiler. Parameters are read from memory, so one
/// library serves every parameter set of a model and choice.
public enum NativeModels {
    /// The cache folder: `LIQUIDITY_NATIVE_CACHE`, else `$XDG_CACHE_HOME/liquidity/native`, else `~/.cache/liquidity/native`.
    public static var defaultCache: String {
        let environment = ProcessInfo.processInfo.environment
        if let given = environment["LIQUIDITY_NATIVE_CACHE"], !given.isEmpty { return given }
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        return (base as NSString).appendingPathComponent("liquidity/native")
    }

    /// The C compiler: `CC`, else the first of cc, clang and gcc on `PATH`.
    public static func compiler() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let given = environment["CC"], !given.isEmpty { return given }
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for name in ["cc", "clang", "gcc"] {
            for folder in path {
                let candidate = "\(folder)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// Compiles every later problem's right-hand side to machine code.
    ///
    /// - Throws: ``InputError`` when there is no C compiler, or the cache
    ///   folder cannot be made (checked here, before anything is solved).
    public static func install(cache: String = defaultCache) throws {
        guard let cc = compiler() else {
            throw InputError("--native: no C compiler found (set CC, or install clang or gcc)")
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

    /// The program of `source`: loaded from the cache, or compiled into it first.
    static func program(_ source: String, cache: String, compiler: String) throws -> NativeProgram {
        let name = hash(source)
        let library = (cache as NSString).appendingPathComponent("\(name).so")
        let kept = (cache as NSString).appendingPathComponent("\(name).c")
        // The source is kept beside its library, and a library is used only for the source it was made from.
        let cached = FileManager.default.fileExists(atPath: library) && (try? String(contentsOfFile: kept, encoding: .utf8)) == source
        if !cached {
            // Written under names of this process's own, then renamed: processes compiling
            // the same model at once each write a whole library, and the last rename wins.
            let unique = "\(name)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max))"
            let file = (cache as NSString).appendingPathComponent("\(unique).c")
            let output = (cache as NSString).appendingPathComponent("\(unique).so")
            try source.write(toFile: file, atomically: false, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [compiler, "-O2", "-ffp-contract=off", "-fno-fast-math", "-fPIC", "-shared", "-o", output, file, "-lm"]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                try? FileManager.default.removeItem(atPath: output)
                try? FileManager.default.removeItem(atPath: file)
                throw InputError("--native: \(compiler) failed on \(file) (status \(process.terminationStatus)): \(String(decoding: message, as: UTF8.self).prefix(2_000))")
            }
            guard rename(file, kept) == 0, rename(output, library) == 0 else {
                throw InputError("--native: cannot move \(output) to \(library)")
            }
        }
        return try NativeLibrary(path: library).function("liquidity_rhs", as: NativeProgram.self)
    }

    /// FNV-1a, 64 bits, of the source's bytes, in hex: a name that is the same in every process.
    static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return String(h, radix: 16)
    }
}
