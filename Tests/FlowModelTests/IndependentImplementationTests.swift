import CReference
import Foundation
import Testing

@testable import FlowModel
@testable import Solvers

/// The default model written a second time in plain C from MODEL.md's
/// equations as written (Benchmarks/CReference/CModel.c): the Swift model,
/// which builds its balancing items from the matrices, must follow the same
/// path to the solvers' tolerance.
@Suite("Independent implementation in C")
struct IndependentImplementationTests {
    @Test("the C implementation and the Swift model agree on the default path", arguments: [
        (FedRegime.none, Int32(0)), (.reserves, 1), (.buyer, 2), (.share, 3),
    ])
    func agree(_ regime: FedRegime, _ code: Int32) throws {
        let model = try ReverseQEModel(regime: regime)
        var options = defaultModelOptions(for: model)
        options.relativeTolerance = 1e-10
        options.absoluteTolerance = .scalar(1e-10)
        let swift = try solve(model.problem, .rk8pd, options)
        var output = [Double](repeating: 0, count: 100 * 26)
        var steps: UInt = 0, evaluations: UInt = 0
        let saved = cmodel_solve(code, "rk8pd", 1e-10, 1e-10, 2032, &output, output.count, &steps, &evaluations)
        #expect(saved == Int32(swift.count))
        var worst = 0.0
        for (a, b) in zip(swift.values, output.prefix(swift.values.count)) { worst = max(worst, abs(a - b) / max(abs(a), 1)) }
        #expect(worst < 1e-8, "largest difference \(worst)")
    }
}
