import Foundation

/// A compiled expression before it is laid out on the tape.
indirect enum Node: Sendable, Hashable {
    case constant(Double)
    case slot(Int)
    case negate(Node)
    case binary(BinaryOp, Node, Node)
    case function(Function, [Node])
    /// A knot table's value, or its slope, at the argument.
    case table(Int, Node, slope: Bool)
    /// A parameter with dated changes: `base` until the first change starts,
    /// then each change's ramp (start, end, from, to), the later over the earlier.
    case schedule([[Double]], base: Node)

    enum BinaryOp: Sendable, Hashable { case add, subtract, multiply, divide, power }

    /// The node with the slots in `constants` replaced by their values and
    /// every operation on constants done: the tape then computes only what
    /// depends on time and the state. The arithmetic is the tape's own, so a
    /// folded value is the value the tape would compute.
    func folded(_ constants: [Int: Double]) -> Node {
        switch self {
        case .constant: return self
        case .slot(let s): return constants[s].map(Node.constant) ?? self
        case .negate(let a):
            let x = a.folded(constants)
            if case .constant(let v) = x { return .constant(-v) }
            return .negate(x)
        case .binary(let op, let a, let b):
            let x = a.folded(constants)
            let y = b.folded(constants)
            if case .constant(let u) = x, case .constant(let v) = y {
                switch op {
                case .add: return .constant(u + v)
                case .subtract: return .constant(u - v)
                case .multiply: return .constant(u * v)
                case .divide: return .constant(u / v)
                case .power: return .constant(Foundation.pow(u, v))
                }
            }
            return .binary(op, x, y)
        case .function(let f, let args):
            let folded = args.map { $0.folded(constants) }
            let values = folded.compactMap { if case .constant(let v) = $0 { v } else { nil } }
            guard values.count == folded.count else { return .function(f, folded) }
            return .constant(Tape.apply(f, values))
        case .table(let index, let arg, let slope):
            return .table(index, arg.folded(constants), slope: slope)
        case .schedule(let segments, let base):
            return .schedule(segments, base: base.folded(constants))
        }
    }

    /// The node with each largest part that reads only slots in `fixed` (and numbers) replaced by
    /// the slot `hoist` computes it into, and every operation on numbers alone done: what depends
    /// on the parameters alone is then computed once per parameter vector, not at every
    /// evaluation. The arithmetic is the tape's own, so the values are the same.
    func hoisted(_ fixed: Set<Int>, _ hoist: (Node) -> Int) -> Node {
        let (node, isFixed) = hoisting(fixed, hoist)
        return isFixed ? Self.lift(node, hoist) : node
    }

    private static func lift(_ node: Node, _ hoist: (Node) -> Int) -> Node {
        switch node {
        case .constant, .slot: node
        default: .slot(hoist(node))
        }
    }

    /// The node with its fixed parts lifted out, and whether it reads only fixed slots itself (then
    /// its caller lifts it, or a larger part that holds it).
    private func hoisting(_ fixed: Set<Int>, _ hoist: (Node) -> Int) -> (Node, Bool) {
        switch self {
        case .constant: return (self, true)
        case .slot(let s): return (self, fixed.contains(s))
        case .negate(let a):
            let (x, isFixed) = a.hoisting(fixed, hoist)
            if case .constant(let v) = x { return (.constant(-v), true) }
            return (.negate(x), isFixed)
        case .binary(let op, let a, let b):
            let (x, xFixed) = a.hoisting(fixed, hoist)
            let (y, yFixed) = b.hoisting(fixed, hoist)
            if case .constant = x, case .constant = y { return (Node.binary(op, x, y).folded([:]), true) }
            if xFixed && yFixed { return (.binary(op, x, y), true) }
            return (.binary(op, xFixed ? Self.lift(x, hoist) : x, yFixed ? Self.lift(y, hoist) : y), false)
        case .function(let f, let args):
            let parts = args.map { $0.hoisting(fixed, hoist) }
            let nodes = parts.map(\.0)
            if nodes.allSatisfy({ if case .constant = $0 { true } else { false } }) {
                return (Node.function(f, nodes).folded([:]), true)
            }
            if parts.allSatisfy(\.1) { return (.function(f, nodes), true) }
            return (.function(f, parts.map { $0.1 ? Self.lift($0.0, hoist) : $0.0 }), false)
        case .table(let index, let arg, let slope):
            let (x, isFixed) = arg.hoisting(fixed, hoist)
            return (.table(index, x, slope: slope), isFixed)
        case .schedule(let segments, let base):
            let (x, isFixed) = base.hoisting(fixed, hoist)
            return (.schedule(segments, base: isFixed ? Self.lift(x, hoist) : x), false)
        }
    }

    /// The slots the node reads.
    var slots: Set<Int> {
        var slots = Set<Int>()
        visitSlots { slots.insert($0) }
        return slots
    }

    /// Calls `body` with each slot the node reads, once per reading, with no set built on the way.
    func visitSlots(_ body: (Int) -> Void) {
        switch self {
        case .constant: break
        case .slot(let s): body(s)
        case .negate(let a), .table(_, let a, _): a.visitSlots(body)
        case .binary(_, let a, let b):
            a.visitSlots(body)
            b.visitSlots(body)
        case .function(_, let args): for arg in args { arg.visitSlots(body) }
        case .schedule(_, let base):
            base.visitSlots(body)
            body(0)
        }
    }
}

/// The functions of the model language, with their number of arguments.
public enum Function: String, CaseIterable, Sendable {
    case exp, log, ln, sqrt, abs, min, max, softplus, logistic, smax, smin, taper
    case tanh, sinh, cosh, atan, sin, cos

    /// How many arguments the function takes.
    public var arity: Int {
        switch self {
        case .exp, .log, .ln, .sqrt, .abs, .logistic, .tanh, .sinh, .cosh, .atan, .sin, .cos: 1
        case .min, .max, .softplus, .taper: 2
        case .smax, .smin: 3
        }
    }

    /// What the function computes, for messages and `model check`.
    public var meaning: String {
        switch self {
        case .exp: "exp(x)"
        case .log, .ln: "natural logarithm of x"
        case .sqrt: "square root of x"
        case .abs: "|x|"
        case .min: "min(a, b)"
        case .max: "max(a, b)"
        case .softplus: "softplus(x, w) = w ln(1 + exp(x / w)), a smooth max(x, 0) of width w"
        case .logistic: "1 / (1 + exp(-x))"
        case .tanh: "hyperbolic tangent of x, a smooth step from -1 to 1"
        case .sinh: "hyperbolic sine of x"
        case .cosh: "hyperbolic cosine of x"
        case .atan: "arctangent of x, in (-pi/2, pi/2)"
        case .sin: "sine of x (radians)"
        case .cos: "cosine of x (radians)"
        case .smax: "smax(a, b, w): a smooth max(a, b) of width w, b + softplus(a - b, w)"
        case .smin: "smin(a, b, w): a smooth min(a, b) of width w, b - softplus(b - a, w)"
        case .taper: "taper(x, floor): 1 for x >= floor (always, when floor <= 0), 0 for x <= 0, a smoothstep between"
        }
    }
}
