import Foundation

/// A flat program over a buffer of doubles: each instruction reads one to
/// three slots and writes one.
struct Tape: Sendable {
    enum Op: UInt8, Sendable {
        case copy, add, subtract, multiply, divide, power, negate
        case exp, log, sqrt, abs, min, max, softplus, logistic, smax, smin, taper
        case tanh, sinh, cosh, atan, sin, cos
        case table, slope
        /// A scheduled parameter: `a` is the offset of its segments in ``Tape/schedules``, `b` their count, `c` the
        /// base.
        case schedule
    }

    struct Instruction: Sendable {
        var op: Op
        var a: Int32, b: Int32, c: Int32
        var out: Int32
    }

    var instructions: [Instruction] = []
    /// The segments of scheduled parameters, four numbers each: start, end, from, to.
    var schedules: [Double] = []

    /// A scheduled parameter's value and its rate of change at `t`.
    @inline(__always)
    static func schedule(_ data: UnsafePointer<Double>, count: Int, base: Double, at t: Double) -> (
        value: Double, slope: Double
    ) {
        var value = base
        var slope = 0.0
        for k in 0..<count {
            let s = data + 4 * k
            guard t >= s[0] else { continue }
            if t >= s[1] {
                (value, slope) = (s[3], 0)
            } else {
                let rate = (s[3] - s[2]) / (s[1] - s[0])
                (value, slope) = (s[2] + (s[3] - s[2]) * (t - s[0]) / (s[1] - s[0]), rate)
            }
        }
        return (value, slope)
    }

    /// A function applied to constants, exactly as the tape computes it.
    static func apply(_ f: Function, _ v: [Double]) -> Double {
        switch f {
        case .exp: Foundation.exp(v[0])
        case .log, .ln: Foundation.log(v[0])
        case .sqrt: v[0].squareRoot()
        case .abs: Swift.abs(v[0])
        case .min: Swift.min(v[0], v[1])
        case .max: Swift.max(v[0], v[1])
        case .softplus: softplusValue(v[0], v[1])
        case .logistic: 1 / (1 + Foundation.exp(-v[0]))
        case .tanh: Foundation.tanh(v[0])
        case .sinh: Foundation.sinh(v[0])
        case .cosh: Foundation.cosh(v[0])
        case .atan: Foundation.atan(v[0])
        case .sin: Foundation.sin(v[0])
        case .cos: Foundation.cos(v[0])
        case .smax: v[1] + softplusValue(v[0] - v[1], v[2])
        case .smin: v[1] - softplusValue(v[1] - v[0], v[2])
        case .taper: taperValue(v[0], v[1])
        }
    }
}

/// A knot table's times and values, as the compiler collects them.
struct KnotData: Sendable {
    var times: [Double]
    var values: [Double]
}

/// Lays nodes out on a tape, giving each intermediate result a slot of its own.
struct TapeBuilder {
    var tape = Tape()
    /// The next free slot for intermediate results.
    var next: Int
    /// Slots holding constants, and their values.
    var constants: [Double: Int] = [:]
    var constantValues: [(Int, Double)] = []
    /// Instructions already on the current program, keyed by operation and
    /// operand slots (value numbering: equal operations on equal slots are
    /// computed once), and where their values are.
    var computed: [Key: Int] = [:]

    struct Key: Hashable {
        var op: Tape.Op
        var a: Int32, b: Int32, c: Int32
        /// A scheduled parameter's segments; empty for every other operation.
        var segments: [[Double]] = []
    }

    init(firstFree: Int) { next = firstFree }

    /// Starts a new program: what the last one computed is not computed in this one.
    mutating func startProgram() {
        tape = Tape()
        computed = [:]
    }

    /// A slot of its own, for a value to be copied into.
    mutating func fresh() -> Int {
        defer { next += 1 }
        return next
    }

    mutating func constant(_ value: Double) -> Int {
        if let slot = constants[value] { return slot }
        let slot = next
        next += 1
        constants[value] = slot
        constantValues.append((slot, value))
        return slot
    }

