import Application
import Experiments
import FileFormats
import Foundation
import Reports
import TestSupport
import Testing

@testable import liquidity

@Suite("Fuzzing the command line", .serialized)
struct OptionFuzzTests {
    /// Values for each option: valid ones and every kind of bad one.
    static let pool: [(String, [String])] = [
        ("--rtol", ["1e-8", "0", "-1", "nan", "inf", "1e-300", "abc", ""]),
        ("--atol", ["1e-8", "0", "-1e-3", "nan", "1e400"]),
        ("--solver", ["msbdf", "rk8pd", "rkf45", "euler", ""]),
        ("--save-step", ["monthly", "quarterly", "annual", "0", "-1", "1e-9", "nan", "x", "0.5"]),
        ("--from", ["2025-01-01", "2025.5", "2025-13-01", "1e308", "-inf", "x", "2032"]),
        ("--to", ["2026-01-01", "2025.25", "2024", "1e9", "nan", ""]),
        (
            "--set",
            [
                "payout=0.5", "payout=2", "beta=1", "beta[crypto]=2.5", "risk.crypto.beta=3", "bogus=1", "payout=nan",
                "payout", "=1", "I0=1e15",
            ]
        ),
        ("--regimes", ["none", "none,buyer", "none,,buyer", "qe", "", "none,none", "share"]),
        ("--max-steps", ["1", "0", "-5", "1000", "x"]),
        ("--scenario", ["scenarios/tight.toml", "nowhere.toml", "no-ai-boom", "models"]),
        (
            "--config",
            [
                "calibration/liquidity-2026.toml", "calibration/modelmd.toml", "nowhere.toml", "calibration",
                "models/gl-sim.sfc",
            ]
        ),
        (
            "--model",
            [
                "models/reverse-qe.sfc", "models/gl-sim.sfc", "models/gl-pc.sfc", "nowhere.sfc",
                "calibration/baseline.toml",
            ]
        ),
        ("--format", ["csv", "latex", "bogus"]),
        ("--at", ["2026-01-01", "2040", "x"]),
        ("--regime", ["buyer", "qe"]),
        ("--matrices-at", ["2026-01-01", "2026.3", "x"]),
        ("--counterfactual", []), ("--plot", []), ("--notebook", []), ("--quiet", []), ("--toml", []),
    ]

    static let commands: [[String]] = [
        ["compare"], ["run"], ["matrices"], ["params"], ["export", "--notebook", "OUT"],
    ]

    /// 60 random command lines, run in-process as the tool runs them:
    /// each ends in success, bad input (nothing written), a solver failure or
    /// a usage error; none crashes, and none leaves a half-written file.
    @Test(
        "60 random command lines end in success, a located error or a solver failure, never a crash or a partial file"
    )
    func commandLines() throws {
        let dir = try Tool.scratch()
        var rng = SeededGenerator(seed: 2026_12_02)
        var outcomes: [String: Int] = [:]
        // The commands' tables are not the point: they go nowhere.
        let printing = liquidity.standardOutput
        liquidity.standardOutput = { _ in }
        defer { liquidity.standardOutput = printing }
        let here = FileManager.default.currentDirectoryPath
        #expect(
            FileManager.default.changeCurrentDirectoryPath(Tool.root.path), "the fuzz runs from the package's folder")
        defer { _ = FileManager.default.changeCurrentDirectoryPath(here) }
        for round in 0..<60 {
            let out = dir.appendingPathComponent("o\(round)").path
            var arguments = Self.commands.randomElement(using: &rng)!.map { $0 == "OUT" ? out : $0 }
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                let (option, values) = Self.pool.randomElement(using: &rng)!
                arguments.append(option)
                if let value = values.randomElement(using: &rng) { arguments.append(value) }
            }
            // Short, bounded solves: the fuzz is of the options, not the model.
            if !arguments.contains("--to") { arguments += ["--to", "2026.25"] }
            if arguments[0] != "params" { arguments += ["--max-steps", "20000"] }
            if arguments[0] != "export" && arguments[0] != "params" { arguments += ["--out", out] }
            var outcome: String
            do {
                var command = try Liquidity.parseAsRoot(arguments)
                try command.run()
                outcome = "success"
            } catch is InputError {
                outcome = "bad input"
                #expect(
                    !FileManager.default.fileExists(atPath: out),
                    "round \(round): \(arguments) wrote \(out) despite bad input")
            } catch is SolveFailure {
                outcome = "solver failure"
            } catch {
                let code = Liquidity.exitCode(for: error)
                if code == .success {
                    // Only a request for help or the version ends without running and without failing.
                    outcome = "help"
                    #expect(
                        arguments.contains { ["--help", "-h", "help", "--version"].contains($0) },
                        "round \(round): \(arguments): \(error) exits 0")
                } else {
                    outcome = "usage error"
                    #expect(code == .validationFailure, "round \(round): \(arguments): \(error)")
                }
            }
            outcomes[outcome, default: 0] += 1
            let files = (try? FileManager.default.subpathsOfDirectory(atPath: out)) ?? []
            #expect(!files.contains { $0.contains(".tmp-") }, "round \(round): a partial file in \(out)")
        }
        Swift.print(
            "fuzz of the command line: 60 command lines; "
                + outcomes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        #expect((outcomes["success"] ?? 0) > 10 && (outcomes["bad input"] ?? 0) > 10, "\(outcomes)")
    }
}
