import ArgumentParser
import CReference
#if LIQUIDITY_CVODE
import CVODEPeer
#endif
import FileFormats
import Foundation
import LiquidityC
import FlowModel
import Solvers
import Application
import Reports

/// Benchmarks, run in release mode: `swift run -c release liquidity-bench <command>`.
@main
struct LiquidityBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liquidity-bench",
        abstract: "Benchmarks of the liquidity package, each against a baseline measured in the same run.",
        subcommands: [Overhead.self, ModelSolve.self, Throughput.self, Peers.self, Scaling.self, Python.self, LU.self, WorkPrecision.self, Sparsity.self])
}

/// Lorenz-96 with n = 26 and F = 8, the same arithmetic as the C reference.
let lorenz96: RightHandSide = { _, y, dydt in
    let n = 26
    dydt[0] = (y[1] - y[n - 2]) * y[n - 1] - y[0] + 8.0
    dydt[1] = (y[2] - y[n - 1]) * y[0] - y[1] + 8.0
    for i in 2..<(n - 1) { dydt[i] = (y[i + 1] - y[i - 2]) * y[i - 1] - y[i] + 8.0 }
    dydt[n - 1] = (y[0] - y[n - 3]) * y[n - 2] - y[n - 1] + 8.0
}

/// One benchmark case: the same problem solved from C and through Solvers.
struct OverheadCase {
    let name: String
    let problem: cref_problem
    let stepper: Stepper
    let initialState: [Double]
    let t1: Double
    let saves: Int
    let rightHandSide: RightHandSide
    let jacobian: JacobianFunction?
}

struct Overhead: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Wrapper overhead: Solvers against direct calls of gsl_odeiv2 with a C right-hand side.",
        discussion: """
            Each case is solved with the same stepper, tolerances, first step and save times both
            ways, so GSL takes the same steps: the saved paths must agree bit for bit, and the table
            shows the steps and evaluations of each. Both record the state at every save time.
            Runs alternate between C and Swift; the medians are compared.
            """)

    @Option(help: "Timed repetitions of each case, alternating C and Swift.")
    var repetitions = 31

    @Option(help: "Relative and absolute tolerance.")
    var tolerance = 1e-8

    static let cases: [OverheadCase] = [
        OverheadCase(
            name: "Lorenz-96, n = 26", problem: CREF_LORENZ96, stepper: .rk8pd,
            initialState: (0..<26).map { $0 == 0 ? 8.01 : 8.0 }, t1: 10, saves: 120,
            rightHandSide: lorenz96, jacobian: nil),
        OverheadCase(
            name: "Lorenz-96, n = 26", problem: CREF_LORENZ96, stepper: .rkf45,
            initialState: (0..<26).map { $0 == 0 ? 8.01 : 8.0 }, t1: 10, saves: 120,
            rightHandSide: lorenz96, jacobian: nil),
        OverheadCase(
            name: "Van der Pol, mu = 1000", problem: CREF_VANDERPOL, stepper: .msbdf,
            initialState: [2, 0], t1: 2, saves: 24,
            rightHandSide: { _, y, dydt in
                dydt[0] = y[1]
                dydt[1] = ((1 - y[0] * y[0]) * y[1] - y[0]) / 1e-6
            },
            jacobian: { _, y, dfdy, dfdt in
                dfdy[0] = 0
                dfdy[1] = 1
                dfdy[2] = (-2 * y[0] * y[1] - 1) / 1e-6
                dfdy[3] = (1 - y[0] * y[0]) / 1e-6
                dfdt[0] = 0
                dfdt[1] = 0
            }),
        OverheadCase(
            name: "harmonic oscillator, n = 2", problem: CREF_OSCILLATOR, stepper: .rkf45,
            initialState: [1, 0], t1: 20, saves: 240,
            rightHandSide: { _, y, dydt in
                dydt[0] = y[1]
                dydt[1] = -4 * y[0]
            }, jacobian: nil),
    ]

    func run() throws {
        let initialStep = 1e-6
        print("Wrapper overhead: median of \(repetitions) solves each, rtol = atol = \(tolerance), first step \(initialStep).")
        print("")
        print("| problem | stepper | steps C / Swift | f evals C / Swift | C (µs) | Swift (µs) | Swift / C |")
        print("| --- | --- | --- | --- | ---: | ---: | ---: |")
        for bench in Self.cases {
            let n = bench.initialState.count
            let saveTimes = [0.0] + (1...bench.saves).map { k in
                k == bench.saves ? bench.t1 : 0 + Double(k) * ((bench.t1 - 0) / Double(bench.saves))
            }
            let problem = ODEProblem(
                initialState: bench.initialState, timeSpan: (0, bench.t1),
                jacobian: bench.jacobian, rightHandSide: bench.rightHandSide)
            var options = SolverOptions(
                relativeTolerance: tolerance, absoluteTolerance: .scalar(tolerance), saveAt: .times(saveTimes))
            options.initialStep = initialStep
            options.saveMode = .land  // as the C driver does

            var cStats = cref_stats()
            var cFinal = bench.initialState
            var cOutput = [Double](repeating: 0, count: (bench.saves + 1) * n)
            let runC = {
                cFinal = bench.initialState
                let status = cref_solve(
                    bench.problem, bench.stepper.rawValue, tolerance, tolerance, initialStep,
                    0, bench.t1, Int32(bench.saves), &cFinal, n, &cOutput, &cStats)
                precondition(status == 0, "C reference failed with GSL status \(status)")
            }
            var swiftSolution: ODESolution?
            let runSwift = { swiftSolution = try solve(problem, bench.stepper, options) }

            runC()
            try runSwift()
            var cTimes: [Double] = []
            var swiftTimes: [Double] = []
            for _ in 0..<repetitions {
                cTimes.append(measure(runC))
                swiftTimes.append(try measure(runSwift))
            }
            let solution = swiftSolution!
            precondition(solution.isSuccessful, "Swift solve failed: \(String(describing: solution.failure))")
            let difference = zip(solution.finalState, cFinal).map { abs($0 - $1) }.max()!
            precondition(
                difference == 0 && solution.values == cOutput,
                "C and Swift paths differ (final states by \(difference))")
            let c = median(cTimes), swift = median(swiftTimes)
            let stats = solution.statistics
            print(
                "| \(bench.name) | \(bench.stepper) | \(cStats.steps) / \(stats.steps) | "
                    + "\(cStats.evaluations) / \(stats.functionEvaluations) | "
                    + "\(format(c * 1e6)) | \(format(swift * 1e6)) | \(format(swift / c, digits: 3)) |")
        }
    }
}

