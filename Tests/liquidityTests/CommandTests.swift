import Foundation
import TestSupport
import Testing

@Suite("Commands, end to end", .serialized)
struct CommandTests {
    @Test("compare writes its files and prints the regime table")
    func compare() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(
            ["compare", "--model", Tool.reverseQE, "--config", Tool.modelmd], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "")
        let out = dir.appendingPathComponent("out/compare")
        #expect(
            Tool.files(out) == [
                "compare.csv", "manifest.json", "series_buyer.csv", "series_none.csv", "series_reserves.csv",
                "series_share.csv", "units.csv",
            ])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines[0].hasPrefix(
                "reverse_qe: regime none, reserves, buyer, share, 2025-01-01 to 2032-01-01; rk8pd, rtol 1e-10; model ")
        )
        #expect(
            lines.contains {
                $0.hasPrefix(" ") && $0.contains("none") && $0.contains("reserves") && $0.contains("buyer")
            })
        #expect(lines.contains { $0.hasPrefix("crypto: price at end") })
        #expect(lines.contains("Differences from none:"))
        // What the files hold is tested in-process ("Comparison of regimes in-process"); here, that the
        // command prints what it wrote.
        #expect(
            lines.last
                == """
                wrote out/compare/compare.csv, out/compare/series_none.csv, out/compare/series_reserves.csv, \
                out/compare/series_buyer.csv, out/compare/series_share.csv, out/compare/units.csv, \
                out/compare/manifest.json
                """
        )
    }

    @Test("run writes series.csv with MODEL.md's names, units.csv and the manifest")
    func run() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(
            [
                "run", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--regime", "buyer", "--out", "b",
                "--quiet",
            ], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let out = dir.appendingPathComponent("b")
        #expect(Tool.files(out) == ["manifest.json", "series.csv", "units.csv"])
        let series = try Tool.text(out.appendingPathComponent("series.csv")).split(separator: "\n")
        #expect(series.count == 86)
        let header = series[0].split(separator: ",").map(String.init)
        #expect(Array(header.prefix(8)) == ["t", "date", "B", "Bf", "Bs", "Bw", "Af", "Lo"])
        for name in [
            "rb", "sc", "p_crypto", "qS_crypto", "L", "V", "Gap", "CALL", "SELL_crypto", "SELL_total", "iss", "Y",
            "ai_ig_share",
            "identity_residual", "DGS10",
        ] {
            #expect(header.contains(name), "\(name) missing")
        }
        #expect(series[1].hasPrefix("2025.0,2025-01-01,28.8,4.27,"))
        #expect(series[13].hasPrefix("2026.0,2026-01-01,"))
        #expect(series[85].hasPrefix("2032.0,2032-01-01,"))
        let units = try Tool.text(out.appendingPathComponent("units.csv")).split(separator: "\n").map(String.init)
        #expect(units[0] == "column,unit,description")
        #expect(units.contains("rb,1/yr,10-year Treasury yield"))
        #expect(units.contains("p_crypto,\"index, 1 at t0\",price (crypto)"))
        #expect(units.count == header.count + 1)
        let manifest =
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json")))
            as! [String: Any]
        #expect((manifest["tool"] as! [String: Any])["version"] as? String == "0.1.0")
        #expect(((manifest["tool"] as! [String: Any])["commit"] as? String)?.isEmpty == false)
        #expect((manifest["parameters"] as! [String: Double])["payout"] == 0.35)
        #expect((manifest["solver"] as! [String: Any])["stepper"] as? String == "rk8pd")
        #expect((((manifest["runs"] as! [[String: Any]])[0])["choices"] as? [String: String])?["regime"] == "buyer")
        #expect(manifest["model"] as? String == Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        #expect((manifest["inputs_fingerprint"] as? String)?.count == 16)
        #expect(result.stdout.contains("wrote b/series.csv, b/units.csv, b/manifest.json"))
    }

    @Test("params names where a value not the file's own was given: the configuration, or --set")
    func paramsSources() throws {
        let result = try Tool.run(["params", "--format", "csv", "--set", "payout=0.5"], in: Tool.root)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            rows.contains {
                $0.hasPrefix("B0,")
                    && $0.hasSuffix(
                        """
                        ,\"calibration/liquidity-priced-2026.toml (in place of the file's value, source: data folder: \
                        FYGFDPUN 2022Q2)\"
                        """
                    )
            })
        #expect(
            rows.contains {
                $0.hasPrefix("payout,0.5,")
                    && $0.hasSuffix(",\"--set (in place of the file's value, source: MODEL.md section 4)\"")
            })
        let own = try Tool.run(["params", "--format", "csv", "--model-defaults"], in: Tool.root)
        #expect(
            own.stdout.split(separator: "\n").contains {
                $0.hasPrefix("B0,23.933,") && $0.hasSuffix(",data folder: FYGFDPUN 2022Q2")
            })
    }

    @Test("compare --counterfactual prints the AI-boom attribution")
    func counterfactual() throws {
        let dir = try Tool.scratch()
        let result = try Tool.run(
            [
                "compare", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--regimes", "none",
                "--counterfactual",
            ], in: dir)
        #expect(result.status == 0)
        #expect(result.stdout.contains("Attribution (as solved minus counterfactual = no_ai_boom):"))
        #expect(Tool.files(dir.appendingPathComponent("out/compare")).contains("series_none_no_ai_boom.csv"))
    }

    @Test(
        "every command has help with examples",
        arguments: ["run", "compare", "matrices", "params", "calibrate", "history", "backtest", "export", "sweep run"])
    func help(_ command: String) throws {
        let result = try Tool.run(command.split(separator: " ").map(String.init) + ["--help"], in: try Tool.scratch())
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: liquidity \(command)"))
        #expect(result.stdout.contains("Examples:"))
    }
}

