import Application
import ArgumentParser
import CReference
import FileFormats
import FlowModel
import Foundation
import LiquidityC
import Reports
import Solvers

/// Which entries of the default path's Jacobian are not zero, at t0 and later: what an
/// LU that kept the iteration matrix's zeros would have to work with.
struct Sparsity: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The pattern of nonzeros of the default model's exact Jacobian along its path.")

    func run() throws {
        let model = try reverseQEModel()
        let problem = model.problem()
        guard let jacobian = problem.jacobian else { throw ValidationError("the model has no exact Jacobian") }
        let solution = try solve(problem, .msbdf, modelOptions(for: model, tolerance: 1e-8))
        let n = problem.initialState.count
        // The union of the patterns at every saved month: an entry that is zero at one time may not be at another.
        var pattern = [Bool](repeating: false, count: n * n)
        var dfdy = [Double](repeating: 0, count: n * n)
        var dfdt = [Double](repeating: 0, count: n)
        for k in 0..<solution.count {
            let y = solution.state(k)
            try y.withUnsafeBufferPointer { y in
                try dfdy.withUnsafeMutableBufferPointer { j in
                    try dfdt.withUnsafeMutableBufferPointer { try jacobian(solution.t[k], y, j, $0) }
                }
            }
            for e in 0..<(n * n) where dfdy[e] != 0 { pattern[e] = true }
        }
        let nonzeros = pattern.filter { $0 }.count
        let dense = (0..<n).filter { i in (0..<n).filter { pattern[i * n + $0] }.count > n / 2 }
        print(
            """
            \(n) states, \(nonzeros) of \(n * n) Jacobian entries not zero at some saved month \
            (\(Int((100 * Double(nonzeros) / Double(n * n)).rounded()))%); rows with more than half their \
            entries: \(dense.map { model.stateNames[$0] }.joined(separator: ", "))
            """
        )
        print("")
        for i in 0..<n {
            print(String((0..<n).map { pattern[i * n + $0] ? "x" : "." }) + "  " + model.stateNames[i])
        }
    }
}