/// Seconds taken by `body`.
func measure(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : 0.5 * (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2])
}

func format(_ value: Double, digits: Int = 1) -> String {
    String(format: "%.\(digits)f", value)
}

/// The default model, models/reverse-qe.sfc, parsed.
let reverseQE: ModelSource = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let text = try! String(contentsOf: root.appendingPathComponent("models/reverse-qe.sfc"), encoding: .utf8)
    return try! parseModel(text, file: "models/reverse-qe.sfc")
}()

/// The default model compiled with `settings` under `regime`.
func reverseQEModel(_ settings: ModelSettings = ModelSettings(), regime: String = "none") throws -> CompiledModel {
    var settings = settings
    settings.choices["regime"] = regime
    return try compileModel(reverseQE, settings: settings)
}

/// The tool's options for `model` (monthly saves, its knots as tstops) at
/// rtol = atol = `tolerance`.
func modelOptions(for model: CompiledModel, tolerance: Double) -> SolverOptions {
    var options = SolverOptions(relativeTolerance: tolerance, absoluteTolerance: .scalar(tolerance), saveAt: .interval(1.0 / 12))
    options.tstops = model.tstops
    return options
}

/// One solve of the default model path (MODEL.md's parameters, no buyer,
/// 2025-2032, monthly output) per stepper and tolerance.
struct ModelSolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Time one solve of the default path (7 years, monthly output) per stepper and tolerance.",
        discussion: "The baseline in the same run is rk8pd at the same tolerance: each row's ratio is its time over rk8pd's.")

    @Option(help: "Timed repetitions of each case.")
    var repetitions = 11

    @Option(help: "Only this stepper (for profiling).")
    var only: String?

    @Flag(help: "Only the solves with the monthly saves interpolated inside steps.")
    var interpolateSaves = false

    @Flag(help: "Each case also with the model's right-hand side compiled to machine code (NativeModels), timed alternately with the tape; its ratio is to the tape's time.")
    var native = false

    func run() throws {
        let model = try reverseQEModel()
        let tape = model.problem()
        var compiled: ODEProblem?
        if native {
            try NativeModels.install()
            compiled = model.problem()
            NativeCode.uninstall()
        }
        print("Default path of models/reverse-qe.sfc, \(model.stateNames.count) states, median of \(repetitions) solves (release build).")
        print("")
        print("| stepper | rtol = atol | steps | f evals | Jacobians | time (ms) | / rk8pd |" + (native ? " --native (ms) | --native / tape |" : ""))
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |" + (native ? " ---: | ---: |" : ""))
        for tolerance in [1e-6, 1e-8] {
            var baseline = 0.0
            // Each stepper landing on the monthly saves, then (after it) with the saves interpolated inside its steps.
            let cases = [Stepper.rk8pd, .rkf45, .rkck, .msadams, .msbdf, .bsimp].flatMap { [($0, false), ($0, true)] }
            for (stepper, interpolate) in cases where (only == nil || only == stepper.rawValue) && (!interpolateSaves || interpolate) {
                var options = modelOptions(for: model, tolerance: tolerance)
                options.saveMode = interpolate ? .interpolate : .land
                if stepper == .bsimp { options.jacobian = .centralDifferences }
                var solution: ODESolution?, nativeSolution: ODESolution?
                var times: [Double] = [], nativeTimes: [Double] = []
                _ = try? solve(tape, stepper, options)  // warm-up solves, untimed
                if let compiled { _ = try? solve(compiled, stepper, options) }
                for _ in 0..<repetitions {
                    times.append(try measure { solution = try solve(tape, stepper, options) })
                    if let compiled { nativeTimes.append(try measure { nativeSolution = try solve(compiled, stepper, options) }) }
                }
                precondition(nativeSolution == nil || nativeSolution!.values == solution!.values, "--native changed the path")
                let s = solution!.statistics
                let time = median(times)
                if stepper == .rk8pd && !interpolate { baseline = time }
                let ok = solution!.isSuccessful ? "" : " (\(solution!.returnCode))"
                let ratio = baseline > 0 ? format(time / baseline, digits: 2) : "-"
                let nativeColumns = native ? " \(format(median(nativeTimes) * 1e3, digits: 2)) | \(format(median(nativeTimes) / time, digits: 2)) |" : ""
                print("| \(stepper)\(interpolate ? ", interpolated saves" : "")\(ok) | \(tolerance) | \(s.steps) | \(s.functionEvaluations) | \(s.jacobianEvaluations) | \(format(time * 1e3, digits: 2)) | \(ratio) |" + nativeColumns)
            }
        }
    }
}

