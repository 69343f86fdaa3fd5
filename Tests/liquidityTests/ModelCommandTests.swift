import Application
import Experiments
import FileFormats
import Foundation
import Reports
import TestSupport
import Testing

@Suite("Model files through the tool")
struct ModelCommandTests {
    @Test("model run solves SIM, prints its summaries and writes its series; model check prints the matrices")
    func runAndCheck() throws {
        let dir = try Tool.scratch()
        let sim = Tool.root.appendingPathComponent("models/gl-sim.sfc").path
        let run = try Tool.run(["model", "run", sim, "--set", "G_d=25", "--out", "sim"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stdout == """
                national income at the end   125.000
                money held at the end        100.000
                largest national income      125.000
                wrote sim/series.csv, sim/units.csv, sim/manifest.json

                """)
        #expect(Tool.files(dir.appendingPathComponent("sim")) == ["manifest.json", "series.csv", "units.csv"])
        let header = try Tool.text(dir.appendingPathComponent("sim/series.csv")).split(separator: "\n")[0]
        #expect(header.hasPrefix("t,H_h,H_s,Y,T_d,YD,C_d,N_d"))
        let check = try Tool.run(
            ["model", "check", Tool.root.appendingPathComponent("models/gl-pc.sfc").path, "--format", "csv"], in: dir)
        #expect(check.status == 0)
        #expect(check.stdout.contains("change in money,-?dH_h,,,?dH_s,0"))
        #expect(check.stdout.contains("every matrix balances at the start and at random states near it"))
    }

    @Test("a model file with errors exits 2, each error with its line and column, and writes nothing")
    func badFile() throws {
        let dir = try Tool.scratch()
        try """
        model bad
        parameter a = 1
        state x
          start = 1
          d/dt = -aa * x + b
        """.write(to: dir.appendingPathComponent("bad.sfc"), atomically: true, encoding: .utf8)
        let result = try Tool.run(["model", "run", "bad.sfc", "--out", "o"], in: dir)
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "error: bad.sfc:5:11: unknown name aa; did you mean a?\nerror: bad.sfc:5:20: unknown name b\n")
        #expect(Tool.files(dir) == ["bad.sfc"])
        let choice = try Tool.run(
            ["model", "run", Tool.root.appendingPathComponent("models/gl-sim.sfc").path, "--choose", "regime=buyer"],
            in: dir)
        #expect(choice.status == 2)
        #expect(
            choice.stderr
                == """
                error: \(Tool.root.appendingPathComponent("models/gl-sim.sfc").path): the model has no choices; \
                --choose regime=... does not apply\n
                """
        )
    }
}

@Suite("The reverse-QE file through the tool")
struct ReverseQEFileCommandTests {
    @Test(
        """
        model compare runs the regimes of the file and prints the file's summaries, as the in-process comparison \
        gives them
        """
    )
    func compareRegimes() throws {
        let dir = try Tool.scratch()
        let file = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path
        let result = try Tool.run(
            [
                "model", "compare", file, "--choice", "regime", "--options", "none,buyer", "--solver", "msbdf",
                "--out", "c",
            ], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines[0] == "reverse_qe: regime none, buyer, 2025-01-01 to 2032-01-01; msbdf, rtol 1e-10; model \(file)")
        #expect(
            Tool.files(dir.appendingPathComponent("c")) == [
                "compare.csv", "manifest.json", "series_buyer.csv", "series_none.csv", "units.csv",
            ])
        // The same comparison in-process.
        let source = try ModelFiles.source(file)
        let inProcess = try ChoiceComparison(
            source: source, choice: "regime", options: ["none", "buyer"], solve: SolveSettings(stepper: .msbdf)
        ).run()
        let row = try #require(lines.first { $0.hasPrefix("crypto: price at end") })
        let expected = inProcess.main.map { $0.summaries.first { $0.column == "end_p_crypto" }!.value! }
        #expect(
            row.split(separator: " ").suffix(2) == expected.map { Substring(String(format: "%.4f", $0)) }[...],
            "\(row) against \(expected)")
    }
}

