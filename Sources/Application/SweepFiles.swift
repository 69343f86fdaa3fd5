import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

/// The files of a sweep: `runs.csv` (a row per run), `paths.csv` (chosen
/// series at chosen dates), and the analyses' tables.
public enum SweepFiles {
    /// The header of `runs.csv`: run, regime, status, steps, the swept keys,
    /// every outcome of the model, the message.
    static func header(_ ensemble: Ensemble) -> String {
        (["run", "regime", "status", "steps"] + ensemble.keys + ensemble.model.outcomeColumns + ["message"]).joined(
            separator: ",")
    }

    /// The row of `runs.csv` for `run`, with `count` outcome columns.
    static func row(_ run: EnsembleRun, count: Int) -> String {
        let prefix = "\(run.id.run),\(run.id.option),"
        let values = run.point.map(CSV.number).joined(separator: ",")
        guard let outcomes = run.outcomes else {
            let blanks = String(repeating: ",", count: count)
            return prefix + "\(run.status),\(run.steps),\(values)\(blanks),\(CSV.field(run.message))"
        }
        return prefix + "\(run.status),\(run.steps),\(values),"
            + outcomes.map { $0.map(CSV.number) ?? "" }.joined(separator: ",") + ","
    }

    /// The lines of `paths.csv` for `run`: run, regime, t, series, value.
    static func pathLines(_ run: EnsembleRun) -> [String] {
        run.paths.map {
            "\(run.id.run),\(run.id.option)," + CSV.number($0.t) + "," + $0.series + "," + CSV.number($0.value)
        }
    }

