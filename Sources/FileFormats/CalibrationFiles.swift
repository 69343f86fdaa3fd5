import Experiments
import FlowModel
import Foundation
import Solvers
import TOMLKit

/// Reads `targets.toml` and `fit.toml` (see the comments at their heads).
public enum CalibrationFiles {
    package static func string(_ table: TOMLTable, _ key: String, file: String, at label: String) throws -> String {
        guard let value = table[key] else { throw InputError("\(file): missing key \(label).\(key)") }
        guard let text = value.string else {
            throw InputError("\(file): \(label).\(key) must be a string; got \(Configuration.describe(value))")
        }
        return text
    }

    package static func number(_ table: TOMLTable, _ key: String, file: String, at label: String) throws -> Double {
        guard let value = table[key] else { throw InputError("\(file): missing key \(label).\(key)") }
        return try Configuration.finiteNumber(value, file: file, key: "\(label).\(key)", expected: "a number")
    }

    package static func tables(_ root: TOMLTable, _ key: String, file: String) throws -> [TOMLTable] {
        guard let value = root[key] else { throw InputError("\(file): no [[\(key)]] tables") }
        guard let array = value.array else {
            throw InputError(
                "\(file): \(key) must be an array of tables ([[\(key)]]); got \(Configuration.describe(value))")
        }
        return try array.enumerated().map { index, element in
            guard let table = element.table else {
                throw InputError("\(file): \(key)[\(index)] must be a table; got \(Configuration.describe(element))")
            }
            return table
        }
    }

    /// The table `[name]` of `root`, nil when absent; refused, naming the file, when not a table.
    package static func section(_ root: TOMLTable, _ name: String, file: String) throws -> TOMLTable? {
        guard let value = root[name] else { return nil }
        guard let table = value.table else {
            throw InputError("\(file): \(name) must be a table ([\(name)]); got \(Configuration.describe(value))")
        }
        return table
    }

    /// Refuses a key of `table` (the file's root when `label` is nil, else the table `label`)
    /// that is not one of `allowed`, naming the file, the key and what is allowed.
    package static func checkKeys(_ table: TOMLTable, allowed: [String], file: String, at label: String? = nil)
        throws
    {
        for key in table.keys where !allowed.contains(key) {
            let named = label.map { "\($0).\(key)" } ?? key
            throw InputError("\(file): unknown key \(named); allowed: \(allowed.joined(separator: ", "))")
        }
    }

    /// Refuses a file whose optional top-level `model` names another model than `model` (the
    /// model file's `model` line): targets and fits are made for one model.
    static func checkModel(_ root: TOMLTable, file: String, model: String?) throws {
        guard root.contains(key: "model") else { return }
        let named = try string(root, "model", file: file, at: "file")
        if let model, named != model {
            throw InputError(
                """
                \(file): model = \"\(named)\": made for the model \(named), not \(model) (--model); give that \
                model's file, or this model's targets and fit
                """
            )
        }
    }

    /// The finest band a target may have relative to its value: below it a residual measures the
    /// solver's rounding, not the model.
    public static let finestBand = 1e-12

    /// The targets of the file at `path` (`[[target]]` tables: id, description, quantity, value, band, weight,
    /// source; optionally a top-level `model`, which must be `model` when given).
    public static func readTargets(_ path: String, model: String? = nil) throws -> [CalibrationTarget] {
        let root = try Configuration.parseTOML(try Configuration.readText(path), file: path)
        for key in root.keys where !["target", "model"].contains(key) {
            throw InputError("\(path): unknown key \(key); allowed: model, target ([[target]] tables)")
        }
        try checkModel(root, file: path, model: model)
        var targets: [CalibrationTarget] = []
        for (index, table) in try tables(root, "target", file: path).enumerated() {
            let label = "target[\(index)]"
            let id = try string(table, "id", file: path, at: label)
            let kind = try string(table, "quantity", file: path, at: id)
            let fields: [String]
            let quantity: TargetQuantity
            switch kind {
            case "value":
                fields = ["series", "at"]
                quantity = .value(
                    series: try string(table, "series", file: path, at: id),
                    at: try number(table, "at", file: path, at: id))
            case "change", "maximum":
                fields = ["series", "from", "to"]
                let series = try string(table, "series", file: path, at: id)
                let from = try number(table, "from", file: path, at: id)
                let to = try number(table, "to", file: path, at: id)
                quantity =
                    kind == "change"
                    ? .change(series: series, from: from, to: to) : .maximum(series: series, from: from, to: to)
            case "ratio":
                fields = ["numerator", "denominator", "from", "to"]
                quantity = .ratioOfIntegrals(
                    numerator: try string(table, "numerator", file: path, at: id),
                    denominator: try string(table, "denominator", file: path, at: id),
                    from: try number(table, "from", file: path, at: id),
                    to: try number(table, "to", file: path, at: id))
            case "integral":
                fields = ["series", "from", "to"]
                quantity = .integral(
                    series: try string(table, "series", file: path, at: id),
                    from: try number(table, "from", file: path, at: id),
                    to: try number(table, "to", file: path, at: id))
            case "not_modelled":
                fields = ["note"]
                quantity = .notModelled(try string(table, "note", file: path, at: id))
            default:
                throw InputError(
                    """
                    \(path): \(id).quantity = \"\(kind)\"; allowed: value, change, maximum, ratio, integral, \
                    not_modelled
                    """
                )
            }
            let allowed = ["id", "description", "quantity", "value", "band", "weight", "source"] + fields
            for key in table.keys where !allowed.contains(key) {
                throw InputError(
                    """
                    \(path): unknown key \(id).\(key); allowed for quantity \(kind): \
                    \(allowed.joined(separator: ", "))
                    """
                )
            }
            guard !targets.contains(where: { $0.id == id }) else {
                throw InputError("\(path): target \(id) is defined twice")
            }
            let value = try number(table, "value", file: path, at: id)
            let band = try number(table, "band", file: path, at: id)
            guard band > 0, band >= finestBand * abs(value), band >= 1e-100 else {
                throw InputError(
                    """
                    \(path): \(id).band = \(band); allowed: a band of at least \(finestBand) of the value's size \
                    (\(finestBand * abs(value))) and 1e-100
                    """
                )
            }
            targets.append(
                CalibrationTarget(
                    id: id, description: try string(table, "description", file: path, at: id), quantity: quantity,
                    value: value, band: band,
                    weight: try number(table, "weight", file: path, at: id),
                    source: try string(table, "source", file: path, at: id)))
        }
        return targets
    }

