import Application
import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

struct Matrices: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrices",
        abstract:
            "Print the model file's matrices (balance sheet, transactions flows) at a date, with row and column sums.",
        discussion: """
            Stocks in $T, flows in $T/yr for the default model. In MODEL.md's model the monetary \
            system's cash liability is taken from its own books (Bf + Af + Lo), so the cash row's sum is \
            the residual of the redundant equation: rows and columns are checked to max(1e-10, 10 x \
            rtol) of their largest entry. --symbolic prints the matrices as the file writes them.

            Examples:
              liquidity matrices --at 2027-01-01
              liquidity matrices --at 2028.5 --regime buyer --format latex > matrices.tex
              liquidity matrices --symbolic --format markdown
              liquidity matrices --model models/gl-pc.sfc --at 50
            """)

    @OptionGroup var inputs: ModelInputOptions
    @OptionGroup var solver: SolverFlags

    @Option(help: ArgumentHelp("Date of the matrices: a decimal year or YYYY-MM-DD (default t0).", valueName: "date"))
    var at: String?

    @Option(help: ArgumentHelp("Fed regime: an option of the model file's choice regime.", valueName: "name"))
    var regime: String?

    @Option(help: "Output format: table, csv, markdown, latex.")
    var format: TableFormat = .table

    @Flag(help: "Print the matrices as the file writes them instead of numbers.")
    var symbolic = false

    @Option(help: "Digits after the point (LaTeX and Markdown leave a cell that rounds to zero blank).")
    var decimals: Int = 6

    func run() throws {
        try solver.check()
        guard (0...12).contains(decimals) else { throw InputError("--decimals \(decimals): allowed 0 to 12") }
        let file = try inputs.modelFile()
        let source = try ModelFiles.source(file)
        if symbolic {
            print(ModelFiles.symbolicMatrices(source, format: format))
            return
        }
        let (model, t, matrices) = try solver.applied(to: inputs.request).matrices(regime: regime, at: at)
        let settings = try solver.settings
        let label =
            regime.map { "regime \($0)" }
            ?? model.source.choices.first { $0.name == "regime" }.map {
                "regime \(model.settings.choices["regime"] ?? $0.defaultOption)"
            }
        for matrix in matrices {
            print(
                Tables.matrix(
                    matrix, at: t, calendar: source.isCalendar, case: label, format: format,
                    relativeTolerance: settings.relativeTolerance,
                    absoluteTolerance: settings.absoluteTolerance, decimals: decimals))
        }
    }
}