/// Runs per second of the default path (7 years, monthly output), one core
/// against all cores in the same run.
struct Throughput: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs per second of the default 7-year monthly path: one core, then every core.")

    @Option(help: "Runs per measurement.")
    var runs = 400

    @Option(help: "Stepper.")
    var solver = "msbdf"

    @Option(help: "rtol = atol.")
    var tolerance = 1e-6

    @Flag(help: "The model's right-hand side compiled to machine code (NativeModels) instead of run on the tape.")
    var native = false

    func run() throws {
        if native { try NativeModels.install() }
        guard let stepper = Stepper(rawValue: solver) else { throw ValidationError("unknown stepper \(solver)") }
        let model = try reverseQEModel()
        let settings = modelOptions(for: model, tolerance: tolerance)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        func rate(threads: Int) -> Double {
            Double(runs) / measure {
                DispatchQueue.concurrentPerform(iterations: threads) { worker in
                    // One problem per thread: a problem's scratch space is not for two threads at once.
                    let problem = model.problem()
                    var k = worker
                    while k < runs {
                        _ = try? solve(problem, stepper, settings)
                        k += threads
                    }
                }
            }
        }
        _ = rate(threads: 1)
        let one = rate(threads: 1), all = rate(threads: cores)
        print("Default path (2025-2032, monthly output), \(solver) at \(tolerance), \(runs) runs a measurement:")
        print("")
        print("| threads | runs per second | speed-up |")
        print("| ---: | ---: | ---: |")
        print("| 1 | \(format(one)) | 1.00 |")
        print("| \(cores) | \(format(all)) | \(format(all / one, digits: 2)) |")
    }
}

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
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scipy/model.py").path

    func run() throws {
        if native { try NativeModels.install() }
        print("Default path 2025-2032, monthly output; medians of \(repetitions) solves (C, Swift\(native ? " with --native" : "")) and \(scipyRepetitions) (SciPy).")
        print("")
        print("| regime | GSL stepper / SciPy method | rtol = atol | steps C / Swift / SciPy | f evals C / Swift / SciPy | difference C / SciPy | C (ms) | Swift (ms) | SciPy (ms) | Swift / C | SciPy / Swift |")
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
                    var cSteps: UInt = 0, cEvaluations: UInt = 0, saved: Int32 = 0
                    var solution: ODESolution?
                    var cTimes: [Double] = [], swiftTimes: [Double] = []
                    // Adjacent C and Swift solves, in alternating order; each
                    // pair's ratio cancels drifts in the machine's speed.
                    for k in 0..<repetitions {
                        let runC = {
                            cTimes.append(measure {
                                saved = cmodel_solve(
                                    code, stepper.rawValue, tolerance, tolerance, 2032, &output, output.count, &cSteps,
                                    &cEvaluations)
                            })
                        }
                        if k % 2 == 0 { runC() }
                        swiftTimes.append(try measure { solution = try solve(problem, stepper, options) })
                        if k % 2 == 1 { runC() }
                    }
                    let s = solution!
                    precondition(saved == Int32(s.count), "C saved \(saved) points, Swift \(s.count)")
                    let c = median(cTimes), swift = median(swiftTimes)
                    let ratio = median(zip(swiftTimes, cTimes).map { $0 / $1 })
                    let py = withoutScipy ? nil : try scipy(regime: regime, method: method, tolerance: tolerance)
                    if let py {
                        precondition(py.path.count == s.values.count, "SciPy saved \(py.path.count / 26) points, Swift \(s.count)")
                    }
                    let dash = "-"
                    let row = "| \(regime) | \(stepper) / \(method) | \(tolerance) "
                        + "| \(cSteps) / \(s.statistics.steps) / \(py.map { "\($0.steps)" } ?? dash) "
                        + "| \(cEvaluations) / \(s.statistics.functionEvaluations) / \(py.map { "\($0.evaluations)" } ?? dash) "
                        + "| \(scientific(largestDifference(s.values, output))) / \(py.map { scientific(largestDifference(s.values, $0.path)) } ?? dash) "
                        + "| \(format(c * 1e3, digits: 2)) | \(format(swift * 1e3, digits: 2)) | \(py.map { format($0.seconds * 1e3, digits: 0) } ?? dash) "
                        + "| \(format(ratio, digits: 2)) | \(py.map { format($0.seconds / swift, digits: 0) } ?? dash) |"
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
        try Self.scipy(python: python, regime: regime, method: method, tolerance: tolerance, repetitions: scipyRepetitions)
    }

    /// One SciPy solve of the default path by `Tests/SciPyReference/model.py`: the saved
    /// states in order (t left out, 26 to a time) and its timing line.
    static func scipy(python: String, regime: String, method: String, tolerance: Double, repetitions: Int) throws
        -> (path: [Double], seconds: Double, evaluations: Int, steps: Int)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, Self.script, "--method", method, "--rtol", "\(tolerance)",
                             "--regime", "\(regime)", "--repetitions", "\(repetitions)"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let csv = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(python) \(Self.script) failed (exit \(process.terminationStatus)): \(log)")
        }
        let path = csv.split(separator: "\n").dropFirst().flatMap { $0.split(separator: ",").dropFirst().map { Double($0)! } }
        let fields = log.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard let at = fields.firstIndex(of: "median_seconds"), at + 5 < fields.count,
              let seconds = Double(fields[at + 1]), let evaluations = Int(fields[at + 3]), let steps = Int(fields[at + 5])
        else {
            throw ValidationError("no timing line in the output of \(Self.script): \(log)")
        }
        return (path, seconds, evaluations, steps)
    }
}

