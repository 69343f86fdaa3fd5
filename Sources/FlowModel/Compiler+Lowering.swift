import Foundation
import Solvers

/// The lowering pass: expressions of the file become nodes over slots,
/// with index variables bound to members and dated changes scheduled.
extension Compiler {

    /// Compiles `e` with index variables bound to members.
    func node(_ e: Expression, _ bindings: [String: (set: String, member: String)], at location: SourceLocation)
        -> Node
    {
        switch e {
        case .number(let v):
            return .constant(v)
        case .name(let n, let index, let at):
            return reference(n, index: index, bindings, at: at)
        case .negate(let a):
            return .negate(node(a, bindings, at: location))
        case .binary(let op, let a, let b):
            let kind: Node.BinaryOp =
                switch op {
                case "+": .add
                case "-": .subtract
                case "*": .multiply
                case "/": .divide
                default: .power
                }
            return .binary(kind, node(a, bindings, at: location), node(b, bindings, at: location))
        case .call(let n, let args, let at):
            if let index = tables[n] {
                guard args.count == 1 else {
                    error("table \(n) takes one argument, the time: \(n)(t); got \(args.count)", at: at)
                    return .constant(0)
                }
                return .table(index, node(args[0], bindings, at: at), slope: false)
            }
            if n == "slope" {
                guard args.count == 1, case .name(let table, nil, let tableAt) = args[0] else {
                    error("slope takes one argument, a table: slope(rm)", at: at)
                    return .constant(0)
                }
                guard let index = tables[table] else {
                    unknown(table, at: tableAt, what: "table")
                    return .constant(0)
                }
                return .table(index, .slot(0), slope: true)
            }
            guard let f = Function(rawValue: n) else {
                if entities[n] != nil {
                    error("\(n) is not a function or a table; write \(n) without parentheses", at: at)
                } else {
                    unknown(n, at: at, what: "function")
                }
                return .constant(0)
            }
            guard args.count == f.arity else {
                error(
                    "\(n) takes \(f.arity) argument\(f.arity == 1 ? "" : "s") (\(f.meaning)); got \(args.count)",
                    at: at)
                return .constant(0)
            }
            return .function(f, args.map { node($0, bindings, at: at) })
        case .reduce(let kind, let variable, let set, let body, let at):
            guard let members = sets[set] else {
                unknown(set, at: at, what: "set")
                return .constant(0)
            }
            expanded += members.count
            guard expanded <= Self.expansionLimit else {
                if expanded - members.count <= Self.expansionLimit {
                    error(
                        "sums and softmaxes expand to more than \(Self.expansionLimit) terms; nest fewer of them",
                        at: at)
                }
                return .constant(0)
            }
            if kind == "sum" {
                guard bindings[variable] == nil else {
                    error("\(variable) is already bound; use another name in sum(\(variable) in \(set): ...)", at: at)
                    return .constant(0)
                }
                let terms = members.map { node(body, bindings.merging([variable: (set, $0)]) { $1 }, at: at) }
                return terms.dropFirst().reduce(terms.first ?? .constant(0)) { .binary(.add, $0, $1) }
            }
            guard let current = bindings[variable], current.set == set else {
                error(
                    """
                    softmax(\(variable) in \(set): ...) gives member \(variable)'s share: use it in a definition \
                    over [\(variable) in \(set)]
                    """,
                    at: at)
                return .constant(0)
            }
            let exps = members.map {
                Node.function(.exp, [node(body, bindings.merging([variable: (set, $0)]) { $1 }, at: at)])
            }
            let total = exps.dropFirst().reduce(exps[0]) { .binary(.add, $0, $1) }
            return .binary(.divide, exps[members.firstIndex(of: current.member)!], total)
        case .closure(let n, let at):
            error("?\(n) may only be a matrix entry", at: at)
            return .constant(0)
        }
    }

    func reference(
        _ n: String, index: String?, _ bindings: [String: (set: String, member: String)], at: SourceLocation
    ) -> Node {
        if index == nil {
            switch n {
            case "t": return .slot(0)
            case "t0": return .constant(t0)
            case "t1": return .constant(t1)
            default: break
            }
            if let table = tables[n] { return .table(table, .slot(0), slope: false) }
            if bindings[n] != nil {
                error("\(n) is an index variable: use it inside [ ], as in x[\(n)]", at: at)
                return .constant(0)
            }
        }
        guard let entity = entities[n] else {
            unknown(n, at: at)
            return .constant(0)
        }
        if entity.kind == .parameter { usedParameters.insert(n) }
        func scheduled(_ slot: Int) -> Node {
            guard let segments = schedules[slot] else { return .slot(slot) }
            return .schedule(segments.map { [$0.start, $0.end, $0.from, $0.to] }, base: .slot(slot))
        }
        if entity.kind == .observation {
            error("\(n) is an observation: observations may not be used in equations", at: at)
            return .constant(0)
        }
        guard let set = entity.set else {
            if index != nil {
                error("\(n) is not indexed; write it without [ ]", at: at)
                return .constant(0)
            }
            return scheduled(entity.slots[""]!)
        }
        guard let index else {
            error("\(n) is indexed by \(set): write \(n)[j] or \(n)[\(sets[set]!.first ?? "member")]", at: at)
            return .constant(0)
        }
        let member: String
        if let bound = bindings[index] {
            guard bound.set == set else {
                error("\(index) runs over \(bound.set), but \(n) is indexed by \(set)", at: at)
                return .constant(0)
            }
            member = bound.member
        } else {
            guard sets[set]!.contains(index) else {
                var message =
                    """
                    \(index) is neither a bound index nor a member of \(set) (members: \
                    \(sets[set]!.joined(separator: ", ")))
                    """
                if let near = nearest(index, in: sets[set]!) { message += "; did you mean \(near)?" }
                error(message, at: at)
                return .constant(0)
            }
            member = index
        }
        return scheduled(entity.slots[member]!)
    }
}
