import Experiments
import FlowModel
import Foundation
import Solvers
import TestSupport
import Testing

@testable import Application
@testable import FileFormats
@testable import Reports

@Suite("Fuzzing the configuration reader", .serialized)
struct FuzzTests {
    static let reference = Mutator.reference

    /// 1,500 mutated configurations of the default model file through the
    /// reader and the compiler: each is either a clear InputError naming the
    /// configuration, or settings from which the file compiles (a value the
    /// file refuses is named by the reader, with its key and range); the first
    /// 40 valid ones are also solved (with a step budget, so nothing can
    /// hang) and must end in a return code, never a trap.
    @Test("1,500 mutated configurations end in a clear error or a valid model")
    func inProcess() throws {
        let source = try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        var rng = SeededGenerator(seed: 20_251_121)
        var errors = 0
        var models = 0
        var solved = 0
        var solveFailures = 0
        var refused = 0
        for round in 0..<1_500 {
            var text = Self.reference
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                text = Mutator.allCases.randomElement(using: &rng)!.apply(text, &rng)
            }
            do {
                let settings = try ModelConfiguration.settings(
                    Configuration.parseTOML(text, file: "fuzz.toml"), file: "fuzz.toml", for: source)
                let model: CompiledModel
                do {
                    model = try compileModel(source, settings: settings)
                } catch let error as ModelFileError {
                    // What only the whole model can refuse: the initial state, a knot outside the span.
                    refused += 1
                    #expect(!error.diagnostics.isEmpty, "round \(round)")
                    continue
                }
                models += 1
                if solved < 40 {
                    var solve = SolveSettings()
                    solve.maxSteps = 20_000
                    do {
                        _ = try solve.solve(model, label: "fuzz")
                    } catch let failure as SolveFailure {
                        solveFailures += 1
                        #expect(failure.returnCode != .success)
                    }
                    solved += 1
                }
            } catch let error as InputError {
                errors += 1
                #expect(error.message.hasPrefix("fuzz.toml"), "round \(round): \(error.message)")
            }
        }
        #expect(errors > 500 && models > 50, "errors \(errors), valid models \(models)")
        print(
            """
            fuzz corpus: 1500 configurations; \(errors) clear input errors, \(refused) refused by the model, \
            \(models) valid models; \(solved) solved, \(solveFailures) ended in a solver return code
            """
        )
    }
}

@Suite("Fuzzing the other readers", .serialized)
struct OtherReadersFuzzTests {
    /// Mutated sweep specs, scenarios, targets, fit files and history tables
    /// through their readers, 1,000 each: every one is read or refused with an
    /// InputError (or the history table's HistoryError) that names the file;
    /// none crashes.
    @Test(
        """
        5,000 mutated sweep specs, scenarios, targets, fit files and history tables end in a read file or a \
        located error
        """
    )
    func readers() throws {
        let source = try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        let base = try ModelFiles.settings(configuration: Tool.modelmd, for: source)
        let model = try FileEnsembleModel(source: source, settings: base, choice: "regime")
        let dir = try Tool.scratch()
        let readers: [(String, (String) throws -> Void)] = [
            ("scenarios/sweep-example.toml", { _ = try SweepSpecFile.read($0, model: model) }),
            ("scenarios/tight.toml", { _ = try ModelFiles.changes($0, model: source) }),
            ("calibration/targets.toml", { _ = try CalibrationFiles.readTargets($0) }),
            ("calibration/fit.toml", { _ = try CalibrationFiles.readFit($0) }),
            (
                "calibration/history.csv",
                { path in
                    do {
                        _ = try HistoricalConfiguration.settings(
                            source: source, base: base, table: try HistoryFiles.readTable(path),
                            inputs: try HistoryInputsFile.read(
                                Tool.root.appendingPathComponent("calibration/history-inputs.toml").path))
                    } catch let error as HistoryError {
                        throw InputError("\(path): \(error.description)")
                    }
                }
            ),
        ]
        var rng = SeededGenerator(seed: 2026_12_01)
        var counts: [String: (read: Int, refused: Int)] = [:]
        for (name, read) in readers {
            let original = try Tool.text(Tool.root.appendingPathComponent(name))
            let path = dir.appendingPathComponent((name as NSString).lastPathComponent).path
            for round in 0..<1_000 {
                var text = original
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    text = Mutator.allCases.randomElement(using: &rng)!.apply(text, &rng)
                }
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                do {
                    try read(path)
                    counts[name, default: (0, 0)].read += 1
                } catch let error as InputError {
                    counts[name, default: (0, 0)].refused += 1
                    #expect(error.message.hasPrefix(path), "\(name) round \(round): \(error.message)")
                }
            }
        }
        print(
            "fuzz of the other readers: "
                + counts.sorted { $0.key < $1.key }.map {
                    "\($0.key) \($0.value.read) read, \($0.value.refused) refused"
                }.joined(separator: "; "))
        // Every reader both read some mutated files and refused others, naming the file.
        #expect(counts.count == 5 && counts.values.allSatisfy { $0.read > 0 && $0.refused > 0 }, "\(counts)")
    }
}
