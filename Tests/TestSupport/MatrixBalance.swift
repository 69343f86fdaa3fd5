import FlowModel
import Solvers

/// Where a solved path's matrices do not balance: every row against its target and every column
/// against zero, to `tolerance` of the matrix's largest entry, at every `every`-th saved point.
/// Empty when all balance; each entry names the matrix, the row or column and the time.
public func matrixImbalances(_ model: CompiledModel, _ solution: ODESolution, every: Int, tolerance: Double = 1e-8)
    -> [String]
{
    var found: [String] = []
    for k in stride(from: 0, to: solution.count, by: every) {
        for matrix in model.matrixValues(at: solution.t[k], solution.state(k)) {
            let scale = matrix.values.flatMap { $0 }.map(abs).max()!
            for (r, label) in matrix.rowLabels.enumerated()
            where abs(matrix.rowSums[r] - matrix.rowTargets[r]) > tolerance * scale {
                found.append("\(matrix.name) row \(label) at \(solution.t[k])")
            }
            for (c, column) in matrix.columns.enumerated() where abs(matrix.columnSums[c]) > tolerance * scale {
                found.append("\(matrix.name) column \(column) at \(solution.t[k])")
            }
        }
    }
    return found
}
