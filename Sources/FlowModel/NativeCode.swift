import Foundation

/// A model's right-hand side compiled to machine code: `dydt` at `(t, y)`,
/// the tape's instructions run on `t`, `y` and the compiled `values`
/// (constants and parameters), with the knot tables' flat buffers (times,
/// values, first knot and knot count of each table) and the tape's schedule
/// segments.
public typealias NativeProgram =
    @convention(c) (
        _ t: Double, _ y: UnsafePointer<Double>, _ dydt: UnsafeMutablePointer<Double>,
        _ values: UnsafePointer<Double>, _ knotTimes: UnsafePointer<Double>, _ knotValues: UnsafePointer<Double>,
        _ knotStart: UnsafePointer<Int>, _ knotCount: UnsafePointer<Int>, _ schedules: UnsafePointer<Double>
    ) -> Void

/// Right-hand sides run as machine code instead of on the tape, for every
/// problem made after ``install(_:)`` (the tool's `--native`).
///
/// The tape is written out as C (``CompiledModel/nativeSource``): one
/// statement per instruction, in the tape's order, with the same operations
/// and library functions, so a compiler that keeps IEEE arithmetic as written
/// (no contraction into fused multiply-adds, no fast-math) gives the tape's
/// results bit for bit. Turning it into a program (writing the file, running
/// the compiler, loading the library) is the installer's: this library does
/// no file I/O. Programs are kept by source text, so a source is compiled
/// once per process. Parameters are read from the values, not written into
/// the code, so parameter sets share a program, except one in which a
/// parameter's value equals another constant of the model: the tape then
/// shares their slot, and that set compiles its own.
public enum NativeCode {
    /// Makes a program of C source, or says why it cannot.
    public typealias Compiler = @Sendable (_ source: String) throws -> NativeProgram

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var compiler: Compiler?
        var programs: [String: NativeProgram] = [:]
        /// Sources whose compile failed: not tried again until the next install.
        var failed: Set<String> = []
        var failure: (any Error)?
    }
    private static let state = State()

    /// Runs every later problem's right-hand side through programs `compiler`
    /// makes. The compiler runs under this type's lock (one compile at a time),
    /// so it must not call back into `NativeCode`.
    public static func install(_ compiler: @escaping Compiler) {
        state.lock.withLock {
            state.compiler = compiler
            state.failed = []
            state.failure = nil
        }
    }

    /// Back to the tape for every later problem.
    public static func uninstall() {
        state.lock.withLock {
            state.compiler = nil
            state.programs = [:]
            state.failed = []
        }
    }

    /// Whether a compiler is installed.
    public static var isInstalled: Bool { state.lock.withLock { state.compiler != nil } }

    /// The first error a compile gave since ``install(_:)``, if any (its
    /// model then ran on the tape, with the same results, more slowly).
    public static var failure: (any Error)? { state.lock.withLock { state.failure } }

    /// The program of `source`, compiled on first use; nil when none is
    /// installed or its compile failed (a failed source is not compiled again).
    static func program(for source: () -> String) -> NativeProgram? {
        guard isInstalled else { return nil }
        let text = source()
        state.lock.lock()
        defer { state.lock.unlock() }
        guard let compiler = state.compiler, !state.failed.contains(text) else { return nil }
        if let program = state.programs[text] { return program }
        do {
            let program = try compiler(text)
            state.programs[text] = program
            return program
        } catch {
            state.failed.insert(text)
            if state.failure == nil { state.failure = error }
            return nil
        }
    }
}

extension CompiledModel {
    /// The right-hand side as C: `void liquidity_rhs(...)`, a ``NativeProgram``.
    public var nativeSource: String {
        rightHandSide.cSource(function: "liquidity_rhs", stateSlots: stateSlots, derivativeSlots: derivativeSlots)
    }
}

