import Application
import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Solve the model many times over a grid or random draws of parameters, on all cores.",
        discussion:
            """
            `liquidity sweep SPEC.toml` runs a sweep (see `liquidity sweep run --help`); `liquidity sweep merge` \
            joins shards.
            """,
        subcommands: [SweepRun.self, SweepMerge.self],
        defaultSubcommand: SweepRun.self)
}

struct SweepRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Solve the model many times over a grid or random draws of parameters, on all cores.",
        discussion: """
            SPEC (TOML): name; design = "grid" (every combination of the listed values), "random" or \
            "latin" (Latin hypercube) with draws and seed, "saltelli" (Sobol indices, base_draws and \
            seed) or "elasticity" (each parameter moved by step, default 0.01, around its value); \
            regimes (options of the model file's choice \
            regime; default its first); solver (default msbdf) and tolerance (default 1e-10); \
            [[parameter]] tables: key (as in `liquidity params`: beta[crypto], or risk.crypto.beta) \
            and distribution = "values" (values = [...]), "uniform" (lower, upper), "normal" (mean, \
            sd) or "lognormal" (log_mean, log_sd); optional [paths] with series = [...] and dates = [...].

            Writes into --out, as each run finishes: runs.csv (run, regime, status, steps, the \
            parameters, every summary the model file declares, the solver's message) and paths.csv \
            (run, regime, t, series, value) when [paths] is given; then sweep.json, and fan.csv, \
            elasticities.csv or sobol.csv as the design has them. \
            Rows come in the order runs finish; sorted, two sweeps of the same spec are identical. \
            Interrupted? Run the same command again: finished runs are kept, the rest are solved. \
            A run that fails is recorded with its return code and the sweep goes on.

            --shard K/N solves only the runs whose number is K-1 modulo N: N such shards, run anywhere \
            (a Slurm job array, say), cover the sweep once; `liquidity sweep merge` joins them.

            Examples:
              liquidity sweep scenarios/sweep-example.toml --out out/sweep
              liquidity sweep scenarios/sweep-example.toml --shard 2/4 --out out/shard2
            """)

    @Argument(help: ArgumentHelp("Sweep specification.", valueName: "SPEC.toml"))
    var spec: String

    @OptionGroup var inputs: ModelInputOptions

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out: String = "out/sweep"

    @Option(help: "Worker threads (default: every core).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "No progress bar and no tables: print only the files written.")
    var quiet = false

    @Option(help: ArgumentHelp("Solve only part K of N disjoint parts of the sweep.", valueName: "K/N"))
    var shard: String?

    @Flag(help: "Start afresh in --out, discarding the runs of an earlier sweep there.")
    var restart = false

    @Option(
        name: .customLong("max-points"),
        help: ArgumentHelp(
            "The most design points the spec may have (default 10,000,000; raise it for a cluster).", valueName: "N"))
    var maxPoints: Int = SweepSpecFile.pointLimit

    /// (K, N) of --shard, 1-based K.
    func parsedShard() throws -> (Int, Int) {
        guard let shard else { return (1, 1) }
        let parts = shard.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else {
            throw InputError("--shard \(shard): expected K/N with 1 <= K <= N, such as 2/4")
        }
        return (k, n)
    }

    /// The model swept, and the configuration's path (or the model file's, for its own values).
    func model() throws -> (any EnsembleModel, String) {
        let file = try inputs.modelFile()
        let source = try ModelFiles.source(file)
        let settings = try inputs.modelSettings()
        try ModelFiles.checkSweepSpan(source, settings: settings)
        do {
            return (
                try FileEnsembleModel(source: source, settings: settings, choice: ModelFiles.regimeChoice),
                try inputs.configFile() ?? file
            )
        } catch let error as ModelFileError {
            throw ModelFiles.inputError(error)
        }
    }

    @OptionGroup var native: NativeOption

    func run() throws {
        try native.install()
        let (model, configPath) = try model()
        guard maxPoints >= 1 else { throw InputError("--max-points \(maxPoints): must be at least 1") }
        let spec: EnsembleSpec
        do {
            spec = try SweepSpecFile.read(self.spec, model: model, maxPoints: maxPoints)
        } catch let error as PointLimit {
            throw InputError("\(error.description) (--max-points raises it, for a cluster)")
        }
        guard jobs >= 1 else { throw InputError("--jobs \(jobs): must be at least 1") }
        let shard = try parsedShard()
        let progress = SweepProgress(quiet: quiet)
        let report = try SweepFiles.run(
            Ensemble(spec, model: model), into: try OutputDirectory(out), shard: shard, jobs: jobs,
            about: SweepRecord.About(spec: self.spec, config: configPath, tool: BuildInfo.tool), restart: restart,
            starting: { total, _ in progress.start(total: total) },
            finished: { run in progress.finished(failed: run.status != .success) })
        progress.close()
        if quiet {
            print("wrote " + report.files.map { "\(out)/\($0)" }.joined(separator: ", "))
            return
        }
        for table in report.tables { print(table) }
        print(
            "\(spec.name): \(report.runCount) runs (\(report.solvedNow) solved now, \(report.kept) kept); "
                + report.statusCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(
                    separator: ", ")
                + (report.largestIdentityResidual.map {
                    "; largest identity residual \(String(format: "%.1e", $0)) of M"
                } ?? ""))
        print("wrote " + report.files.map { "\(out)/\($0)" }.joined(separator: ", "))
    }
}

