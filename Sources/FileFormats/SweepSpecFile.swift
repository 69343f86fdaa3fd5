import Experiments
import FlowModel
import Foundation
import Solvers
import TOMLKit

/// Sweep specifications: TOML files that describe an ``EnsembleSpec`` (see `liquidity sweep --help`).
public enum SweepSpecFile {
    /// The most design points a sweep may have unless its caller allows more
    /// (`liquidity sweep --max-points`): ten million points, each solved once per regime.
    public static let pointLimit = 10_000_000

    /// The ensemble the file at `path` describes, its keys, regimes and
    /// series checked against `model`.
    ///
    /// - Parameter maxPoints: the largest number of design points allowed.
    public static func read(_ path: String, model base: any EnsembleModel, maxPoints: Int = pointLimit) throws
        -> EnsembleSpec
    {
        let root = try Configuration.parseTOML(try Configuration.readText(path), file: path)
        func check(points: Double) throws {
            guard points <= Double(maxPoints) else {
                throw PointLimit(path: path, points: points, limit: maxPoints)
            }
        }
        let allowed = [
            "name", "design", "draws", "base_draws", "step", "seed", "regimes", "solver", "tolerance", "saves",
            "parameter", "paths", "posterior",
        ]
        try CalibrationFiles.checkKeys(root, allowed: allowed, file: path)
        func number(_ key: String, default value: Double? = nil) throws -> Double {
            guard let entry = root[key] else {
                if let value { return value }
                throw InputError("\(path): missing key \(key)")
            }
            return try Configuration.finiteNumber(entry, file: path, key: key, expected: "a number")
        }
        let name = try CalibrationFiles.string(root, "name", file: path, at: "sweep")
        let designName = try CalibrationFiles.string(root, "design", file: path, at: "sweep")
        var parameters: [SweptParameter] = []
        var posterior: [[Double]] = []
        if designName == "posterior" {
            guard root["parameter"] == nil else {
                throw InputError(
                    "\(path): design = \"posterior\" takes its parameters from the draws; leave out [[parameter]]")
            }
            let given = try CalibrationFiles.string(root, "posterior", file: path, at: "sweep")
            let file =
                given.hasPrefix("/")
                ? given : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(given)
            let draws = try number("draws")
            guard draws >= 1, draws == draws.rounded() else {
                throw InputError("\(path): draws = \(draws); allowed: a whole number >= 1")
            }
            (parameters, posterior) = try posteriorDraws(file, runs: Int(draws), model: base)
        }
        let tables = designName == "posterior" ? [] : try CalibrationFiles.tables(root, "parameter", file: path)
        for (index, table) in tables.enumerated() {
            let label = "parameter[\(index)]"
            let given = try CalibrationFiles.string(table, "key", file: path, at: label)
            guard let key = base.canonicalKey(given) else {
                throw InputError(
                    "\(path): \(label).key: unknown parameter \(given); see `liquidity params` for every key")
            }
            guard !parameters.contains(where: { $0.key == key }) else {
                throw InputError(
                    "\(path): \(label).key: \(given) is \(key), which an earlier [[parameter]] already sweeps")
            }
            if designName == "elasticity" {
                for field in table.keys where field != "key" {
                    throw InputError(
                        """
                        \(path): unknown key \(key).\(field); an elasticity design takes only the key (the \
                        baseline is the configuration's value)
                        """
                    )
                }
                parameters.append(SweptParameter(key: key, distribution: .values([try base.value(of: key)])))
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
                distribution = .values(
                    try array.map {
                        try Configuration.finiteNumber($0, file: path, key: "\(key).values", expected: "a number")
                    })
            case "uniform":
                fields = ["lower", "upper"]
                let lower = try CalibrationFiles.number(table, "lower", file: path, at: key)
                let upper = try CalibrationFiles.number(table, "upper", file: path, at: key)
                guard lower < upper else {
                    throw InputError("\(path): \(key): lower \(lower) must be below upper \(upper)")
                }
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
                distribution = .logNormal(
                    logMean: try CalibrationFiles.number(table, "log_mean", file: path, at: key), logSD: sd)
            default:
                throw InputError(
                    "\(path): \(key).distribution = \"\(kind)\"; allowed: values, uniform, normal, lognormal")
            }
            for field in table.keys where !(["key", "distribution"] + fields).contains(field) {
                throw InputError(
                    """
                    \(path): unknown key \(key).\(field); allowed for \(kind): key, distribution, \
                    \(fields.joined(separator: ", "))
                    """
                )
            }
            try checkRange(distribution, of: key, in: base.range(of: key), file: path)
            parameters.append(SweptParameter(key: key, distribution: distribution))
        }
        let design: SweepDesign
        switch designName {
        case "grid":
            guard parameters.allSatisfy({ if case .values = $0.distribution { true } else { false } }) else {
                throw InputError("\(path): design = \"grid\" needs distribution = \"values\" for every parameter")
            }
            try check(
                points: parameters.reduce(1.0) { total, parameter in
                    if case .values(let list) = parameter.distribution { return total * Double(list.count) }
                    return total
                })
            design = .grid
        case "elasticity":
            let step = try number("step", default: 0.01)
            guard step > 0, step < 0.5 else { throw InputError("\(path): step = \(step); allowed: between 0 and 0.5") }
            design = .elasticity(step: step)
        case "saltelli":
            let draws = try number("base_draws")
            let seed = try number("seed")
            guard draws >= 2, draws == draws.rounded(), seed >= 0, seed == seed.rounded(), seed < 9e15 else {
                throw InputError(
                    "\(path): base_draws and seed must be whole numbers, base_draws >= 2, seed below 9e15")
            }
            try check(points: draws * Double(parameters.count + 2))
            design = .saltelli(baseDraws: Int(draws), seed: UInt64(seed))
        case "posterior":
            let given = try CalibrationFiles.string(root, "posterior", file: path, at: "sweep")
            design = .listed(points: posterior, from: given)
        case "random", "latin":
            let draws = try number("draws")
            let seed = try number("seed")
            guard draws >= 1, draws == draws.rounded(), seed >= 0, seed == seed.rounded(), seed < 9e15 else {
                throw InputError("\(path): draws and seed must be whole numbers, draws >= 1, seed below 9e15")
            }
            try check(points: draws)
            design =
                designName == "random"
                ? .random(draws: Int(draws), seed: UInt64(seed))
                : .latinHypercube(draws: Int(draws), seed: UInt64(seed))
        default:
            throw InputError(
                "\(path): design = \"\(designName)\"; allowed: grid, random, latin, saltelli, elasticity, posterior")
        }
        let names = base.optionNames.joined(separator: ", ")
        var regimes = [base.optionNames.first ?? "none"]
        if let value = root["regimes"] {
            guard let list = value.array, !list.isEmpty else {
                throw InputError(
                    "\(path): regimes must be a non-empty list of some of \(names), such as [\"\(regimes[0])\"]")
            }
            regimes = []
            for entry in list {
                guard let name = entry.string, base.optionNames.contains(name) else {
                    throw InputError("\(path): regimes must list some of \(names)")
                }
                guard !regimes.contains(name) else { throw InputError("\(path): regimes lists \(name) twice") }
                regimes.append(name)
            }
        }
        if let value = root["solver"], value.string == nil {
            throw InputError(
                "\(path): solver must be a stepper's name in double quotes; got \(Configuration.describe(value))")
        }
        let solverName = root["solver"]?.string ?? "msbdf"
        guard let stepper = Stepper(rawValue: solverName) else {
            throw InputError(
                """
                \(path): solver = \"\(solverName)\"; allowed: \
                \(Stepper.allCases.map(\.rawValue).joined(separator: ", "))
                """
            )
        }
        var series: [String] = []
        var dates: [Double] = []
        if let value = root["paths"] {
            guard let paths = value.table else {
                throw InputError("\(path): paths must be a table ([paths]) with series and dates")
            }
            for key in paths.keys where key != "series" && key != "dates" {
                throw InputError("\(path): unknown key paths.\(key); allowed: series, dates")
            }
            guard let list = paths["series"]?.array, list.allSatisfy({ $0.string != nil }), !list.isEmpty else {
                throw InputError("\(path): paths.series must be a non-empty list of series names in double quotes")
            }
            series = list.compactMap(\.string)
            let known = base.seriesNames
            for name in series where !known.contains(name) {
                throw InputError(
                    """
                    \(path): paths.series: unknown series \(name); the series are the columns of `liquidity \
                    run`'s series.csv
                    """
                )
            }
            dates = try (paths["dates"]?.array ?? TOMLArray()).map {
                try Configuration.finiteNumber($0, file: path, key: "paths.dates", expected: "a decimal year")
            }
            guard !dates.isEmpty else {
                throw InputError("\(path): paths.dates must list at least one date (decimal years)")
            }
            let span = base.span
            if let date = dates.first(where: { $0 < span.start - 1e-9 || $0 > span.end + 1e-9 }) {
                throw InputError(
                    "\(path): paths.dates: \(date) is outside the runs' span; allowed: \(span.start) to \(span.end)")
            }
        }
        let tolerance = try number("tolerance", default: 1e-10)  // finite: number() refuses inf and nan
        guard tolerance > 0 else { throw InputError("\(path): tolerance = \(tolerance); allowed: > 0") }
        var spec = EnsembleSpec(
            name: name, design: design, parameters: parameters, options: regimes, stepper: stepper,
            tolerance: tolerance,
            pathSeries: series, pathDates: dates)
        if let value = root["saves"] {
            guard let text = value.string, let mode = SaveMode(rawValue: text) else {
                let given = value.string.map { "\"\($0)\"" } ?? Configuration.describe(value)
                throw InputError(
                    """
                    \(path): saves = \(given); allowed: \
                    \(SaveMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
                    """
                )
            }
            spec.saveMode = mode
        }
        return spec
    }
}

