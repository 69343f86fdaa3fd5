import FlowModel
import Foundation
import TOMLKit

/// Scenario files: a name and dated changes.
///
/// ```toml
/// name = "tighter payout"
/// [[change]]
/// key = "payout"        # a parameter of the model, as `liquidity params` lists them
/// value = 0.6
/// start = 2026-07-01    # a TOML date or a decimal year
/// ramp_years = 1.0      # optional: 0 (the default) is a step
/// ```
public enum ScenarioFile {
    /// The scenario in the file at `path`, each change's key resolved by
    /// `resolve` to a parameter's name and unit (nil: no such parameter).
    public static func read(_ path: String, resolve: (String) -> (key: String, unit: String)?) throws -> (
        name: String, changes: [ModelSettings.Change]
    ) {
        let table = try Configuration.parseTOML(try Configuration.readText(path), file: path)
        let allowed = ["name", "change"]
        for key in table.keys where !allowed.contains(key) {
            throw InputError("\(path): unknown key \(key); allowed: name, change ([[change]] tables)")
        }
        guard let nameValue = table["name"] else {
            throw InputError("\(path): missing key name (the scenario's name)")
        }
        guard let name = nameValue.string else {
            throw InputError("\(path): name must be a string; got \(Configuration.describe(nameValue))")
        }
        guard let changesValue = table["change"] else { throw InputError("\(path): no changes ([[change]] tables)") }
        guard let changes = changesValue.array else {
            throw InputError(
                "\(path): change must be an array of tables ([[change]]); got \(Configuration.describe(changesValue))")
        }
        var result: [ModelSettings.Change] = []
        for (index, element) in changes.enumerated() {
            let label = "change[\(index)]"
            guard let entry = element.table else {
                throw InputError("\(path): \(label) must be a table; got \(Configuration.describe(element))")
            }
            let fields = ["key", "value", "start", "ramp_years"]
            try CalibrationFiles.checkKeys(entry, allowed: fields, file: path, at: label)
            guard let keyValue = entry["key"], let given = keyValue.string else {
                throw InputError("\(path): \(label).key must be the name of a parameter (a string)")
            }
            guard let (key, unit) = resolve(given) else {
                throw InputError(
                    "\(path): \(label).key: unknown parameter \(given); see `liquidity params` for every key")
            }
            guard let value = entry["value"] else { throw InputError("\(path): missing key \(label).value (\(unit))") }
            let number = try Configuration.number(value, file: path, key: "\(label).value", expected: unit)
            guard let startValue = entry["start"] else {
                throw InputError("\(path): missing key \(label).start (a date or a decimal year)")
            }
            let start: Double
            if let date = startValue.date {
                guard (1...12).contains(Int(date.month)), (1...31).contains(Int(date.day)) else {
                    throw InputError("\(path): \(label).start is not a valid date")
                }
                start = DecimalYear.value(year: Int(date.year), month: Int(date.month), day: Int(date.day))
            } else {
                start = try Configuration.number(
                    startValue, file: path, key: "\(label).start", expected: "a date or a decimal year")
            }
            var ramp = 0.0
            if let rampValue = entry["ramp_years"] {
                ramp = try Configuration.number(rampValue, file: path, key: "\(label).ramp_years", expected: "years")
            }
            guard ramp.isFinite, ramp >= 0 else {
                throw InputError("\(path): \(label).ramp_years = \(ramp): allowed >= 0")
            }
            guard start.isFinite else { throw InputError("\(path): \(label).start = \(start): allowed a finite date") }
            result.append(ModelSettings.Change(parameter: key, value: number, start: start, rampYears: ramp))
        }
        return (name, result)
    }
}
