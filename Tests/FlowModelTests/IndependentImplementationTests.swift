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

/// The default model a third time, in Python with SciPy's solve_ivp
/// (Benchmarks/scipy/model.py, a port of the C model): an implementation with
/// another integrator and another way of landing on the knots.
@Suite("Independent implementation in Python with SciPy")
struct SciPyImplementationTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Benchmarks/scipy/model.py").path

    @Test("SciPy's DOP853 and the Swift model agree on the default path", arguments: [
        FedRegime.none, .reserves, .buyer, .share,
    ])
    func agree(_ regime: FedRegime) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--method", "DOP853", "--rtol", "1e-9", "--regime", "\(regime)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let csv = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 \(Self.script) exited \(process.terminationStatus)")
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }

        let model = try ReverseQEModel(regime: regime)
        var options = defaultModelOptions(for: model)
        options.relativeTolerance = 1e-10
        options.absoluteTolerance = .scalar(1e-10)
        let swift = try solve(model.problem, .rk8pd, options)
        try #require(rows.count == swift.count && rows.allSatisfy { $0.count == 27 }, "SciPy saved \(rows.count) rows")
        var worst = 0.0
        for (k, row) in rows.enumerated() {
            #expect(abs(row[0] - swift.t[k]) < 1e-9, "month \(k): SciPy at \(row[0]), Swift at \(swift.t[k])")
            for i in 0..<26 {
                let a = swift.values[k * 26 + i]
                worst = max(worst, abs(a - row[i + 1]) / max(abs(a), 1))
            }
        }
        #expect(worst < 1e-6, "largest difference \(worst)")
    }
}
