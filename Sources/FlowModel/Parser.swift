import Foundation

/// Reads a model file into a ``ModelSource``; the first syntax error stops
/// it, with the file, line and column and what was expected.
struct Parser {
    let file: String
    var tokens: [Token]
    var position = 0

    init(_ text: String, file: String) throws {
        self.file = file
        tokens = try Lexer.tokens(text, file: file)
    }

    static let keywords: Set<String> = [
        "model", "horizon", "sectors", "set", "parameter", "table", "state", "let", "initial", "choice", "matrix", "summary", "observe", "stop",
    ]
    static let attributeWords: Set<String> = ["unit", "range", "role", "source"]

    var current: Token { tokens[position] }

    func error(_ message: String, at location: SourceLocation? = nil) -> ModelFileError {
        ModelFileError(diagnostics: [ModelDiagnostic(file: file, location: location ?? current.location, message: message)])
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
        guard case .string(let s) = current.kind else { throw error("expected \(what) in double quotes; found \(current.text)") }
        _ = next()
        return s
    }

    mutating func optionalString() -> String? {
        guard case .string(let s) = current.kind else { return nil }
        _ = next()
        return s
    }

    mutating func endOfLine(_ what: String) throws {
        guard current.kind == .newline || current.kind == .end else { throw error("unexpected \(current.text) after \(what)") }
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

    mutating func expression() throws -> Expression {
        var left = try term()
        while case .symbol(let op) = current.kind, op == "+" || op == "-" {
            _ = next()
            left = .binary(op, left, try term())
        }
        return left
    }

    mutating func term() throws -> Expression {
        var left = try unary()
        while case .symbol(let op) = current.kind, op == "*" || op == "/" {
            _ = next()
            left = .binary(op, left, try unary())
        }
        return left
    }

    mutating func unary() throws -> Expression {
        if isSymbol("-") { _ = next(); return .negate(try unary()) }
        if isSymbol("+") { _ = next(); return try unary() }
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
                if (n == "sum" || n == "softmax"), case .name(let variable) = current.kind, tokens[position + 1].kind == .name("in") {
                    _ = next(); _ = next()
                    let (set, _) = try name("a set after 'in'")
                    try expectSymbol(":", "after '\(n)(\(variable) in \(set)'")
                    let body = try expression()
                    try expectSymbol(")", "to close \(n)(")
                    return .reduce(n, variable: variable, set: set, body, at: token.location)
                }
                var arguments: [Expression] = []
                if !isSymbol(")") {
                    arguments.append(try expression())
                    while isSymbol(",") { _ = next(); arguments.append(try expression()) }
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
                if isSymbol("[") { lowerOpen = false } else if isSymbol("(") { lowerOpen = true } else {
                    throw error("expected '[' or '(' to start a range such as [0, 1] or (0, inf); found \(current.text)")
                }
                _ = next()
                let lower = try constant("a range's lower end")
                try expectSymbol(",", "between a range's ends")
                let upper = try constant("a range's upper end")
                let upperOpen: Bool
                if isSymbol("]") { upperOpen = false } else if isSymbol(")") { upperOpen = true } else {
                    throw error("expected ']' or ')' to end the range; found \(current.text)")
                }
                _ = next()
                attributes.range = ParameterRange(lower: lower, upper: upper, lowerOpen: lowerOpen || lower.isInfinite, upperOpen: upperOpen || upper.isInfinite)
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
            if current.kind == .newline { _ = next(); continue }
            let start = current.location
            guard case .name(let keyword) = current.kind, Self.keywords.contains(keyword) else {
                throw error("expected a declaration (\(Self.keywords.sorted().joined(separator: ", "))); found \(current.text)")
            }
            _ = next()
            switch keyword {
            case "model":
                model.name = try name("the model's name").0
                model.title = optionalString()
                try endOfLine("the model's name")
            case "horizon":
                let t0 = try constant("the start of the horizon")
                try expectWord("to", "between the horizon's start and end")
                let t1 = try constant("the end of the horizon")
                model.horizon = (t0, t1)
                if isWord("step") { _ = next(); model.saveStep = try constant("the save step") }
                if isWord("calendar") { _ = next(); model.isCalendar = true }
                try endOfLine("the horizon (`horizon T0 to T1 [step S] [calendar]`)")
            case "sectors":
                repeat {
                    if isSymbol(",") { _ = next() }
                    let (code, _) = try name("a sector's code")
                    model.sectors.append((code, optionalString()))
                } while isSymbol(",")
                try endOfLine("the sectors")
            case "set":
                let (n, _) = try name("the set's name")
                var attributes = Attributes()
                try self.attributes(into: &attributes)
                try expectSymbol("=", "before the set's members")
                var members: [String] = [], labels: [(member: String, label: String)] = []
                repeat {
                    if isSymbol(",") { _ = next() }
                    let member = try name("a member of the set").0
                    members.append(member)
                    if let label = optionalString() { labels.append((member, label)) }
                } while isSymbol(",")
                try self.attributes(into: &attributes)
                try endOfLine("the set's members")
                model.sets.append(.init(name: n, members: members, attributes: attributes, location: start, labels: labels))
            case "parameter":
                let (n, at) = try name("the parameter's name")
                let spec = try index()
                try expectSymbol("=", "before the parameter's value")
                var values = [try constant("a parameter's value")]
                while isSymbol(",") { _ = next(); values.append(try constant("a parameter's value")) }
                var attributes = Attributes()
                try self.attributes(into: &attributes)
                try endOfLine("the parameter")
                model.parameters.append(.init(name: n, index: spec, values: values, attributes: attributes, location: at))
            case "table":
                let (n, at) = try name("the table's name")
                var attributes = Attributes()
                try self.attributes(into: &attributes)
                try expectSymbol("=", "before the table's knots (t, value), ...")
                var knots: [(Double, Double)] = []
                repeat {
                    if isSymbol(",") { _ = next() }
                    try expectSymbol("(", "to start a knot (t, value)")
                    let t = try constant("a knot's time")
                    try expectSymbol(",", "between a knot's time and value")
                    let v = try constant("a knot's value")
                    try expectSymbol(")", "to end a knot")
                    knots.append((t, v))
                } while isSymbol(",")
                try self.attributes(into: &attributes)
                try endOfLine("the table")
                model.tables.append(.init(name: n, knots: knots, attributes: attributes, location: at))
            case "state":
                let (n, at) = try name("the state's name")
                let spec = try index()
                var attributes = Attributes()
                try self.attributes(into: &attributes)
                try endOfLine("the state's declaration")
                var state = ModelSource.State(name: n, index: spec, start: nil, derivative: nil, attributes: attributes, location: at)
                while true {
                    if isWord("start") {
                        _ = next()
                        try expectSymbol("=", "after 'start'")
                        guard state.start == nil else { throw error("\(n) has two start values", at: tokens[position - 2].location) }
                        state.start = try expression()
                        try endOfLine("the start value")
                    } else if isSymbol("d/dt") {
                        let here = current.location
                        _ = next()
                        try expectSymbol("=", "after 'd/dt'")
                        guard state.derivative == nil else { throw error("\(n) has two derivatives (d/dt lines)", at: here) }
                        state.derivative = try expression()
                        try endOfLine("the derivative")
                    } else { break }
                }
                model.states.append(state)
            case "let", "initial":
                let (n, at) = try name("the name being defined")
                let spec = try index()
                try expectSymbol("=", "after \(n)")
                let e = try expression()
                var attributes = Attributes()
                try self.attributes(into: &attributes)
                try endOfLine("the definition of \(n)")
                model.definitions.append(.init(kind: keyword == "let" ? .let : .initial, name: n, index: spec, expression: e, attributes: attributes, location: at))
            case "choice":
                let (n, at) = try name("the choice's name")
                let meaning = optionalString()
                try expectWord("default", "and the default option after the choice's name")
                let (fallback, _) = try name("the default option")
                try endOfLine("the choice")
                var options: [ModelSource.Option] = []
                while !isWord("end") {
                    if current.kind == .newline { _ = next(); continue }
                    guard isWord("option") else { throw error("expected 'option NAME' or 'end' in choice \(n); found \(current.text)") }
                    _ = next()
                    let (option, optionAt) = try name("the option's name")
                    let optionMeaning = optionalString()
                    try endOfLine("the option")
                    var definitions: [ModelSource.Definition] = []
                    while isWord("let") {
                        _ = next()
                        let (d, dAt) = try name("the name being defined")
                        let spec = try index()
                        try expectSymbol("=", "after \(d)")
                        let e = try expression()
                        var attributes = Attributes()
                        try self.attributes(into: &attributes)
                        try endOfLine("the definition of \(d)")
                        definitions.append(.init(kind: .let, name: d, index: spec, expression: e, attributes: attributes, location: dAt))
                    }
                    options.append(.init(name: option, meaning: optionMeaning, definitions: definitions, location: optionAt))
                }
                _ = next()
                try endOfLine("'end'")
                model.choices.append(.init(name: n, meaning: meaning, defaultOption: fallback, options: options, location: at))
            case "matrix":
                let (n, at) = try name("the matrix's name")
                let title = optionalString()
                var unit: String?
                if isWord("unit") {
                    _ = next()
                    unit = try string("the unit of the matrix's entries after 'unit'")
                }
                let isStocks = isWord("stocks")
                if isStocks { _ = next() }
                try expectWord("columns", "and the sector columns after the matrix's name (and 'unit \"...\"' for its entries, 'stocks' for a balance sheet)")
                var columns: [String] = []
                repeat {
                    if isSymbol(",") { _ = next() }
                    columns.append(try name("a column (a sector's code)").0)
                } while isSymbol(",")
                try endOfLine("the matrix's columns")
                var rows: [ModelSource.MatrixRow] = []
                while !isWord("end") {
                    if current.kind == .newline { _ = next(); continue }
                    let rowAt = current.location
                    let label = try string("a row's label (or 'end')")
                    let rowIndex = try index()
                    var entries: [(String, Expression, SourceLocation)] = []
                    while case .name(let column) = current.kind {
                        let columnAt = next().location
                        try expectSymbol(":", "after the column \(column)")
                        entries.append((column, try expression(), columnAt))
                        if isSymbol(",") { _ = next() }
                    }
                    var target: Expression?
                    if isSymbol("=") { _ = next(); target = try expression() }
                    try endOfLine("the row \"\(label)\"")
                    rows.append(.init(label: label, index: rowIndex, entries: entries, target: target, location: rowAt))
                }
                _ = next()
                try endOfLine("'end'")
                model.matrices.append(.init(name: n, title: title, unit: unit, columns: columns, rows: rows, location: at, isStocks: isStocks))
            case "summary":
                let (kind, at) = try name("a summary kind (end, change, peak, drawdown, below, total)")
                let (series, _) = try name("the series summarised")
                let spec = try index()
                var level: Double?
                if kind == "below" { level = try constant("the level for 'below'") }
                let label = try string("the summary's label")
                try endOfLine("the summary")
                model.summaries.append(.init(kind: kind, series: series, index: spec, level: level, label: label, location: at))
            case "stop":
                var stops: [(Expression, SourceLocation)] = []
                repeat {
                    if isSymbol(",") { _ = next() }
                    let at = current.location
                    stops.append((try expression(), at))
                } while isSymbol(",")
                var condition: Expression?
                if isWord("when") { _ = next(); condition = try expression() }
                try endOfLine("the stops")
                model.stops += stops.map { ($0.0, $0.1, condition) }
            case "observe":
                let (n, at) = try name("the observed series' name")
                try expectSymbol("=", "after \(n)")
                let e = try expression()
                var attributes = Attributes()
                try self.attributes(into: &attributes)
                try endOfLine("the observation \(n)")
                model.observations.append(.init(name: n, expression: e, attributes: attributes, location: at))
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
