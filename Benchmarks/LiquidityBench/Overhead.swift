import Application
import ArgumentParser
import CReference
import FileFormats
import FlowModel
import Foundation
import LiquidityC
import Reports
import Solvers

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
        print(
            """
            Wrapper overhead: median of \(repetitions) solves each, rtol = atol = \(tolerance), first step \
            \(initialStep).
            """
        )
        print("")
        print("| problem | stepper | steps C / Swift | f evals C / Swift | C (µs) | Swift (µs) | Swift / C |")
        print("| --- | --- | --- | --- | ---: | ---: | ---: |")
        for bench in Self.cases {
            let n = bench.initialState.count
            let saveTimes =
                [0.0]
                + (1...bench.saves).map { k in
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
            let c = median(cTimes)
            let swift = median(swiftTimes)
            let stats = solution.statistics
            print(
                "| \(bench.name) | \(bench.stepper) | \(cStats.steps) / \(stats.steps) | "
                    + "\(cStats.evaluations) / \(stats.functionEvaluations) | "
                    + "\(format(c * 1e6)) | \(format(swift * 1e6)) | \(format(swift / c, digits: 3)) |")
        }
    }
}