/// How the cost of one solve grows with the horizon and the number of risk
/// classes: each of MODEL.md's four classes split into k equal copies (value
/// and sovereign holdings divided by k, the rest kept), so the economy is the
/// same and only the dimension grows.
struct Scaling: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cost of one solve against the horizon and the number of risk classes (4, 16, 64).",
        discussion: "The baseline in the same run is the default: 4 classes to 2032, same stepper; each row's ratio is its time over that.")

    @Option(help: "Timed repetitions of each case.")
    var repetitions = 5

    @Option(help: "Relative and absolute tolerance.")
    var tolerance = 1e-6

    /// The settings that split each risk class into `classes / 4` equal copies, to `horizon`.
    static func settings(classes: Int, horizon: Double) throws -> ModelSettings {
        let base = try reverseQEModel()
        let members = base.members(of: "risk")
        let copies = classes / members.count
        var settings = ModelSettings(end: horizon)
        guard copies > 1 else { return settings }
        settings.sets["risk"] = members.flatMap { m in (1...copies).map { "\(m)\($0)" } }
        for p in reverseQE.parameters {
            guard case .member("risk") = p.index else { continue }
            for m in members {
                let value = base.parameter("\(p.name)[\(m)]")!
                for k in 1...copies { settings.parameters["\(p.name)[\(m)\(k)]"] = p.name == "Q" || p.name == "qS0" ? value / Double(copies) : value }
            }
        }
        return settings
    }

    func run() throws {
        print("Median of \(repetitions) solves, rtol = atol = \(tolerance), monthly output (release build).")
        print("")
        print("| stepper | risk classes | states | horizon | steps | f evals | time (ms) | / 4 classes to 2032 |")
        print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
        for stepper in [Stepper.msbdf, .rk8pd] {
            var baseline = 0.0
            for classes in [4, 16, 64] {
                for horizon in [2032.0, 2040, 2050] {
                    let model = try reverseQEModel(try Self.settings(classes: classes, horizon: horizon))
                    let options = modelOptions(for: model, tolerance: tolerance)
                    let problem = model.problem()
                    var solution: ODESolution?
                    var times: [Double] = []
                    _ = try? solve(problem, stepper, options)  // a warm-up solve, untimed
                    for _ in 0..<repetitions {
                        times.append(try measure { solution = try solve(problem, stepper, options) })
                    }
                    let time = median(times)
                    if classes == 4 && horizon == 2032 { baseline = time }
                    let s = solution!
                    let ok = s.isSuccessful ? "" : " (\(s.returnCode) at \(format(s.lastGoodTime, digits: 2)))"
                    print("| \(stepper) | \(classes) | \(model.stateNames.count) | 2025-\(Int(horizon))\(ok) | \(s.statistics.steps) | \(s.statistics.functionEvaluations) | \(format(time * 1e3, digits: 2)) | \(format(time / baseline, digits: 2)) |")
                }
            }
        }
    }
}

