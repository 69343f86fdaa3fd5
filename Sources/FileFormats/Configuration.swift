import FlowModel
import Foundation
import TOMLKit

/// Reads and writes model configurations: TOML files that give every
/// parameter of the model, in sections (`[capex]`, `[exogenous]`, `[[risk]]`).
public enum Configuration {
    /// The sections of scalar parameters, in file order.
    static var sections: [String] { ModelParameters.sectionOrder }

    /// Reads the whole file at `path` as UTF-8 text.
    static func readText(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError("\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw InputError("\(path): is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("\(path): cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw InputError("\(path): is not UTF-8 text") }
        return text
    }

    /// Parses TOML text, naming the file, line and column of a syntax error.
    static func parseTOML(_ text: String, file: String) throws -> TOMLTable {
        guard !text.contains("\0") else { throw InputError("\(file): contains a NUL byte; not a TOML file") }
        try checkASCIIOutsideStrings(text, file: file)
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw InputError(
                "\(file):\(error.source.begin.line):\(error.source.begin.column): not valid TOML: \(error.description)")
        }
    }

    /// Refuses a non-ASCII character outside strings and comments. Keys,
    /// headers and numbers are ASCII in every valid file of ours, and toml++
    /// (inside TOMLKit) stops on an internal assertion, ending the process,
    /// when such a character starts a key (found by the fuzz test).
    static func checkASCIIOutsideStrings(_ text: String, file: String) throws {
        var line = 1, column = 0
        var quote: String? = nil
        var inComment = false
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func starts(_ token: String) -> Bool {
            let t = Array(token.unicodeScalars)
            return i + t.count <= scalars.count && Array(scalars[i..<(i + t.count)]) == t
        }
        while i < scalars.count {
            let c = scalars[i]
            column += 1
            if c == "\n" {
                line += 1
                column = 0
                inComment = false
                if quote == "\"" || quote == "'" { quote = nil }
                i += 1
                continue
            }
            if inComment { i += 1; continue }
            if let open = quote {
                if open == "\"" || open == "\"\"\"", c == "\\" { i += 2; column += 1; continue }
                if starts(open) { i += open.unicodeScalars.count; column += open.unicodeScalars.count - 1; quote = nil; continue }
                i += 1
                continue
            }
            if c == "#" { inComment = true } else if starts("\"\"\"") || starts("\'\'\'") {
                quote = String(String.UnicodeScalarView(scalars[i..<(i + 3)]))
                i += 3
                column += 2
                continue
            } else if c == "\"" || c == "'" {
                quote = String(c)
            } else if !c.isASCII {
                throw InputError(
                    "\(file):\(line):\(column): character U+\(String(c.value, radix: 16, uppercase: true)) outside a string or comment; keys, section names and numbers must be ASCII")
            }
            i += 1
        }
    }

    /// The model parameters in the configuration file at `path`.
    public static func read(_ path: String) throws -> ModelParameters {
        try parse(readText(path), file: path)
    }

    /// A number: a TOML integer or float.
    static func number(_ value: TOMLValueConvertible, file: String, key: String, expected: String) throws -> Double {
        if let double = value.double { return double }
        if let int = value.int { return Double(int) }
        throw InputError("\(file): \(key) must be a number (\(expected)); got \(describe(value))")
    }

    /// A number that must be finite (TOML allows inf and nan): sweep specs, targets and fit files.
    static func finiteNumber(_ value: TOMLValueConvertible, file: String, key: String, expected: String) throws -> Double {
        let number = try number(value, file: file, key: key, expected: expected)
        guard number.isFinite else { throw InputError("\(file): \(key) = \(number) is not a finite number (\(expected))") }
        return number
    }

    static func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: "the string \"\(value.string ?? "")\""
        case .table: "a table"
        case .array: "an array"
        default: ("aeiou".contains("\(value.type)".first ?? "x") ? "an " : "a ") + "\(value.type)"
        }
    }

    /// Parses a configuration. Every parameter of MODEL.md must be given
    /// exactly once; an extension's key may be left out (its default applies).
    public static func parse(_ text: String, file: String) throws -> ModelParameters {
        let table = try parseTOML(text, file: file)
        var parameters = ModelParameters()
        let catalog = parameters.catalog.filter { !$0.group.hasPrefix("risk.") }
        let allowedSections = sections + ["exogenous", "risk"]
        for key in table.keys where !allowedSections.contains(key) {
            throw InputError(
                "\(file): unknown section or key \"\(key)\"; allowed: \(allowedSections.joined(separator: ", "))")
        }
        for section in sections {
            guard let value = table[section] else {
                throw InputError("\(file): missing section [\(section)]")
            }
            guard let entries = value.table else {
                throw InputError("\(file): \(section) must be a table ([\(section)]); got \(describe(value))")
            }
            let expected = catalog.filter { $0.group == section }
            for key in entries.keys where !expected.contains(where: { $0.key == key }) {
                throw InputError(
                    "\(file): unknown key \(section).\(key); allowed in [\(section)]: "
                        + expected.map(\.key).joined(separator: ", "))
            }
            for info in expected {
                guard let value = entries[info.key] else {
                    if info.isExtension { continue }
                    throw InputError("\(file): missing key \(section).\(info.key) (\(info.unit): \(info.meaning))")
                }
                let number = try number(value, file: file, key: "\(section).\(info.key)", expected: info.unit)
                guard info.isAllowed(number) else {
                    throw InputError("\(file): \(section).\(info.key) = \(number) is out of range; allowed: \(info.allowed)")
                }
                try parameters.set(info.key, to: number)
            }
        }
        try parseExogenous(table, into: &parameters, file: file)
        try parseRiskClasses(table, into: &parameters, file: file)
        do {
            try parameters.validate()
        } catch let error as ModelError {
            throw InputError("\(file): \(error.description)")
        }
        return parameters
    }

    static func parseExogenous(_ table: TOMLTable, into parameters: inout ModelParameters, file: String) throws {
        guard let value = table["exogenous"] else { throw InputError("\(file): missing section [exogenous]") }
        guard let exogenous = value.table else {
            throw InputError("\(file): exogenous must be a table ([exogenous]); got \(describe(value))")
        }
        let keys = ModelParameters.knotTables.map(\.key)
        for key in exogenous.keys where !keys.contains(key) {
            throw InputError("\(file): unknown key exogenous.\(key); allowed in [exogenous]: \(keys.joined(separator: ", "))")
        }
        for info in ModelParameters.knotTables {
            guard let value = exogenous[info.key] else {
                throw InputError("\(file): missing key exogenous.\(info.key) (knots [[year, \(info.unit)], ...]: \(info.meaning))")
            }
            info.set(try knotTable(value, file: file, key: "exogenous.\(info.key)", unit: info.unit), in: &parameters)
        }
    }

    /// `[[year, value], ...]` with ascending years.
    static func knotTable(_ value: TOMLValueConvertible, file: String, key: String, unit: String) throws -> KnotTable {
        let shape = "an array of [year, value] pairs, value in \(unit)"
        guard let array = value.array else { throw InputError("\(file): \(key) must be \(shape); got \(describe(value))") }
        var knots: [(Double, Double)] = []
        for (index, element) in array.enumerated() {
            guard let pair = element.array, pair.count == 2 else {
                throw InputError("\(file): \(key)[\(index)] must be a [year, value] pair; got \(describe(element))")
            }
            knots.append((
                try number(pair[0], file: file, key: "\(key)[\(index)][0]", expected: "year"),
                try number(pair[1], file: file, key: "\(key)[\(index)][1]", expected: unit)
            ))
        }
        do {
            return try KnotTable(knots)
        } catch let error as ModelError {
            throw InputError("\(file): \(key): \(error.description)")
        }
    }

    static func parseRiskClasses(_ table: TOMLTable, into parameters: inout ModelParameters, file: String) throws {
        guard let value = table["risk"] else { throw InputError("\(file): missing risk classes ([[risk]] tables)") }
        guard let array = value.array else {
            throw InputError("\(file): risk must be an array of tables ([[risk]]); got \(describe(value))")
        }
        let fields = ModelParameters.riskFieldKeys
        var classes: [RiskClass] = []
        for (index, element) in array.enumerated() {
            guard let entries = element.table else {
                throw InputError("\(file): risk[\(index)] must be a table; got \(describe(element))")
            }
            guard let nameValue = entries["name"] else { throw InputError("\(file): risk[\(index)] has no name") }
            guard let name = nameValue.string else {
                throw InputError("\(file): risk[\(index)].name must be a string; got \(describe(nameValue))")
            }
            let allowed = ["name"] + fields.map(\.key)
            for key in entries.keys where !allowed.contains(key) {
                throw InputError(
                    "\(file): unknown key risk.\(name).\(key); allowed in [[risk]]: \(allowed.joined(separator: ", "))")
            }
            guard RiskClass.isValidName(name) else {
                throw InputError("\(file): risk[\(index)].name \"\(name)\" must be letters, digits or underscores")
            }
            guard !classes.contains(where: { $0.name == name }) else {
                throw InputError("\(file): risk class \(name) is defined twice")
            }
            classes.append(RiskClass(name: name, value: 1, duration: 0, beta: 0, gamma: 0, qS0: 0, wSell: 0))
            parameters.riskClasses = classes
            for field in fields {
                let key = "risk.\(name).\(field.key)"
                guard let value = entries[field.key] else {
                    throw InputError("\(file): missing key \(key) (\(field.unit): \(field.meaning))")
                }
                let number = try number(value, file: file, key: key, expected: field.unit)
                let info = try parameters.info(key)
                guard info.isAllowed(number) else {
                    throw InputError("\(file): \(key) = \(number) is out of range; allowed: \(info.allowed)")
                }
                try parameters.set(key, to: number)
            }
            classes = parameters.riskClasses
        }
    }

    /// Applies `key=value` overrides: `payout=0.4`, `capex.payout=0.4`,
    /// `risk.crypto.beta=2.5`, `exogenous.rm=[[2025, 0.04], [2040, 0.03]]`.
    public static func apply(overrides: [String], to parameters: inout ModelParameters) throws {
        for override in overrides {
            guard let equals = override.firstIndex(of: "=") else {
                throw InputError("--set \(override): expected key=value, such as --set payout=0.4")
            }
            let given = String(override[..<equals]).trimmingCharacters(in: .whitespaces)
            let text = String(override[override.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            if let info = ModelParameters.knotTable(named: given) {
                let table = try parseTOML("value = \(text)", file: "--set \(override)")
                info.set(try knotTable(table["value"]!, file: "--set", key: "exogenous.\(info.key)", unit: info.unit), in: &parameters)
                continue
            }
            guard let key = parameters.canonicalKey(given), let info = parameters.catalog.first(where: { $0.key == key }) else {
                throw InputError("--set \(override): unknown parameter \(given); see `liquidity params` for every key")
            }
            guard let value = Double(text) else {
                throw InputError("--set \(override): \(key) needs a number; got \"\(text)\"")
            }
            guard info.isAllowed(value) else {
                throw InputError("--set \(override): \(key) = \(value) is out of range; allowed: \(info.allowed)")
            }
            try parameters.set(key, to: value)
        }
        do {
            try parameters.validate()
        } catch let error as ModelError {
            throw InputError("after --set: \(error.description)")
        }
    }

    /// A number as TOML writes it: integers without a fraction keep ".0".
    static func format(_ value: Double) -> String {
        value.description
    }

    /// The configuration as a complete TOML file, with units and meanings.
    public static func render(_ parameters: ModelParameters, header: [String]) -> String {
        var lines = header.map { "# " + $0 }
        let catalog = parameters.catalog
        for section in sections {
            lines.append("")
            lines.append("[\(section)]")
            for info in catalog where info.group == section {
                let note = info.isExtension ? " (extension, not in MODEL.md; optional)" : ""
                lines.append("\(info.key) = \(format(info.value(in: parameters)))  # \(info.unit): \(info.meaning)\(note)")
            }
        }
        lines.append("")
        lines.append("[exogenous]")
        for info in ModelParameters.knotTables {
            let table = info.table(in: parameters)
            let knots = zip(table.times, table.values).map { "[\(format($0)), \(format($1))]" }.joined(separator: ", ")
            lines.append("# \(info.unit): \(info.meaning), knots [year, value], linear between them")
            lines.append("\(info.key) = [\(knots)]")
        }
        for riskClass in parameters.riskClasses {
            lines.append("")
            lines.append("[[risk]]")
            lines.append("name = \"\(riskClass.name)\"")
            for info in catalog where info.group == "risk.\(riskClass.name)" {
                let field = String(info.key.dropFirst(info.group.count + 1))
                let meaning = info.meaning.dropFirst(riskClass.name.count + 2)
                lines.append("\(field) = \(format(info.value(in: parameters)))  # \(info.unit): \(meaning)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
