import FlowModel
import Experiments
import Foundation
import Solvers
import Testing
import TestSupport

@testable import FileFormats

@Suite("Fuzzing the configuration reader", .serialized)
struct FuzzTests {
    static let reference = Mutator.reference

    /// 3,000 mutated configurations through the reader: each is either a
    /// clear InputError naming the file, or parameters from which a valid
    /// model is built; the first 40 valid ones are also solved (with a step
    /// budget, so nothing can hang) and must end in a return code, never a trap.
    @Test("3,000 mutated configurations end in a clear error or a valid model")
    func inProcess() throws {
        var rng = SeededGenerator(seed: 20_251_121)
        var errors = 0, models = 0, solved = 0, solveFailures = 0
        for round in 0..<3_000 {
            var text = Self.reference
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                text = Mutator.allCases.randomElement(using: &rng)!.apply(text, &rng)
            }
            do {
                let parameters = try Configuration.parse(text, file: "fuzz.toml")
                let model = try ReverseQEModel(parameters: parameters)
                models += 1
                if solved < 40 {
                    var options = defaultModelOptions(for: model)
                    options.maxSteps = 20_000
                    let run = try model.run(.rk8pd, options: options)
                    solved += 1
                    if !run.solution.isSuccessful {
                        solveFailures += 1
                        #expect(run.solution.failure != nil)
                    }
                }
            } catch let error as InputError {
                errors += 1
                #expect(error.message.hasPrefix("fuzz.toml"), "round \(round): \(error.message)")
            } catch let error as ModelError {
                Issue.record("round \(round): a ModelError escaped the reader: \(error)")
            }
        }
        #expect(errors + models == 3_000)
        #expect(errors > 1_000 && models > 50, "errors \(errors), valid models \(models)")
        print("fuzz corpus: 3000 configurations; \(errors) clear input errors, \(models) valid models; \(solved) solved, \(solveFailures) ended in a solver return code")
    }
}

@Suite("Fuzzing the other readers", .serialized)
struct OtherReadersFuzzTests {
    /// Mutated sweep specs, scenarios, targets, fit files and history tables
    /// through their readers, 1,000 each: every one is read or refused with an
    /// InputError (or the history table's HistoryError) that names the file;
    /// none crashes.
    @Test("5,000 mutated sweep specs, scenarios, targets, fit files and history tables end in a read file or a located error")
    func readers() throws {
        let base = try Configuration.read(Tool.modelmd)
        let dir = try Tool.scratch()
        let readers: [(String, (String) throws -> Void)] = [
            ("scenarios/sweep-example.toml", { _ = try SweepSpecFile.read($0, base: base) }),
            ("scenarios/tight.toml", { _ = try ScenarioFile.read($0, parameters: base) }),
            ("calibration/targets.toml", { _ = try CalibrationFiles.readTargets($0) }),
            ("calibration/fit.toml", { _ = try CalibrationFiles.readFit($0) }),
            ("calibration/history.csv", { path in
                do {
                    _ = try HistoricalConfiguration.make(base: base, table: try HistoryFiles.readTable(path))
                } catch let error as HistoryError {
                    throw InputError("\(path): \(error.description)")
                }
            }),
        ]
        var rng = SeededGenerator(seed: 2026_12_01)
        var counts: [String: (read: Int, refused: Int)] = [:]
        for (name, read) in readers {
            let original = try Tool.text(Tool.root.appendingPathComponent(name))
            let path = dir.appendingPathComponent((name as NSString).lastPathComponent).path
            for round in 0..<1_000 {
                var text = original
                for _ in 0..<Int.random(in: 1...3, using: &rng) { text = Mutator.allCases.randomElement(using: &rng)!.apply(text, &rng) }
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
        print("fuzz of the other readers: " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.read) read, \($0.value.refused) refused" }.joined(separator: "; "))
        #expect(counts.values.reduce(0) { $0 + $1.read + $1.refused } == 5_000)
    }
}