/// Single runs of the default model from Python (the package in python/, through
/// ctypes) against the same call made in-process from Swift, in one run.
struct Python: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs per second of liquidity.run() from Python against the same library call from Swift.")

    @Option(help: "Runs per measurement.")
    var runs = 200

    @Option(help: "The request, as the Python package sends it (JSON).")
    var request = #"{"solver": "msbdf", "rtol": 1e-6, "atol": 1e-6}"#

    func run() throws {
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let anchored = String(request.dropLast()) + #", "anchor": "\#(root.appendingPathComponent("Package.swift").path)"}"#
        func swiftRate() -> Double {
            Double(runs) / measure {
                for _ in 0..<runs {
                    let handle = anchored.withCString { liq_run($0) }
                    precondition(liq_status(handle) == 0, String(cString: liq_error(handle)))
                    liq_free(handle)
                }
            }
        }
        // The library this benchmark links, in the same build folder.
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let library = executable.deletingLastPathComponent().appendingPathComponent("libLiquidityC.so").path
        let options = (try JSONSerialization.jsonObject(with: Data(request.utf8)) as? [String: Any] ?? [:])
            .map { "\($0.key)=\(($0.value as? String).map { "'\($0)'" } ?? "\($0.value)")" }.sorted().joined(separator: ", ")
        let script = """
            import time, sys
            sys.path.insert(0, 'python')
            import liquidity
            liquidity.run(\(options))
            start = time.perf_counter()
            for _ in range(\(runs)):
                liquidity.run(\(options))
            print(\(runs) / (time.perf_counter() - start))
            """
        func pythonRate() throws -> Double {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script]
            process.environment = ProcessInfo.processInfo.environment.merging(["LIQUIDITY_LIBRARY": library]) { $1 }
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            process.waitUntilExit()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            guard process.terminationStatus == 0, let rate = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw ValidationError("the Python measurement failed: \(text)")
            }
            return rate
        }
        _ = swiftRate()
        // Alternate the two, twice each, and keep each one's better rate.
        var swift = 0.0, python = 0.0
        for _ in 0..<2 {
            swift = max(swift, swiftRate())
            python = max(python, try pythonRate())
        }
        print("Single runs of the default model (request \(request)), \(runs) runs a measurement, one core:")
        print("")
        print("| caller | runs per second | ratio |")
        print("| --- | ---: | ---: |")
        print("| Swift, liq_run in-process | \(format(swift)) | 1.00 |")
        print("| Python, liquidity.run() (DataFrame) | \(format(python)) | \(format(python / swift, digits: 2)) |")
    }
}

