import Foundation

/// Reads a model file into a ``ModelSource``; the first syntax error stops
/// it, with the file, line and column and what was expected.
struct Parser {
    let file: String
    var tokens: [Token]
    var position = 0
    /// How deep the expression being read nests: parentheses, signs, powers and each term of a
    /// chain of `+ -` or `* /` (each deepens the tree by one).
    var depth = 0
    /// Whether the `model` line has been read (a second is refused).
    var sawModelLine = false

    /// The deepest expression a file may hold. The compiler's passes recurse over the tree, on
    /// worker threads with small stacks too; a sum of 200,000 terms or 20,000 nested parentheses
    /// would overflow them. Real models stay far below: the package's all read with a limit of 16.
    static let depthLimit = 256

    /// One level deeper, refused past ``depthLimit`` at the current token.
    mutating func deepen() throws {
        depth += 1
        guard depth <= Self.depthLimit else {
            throw error(
                """
                this expression nests more than \(Self.depthLimit) levels deep (parentheses, signs, powers and \
                chained terms each count one); split it into let definitions
                """)
        }
    }

    init(_ text: String, file: String) throws {
        self.file = file
        tokens = try Lexer.tokens(text, file: file)
    }

    static let keywords: Set<String> = [
        "model", "horizon", "sectors", "set", "parameter", "table", "state", "let", "initial", "choice", "matrix",
        "summary", "observe", "stop",
    ]
    static let attributeWords: Set<String> = ["unit", "range", "role", "source"]

    var current: Token { tokens[position] }

    func error(_ message: String, at location: SourceLocation? = nil) -> ModelFileError {
        ModelFileError(diagnostics: [
            ModelDiagnostic(file: file, location: location ?? current.location, message: message)
        ])
    }

    mutating func next() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    func isSymbol(_ s: String) -> Bool { current.kind == .symbol(s) }
    func isWord(_ s: String) -> Bool { current.kind == .name(s) }

    mutating func expectSymbol(_ s: String, _ what: String) throws {
        guard isSymbol(s) else { throw error("expected '\(s)' \(what); found \(current.text)") }
        _ = next()
    }

    mutating func expectWord(_ s: String, _ what: String) throws {
        guard isWord(s) else { throw error("expected '\(s)' \(what); found \(current.text)") }
        _ = next()
    }

    mutating func name(_ what: String) throws -> (String, SourceLocation) {
        guard case .name(let n) = current.kind else { throw error("expected \(what); found \(current.text)") }
        return (n, next().location)
    }

    mutating func string(_ what: String) throws -> String {
        guard case .string(let s) = current.kind else {
            throw error("expected \(what) in double quotes; found \(current.text)")
        }
        _ = next()
        return s
    }

    mutating func optionalString() -> String? {
        guard case .string(let s) = current.kind else { return nil }
        _ = next()
        return s
    }

    mutating func endOfLine(_ what: String) throws {
        guard current.kind == .newline || current.kind == .end else {
            throw error("unexpected \(current.text) after \(what)")
        }
        if current.kind == .newline { _ = next() }
    }

    /// A number, possibly signed, or a constant expression of numbers (`1/12`).
    mutating func constant(_ what: String) throws -> Double {
        let at = current.location
        let expression = try self.expression()
        guard let value = Self.fold(expression) else { throw error("\(what) must be a number", at: at) }
        return value
    }

    static func fold(_ e: Expression) -> Double? {
        switch e {
        case .number(let v): return v
        case .name("inf", nil, _): return .infinity
        case .negate(let x): return fold(x).map { -$0 }
        case .binary(let op, let a, let b):
            guard let x = fold(a), let y = fold(b) else { return nil }
            switch op {
            case "+": return x + y
            case "-": return x - y
            case "*": return x * y
            case "/": return x / y
            default: return pow(x, y)
            }
        default: return nil
        }
    }

    // MARK: - Expressions

    static let additive: Set = ["+", "-"], multiplicative: Set = ["*", "/"]

    mutating func expression() throws -> Expression { try chain(Self.additive) { try $0.term() } }

    mutating func term() throws -> Expression { try chain(Self.multiplicative) { try $0.unary() } }

    /// A left-associative chain of `operand`s joined by `operators`; each link deepens the tree.
    mutating func chain(_ operators: Set<String>, _ operand: (inout Parser) throws -> Expression) throws -> Expression
    {
        let entry = depth
        defer { depth = entry }
        var left = try operand(&self)
        while case .symbol(let op) = current.kind, operators.contains(op) {
            _ = next()
            try deepen()
            left = .binary(op, left, try operand(&self))
        }
        return left
    }

    mutating func unary() throws -> Expression {
        try deepen()
        defer { depth -= 1 }
        if isSymbol("-") {
            _ = next()
            return .negate(try unary())
        }
        if isSymbol("+") {
            _ = next()
            return try unary()
        }
        return try power()
    }

