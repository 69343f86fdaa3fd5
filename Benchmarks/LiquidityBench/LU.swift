import Application
import ArgumentParser
import CReference
import FileFormats
import FlowModel
import Foundation
import LiquidityC
import Reports
import Solvers

/// GSL's implicit steppers on the default path with the small LU (Sources/SmallLU)
/// against GSL's own LU, in the same run.
struct LU: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            """
            Solves per second of MODEL.md's default path by GSL's implicit steppers with the small LU and with \
            GSL's own.
            """
    )

    @Option(help: "Solves per measurement.")
    var runs = 200

    @OptionGroup var flags: SolveFlags

    func run() throws {
        let model = try flags.model()
        let settings = modelOptions(for: model, tolerance: flags.tolerance)
        let problem = model.problem()
        func rate(_ stepper: Stepper, small: Bool) -> (rate: Double, factorisations: Int) {
            IterationMatrixLU.isEnabled = small
            defer { IterationMatrixLU.isEnabled = true }
            let before = IterationMatrixLU.factorisations
            let seconds = measure { for _ in 0..<runs { _ = try? solve(problem, stepper, settings) } }
            return (Double(runs) / seconds, (IterationMatrixLU.factorisations - before) / runs)
        }
        print(
            """
            MODEL.md's default path (models/reverse-qe.sfc, 26 states), rtol = atol = \(flags.tolerance), \(runs) \
            solves a measurement, the small LU in \(IterationMatrixLU.usesAVX2 ? "AVX2" : "plain C"):
            """
        )
        print("")
        print("| stepper | GSL's LU, solves/s | small LU, solves/s | speed-up | small-LU factorisations a solve |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for stepper in [Stepper.msbdf, .bsimp, .rk2imp] {
            _ = rate(stepper, small: true)
            var gsl = 0.0
            var small = 0.0
            var count = 0
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