extension SweepSpecFile {
    /// Refuses a distribution that puts every draw outside the parameter's range, where every run
    /// could only be logged invalid: no listed value in it, a uniform interval that misses it, or a
    /// normal or log-normal whose central 1 - 2e-6 of draws misses it. (Some draws outside are allowed:
    /// those runs are logged invalid and the rest solved.)
    static func checkRange(_ distribution: SweepDistribution, of key: String, in range: ParameterRange, file: String)
        throws
    {
        let (low, high): (Double, Double)
        switch distribution {
        case .values(let list):
            guard list.contains(where: range.contains) else {
                throw InputError(
                    "\(file): \(key).values: every value is outside the range of \(key); allowed: \(range)")
            }
            return
        case .uniform(let lower, let upper): (low, high) = (lower, upper)
        case .normal, .logNormal: (low, high) = (distribution.quantile(1e-6), distribution.quantile(1 - 1e-6))
        }
        let meets =
            (range.lowerOpen ? high > range.lower : high >= range.lower)
            && (range.upperOpen ? low < range.upper : low <= range.upper)
        guard meets
        else {
            throw InputError(
                """
                \(file): \(key): every draw would fall outside the range of \(key), \(range) (\
                \(distribution.isUniform ? "" : "all but 2e-6 of ")them lie between \
                \(String(format: "%.4g", low)) and \(String(format: "%.4g", high)))
                """
            )
        }
    }
}

