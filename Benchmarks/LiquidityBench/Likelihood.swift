import Application
import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import Solvers

/// The cost of one log-posterior evaluation of `liquidity estimate`'s default file (issue 24), or
/// of the priced model's (`--model priced`, issue 23), with each stepper and tolerance, against
/// msbdf at 1e-8 in the same run, and each one's error in the log posterior against rk8pd at 1e-10.
struct LikelihoodBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "likelihood",
        abstract: """
            Log-posterior evaluations of calibration/estimate-liquidity.toml (or, with --model priced, of \
            estimate-liquidity-priced.toml) per stepper and tolerance, against \
            msbdf at 1e-8 in the same run, with each one's error against rk8pd at 1e-10.
            """)

    @Option(help: "Evaluations per setting (points near the start, one thread).")
    var runs = 40

    @Option(help: "liquidity (models/liquidity.sfc) or priced (models/liquidity-priced.sfc).")
    var model = "liquidity"

    @Flag(
        help: """
            Only the estimation file's own stepper and tolerance, no reference and no timing: what callgrind \
            counts (instructions per evaluation: the difference of two --runs, divided by their difference).
            """)
    var countOnly = false

    @Flag(help: "Right-hand sides compiled to machine code (the tool's --native).")
    var native = false

    @Flag(
        help: """
            Throughput: --runs evaluations at new points spread over every core with the estimation file's \
            stepper and tolerance, on the tape and then as machine code, in the same run.
            """)
    var allCores = false

    @Option(help: "With --all-cores: the tape's evaluations (default: --runs), the baseline of the ratio.")
    var baselineRuns: Int?

    func run() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
        guard ["liquidity", "priced"].contains(model) else {
            throw ValidationError("--model \(model): allowed: liquidity, priced")
        }
        if native { try NativeModels.install() }
        let name = model == "priced" ? "liquidity-priced" : "liquidity"
        let job = try EstimationJob(
            model: path("models/\(name).sfc"), config: path("calibration/\(name).toml"),
            file: path("calibration/estimate-\(name).toml"), data: path("data"))
        let start = try job.estimation.startingValues()
        // Points a little off the start, the same in every setting.
        var rng = SeededGenerator(seed: 3)
        let points = (0..<runs).map { _ in
            zip(start, job.estimation.parameters).map { x, p in
                min(max(x + 0.002 * (p.upper - p.lower) * (rng.unit() - 0.5), p.lower), p.upper)
            }
        }
        func variant(_ stepper: Stepper, _ tolerance: Double) -> Estimation {
            var estimation = job.estimation
            estimation.stepper = stepper
            estimation.tolerance = tolerance
            return estimation
        }
        if allCores {
            print("| right-hand side | evaluations | wall (s) | per evaluation (ms) | 100,000 take (min) | ratio |")
            print("| --- | ---: | ---: | ---: | ---: | ---: |")
            var tape = 0.0
            for machineCode in [false, true] {
                if machineCode { try NativeModels.install() } else { NativeCode.uninstall() }
                let estimation = job.estimation
                let sample = machineCode ? points : Array(points.prefix(baselineRuns ?? runs))
                // A compile (for machine code, the C compiler's too) outside the clock.
                _ = estimation.posterior(points[0])
                let failed = Counter()
                let seconds = measure {
                    DispatchQueue.concurrentPerform(iterations: sample.count) { k in
                        if !estimation.posterior(sample[k]).logPosterior.isFinite { failed.add() }
                    }
                }
                let each = seconds / Double(sample.count)
                if !machineCode { tape = each }
                print(
                    "| \(machineCode ? "machine code (--native)" : "tape") | \(sample.count) | "
                        + "\(format(seconds, digits: 1)) | \(format(1000 * each, digits: 2)) | "
                        + "\(format(each * 100_000 / 60, digits: 1)) | \(format(tape / each, digits: 2))x |")
                if failed.value > 0 { print("(\(failed.value) evaluations failed)") }
            }
            print("(\(ProcessInfo.processInfo.activeProcessorCount) cores)")
            return
        }
        if countOnly {
            let values = points.map { job.estimation.posterior($0).logPosterior }
            let settings = "\(job.estimation.stepper.rawValue) at \(job.estimation.tolerance)"
            print("\(runs) evaluations with \(settings); last \(values.last ?? .nan)")
            return
        }
        let reference = variant(.rk8pd, 1e-10)
        let exact = points.map { reference.posterior($0).logPosterior }
        let settings: [(Stepper, Double)] = [
            (.msbdf, 1e-8), (.msbdf, 1e-6), (.rkf45, 1e-7), (.rkf45, 1e-6), (.rk8pd, 1e-8),
        ]
        print("| stepper | tolerance | per evaluation (ms) | against msbdf 1e-8 | largest log-posterior error |")
        print("| --- | ---: | ---: | ---: | ---: |")
        var baseline = 0.0
        for (stepper, tolerance) in settings {
            let estimation = variant(stepper, tolerance)
            var values: [Double] = []
            let seconds = measure { values = points.map { estimation.posterior($0).logPosterior } }
            if baseline == 0 { baseline = seconds }
            let error = zip(values, exact).map { abs($0 - $1) }.max() ?? .nan
            print(
                "| \(stepper.rawValue) | \(tolerance) | \(format(1000 * seconds / Double(runs), digits: 2)) | "
                    + "\(format(baseline / seconds, digits: 2))x | \(String(format: "%.2g", error)) |")
        }
    }
}

/// A count shared by threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
