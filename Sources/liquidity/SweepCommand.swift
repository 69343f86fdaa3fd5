import ArgumentParser
import FlowModel
import Foundation
import Solvers
import TOMLKit

/// A sweep specification (see `liquidity sweep --help`).
struct SweepSpec {
    var name: String
    var design: SweepDesign
    var parameters: [(key: String, distribution: SweepDistribution)]
    var regimes: [FedRegime]
    var stepper: Stepper
    var tolerance: Double
    var idleCashFloor: Double
    var pathSeries: [String]
    var pathDates: [Double]

    static func read(_ path: String, base: ModelParameters) throws -> SweepSpec {
        let root = try Configuration.parseTOML(try Configuration.readText(path), file: path)
        let allowed = ["name", "design", "draws", "base_draws", "step", "seed", "regimes", "solver", "tolerance", "idle_cash_floor", "parameter", "paths"]
        for key in root.keys where !allowed.contains(key) {
            throw InputError("\(path): unknown key \(key); allowed: \(allowed.joined(separator: ", "))")
        }
        func number(_ key: String, default value: Double? = nil) throws -> Double {
            guard let entry = root[key] else {
                if let value { return value }
                throw InputError("\(path): missing key \(key)")
            }
            return try Configuration.number(entry, file: path, key: key, expected: "a number")
        }
        let name = try CalibrationFiles.string(root, "name", file: path, at: "sweep")
        let designName = try CalibrationFiles.string(root, "design", file: path, at: "sweep")
        var parameters: [(String, SweepDistribution)] = []
        for (index, table) in try CalibrationFiles.tables(root, "parameter", file: path).enumerated() {
            let label = "parameter[\(index)]"
            let key = try CalibrationFiles.string(table, "key", file: path, at: label)
            guard base.catalog.contains(where: { $0.key == key }) else {
                throw InputError("\(path): \(label).key: unknown parameter \(key); see `liquidity params` for every key")
            }
            if designName == "elasticity" {
                for field in table.keys where field != "key" {
                    throw InputError("\(path): unknown key \(key).\(field); an elasticity design takes only the key (the baseline is the configuration's value)")
                }
                parameters.append((key, .values([try base.value(of: key)])))
                continue
            }
            let kind = try CalibrationFiles.string(table, "distribution", file: path, at: key)
            let fields: [String]
            let distribution: SweepDistribution
            switch kind {
            case "values":
                fields = ["values"]
                guard let array = table["values"]?.array, !array.isEmpty else {
                    throw InputError("\(path): \(key).values must be a non-empty array of numbers")
                }
                distribution = .values(try array.map { try Configuration.number($0, file: path, key: "\(key).values", expected: "a number") })
            case "uniform":
                fields = ["lower", "upper"]
                let lower = try CalibrationFiles.number(table, "lower", file: path, at: key)
                let upper = try CalibrationFiles.number(table, "upper", file: path, at: key)
                guard lower < upper else { throw InputError("\(path): \(key): lower \(lower) must be below upper \(upper)") }
                distribution = .uniform(lower: lower, upper: upper)
            case "normal":
                fields = ["mean", "sd"]
                let sd = try CalibrationFiles.number(table, "sd", file: path, at: key)
                guard sd > 0 else { throw InputError("\(path): \(key).sd = \(sd); allowed: > 0") }
                distribution = .normal(mean: try CalibrationFiles.number(table, "mean", file: path, at: key), sd: sd)
            case "lognormal":
                fields = ["log_mean", "log_sd"]
                let sd = try CalibrationFiles.number(table, "log_sd", file: path, at: key)
                guard sd > 0 else { throw InputError("\(path): \(key).log_sd = \(sd); allowed: > 0") }
                distribution = .logNormal(logMean: try CalibrationFiles.number(table, "log_mean", file: path, at: key), logSD: sd)
            default:
                throw InputError("\(path): \(key).distribution = \"\(kind)\"; allowed: values, uniform, normal, lognormal")
            }
            for field in table.keys where !(["key", "distribution"] + fields).contains(field) {
                throw InputError("\(path): unknown key \(key).\(field); allowed for \(kind): key, distribution, \(fields.joined(separator: ", "))")
            }
            parameters.append((key, distribution))
        }
        let design: SweepDesign
        switch designName {
        case "grid":
            guard parameters.allSatisfy({ if case .values = $0.1 { true } else { false } }) else {
                throw InputError("\(path): design = \"grid\" needs distribution = \"values\" for every parameter")
            }
            design = .grid
        case "elasticity":
            let step = try number("step", default: 0.01)
            guard step > 0, step < 0.5 else { throw InputError("\(path): step = \(step); allowed: between 0 and 0.5") }
            design = .elasticity(step: step)
        case "saltelli":
            let draws = try number("base_draws"), seed = try number("seed")
            guard draws >= 2, draws == draws.rounded(), seed >= 0, seed == seed.rounded() else {
                throw InputError("\(path): base_draws and seed must be whole numbers, base_draws >= 2")
            }
            design = .saltelli(baseDraws: Int(draws), seed: UInt64(seed))
        case "random", "latin":
            let draws = try number("draws"), seed = try number("seed")
            guard draws >= 1, draws == draws.rounded(), seed >= 0, seed == seed.rounded() else {
                throw InputError("\(path): draws and seed must be whole numbers, draws >= 1")
            }
            design = designName == "random" ? .random(draws: Int(draws), seed: UInt64(seed)) : .latinHypercube(draws: Int(draws), seed: UInt64(seed))
        default:
            throw InputError("\(path): design = \"\(designName)\"; allowed: grid, random, latin, saltelli, elasticity")
        }
        var regimes: [FedRegime] = [.none]
        if let list = root["regimes"]?.array {
            regimes = try list.map { entry in
                guard let name = entry.string, let regime = FedRegime(rawValue: name) else {
                    throw InputError("\(path): regimes must list none, reserves, buyer or share")
                }
                return regime
            }
        }
        let solverName = root["solver"]?.string ?? "msbdf"
        guard let stepper = Stepper(rawValue: solverName) else {
            throw InputError("\(path): solver = \"\(solverName)\"; allowed: \(Stepper.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var series: [String] = [], dates: [Double] = []
        if let paths = root["paths"]?.table {
            series = (paths["series"]?.array ?? TOMLArray()).compactMap(\.string)
            dates = try (paths["dates"]?.array ?? TOMLArray()).map { try Configuration.number($0, file: path, key: "paths.dates", expected: "a decimal year") }
        }
        let tolerance = try number("tolerance", default: 1e-10)
        guard tolerance > 0 else { throw InputError("\(path): tolerance = \(tolerance); allowed: > 0") }
        return SweepSpec(
            name: name, design: design, parameters: parameters, regimes: regimes, stepper: stepper, tolerance: tolerance,
            idleCashFloor: try number("idle_cash_floor", default: 1.0), pathSeries: series, pathDates: dates)
    }
}

/// Calls `body` with each line of the file, reading 1 MiB at a time.
func forEachLine(of path: String, _ body: (Substring) throws -> Void) throws {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError("\(path): cannot be read") }
    defer { try? handle.close() }
    var pending = Data()
    while true {
        let chunk = handle.readData(ofLength: 1 << 20)
        if chunk.isEmpty { break }
        pending.append(chunk)
        guard let last = pending.lastIndex(of: UInt8(ascii: "\n")) else { continue }
        let text = String(decoding: pending[pending.startIndex...last], as: UTF8.self)
        for line in text.split(separator: "\n") { try body(line) }
        pending = Data(pending[pending.index(after: last)...])
    }
    if !pending.isEmpty { try body(Substring(String(decoding: pending, as: UTF8.self))) }
}

/// Thread-safe appending of whole lines to a file, flushed as they come.
final class LineSink: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    init(_ path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw InputError("cannot write \(path)") }
        handle.seekToEndOfFile()
        self.handle = handle
    }
    func append(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        lock.lock()
        handle.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        lock.unlock()
    }
    deinit { try? handle.close() }
}

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
        let sweep = try SweepSpec.read(spec, base: base)
        guard jobs >= 1 else { throw InputError("--jobs \(jobs): must be at least 1") }
        let (shardIndex, shardCount) = try parsedShard()
        let points = sweepPoints(sweep.parameters, design: sweep.design)
        let keys = sweep.parameters.map(\.key)
        let classes = base.riskClasses.map(\.name)
        let summaryColumns = classes.flatMap { ["end_p_\($0)", "max_drawdown_\($0)"] }
            + ["peak_rb", "peak_sc", "change_Bf", "sovereign_sales", "idle_cash_exhausted", "ai_ig_share_end", "largest_identity_residual"]
        let header = (["run", "regime", "status", "steps"] + keys + summaryColumns + ["message"]).joined(separator: ",")
        let directory = try OutputDirectory(out)
        let runsPath = (out as NSString).appendingPathComponent("runs.csv")
        let pathsPath = (out as NSString).appendingPathComponent("paths.csv")

        // Resume: keep complete rows of an earlier run of the same sweep.
        var done = Set<String>()
        if FileManager.default.fileExists(atPath: runsPath) {
            let text = try Configuration.readText(runsPath)
            var rows = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard rows.first == header else {
                throw InputError("\(runsPath) belongs to a different sweep (its header differs); pick another --out")
            }
            if !text.hasSuffix("\n") { rows.removeLast() }  // an interrupted last line
            rows = rows.filter { !$0.isEmpty }
            for row in rows.dropFirst() {
                let fields = row.split(separator: ",", maxSplits: 2)
                if fields.count >= 2 { done.insert("\(fields[0]),\(fields[1])") }
            }
            try directory.write("runs.csv", rows.joined(separator: "\n") + "\n")
        } else {
            try directory.write("runs.csv", header + "\n")
        }
        if !sweep.pathSeries.isEmpty && !FileManager.default.fileExists(atPath: pathsPath) {
            try directory.write("paths.csv", "run,regime,t,series,value\n")
        }
        let runsSink = try LineSink(runsPath)
        let pathsSink = sweep.pathSeries.isEmpty ? nil : try LineSink(pathsPath)

        let work = points.indices.filter { $0 % shardCount == shardIndex - 1 }
            .flatMap { i in sweep.regimes.map { (i, $0) } }.filter { !done.contains("\($0.0),\($0.1.rawValue)") }
        let progress = SweepProgress(total: work.count, already: done.count, quiet: quiet)
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: jobs) { worker in
            var index = worker
            while index < work.count {
                let (i, regime) = work[index]
                let (line, paths) = Self.solve(point: points[i], run: i, regime: regime, keys: keys, base: base, sweep: sweep, classes: classes)
                runsSink.append([line])
                pathsSink?.append(paths)
                progress.finished(failed: !line.split(separator: ",")[2].hasPrefix("success"))
                index += jobs
            }
        }
        progress.close()

        // Totals over every row, resumed ones included, read a line at a time.
        var statuses: [String: Int] = [:]
        var largest = 0.0
        var rowCount = 0
        let residualColumn = 4 + keys.count + summaryColumns.count - 1
        try forEachLine(of: runsPath) { row in
            let fields = row.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > 2, fields[0] != "run" else { return }
            rowCount += 1
            statuses[String(fields[2]), default: 0] += 1
            if fields.count > residualColumn, let r = Double(fields[residualColumn]) { largest = max(largest, r) }
        }
        let summary: [String: Any] = [
            "name": sweep.name, "spec": spec, "config": configPath, "runs": rowCount, "statuses": statuses,
            "largest_identity_residual_relative": largest, "parameters": keys, "regimes": sweep.regimes.map(\.rawValue),
            "solver": sweep.stepper.rawValue, "tolerance": sweep.tolerance, "jobs": jobs, "shard": "\(shardIndex)/\(shardCount)",
            "wall_time_seconds_this_session": Date().timeIntervalSince(started), "tool": BuildInfo.version, "commit": BuildInfo.commit,
        ]
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try directory.write("sweep.json", String(decoding: data, as: UTF8.self) + "\n")
        var fanNote = ""
        if pathsSink != nil, shardCount == 1 {
            try directory.write("fan.csv", try Self.fan(pathsPath: pathsPath))
            fanNote = ", \(out)/fan.csv"
        }
        if case .elasticity(let step) = sweep.design, shardCount == 1 {
            let table = try Self.elasticities(runsPath: runsPath, header: header, keys: keys, regimes: sweep.regimes, step: step)
            try directory.write("elasticities.csv", table.csv)
            print(table.text)
            fanNote += ", \(out)/elasticities.csv"
        }
        var sobolNote = ""
        if case .saltelli(let baseDraws, _) = sweep.design, shardCount == 1 {
            let table = try Self.sobol(
                runsPath: runsPath, header: header, keys: keys, regimes: sweep.regimes, baseDraws: baseDraws)
            try directory.write("sobol.csv", table.csv)
            print(table.text)
            sobolNote = ", \(out)/sobol.csv"
        }
        print("\(sweep.name): \(rowCount) runs (\(work.count) solved now, \(done.count) kept); "
            + statuses.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            + "; largest identity residual \(String(format: "%.1e", largest)) of M")
        print("wrote \(out)/runs.csv" + (pathsSink == nil ? "" : ", \(out)/paths.csv") + ", \(out)/sweep.json" + fanNote + sobolNote)
    }

    /// The headline outcomes of a run, by name, from runs.csv's rows.
    static func outcomes(runsPath: String, header: String, regimes: [FedRegime])
        throws -> [(name: String, regime: String, value: (Int) -> Double?)]
    {
        let columns = header.split(separator: ",").map(String.init)
        var values: [String: [String: Double]] = [:]
        for line in try Configuration.readText(runsPath).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3, fields[2] == "success" else { continue }
            var row: [String: Double] = [:]
            for (name, field) in zip(columns, fields) { row[name] = Double(field) }
            values["\(fields[0]),\(fields[1])"] = row
        }
        var outcomes: [(name: String, regime: String, value: (Int) -> Double?)] = []
        for regime in regimes.map(\.rawValue) {
            for column in ["max_drawdown_crypto", "peak_rb", "end_p_crypto"] {
                outcomes.append((column, regime, { values["\($0),\(regime)"]?[column] }))
            }
        }
        if regimes.contains(.none) && regimes.contains(.buyer) {
            outcomes.append(("buyer_minus_none_end_p_crypto", "both", { run in
                guard let b = values["\(run),buyer"]?["end_p_crypto"], let n = values["\(run),none"]?["end_p_crypto"] else { return nil }
                return b - n
            }))
        }
        return outcomes
    }

    /// Elasticities at the baseline, d ln(outcome) / d ln(parameter), by
    /// central differences of the relative `step`.
    static func elasticities(runsPath: String, header: String, keys: [String], regimes: [FedRegime], step: Double) throws
        -> (csv: String, text: String)
    {
        var csv = ["outcome,regime,parameter,outcome_at_baseline,elasticity"]
        var rows: [[String]] = []
        for outcome in try outcomes(runsPath: runsPath, header: header, regimes: regimes) {
            guard let base = outcome.value(0) else { continue }
            for (i, key) in keys.enumerated() {
                guard let up = outcome.value(2 * i + 1), let down = outcome.value(2 * i + 2), base != 0 else {
                    csv.append("\(outcome.name),\(outcome.regime),\(key),\(CSV.number(base)),")
                    rows.append([outcome.name, outcome.regime, key, "-"])
                    continue
                }
                let elasticity = (up - down) / (2 * step * base)
                csv.append("\(outcome.name),\(outcome.regime),\(key),\(CSV.number(base)),\(CSV.number(elasticity))")
                rows.append([outcome.name, outcome.regime, key, String(format: "%+.3f", elasticity)])
            }
        }
        let text = TableFormat.table.render(
            title: "elasticities at the baseline (d ln outcome / d ln parameter)", header: ["outcome", "regime", "parameter", "elasticity"], rows: rows)
        return (csv.joined(separator: "\n") + "\n", text)
    }

    /// Quantile bands of every series in paths.csv at each date, per regime,
    /// across the sweep's runs: the data of a fan chart.
    static func fan(pathsPath: String) throws -> String {
        var groups: [String: [Double]] = [:]
        var order: [String] = []
        for line in try Configuration.readText(pathsPath).split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            guard f.count == 5, let value = Double(f[4]) else { continue }
            let key = "\(f[1]),\(f[3]),\(f[2])"  // regime, series, t
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(value)
        }
        let levels = [0.05, 0.25, 0.5, 0.75, 0.95]
        var lines = ["regime,series,t,runs,q05,q25,q50,q75,q95"]
        let sortedKeys = order.sorted { a, b in
            let x = a.split(separator: ","), y = b.split(separator: ",")
            return (x[0], x[1]) != (y[0], y[1]) ? (x[0], x[1]) < (y[0], y[1]) : Double(x[2])! < Double(y[2])!
        }
        for key in sortedKeys {
            let values = groups[key]!.sorted()
            // Linear interpolation between order statistics (type 7, as R and numpy).
            let quantiles = levels.map { q -> Double in
                let h = Double(values.count - 1) * q
                let lo = Int(h.rounded(.down)), hi = min(lo + 1, values.count - 1)
                return values[lo] + (h - Double(lo)) * (values[hi] - values[lo])
            }
            lines.append(key + ",\(values.count)," + quantiles.map(CSV.number).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// First-order and total Sobol indices of the headline outcomes, over the
    /// base rows whose every run succeeded.
    static func sobol(runsPath: String, header: String, keys: [String], regimes: [FedRegime], baseDraws: Int) throws
        -> (csv: String, text: String)
    {
        let k = keys.count
        let outcomes = try outcomes(runsPath: runsPath, header: header, regimes: regimes)
        var csv = ["outcome,regime,parameter,first_order,first_order_low,first_order_high,total,total_low,total_high,base_draws_used"]
        var rows: [[String]] = []
        for outcome in outcomes {
            var fA: [Double] = [], fB: [Double] = [], fAB = [[Double]](repeating: [], count: k)
            for j in 0..<baseDraws {
                let group = (0..<(k + 2)).map { outcome.value(j * (k + 2) + $0) }
                guard group.allSatisfy({ $0 != nil }) else { continue }
                fA.append(group[0]!)
                fB.append(group[1]!)
                for i in 0..<k { fAB[i].append(group[2 + i]!) }
            }
            guard fA.count >= 2 else { continue }
            // An outcome that hardly varies has no variance to apportion.
            let all = fA + fB
            let mean = all.reduce(0, +) / Double(all.count)
            let sd = (all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count)).squareRoot()
            if sd <= 1e-6 * max(abs(mean), 1e-12) {
                for key in keys {
                    csv.append([outcome.name, outcome.regime, key, "", "", "", "", "", "", "\(fA.count)"].joined(separator: ","))
                    rows.append([outcome.name, outcome.regime, key, "constant", "", ""])
                }
                continue
            }
            let (first, total) = sobolIndices(fA: fA, fB: fB, fAB: fAB)
            let (firstCI, totalCI) = sobolIntervals(fA: fA, fB: fB, fAB: fAB)
            for i in 0..<k {
                csv.append([outcome.name, outcome.regime, keys[i], CSV.number(first[i]), CSV.number(firstCI[i].0), CSV.number(firstCI[i].1),
                            CSV.number(total[i]), CSV.number(totalCI[i].0), CSV.number(totalCI[i].1), "\(fA.count)"].joined(separator: ","))
                rows.append([outcome.name, outcome.regime, keys[i],
                             String(format: "%.2f [%.2f, %.2f]", first[i], firstCI[i].0, firstCI[i].1),
                             String(format: "%.2f [%.2f, %.2f]", total[i], totalCI[i].0, totalCI[i].1)])
            }
        }
        let text = TableFormat.table.render(
            title: "Sobol indices: first order S1 and total ST, with 95% bootstrap intervals",
            header: ["outcome", "regime", "parameter", "S1", "ST"], rows: rows)
        return (csv.joined(separator: "\n") + "\n", text)
    }

    /// One run: its runs.csv line and its paths.csv lines.
    static func solve(
        point: [Double], run: Int, regime: FedRegime, keys: [String], base: ModelParameters, sweep: SweepSpec, classes: [String]
    ) -> (String, [String]) {
        let prefix = "\(run),\(regime.rawValue),"
        let values = point.map(CSV.number).joined(separator: ",")
        let blanks = String(repeating: ",", count: classes.count * 2 + 7)
        var p = base
        do {
            for (key, value) in zip(keys, point) { try p.set(key, to: value) }
            let model = try ReverseQEModel(parameters: p, regime: regime)
            var options = defaultModelOptions(for: model)
            options.relativeTolerance = sweep.tolerance
            options.absoluteTolerance = .scalar(sweep.tolerance)
            options.maxSteps = 200_000
            let path = try model.run(sweep.stepper, options: options)
            let steps = path.solution.statistics.steps
            guard path.solution.isSuccessful else {
                let message = path.solution.failure.map { "t = \($0.time): \($0.message)" } ?? ""
                return (prefix + "\(path.solution.returnCode),\(steps),\(values)\(blanks),\(CSV.field(message))", [])
            }
            let s = RunSummary(path, idleCashFloor: sweep.idleCashFloor)
            var fields = classes.flatMap { [CSV.number(s.endPrice[$0]!), CSV.number(s.largestDrawdown[$0]!)] }
            fields += [s.peakRb, s.peakSc, s.changeInBf, s.totalSovereignSales].map(CSV.number)
            fields += [s.idleCashExhausted.map(CSV.number) ?? "", CSV.number(s.aiIndexShareAtEnd), CSV.number(s.largestIdentityResidual)]
            var paths: [String] = []
            for name in sweep.pathSeries {
                guard let series = path.series(name) else { continue }
                for date in sweep.pathDates {
                    if let k = path.t.firstIndex(where: { abs($0 - date) < 1e-9 }) {
                        paths.append(prefix + CSV.number(date) + "," + name + "," + CSV.number(series[k]))
                    }
                }
            }
            return (prefix + "success,\(steps),\(values)," + fields.joined(separator: ",") + ",", paths)
        } catch {
            let message = (error as? ModelError)?.description ?? String(describing: error)
            return (prefix + "invalid,0,\(values)\(blanks),\(CSV.field(message))", [])
        }
    }
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
        let directory = try OutputDirectory(out)
        for file in ["runs.csv", "paths.csv"] {
            var header: String?
            var rows: [String] = []
            for shard in shards {
                let path = (shard as NSString).appendingPathComponent(file)
                guard FileManager.default.fileExists(atPath: path) else {
                    if file == "runs.csv" { throw InputError("\(path): no such file; is \(shard) a sweep's output?") }
                    continue
                }
                let lines = try Configuration.readText(path).split(separator: "\n").map(String.init)
                guard let first = lines.first else { continue }
                if let header, header != first { throw InputError("\(path): its header differs from the first shard's; shards of different sweeps?") }
                header = first
                rows += lines.dropFirst()
            }
            guard let header else { continue }
            try directory.write(file, ([header] + SweepMerge.sorted(rows)).joined(separator: "\n") + "\n")
        }
        print("merged \(shards.count) shards into \(out)")
    }

    /// Rows ordered by run number, then regime, then the rest of the line.
    static func sorted(_ rows: [String]) -> [String] {
        rows.sorted { a, b in
            let x = a.split(separator: ",", maxSplits: 2), y = b.split(separator: ",", maxSplits: 2)
            let (i, j) = (Int(x[0]) ?? 0, Int(y[0]) ?? 0)
            return i != j ? i < j : (x[1] != y[1] ? x[1] < y[1] : a < b)
        }
    }
}
