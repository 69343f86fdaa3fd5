import ArgumentParser
import Experiments
import FileFormats
import Foundation
import ModelLanguage
import Solvers

struct Matrices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the model file's matrices (balance sheet, transactions flows) at a date, with row and column sums.",
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
    @OptionGroup var solver: SolverSettings

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
        var choices: [String: String] = [:]
        if let regime { choices["regime"] = regime }
        let model = try ModelFiles.compile(file, settings: try inputs.modelSettings(choices: choices))
        var t = model.t0
        if let at {
            guard let value = DecimalYear.parse(at) else { throw InputError("--at \(at): expected a decimal year (2027.0) or a date (2027-01-01)") }
            guard value >= model.t0, value <= model.t1 else {
                throw InputError("--at \(at): must lie within the simulation, \(model.t0) to \(model.t1)")
            }
            t = value
        }
        let settings = try solver.settings
        let state = try settings.state(of: model, at: t)
        let label = regime.map { "regime \($0)" } ?? model.source.choices.first { $0.name == "regime" }.map { "regime \(model.settings.choices["regime"] ?? $0.defaultOption)" }
        for matrix in model.matrixValues(at: t, state) {
            print(Tables.matrix(
                matrix, at: t, calendar: source.isCalendar, case: label, format: format, relativeTolerance: settings.relativeTolerance,
                absoluteTolerance: settings.absoluteTolerance, decimals: decimals))
        }
    }
}