    mutating func power() throws -> Expression {
        let base = try primary()
        if isSymbol("^") {
            _ = next()
            return .binary("^", base, try unary())
        }
        return base
    }

    mutating func primary() throws -> Expression {
        let token = current
        switch token.kind {
        case .number(let v):
            _ = next()
            return .number(v)
        case .symbol("("):
            _ = next()
            let inner = try expression()
            try expectSymbol(")", "to close '('")
            return inner
        case .symbol("?"):
            _ = next()
            let (n, at) = try name("a name after '?' (the entry this column solves for)")
            return .closure(n, at: at)
        case .name(let n):
            _ = next()
            if isSymbol("(") {
                _ = next()
                if n == "sum" || n == "softmax", case .name(let variable) = current.kind,
                    tokens[position + 1].kind == .name("in")
                {
                    _ = next()
                    _ = next()
                    let (set, _) = try name("a set after 'in'")
                    try expectSymbol(":", "after '\(n)(\(variable) in \(set)'")
                    let body = try expression()
                    try expectSymbol(")", "to close \(n)(")
                    return .reduce(n, variable: variable, set: set, body, at: token.location)
                }
                var arguments: [Expression] = []
                if !isSymbol(")") {
                    arguments.append(try expression())
                    while isSymbol(",") {
                        _ = next()
                        arguments.append(try expression())
                    }
                }
                try expectSymbol(")", "to close the arguments of \(n)")
                return .call(n, arguments, at: token.location)
            }
            if isSymbol("[") {
                _ = next()
                let (index, _) = try name("a member or an index variable inside [ ]")
                try expectSymbol("]", "after the index of \(n)")
                return .name(n, index: index, at: token.location)
            }
            return .name(n, index: nil, at: token.location)
        default:
            throw error("expected a number, a name or '('; found \(token.text)")
        }
    }

    // MARK: - Declarations

    mutating func index() throws -> IndexSpec {
        guard isSymbol("[") else { return .scalar }
        _ = next()
        let (first, _) = try name("a member or an index variable inside [ ]")
        var spec = IndexSpec.member(first)
        if isWord("in") {
            _ = next()
            let (set, _) = try name("a set after 'in'")
            spec = .each(variable: first, set: set)
        }
        try expectSymbol("]", "to close the index")
        return spec
    }

    mutating func attributes(into attributes: inout Attributes) throws {
        while true {
            switch current.kind {
            case .name("unit"):
                _ = next()
                attributes.unit = try string("a unit")
            case .name("source"):
                _ = next()
                attributes.source = try string("a source")
            case .name("role"):
                _ = next()
                attributes.role = try name("a role").0
            case .name("range"):
                _ = next()
                let lowerOpen: Bool
                if isSymbol("[") {
                    lowerOpen = false
                } else if isSymbol("(") {
                    lowerOpen = true
                } else {
                    throw error(
                        "expected '[' or '(' to start a range such as [0, 1] or (0, inf); found \(current.text)")
                }
                _ = next()
                let lower = try constant("a range's lower end")
                try expectSymbol(",", "between a range's ends")
                let upper = try constant("a range's upper end")
                let upperOpen: Bool
                if isSymbol("]") {
                    upperOpen = false
                } else if isSymbol(")") {
                    upperOpen = true
                } else {
                    throw error("expected ']' or ')' to end the range; found \(current.text)")
                }
                _ = next()
                attributes.range = ParameterRange(
                    lower: lower, upper: upper, lowerOpen: lowerOpen || lower.isInfinite,
                    upperOpen: upperOpen || upper.isInfinite)
            case .string(let s):
                _ = next()
                attributes.meaning = s
            default:
                return
            }
        }
    }

    mutating func parse() throws -> ModelSource {
        var model = ModelSource(file: file)
        while current.kind != .end {
            if current.kind == .newline {
                _ = next()
                continue
            }
            let start = current.location
            guard case .name(let keyword) = current.kind, Self.keywords.contains(keyword) else {
                throw error(
                    "expected a declaration (\(Self.keywords.sorted().joined(separator: ", "))); found \(current.text)"
                )
            }
            _ = next()
            switch keyword {
            case "model": try modelLine(into: &model)
            case "horizon": try horizon(into: &model)
            case "sectors": try sectors(into: &model)
            case "set": try set(into: &model, at: start)
            case "parameter": try parameter(into: &model)
            case "table": try table(into: &model)
            case "state": try state(into: &model)
            case "let", "initial": try definition(into: &model, keyword: keyword)
            case "choice": try choice(into: &model)
            case "matrix": try matrix(into: &model)
            case "summary": try summary(into: &model)
            case "stop": try stop(into: &model)
            case "observe": try observation(into: &model)
            default:
                throw error("unknown declaration \(keyword)", at: start)
            }
        }
        return model
    }
}

/// Parses a model file's text.
public func parseModel(_ text: String, file: String) throws -> ModelSource {
    var parser = try Parser(text, file: file)
    return try parser.parse()
}