/// A progress bar with the time left, on standard error, at most twice a second.
final class SweepProgress: @unchecked Sendable {
    let quiet: Bool
    /// Whether standard error is a terminal (a bar) or a file or pipe (plain lines).
    let terminal = isatty(2) == 1
    private var total = 0
    private var finished = 0, failed = 0
    private var lastPrint = Date.distantPast
    private var start = Date()
    private let lock = NSLock()

    init(quiet: Bool) {
        self.quiet = quiet
    }

    /// The bar counts `total` runs from now.
    func start(total: Int) {
        lock.withLock {
            self.total = total
            start = Date()
        }
    }

    func finished(failed didFail: Bool) {
        lock.lock()
        defer { lock.unlock() }
        finished += 1
        if didFail { failed += 1 }
        // On a terminal a bar redrawn twice a second; in a log, a plain line every ten seconds.
        let interval = terminal ? 0.5 : 10
        guard !quiet, Date().timeIntervalSince(lastPrint) >= interval || finished == total else { return }
        lastPrint = Date()
        let elapsed = Date().timeIntervalSince(start)
        let left = finished > 0 ? elapsed / Double(finished) * Double(total - finished) : 0
        let counts = String(
            format: "%d/%d runs, %d failed, %.0f runs/s, %.0f s left", finished, total, failed,
            Double(finished) / max(elapsed, 1e-9), left)
        if terminal {
            let width = 30
            let filled = total > 0 ? width * finished / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(counts)  ".utf8))
        } else {
            FileHandle.standardError.write(Data("liquidity sweep: \(counts)\n".utf8))
        }
    }

    func close() {
        if !quiet && total > 0 && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

struct SweepMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shards of a sweep into the files one run would write (rows sorted by run and regime).",
        discussion: """
            Every shard of the split must be named once, each finished (its sweep.json written) and of the \
            same sweep (the same spec, seed, model, configuration and solver: sweep-inputs.json); a runs.csv \
            cut short, holding a run twice, or holding other than the runs its sweep.json counts is refused, \
            and nothing is written.

            Examples:
              liquidity sweep merge out/sweep out/shard1 out/shard2 out/shard3 out/shard4
            """)

    @Argument(help: ArgumentHelp("Output directory.", valueName: "out"))
    var out: String

    @Argument(help: ArgumentHelp("The shards' directories.", valueName: "shard"))
    var shards: [String]

    func run() throws {
        guard !shards.isEmpty else { throw InputError("merge: name at least one shard directory") }
        let runs = try SweepFiles.merge(shards, into: out)
        print("merged \(shards.count) shard\(shards.count == 1 ? "" : "s"), \(runs) runs, into \(out)")
    }
}
