import Application
import ArgumentParser
import CReference
import FileFormats
import FlowModel
import Foundation
import LiquidityC
import Reports
import Solvers

/// How the cost of one solve grows with the horizon and the number of risk
/// classes: each of MODEL.md's four classes split into k equal copies (value
/// and sovereign holdings divided by k, the rest kept), so the economy is the
/// same and only the dimension grows.
struct Scaling: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cost of one solve against the horizon and the number of risk classes (4, 16, 64).",
        discussion:
            """
            The baseline in the same run is the default: 4 classes to 2032, same stepper; each row's ratio is \
            its time over that.
            """
    )

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
                for k in 1...copies {
                    settings.parameters["\(p.name)[\(m)\(k)]"] =
                        p.name == "Q" || p.name == "qS0" ? value / Double(copies) : value
                }
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
                    print(
                        """
                        | \(stepper) | \(classes) | \(model.stateNames.count) | 2025-\(Int(horizon))\(ok) | \
                        \(s.statistics.steps) | \(s.statistics.functionEvaluations) | \
                        \(format(time * 1e3, digits: 2)) | \(format(time / baseline, digits: 2)) |
                        """
                    )
                }
            }
        }
    }
}
