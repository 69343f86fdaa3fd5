import Foundation
import TestSupport
import Testing

@Suite("estimate through the tool")
struct EstimateCommandTests {
    @Test("a short estimate writes its files and prints R-hat, ESS and the flags; --quiet prints only the files")
    func run() throws {
        let folder = try EstimationFolder()
        let arguments = [
            "estimate", "--model", folder.model, "--estimation", folder.file, "--data", folder.data, "--draws", "100",
            "--warmup", "100", "--out", "out",
        ]
        let result = try Tool.run(arguments, in: folder.dir)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("largest R-hat ") == true)
        #expect(
            lines.last
                == "wrote "
                + [
                    "observables.csv", "mode.toml", "draws.csv", "posterior.csv", "prior-posterior.svg", "report.md",
                    "manifest.json",
                ].map { "out/" + $0 }.joined(separator: ", "))
        #expect(result.stderr.hasPrefix("estimate: 3 parameters, 32 monthly observations of 2 series, 0 targets\n"))
        // The chains' settings from the command line, not the file's.
        let draws = try Tool.text(folder.dir.appendingPathComponent("out/draws.csv")).split(separator: "\n")
        #expect(draws.count == 1 + 2 * 100)
        let quiet = try Tool.run(arguments + ["--quiet", "--mode-only", "--out", "mode"], in: folder.dir)
        #expect(quiet.status == 0 && quiet.stderr == "")
        #expect(quiet.stdout == "wrote mode/observables.csv, mode/mode.toml, mode/manifest.json\n")
    }

    @Test("--to ends the likelihood at another month than the file's: 12 months of X and 4 quarters of Q to 2020-12")
    func to() throws {
        let folder = try EstimationFolder()
        let arguments = [
            "estimate", "--model", folder.model, "--estimation", folder.file, "--data", folder.data, "--mode-only",
            "--out", "out",
        ]
        let shorter = try Tool.run(arguments + ["--to", "2020-12"], in: folder.dir)
        #expect(shorter.status == 0, "\(shorter.stderr)")
        #expect(shorter.stderr.hasPrefix("estimate: 3 parameters, 16 monthly observations of 2 series, 0 targets\n"))
        let before = try Tool.run(arguments + ["--to", "2019-12"], in: folder.dir)
        #expect(before.status == 2)
        #expect(
            before.stderr == "error: --to 2019-12: allowed: a month, YYYY-MM, from \(folder.file)'s first, 2020-01\n")
    }

    @Test("bad options and a model without an estimation file are refused, with the option and what is allowed")
    func refused() throws {
        let folder = try EstimationFolder()
        let chains = try Tool.run(["estimate", "--model", folder.model, "--chains", "1"], in: folder.dir)
        #expect(chains.status == 2)
        #expect(chains.stderr == "error: --chains 1: allowed: 2 to 1000000\n")
        let none = try Tool.run(["estimate", "--model", folder.model], in: folder.dir)
        #expect(none.status == 2)
        #expect(none.stderr == "error: \(folder.model) has no committed estimation file: give --estimation FILE\n")
        #expect(Tool.files(folder.dir) == ["data", "estimate.toml", "toy.sfc"])
    }
}