    /// A fit file: the regime, stepper and tolerance of every solve, the
    /// trust-region settings, the free parameters with their bounds, optional
    /// starting values (which replace the starting configuration's), and the
    /// band penalty.
    public struct FitSpec {
        /// The Fed regime (an option of a model file's choice `regime`); nil: the default.
        public var regime: String?
        public var stepper: Stepper
        public var tolerance: Double
        public var options: LeastSquaresOptions
        public var free: [FreeParameter]
        /// Starting values given in the fit file, which override --config's
        /// (for parameters the starting configuration leaves at "off").
        public var starts: [String: Double] = [:]
        /// See ``Calibration/bandPenalty``.
        public var bandPenalty = 0.0
    }

    /// The free parameters and fit settings of the file at `path` (an optional top-level `model`
    /// must be `model` when given).
    public static func readFit(_ path: String, model: String? = nil) throws -> FitSpec {
        let root = try Configuration.parseTOML(try Configuration.readText(path), file: path)
        let allowed = ["model", "regime", "solver", "tolerance", "method", "max_iterations", "band_penalty", "free"]
        try checkKeys(root, allowed: allowed, file: path)
        try checkModel(root, file: path, model: model)
        let regime = root.contains(key: "regime") ? try string(root, "regime", file: path, at: "fit") : nil
        let solverName = try string(root, "solver", file: path, at: "fit")
        guard let stepper = Stepper(rawValue: solverName) else {
            throw InputError(
                """
                \(path): solver = \"\(solverName)\"; allowed: \
                \(Stepper.allCases.map(\.rawValue).joined(separator: ", "))
                """
            )
        }
        let methodName = try string(root, "method", file: path, at: "fit")
        guard let method = TrustRegionMethod(rawValue: methodName) else {
            throw InputError(
                """
                \(path): method = \"\(methodName)\"; allowed: \
                \(TrustRegionMethod.allCases.map(\.rawValue).joined(separator: ", "))
                """
            )
        }
        let tolerance = try number(root, "tolerance", file: path, at: "fit")
        guard tolerance > 0, tolerance.isFinite else {
            throw InputError("\(path): tolerance = \(tolerance); allowed: > 0")
        }
        let iterations = try number(root, "max_iterations", file: path, at: "fit")
        guard iterations >= 1, iterations == iterations.rounded() else {
            throw InputError("\(path): max_iterations = \(iterations); allowed: a whole number >= 1")
        }
        var options = LeastSquaresOptions()
        options.method = method
        options.maxIterations = Int(iterations)
        var starts: [String: Double] = [:]
        let free = try tables(root, "free", file: path).enumerated().map { index, table -> FreeParameter in
            let label = "free[\(index)]"
            try checkKeys(table, allowed: ["key", "lower", "upper", "start"], file: path, at: label)
            let key = try string(table, "key", file: path, at: label)
            if table.contains(key: "start") { starts[key] = try number(table, "start", file: path, at: label) }
            return FreeParameter(
                key: key, lower: try number(table, "lower", file: path, at: label),
                upper: try number(table, "upper", file: path, at: label))
        }
        var bandPenalty = 0.0
        if root.contains(key: "band_penalty") {
            bandPenalty = try number(root, "band_penalty", file: path, at: "fit")
            guard bandPenalty >= 0, bandPenalty.isFinite else {
                throw InputError("\(path): band_penalty = \(bandPenalty); allowed: a finite number >= 0")
            }
        }
        return FitSpec(
            regime: regime, stepper: stepper, tolerance: tolerance, options: options, free: free, starts: starts,
            bandPenalty: bandPenalty)
    }
}
