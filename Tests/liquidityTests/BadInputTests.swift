import Foundation
import TestSupport
import Testing

/// One class of bad input: how to make it, and the exact error it must give.
struct BadInput: Sendable, CustomStringConvertible {
    let name: String
    /// Edits the reference configuration's text (nil: use it unchanged).
    let edit: (@Sendable (String) -> String)?
    /// Extra arguments; `CONFIG` stands for the edited configuration's path.
    let arguments: [String]
    /// The expected standard error, `CONFIG` standing for the path.
    let message: String
    var description: String { name }
}

@Suite("Bad input: exit 2, exact message, nothing written", .serialized)
struct BadInputTests {
    /// The default model file, as the messages name it.
    static let model = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path

    static let cases: [BadInput] = [
        BadInput(
            name: "--matrices-at not a date", edit: nil, arguments: ["--notebook", "--matrices-at", "2026-13-01"],
            message: "error: --matrices-at 2026-13-01: expected a decimal year (2026.0) or a date (2026-01-01)"),
        BadInput(
            name: "--matrices-at not finite", edit: nil, arguments: ["--notebook", "--matrices-at", "nan"],
            message: "error: --matrices-at nan: expected a decimal year (2026.0) or a date (2026-01-01)"),
        BadInput(
            name: "--matrices-at without --notebook", edit: nil, arguments: ["--matrices-at", "2027"],
            message: "error: --matrices-at 2027: dates the notebook's matrices; add --notebook"),
        BadInput(
            name: "--panels empty", edit: nil, arguments: ["--plot", "--panels", ""],
            message: "error: --panels : an empty name; list series separated by single commas"),
        BadInput(
            name: "--panels twice", edit: nil, arguments: ["--plot", "--panels", "rb,rb"],
            message: "error: --panels rb,rb: rb is listed twice"),
        BadInput(
            name: "unknown parameter",
            edit: { $0.replacingOccurrences(of: "[parameters]\n", with: "[parameters]\nI2 = 1.0\n") }, arguments: [],
            message: "error: CONFIG: parameters.I2: MODEL has no parameter I2; see `liquidity params --model MODEL`"),
        BadInput(
            name: "a value that makes the start impossible, traced to the configuration",
            edit: { replaceLine(starting: "I0 =", with: "I0 = 1e308", in: $0) }, arguments: [],
            message: """
                error: MODEL:254:9: the t0 quantity a_T is inf with these parameters and start values; it must be \
                finite (it reads Bp = 24.03, L0 = 0.0, b = 30.0, rb = 0.046)
                error: MODEL:255:9: the t0 quantity a_AI is inf with these parameters and start values; it must be \
                finite (it reads C = 1.25, L0 = 0.0, PC = 0.25, Pc = 0.9323938199059483, b = 30.0, rb = 0.046, \
                sc = 0.009)
                error: MODEL:256:9: the t0 quantity a_R is inf with these parameters and start values; it must be \
                finite (it reads L0 = 0.0, b = 30.0, erp = 0.04, qP[aiequity] = 12.0, qP[cashflow] = 30.0, \
                qP[crypto] = 3.25, qP[longdur] = 11.4); CONFIG (or --set) gives I0 = 1e+308, and the model starts \
                with the file's own value of it
                """),
        BadInput(
            name: "unknown section", edit: { $0 + "\n[extra]\nx = 1\n" }, arguments: [],
            message: "error: CONFIG: unknown section extra; allowed: horizon, parameters, sets, tables, choices"),
        BadInput(
            name: "wrong type", edit: { replaceLine(starting: "payout =", with: "payout = \"high\"", in: $0) },
            arguments: [],
            message: "error: CONFIG: parameters.payout must be a number (share); got the string \"high\""),
        BadInput(
            name: "share outside [0, 1]", edit: { replaceLine(starting: "sigma_c =", with: "sigma_c = 1.2", in: $0) },
            arguments: [],
            message: "error: CONFIG: parameters.sigma_c = 1.2 is out of range; allowed: in [0, 1]"),
        BadInput(
            name: "non-finite number", edit: { replaceLine(starting: "k_r =", with: "k_r = inf", in: $0) },
            arguments: [],
            message: "error: CONFIG: parameters.k_r = inf is out of range; allowed: > 0"),
        BadInput(
            name: "t1 before t0 in the file", edit: { replaceLine(starting: "t1 =", with: "t1 = 2020.0", in: $0) },
            arguments: [],
            message:
                """
                error: the end 2020.0 must come after the start 2025.0 (--from, --to, [horizon] of CONFIG, the \
                horizon of MODEL)
                """
        ),
        BadInput(
            name: "t1 before t0 by option", edit: nil, arguments: ["--from", "2030-01-01", "--to", "2026.0"],
            message:
                """
                error: the end 2026.0 must come after the start 2030.0 (--from, --to, [horizon] of CONFIG, the \
                horizon of MODEL)
                """
        ),
        BadInput(
            name: "negative tolerance", edit: nil, arguments: ["--rtol", "-1"],
            message: "error: --rtol -1.0: must be positive and finite"),
        BadInput(
            name: "negative step budget", edit: nil, arguments: ["--max-steps", "-5"],
            message: "error: --max-steps -5: must be at least 1"),
        BadInput(
            name: "knot table out of order",
            edit: { replaceLine(starting: "rm =", with: "rm = [[2026.0, 0.04], [2025.0, 0.03]]", in: $0) },
            arguments: [],
            message: "error: CONFIG: tables.rm: the years must ascend; 2025.0 follows 2026.0"),
        BadInput(
            name: "knot not a pair",
            edit: { replaceLine(starting: "qt =", with: "qt = [[2025.0, 0.3, 1.0]]", in: $0) }, arguments: [],
            message: "error: CONFIG: tables.qt[0] must be a [year, value] pair; got an array"),
        BadInput(
            name: "duplicate key",
            edit: { $0.replacingOccurrences(of: "[parameters]\n", with: "[parameters]\nI0 = 0.3\n") }, arguments: [],
            message:
                """
                error: CONFIG:12:6: not valid TOML: Error while parsing key-value pair: cannot redefine existing \
                floating-point 'I0'
                """
        ),
        BadInput(
            name: "truncated in an array",
            edit: { String($0[..<$0.index($0.range(of: "[2025.7")!.lowerBound, offsetBy: 4)]) },
            arguments: [],
            message: "error: CONFIG:104:29: not valid TOML: Error while parsing array: encountered end-of-file"),
        BadInput(
            name: "duplicate risk class",
            edit: {
                $0.replacingOccurrences(of: "risk = [\"crypto\", \"longdur\"", with: "risk = [\"crypto\", \"crypto\"")
            }, arguments: [],
            message: "error: CONFIG: sets.risk: crypto is listed twice"),
        BadInput(
            name: "negative tolerance", edit: nil, arguments: ["--rtol=-1e-6"],
            message: "error: --rtol -1e-06: must be positive and finite"),
        BadInput(
            name: "unknown save mode", edit: nil, arguments: ["--saves", "dense"],
            message: "error: --saves dense: expected one of auto, land, interpolate"),
        BadInput(
            name: "unknown solver", edit: nil, arguments: ["--solver", "euler"],
            message:
                """
                error: --solver euler: unknown stepper; allowed: rk2, rk4, rkf45, rkck, rk8pd, rk1imp, rk2imp, \
                rk4imp, bsimp, msadams, msbdf
                """
        ),
        BadInput(
            name: "unknown parameter in --set", edit: nil, arguments: ["--set", "bogus=2"],
            message: "error: --set bogus=2: MODEL has no parameter bogus; see `liquidity params`"),
        BadInput(
            name: "an indexed parameter without its member in --set", edit: nil, arguments: ["--set", "beta=2"],
            message: "error: --set beta=2: beta is indexed by risk; give one member, such as beta[crypto]"),
        BadInput(
            name: "outside the range in --set", edit: nil, arguments: ["--set", "risk.crypto.w_sell=-1"],
            message: "error: --set risk.crypto.w_sell=-1: out of range; allowed: >= 0"),
        BadInput(
            name: "not a number in --set", edit: nil, arguments: ["--set", "payout=half"],
            message: "error: --set payout=half: payout needs a finite number"),
        BadInput(
            name: "unknown regime", edit: nil, arguments: ["--regimes", "none,qe"],
            message:
                "error: --regimes none,qe: qe is not an option of regime in MODEL; allowed: none, reserves, buyer, "
                + "share"
        ),
        BadInput(
            name: "a start that cannot clear the markets", edit: nil,
            arguments: ["--set", "I0=1e15", "--regimes", "none"],
            message:
                """
                error: MODEL:254:9: the t0 quantity a_T is inf with these parameters and start values; it must \
                be finite (it reads Bp = 24.03, L0 = 0.0, b = 30.0, rb = 0.046)\nerror: MODEL:255:9: the t0 \
                quantity a_AI is inf with these parameters and start values; it must be finite (it reads C = \
                1.25, L0 = 0.0, PC = 0.25, Pc = 0.9323938199059483, b = 30.0, rb = 0.046, sc = 0.009)\nerror: \
                MODEL:256:9: the t0 quantity a_R is inf with these parameters and start values; it must be \
                finite (it reads L0 = 0.0, b = 30.0, erp = 0.04, qP[aiequity] = 12.0, qP[cashflow] = 30.0, \
                qP[crypto] = 3.25, qP[longdur] = 11.4); CONFIG (or --set) gives I0 = 1000000000000000.0, and the \
                model starts with the file's own value of it
                """
        ),
        BadInput(
            name: "an empty regime", edit: nil, arguments: ["--regimes", "none,,buyer"],
            message: "error: --regimes none,,buyer: an empty name; list regimes separated by single commas"),
        BadInput(
            name: "too many saved points", edit: nil, arguments: ["--to", "1e9"],
            message:
                """
                error: --from/--to: 1.2e+10 saved points from 2025.0 to 1000000000.0 at the model's step, \
                0.08333333333333333; the limit is 1000000 (a shorter span)
                """
        ),
        BadInput(
            name: "a tiny save step", edit: nil, arguments: ["--save-step", "1e-9"],
            message:
                """
                error: --save-step 1e-09: 7e+09 saved points from 2025.0 to 2032.0; the limit is 1000000 (a \
                larger step or a shorter span)
                """
        ),
        BadInput(
            name: "bad date", edit: nil, arguments: ["--from", "2025-13-01"],
            message: "error: --from 2025-13-01: expected a decimal year or a date (YYYY-MM-DD)"),
        BadInput(
            name: "missing scenario file", edit: nil, arguments: ["--scenario", "nowhere.toml"],
            message: "error: nowhere.toml: no such file"),
    ]

