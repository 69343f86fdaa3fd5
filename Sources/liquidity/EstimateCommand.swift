import Application
import ArgumentParser
import Experiments
import FileFormats
import Foundation

struct Estimate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Bayesian estimation: the posterior mode, then MCMC chains, of a model against monthly data.",
        discussion: """
            Sets the model's observe series against month averages of the FRED files in --data (each \
            series in <data>/<id>.csv), with a normal measurement error per series (its sd stated or \
            estimated; independent or AR(1) from month to month), adds each target of the estimation \
            file's targets file as a normal term (sd = band / sqrt(weight); quarter-end values of an \
            observed series are left to the monthly data), and a prior per estimated parameter \
            (normal, lognormal, gamma, beta or uniform within its bounds). Finds the posterior mode by \
            BFGS, then runs adaptive Metropolis chains from over-dispersed starts around it, on every \
            core, and reports R-hat, effective sample sizes, acceptance, parameters at a bound and \
            pairs correlated beyond 0.9.

            Writes into --out (default out/estimate): report.md, posterior.csv (per parameter: prior, \
            mode, mean, sd, quantiles, R-hat, ESS), draws.csv (every kept draw of every chain), \
            observables.csv (the monthly data against the model at the mode), mode.toml (the \
            configuration at the mode), prior-posterior.svg and manifest.json. The same command gives \
            the same numbers (the chains are seeded).

            The default model's estimation file is calibration/estimate-liquidity-priced.toml, started \
            from calibration/liquidity-priced.toml; models/liquidity.sfc's is calibration/estimate-liquidity.toml, \
            from calibration/liquidity.toml (docs/estimation.md).

            Examples:
              liquidity estimate --mode-only
              liquidity estimate --chains 4 --draws 2000 --warmup 2000
              liquidity estimate --model my.sfc --estimation my-estimate.toml --config my.toml
            """)

    @Option(help: ArgumentHelp("The model file (default: models/liquidity-priced.sfc).", valueName: "file"))
    var model: String?

    @Option(
        help: ArgumentHelp(
            "Starting configuration (default for the default model: calibration/liquidity.toml).", valueName: "file"))
    var config: String?

    @Option(
        help: ArgumentHelp(
            "Estimation file (default for the package's models: calibration/estimate-<model>.toml).",
            valueName: "file"))
    var estimation: String?

    @Option(
        help: ArgumentHelp("Folder of the FRED files (default: the package's data/).", valueName: "dir"))
    var data: String?

    @Option(
        help: ArgumentHelp(
            "The likelihood's last month, YYYY-MM, in place of the estimation file's `to` (new data).",
            valueName: "month"))
    var to: String?

    @Option(help: ArgumentHelp("Output folder (default: out/estimate).", valueName: "dir"))
    var out: String = "out/estimate"

    @Option(help: "Chains (default: the estimation file's, else 4).")
    var chains: Int?

    @Option(help: "Kept draws per chain (default: the estimation file's, else 1000).")
    var draws: Int?

    @Option(help: "Warm-up iterations per chain (default: the estimation file's, else 1000).")
    var warmup: Int?

    @Option(help: "Seed of the chains (default: the estimation file's, else 1).")
    var seed: Int?

    @Flag(help: "Find the mode only: no chains.")
    var modeOnly = false

    @Flag(help: "No progress messages and no tables: print only the files written.")
    var quiet = false

    @OptionGroup var native: NativeOption

    func run() throws {
        try native.install()
        // The options are checked before any file is looked for.
        _ = try EstimationJob.sampler(
            SamplerSettings(), chains: chains, draws: draws, warmup: warmup, seed: seed, prefix: "--")
        let modelFile = try model ?? Defaults.modelFile()
        let (file, start) = try EstimationJob.files(
            model: modelFile, estimation: estimation, config: config, anchors: [PackageFiles.executable],
            beside: "the tool", option: "--estimation FILE")
        let settled = try EstimationJob(
            model: modelFile, config: start, file: file, data: try data ?? Defaults.dataFile("data"), to: to
        ).sampling(chains: chains, draws: draws, warmup: warmup, seed: seed, prefix: "--")
        let quiet = quiet
        if !quiet {
            printError(
                """
                estimate: \(settled.estimation.parameters.count) parameters, \(settled.estimation.likelihood.count) \
                monthly observations of \(settled.estimation.likelihood.observables.count) series, \
                \(settled.estimation.targets.count) targets
                """)
        }
        let started = Date()
        let outcome = try settled.run(modeOnly: modeOnly) { message in
            if !quiet { printError(message + String(format: " (%.0f s)", Date().timeIntervalSince(started))) }
        }
        let files = try settled.write(outcome, to: out, tool: BuildInfo.tool, command: CommandLine.arguments)
        if !quiet, let summary = outcome.summary {
            print(
                String(
                    format:
                        "largest R-hat %.3f, smallest bulk ESS %.0f; %d at a bound, %d pairs correlated beyond 0.9",
                    summary.maxRHat, summary.minESS, summary.parameters.filter(\.atBound).count,
                    summary.correlated.count))
        }
        print("wrote " + files.joined(separator: ", "))
    }
}
