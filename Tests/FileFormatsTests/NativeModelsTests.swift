import Experiments
import FlowModel
import Foundation
import Solvers
import TestSupport
import Testing

@testable import Application
@testable import FileFormats
@testable import Reports

/// Right-hand sides compiled to machine code (`--native`) against the tape.
@Suite("Native right-hand sides", .serialized)
struct NativeModelsTests {
    /// Every package model under every option of each of its choices.
    static func models() throws -> [(label: String, model: CompiledModel)] {
        let folder = Tool.root.appendingPathComponent("models")
        var result: [(String, CompiledModel)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).filter({ $0.hasSuffix(".sfc") })
            .sorted()
        {
            let source = try ModelFiles.source(folder.appendingPathComponent(name).path)
            let choices = source.choices.flatMap { choice in choice.options.map { (choice.name, $0.name) } }
            for (choice, option) in [("", "")] + choices {
                var settings = ModelSettings()
                if !choice.isEmpty { settings.choices[choice] = option }
                result.append(("\(name) \(choice) \(option)", try compileModel(source, settings: settings)))
            }
        }
        // Every function of the language, which no package model reads all of.
        result.append(("functions", try compileModel(Self.functions, file: "functions.sfc")))
        return result
    }

    static let functions = """
        model functions
        horizon 0 to 1
        state x
          start = 0.3
          d/dt = tanh(x) + sinh(x) - cosh(x) + atan(x) + sin(x) * cos(x) + logistic(x) + softplus(x, 0.1) \
        + exp(-x) + log(1 + x * x) + sqrt(1 + x * x) + abs(x) + taper(x, 0.5) + smax(x, 0.2, 0.1) \
        + smin(x, 0.2, 0.1) + min(x, 0.1) + max(x, 0.1) + x ^ 1.5 - t
        """

    /// MODEL.md's model with no buyer.
    static func reverseQE() throws -> CompiledModel {
        try ModelFiles.compile(Tool.reverseQE, settings: ModelSettings(choices: ["regime": "none"]))
    }

    /// A cache folder of its own, removed afterwards, with the native right-hand side installed while `body` runs.
    static func withNative<T>(_ body: (String) throws -> T) throws -> T {
        let cache = try Tool.scratch().path
        try NativeModels.install(cache: cache)
        defer {
            NativeCode.uninstall()
            try? FileManager.default.removeItem(atPath: cache)
        }
        return try body(cache)
    }

