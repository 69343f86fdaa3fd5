import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve the model many times over a grid or random draws of parameters, on all cores.",
        discussion: "`liquidity sweep SPEC.toml` runs a sweep (see `liquidity sweep run --help`); `liquidity sweep merge` joins shards.",
        subcommands: [SweepRun.self, SweepMerge.self],
        defaultSubcommand: SweepRun.self)
}

struct SweepRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Solve the model many times over a grid or random draws of parameters, on all cores.",
        discussion: """
            SPEC (TOML): name; design = "grid" (every combination of the listed values), "random" or \
            "latin" (Latin hypercube) with draws and seed; regimes (default ["none"]); solver (default \
            msbdf) and tolerance (default 1e-10); [[parameter]] tables: key (as in `liquidity params`) \
            and distribution = "values" (values = [...]), "uniform" (lower, upper), "normal" (mean, \
            sd) or "lognormal" (log_mean, log_sd); optional [paths] with series = [...] and dates = [...].

            Writes into --out, as each run finishes: runs.csv (run, regime, status, the parameters, \
            the summary that compare prints, the largest accounting residual, the solver's message) \
            and paths.csv (run, regime, t, series, value) when [paths] is given; then sweep.json. \
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

    @Flag(help: "No progress bar.")
    var quiet = false

    @Option(help: ArgumentHelp("Solve only part K of N disjoint parts of the sweep.", valueName: "K/N"))
    var shard: String?

    /// (K, N) of --shard, 1-based K.
    func parsedShard() throws -> (Int, Int) {
        guard let shard else { return (1, 1) }
        let parts = shard.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else {
            throw InputError("--shard \(shard): expected K/N with 1 <= K <= N, such as 2/4")
        }
        return (k, n)
    }

    func run() throws {
        let (base, configPath) = try inputs.parameters()
        let spec = try SweepSpecFile.read(self.spec, base: base)
        guard jobs >= 1 else { throw InputError("--jobs \(jobs): must be at least 1") }
        let (shardIndex, shardCount) = try parsedShard()
        let ensemble = Ensemble(spec, base: base)
        let store = try CSVRunStore(try OutputDirectory(out), ensemble: ensemble)
        let analysis = EnsembleAnalysis(ensemble)
        store.kept.forEach(analysis.add)
        let done = Set(store.kept.map(\.id))
        let work = ensemble.runs(shard: shardIndex, of: shardCount).filter { !done.contains($0) }
        let progress = SweepProgress(total: work.count, already: done.count, quiet: quiet)
        let started = Date()
        try ensemble.run(work, jobs: jobs, into: store) { run in
            analysis.add(run)
            progress.finished(failed: run.status != .success)
        }
        progress.close()

        let record = SweepRecord(
            name: spec.name, spec: self.spec, config: configPath, runs: analysis.runCount, statuses: analysis.statusCounts,
            largest_identity_residual_relative: analysis.largestIdentityResidual, parameters: ensemble.keys,
            regimes: spec.regimes.map(\.rawValue), solver: spec.stepper.rawValue, tolerance: spec.tolerance, jobs: jobs,
            shard: "\(shardIndex)/\(shardCount)", wall_time_seconds_this_session: Date().timeIntervalSince(started),
            tool: BuildInfo.version, commit: BuildInfo.commit)
        try store.directory.write("sweep.json", try JSON.text(record))
        var notes = ""
        if !spec.pathSeries.isEmpty, shardCount == 1 {
            try store.directory.write("fan.csv", SweepFiles.fan(analysis.fan()))
            notes += ", \(out)/fan.csv"
        }
        if case .elasticity(let step) = spec.design, shardCount == 1 {
            let table = SweepFiles.elasticities(analysis.elasticities(step: step))
            try store.directory.write("elasticities.csv", table.csv)
            print(table.text)
            notes += ", \(out)/elasticities.csv"
        }
        if case .saltelli(let baseDraws, _) = spec.design, shardCount == 1 {
            let table = SweepFiles.sobol(analysis.sobol(baseDraws: baseDraws))
            try store.directory.write("sobol.csv", table.csv)
            print(table.text)
            notes += ", \(out)/sobol.csv"
        }
        print("\(spec.name): \(analysis.runCount) runs (\(work.count) solved now, \(done.count) kept); "
            + analysis.statusCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            + "; largest identity residual \(String(format: "%.1e", analysis.largestIdentityResidual)) of M")
        print("wrote \(out)/runs.csv" + (spec.pathSeries.isEmpty ? "" : ", \(out)/paths.csv") + ", \(out)/sweep.json" + notes)
    }
}

/// `sweep.json`: what a sweep ran, with what, and how its runs ended.
struct SweepRecord: Encodable {
    let name: String, spec: String, config: String
    let runs: Int, statuses: [String: Int], largest_identity_residual_relative: Double
    let parameters: [String], regimes: [String], solver: String, tolerance: Double, jobs: Int, shard: String
    let wall_time_seconds_this_session: Double, tool: String, commit: String
}

/// A progress bar with the time left, on standard error, at most twice a second.
final class SweepProgress: @unchecked Sendable {
    let total: Int, already: Int, quiet: Bool
    private var finished = 0, failed = 0
    private var lastPrint = Date.distantPast
    private let start = Date()
    private let lock = NSLock()

    init(total: Int, already: Int, quiet: Bool) {
        self.total = total
        self.already = already
        self.quiet = quiet
    }

    func finished(failed didFail: Bool) {
        lock.lock()
        defer { lock.unlock() }
        finished += 1
        if didFail { failed += 1 }
        guard !quiet, Date().timeIntervalSince(lastPrint) >= 0.5 || finished == total else { return }
        lastPrint = Date()
        let elapsed = Date().timeIntervalSince(start)
        let left = finished > 0 ? elapsed / Double(finished) * Double(total - finished) : 0
        let width = 30, filled = total > 0 ? width * finished / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data(String(format: "\r[%@] %d/%d runs, %d failed, %.0f runs/s, %.0f s left  ",
            bar, finished, total, failed, Double(finished) / max(elapsed, 1e-9), left).utf8))
    }

    func close() {
        if !quiet && total > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

struct SweepMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shards of a sweep into the files one run would write (rows sorted by run and regime).",
        discussion: """
            Examples:
              liquidity sweep merge out/sweep out/shard1 out/shard2 out/shard3 out/shard4
            """)

    @Argument(help: ArgumentHelp("Output directory.", valueName: "out"))
    var out: String

    @Argument(help: ArgumentHelp("The shards' directories.", valueName: "shard"))
    var shards: [String]

    func run() throws {
        guard !shards.isEmpty else { throw InputError("merge: name at least one shard directory") }
        try SweepFiles.merge(shards, into: try OutputDirectory(out))
        print("merged \(shards.count) shards into \(out)")
    }
}
