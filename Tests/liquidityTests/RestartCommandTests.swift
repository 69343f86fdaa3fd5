import Foundation
import TestSupport
import Testing

/// A folder with a small model whose path is known in closed form, its fit, a restart file and
/// one FRED file: X grows at rate a from X0, so X(2022-01-01) = X0 exp(2a).
private struct RestartFolder {
    let dir: URL

    init(restart: String = RestartFolder.restartFile) throws {
        dir = try Tool.scratch()
        try """
        model growth "a stock that grows"
        horizon 2020 to 2030 step 1/12 calendar
        set j "members" = u "first", v "second"
        parameter a = 0.1 range (-1, 1) unit "1/yr" "growth rate"
        parameter X0 = 2 range (0, inf) role initial unit "$" "X at t0"
        parameter s = 1 range (0, inf) unit "1" "the data's scale"
        parameter c = 0 unit "$" "a parameter set from the path"
        parameter q0[j] = 1, 2 range [0, inf) role initial unit "$" "q at t0"
        parameter m[j] = 0, 0 unit "$" "set from the path, member by member"
        state X unit "$" "a stock"
          start = X0
          d/dt = a * X
        state q[i in j] unit "$" "stocks by member"
          start = q0[i]
          d/dt = a * q[i]
        let total = X + c + m[u] + m[v] + s unit "$" "uses every parameter"
        observe OBS = 1000 * s * X unit "$M" "X as the data measure it"
        """.write(to: dir.appendingPathComponent("growth.sfc"), atomically: true, encoding: .utf8)
        try "[horizon]\nt0 = 2020.0\nt1 = 2030.0\n[parameters]\na = 0.1\nX0 = 2.0\n".write(
            to: dir.appendingPathComponent("fit.toml"), atomically: true, encoding: .utf8)
        try restart.write(to: dir.appendingPathComponent("restart.toml"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        // December 2021's mean is 3000; January 2022's row must not be read.
        try "observation_date,OBS\n2021-11-30,1\n2021-12-01,2000\n2021-12-31,4000\n2022-01-03,99999\n".write(
            to: dir.appendingPathComponent("data/OBS.csv"), atomically: true, encoding: .utf8)
    }

    static let restartFile = """
        model = "growth"
        to = "2026-01-01"
        [run]
        c = "2 * X"
        "m[i]" = "q[i] + 1"
        [match]
        OBS = "s"
        """

    func run(_ extra: [String] = []) throws -> Tool.Result {
        try Tool.run(
            [
                "restart", "--model", "growth.sfc", "--config", "fit.toml", "--restart", "restart.toml", "--data",
                "data",
                "--at", "2022-01-01",
            ] + extra, in: dir)
    }

    func values(_ file: String) throws -> [String: Double] {
        var values: [String: Double] = [:]
        for line in try Tool.text(dir.appendingPathComponent(file)).split(separator: "\n") {
            let parts = line.split(separator: "#")[0].split(separator: "=").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            if parts.count == 2, let value = Double(parts[1]) { values[parts[0]] = value }
        }
        return values
    }
}

@Suite("restart: a configuration from a fit at a later date and the data")
struct RestartCommandTests {
    @Test("states' starts from the path, [run] expressions, indexed ones per member, and [match] to the data")
    func restart() throws {
        let folder = try RestartFolder()
        let result = try folder.run(["--write", "out/r.toml"])
        #expect(result.status == 0, "\(result.stderr)")
        let v = try folder.values("out/r.toml")
        let x = 2 * exp(0.2)
        #expect(v["t0"] == 2022.0 && v["t1"] == 2026.0)
        #expect(abs(v["X0"]! - x) <= 1e-9 * x, "X0 is X on 2022-01-01")
        #expect(abs(v["q0.u"]! - exp(0.2)) <= 1e-9 && abs(v["q0.v"]! - 2 * exp(0.2)) <= 1e-9)
        #expect(abs(v["c"]! - 2 * x) <= 1e-9 * x, "c = 2 * X on 2022-01-01")
        #expect(abs(v["m.u"]! - (exp(0.2) + 1)) <= 1e-9 && abs(v["m.v"]! - (2 * exp(0.2) + 1)) <= 1e-9)
        // December 2021's mean, 3000, is 1000 s X0.
        #expect(abs(1000 * v["s"]! * v["X0"]! - 3000) <= 1e-7, "s = \(v["s"]!)")
        #expect(v["a"] == 0.1, "behaviour is the fit's")
        let text = try Tool.text(folder.dir.appendingPathComponent("out/r.toml"))
        #expect(text.contains("# $: X at t0; from X on 2022-01-01"))
        #expect(text.contains("# 1: the data's scale; from OBS at 2021-12 (mean)"))
        #expect(text.contains("from q[i] + 1 on 2022-01-01"))
        #expect(result.stdout.hasSuffix("wrote out/r.toml\n"))
        // The restarted model starts at the datum.
        let run = try Tool.run(
            ["run", "--model", "growth.sfc", "--config", "out/r.toml", "--to", "2023-01-01", "--quiet", "--out", "p"],
            in: folder.dir)
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try Tool.rows(folder.dir.appendingPathComponent("p/series.csv"))
        let column = try #require(rows[0].firstIndex(of: "OBS"))
        #expect(rows[1][1] == "2022-01-01" && abs(Double(rows[1][column])! - 3000) <= 1e-7)
    }

    @Test("bad restarts are refused with the file, key or option and what is allowed, and nothing is written")
    func refused() throws {
        let cases: [(restart: String, extra: [String], message: String)] = [
            (
                "to = \"2026-01-01\"\nwhen = 1\n", [],
                "restart.toml: unknown key when; allowed: model, to, run, set, match"
            ),
            (
                "model = \"other\"\n", [],
                """
                restart.toml: model = "other": made for the model other, not growth (--model); give that model's \
                file, or this model's targets and fit
                """
            ),
            (
                "to = \"2026-01-01\"\n[run]\nnope = \"X\"\n", [],
                "restart.toml: run.nope: not a parameter of growth.sfc; a name, or name[member] for one member"
            ),
            (
                "to = \"2026-01-01\"\n[run]\nc = \"X +\"\n", [],
                "restart.toml: run.c = \"X +\": expected a number, a name or '('; found end of line"
            ),
            (
                "to = \"2026-01-01\"\n[match]\nOBS = \"nope\"\n", [],
                "restart.toml: match.OBS.nope: not a parameter of growth.sfc; a name, or name[member] for one member"
            ),
            ("to = \"2026-01-01\"\n[match]\nGONE = \"s\"\n", [], "error: data/GONE.csv: no such file"),
            (
                "to = \"2026-01-01\"\n[run]\ns = \"X\"\n[match]\nOBS = \"s\"\n", [],
                "restart.toml: s is given twice ([run], [set] and [match] each set a parameter once)"
            ),
            (
                "to = \"2026-01-01\"\n[match]\nOBS = { parameter = \"s\", average = \"median\" }\n", [],
                "restart.toml: match.OBS.average = \"median\"; allowed: mean, end, quarter_end"
            ),
            ("", [], "no end for the restarted configuration: give --to, or to = \"YYYY-MM-DD\" in restart.toml"),
            (
                "to = \"2026-01-01\"\n", ["--at", "2019-06-01"],
                "--at 2019-06-01: the restart must come after fit.toml's start, 2020-01-01"
            ),
            ("to = \"2026-01-01\"\n", ["--at", "June"], "--at June: allowed: a date, YYYY-MM-DD (2026-01-01)"),
            ("to = \"2026-01-01\"\n", ["--to", "2021-01-01"], "--to 2021-01-01 must come after --at 2022-01-01"),
        ]
        for (restart, extra, message) in cases {
            let folder = try RestartFolder(restart: restart)
            let result = try folder.run(["--write", "out/r.toml"] + extra)
            #expect(result.status == 2, "\(message): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.dir.appendingPathComponent("out").path))
        }
    }

    @Test("a datum no value of the parameter reaches is refused, naming the restart file, the parameter and the value")
    func unreachable() throws {
        let folder = try RestartFolder()
        try "observation_date,OBS\n2021-12-01,-3000\n".write(
            to: folder.dir.appendingPathComponent("data/OBS.csv"), atomically: true, encoding: .utf8)
        let result = try folder.run(["--write", "r.toml"])
        #expect(result.status == 2)
        // s's range is (0, inf): 1000 s X0 = -3000 needs a negative s.
        #expect(
            result.stderr.hasPrefix("error: restart.toml: [match]: the model cannot start with [\"s = -"),
            "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.dir.appendingPathComponent("r.toml").path))
    }

    @Test("a month the data lack names the file and the month")
    func missingMonth() throws {
        let folder = try RestartFolder()
        let result = try folder.run(["--at", "2021-06-01", "--write", "r.toml"])
        #expect(result.status == 2)
        #expect(result.stderr.hasSuffix("data/OBS.csv: no observation in 2021-05, the month before --at 2021-06-01\n"))
        #expect(!FileManager.default.fileExists(atPath: folder.dir.appendingPathComponent("r.toml").path))
    }
}
