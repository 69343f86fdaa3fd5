import FlowModel
import Foundation
import TOMLKit

/// Configurations of model files: TOML whose keys are the file's own names.
///
/// ```toml
/// [horizon]
/// t0 = 0.0
/// t1 = 300.0
/// [parameters]
/// alpha1 = 0.6            # a scalar parameter
/// beta.crypto = 2.0       # one member of an indexed parameter
/// [sets]
/// risk = ["crypto", "longdur"]
/// [tables]
/// rm = [[2025.0, 0.0433], [2040.0, 0.03]]
/// [choices]
/// regime = "buyer"
/// ```
///
/// Every section is optional; what is left out keeps the file's value.
public enum ModelConfiguration {
    package static let sections = ["horizon", "parameters", "sets", "tables", "choices"]

    /// The most members a configuration may give a set.
    public static let memberLimit = 100

    /// The settings the configuration text gives `model`; every name is
    /// checked against the file, and an error names the configuration, the
    /// key and what the file has.
    package static func settings(_ root: TOMLTable, file path: String, for model: ModelSource) throws -> ModelSettings
    {
        var settings = ModelSettings()
        guard !root.isEmpty else {
            throw InputError(
                """
                \(path): no sections; a configuration sets some of \(sections.joined(separator: ", ")) (without \
                --config a model runs on its file's own values)
                """
            )
        }
        for key in root.keys where !sections.contains(key) {
            throw InputError("\(path): unknown section \(key); allowed: \(sections.joined(separator: ", "))")
        }
        func table(_ name: String) throws -> TOMLTable? { try CalibrationFiles.section(root, name, file: path) }
        if let horizon = try table("horizon") {
            for key in horizon.keys where key != "t0" && key != "t1" {
                throw InputError("\(path): unknown key horizon.\(key); allowed: t0, t1")
            }
            if let v = horizon["t0"] {
                settings.start = try Configuration.number(v, file: path, key: "horizon.t0", expected: "a time")
            }
            if let v = horizon["t1"] {
                settings.end = try Configuration.number(v, file: path, key: "horizon.t1", expected: "a time")
            }
        }
        if let sets = try table("sets") {
            for key in sets.keys {
                guard model.sets.contains(where: { $0.name == key }) else {
                    throw InputError(
                        """
                        \(path): sets.\(key): \(model.file) has no set \(key); its sets: \
                        \(model.sets.map(\.name).joined(separator: ", "))
                        """
                    )
                }
                guard let list = sets[key]?.array, list.allSatisfy({ $0.string != nil }) else {
                    throw InputError("\(path): sets.\(key) must be a list of member names in double quotes")
                }
                let members = list.compactMap(\.string)
                for (k, member) in members.enumerated() where members[..<k].contains(member) {
                    throw InputError("\(path): sets.\(key): \(member) is listed twice")
                }
                guard !members.isEmpty else { throw InputError("\(path): sets.\(key): give at least one member") }
                guard members.count <= memberLimit else {
                    throw InputError(
                        """
                        \(path): sets.\(key): \(members.count) members; the limit is \(memberLimit) (each member \
                        adds states and equations; a dense Jacobian grows with their cube)
                        """
                    )
                }
                settings.sets[key] = members
            }
        }
        if let parameters = try table("parameters") {
            for key in parameters.keys {
                guard let declared = model.parameters.first(where: { $0.name == key }) else {
                    throw InputError(
                        """
                        \(path): parameters.\(key): \(model.file) has no parameter \(key); see `liquidity params \
                        --model \(model.file)`
                        """
                    )
                }
                let value = parameters[key]!
                /// A value within the parameter's declared range, or an error naming the configuration's key.
                func checked(_ entry: TOMLValueConvertible, _ label: String) throws -> Double {
                    let number = try Configuration.number(
                        entry, file: path, key: label, expected: declared.attributes.unit ?? "a number")
                    let range = declared.attributes.range ?? .any
                    guard range.contains(number) else {
                        throw InputError("\(path): \(label) = \(number) is out of range; allowed: \(range)")
                    }
                    return number
                }
                if let members = value.table {
                    guard case .member(let set) = declared.index else {
                        throw InputError("\(path): parameters.\(key) is not indexed; give one number")
                    }
                    let known = settings.sets[set] ?? model.sets.first { $0.name == set }?.members ?? []
                    for member in members.keys {
                        guard known.contains(member) else {
                            throw InputError(
                                """
                                \(path): parameters.\(key).\(member): \(member) is not a member of \(set); its \
                                members: \(known.joined(separator: ", "))
                                """
                            )
                        }
                        settings.parameters["\(key)[\(member)]"] = try checked(
                            members[member]!, "parameters.\(key).\(member)")
                    }
                } else {
                    settings.parameters[key] = try checked(value, "parameters.\(key)")
                }
            }
        }
        if let tables = try table("tables") {
            for key in tables.keys {
                guard model.tables.contains(where: { $0.name == key }) else {
                    throw InputError(
                        """
                        \(path): tables.\(key): \(model.file) has no table \(key); its tables: \
                        \(model.tables.map(\.name).joined(separator: ", "))
                        """
                    )
                }
                settings.tables[key] = try Configuration.knots(
                    tables[key]!, file: path, key: "tables.\(key)", unit: "the table's unit")
            }
        }
        if let choices = try table("choices") {
            for key in choices.keys {
                guard let choice = model.choices.first(where: { $0.name == key }) else {
                    throw InputError("\(path): choices.\(key): \(model.file) has no choice \(key)")
                }
                guard let option = choices[key]?.string, choice.options.contains(where: { $0.name == option }) else {
                    throw InputError(
                        """
                        \(path): choices.\(key) must be one of \
                        \(choice.options.map { "\"\($0.name)\"" }.joined(separator: ", "))
                        """
                    )
                }
                settings.choices[key] = option
            }
        }
        return settings
    }