/// GSL's implicit steppers on the default path with the small LU (Sources/SmallLU)
/// against GSL's own LU, in the same run.
struct LU: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solves per second of MODEL.md's default path by GSL's implicit steppers with the small LU and with GSL's own.")

    @Option(help: "Solves per measurement.")
    var runs = 200

    @Option(help: "rtol = atol.")
    var tolerance = 1e-6

    @Flag(help: "The model's right-hand side compiled to machine code (NativeModels) instead of run on the tape.")
    var native = false

    func run() throws {
        if native { try NativeModels.install() }
        let model = try reverseQEModel()
        let settings = modelOptions(for: model, tolerance: tolerance)
        let problem = model.problem()
        func rate(_ stepper: Stepper, small: Bool) -> (rate: Double, factorisations: Int) {
            IterationMatrixLU.isEnabled = small
            defer { IterationMatrixLU.isEnabled = true }
            let before = IterationMatrixLU.factorisations
            let seconds = measure { for _ in 0..<runs { _ = try? solve(problem, stepper, settings) } }
            return (Double(runs) / seconds, (IterationMatrixLU.factorisations - before) / runs)
        }
        print("MODEL.md's default path (models/reverse-qe.sfc, 26 states), rtol = atol = \(tolerance), \(runs) solves a measurement, the small LU in \(IterationMatrixLU.usesAVX2 ? "AVX2" : "plain C"):")
        print("")
        print("| stepper | GSL's LU, solves/s | small LU, solves/s | speed-up | small-LU factorisations a solve |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for stepper in [Stepper.msbdf, .bsimp, .rk2imp] {
            _ = rate(stepper, small: true)
            var gsl = 0.0, small = 0.0, count = 0
            // Alternate, twice each, and keep each one's better rate.
            for _ in 0..<2 {
                gsl = max(gsl, rate(stepper, small: false).rate)
                let measured = rate(stepper, small: true)
                small = max(small, measured.rate)
                count = measured.factorisations
            }
            print("| \(stepper) | \(format(gsl)) | \(format(small)) | \(format(small / gsl, digits: 2)) | \(count) |")
        }
    }
}