@Suite("Calibration, end to end")
struct CalibrateCommandTests {
    @Test("calibrate --check prints the targets table and the count inside their bands")
    func check() throws {
        let result = try Tool.run(
            ["calibrate", "--check", "--model", "models/reverse-qe.sfc", "--config", "calibration/baseline.toml"],
            in: Tool.root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("targets against the model\n"))
        #expect(result.stdout.hasSuffix("16 of 16 fitted targets inside their bands (calibration/baseline.toml)\n"))
    }

    @Test("a bad fit file exits 2 with the file, key and what is allowed, and writes nothing")
    func badFit() throws {
        let dir = try Tool.scratch()
        try """
        regime = \"none\"\nsolver = \"rk8pd\"\ntolerance = 1e-9\nmethod = \"lm\"\nmax_iterations = \
        5\nband_penalty = -1\n[[free]]\nkey = \"I1\"\nlower = 0.5\nupper = 2\n
        """
        .write(to: dir.appendingPathComponent("f.toml"), atomically: true, encoding: .utf8)
        let result = try Tool.run(
            [
                "calibrate", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--targets",
                Tool.root.appendingPathComponent("calibration/targets.toml").path,
                "--fit", "f.toml", "--write", "out.toml",
            ], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr == "error: f.toml: band_penalty = -1.0; allowed: a finite number >= 0\n")
        #expect(Tool.files(dir) == ["f.toml"])
    }
}

@Suite("One writer per output folder")
struct OutputLockTests {
    @Test("a second process writing into a folder another one is writing into is refused, naming it")
    func twoWriters() throws {
        let dir = try Tool.scratch()
        let sweep = Process()
        sweep.executableURL = Tool.executable
        sweep.arguments = [
            "sweep", Tool.root.appendingPathComponent("scenarios/montecarlo.toml").path, "--quiet", "--out", "shared",
        ]
        sweep.currentDirectoryURL = dir
        sweep.standardOutput = FileHandle.nullDevice
        sweep.standardError = FileHandle.nullDevice
        // The test hook halts the sweep, holding its folder, once it has recorded a run (CSVRunStore.haltAfter).
        sweep.environment = ProcessInfo.processInfo.environment.merging(["LIQUIDITY_TEST_HALT_AFTER_RUNS": "1"]) { $1 }
        try sweep.run()
        defer {
            kill(sweep.processIdentifier, SIGKILL)
            sweep.waitUntilExit()
        }
        let halted = dir.appendingPathComponent("shared/.halted").path
        while !FileManager.default.fileExists(atPath: halted) && sweep.isRunning { usleep(10_000) }
        try #require(sweep.isRunning, "the sweep ended before it halted")
        let second = try Tool.run(
            ["compare", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--quiet", "--out", "shared"], in: dir)
        #expect(second.status == 2)
        #expect(
            second.stderr
                == """
                error: --out shared: process \(sweep.processIdentifier) is writing into this directory; wait for \
                it to finish or pick another --out\n
                """
        )
        #expect(!Tool.files(dir.appendingPathComponent("shared")).contains("compare.csv"))
    }

    @Test("run and compare write into folders of their own by default")
    func defaults() throws {
        let dir = try Tool.scratch()
        #expect(
            try Tool.run(["run", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--quiet"], in: dir).status == 0)
        #expect(
            try Tool.run(
                ["compare", "--model", Tool.reverseQE, "--config", Tool.modelmd, "--regimes", "none", "--quiet"],
                in: dir
            ).status == 0)
        #expect(Tool.files(dir.appendingPathComponent("out")) == ["compare", "run"])
        #expect(Tool.files(dir.appendingPathComponent("out/run")) == ["manifest.json", "series.csv", "units.csv"])
    }
}

@Suite("Which configuration a run used, and why")
struct ConfigurationNoteTests {
    @Test(
        """
        a copy of the default model under another name runs with its own values and says so, naming the \
        package's configuration; the package's file and another model say nothing of the kind
        """
    )
    func copyOfDefault() throws {
        let dir = try Tool.scratch()
        let copy = dir.appendingPathComponent("mine.sfc")
        try FileManager.default.copyItem(at: Tool.root.appendingPathComponent("models/liquidity-priced.sfc"), to: copy)
        let note =
            """
            its own values: it is the model liquidity_priced but not the package's file, whose configuration \
            calibration/liquidity-priced-2026.toml goes with --config
            """
        let run = try Tool.run(["run", "--model", "mine.sfc", "--to", "2022.6", "--out", "r"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n")[0].hasSuffix("model mine.sfc; \(note)"))
        let compare = try Tool.run(
            ["compare", "--model", "mine.sfc", "--to", "2022.6", "--regimes", "none", "--out", "c"], in: dir)
        #expect(compare.stdout.split(separator: "\n")[0].hasSuffix("model mine.sfc; \(note)"))
        let given = try Tool.run(
            [
                "run", "--model", "mine.sfc", "--config",
                Tool.root.appendingPathComponent("calibration/liquidity-priced-2026.toml").path, "--to", "2026.1",
                "--out", "g",
            ], in: dir)
        #expect(given.status == 0 && !given.stdout.contains("its own values"))
        let sim = try Tool.run(
            ["run", "--model", Tool.root.appendingPathComponent("models/gl-sim.sfc").path, "--to", "2", "--out", "s"],
            in: dir)
        #expect(sim.status == 0 && !sim.stdout.contains("its own values"))
    }
}
