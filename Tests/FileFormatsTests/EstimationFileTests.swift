import FlowModel
import Foundation
import TestSupport
import Testing

@testable import Application
@testable import Experiments
@testable import FileFormats

extension EstimationFolder {
    func job() throws -> EstimationJob { try EstimationJob(model: model, config: nil, file: file, data: data) }
}

@Suite("Estimation files, end to end in-process")
struct EstimationFileTests {
    @Test(
        "the data become month means and quarter-end months; the run writes every file, its draws as the settings ask")
    func endToEnd() throws {
        let folder = try EstimationFolder()
        let job = try folder.job()
        let likelihood = job.estimation.likelihood
        #expect(likelihood.months.count == 24)
        // X's figure for January 2020: the mean of its two observations.
        #expect(abs(likelihood.data[0][0]! - 101) < 1e-9)
        // Q's 2020-01-01 value is the end of 2020Q1: March's figure; January and February have none.
        #expect(
            likelihood.data[1][0] == nil && likelihood.data[1][1] == nil && abs(likelihood.data[1][2]! - 110) < 1e-9)
        #expect(likelihood.count == 24 + 8)
        let outcome = try job.run()
        let out = folder.dir.appendingPathComponent("out").path
        let files = try job.write(
            outcome, to: out, tool: .init(version: "test", commit: "test"), command: ["estimate"])
        #expect(
            files.map { ($0 as NSString).lastPathComponent } == [
                "observables.csv", "mode.toml", "draws.csv", "posterior.csv", "prior-posterior.svg", "report.md",
                "manifest.json",
            ])
        let draws = try String(contentsOfFile: out + "/draws.csv", encoding: .utf8).split(separator: "\n")
        #expect(draws.first == "chain,draw,log_posterior,log_likelihood,a,b,sd[Q]")
        #expect(draws.count == 1 + 2 * 200)
        let posterior = try String(contentsOfFile: out + "/posterior.csv", encoding: .utf8).split(separator: "\n")
        #expect(posterior.count == 4 && posterior[1].hasPrefix("a,uniform,,,0.1,4.0,"))
        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        let summary = try #require(outcome.summary)
        #expect(
            report.contains(summary.maxRHat <= 1.01 && summary.minESS >= 400 ? "**Converged**" : "**Not converged**"))
        #expect(report.contains("32 monthly observations"))
        let mode = try String(contentsOfFile: out + "/mode.toml", encoding: .utf8)
        #expect(mode.contains("a = \(outcome.mode.values[0])"))
    }

    @Test(
        "a bad estimation file is refused naming the file, the key and what is allowed",
        arguments: [
            (
                "prior = \"uniform\"", "prior = \"cauchy\"",
                "free[0].prior = \"cauchy\"; allowed: normal, lognormal, gamma, beta, uniform"
            ),
            (
                "series = \"X\"\nsd = 5.0", "series = \"X\"",
                "observable[0] (X): missing key sd; state it, or estimate it as [[free]] key = \"sd[X]\""
            ),
            (
                "rho = 0.5", "rho = 0.5\nsd = 2.0",
                "observable[1].sd: sd[Q] is also estimated ([[free]]); give one of them"
            ),
            ("rho = 0.5", "rho = 1.0", "observable[1].rho = 1.0; allowed: in (-1, 1)"),
            (
                "mean = 5.0\nsd = 5.0",
                "mean = 5.0\nsd = 5.0\n[[free]]\nkey = \"rho[Z]\"\nlower = 0.0\nupper = 0.9\nprior = \"uniform\"",
                "[[free]] rho[Z]: no [[observable]] has that series; the observables: X, Q"
            ),
            ("to = \"2021-12\"", "to = \"2021-13\"", "to = \"2021-13\"; allowed: a month, YYYY-MM (2022-07)"),
            ("to = \"2021-12\"", "to = \"2019-12\"", "to = \"2019-12\" is before from = \"2020-01\""),
            (
                "mean = 3.0\nsd = 1.0", "mean = 3.0\nsd = 0.0",
                "free[1] (b): prior normal(mean 3.0, sd 0.0): mean and sd must be finite, sd > 0"
            ),
            ("chains = 2", "chains = 1", "chains = 1.0; allowed: a whole number from 2"),
            (
                "seed = 9", "seed = 9\nwalkers = 3",
                """
                unknown key walkers; allowed: model, regime, solver, tolerance, from, to, targets, chains, warmup, \
                draws, thin, seed, max_iterations, observable, free
                """
            ),
        ])
    func badFile(_ original: String, _ replacement: String, _ message: String) throws {
        let folder = try EstimationFolder { text in
            #expect(text.contains(original), "the edit's text is in the file")
            return text.replacingOccurrences(of: original, with: replacement)
        }
        #expect(throws: InputError("\(folder.file): \(message)")) { try folder.job() }
    }

    @Test("months outside the run, an observable the model lacks and a missing data file are refused, naming each")
    func badData() throws {
        let late = try EstimationFolder { $0.replacingOccurrences(of: "to = \"2021-12\"", with: "to = \"2024-01\"") }
        #expect(
            throws: InputError(
                """
                \(late.file): from 2020-01 to 2024-01 leaves the run's horizon, 2020.0 to 2024.0 (\(late.model)); \
                allowed: months inside it
                """
            )
        ) { try late.job() }
        let unknown = try EstimationFolder {
            $0.replacingOccurrences(of: "series = \"Q\"", with: "series = \"Z\"").replacingOccurrences(
                of: "sd[Q]", with: "sd[Z]")
        }
        #expect(
            throws: InputError(
                "\(unknown.file): observable Z: \(unknown.model) has no observe Z; its observables: X, Q")
        ) { try unknown.job() }
        let missing = try EstimationFolder()
        try FileManager.default.removeItem(atPath: missing.data + "/Q.csv")
        #expect(throws: InputError.self) { try missing.job() }
        do {
            _ = try missing.job()
        } catch let error as InputError {
            #expect(error.message.hasPrefix(missing.data + "/Q.csv: "), "\(error.message)")
        }
    }
}