extension SweepDistribution {
    var isUniform: Bool {
        if case .uniform = self { return true }
        return false
    }
}

/// A sweep design with more points than its reader allows (``SweepSpecFile/read(_:model:maxPoints:)``).
public struct PointLimit: Error, Equatable, CustomStringConvertible {
    public let path: String, points: Double, limit: Int
    public var description: String {
        "\(path): the design has \(String(format: "%.3g", points)) points; the limit is \(limit)"
    }
}

extension SweepSpecFile {

    /// `runs` draws of a posterior's draws.csv (`liquidity estimate`), evenly spaced through its
    /// rows, and the model parameters among its columns (the measurement errors' `sd[...]` and
    /// `rho[...]` and the bookkeeping columns left out).
    static func posteriorDraws(_ file: String, runs: Int, model base: any EnsembleModel) throws -> (
        [SweptParameter], [[Double]]
    ) {
        let lines = try Configuration.readText(file).split(separator: "\n").map(String.init)
        guard let header = lines.first?.split(separator: ",").map(String.init),
            Array(header.prefix(4)) == ["chain", "draw", "log_posterior", "log_likelihood"]
        else {
            throw InputError(
                """
                \(file): not the draws of `liquidity estimate`: its header starts \
                chain,draw,log_posterior,log_likelihood
                """
            )
        }
        let columns = header.indices.dropFirst(4).filter {
            !header[$0].hasPrefix("sd[") && !header[$0].hasPrefix("rho[")
        }
        var parameters: [SweptParameter] = []
        for column in columns {
            guard let key = base.canonicalKey(header[column]) else {
                throw InputError("\(file): column \(header[column]): the model has no such parameter")
            }
            parameters.append(SweptParameter(key: key, distribution: .values([])))
        }
        let rows = lines.count - 1
        guard rows >= runs else {
            throw InputError("\(file): \(rows) draws; the sweep asks for \(runs) (draws); allowed: at most \(rows)")
        }
        let points = try (0..<runs).map { k -> [Double] in
            let line = k * rows / runs + 1
            let cells = lines[line].split(separator: ",", omittingEmptySubsequences: false)
            return try columns.map { column in
                guard column < cells.count, let value = Double(cells[column]), value.isFinite else {
                    throw InputError("\(file):\(line + 1): column \(header[column]) is not a number")
                }
                return value
            }
        }
        for (j, parameter) in parameters.enumerated() {
            let range = base.range(of: parameter.key)
            if let bad = points.first(where: { !range.contains($0[j]) }) {
                throw InputError("\(file): \(parameter.key) = \(bad[j]) is out of its range (\(range))")
            }
        }
        return (parameters, points)
    }
}