    /// Emits `node` and returns the slot that holds its value.
    mutating func emit(_ node: Node) -> Int {
        switch node {
        case .constant(let v): return constant(v)
        case .slot(let s): return s
        default:
            let key = operation(node)
            if let slot = computed[key] { return slot }
            let out = next
            next += 1
            put(key, into: out)
            return out
        }
    }

    /// Emits `node` so that its value lands in `out`.
    mutating func emit(_ node: Node, into out: Int) {
        switch node {
        case .constant(let v): put(Key(op: .copy, a: Int32(constant(v)), b: 0, c: 0), into: out)
        case .slot(let s): put(Key(op: .copy, a: Int32(s), b: 0, c: 0), into: out)
        default:
            let key = operation(node)
            if let slot = computed[key], slot != out {
                put(Key(op: .copy, a: Int32(slot), b: 0, c: 0), into: out)
            } else {
                put(key, into: out)
            }
        }
    }

    /// Appends the instruction of `key` writing `out`; a composite operation is remembered by `emit(_:)`.
    private mutating func put(_ key: Key, into out: Int) {
        var instruction = Tape.Instruction(op: key.op, a: key.a, b: key.b, c: key.c, out: Int32(out))
        if key.op == .schedule {
            instruction.a = Int32(tape.schedules.count)
            tape.schedules += key.segments.flatMap { $0 }
        }
        tape.instructions.append(instruction)
        if key.op != .copy { computed[key] = out }
    }

    /// The operation computing a composite `node`, its operands emitted first.
    private mutating func operation(_ node: Node) -> Key {
        func key(_ op: Tape.Op, _ a: Int, _ b: Int = 0, _ c: Int = 0) -> Key {
            Key(op: op, a: Int32(a), b: Int32(b), c: Int32(c))
        }
        switch node {
        case .constant, .slot: preconditionFailure("a leaf has no operation")
        case .negate(let a): return key(.negate, emit(a))
        case .binary(let op, let a, let b):
            let x = emit(a)
            let y = emit(b)
            return switch op {
            case .add: key(.add, x, y)
            case .subtract: key(.subtract, x, y)
            case .multiply: key(.multiply, x, y)
            case .divide: key(.divide, x, y)
            case .power: key(.power, x, y)
            }
        case .function(let f, let args):
            let slots = args.map { emit($0) }
            let op: Tape.Op =
                switch f {
                case .exp: .exp
                case .log, .ln: .log
                case .sqrt: .sqrt
                case .abs: .abs
                case .min: .min
                case .max: .max
                case .softplus: .softplus
                case .logistic: .logistic
                case .tanh: .tanh
                case .sinh: .sinh
                case .cosh: .cosh
                case .atan: .atan
                case .sin: .sin
                case .cos: .cos
                case .smax: .smax
                case .smin: .smin
                case .taper: .taper
                }
            return key(op, slots[0], slots.count > 1 ? slots[1] : 0, slots.count > 2 ? slots[2] : 0)
        case .table(let index, let arg, let slope):
            return key(slope ? .slope : .table, index, emit(arg))
        case .schedule(let segments, let base):
            var scheduled = key(.schedule, 0, segments.count, emit(base))
            scheduled.segments = segments
            return scheduled
        }
    }
}

@inline(__always)
func softplusValue(_ x: Double, _ w: Double) -> Double {
    let z = x / w
    return z > 30 ? x + w * Foundation.log1p(Foundation.exp(-z)) : w * Foundation.log1p(Foundation.exp(z))
}

/// Every knot table of a model in flat buffers, for the tape's hot loop:
/// a lookup reads memory in place, with no reference counting.
final class KnotTables: @unchecked Sendable {
    let times: UnsafeMutablePointer<Double>
    let values: UnsafeMutablePointer<Double>
    /// Per table, where its knots start and how many there are.
    let start: UnsafeMutablePointer<Int>
    let count: UnsafeMutablePointer<Int>
    let tableCount: Int

