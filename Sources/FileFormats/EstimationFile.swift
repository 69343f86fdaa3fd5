import Experiments
import FlowModel
import Foundation
import Solvers
import TOMLKit

/// Reads an estimation file: the likelihood's observables, the priors of the estimated
/// parameters, and the settings of the mode search and the sampler (see
/// calibration/estimate-liquidity.toml and docs/estimation.md).
public enum EstimationFile {
    /// An estimation file's contents.
    public struct Spec {
        public var regime: String?
        public var stepper: Stepper
        public var tolerance: Double
        /// The first and last months of the likelihood (decimal-year starts).
        public var from: Double
        public var to: Double
        /// The targets file (as written, relative to the estimation file's folder), if any.
        public var targets: String?
        public var observables: [MonthlyObservable]
        public var parameters: [EstimatedParameter]
        public var sampler: SamplerSettings
        public var maxIterations: Int
    }

    static let topKeys = [
        "model", "regime", "solver", "tolerance", "from", "to", "targets", "chains", "warmup", "draws", "thin", "seed",
        "max_iterations", "observable", "free",
    ]

    /// The month `text` (YYYY-MM) as the decimal year of its first day.
    static func month(_ text: String, file: String, key: String) throws -> Double {
        guard let t = DecimalYear.month(text) else {
            throw InputError("\(file): \(key) = \"\(text)\"; allowed: a month, YYYY-MM (2022-07)")
        }
        return t
    }

    static func whole(_ table: TOMLTable, _ key: String, file: String, minimum: Int, default value: Int) throws -> Int
    {
        guard table.contains(key: key) else { return value }
        let number = try CalibrationFiles.number(table, key, file: file, at: "file")
        guard number >= Double(minimum), number == number.rounded(), number < 1e9 else {
            throw InputError("\(file): \(key) = \(number); allowed: a whole number from \(minimum)")
        }
        return Int(number)
    }

