import Application
import ArgumentParser
import CReference
import FileFormats
import FlowModel
import Foundation
import LiquidityC
import Reports
import Solvers

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
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
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
    var options = SolverOptions(
        relativeTolerance: tolerance, absoluteTolerance: .scalar(tolerance), saveAt: .interval(1.0 / 12))
    options.tstops = model.tstops
    return options
}

/// The options of the benchmarks that solve MODEL.md's default path.
struct SolveFlags: ParsableArguments {
    @Option(help: "rtol = atol.")
    var tolerance = 1e-6

    @Flag(help: "The model's right-hand side compiled to machine code (NativeModels) instead of run on the tape.")
    var native = false

    /// MODEL.md's model, compiled, with its right-hand side as machine code when asked for.
    func model() throws -> CompiledModel {
        if native { try NativeModels.install() }
        return try reverseQEModel()
    }
}
