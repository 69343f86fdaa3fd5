import Application
import ArgumentParser
import CReference
import FileFormats
import FlowModel
import Foundation
import LiquidityC
import Reports
import Solvers

/// Runs per second of the default path (7 years, monthly output), one core
/// against all cores in the same run.
struct Throughput: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs per second of the default 7-year monthly path: one core, then every core.")

    @Option(help: "Runs per measurement.")
    var runs = 400

    @Option(help: "Stepper.")
    var solver = "msbdf"

    @OptionGroup var flags: SolveFlags

    func run() throws {
        guard let stepper = Stepper(rawValue: solver) else { throw ValidationError("unknown stepper \(solver)") }
        let model = try flags.model()
        let settings = modelOptions(for: model, tolerance: flags.tolerance)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        func rate(threads: Int) -> Double {
            Double(runs)
                / measure {
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
        let one = rate(threads: 1)
        let all = rate(threads: cores)
        print("Default path (2025-2032, monthly output), \(solver) at \(flags.tolerance), \(runs) runs a measurement:")
        print("")
        print("| threads | runs per second | speed-up |")
        print("| ---: | ---: | ---: |")
        print("| 1 | \(format(one)) | 1.00 |")
        print("| \(cores) | \(format(all)) | \(format(all / one, digits: 2)) |")
    }
}
