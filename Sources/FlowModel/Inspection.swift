/// Model files read back as text and as a graph: what `liquidity model check`
/// and `liquidity model graph` print.
extension Expression {
    /// The expression as the model language writes it, with only the parentheses it needs.
    public var text: String { text(precedence: 0) }

    func text(precedence outer: Int) -> String {
        func wrap(_ s: String, _ p: Int) -> String { p < outer ? "(" + s + ")" : s }
        switch self {
        case .number(let v):
            return v == v.rounded() && Swift.abs(v) < 1e15 ? String(Int(v)) : "\(v)"
        case .name(let n, let index, _):
            return index.map { "\(n)[\($0)]" } ?? n
        case .negate(let a):
            return wrap("-" + a.text(precedence: 3), 3)
        case .binary(let op, let a, let b):
            let p = op == "+" || op == "-" ? 1 : op == "^" ? 4 : 2
            // Left-associative: the right operand of - and / needs parentheses at equal precedence.
            let right = op == "^" ? b.text(precedence: p) : b.text(precedence: p + 1)
            let left = op == "^" ? a.text(precedence: p + 1) : a.text(precedence: p)
            return wrap(left + " \(op) " + right, p)
        case .call(let n, let args, _):
            return n + "(" + args.map { $0.text(precedence: 0) }.joined(separator: ", ") + ")"
        case .reduce(let kind, let variable, let set, let body, _):
            return "\(kind)(\(variable) in \(set): \(body.text(precedence: 0)))"
        case .closure(let n, _):
            return "?" + n
        }
    }

    /// Every name the expression reads (tables, quantities), without index variables or builtins.
    public var names: Set<String> {
        switch self {
        case .number: []
        case .name(let n, _, _): [n]
        case .negate(let a): a.names
        case .binary(_, let a, let b): a.names.union(b.names)
        case .call(let n, let args, _):
            args.reduce(into: Function(rawValue: n) == nil && n != "slope" ? [n] : Set<String>()) {
                $0.formUnion($1.names)
            }
        case .reduce(_, let variable, _, let body, _): body.names.subtracting([variable])
        case .closure(let n, _): [n]
        }
    }
}

extension ModelSource {
    /// Every matrix with its entries as written, for `model check`: per matrix,
    /// the title, the columns and each row's label and cells.
    public var symbolicMatrices: [(title: String, columns: [String], rows: [[String]])] {
        matrices.map { matrix in
            let rows = matrix.rows.map { row -> [String] in
                let label: String
                switch row.index {
                case .scalar: label = row.label
                case .each(let v, let set): label = "\(row.label) [\(v) in \(set)]"
                case .member(let m): label = "\(row.label) [\(m)]"
                }
                let cells = matrix.columns.map { column in
                    row.entries.filter { $0.column == column }.map(\.expression.text).joined(separator: " + ")
                }
                return [label] + cells + [row.target?.text ?? "0"]
            }
            return (matrix.title ?? matrix.name, matrix.columns, rows)
        }
    }

    /// The dependency graph of the equations in Graphviz's DOT language:
    /// states as boxes, definitions as ellipses, t0 quantities as diamonds,
    /// parameters and tables as plain text; an edge from each name to what reads it.
    public var dependencyGraph: String {
        var lines = ["digraph \"\(name)\" {", "  rankdir=LR;", "  node [fontname=\"Helvetica\", fontsize=11];"]
        func id(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var declared = Set<String>()
        for p in parameters {
            lines.append("  \(id(p.name)) [shape=plaintext, fontcolor=\"#555555\"];")
            declared.insert(p.name)
        }
        for t in tables {
            lines.append("  \(id(t.name)) [shape=plaintext, fontcolor=\"#0072B2\"];")
            declared.insert(t.name)
        }
        for s in states {
            lines.append("  \(id(s.name)) [shape=box, style=filled, fillcolor=\"#E69F00\"];")
            declared.insert(s.name)
        }
        var edges = Set<String>()
        func connect(_ target: String, _ e: Expression) {
            for source in e.names.sorted() where source != "t" && source != "t0" && source != "t1" {
                edges.insert("  \(id(source)) -> \(id(target));")
            }
        }
        var definitions = self.definitions
        for choice in choices {
            for option in choice.options where option.name == choice.defaultOption {
                definitions += option.definitions
            }
        }
        for d in definitions where declared.insert(d.name).inserted {
            lines.append("  \(id(d.name)) [shape=\(d.kind == .initial ? "diamond" : "ellipse")];")
        }
        for d in definitions { connect(d.name, d.expression) }
        for s in states {
            if let derivative = s.derivative { connect(s.name, derivative) }
        }
        for matrix in matrices {
            for row in matrix.rows {
                for entry in row.entries {
                    guard case .closure(let n, _) = entry.expression.withoutSign else { continue }
                    if declared.insert(n).inserted { lines.append("  \(id(n)) [shape=ellipse, style=dashed];") }
                    for other in matrix.rows.flatMap(\.entries)
                    where other.column == entry.column && other.expression.withoutSign != entry.expression.withoutSign
                    {
                        connect(n, other.expression)
                    }
                }
            }
        }
        lines += edges.sorted()
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Expression {
    /// The expression without a leading minus.
    var withoutSign: Expression {
        if case .negate(let a) = self { return a }
        return self
    }
}

extension ModelSource {
    /// The parameter a key names, as written in configurations, `--set`,
    /// scenarios, sweep specs and fit files: `alpha1`, `beta[crypto]`, or
    /// with a section prefix as the configuration files of this project
    /// write them: `capex.payout` is `payout`, `risk.crypto.beta` is
    /// `beta[crypto]` (set, member, parameter). Nil for a key that names no
    /// parameter of the file.
    ///
    /// - Parameter members: the members of sets the settings replace.
    public func canonicalKey(_ given: String, members: [String: [String]] = [:]) -> String? {
        func setMembers(_ set: String) -> [String] { members[set] ?? sets.first { $0.name == set }?.members ?? [] }
        func indexSet(_ name: String) -> String?? {
            guard let p = parameters.first(where: { $0.name == name }) else { return nil }
            switch p.index {
            case .scalar: return .some(nil)
            case .member(let set), .each(_, let set): return .some(set)
            }
        }
        if let open = given.firstIndex(of: "["), given.hasSuffix("]") {
            let name = String(given[..<open])
            let member = String(given[given.index(after: open)..<given.index(before: given.endIndex)])
            guard case .some(.some(let set)) = indexSet(name), setMembers(set).contains(member) else { return nil }
            return given
        }
        if case .some(.none) = indexSet(given) { return given }
        let parts = given.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2, case .some(.none) = indexSet(parts[1]) { return parts[1] }
        if parts.count == 3, case .some(.some(let set)) = indexSet(parts[2]), set == parts[0],
            setMembers(set).contains(parts[1])
        {
            return "\(parts[2])[\(parts[1])]"
        }
        return nil
    }
}