    /// A complete configuration of `model` (its settings applied): every
    /// section, every parameter with its unit and meaning in a comment.
    public static func render(_ model: CompiledModel, header: [String], sources: [String: String] = [:]) -> String {
        let s = model.source
        var lines = header.map { "# " + $0 }
        lines += [
            "", "[horizon]", "t0 = \(Configuration.format(model.t0))", "t1 = \(Configuration.format(model.t1))", "",
            "[parameters]",
        ]
        for p in s.parameters {
            let note = [p.attributes.unit, p.attributes.meaning].compactMap { $0 }.joined(separator: ": ")
            func comment(_ key: String) -> String {
                let text = [note.isEmpty ? nil : note, sources[key].map { "from " + $0 }].compactMap { $0 }
                return text.isEmpty ? "" : "  # " + text.joined(separator: "; ")
            }
            if case .member(let set) = p.index {
                for member in model.members(of: set) {
                    let key = "\(p.name)[\(member)]"
                    lines.append(
                        "\(p.name).\(member) = \(Configuration.format(model.parameter(key) ?? .nan))" + comment(key))
                }
            } else {
                lines.append("\(p.name) = \(Configuration.format(model.parameter(p.name) ?? .nan))" + comment(p.name))
            }
        }
        if !s.sets.isEmpty {
            lines += ["", "[sets]"]
            for set in s.sets {
                lines.append(
                    "\(set.name) = [" + model.members(of: set.name).map { "\"\($0)\"" }.joined(separator: ", ") + "]")
            }
        }
        if !s.tables.isEmpty {
            lines += ["", "[tables]"]
            for table in s.tables {
                let knots = model.knots(of: table.name).map {
                    "[\(Configuration.format($0.0)), \(Configuration.format($0.1))]"
                }.joined(separator: ", ")
                lines.append("\(table.name) = [\(knots)]")
            }
        }
        if !s.choices.isEmpty {
            lines += ["", "[choices]"]
            for choice in s.choices {
                lines.append("\(choice.name) = \"\(model.settings.choices[choice.name] ?? choice.defaultOption)\"")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
