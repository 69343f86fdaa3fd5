import Experiments
import FlowModel
import Foundation
import TOMLKit

/// Reads a drivers file: the `[[driver]]` tables of a decomposition, each with a name and one way
/// of switching it off (`table`, with an optional `value` to hold it at; `choice` and `option`; or
/// `parameters`).
public enum DriversFile {
    /// The drivers of the file at `path`, checked against `source` (an optional top-level `model`
    /// must be the file's model).
    public static func read(_ path: String, source: ModelSource) throws -> [Driver] {
        let root = try Configuration.parseTOML(try Configuration.readText(path), file: path)
        for key in root.keys where !["model", "driver"].contains(key) {
            throw InputError("\(path): unknown key \(key); allowed: model, driver ([[driver]] tables)")
        }
        try CalibrationFiles.checkModel(root, file: path, model: source.name)
        var drivers: [Driver] = []
        for (index, table) in try CalibrationFiles.tables(root, "driver", file: path).enumerated() {
            let label = "driver[\(index)]"
            let allowed = ["name", "table", "value", "choice", "option", "parameters"]
            try CalibrationFiles.checkKeys(table, allowed: allowed, file: path, at: label)
            let name = try CalibrationFiles.string(table, "name", file: path, at: label)
            let ways = ["table", "choice", "parameters"].filter { table.contains(key: $0) }
            guard ways.count == 1 else {
                throw InputError(
                    """
                    \(path): \(label) (\(name)): give one way of switching it off: table = "NAME", choice = \
                    "NAME" with option = "NAME", or parameters = { key = value }
                    """
                )
            }
            let off: Driver.Off
            switch ways[0] {
            case "table":
                let held = try CalibrationFiles.string(table, "table", file: path, at: label)
                guard source.tables.contains(where: { $0.name == held }) else {
                    throw InputError(
                        """
                        \(path): \(label).table = "\(held)": \(source.file) has no table \(held); its tables: \
                        \(source.tables.map(\.name).joined(separator: ", "))
                        """
                    )
                }
                let value = try table["value"].map {
                    try Configuration.finiteNumber(
                        $0, file: path, key: "\(label).value", expected: "the value to hold it at")
                }
                off = .holdTable(held, value: value)
            case "choice":
                let choiceName = try CalibrationFiles.string(table, "choice", file: path, at: label)
                let option = try CalibrationFiles.string(table, "option", file: path, at: label)
                guard let choice = source.choices.first(where: { $0.name == choiceName }) else {
                    throw InputError("\(path): \(label).choice = \"\(choiceName)\": \(source.file) has no such choice")
                }
                guard choice.options.contains(where: { $0.name == option }) else {
                    throw InputError(
                        """
                        \(path): \(label).option = "\(option)"; allowed: the options of \(choiceName): \
                        \(choice.options.map(\.name).joined(separator: ", "))
                        """
                    )
                }
                off = .option(choice: choiceName, option: option)
            default:
                guard let values = table["parameters"]?.table else {
                    throw InputError("\(path): \(label).parameters must be a table of key = value")
                }
                var parameters: [String: Double] = [:]
                for key in values.keys {
                    guard let canonical = source.canonicalKey(key, members: [:]) else {
                        throw InputError(
                            "\(path): \(label).parameters.\(key): unknown parameter; see `liquidity params`")
                    }
                    parameters[canonical] = try Configuration.finiteNumber(
                        values[key]!, file: path, key: "\(label).parameters.\(key)", expected: "a number")
                }
                off = .parameters(parameters)
            }
            if table.contains(key: "option") && ways[0] != "choice" {
                throw InputError("\(path): \(label).option: only a driver with a choice takes an option")
            }
            if table.contains(key: "value") && ways[0] != "table" {
                throw InputError("\(path): \(label).value: only a driver with a table takes a value to hold it at")
            }
            guard !drivers.contains(where: { $0.name == name }) else {
                throw InputError("\(path): \(label): the name \(name) is given twice")
            }
            drivers.append(Driver(name: name, off: off))
        }
        guard drivers.count <= Decomposition.driverLimit else {
            throw InputError(
                "\(path): \(drivers.count) drivers; allowed: at most \(Decomposition.driverLimit) (2^n solves)")
        }
        return drivers
    }
}
