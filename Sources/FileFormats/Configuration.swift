import Foundation
import TOMLKit

/// What every TOML file of the tool shares: reading the text, parsing it
/// with the line and column of an error, numbers and how values are named.
/// A model's configuration is ``ModelConfiguration``.
public enum Configuration {
    /// Reads the whole file at `path` as UTF-8 text.
    package static func readText(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError("\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw InputError("\(path): is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError("\(path): cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw InputError("\(path): is not UTF-8 text") }
        return text
    }

    /// Parses TOML text, naming the file, line and column of a syntax error.
    package static func parseTOML(_ text: String, file: String) throws -> TOMLTable {
        guard !text.contains("\0") else { throw InputError("\(file): contains a NUL byte; not a TOML file") }
        try checkASCIIOutsideStrings(text, file: file)
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw InputError(
                "\(file):\(error.source.begin.line):\(error.source.begin.column): not valid TOML: \(error.description)"
            )
        }
    }

    /// Refuses a character outside strings and comments that is not printable
    /// ASCII (a tab excepted). Keys, headers and numbers are printable ASCII in
    /// every valid file of ours, and toml++ (inside TOMLKit) stops on an
    /// internal assertion, ending the process, when such a character starts a
    /// key or follows a dot of a dotted key (found by the fuzz tests).
    package static func checkASCIIOutsideStrings(_ text: String, file: String) throws {
        var line = 1
        var column = 0
        var quote: String? = nil
        var inComment = false
        var lineStarted = false
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
                lineStarted = false
                if quote == "\"" || quote == "'" { quote = nil }
                i += 1
                continue
            }
            if inComment {
                i += 1
                continue
            }
            if let open = quote {
                if open == "\"" || open == "\"\"\"", c == "\\" {
                    i += 2
                    column += 1
                    continue
                }
                if starts(open) {
                    i += open.unicodeScalars.count
                    column += open.unicodeScalars.count - 1
                    quote = nil
                    continue
                }
                i += 1
                continue
            }
            if c == "[" && !lineStarted {
                // A table header: toml++ asserts that its name starts with a key character or a quote.
                var j = i + 1
                if j < scalars.count && scalars[j] == "[" { j += 1 }
                while j < scalars.count && (scalars[j] == " " || scalars[j] == "\t") { j += 1 }
                if j < scalars.count,
                    !(scalars[j].properties.isASCIIHexDigit || ("a"..."z").contains(scalars[j])
                        || ("A"..."Z").contains(scalars[j])
                        || ("0"..."9").contains(scalars[j]) || scalars[j] == "_" || scalars[j] == "-"
                        || scalars[j] == "\"" || scalars[j] == "'" || scalars[j] == "]")
                {
                    throw InputError(
                        """
                        \(file):\(line):\(column + j - i): a table header must start with a name; found \
                        '\(Character(scalars[j]))'
                        """
                    )
                }
            }
            if c != " " && c != "\t" { lineStarted = true }
            if c == "#" {
                inComment = true
            } else if starts("\"\"\"") || starts("\'\'\'") {
                quote = String(String.UnicodeScalarView(scalars[i..<(i + 3)]))
                i += 3
                column += 2
                continue
            } else if c == "\"" || c == "'" {
                quote = String(c)
            } else if !c.isASCII || (c.value < 0x20 && c != "\t" && c != "\r") || c.value == 0x7F {
                // toml++ stops on an internal assertion, too, when a control character follows a dot of a dotted key.
                throw InputError(
                    """
                    \(file):\(line):\(column): character U+\(String(c.value, radix: 16, uppercase: true)) \
                    outside a string or comment; keys, section names and numbers must be printable ASCII
                    """
                )
            }
            i += 1
        }
    }

    /// A number: a TOML integer or float.
    package static func number(_ value: TOMLValueConvertible, file: String, key: String, expected: String) throws
        -> Double
    {
        if let double = value.double { return double }
        if let int = value.int { return Double(int) }
        throw InputError("\(file): \(key) must be a number (\(expected)); got \(describe(value))")
    }

    /// A number that must be finite (TOML allows inf and nan): sweep specs, targets and fit files.
    package static func finiteNumber(_ value: TOMLValueConvertible, file: String, key: String, expected: String) throws
        -> Double
    {
        let number = try number(value, file: file, key: key, expected: expected)
        guard number.isFinite else {
            throw InputError("\(file): \(key) = \(number) is not a finite number (\(expected))")
        }
        return number
    }

    package static func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: "the string \"\(value.string ?? "")\""
        case .table: "a table"
        case .array: "an array"
        default: ("aeiou".contains("\(value.type)".first ?? "x") ? "an " : "a ") + "\(value.type)"
        }
    }

    /// `[[year, value], ...]`: at least one knot, finite, with ascending years.
    package static func knots(_ value: TOMLValueConvertible, file: String, key: String, unit: String) throws -> [(
        Double, Double
    )] {
        let shape = "an array of [year, value] pairs, value in \(unit)"
        guard let array = value.array else {
            throw InputError("\(file): \(key) must be \(shape); got \(describe(value))")
        }
        var knots: [(Double, Double)] = []
        for (index, element) in array.enumerated() {
            guard let pair = element.array, pair.count == 2 else {
                throw InputError("\(file): \(key)[\(index)] must be a [year, value] pair; got \(describe(element))")
            }
            let knot = (
                try number(pair[0], file: file, key: "\(key)[\(index)][0]", expected: "year"),
                try number(pair[1], file: file, key: "\(key)[\(index)][1]", expected: unit)
            )
            guard knot.0.isFinite, knot.1.isFinite else {
                throw InputError("\(file): \(key): knot (\(knot.0), \(knot.1)) is not finite")
            }
            if let last = knots.last, !(knot.0 > last.0) {
                throw InputError("\(file): \(key): the years must ascend; \(knot.0) follows \(last.0)")
            }
            knots.append(knot)
        }
        guard !knots.isEmpty else { throw InputError("\(file): \(key): a knot table needs at least one knot") }
        return knots
    }

    /// A number as TOML writes it: integers without a fraction keep ".0".
    package static func format(_ value: Double) -> String {
        value.description
    }
}
