import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation

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
        let prepared = try PreparedModel(inputs, solver)
        let model = try prepared.model(regime)
        let sectors = Sector.allCases.map(\.rawValue)
        if symbolic {
            let rows = zip(model.transactions.rows, model.transactions.symbolic).map { [$0.0.label] + $0.1 }
            print(format.render(title: "transactions-flow matrix (MODEL.md section 2)", header: ["flow"] + sectors, rows: rows))
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
        var state = model.initialState
        if t > p.t0 {
            let settings = try solver.settings
            var options = settings.options(for: model)
            options.saveAt = .times([p.t0, t])
            let path = try model.run(settings.stepper, options: options)
            guard path.solution.isSuccessful else {
                throw StoppedEarly(description: "the solver stopped at t = \(path.solution.lastGoodTime) before \(t): \(path.solution.failure?.message ?? "")")
            }
            state = path.solution.state(1)
        }
        let date = DecimalYear.isoDate(t)
        for matrix in [model.balanceSheetMatrix(at: t, state), model.transactionsFlowMatrix(at: t, state)] {
            let number = { (value: Double) in String(format: "%.6f", value) }
            var rows = zip(matrix.rowLabels, matrix.values).enumerated().map { index, pair in
                [pair.0] + pair.1.map(number) + [number(matrix.rowSums[index]), number(matrix.rowTargets[index])]
            }
            rows.append(["column sum"] + matrix.columnSums.map(number) + ["", ""])
            print(format.render(
                title: "\(matrix.title) at \(date) (t = \(t)), regime \(regime)",
                header: ["row"] + sectors + ["row sum", "must be"], rows: rows))
            // The cash row is the integrated redundant equation: it balances to
            // the solver's tolerance, not to rounding.
            let relative = max(1e-10, 10 * solver.rtol)
            let leaks = matrix.leaks(absolute: 10 * solver.atol, relative: relative)
            if format == .table {
                print(leaks.isEmpty
                    ? "balanced: every row and column sums to what it must (to \(relative) relative)\n"
                    : leaks.map { "LEAK: \($0)" }.joined(separator: "\n") + "\n")
            } else {
                print(leaks.map { "LEAK: \($0)" }.joined(separator: "\n"))
            }
        }
    }
}