    /// The spec of the file at `path` (an optional top-level `model` must be `model`).
    public static func read(_ path: String, model: String? = nil) throws -> Spec {
        let root = try Configuration.parseTOML(try Configuration.readText(path), file: path)
        try CalibrationFiles.checkKeys(root, allowed: topKeys, file: path)
        try CalibrationFiles.checkModel(root, file: path, model: model)
        let string = { (key: String) in try CalibrationFiles.string(root, key, file: path, at: "file") }
        let regime = root.contains(key: "regime") ? try string("regime") : nil
        let solverName = try string("solver")
        guard let stepper = Stepper(rawValue: solverName) else {
            throw InputError(
                """
                \(path): solver = \"\(solverName)\"; allowed: \
                \(Stepper.allCases.map(\.rawValue).joined(separator: ", "))
                """
            )
        }
        let tolerance = try CalibrationFiles.number(root, "tolerance", file: path, at: "file")
        guard tolerance > 0, tolerance < 1 else {
            throw InputError("\(path): tolerance = \(tolerance); allowed: in (0, 1)")
        }
        let from = try month(try string("from"), file: path, key: "from")
        let to = try month(try string("to"), file: path, key: "to")
        guard to >= from else {
            throw InputError("\(path): to = \"\(try string("to"))\" is before from = \"\(try string("from"))\"")
        }
        var sampler = SamplerSettings()
        sampler.chains = try whole(root, "chains", file: path, minimum: 2, default: sampler.chains)
        sampler.warmup = try whole(root, "warmup", file: path, minimum: 100, default: sampler.warmup)
        sampler.draws = try whole(root, "draws", file: path, minimum: 100, default: sampler.draws)
        sampler.thin = try whole(root, "thin", file: path, minimum: 1, default: 1)
        guard sampler.draws / sampler.thin >= 10 else {
            throw InputError(
                "\(path): draws = \(sampler.draws) with thin = \(sampler.thin) keeps fewer than 10 draws a chain")
        }
        sampler.seed = UInt64(try whole(root, "seed", file: path, minimum: 0, default: 1))
        let maxIterations = try whole(root, "max_iterations", file: path, minimum: 1, default: 200)

        var parameters: [EstimatedParameter] = []
        for (index, table) in try CalibrationFiles.tables(root, "free", file: path).enumerated() {
            let label = "free[\(index)]"
            let allowed = ["key", "lower", "upper", "prior", "mean", "sd"]
            try CalibrationFiles.checkKeys(table, allowed: allowed, file: path, at: label)
            let key = try CalibrationFiles.string(table, "key", file: path, at: label)
            let lower = try CalibrationFiles.number(table, "lower", file: path, at: label)
            let upper = try CalibrationFiles.number(table, "upper", file: path, at: label)
            guard lower < upper else {
                throw InputError("\(path): \(label) (\(key)): lower = \(lower) must be below upper = \(upper)")
            }
            let kind = try CalibrationFiles.string(table, "prior", file: path, at: label)
            let prior: Prior
            if kind == "uniform" {
                for key in ["mean", "sd"] where table.contains(key: key) {
                    throw InputError("\(path): \(label).\(key): a uniform prior is its bounds; leave \(key) out")
                }
                prior = .uniform
            } else {
                guard Prior.names.contains(kind) else {
                    throw InputError(
                        "\(path): \(label).prior = \"\(kind)\"; allowed: \(Prior.names.joined(separator: ", "))")
                }
                let mean = try CalibrationFiles.number(table, "mean", file: path, at: label)
                let sd = try CalibrationFiles.number(table, "sd", file: path, at: label)
                switch kind {
                case "normal": prior = .normal(mean: mean, sd: sd)
                case "lognormal": prior = .logNormal(mean: mean, sd: sd)
                case "gamma": prior = .gamma(mean: mean, sd: sd)
                default: prior = .beta(mean: mean, sd: sd)
                }
            }
            if let problem = prior.problem(lower: lower, upper: upper) {
                throw InputError("\(path): \(label) (\(key)): prior \(prior): \(problem)")
            }
            guard !parameters.contains(where: { $0.key == key }) else {
                throw InputError("\(path): \(label): \(key) is listed twice")
            }
            parameters.append(EstimatedParameter(key: key, lower: lower, upper: upper, prior: prior))
        }

        var observables: [MonthlyObservable] = []
        for (index, table) in try CalibrationFiles.tables(root, "observable", file: path).enumerated() {
            let label = "observable[\(index)]"
            let allowed = ["series", "average", "scale", "sd", "rho"]
            try CalibrationFiles.checkKeys(table, allowed: allowed, file: path, at: label)
            let series = try CalibrationFiles.string(table, "series", file: path, at: label)
            func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ fallback: T) throws -> T
            where T.RawValue == String {
                guard table.contains(key: key) else { return fallback }
                let text = try CalibrationFiles.string(table, key, file: path, at: label)
                guard let value = T(rawValue: text) else {
                    throw InputError(
                        """
                        \(path): \(label).\(key) = \"\(text)\"; allowed: \
                        \(T.allCases.map(\.rawValue).joined(separator: ", "))
                        """
                    )
                }
                return value
            }
            var observable = MonthlyObservable(
                series: series, average: try choice("average", .mean), scale: try choice("scale", .level), sd: nil,
                rho: nil)
            let estimated = Set(parameters.map(\.key))
            for (key, name) in [("sd", observable.sdKey), ("rho", observable.rhoKey)] {
                let given = table.contains(key: key)
                if given && estimated.contains(name) {
                    throw InputError(
                        "\(path): \(label).\(key): \(name) is also estimated ([[free]]); give one of them")
                }
                guard given else {
                    if key == "sd" && !estimated.contains(name) {
                        throw InputError(
                            """
                            \(path): \(label) (\(series)): missing key sd; state it, or estimate it as [[free]] \
                            key = \"\(name)\"
                            """
                        )
                    }
                    if key == "rho" && !estimated.contains(name) { observable.rho = 0 }
                    continue
                }
                let value = try CalibrationFiles.number(table, key, file: path, at: label)
                if key == "sd" {
                    guard value > 0 else { throw InputError("\(path): \(label).sd = \(value); allowed: > 0") }
                    observable.sd = value
                } else {
                    guard abs(value) < 1 else {
                        throw InputError("\(path): \(label).rho = \(value); allowed: in (-1, 1)")
                    }
                    observable.rho = value
                }
            }
            guard !observables.contains(where: { $0.series == series }) else {
                throw InputError("\(path): \(label): \(series) is listed twice")
            }
            observables.append(observable)
        }
        let measurement = Set(observables.flatMap { [$0.sdKey, $0.rhoKey] })
        if let stray = parameters.first(where: {
            ($0.key.hasPrefix("sd[") || $0.key.hasPrefix("rho[")) && !measurement.contains($0.key)
        }) {
            throw InputError(
                """
                \(path): [[free]] \(stray.key): no [[observable]] has that series; the observables: \
                \(observables.map(\.series).joined(separator: ", "))
                """
            )
        }
        return Spec(
            regime: regime, stepper: stepper, tolerance: tolerance, from: from, to: to,
            targets: root.contains(key: "targets") ? try string("targets") : nil, observables: observables,
            parameters: parameters, sampler: sampler, maxIterations: maxIterations)
    }
}
