/// A place in a model file: 1-based line and column.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }

    /// No place in the file: a problem with the settings a run gave.
    public static let none = SourceLocation(line: 0, column: 0)
}

/// What is wrong with a model file, where, and whether it stops the model.
public struct ModelDiagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var file: String
    public var location: SourceLocation
    public var severity: Severity
    public var message: String

    public init(file: String, location: SourceLocation, severity: Severity = .error, message: String) {
        self.file = file
        self.location = location
        self.severity = severity
        self.message = message
    }

    /// `file:line:column: error: message`, as compilers write it.
    public var description: String { "\(place): \(severity.rawValue): \(message)" }

    /// `file:line:column`, or the file alone when the problem is not in it.
    public var place: String { location == .none ? file : "\(file):\(location)" }
}

/// The model file's errors (and warnings) when it cannot be used.
public struct ModelFileError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ModelDiagnostic]
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// A token of the model language.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case name(String)
        case number(Double)
        case string(String)
        case symbol(String)
        case newline
        case end
    }
    var kind: Kind
    var location: SourceLocation

    var text: String {
        switch kind {
        case .name(let s): s
        case .number(let v): "\(v)"
        case .string(let s): "\"\(s)\""
        case .symbol(let s): s
        case .newline: "end of line"
        case .end: "end of file"
        }
    }
}

/// Splits a model file into tokens: names, numbers, strings in double quotes,
/// symbols, and line ends (a line ending in `\` or inside brackets continues).
struct Lexer {
    static let symbols = [
        "d/dt", "<=", ">=", "==", "!=", "+", "-", "*", "/", "^", "(", ")", "[", "]", ",", ":", "=", "?", "<", ">",
    ]
    static let symbolScalars = symbols.map { Array($0.unicodeScalars) }

    /// A letter or `_`: ASCII answered directly, others by their Unicode property.
    @inline(__always)
    static func startsName(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" }
        return c.properties.isAlphabetic
    }

    @inline(__always)
    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    /// The text of `scalars`, written byte by byte when all are ASCII (the usual case).
    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        guard scalars.allSatisfy(\.isASCII) else { return String(String.UnicodeScalarView(scalars)) }
        return String(unsafeUninitializedCapacity: scalars.count) { bytes in
            for (k, c) in zip(bytes.indices, scalars) { bytes[k] = UInt8(truncatingIfNeeded: c.value) }
            return scalars.count
        }
    }

    static func tokens(_ text: String, file: String) throws -> [Token] {
        var tokens: [Token] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        var line = 1
        var column = 1
        var depth = 0
        func location() -> SourceLocation { SourceLocation(line: line, column: column) }
        func fail(_ message: String) -> ModelFileError {
            ModelFileError(diagnostics: [ModelDiagnostic(file: file, location: location(), message: message)])
        }
        func advance(_ n: Int = 1) {
            for _ in 0..<n {
                if scalars[i] == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                i += 1
            }
        }
        while i < scalars.count {
            let c = scalars[i]
            if c == "#" {
                while i < scalars.count && scalars[i] != "\n" { advance() }
                continue
            }
            if c == "\\" {
                // A continuation: the rest of the line must be blank or a comment.
                var j = i + 1
                while j < scalars.count && (scalars[j] == " " || scalars[j] == "\t" || scalars[j] == "\r") { j += 1 }
                guard j >= scalars.count || scalars[j] == "\n" || scalars[j] == "#" else {
                    throw fail("'\\' continues a line only at its end")
                }
                // ... and some line must follow it: past blank lines and comments, not the file's end.
                var rest = j
                while rest < scalars.count {
                    let r = scalars[rest]
                    if r == "#" {
                        while rest < scalars.count && scalars[rest] != "\n" { rest += 1 }
                    } else if r == " " || r == "\t" || r == "\r" || r == "\n" {
                        rest += 1
                    } else {
                        break
                    }
                }
                guard rest < scalars.count else { throw fail("'\\' continues the line, but the file ends after it") }
                advance(j - i)
                while i < scalars.count && scalars[i] != "\n" { advance() }
                if i < scalars.count { advance() }
                continue
            }
            if c == "\n" {
                if depth == 0, let last = tokens.last, last.kind != .newline {
                    tokens.append(Token(kind: .newline, location: location()))
                }
                advance()
                continue
            }
            if c == " " || c == "\t" || c == "\r" {
                advance()
                continue
            }
            let start = location()
            if c == "\"" {
                advance()
                let first = i
                while i < scalars.count && scalars[i] != "\"" {
                    guard scalars[i] != "\n" else {
                        throw ModelFileError(diagnostics: [
                            ModelDiagnostic(
                                file: file, location: start,
                                message: "a string must end on its line: add the closing \"")
                        ])
                    }
                    advance()
                }
                let text = string(scalars[first..<i])
                guard i < scalars.count else {
                    throw ModelFileError(diagnostics: [
                        ModelDiagnostic(
                            file: file, location: start, message: "a string must end on its line: add the closing \"")
                    ])
                }
                advance()
                tokens.append(Token(kind: .string(text), location: start))
                continue
            }
            if startsName(c) {
                let first = i
                while i < scalars.count && (startsName(scalars[i]) || isDigit(scalars[i])) { i += 1 }
                column += i - first
                let name = string(scalars[first..<i])
                // `d/dt` is one symbol.
                if name == "d", i + 2 < scalars.count, scalars[i] == "/", scalars[i + 1] == "d", scalars[i + 2] == "t",
                    i + 3 >= scalars.count || !(startsName(scalars[i + 3]) || isDigit(scalars[i + 3]))
                {
                    advance(3)
                    tokens.append(Token(kind: .symbol("d/dt"), location: start))
                    continue
                }
                tokens.append(Token(kind: .name(name), location: start))
                continue
            }
            if isDigit(c) || (c == "." && i + 1 < scalars.count && isDigit(scalars[i + 1])) {
                let first = i
                while i < scalars.count && (isDigit(scalars[i]) || scalars[i] == ".") { i += 1 }
                if i < scalars.count && (scalars[i] == "e" || scalars[i] == "E") {
                    var j = i + 1
                    if j < scalars.count && (scalars[j] == "+" || scalars[j] == "-") { j += 1 }
                    if j < scalars.count && isDigit(scalars[j]) {
                        i = j
                        while i < scalars.count && isDigit(scalars[i]) { i += 1 }
                    }
                }
                column += i - first
                let text = string(scalars[first..<i])
                guard let value = Double(text), value.isFinite else {
                    throw ModelFileError(diagnostics: [
                        ModelDiagnostic(file: file, location: start, message: "\(text) is not a number")
                    ])
                }
                tokens.append(Token(kind: .number(value), location: start))
                continue
            }
            guard
                let k = symbolScalars.firstIndex(where: { u in
                    i + u.count <= scalars.count && scalars[i..<(i + u.count)].elementsEqual(u)
                })
            else {
                throw fail("unexpected character '\(c)' (U+\(String(c.value, radix: 16, uppercase: true)))")
            }
            let symbol = symbols[k]
            if symbol == "(" || symbol == "[" { depth += 1 }
            if symbol == ")" || symbol == "]" { depth = max(0, depth - 1) }
            tokens.append(Token(kind: .symbol(symbol), location: start))
            advance(symbolScalars[k].count)
        }
        if let last = tokens.last, last.kind != .newline { tokens.append(Token(kind: .newline, location: location())) }
        tokens.append(Token(kind: .end, location: location()))
        return tokens
    }
}
