import ArgumentParser
import FlowModel
import Foundation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve the same path under several Fed regimes and compare them (the default command).",
        discussion: """
            Prints, per regime: the end price and largest drawdown of every risk class, peak rb and sc, \
            the change in the Fed's Treasuries Bf, total sovereign sales, the first date idle cash L falls \
            below --idle-cash-floor, and the AI share of the IG index at the end; then the differences \
            from the first regime. With --counterfactual, each regime is also solved without the AI boom \
            (I1 = I0) and the boom's part of every number is printed.

            Writes compare.csv (tidy: t,date,regime,variable,value), series_<regime>.csv per run (as \
            `run` writes series.csv), units.csv and manifest.json into --out.

            Examples:
              liquidity compare
              liquidity compare --regimes none,buyer --counterfactual --out out/attribution
              liquidity compare --set k_f=40 --idle-cash-floor 2 --solver msbdf --rtol 1e-8
            """)

    @OptionGroup var inputs: ModelInputOptions
    @OptionGroup var solver: SolverSettings
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Fed regimes, comma-separated: none, reserves, buyer, share.", valueName: "list"))
    var regimes: String = "none,reserves,buyer"

    @Flag(help: "Also solve each regime without the AI boom (I1 = I0) and attribute the difference.")
    var counterfactual = false





    @Flag(help: "Also write the Jupyter notebook reverse_qe.ipynb, its script reverse_qe.py and matrices.csv.")
    var notebook = false

    @Option(name: .customLong("matrices-at"), help: ArgumentHelp(
        "Date of the Godley matrices for --notebook (default one year after the start); a saved date.", valueName: "date"))
    var matricesAt: String?

    func parsedRegimes() throws -> [FedRegime] {
        let names = regimes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty else { throw InputError("--regimes: give at least one of none, reserves, buyer, share") }
        var result: [FedRegime] = []
        for name in names {
            guard let regime = FedRegime(rawValue: name) else {
                throw InputError("--regimes: unknown regime \(name); allowed: none, reserves, buyer, share")
            }
            guard !result.contains(regime) else { throw InputError("--regimes: \(name) is listed twice") }
            result.append(regime)
        }
        return result
    }

    func run() throws {
        let started = Date()
        let progress = Progress(quiet: output.quiet)
        let regimes = try parsedRegimes()
        guard output.idleCashFloor.isFinite else { throw InputError("--idle-cash-floor \(output.idleCashFloor): must be finite") }
        let prepared = try PreparedModel(inputs, solver)
        var cases: [(label: String, model: ReverseQEModel)] = []
        for regime in regimes {
            cases.append((regime.rawValue, try prepared.model(regime)))
            if counterfactual {
                let flat = Scenario.noAIBoom(prepared.parameters)
                let scenario = Scenario(name: prepared.scenario.name + "+no-ai-boom", changes: prepared.scenario.changes + flat.changes)
                cases.append(("\(regime.rawValue)/no-ai-boom", try prepared.model(regime, scenario: scenario)))
            }
        }
        let directory = try OutputDirectory(output.out)
        var runs: [(String, ModelRun)] = []
        var outputs: [String] = []
        for (index, entry) in cases.enumerated() {
            progress.report("solving \(entry.label) (\(index + 1) of \(cases.count))")
            let path = try solvePath(entry.model, solver, label: entry.label)
            let file = "series_\(entry.label.replacingOccurrences(of: "/", with: "_")).csv"
            try directory.write(file, CSV.series(path))
            outputs.append(file)
            runs.append((entry.label, path))
        }
        try directory.write("compare.csv", Self.tidy(runs))
        try directory.write("units.csv", CSV.units(runs[0].1.columns))
        outputs = ["compare.csv"] + outputs + ["units.csv", "manifest.json"]
        if output.plot {
            let p = prepared.parameters
            let svg = Charts.dashboard(
                title: "Reverse QE: AI capex, idle cash and the Fed",
                subtitle: "\(DecimalYear.isoDate(p.t0)) to \(DecimalYear.isoDate(p.t1)); configuration \(prepared.configPath)"
                    + (prepared.scenario.changes.isEmpty ? "" : ", scenario \(prepared.scenario.name)")
                    + (counterfactual ? "; dashed reference at 0 in the attribution panels" : "; run with --counterfactual for the AI boom's part"),
                runs: runs, idleCashFloor: output.idleCashFloor)
            outputs += try Charts.write(svg, into: directory)
        }
        var notebookFiles: (date: String, matrices: String)?
        if notebook {
            let first = runs[0].1
            let wanted = try matricesAt.map { text -> Double in
                guard let t = DecimalYear.parse(text) else {
                    throw InputError("--matrices-at \(text): expected a decimal year (2026.0) or a date (2026-01-01)")
                }
                return t
            } ?? min(first.t[0] + 1, first.t.last!)
            guard let index = first.t.firstIndex(where: { abs($0 - wanted) < 1e-9 }) else {
                throw InputError("--matrices-at \(matricesAt ?? ""): not a saved date of the run; pick one on the --save-step grid")
            }
            notebookFiles = (DecimalYear.isoDate(first.t[index]), Notebook.matricesCSV(first, index: index))
            outputs += ["matrices.csv", "reverse_qe.ipynb", "reverse_qe.py"]
        }
        let manifest = try Manifest(
            prepared: prepared, solver: solver, runs: runs, outputs: outputs, started: started,
            regimes: regimes.map(\.rawValue) + (counterfactual ? ["counterfactual"] : []))
        try directory.write("manifest.json", try manifest.json())
        if let notebookFiles {
            try directory.write("matrices.csv", notebookFiles.matrices)
            try directory.write("reverse_qe.ipynb", try Notebook.ipynb(manifest: manifest, matricesDate: notebookFiles.date))
            try directory.write("reverse_qe.py", Notebook.script(matricesDate: notebookFiles.date))
        }

        let p = prepared.parameters
        print("Fed regimes, \(DecimalYear.isoDate(p.t0)) to \(DecimalYear.isoDate(p.t1)); \(solver.solver), rtol \(solver.rtol); config \(prepared.configPath)"
            + (prepared.scenario.changes.isEmpty ? "" : "; scenario \(prepared.scenario.name)"))
        let summaries = runs.map { ($0.0, RunSummary($0.1, idleCashFloor: output.idleCashFloor)) }
        let main = summaries.filter { !$0.0.hasSuffix("/no-ai-boom") }
        print("")
        print(SummaryTable.render(main, classes: p.riskClasses.map(\.name)))
        if main.count > 1 {
            print("")
            print("Differences from \(main[0].0):")
            print(SummaryTable.differences(main.dropFirst().map { ($0.0, $0.1, main[0].1) }, classes: p.riskClasses.map(\.name)))
        }
        if counterfactual {
            let pairs = regimes.map { regime -> (String, RunSummary, RunSummary) in
                let boom = summaries.first { $0.0 == regime.rawValue }!.1
                let flat = summaries.first { $0.0 == "\(regime.rawValue)/no-ai-boom" }!.1
                return (regime.rawValue, boom, flat)
            }
            print("")
            print("AI-boom attribution (with the boom minus without it, I1 = I0):")
            print(SummaryTable.differences(pairs, classes: p.riskClasses.map(\.name)))
        }
        print("")
        print("wrote \(outputs.map { "\(output.out)/\($0)" }.joined(separator: ", "))")
    }

    /// compare.csv: one row per time, run and variable.
    static func tidy(_ runs: [(String, ModelRun)]) -> String {
        var lines = ["t,date,regime,variable,value"]
        for (label, run) in runs {
            for k in run.t.indices {
                let prefix = CSV.number(run.t[k]) + "," + DecimalYear.isoDate(run.t[k]) + "," + label + ","
                for (c, column) in run.columns.enumerated() {
                    lines.append(prefix + column.name + "," + CSV.number(run.values[c][k]))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The printed comparison tables.
enum SummaryTable {
    typealias Row = (label: String, value: (RunSummary) -> String)

    static func percent(_ value: Double) -> String { String(format: "%.2f%%", 100 * value) }
    static func signedPercent(_ value: Double) -> String { String(format: "%+.2f pp", 100 * value) }

    static func rows(_ classes: [String]) -> [Row] {
        var rows: [Row] = []
        for name in classes {
            rows.append(("\(name): price at end", { String(format: "%.4f", $0.endPrice[name]!) }))
            rows.append(("\(name): largest drawdown", { percent($0.largestDrawdown[name]!) }))
        }
        rows += [
            ("peak rb (10-year yield)", { percent($0.peakRb) }),
            ("peak sc (AI spread)", { percent($0.peakSc) }),
            ("change in Bf ($T)", { String(format: "%+.3f", $0.changeInBf) }),
            ("sovereign sales, total ($T)", { String(format: "%.3f", $0.totalSovereignSales) }),
            ("idle cash L first below floor", { summary in
                summary.idleCashExhausted.map(DecimalYear.isoDate) ?? "never"
            }),
            ("AI share of IG index at end", { percent($0.aiIndexShareAtEnd) }),
            ("largest identity residual / M", { String(format: "%.1e", $0.largestIdentityResidual) }),
        ]
        return rows
    }

    static func layout(_ header: [String], _ body: [[String]]) -> String {
        TableFormat.aligned(header: header, rows: body, gap: "   ")
    }

    static func render(_ runs: [(String, RunSummary)], classes: [String]) -> String {
        let floor = runs.first?.1.idleCashFloor ?? 0
        let body = rows(classes).map { row in
            [row.label.replacingOccurrences(of: "floor", with: "\(floor) $T")] + runs.map { row.value($0.1) }
        }
        return layout([""] + runs.map(\.0), body)
    }

    /// `a - b` for each pair, in the natural unit of each row.
    static func differences(_ pairs: [(String, RunSummary, RunSummary)], classes: [String]) -> String {
        var body: [[String]] = []
        for name in classes {
            body.append(["\(name): price at end"] + pairs.map { String(format: "%+.4f", $0.1.endPrice[name]! - $0.2.endPrice[name]!) })
            body.append(["\(name): largest drawdown"] + pairs.map { signedPercent($0.1.largestDrawdown[name]! - $0.2.largestDrawdown[name]!) })
        }
        body.append(["peak rb (10-year yield)"] + pairs.map { signedPercent($0.1.peakRb - $0.2.peakRb) })
        body.append(["peak sc (AI spread)"] + pairs.map { signedPercent($0.1.peakSc - $0.2.peakSc) })
        body.append(["change in Bf ($T)"] + pairs.map { String(format: "%+.3f", $0.1.changeInBf - $0.2.changeInBf) })
        body.append(["sovereign sales, total ($T)"] + pairs.map { String(format: "%+.3f", $0.1.totalSovereignSales - $0.2.totalSovereignSales) })
        body.append(["AI share of IG index at end"] + pairs.map { signedPercent($0.1.aiIndexShareAtEnd - $0.2.aiIndexShareAtEnd) })
        return layout([""] + pairs.map(\.0), body)
    }
}