    init(_ tables: [KnotData]) {
        let total = max(1, tables.reduce(0) { $0 + $1.times.count })
        tableCount = tables.count
        times = .allocate(capacity: total)
        values = .allocate(capacity: total)
        start = .allocate(capacity: max(1, tables.count))
        count = .allocate(capacity: max(1, tables.count))
        var offset = 0
        for (k, table) in tables.enumerated() {
            start[k] = offset
            count[k] = table.times.count
            for i in table.times.indices {
                times[offset + i] = table.times[i]
                values[offset + i] = table.values[i]
            }
            offset += table.times.count
        }
    }

    deinit {
        times.deallocate()
        values.deallocate()
        start.deallocate()
        count.deallocate()
    }

    /// Table `k`'s value and slope at `t`: linear between knots, constant beyond;
    /// at a knot, the slope of the segment to its right (the first knot
    /// included, since a span usually starts there).
    @inline(__always)
    func segment(_ k: Int, _ t: Double) -> (value: Double, slope: Double) {
        let x = times + start[k]
        let y = values + start[k]
        let n = count[k]
        if t < x[0] || n == 1 { return (y[0], 0) }
        if t >= x[n - 1] { return (y[n - 1], 0) }
        var lo = 0
        var hi = n - 1
        while hi - lo > 1 {
            let mid = (lo + hi) >> 1
            if x[mid] <= t { lo = mid } else { hi = mid }
        }
        let slope = (y[hi] - y[lo]) / (x[hi] - x[lo])
        return (y[lo] + slope * (t - x[lo]), slope)
    }
}

extension Tape {
    /// Runs the tape on `v`.
    func run(_ v: UnsafeMutablePointer<Double>, tables: [KnotData]) {
        run(v, tables: KnotTables(tables))
    }

    /// Runs the tape on `v`.
    func run(_ v: UnsafeMutablePointer<Double>, tables: KnotTables) {
        schedules.withUnsafeBufferPointer { schedules in
            instructions.withUnsafeBufferPointer { program in
                for ins in program {
                    let a = Int(ins.a)
                    let b = Int(ins.b)
                    let c = Int(ins.c)
                    let result: Double
                    switch ins.op {
                    case .copy: result = v[a]
                    case .add: result = v[a] + v[b]
                    case .subtract: result = v[a] - v[b]
                    case .multiply: result = v[a] * v[b]
                    case .divide: result = v[a] / v[b]
                    case .power: result = Foundation.pow(v[a], v[b])
                    case .negate: result = -v[a]
                    case .exp: result = Foundation.exp(v[a])
                    case .log: result = Foundation.log(v[a])
                    case .sqrt: result = v[a].squareRoot()
                    case .abs: result = Swift.abs(v[a])
                    case .min: result = Swift.min(v[a], v[b])
                    case .max: result = Swift.max(v[a], v[b])
                    case .softplus: result = softplusValue(v[a], v[b])
                    case .logistic: result = 1 / (1 + Foundation.exp(-v[a]))
                    case .tanh: result = Foundation.tanh(v[a])
                    case .sinh: result = Foundation.sinh(v[a])
                    case .cosh: result = Foundation.cosh(v[a])
                    case .atan: result = Foundation.atan(v[a])
                    case .sin: result = Foundation.sin(v[a])
                    case .cos: result = Foundation.cos(v[a])
                    case .smax: result = v[b] + softplusValue(v[a] - v[b], v[c])
                    case .smin: result = v[b] - softplusValue(v[b] - v[a], v[c])
                    case .taper: result = taperValue(v[a], v[b])
                    case .table: result = tables.segment(a, v[b]).value
                    case .slope: result = tables.segment(a, v[b]).slope
                    case .schedule:
                        result = Tape.schedule(schedules.baseAddress! + a, count: b, base: v[c], at: v[0]).value
                    }
                    v[Int(ins.out)] = result
                }
            }
        }
    }
}

