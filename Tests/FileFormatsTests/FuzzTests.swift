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