/// Error against a 1e-13 reference versus time per solve, for GSL's steppers from Swift
/// (the model file) and from C (its plain-C port), SUNDIALS CVODE on the C port, and
/// SciPy's solvers on its Python port, all on MODEL.md's default path; drawn as SVG
/// and PNG.
struct WorkPrecision: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work-precision",
        abstract: "Work-precision diagram of MODEL.md's default path: error against a 1e-13 reference versus time per solve.")

    @Option(help: "Where to write the diagram (.svg; a .png beside it where rsvg-convert is installed).")
    var write = "docs/work-precision.svg"

    @Option(help: "Include SciPy's solvers (slow), through Tests/SciPyReference/model.py.")
    var scipy = true

    struct Point { var tolerance: Double, error: Double, seconds: Double }

    /// The error of `states` (85 monthly states of 26 values) against the reference: the largest |y - ref| / max(1, |ref|).
    static func error(_ states: [[Double]], _ reference: [[Double]]) -> Double {
        guard states.count == reference.count else { return .infinity }
        var worst = 0.0
        for (a, b) in zip(states, reference) { for (u, v) in zip(a, b) { worst = max(worst, abs(u - v) / max(1, abs(v))) } }
        return worst
    }

    /// Seconds per call of `body`, the best of three batches of at least 0.1 s.
    static func seconds(_ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<3 {
            var calls = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            repeat {
                body()
                calls += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            } while elapsed < 0.1
            best = min(best, elapsed / Double(calls))
        }
        return best
    }

    static func cSolve(_ stepper: String?, _ tolerance: Double) -> [[Double]]? {
        var out = [Double](repeating: 0, count: 26 * 200)
        var steps: UInt = 0, evaluations: UInt = 0
        let saved: Int32
        if let stepper {
            saved = stepper.withCString { cmodel_solve(0, $0, tolerance, tolerance, 2032.0, &out, out.count, &steps, &evaluations) }
        } else {
            #if LIQUIDITY_CVODE
            saved = cvode_model_solve(0, tolerance, tolerance, 2032.0, &out, out.count, &steps, &evaluations)
            #else
            return nil
            #endif
        }
        guard saved > 0 else { return nil }
        return (0..<Int(saved)).map { Array(out[($0 * 26)..<($0 * 26 + 26)]) }
    }

    func run() throws {
        let tolerances = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]
        guard let reference = Self.cSolve("rk8pd", 1e-13) else { throw ValidationError("the reference solve failed") }
        let model = try reverseQEModel()
        let problem = model.problem()
        /// A method's points: its error and time per solve at each tolerance it solves at.
        func measured(_ name: String, _ solveAt: (Double) -> [[Double]]?) -> (name: String, points: [Point]) {
            (name, tolerances.compactMap { tolerance in
                solveAt(tolerance).map { Point(tolerance: tolerance, error: Self.error($0, reference), seconds: Self.seconds { _ = solveAt(tolerance) }) }
            })
        }
        var series: [(name: String, points: [Point])] = []
        for stepper in [Stepper.msbdf, .rk8pd, .rkf45] {
            series.append(measured("GSL \(stepper), Swift") { tolerance in
                guard let solution = try? solve(problem, stepper, modelOptions(for: model, tolerance: tolerance)), solution.returnCode == .success else { return nil }
                return (0..<solution.count).map { solution.state($0) }
            })
        }
        // The same with the right-hand side compiled to machine code (--native).
        try NativeModels.install()
        let native = model.problem()
        NativeCode.uninstall()
        for stepper in [Stepper.msbdf, .rk8pd, .rkf45] {
            series.append(measured("GSL \(stepper), Swift --native") { tolerance in
                guard let solution = try? solve(native, stepper, modelOptions(for: model, tolerance: tolerance)), solution.returnCode == .success else { return nil }
                return (0..<solution.count).map { solution.state($0) }
            })
        }
        for stepper in ["msbdf", "rk8pd", "rkf45"] { series.append(measured("GSL \(stepper), C") { Self.cSolve(stepper, $0) }) }
        let cvode = measured("CVODE (BDF), C") { Self.cSolve(nil, $0) }
        if cvode.points.isEmpty {
            print("(no CVODE: install Debian's libsundials-dev, `scripts/setup.sh --bench`, and build again)")
        } else {
            series.append(cvode)
        }
        if scipy {
            for method in ["BDF", "Radau", "DOP853"] {
                var points: [Point] = []
                for tolerance in tolerances.prefix(5) {
                    guard let run = try? Peers.scipy(python: "python3", regime: "none", method: method, tolerance: tolerance, repetitions: 1) else { continue }
                    let states = stride(from: 0, to: run.path.count, by: 26).map { Array(run.path[$0..<min($0 + 26, run.path.count)]) }
                    points.append(Point(tolerance: tolerance, error: Self.error(states, reference), seconds: run.seconds))
                }
                series.append(("SciPy \(method), Python", points))
            }
        }
        print("MODEL.md's default path (2025-2032, 26 states, monthly output), error against C rk8pd at 1e-13 (largest |y - ref| / max(1, |ref|) over the saved states), time per solve:")
        print("")
        print("| method | " + tolerances.map { "rtol \(String(format: "%.0e", $0))" }.joined(separator: " | ") + " |")
        print("| --- |" + String(repeating: " ---: |", count: tolerances.count))
        for (name, points) in series {
            let cells = tolerances.map { tol in points.first { $0.tolerance == tol }.map { String(format: "%.1e, %.3g ms", $0.error, $0.seconds * 1e3) } ?? "-" }
            print("| \(name) | " + cells.joined(separator: " | ") + " |")
        }
        let svg = Self.diagram(series)
        try svg.write(toFile: write, atomically: true, encoding: .utf8)
        let png = (write as NSString).deletingPathExtension + ".png"
        let convert = Process()
        convert.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        convert.arguments = ["rsvg-convert", "--background-color=white", "-o", png, write]
        try? convert.run()
        convert.waitUntilExit()
        print("")
        print("wrote \(write)" + (convert.terminationStatus == 0 ? " and \(png)" : ""))
    }

    /// The log-log diagram: error across, time per solve up, a line with markers per method.
    static func diagram(_ series: [(name: String, points: [Point])]) -> String {
        // Swift on the tape, Swift --native (dash-dot), C (dashed), CVODE, SciPy (dotted).
        let colors = ["#0072B2", "#56B4E9", "#009E73", "#0072B2", "#56B4E9", "#009E73", "#D55E00", "#E69F00", "#CC79A7", "#000000", "#999999", "#F0E442", "#882255"]
        let dashes = ["", "", "", "10,3,2,3", "10,3,2,3", "10,3,2,3", "6,3", "6,3", "6,3", "", "2,3", "2,3", "2,3"]
        let all = series.flatMap(\.points).filter { $0.error > 0 && $0.error.isFinite }
        let ex = all.map { log10($0.error) }, ey = all.map { log10($0.seconds) }
        let x0 = floor(ex.min() ?? -12), x1 = ceil(ex.max() ?? 0), y0 = floor(ey.min() ?? -4), y1 = ceil(ey.max() ?? 1)
        let width = 900.0, height = 560.0, left = 80.0, right = 620.0, top = 50.0, bottom = 500.0
        func px(_ e: Double) -> Double { left + (log10(e) - x0) / (x1 - x0) * (right - left) }
        func py(_ s: Double) -> Double { bottom - (log10(s) - y0) / (y1 - y0) * (bottom - top) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(left)\" y=\"28\" font-size=\"16\" font-weight=\"bold\">Work and precision: MODEL.md's default path (26 states, 2025-2032)</text>\n"
        for d in stride(from: x0, through: x1, by: 1) {
            let x = left + (d - x0) / (x1 - x0) * (right - left)
            svg += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(bottom)\" stroke=\"#eeeeee\"/>\n"
            svg += "<text x=\"\(x)\" y=\"\(bottom + 18)\" text-anchor=\"middle\" font-size=\"12\">1e\(Int(d))</text>\n"
        }
        for d in stride(from: y0, through: y1, by: 1) {
            let y = bottom - (d - y0) / (y1 - y0) * (bottom - top)
            svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(right)\" y2=\"\(y)\" stroke=\"#eeeeee\"/>\n"
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\" font-size=\"12\">1e\(Int(d)) s</text>\n"
        }
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(right - left)\" height=\"\(bottom - top)\" fill=\"none\" stroke=\"#555555\"/>\n"
        svg += "<text x=\"\((left + right) / 2)\" y=\"\(bottom + 40)\" text-anchor=\"middle\" font-size=\"13\">error against a 1e-13 reference (largest over the monthly states, relative above 1)</text>\n"
        svg += "<text x=\"20\" y=\"\((top + bottom) / 2)\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 20 \((top + bottom) / 2))\">time per solve</text>\n"
        for (k, (name, points)) in series.enumerated() {
            let color = colors[k % colors.count], dash = dashes[k % dashes.count]
            let drawn = points.filter { $0.error > 0 && $0.error.isFinite }.sorted { $0.error > $1.error }
            let path = drawn.map { String(format: "%.1f,%.1f", px($0.error), py($0.seconds)) }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"" + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") + " points=\"\(path)\"/>\n"
            for p in drawn { svg += "<circle cx=\"\(px(p.error))\" cy=\"\(py(p.seconds))\" r=\"3.5\" fill=\"\(color)\"/>\n" }
            let y = top + 10 + Double(k) * 22
            svg += "<line x1=\"\(right + 20)\" y1=\"\(y)\" x2=\"\(right + 50)\" y2=\"\(y)\" stroke=\"\(color)\" stroke-width=\"2\"" + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") + "/>\n"
            svg += "<text x=\"\(right + 56)\" y=\"\(y + 4)\" font-size=\"12\">\(name)</text>\n"
        }
        return svg + "</svg>\n"
    }
}

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
        var dfdy = [Double](repeating: 0, count: n * n), dfdt = [Double](repeating: 0, count: n)
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
        print("\(n) states, \(nonzeros) of \(n * n) Jacobian entries not zero at some saved month (\(Int((100 * Double(nonzeros) / Double(n * n)).rounded()))%); rows with more than half their entries: \(dense.map { model.stateNames[$0] }.joined(separator: ", "))")
        print("")
        for i in 0..<n {
            print(String((0..<n).map { pattern[i * n + $0] ? "x" : "." }) + "  " + model.stateNames[i])
        }
    }
}