extension Tape {
    /// Runs the tape on `v` and carries forward the derivatives of every slot
    /// with respect to `width` directions: `d[slot * width + k]` is the
    /// derivative of slot `slot` along direction `k`. The caller seeds the
    /// inputs' derivatives (1 for a state along its own direction); the
    /// derivatives of every other slot the tape writes are computed exactly.
    func runWithDerivatives(
        _ v: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>, width n: Int, tables: KnotTables
    ) {
        schedules.withUnsafeBufferPointer { schedules in
            instructions.withUnsafeBufferPointer { program in
                for ins in program {
                    let a = Int(ins.a)
                    let b = Int(ins.b)
                    let c = Int(ins.c)
                    let out = Int(ins.out)
                    let da = d + a * n
                    let db = d + b * n
                    let dc = d + c * n
                    let dr = d + out * n
                    let x = v[a]
                    let y = v[b]
                    let result: Double
                    switch ins.op {
                    case .copy:
                        result = x
                        for k in 0..<n { dr[k] = da[k] }
                    case .add:
                        result = x + y
                        for k in 0..<n { dr[k] = da[k] + db[k] }
                    case .subtract:
                        result = x - y
                        for k in 0..<n { dr[k] = da[k] - db[k] }
                    case .multiply:
                        result = x * y
                        for k in 0..<n { dr[k] = da[k] * y + x * db[k] }
                    case .divide:
                        result = x / y
                        for k in 0..<n { dr[k] = (da[k] - result * db[k]) / y }
                    case .power:
                        result = Foundation.pow(x, y)
                        let constantExponent = (0..<n).allSatisfy { db[$0] == 0 }
                        if constantExponent {
                            let slope = y == 0 ? 0 : y * Foundation.pow(x, y - 1)
                            for k in 0..<n { dr[k] = slope * da[k] }
                        } else {
                            let logX = Foundation.log(x)
                            for k in 0..<n { dr[k] = result * (db[k] * logX + y * da[k] / x) }
                        }
                    case .negate:
                        result = -x
                        for k in 0..<n { dr[k] = -da[k] }
                    case .exp:
                        result = Foundation.exp(x)
                        for k in 0..<n { dr[k] = result * da[k] }
                    case .log:
                        result = Foundation.log(x)
                        for k in 0..<n { dr[k] = da[k] / x }
                    case .sqrt:
                        result = x.squareRoot()
                        for k in 0..<n { dr[k] = da[k] / (2 * result) }
                    case .abs:
                        result = Swift.abs(x)
                        let sign: Double = x < 0 ? -1 : 1
                        for k in 0..<n { dr[k] = sign * da[k] }
                    case .min:
                        result = Swift.min(x, y)
                        let from = x <= y ? da : db
                        for k in 0..<n { dr[k] = from[k] }
                    case .max:
                        result = Swift.max(x, y)
                        let from = x >= y ? da : db
                        for k in 0..<n { dr[k] = from[k] }
                    case .softplus:
                        result = softplusValue(x, y)
                        let s = logisticValue(x / y)
                        let dw = result / y - (x / y) * s
                        for k in 0..<n { dr[k] = s * da[k] + dw * db[k] }
                    case .logistic:
                        result = logisticValue(x)
                        let slope = result * (1 - result)
                        for k in 0..<n { dr[k] = slope * da[k] }
                    case .tanh, .sinh, .cosh, .atan, .sin, .cos:
                        let slope: Double
                        switch ins.op {
                        case .tanh:
                            result = Foundation.tanh(x)
                            slope = 1 - result * result
                        case .sinh: (result, slope) = (Foundation.sinh(x), Foundation.cosh(x))
                        case .cosh: (result, slope) = (Foundation.cosh(x), Foundation.sinh(x))
                        case .atan: (result, slope) = (Foundation.atan(x), 1 / (1 + x * x))
                        case .sin: (result, slope) = (Foundation.sin(x), Foundation.cos(x))
                        default: (result, slope) = (Foundation.cos(x), -Foundation.sin(x))
                        }
                        for k in 0..<n { dr[k] = slope * da[k] }
                    case .smax:
                        let w = v[c]
                        let z = x - y
                        let sp = softplusValue(z, w)
                        result = y + sp
                        let s = logisticValue(z / w)
                        let dw = sp / w - (z / w) * s
                        for k in 0..<n { dr[k] = db[k] + s * (da[k] - db[k]) + dw * dc[k] }
                    case .smin:
                        let w = v[c]
                        let z = y - x
                        let sp = softplusValue(z, w)
                        result = y - sp
                        let s = logisticValue(z / w)
                        let dw = sp / w - (z / w) * s
                        for k in 0..<n { dr[k] = db[k] - s * (db[k] - da[k]) - dw * dc[k] }
                    case .taper:
                        result = taperValue(x, y)
                        if y > 0 && x > 0 && x < y {
                            let s = x / y
                            let slope = 6 * s * (1 - s)
                            for k in 0..<n { dr[k] = slope * (da[k] - s * db[k]) / y }
                        } else {
                            for k in 0..<n { dr[k] = 0 }
                        }
                    case .table:
                        let segment = tables.segment(a, y)
                        result = segment.value
                        for k in 0..<n { dr[k] = segment.slope * db[k] }
                    case .slope:
                        result = tables.segment(a, y).slope
                        for k in 0..<n { dr[k] = 0 }
                    case .schedule:
                        // Time is slot 0: its derivative row says along which direction t moves.
                        let (value, slope) = Tape.schedule(schedules.baseAddress! + a, count: b, base: v[c], at: v[0])
                        result = value
                        let active = (0..<b).contains { v[0] >= schedules[a + 4 * $0] }
                        for k in 0..<n { dr[k] = slope * d[k] + (active ? 0 : dc[k]) }
                    }
                    v[out] = result
                }
            }
        }
    }
}

