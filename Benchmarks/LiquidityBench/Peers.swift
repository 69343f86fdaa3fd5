import Application
import ArgumentParser
import CReference
import FileFormats
import FlowModel
import Foundation
import LiquidityC
import Reports
import Solvers

/// The default path solved three ways in one run: from the model file
/// (models/reverse-qe.sfc, compiled to a tape with its exact Jacobian), by the
/// same model in plain C over gsl_odeiv2 (Tests/CReference/CModel.c) and
/// by its port to SciPy's solve_ivp (Tests/SciPyReference/model.py).
struct Peers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The default path in Swift, in plain C over GSL and in Python with SciPy: agreement and time.",
        discussion: """
            Each GSL stepper is set against the SciPy method of its kind: rk8pd against DOP853 \
            (explicit, order 8), msbdf against BDF (implicit, variable order), rkf45 against RK45 \
            (explicit, order 5(4)), at rtol = atol = 1e-6 and 1e-8. C and Swift take the same steps \
            (same stepper, tolerances and first step) in adjacent solves, in alternating order; \
            Swift / C is the median of the ratios of those pairs, which cancels drifts in the \
            machine's speed. SciPy's solves run in one Python process, timed inside it after a \
            warm-up solve so the interpreter's start-up is not counted. Differences are the largest \
            of any state at any saved month, relative to max(|value|, 1), against the Swift path.
            """)

    @Option(help: "Timed repetitions of each case for C and Swift, alternating.")
    var repetitions = 11

    @Option(help: "Timed repetitions of each case for SciPy.")
    var scipyRepetitions = 5

    @Option(help: "The Python interpreter, with numpy and scipy installed.")
    var python = "python3"

    @Flag(help: "Leave SciPy out (C and Swift only).")
    var withoutScipy = false

    @Flag(help: "The model's right-hand side compiled to machine code (NativeModels) instead of run on the tape.")
    var native = false

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/SciPyReference/model.py").path

    func run() throws {
        if native { try NativeModels.install() }
        print(
            """
            Default path 2025-2032, monthly output; medians of \(repetitions) solves (C, \
            Swift\(native ? " with --native" : "")) and \(scipyRepetitions) (SciPy).
            """
        )
        print("")
        print(
            """
            | regime | GSL stepper / SciPy method | rtol = atol | steps C / Swift / SciPy | f evals C / Swift / \
            SciPy | difference C / SciPy | C (ms) | Swift (ms) | SciPy (ms) | Swift / C | SciPy / Swift |
            """
        )
        print("| --- | --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
        let pairs: [(Stepper, String)] = [(.rk8pd, "DOP853"), (.msbdf, "BDF"), (.rkf45, "RK45")]
        for (regime, code) in [("none", Int32(0)), ("buyer", 2)] {
            let model = try reverseQEModel(regime: regime)
            for tolerance in [1e-6, 1e-8] {
                for (stepper, method) in pairs {
                    var options = modelOptions(for: model, tolerance: tolerance)
                    options.initialStep = 1e-6
                    options.saveMode = .land  // the C port lands on every month
                    let problem = model.problem()
                    var output = [Double](repeating: 0, count: 100 * 26)
                    var cSteps: UInt = 0
                    var cEvaluations: UInt = 0
                    var saved: Int32 = 0
                    var solution: ODESolution?
                    var cTimes: [Double] = []
                    var swiftTimes: [Double] = []
                    // Adjacent C and Swift solves, in alternating order; each
                    // pair's ratio cancels drifts in the machine's speed.
                    for k in 0..<repetitions {
                        let runC = {
                            cTimes.append(
                                measure {
                                    saved = cmodel_solve(
                                        code, stepper.rawValue, tolerance, tolerance, 2032, &output, output.count,
                                        &cSteps,
                                        &cEvaluations)
                                })
                        }
                        if k % 2 == 0 { runC() }
                        swiftTimes.append(try measure { solution = try solve(problem, stepper, options) })
                        if k % 2 == 1 { runC() }
                    }
                    let s = solution!
                    precondition(saved == Int32(s.count), "C saved \(saved) points, Swift \(s.count)")
                    let c = median(cTimes)
                    let swift = median(swiftTimes)
                    let ratio = median(zip(swiftTimes, cTimes).map { $0 / $1 })
                    let py = withoutScipy ? nil : try scipy(regime: regime, method: method, tolerance: tolerance)
                    if let py {
                        precondition(
                            py.path.count == s.values.count,
                            "SciPy saved \(py.path.count / 26) points, Swift \(s.count)")
                    }
                    let dash = "-"
                    let pySteps = py.map { "\($0.steps)" } ?? dash
                    let pyEvaluations = py.map { "\($0.evaluations)" } ?? dash
                    let pyDifference = py.map { scientific(largestDifference(s.values, $0.path)) } ?? dash
                    let pyMilliseconds = py.map { format($0.seconds * 1e3, digits: 0) } ?? dash
                    let row =
                        "| \(regime) | \(stepper) / \(method) | \(tolerance) "
                        + "| \(cSteps) / \(s.statistics.steps) / \(pySteps) "
                        + "| \(cEvaluations) / \(s.statistics.functionEvaluations) / \(pyEvaluations) "
                        + "| \(scientific(largestDifference(s.values, output))) / \(pyDifference) "
                        + "| \(format(c * 1e3, digits: 2)) | \(format(swift * 1e3, digits: 2)) | \(pyMilliseconds) "
                            + """
                            | \(format(ratio, digits: 2)) | \
                            \(py.map { format($0.seconds / swift, digits: 0) } ?? dash) |
                            """
                    print(row)
                }
            }
        }
    }

    func largestDifference(_ reference: [Double], _ other: [Double]) -> Double {
        zip(reference, other).reduce(0) { max($0, abs($1.0 - $1.1) / max(abs($1.0), 1)) }
    }

    func scientific(_ value: Double) -> String { String(format: "%.1e", value) }

    /// Runs model.py: the saved states (without the time column), the median
    /// seconds of one solve, and the evaluations and steps of one solve.
    func scipy(regime: String, method: String, tolerance: Double) throws
        -> (path: [Double], seconds: Double, evaluations: Int, steps: Int)
    {
        try Self.scipy(
            python: python, regime: regime, method: method, tolerance: tolerance, repetitions: scipyRepetitions)
    }

    /// One SciPy solve of the default path by `Tests/SciPyReference/model.py`: the saved
    /// states in order (t left out, 26 to a time) and its timing line.
    static func scipy(python: String, regime: String, method: String, tolerance: Double, repetitions: Int) throws
        -> (path: [Double], seconds: Double, evaluations: Int, steps: Int)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            python, Self.script, "--method", method, "--rtol", "\(tolerance)",
            "--regime", "\(regime)", "--repetitions", "\(repetitions)",
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let csv = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(python) \(Self.script) failed (exit \(process.terminationStatus)): \(log)")
        }
        let path = csv.split(separator: "\n").dropFirst().flatMap {
            $0.split(separator: ",").dropFirst().map { Double($0)! }
        }
        let fields = log.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard let at = fields.firstIndex(of: "median_seconds"), at + 5 < fields.count,
            let seconds = Double(fields[at + 1]), let evaluations = Int(fields[at + 3]),
            let steps = Int(fields[at + 5])
        else {
            throw ValidationError("no timing line in the output of \(Self.script): \(log)")
        }
        return (path, seconds, evaluations, steps)
    }
}