extension Tape {
    /// The tape as a C function of the ``NativeProgram`` signature: each
    /// instruction one statement, in order, with the tape's arithmetic. What
    /// the tape computes lives in local variables (`r12`), so the compiler
    /// keeps it in registers; time and the state are read from the arguments,
    /// constants and parameters from the values.
    func cSource(function: String, stateSlots: [Int], derivativeSlots: [Int]) -> String {
        let computed = Set(instructions.map { Int($0.out) })
        let stateIndex = Dictionary(stateSlots.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        func read(_ slot: Int32) -> String {
            let slot = Int(slot)
            if computed.contains(slot) { return "r\(slot)" }
            if slot == 0 { return "t" }
            if let k = stateIndex[slot] { return "y[\(k)]" }
            return "v[\(slot)]"
        }
        var lines = [
            Self.cPrelude,
            """
            void \(function)(double t, const double *restrict y, double *restrict dydt, const double *restrict \
            v, const double *kt, const double *kv, const long *ks, const long *kn, const double *sc) {
            """,
        ]
        lines.reserveCapacity(instructions.count + derivativeSlots.count + 4)
        if !computed.isEmpty {
            lines.append("  double " + computed.sorted().map { "r\($0)" }.joined(separator: ", ") + ";")
        }
        for ins in instructions {
            let a = read(ins.a)
            let b = read(ins.b)
            let c = read(ins.c)
            let expression: String
            switch ins.op {
            case .copy: expression = a
            case .add: expression = "\(a) + \(b)"
            case .subtract: expression = "\(a) - \(b)"
            case .multiply: expression = "\(a) * \(b)"
            case .divide: expression = "\(a) / \(b)"
            case .power: expression = "pow(\(a), \(b))"
            case .negate: expression = "-\(a)"
            case .exp: expression = "exp(\(a))"
            case .log: expression = "log(\(a))"
            case .sqrt: expression = "sqrt(\(a))"
            case .abs: expression = "fabs(\(a))"
            case .min: expression = "lq_min(\(a), \(b))"
            case .max: expression = "lq_max(\(a), \(b))"
            case .softplus: expression = "lq_softplus(\(a), \(b))"
            case .logistic: expression = "1 / (1 + exp(-\(a)))"
            case .tanh, .sinh, .cosh, .atan, .sin, .cos: expression = "\(ins.op)(\(a))"
            case .smax: expression = "\(b) + lq_softplus(\(a) - \(b), \(c))"
            case .smin: expression = "\(b) - lq_softplus(\(b) - \(a), \(c))"
            case .taper: expression = "lq_taper(\(a), \(b))"
            // A table's and a schedule's first operand is an index or offset, not a slot.
            case .table: expression = "lq_table(kt, kv, ks, kn, \(ins.a), \(b), 0)"
            case .slope: expression = "lq_table(kt, kv, ks, kn, \(ins.a), \(b), 1)"
            case .schedule: expression = "lq_schedule(sc + \(ins.a), \(ins.b), \(c), t)"
            }
            lines.append("  r\(ins.out) = \(expression);")
        }
        for (k, slot) in derivativeSlots.enumerated() { lines.append("  dydt[\(k)] = \(read(Int32(slot)));") }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The helpers, written as the tape's Swift is (`Swift.min` and `max`,
    /// ``softplusValue``, ``taperValue``, ``KnotTables/segment`` and ``schedule``).
    static let cPrelude = """
        #include <math.h>
        static inline double lq_min(double x, double y) { return y < x ? y : x; }
        static inline double lq_max(double x, double y) { return y >= x ? y : x; }
        static inline double lq_softplus(double x, double w) {
          double z = x / w;
          return z > 30 ? x + w * log1p(exp(-z)) : w * log1p(exp(z));
        }
        static inline double lq_taper(double x, double floor) {
          if (floor <= 0 || x >= floor) return 1;
          if (x <= 0) return 0;
          double s = x / floor;
          return s * s * (3 - 2 * s);
        }
        static inline double lq_table(const double *kt, const double *kv, const long *ks, const long *kn, \
        long k, double t, int slope) {
          const double *x = kt + ks[k], *y = kv + ks[k];
          long n = kn[k];
          if (t < x[0] || n == 1) return slope ? 0 : y[0];
          if (t >= x[n - 1]) return slope ? 0 : y[n - 1];
          long lo = 0, hi = n - 1;
          while (hi - lo > 1) {
            long mid = (lo + hi) >> 1;
            if (x[mid] <= t) lo = mid; else hi = mid;
          }
          double s = (y[hi] - y[lo]) / (x[hi] - x[lo]);
          return slope ? s : y[lo] + s * (t - x[lo]);
        }
        static inline double lq_schedule(const double *data, long count, double base, double t) {
          double value = base;
          for (long k = 0; k < count; k++) {
            const double *s = data + 4 * k;
            if (!(t >= s[0])) continue;
            if (t >= s[1]) value = s[3];
            else value = s[2] + (s[3] - s[2]) * (t - s[0]) / (s[1] - s[0]);
          }
          return value;
        }

        """
}