/// 1 for `x >= floor` (and whenever `floor <= 0`), 0 for `x <= 0`, and the
/// smoothstep `s^2 (3 - 2 s)` of `s = x / floor` between.
@inline(__always)
func taperValue(_ x: Double, _ floor: Double) -> Double {
    if floor <= 0 || x >= floor { return 1 }
    if x <= 0 { return 0 }
    let s = x / floor
    return s * s * (3 - 2 * s)
}

@inline(__always)
func logisticValue(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

extension Tape {
    /// The slots instruction `ins` reads (a table's index and a schedule's segments are not slots).
    static func reads(_ ins: Instruction) -> [Int32] {
        switch ins.op {
        case .copy, .negate, .exp, .log, .sqrt, .abs, .logistic, .tanh, .sinh, .cosh, .atan, .sin, .cos: [ins.a]
        case .add, .subtract, .multiply, .divide, .power, .min, .max, .softplus, .taper: [ins.a, ins.b]
        case .smax, .smin: [ins.a, ins.b, ins.c]
        case .table, .slope: [ins.b]
        case .schedule: [ins.c, 0]
        }
    }

    /// The instructions of this tape that the slots `wanted` need, in order: what writes them, and
    /// what those read, back to the inputs (time, the state, the values set before the tape runs).
    /// Every instruction that writes a slot still needed is kept, in order, so the wanted slots get
    /// the whole tape's values, bit for bit.
    func pruned(to wanted: Set<Int>) -> Tape {
        var live = Set(wanted.map(Int32.init))
        var keep = [Bool](repeating: false, count: instructions.count)
        for k in instructions.indices.reversed() where live.contains(instructions[k].out) {
            keep[k] = true
            live.formUnion(Self.reads(instructions[k]))
        }
        var tape = self
        tape.instructions = instructions.indices.filter { keep[$0] }.map { instructions[$0] }
        return tape
    }
}
