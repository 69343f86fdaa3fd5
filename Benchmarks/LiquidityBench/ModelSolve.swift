import Application
import ArgumentParser
import CReference
import FileFormats
import FlowModel
import Foundation
import LiquidityC
import Reports
import Solvers

/// One solve of the default model path (MODEL.md's parameters, no buyer,
/// 2025-2032, monthly output) per stepper and tolerance.
struct ModelSolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Time one solve of the default path (7 years, monthly output) per stepper and tolerance.",
        discussion:
            "The baseline in the same run is rk8pd at the same tolerance: each row's ratio is its time over rk8pd's.")

    @Option(help: "Timed repetitions of each case.")
    var repetitions = 11

    @Option(help: "Only this stepper (for profiling).")
    var only: String?

    @Flag(help: "Only the solves with the monthly saves interpolated inside steps.")
    var interpolateSaves = false

    @Flag(
        help:
            """
            Each case also with the model's right-hand side compiled to machine code (NativeModels), timed \
            alternately with the tape; its ratio is to the tape's time.
            """
    )
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
        print(
            """
            Default path of models/reverse-qe.sfc, \(model.stateNames.count) states, median of \(repetitions) \
            solves (release build).
            """
        )
        print("")
        print(
            "| stepper | rtol = atol | steps | f evals | Jacobians | time (ms) | / rk8pd |"
                + (native ? " --native (ms) | --native / tape |" : ""))
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |" + (native ? " ---: | ---: |" : ""))
        for tolerance in [1e-6, 1e-8] {
            var baseline = 0.0
            // Each stepper landing on the monthly saves, then (after it) with the saves interpolated inside its steps.
            let cases = [Stepper.rk8pd, .rkf45, .rkck, .msadams, .msbdf, .bsimp].flatMap { [($0, false), ($0, true)] }
            for (stepper, interpolate) in cases
            where (only == nil || only == stepper.rawValue) && (!interpolateSaves || interpolate) {
                var options = modelOptions(for: model, tolerance: tolerance)
                options.saveMode = interpolate ? .interpolate : .land
                if stepper == .bsimp { options.jacobian = .centralDifferences }
                var solution: ODESolution?
                var nativeSolution: ODESolution?
                var times: [Double] = []
                var nativeTimes: [Double] = []
                _ = try? solve(tape, stepper, options)  // warm-up solves, untimed
                if let compiled { _ = try? solve(compiled, stepper, options) }
                for _ in 0..<repetitions {
                    times.append(try measure { solution = try solve(tape, stepper, options) })
                    if let compiled {
                        nativeTimes.append(try measure { nativeSolution = try solve(compiled, stepper, options) })
                    }
                }
                precondition(
                    nativeSolution == nil || nativeSolution!.values == solution!.values, "--native changed the path")
                let s = solution!.statistics
                let time = median(times)
                if stepper == .rk8pd && !interpolate { baseline = time }
                let ok = solution!.isSuccessful ? "" : " (\(solution!.returnCode))"
                let ratio = baseline > 0 ? format(time / baseline, digits: 2) : "-"
                let nativeColumns =
                    native
                    ? """
                     \(format(median(nativeTimes) * 1e3, digits: 2)) | \
                    \(format(median(nativeTimes) / time, digits: 2)) |
                    """
                    : ""
                print(
                    """
                    | \(stepper)\(interpolate ? ", interpolated saves" : "")\(ok) | \(tolerance) | \(s.steps) | \
                    \(s.functionEvaluations) | \(s.jacobianEvaluations) | \(format(time * 1e3, digits: 2)) | \
                    \(ratio) |
                    """
                        + nativeColumns)
            }
        }
    }
}