    /// A row of `runs.csv` read back, or nil if it is not one of `ensemble`'s.
    static func parse(_ line: Substring, ensemble: Ensemble) -> EnsembleRun? {
        let k = ensemble.keys.count
        let count = ensemble.model.outcomeColumns.count
        let cells = line.split(separator: ",", maxSplits: 4 + k + count, omittingEmptySubsequences: false)
        guard cells.count == 4 + k + count + 1, let number = Int(cells[0]), let status = RunStatus(String(cells[2])),
            let steps = Int(cells[3])
        else { return nil }
        let point = cells[4..<(4 + k)].compactMap { Double($0) }
        let outcomes = cells[(4 + k)..<(4 + k + count)].map { Double($0) }
        var message = String(cells[cells.count - 1])
        if message.hasPrefix("\""), message.hasSuffix("\""), message.count >= 2 {
            message = String(message.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
        }
        return EnsembleRun(
            id: RunID(run: number, option: String(cells[1])), point: point, status: status, steps: steps,
            outcomes: status == .success ? outcomes : nil, message: message, paths: [])
    }

    /// Rows ordered by run number, then regime, then the rest of the line.
    public static func sorted(_ rows: [String]) -> [String] {
        rows.sorted { a, b in
            let x = a.split(separator: ",", maxSplits: 2)
            let y = b.split(separator: ",", maxSplits: 2)
            let (i, j) = (Int(x[0]) ?? 0, Int(y[0]) ?? 0)
            return i != j ? i < j : (x[1] != y[1] ? x[1] < y[1] : a < b)
        }
    }

    /// Joins the `runs.csv` and `paths.csv` of `shards` into `directory`,
    /// rows sorted by run and regime: the files one run of the sweep writes.
    ///
    /// Refuses, naming the folder or the file and line, shards of different
    /// sweeps (any input in `sweep-inputs.json` differs: the seed, the spec, the
    /// model), a set that does not hold every shard of the split once, a shard
    /// that did not finish (no `sweep.json`), and a `runs.csv` that is cut short,
    /// holds a run twice or holds another number of runs than `sweep.json` records.
    ///
    /// The folder `out` is made only once every shard has been read. Returns the number of runs merged.
    @discardableResult
    public static func merge(_ shards: [String], into out: String) throws -> Int {
        let parts = try shards.map(FinishedShard.init)
        let first = parts[0]
        for part in parts.dropFirst() {
            let changed = part.inputs.differences(from: first.inputs)
            guard changed.isEmpty else {
                throw InputError(
                    """
                    \(part.folder) is a shard of another sweep than \(first.folder): \
                    \(changed.joined(separator: ", ")) differ; merge the shards of one sweep
                    """
                )
            }
        }
        let count = first.shard.count
        if let other = parts.first(where: { $0.shard.count != count }) {
            throw InputError(
                """
                \(other.folder) is shard \(other.shard.index)/\(other.shard.count), \(first.folder) shard \
                \(first.shard.index)/\(count): shards of different splits
                """
            )
        }
        var folders: [Int: String] = [:]
        for part in parts {
            if let earlier = folders[part.shard.index] {
                throw InputError(
                    "\(part.folder) and \(earlier) are both shard \(part.shard.index)/\(count); name each shard once")
            }
            folders[part.shard.index] = part.folder
        }
        let missing = (1...count).filter { folders[$0] == nil }
        guard missing.isEmpty else {
            throw InputError(
                """
                shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) \
                missing: merge every shard of the split, each once
                """
            )
        }
        // Each run must come from one shard only: overlapping shards would write it twice.
        var owner: [String: String] = [:]
        for part in parts {
            for (line, row) in part.runs.rows {
                let id = row.split(separator: ",", maxSplits: 2).prefix(2).joined(separator: ",")
                if let place = owner[id] {
                    throw InputError(
                        "\(part.runs.path):\(line): run \(id) is also at \(place); shards must not overlap")
                }
                owner[id] = "\(part.runs.path):\(line)"
            }
        }
        let directory = try OutputDirectory(out)
        for file in ["runs.csv", "paths.csv"] {
            let tables = try parts.compactMap { try file == "runs.csv" ? $0.runs : $0.table(file) }
            guard let header = tables.first?.header else { continue }
            if let other = tables.first(where: { $0.header != header }) {
                throw InputError(
                    "\(other.path): its header differs from \(tables[0].path)'s; shards of different sweeps?")
            }
            let rows = tables.flatMap { $0.rows.map(\.text) }
            try directory.write(file, ([header] + sorted(rows)).joined(separator: "\n") + "\n")
        }
        return owner.count
    }

    /// `fan.csv`: the quantile bands of every path series.
    public static func fan(_ bands: [FanBand]) -> String {
        var lines = ["regime,series,t,runs,q05,q25,q50,q75,q95"]
        for band in bands {
            lines.append(
                "\(band.option),\(band.series),\(CSV.number(band.t)),\(band.runs),"
                    + band.quantiles.map(CSV.number).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `elasticities.csv` and the table printed with it.
    public static func elasticities(_ rows: [Elasticity]) -> (csv: String, text: String) {
        var csv = ["outcome,regime,parameter,outcome_at_baseline,elasticity"]
        var table: [[String]] = []
        for row in rows {
            csv.append(
                "\(row.outcome),\(row.option),\(row.parameter),\(CSV.number(row.atBaseline)),"
                    + (row.value.map(CSV.number) ?? "")
            )
            table.append([
                row.outcome, row.option, row.parameter, row.value.map { String(format: "%+.3f", $0) } ?? "-",
            ])
        }
        let text = TableFormat.table.render(
            title: "elasticities at the baseline (d ln outcome / d ln parameter)",
            header: ["outcome", "regime", "parameter", "elasticity"],
            rows: table)
        return (csv.joined(separator: "\n") + "\n", text)
    }

    /// `sobol.csv` and the table printed with it.
    public static func sobol(_ rows: [SobolIndices]) -> (csv: String, text: String) {
        var csv = [
            "outcome,regime,parameter,first_order,first_order_low,first_order_high,"
                + "total,total_low,total_high,base_draws_used"
        ]
        var table: [[String]] = []
        for row in rows {
            guard let e = row.estimate else {
                csv.append(
                    [row.outcome, row.option, row.parameter, "", "", "", "", "", "", "\(row.baseDrawsUsed)"].joined(
                        separator: ","))
                table.append([row.outcome, row.option, row.parameter, "constant", "constant"])
                continue
            }
            csv.append(
                [
                    row.outcome, row.option, row.parameter, CSV.number(e.first), CSV.number(e.firstInterval.0),
                    CSV.number(e.firstInterval.1),
                    CSV.number(e.total), CSV.number(e.totalInterval.0), CSV.number(e.totalInterval.1),
                    "\(row.baseDrawsUsed)",
                ].joined(separator: ","))
            table.append([
                row.outcome, row.option, row.parameter,
                String(format: "%.2f [%.2f, %.2f]", e.first, e.firstInterval.0, e.firstInterval.1),
                String(format: "%.2f [%.2f, %.2f]", e.total, e.totalInterval.0, e.totalInterval.1),
            ])
        }
        let text = TableFormat.table.render(
            title: "Sobol indices: first order S1 and total ST, with 95% bootstrap intervals",
            header: ["outcome", "regime", "parameter", "S1", "ST"], rows: table)
        return (csv.joined(separator: "\n") + "\n", text)
    }
}

/// A sweep's `runs.csv` and `paths.csv` in a directory, as a store of an
/// ensemble's runs: each run is appended as it finishes. Opening a directory
/// that holds an earlier, interrupted run of the same sweep keeps its
/// complete rows (a torn last line is dropped), handed over by ``takeKept()``.
public final class CSVRunStore: EnsembleResultStore, @unchecked Sendable {
    public let directory: OutputDirectory
    /// The runs an earlier session finished, with their paths, until ``takeKept()``.
    private var kept: [EnsembleRun]
    private let count: Int
    private let runs: LineSink
    private let paths: LineSink?

    public init(_ directory: OutputDirectory, ensemble: Ensemble) throws {
        self.directory = directory
        count = ensemble.model.outcomeColumns.count
        let header = SweepFiles.header(ensemble)
        let runsPath = (directory.path as NSString).appendingPathComponent("runs.csv")
        let pathsPath = (directory.path as NSString).appendingPathComponent("paths.csv")
        kept = []
        if FileManager.default.fileExists(atPath: runsPath) {
            let text = try Configuration.readText(runsPath)
            var rows = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard !text.isEmpty else {
                throw InputError("\(runsPath) is empty; not a sweep's runs: --restart starts afresh")
            }
            guard rows.first == header else {
                throw InputError("\(runsPath) belongs to a different sweep (its header differs); pick another --out")
            }
            if !text.hasSuffix("\n") { rows.removeLast() }  // an interrupted last line
            rows = rows.filter { !$0.isEmpty }
            var lines: [RunID: Int] = [:]
            for (number, row) in rows.enumerated().dropFirst() {
                guard let run = SweepFiles.parse(Substring(row), ensemble: ensemble), ensemble.contains(run) else {
                    throw InputError(
                        """
                        \(runsPath):\(number + 1): not a run of this sweep (its run number, regime or parameter \
                        values differ from the spec's); pick another --out
                        """
                    )
                }
                if let earlier = lines[run.id] {
                    throw InputError(
                        """
                        \(runsPath):\(number + 1): run \(run.id.run), \(run.id.option) is also at line \(earlier) \
                        (the file was edited?); --restart starts afresh
                        """
                    )
                }
                lines[run.id] = number + 1
                kept.append(run)
            }
            try directory.write("runs.csv", rows.joined(separator: "\n") + "\n")
        } else {
            try directory.write("runs.csv", header + "\n")
        }
        let withPaths = !ensemble.spec.pathSeries.isEmpty
        if withPaths && !FileManager.default.fileExists(atPath: pathsPath) {
            try directory.write("paths.csv", "run,regime,t,series,value\n")
        } else if withPaths {
            var byRun: [RunID: [PathValue]] = [:]
            let text = try Configuration.readText(pathsPath)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if !text.hasSuffix("\n") { lines.removeLast() }  // an interrupted last line
            lines = lines.filter { !$0.isEmpty }
            try directory.write("paths.csv", lines.joined(separator: "\n") + "\n")
            for line in lines.dropFirst() {
                let f = line.split(separator: ",")
                guard f.count == 5, let run = Int(f[0]), let t = Double(f[2]), let value = Double(f[4]) else {
                    continue
                }
                byRun[RunID(run: run, option: String(f[1])), default: []].append(
                    PathValue(series: String(f[3]), t: t, value: value))
            }
            for i in kept.indices { kept[i].paths = byRun[kept[i].id] ?? [] }
        }
        runs = try LineSink(runsPath)
        paths = withPaths ? try LineSink(pathsPath) : nil
    }

    /// The runs an earlier session finished, handed over once: the store keeps no copy.
    public func takeKept() -> [EnsembleRun] {
        defer { kept = [] }
        return kept
    }

    /// A test hook: with `LIQUIDITY_TEST_HALT_AFTER_RUNS=K` in its environment the sweep halts for
    /// good once it has recorded K runs: it writes `.halted` into its folder and blocks every worker,
    /// so a test kills it at a known point instead of racing a clock.
    static let haltAfter = ProcessInfo.processInfo.environment["LIQUIDITY_TEST_HALT_AFTER_RUNS"].flatMap { Int($0) }
    private let recording = NSLock()
    private var recorded = 0

    /// Appends the run's row to `runs.csv` and its paths to `paths.csv`.
    public func record(_ run: EnsembleRun) throws {
        recording.lock()
        defer { recording.unlock() }
        try runs.append([SweepFiles.row(run, count: count)])
        try paths?.append(SweepFiles.pathLines(run))
        recorded += 1
        if let halt = Self.haltAfter, recorded == halt {
            try directory.write(".halted", "\(halt)\n")
            while true { pause() }  // holding the lock: no worker records another run
        }
    }
}

/// Thread-safe appending of whole lines to a file, flushed as they come.
final class LineSink: @unchecked Sendable {
    private let path: String
    private let handle: FileHandle
    private let lock = NSLock()

    init(_ path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw InputError("cannot write \(path)") }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    func append(_ lines: [String]) throws {
        guard !lines.isEmpty else { return }
        try lock.withLock {
            do {
                try handle.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
            } catch {
                throw OutputError("cannot append to \(path): \(OutputError.reason(error))")
            }
        }
    }

    deinit { try? handle.close() }
}

/// A sweep run into a directory: what was solved and written.
public struct SweepReport: Sendable {
    /// Runs in `runs.csv` now, kept ones included.
    public let runCount: Int
    /// Runs solved by this call, and runs kept from an earlier one.
    public let solvedNow: Int, kept: Int
    /// Runs by status (`success`, a return code, `invalid`).
    public let statusCounts: [String: Int]
    /// The largest identity residual relative to M over the successful runs (nil: the model records none).
    public let largestIdentityResidual: Double?
    /// The files written, in order.
    public let files: [String]
    /// The printed tables of the elasticities or the Sobol indices, if the design has them.
    public let tables: [String]
}

extension SweepFiles {
    /// Runs `ensemble` into `directory`: resumes an interrupted run of the same
    /// sweep, solves the runs of the shard that are not yet there on `jobs`
    /// threads, streams each to `runs.csv` (and `paths.csv`), and writes
    /// `sweep.json` and, for a whole sweep, the analyses its design has
    /// (`fan.csv`, `elasticities.csv`, `sobol.csv`).
    ///
    /// - Parameters:
    ///   - about: what `sweep.json` records besides the outcome: the spec's
    ///     and configuration's paths, the tool.
    ///   - restart: start afresh even when the directory holds an earlier run
    ///     of another spec or configuration (which is otherwise refused).
    ///   - starting: called with the number of runs to solve and to keep.
    ///   - finished: called as each run finishes, from the worker threads.
    public static func run(
        _ ensemble: Ensemble, into directory: OutputDirectory, shard: (index: Int, count: Int) = (1, 1), jobs: Int,
        about: SweepRecord.About, restart: Bool = false, starting: (Int, Int) -> Void = { _, _ in },
        finished: @Sendable (EnsembleRun) -> Void = { _ in }
    ) throws -> SweepReport {
        let started = Date()
        let shardRuns: [RunID]
        do {
            shardRuns = try ensemble.runs(shard: shard.index, of: shard.count)
        } catch let error as EnsembleError {
            throw InputError(error.description)
        }
        try SweepInputs(ensemble).check(against: directory, restart: restart)
        let store = try CSVRunStore(directory, ensemble: ensemble)
        let analysis = EnsembleAnalysis(ensemble)
        let kept = store.takeKept()
        kept.forEach(analysis.add)
        let done = Set(kept.map(\.id))
        let work = shardRuns.filter { !done.contains($0) }
        starting(work.count, done.count)
        try ensemble.run(work, jobs: jobs, into: store) { run in
            analysis.add(run)
            finished(run)
        }
        let spec = ensemble.spec
        let record = SweepRecord(
            about: about, name: spec.name, runs: analysis.runCount, statuses: analysis.statusCounts,
            largest_identity_residual_relative: analysis.largestIdentityResidual, parameters: ensemble.keys,
            regimes: spec.options, solver: spec.stepper.rawValue, tolerance: spec.tolerance, jobs: jobs,
            shard: "\(shard.index)/\(shard.count)", wall_time_seconds_this_session: Date().timeIntervalSince(started))
        try directory.write("sweep.json", try JSON.text(record))
        var files = ["runs.csv"] + (spec.pathSeries.isEmpty ? [] : ["paths.csv"]) + ["sweep.json"]
        var tables: [String] = []
        if !spec.pathSeries.isEmpty, shard.count == 1 {
            let bands = analysis.fan()
            try directory.write("fan.csv", fan(bands))
            files.append("fan.csv")
            let columns =
                (ensemble.model as? FileEnsembleModel).flatMap {
                    try? compileModel($0.source, settings: $0.settings).columns
                } ?? []
            let regimes = ensemble.model.optionNames.filter(spec.options.contains)
            files += try Charts.write(
                Charts.fanChart(
                    title: spec.name,
                    subtitle:
                        """
                        \(analysis.runCount) runs; median, 25-75% and 5-95% of the successful runs at each date \
                        of [paths]
                        """,
                    bands: bands, columns: columns, regimes: regimes.isEmpty ? spec.options : regimes),
                name: "fan", into: directory)
        }
        if case .elasticity(let step) = spec.design, shard.count == 1 {
            let table = elasticities(analysis.elasticities(step: step))
            try directory.write("elasticities.csv", table.csv)
            tables.append(table.text)
            files.append("elasticities.csv")
        }
        if case .saltelli(let baseDraws, _) = spec.design, shard.count == 1 {
            let table = sobol(analysis.sobol(baseDraws: baseDraws))
            try directory.write("sobol.csv", table.csv)
            tables.append(table.text)
            files.append("sobol.csv")
        }
        return SweepReport(
            runCount: analysis.runCount, solvedNow: work.count, kept: done.count, statusCounts: analysis.statusCounts,
            largestIdentityResidual: analysis.largestIdentityResidual, files: files, tables: tables)
    }
}

/// `sweep.json`: what a sweep ran, with what, and how its runs ended.
public struct SweepRecord: Encodable, Sendable {
    /// Where the sweep came from: its spec and configuration files, the tool.
    public struct About: Sendable {
        public let spec: String, config: String, tool: Manifest.Tool
        public init(spec: String, config: String, tool: Manifest.Tool) {
            self.spec = spec
            self.config = config
            self.tool = tool
        }
    }

    let name: String, spec: String, config: String
    let runs: Int, statuses: [String: Int], largest_identity_residual_relative: Double?
    let parameters: [String], regimes: [String], solver: String, tolerance: Double, jobs: Int, shard: String
    let wall_time_seconds_this_session: Double, tool: String, commit: String

    init(
        about: About, name: String, runs: Int, statuses: [String: Int], largest_identity_residual_relative: Double?,
        parameters: [String], regimes: [String], solver: String, tolerance: Double, jobs: Int, shard: String,
        wall_time_seconds_this_session: Double
    ) {
        (self.name, spec, config) = (name, about.spec, about.config)
        (self.runs, self.statuses, self.largest_identity_residual_relative) = (
            runs, statuses, largest_identity_residual_relative
        )
        (self.parameters, self.regimes, self.solver, self.tolerance, self.jobs, self.shard) = (
            parameters, regimes, solver, tolerance, jobs, shard
        )
        self.wall_time_seconds_this_session = wall_time_seconds_this_session
        (tool, commit) = (about.tool.version, about.tool.commit)
    }
}