    @Test(
        """
        every package model's compiled right-hand side gives the tape's derivatives bit for bit, at the start \
        and at 200 states around it
        """
    )
    func derivatives() throws {
        let models = try Self.models()
        #expect(models.count >= 8)
        let tape = models.map { $0.model.problem() }
        let native = try Self.withNative { _ in
            let problems = models.map { $0.model.problem() }
            #expect(NativeCode.failure == nil, "\(String(describing: NativeCode.failure))")
            return problems
        }
        var generator = SeededGenerator(seed: 2026)  // the same 200 states every run
        for (k, (label, model)) in models.enumerated() {
            let n = model.initialState.count
            var a = [Double](repeating: 0, count: n)
            var b = a
            for trial in 0...200 {
                let y = model.initialState.map {
                    trial == 0 ? $0 : $0 * (1 + Double.random(in: -0.05...0.05, using: &generator))
                }
                let t = model.t0 + (model.t1 - model.t0) * Double(trial) / 200
                try y.withUnsafeBufferPointer { state in
                    try a.withUnsafeMutableBufferPointer { try tape[k].rightHandSide(t, state, $0) }
                    try b.withUnsafeMutableBufferPointer { try native[k].rightHandSide(t, state, $0) }
                }
                let same = zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
                #expect(
                    same,
                    """
                    \(label) at t = \(t), trial \(trial): \
                    \(zip(a, b).filter { $0.bitPattern != $1.bitPattern }.prefix(3))
                    """
                )
                if !same { break }
            }
        }
    }

    @Test(
        """
        every model's output series as machine code are the tape's bit for bit: all of them, and a few (what a \
        likelihood reads), the rest left empty
        """
    )
    func outputs() throws {
        // One option of each file (each output program is a compile of its own), and every function.
        let chosen = try Self.models().filter { $0.label.hasSuffix("  ") || $0.label == "functions" }
        #expect(chosen.count >= 6)
        for (label, model) in chosen {
            var options = SolverOptions(
                relativeTolerance: 1e-6, absoluteTolerance: .scalar(1e-6),
                saveAt: .interval((model.t1 - model.t0) / 12))
            options.tstops = model.tstops
            let solution = try Solvers.solve(model.problem(), .rkf45, options)
            let few = Set(model.columns.indices.filter { $0 % 3 == 0 }.map { model.columns[$0].name })
            let (all, some) = (model.series(of: solution), model.series(of: solution, only: few))
            let (allNative, someNative) = try Self.withNative { _ in
                (model.series(of: solution), model.series(of: solution, only: few))
            }
            #expect(allNative.map { $0.map(\.bitPattern) } == all.map { $0.map(\.bitPattern) }, "\(label)")
            #expect(someNative.map { $0.map(\.bitPattern) } == some.map { $0.map(\.bitPattern) }, "\(label)")
            #expect(some.filter { !$0.isEmpty }.count == few.count, "\(label)")
        }
    }

    @Test("a solve with the compiled right-hand side saves the tape's path bit for bit, with the same steps")
    func solve() throws {
        let model = try Self.reverseQE()
        var options = SolverOptions(
            relativeTolerance: 1e-8, absoluteTolerance: .scalar(1e-8), saveAt: .interval(1.0 / 12))
        options.tstops = model.tstops
        let tape = try Solvers.solve(model.problem(), .rk8pd, options)
        let native = try Self.withNative { _ in try Solvers.solve(model.problem(), .rk8pd, options) }
        #expect(tape.isSuccessful && native.isSuccessful)
        #expect(native.statistics == tape.statistics)
        #expect(native.values.map(\.bitPattern) == tape.values.map(\.bitPattern))
    }

    @Test(
        """
        a source already compiled is loaded from the cache without the compiler; one that fails to compile is \
        kept and named, and nothing else is left
        """
    )
    func cache() throws {
        let model = try Self.reverseQE()
        let cache = try Tool.scratch().path
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let compiler = try #require(NativeModels.compiler())
        _ = try NativeModels.program(model.nativeSource, cache: cache, compiler: compiler)
        // The same name as the real compiler's, but a compiler that always fails: the cached library is used.
        let name = NativeModels.name(of: model.nativeSource, compiler: compiler)
        try FileManager.default.moveItem(atPath: "\(cache)/\(name).so", toPath: "\(cache)/kept.so")
        try FileManager.default.moveItem(atPath: "\(cache)/\(name).c", toPath: "\(cache)/kept.c")
        let failing = ["/bin/false"]
        let failingName = NativeModels.name(of: model.nativeSource, compiler: failing)
        try FileManager.default.moveItem(atPath: "\(cache)/kept.so", toPath: "\(cache)/\(failingName).so")
        try FileManager.default.moveItem(atPath: "\(cache)/kept.c", toPath: "\(cache)/\(failingName).c")
        _ = try NativeModels.program(model.nativeSource, cache: cache, compiler: failing)
        let broken = model.nativeSource + "\nthis is not C;\n"
        let brokenName = NativeModels.name(of: broken, compiler: failing)
        do {
            _ = try NativeModels.program(broken, cache: cache, compiler: failing)
            Issue.record("a failing compiler gave a program")
        } catch let error as InputError {
            #expect(
                error.message.hasPrefix("--native: /bin/false failed on \(cache)/\(brokenName).failed.c (status 1): "),
                "\(error.message)")
        }
        #expect(try String(contentsOfFile: "\(cache)/\(brokenName).failed.c", encoding: .utf8) == broken)
        #expect(
            Tool.files(URL(fileURLWithPath: cache))
                == ["\(failingName).c", "\(failingName).so", "\(brokenName).failed.c"].sorted())
    }

    @Test("CC naming no program is refused at install, naming it, with exit 2 before anything is written")
    func badCC() throws {
        let directory = try Tool.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Tool.runProgram(
            "/usr/bin/env",
            [
                "CC=no-such-cc -O3", "LIQUIDITY_NATIVE_CACHE=\(directory.path)/cache", Tool.executable.path, "run",
                "--native", "--out", "out",
            ], in: directory)
        #expect(result.status == 2)
        #expect(result.stderr == "error: --native: CC=no-such-cc -O3: no such program on PATH\n")
        #expect(Tool.files(directory).isEmpty)
    }

    @Test("run --native writes the files run writes, byte for byte")
    func command() throws {
        let directory = try Tool.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = directory.appendingPathComponent("cache").path
        func run(_ out: String, _ extra: [String]) throws -> Tool.Result {
            try Tool.runProgram(
                "/usr/bin/env",
                ["LIQUIDITY_NATIVE_CACHE=\(cache)", "CC=", Tool.executable.path, "run", "--out", out] + extra,
                in: directory)
        }
        let tape = try run("tape", [])
        let native = try run("native", ["--native"])
        #expect(tape.status == 0 && native.status == 0, "\(native.stderr)")
        #expect(
            try Tool.text(directory.appendingPathComponent("native/series.csv"))
                == Tool.text(directory.appendingPathComponent("tape/series.csv")))
        // Two programs: the right-hand side, and the output series at the saved points.
        #expect(Tool.files(URL(fileURLWithPath: cache)).filter { $0.hasSuffix(".so") }.count == 2)
    }

    @Test("--native without a C compiler is refused before anything is solved or written: exit 2, saying what to do")
    func noCompiler() throws {
        let directory = try Tool.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Tool.runProgram(
            "/usr/bin/env",
            [
                "-i", "PATH=/nonexistent", "HOME=\(directory.path)", Tool.executable.path, "run", "--native", "--out",
                "out",
            ], in: directory)
        #expect(result.status == 2)
        #expect(result.stderr == "error: --native: no C compiler found (set CC, or install clang or gcc)\n")
        #expect(Tool.files(directory).isEmpty)
    }
}
