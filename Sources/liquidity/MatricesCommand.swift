import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import Solvers

struct Matrices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the balance-sheet and transactions-flow matrices at a date, with row and column sums.",
        discussion: """
            Stocks in $T, flows in $T/yr. The monetary system's cash liability is taken from its own \
            books (Bf + Af + Lo), so the cash row's sum is the residual of the redundant equation:
            rows and columns are checked to max(1e-10, 10 x rtol) of their largest entry. \
            --symbolic prints the transactions-flow matrix as MODEL.md writes it.

            Examples:
              liquidity matrices --at 2027-01-01
              liquidity matrices --at 2028.5 --regime buyer --format latex > matrices.tex
              liquidity matrices --symbolic --format markdown
            """)

    @OptionGroup var inputs: ModelInputOptions
    @OptionGroup var solver: SolverSettings

    @Option(help: ArgumentHelp("Date of the matrices: a decimal year or YYYY-MM-DD (default t0).", valueName: "date"))
    var at: String?

    @Option(help: "Fed regime: \(FedRegime.names).")
    var regime: FedRegime = .none

    @Option(help: "Output format: table, csv, markdown, latex.")
    var format: TableFormat = .table

    @Flag(help: "Print the symbolic transactions-flow matrix instead of numbers.")
    var symbolic = false

    func run() throws {
        if let file = inputs.model {
            try solver.check()
            let source = try ModelFiles.source(file)
            let choices = source.choices.contains { $0.name == "regime" } ? ["regime": regime.rawValue] : [:]
            let model = try ModelFiles.compile(file, settings: try inputs.modelSettings(file, choices: choices))
            var t = model.t0
            if let at {
                guard let value = DecimalYear.parse(at), value >= model.t0, value <= model.t1 else {
                    throw InputError("--at \(at): must be a time within the span, \(model.t0) to \(model.t1)")
                }
                t = value
            }
            var state = model.initialState
            if t > model.t0 {
                var options = SolverOptions(relativeTolerance: solver.rtol, absoluteTolerance: .scalar(solver.atol), saveAt: .times([model.t0, t]))
                options.maxSteps = solver.maxSteps
                let (solution, _) = try model.run(try solver.stepper, options: options)
                guard solution.isSuccessful else { throw SolveFailure(label: file, stepper: try solver.stepper, solution: solution) }
                state = solution.state(1)
            }
            for matrix in model.matrixValues(at: t, state) { print(Tables.matrix(matrix, at: t, format: format) + "\n") }
            return
        }
        let prepared = try PreparedModel(inputs, solver)
        let model = try prepared.model(regime)
        if symbolic {
            print(Tables.symbolicFlows(model, format: format))
            return
        }
        let p = prepared.parameters
        var t = p.t0
        if let at {
            guard let value = DecimalYear.parse(at) else {
                throw InputError("--at \(at): expected a decimal year (2027.0) or a date (2027-01-01)")
            }
            guard value >= p.t0 && value <= p.t1 else {
                throw InputError("--at \(at): must lie within the simulation, \(DecimalYear.isoDate(p.t0)) to \(DecimalYear.isoDate(p.t1))")
            }
            t = value
        }
        let settings = try solver.settings
        let state = try settings.state(of: model, at: t)
        for matrix in [model.balanceSheetMatrix(at: t, state), model.transactionsFlowMatrix(at: t, state)] {
            print(Tables.matrix(
                matrix, at: t, regime: regime, format: format, relativeTolerance: settings.relativeTolerance,
                absoluteTolerance: settings.absoluteTolerance))
        }
    }
}