@Suite("--model on the commands")
struct ModelOptionTests {
    @Test("run, compare, matrices and params take --model: the file in place of the built-in model")
    func commands() throws {
        let dir = try Tool.scratch()
        let sim = Tool.root.appendingPathComponent("models/gl-sim.sfc").path
        let run = try Tool.run(
            ["run", "--model", sim, "--set", "G_d=25", "--save-step", "annual", "--out", "r"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\nnational income at the end   125.000\n"), "\(run.stdout)")
        #expect(try Tool.text(dir.appendingPathComponent("r/series.csv")).split(separator: "\n").count == 1 + 301)
        let params = try Tool.run(["params", "--model", sim, "--set", "G_d=25", "--format", "csv"], in: dir)
        #expect(
            params.stdout.contains(
                """
                \nG_d,25.0,$/yr,,>= 0,government expenditure,\"--set (in place of the file's value, source: \
                Godley and Lavoie (2007), p. 69)\"\n
                """
            ), "\(params.stdout)")
        let matrices = try Tool.run(
            [
                "matrices", "--model", Tool.root.appendingPathComponent("models/gl-pc.sfc").path, "--at", "50",
                "--format", "csv",
            ], in: dir)
        #expect(matrices.status == 0, "\(matrices.stderr)")
        #expect(matrices.stdout.contains("row,H,P,G,CB,row sum,must be"))
        let latex = try Tool.run(
            [
                "matrices", "--model", Tool.root.appendingPathComponent("models/gl-pc.sfc").path, "--at", "50",
                "--format", "latex", "--decimals", "2",
            ], in: dir)
        #expect(latex.status == 0, "\(latex.stderr)")
        #expect(
            latex.stdout.contains(
                """
                \\toprule\nrow & H & P & G & CB & row sum & must be \\\\\n\\midrule\nconsumption & -86.43 & \
                86.43 &  &  &  &  \\\\\n
                """
            ), "\(latex.stdout)")
        #expect(
            latex.stdout.contains("\\bottomrule") && !latex.stdout.contains("& 0.00 ")
                && !latex.stdout.contains("& -0.00 ") && !latex.stdout.contains("\\hline"))
        let decimals = try Tool.run(["matrices", "--at", "2026", "--decimals", "13"], in: dir)
        #expect(
            decimals.status == 2 && decimals.stderr == "error: --decimals 13: allowed 0 to 12\n", "\(decimals.stderr)")
        let qe = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path
        let compare = try Tool.run(
            ["compare", "--model", qe, "--regimes", "none,buyer", "--solver", "msbdf", "--out", "c"], in: dir)
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(
            compare.stdout.hasPrefix(
                "reverse_qe: regime none, buyer, 2025-01-01 to 2032-01-01; msbdf, rtol 1e-10; model \(qe)\n"))
        let bad = try Tool.run(["compare", "--model", qe, "--regimes", "none,bogus", "--out", "b"], in: dir)
        #expect(bad.status == 2)
        #expect(
            bad.stderr
                == """
                error: --regimes none,bogus: bogus is not an option of regime in \(qe); allowed: none, reserves, \
                buyer, share\n
                """
        )
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b").path))
    }
}

@Suite("Two model files side by side")
struct TwoFileCompareTests {
    @Test(
        """
        model compare A.sfc B.sfc solves each with its own configuration and prints both and B - A per summary; \
        --choice with two files, neither, or --second-config without a second file is refused
        """
    )
    func twoFiles() throws {
        let dir = try Tool.scratch()
        let sim = Tool.root.appendingPathComponent("models/gl-sim.sfc").path
        let pc = Tool.root.appendingPathComponent("models/gl-pc.sfc").path
        try "[parameters]\nG_d = 25\n".write(
            to: dir.appendingPathComponent("more.toml"), atomically: true, encoding: .utf8)
        let result = try Tool.run(
            ["model", "compare", sim, sim, "--second-config", "more.toml", "--out", "c"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        // SIM's steady state is G_d / theta: 100 from the file's G_d = 20, 125 from 25.
        #expect(lines[0] == ["gl-sim-1", "gl-sim-2", "gl-sim-2", "-", "gl-sim-1"])
        #expect(lines.contains(["national", "income", "at", "the", "end", "100.000", "125.000", "+25.000"]))
        #expect(Tool.files(dir.appendingPathComponent("c")) == ["gl-sim-1", "gl-sim-2"])
        for folder in ["gl-sim-1", "gl-sim-2"] {
            #expect(
                Tool.files(dir.appendingPathComponent("c/\(folder)")) == ["manifest.json", "series.csv", "units.csv"])
        }
        // Rows of one file only are shown with "-" for the other.
        let mixed = try Tool.run(["model", "compare", sim, pc, "--to", "50", "--out", "m"], in: dir)
        #expect(mixed.status == 0, "\(mixed.stderr)")
        let rows = mixed.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows[0] == ["gl_sim", "gl_pc", "gl_pc", "-", "gl_sim"])
        #expect(rows.contains { $0.prefix(5) == ["money", "held", "at", "the", "end"] && $0.last == "-" })
        #expect(rows.contains { $0.prefix(5) == ["household", "wealth", "at", "the", "end"] && $0[5] == "-" })
        try BadInputTests.refused([
            (
                ["model", "compare", sim, pc, "--choice", "regime"],
                """
                \(pc): two model files are compared as they are; --choice, --options, --counterfactual and --plot \
                compare the options of one file
                """
            ),
            (
                ["model", "compare", sim],
                "--choice: name the choice whose options are compared, or give a second model file"
            ),
            (
                ["model", "compare", sim, "--choice", "x", "--second-config", "more.toml"],
                "--second-config: no second model file is given"
            ),
        ])
    }
}