    static func removeLine(starting prefix: String, from text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix(prefix) }.joined(
            separator: "\n")
    }

    static func replaceLine(starting prefix: String, with line: String, in text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasPrefix(prefix) ? Substring(line) : $0
        }
        .joined(separator: "\n")
    }

    @Test("each class of bad input", arguments: cases)
    func badInput(_ input: BadInput) throws {
        let dir = try Tool.scratch()
        let config = input.edit == nil ? Tool.modelmd : try Tool.config(in: dir) { input.edit!($0) }
        let result = try Tool.run(
            ["compare", "--model", Tool.reverseQE, "--config", config, "--out", "out"] + input.arguments, in: dir)
        #expect(result.status == 2)
        #expect(
            result.stderr == input.message.replacingOccurrences(of: "CONFIG", with: config).replacingOccurrences(
                of: "MODEL", with: Self.model) + "\n")
        #expect(result.stdout == "")
        #expect(
            !FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path),
            "an output directory was created")
    }

    @Test(
        "a scenario's change the model cannot take is refused naming the scenario file and the change",
        arguments: [
            (
                "key = \"payout\"\nvalue = 2.0\nstart = 2026.0",
                "change[0]: payout = 2.0 is out of range; allowed: in [0, 1]"
            ),
            (
                "key = \"B0\"\nvalue = 30.0\nstart = 2026.0",
                "change[0]: B0 is an initial condition; it can change only at or before t0 = 2025.0, not from 2026.0"
            ),
            (
                "key = \"beta[bitcoin]\"\nvalue = 1.0\nstart = 2026.0",
                "change[0].key: unknown parameter beta[bitcoin]; see `liquidity params` for every key"
            ),
        ])
    func badScenario(_ change: String, _ message: String) throws {
        let dir = try Tool.scratch()
        let scenario = dir.appendingPathComponent("s.toml").path
        try "name = \"s\"\n[[change]]\n\(change)\n".write(toFile: scenario, atomically: true, encoding: .utf8)
        let result = try Tool.run(
            ["compare", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--scenario", scenario, "--out", "out"],
            in: dir)
        #expect(result.status == 2)
        #expect(result.stderr == "error: \(scenario): \(message)\n")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }

    @Test("an output folder that cannot be made is refused naming the part in the way and the system's reason")
    func outputFolder() throws {
        let dir = try Tool.scratch()
        try "x".write(to: dir.appendingPathComponent("file"), atomically: true, encoding: .utf8)
        let through = try Tool.run(
            ["run", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--out", "file/sub"], in: dir)
        #expect(through.status == 2)
        #expect(through.stderr == "error: --out file/sub: file is a file, not a directory\n")
        let onto = try Tool.run(
            ["run", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--out", "file"], in: dir)
        #expect(onto.status == 2)
        #expect(onto.stderr == "error: --out file: exists and is not a directory\n")
        let nowhere = try Tool.run(
            ["run", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--out", "/proc/liquidity-test"], in: dir)
        #expect(nowhere.status == 2)
        #expect(
            nowhere.stderr
                == "error: --out /proc/liquidity-test: cannot create /proc/liquidity-test: No such file or directory\n"
        )
        #expect(Tool.files(dir) == ["file"])
    }

    @Test(
        "a mistyped command is named, with the nearest command where one is near",
        arguments: [
            (
                "runn",
                """
                error: unknown command runn; did you mean run? Commands: compare, run, matrices, params, \
                calibrate, estimate, evaluate, decompose, restart, history, backtest, export, sweep, model \
                (liquidity --help).\n
                """
            ),
            (
                "xyz",
                """
                error: unknown command xyz. Commands: compare, run, matrices, params, calibrate, estimate, \
                evaluate, decompose, restart, history, backtest, export, sweep, model (liquidity --help).\n
                """
            ),
        ])
    func mistypedCommand(_ word: String, _ message: String) throws {
        let dir = try Tool.scratch()
        let result = try Tool.run([word, "--out", "out"], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr == message)
        #expect(Tool.files(dir).isEmpty)
    }

    @Test("a scenario's change that starts at or after the end is run, with a warning that it has no effect")
    func changeAfterTheEnd() throws {
        let dir = try Tool.scratch()
        let scenario = dir.appendingPathComponent("late.toml").path
        try "name = \"late\"\n[[change]]\nkey = \"payout\"\nvalue = 0.5\nstart = 2040.0\n".write(
            toFile: scenario, atomically: true, encoding: .utf8)
        let result = try Tool.run(
            [
                "run", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--scenario", scenario, "--out", "out",
                "--quiet",
            ], in: dir)
        #expect(result.status == 0)
        #expect(
            result.stderr
                == """
                \(Tool.reverseQE): warning: the change of payout to 0.5 from 2040.0 starts at or after the end \
                of this run (2032.0): it has no effect\n
                """
        )
        let plain = try Tool.run(
            ["run", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--out", "plain", "--quiet"], in: dir)
        #expect(plain.stderr == "", "no warning without the late change")
        #expect(
            try Tool.text(dir.appendingPathComponent("out/series.csv"))
                == (try Tool.text(dir.appendingPathComponent("plain/series.csv"))))
    }

    @Test("backtest cut-offs outside the data, empty or not quarters are refused before any fit")
    func cutoffs() throws {
        let table = Tool.root.appendingPathComponent("calibration/history-fred.csv").path
        let outside = """
            outside the data (\(table) covers 2022.5 to 2026.0); a cut-off needs data to fit before it and quarters \
            to forecast after it
            """
        let backtest = [
            "backtest", "--targets", Tool.root.appendingPathComponent("calibration/targets-liquidity.toml").path,
            "--fit", Tool.root.appendingPathComponent("calibration/fit-liquidity.toml").path, "--table", table,
            "--quiet", "--cutoffs",
        ]
        try Self.refused([
            (backtest + ["2099Q1"], "--cutoffs 2099Q1: \(outside)"),
            (backtest + ["2020Q1"], "--cutoffs 2020Q1: \(outside)"),
            (backtest + [""], "--cutoffs : an empty quarter; list quarters YYYYQn separated by commas"),
            (backtest + ["2024Q2,"], "--cutoffs 2024Q2,: an empty quarter; list quarters YYYYQn separated by commas"),
            (backtest + ["2024Q5"], "--cutoffs 2024Q5: expected a quarter YYYYQn, such as 2024Q2"),
        ])
    }

    /// Each command line (with `out`, `--out o` unless given) exits 2 with exactly `error: MESSAGE`
    /// and, in a scratch folder (no `folder` given), writes nothing.
    static func refused(_ cases: [([String], String)], in folder: URL? = nil, out: [String] = ["--out", "o"]) throws {
        let dir = try folder ?? Tool.scratch()
        for (arguments, message) in cases {
            let result = try Tool.run(arguments + out, in: dir)
            #expect(result.status == 2 && result.stderr == "error: \(message)\n", "\(arguments): \(result.stderr)")
        }
        if folder == nil { #expect(Tool.files(dir) == []) }
    }

    @Test("a span that is not finite or ends before it starts names --from and --to")
    func spans() throws {
        let sim = Tool.root.appendingPathComponent("models/gl-sim.sfc").path
        try Self.refused([
            (
                ["model", "run", sim, "--from", "3000"],
                "the end 300.0 must come after the start 3000.0 (--from, --to, the horizon of \(sim))"
            ),
            (
                ["model", "run", sim, "--to", "inf"],
                "the span 0.0 to inf must be finite (--from, --to, the horizon of \(sim))"
            ),
            (
                ["run", "--from", "-1e300", "--quiet"],
                """
                --from/--to: 1.2e+301 saved points from -1e+300 to 2032.0 at the model's step, 0.08333333333333333; \
                the limit is 1000000 (a shorter span)
                """
            ),
        ])
        try Self.refused(
            [
                (
                    ["model", "check", Tool.reverseQE, "--to", "99999999999999999999"],
                    """
                    --from/--to: 1.2e+21 saved points from 2025.0 to 1e+20 at the model's step, \
                    0.08333333333333333; the limit is 1000000 (a shorter span)
                    """
                )
            ], out: [])
    }

    @Test("history's quarters outside what every series covers, and an empty --targets entry, are refused")
    func historyQuarters() throws {
        try Self.refused(
            [
                (
                    ["history", "--to", "2060Q1"],
                    "--to 2060Q1: after 2025Q4, the last quarter every series of data covers"
                ),
                (
                    ["history", "--from", "1900Q1"],
                    "--from 1900Q1: before 2022Q2, the first quarter every series of data covers"
                ),
                (["history", "--targets", ","], "--targets : expected name=value"),
            ], in: Tool.root, out: [])
    }

    @Test("--choose of the compared choice, and a name= with no value, are refused")
    func choices() throws {
        try Self.refused([
            (
                ["model", "compare", Tool.reverseQE, "--choice", "regime", "--choose", "regime=nobody"],
                "--choose regime=nobody: regime is the choice compared (--choice); each of its options is solved"
            ),
            (
                ["model", "compare", Tool.reverseQE, "--choice", "regime", "--choose", "regime="],
                "--choose regime=: no value after '='; expected name=value"
            ),
            (["run", "--set", "payout=", "--quiet"], "--set payout=: no value after '='; expected name=value"),
        ])
    }

    @Test("an unreadable configuration is named")
    func unreadable() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(["run", "--config", "/nonexistent/c.toml"], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr == "error: /nonexistent/c.toml: no such file\n")
        let folder = try Tool.run(["run", "--config", dir.path], in: dir)
        #expect(folder.status == 2)
        #expect(folder.stderr == "error: \(dir.path): is a directory, not a file\n")
        #expect(Tool.files(dir) == [])
    }

    @Test("a usage error exits 2 too")
    func usage() throws {
        let result = try Tool.run(["compare", "--no-such-option"], in: try Tool.scratch())
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("Error: Unknown option '--no-such-option'"))
    }

    /// The buyer regime with a cap far below any yield buys more Treasuries
    /// than P holds: ln(Bp) turns NaN and the solve stops.
    @Test("a solver failure exits 3, names time, code and variable, and keeps the runs that finished")
    func solverFailure() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(
            [
                "compare", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--regimes", "none,buyer", "--set",
                "r_cap=-1000", "--quiet",
            ], in: dir)
        #expect(result.status == 3)
        #expect(result.stderr.hasPrefix("error: buyer: the solver (rk8pd) stopped at t = 2025.0"))
        #expect(result.stderr.contains("with nonFinite: drb/dt is -nan at t = "))
        #expect(result.stderr.hasSuffix("[variable rb]\n"))
        #expect(Tool.files(dir.appendingPathComponent("out/compare")) == ["series_none.csv"])
        let budget = try Tool.run(
            ["run", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--max-steps", "50", "--quiet"], in: dir)
        #expect(budget.status == 3)
        #expect(budget.stderr.contains("with stepBudgetExhausted: the step budget of 50 steps ran out at t = "))
        #expect(!budget.stderr.contains("double precision"))
        #expect(budget.stderr.contains(") keeps the steps small [variable "), "\(budget.stderr)")
        // Tolerances beyond double precision: the steps cannot advance, and the message says why.
        let tight = try Tool.run(
            [
                "run", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--solver", "msbdf", "--atol", "1e-300",
                "--max-steps", "2000", "--quiet",
            ], in: dir)
        #expect(tight.status == 3)
        #expect(
            tight.stderr.hasSuffix(
                """
                ; rtol 1e-10 and atol 1e-300 ask for more than double precision gives (about 1e-15 relative); \
                loosen them\n
                """
            ), "\(tight.stderr)")
    }
}
