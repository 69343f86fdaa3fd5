import Foundation
import Solvers

/// A model file compiled for one set of choices and parameters: its state,
/// its right-hand side as a flat tape, its output series and its matrices.
public final class CompiledModel: @unchecked Sendable {
    public let source: ModelSource
    public let settings: ModelSettings
    /// Warnings found while compiling (unused parameters).
    public internal(set) var warnings: [ModelDiagnostic] = []
    public let t0: Double, t1: Double
    /// The names of the state's components: `H`, `p[crypto]`.
    public let stateNames: [String]
    public let initialState: [Double]
    /// Times the integrator lands on: every knot of every table inside the span.
    public let tstops: [Double]
    /// The output series: every state, every definition, every observation.
    public let columns: [SeriesInfo]

    let values: [Double]
    let rightHandSide: Tape
    let observations: Tape
    let tables: KnotTables
    let stateSlots: [Int]
    let derivativeSlots: [Int]
    let columnSlots: [Int]
    let matrices: [CompiledMatrix]
    let entities: [String: Entity]
    let sets: [String: [String]]
    /// Slots of definitions and observations that are functions of time alone.
    let stateFreeSlots: Set<Int>

    /// What the compiler's passes hand over: the data a compiled model is made of.
    struct Parts {
        var source: ModelSource, settings: ModelSettings, t0: Double, t1: Double
        var stateNames: [String], initialState: [Double], tstops: [Double]
        var values: [Double], rightHandSide: Tape, observations: Tape, knots: [KnotData]
        var stateSlots: [Int], derivativeSlots: [Int], entities: [String: Entity], sets: [String: [String]]
        var stateFreeSlots: Set<Int>, matrices: [CompiledMatrix]
        /// The program a new parameter vector runs: start values, t0 quantities, what depends on parameters alone.
        var setup: Tape, initialSlots: [Int]
        /// Parameters whose value the compile fixed: those with dated changes.
        var compiledKeys: Set<String>
        /// The times to land on that no parameter moves (knots, change dates), and the stops' nodes.
        var fixedStops: [Double], stopNodes: [(time: Node, condition: Node?)]
        /// This model's output programs and C sources, made once: every model set from these
        /// parts (``setting(_:)``) shares the tapes, so it shares what is made of them.
        var programs = Programs()
    }

    /// Output programs by the slots they write, and C sources by what they compute (the right-hand
    /// side, or an output program's slots), each made on first use.
    final class Programs: @unchecked Sendable {
        private let lock = NSLock()
        private var tapes: [[Int]: Tape] = [:]
        private var texts: [[Int]: String] = [:]

        private func cached<T>(_ store: ReferenceWritableKeyPath<Programs, [[Int]: T]>, _ key: [Int], _ make: () -> T)
            -> T
        {
            if let hit = lock.withLock({ self[keyPath: store][key] }) { return hit }
            let made = make()
            lock.withLock { self[keyPath: store][key] = made }
            return made
        }

        func tape(_ slots: [Int], _ make: () -> Tape) -> Tape { cached(\.tapes, slots, make) }
        /// The C source of the output program writing `slots`, or (`[-1]`, no slot's number) of the right-hand side.
        func text(_ slots: [Int], _ make: () -> String) -> String { cached(\.texts, slots, make) }
    }

    /// The times inside `span` of `times`, each once, ascending.
    static func tstops(_ times: [Double], within span: (Double, Double)) -> [Double] {
        Array(Set(times.filter { $0 > span.0 && $0 < span.1 })).sorted()
    }

    /// The parts this model was made of, for ``setting(_:)``.
    let parts: Parts

    /// - Parameter columns: the output series and their slots, when known (a new parameter vector
    ///   keeps them).
    init(_ p: Parts, columns known: (columns: [SeriesInfo], slots: [Int])? = nil) {
        parts = p
        (source, settings, t0, t1) = (p.source, p.settings, p.t0, p.t1)
        (stateNames, initialState, tstops) = (p.stateNames, p.initialState, p.tstops)
        (values, rightHandSide, observations, tables) = (
            p.values, p.rightHandSide, p.observations, KnotTables(p.knots)
        )
        (stateSlots, derivativeSlots, entities, sets) = (p.stateSlots, p.derivativeSlots, p.entities, p.sets)
        (stateFreeSlots, matrices) = (p.stateFreeSlots, p.matrices)
        if let known {
            (columns, columnSlots) = known
            return
        }
        var columns: [SeriesInfo] = []
        var slots: [Int] = []
        func add(_ entity: Entity) {
            let members = entity.set.map { p.sets[$0]! } ?? [""]
            let set = entity.set.flatMap { set in p.source.sets.first { $0.name == set } }
            for member in members {
                guard let slot = entity.slots[member] else { continue }
                columns.append(
                    SeriesInfo(
                        name: member.isEmpty ? entity.name : "\(entity.name)_\(member)",
                        unit: entity.attributes.unit ?? "",
                        description: (entity.attributes.meaning ?? entity.name)
                            + (member.isEmpty ? "" : " (\(set?.label(of: member) ?? member))")))
                slots.append(slot)
            }
        }
        // States in file order, then definitions in file order, then observations.
        for state in p.source.states { if let e = p.entities[state.name] { add(e) } }
        var seen = Set<String>()
        let definitionNames =
            p.source.definitions.map(\.name)
            + p.source.choices.flatMap { $0.options.first?.definitions.map(\.name) ?? [] }
        for name in definitionNames where seen.insert(name).inserted {
            if let e = p.entities[name], e.kind == .let { add(e) }
        }
        for e in p.entities.values.filter({ $0.kind == .let && !seen.contains($0.name) }).sorted(by: {
            $0.name < $1.name
        }) { add(e) }
        for o in p.source.observations { if let e = p.entities[o.name] { add(e) } }
        self.columns = columns
        columnSlots = slots
    }

    /// The knots of the table called `name` in this compiled model (the settings may replace the file's).
    public func knots(of name: String) -> [(Double, Double)] {
        guard let index = source.tables.firstIndex(where: { $0.name == name }) else { return [] }
        let start = tables.start[index]
        let count = tables.count[index]
        return (0..<count).map { (tables.times[start + $0], tables.values[start + $0]) }
    }

    /// The series `name` as a function of time alone, when it reads no state
    /// variable, directly or through other definitions (an exogenous path such
    /// as AI capex `I`): valid at any time, before the start too. Nil for a
    /// series that depends on the state.
    public func timePath(_ name: String) -> (@Sendable (Double) -> Double)? {
        guard let c = columns.firstIndex(where: { $0.name == name }), stateFreeSlots.contains(columnSlots[c]) else {
            return nil
        }
        let slot = columnSlots[c]
        // One copy of the values for the path's every evaluation (a quadrature calls it hundreds of
        // times), each evaluation under a lock: the closure may be shared; only what the series
        // needs is run (it reads no state, so the start's stands in for it).
        let scratch = Scratch(values)
        let lock = NSLock()
        let program = outputProgram(for: [slot])
        return { [self] t in
            lock.withLock {
                run(program, at: t, state: initialState, on: scratch.buffer)
                return scratch.buffer[slot]
            }
        }
    }

    /// The members of the index set `set` in this compiled model (the settings may replace the file's).
    public func members(of set: String) -> [String] { sets[set] ?? [] }

    /// The value of a parameter (`alpha1`, `beta[crypto]`).
    public func parameter(_ name: String) -> Double? {
        let base = name.split(separator: "[").first.map(String.init) ?? name
        let member = name.contains("[") ? String(name.split(separator: "[")[1].dropLast()) : ""
        guard let entity = entities[base], entity.kind == .parameter, let slot = entity.slots[member] else {
            return nil
        }
        return values[slot]
    }

    /// Runs the right-hand side at `(t, y)` on `v`, a copy of the compiled values.
    func evaluate(_ t: Double, _ y: UnsafePointer<Double>, _ v: UnsafeMutablePointer<Double>) {
        v[0] = t
        stateSlots.withUnsafeBufferPointer { slots in
            for k in slots.indices { v[slots[k]] = y[k] }
        }
        rightHandSide.run(v, tables: tables)
    }

    /// The model as an initial value problem on `[t0, t1]`, with its exact
    /// Jacobian (forward-mode differentiation of the tape). Each problem has
    /// its own scratch space: call `problem()` once per solve, and several
    /// solves may run on several threads; one problem is not for two
    /// threads at once. The right-hand side runs on the tape, or as machine
    /// code with the same results when ``NativeCode`` is installed.
    ///
    /// - Parameter exactJacobian: false leaves the Jacobian to the solver's
    ///   finite differences (for comparison).
    public func problem(exactJacobian: Bool = true) -> ODEProblem {
        let scratch = Scratch(values)
        let derivatives: RightHandSide
        if let program = NativeCode.program(for: { parts.programs.text([-1]) { nativeSource } }) {
            let tables = tables
            let schedules = Scratch(rightHandSide.schedules + [0])
            derivatives = { t, y, dydt in
                program(
                    t, y.baseAddress!, dydt.baseAddress!, UnsafePointer(scratch.buffer), tables.times, tables.values,
                    tables.start, tables.count, schedules.buffer)
            }
        } else {
            let derivativeSlots = derivativeSlots
            derivatives = { [self] t, y, dydt in
                let v = scratch.buffer
                evaluate(t, y.baseAddress!, v)
                derivativeSlots.withUnsafeBufferPointer { slots in
                    for k in slots.indices { dydt[k] = v[slots[k]] }
                }
            }
        }
        var problem = ODEProblem(
            initialState: initialState, timeSpan: (t0, t1), componentNames: stateNames, rightHandSide: derivatives)
        if exactJacobian {
            let tangents = Scratch([Double](repeating: 0, count: values.count * (stateSlots.count + 1)))
            problem.jacobian = { [self] t, y, dfdy, dfdt in
                jacobian(
                    t, y.baseAddress!, values: scratch.buffer, tangents: tangents.buffer, dfdy: dfdy.baseAddress!,
                    dfdt: dfdt.baseAddress!)
            }
        }
        return problem
    }

    /// `dfdy` (row major) and `dfdt` at `(t, y)`: the tape run with n + 1
    /// directions, one per state and one for time.
    func jacobian(
        _ t: Double, _ y: UnsafePointer<Double>, values v: UnsafeMutablePointer<Double>,
        tangents d: UnsafeMutablePointer<Double>,
        dfdy: UnsafeMutablePointer<Double>, dfdt: UnsafeMutablePointer<Double>
    ) {
        let n = stateSlots.count
        let width = n + 1
        // `d` starts zeroed and needs no clearing: the tape overwrites every row it
        // writes, the seeds below are the same each time, and no other row changes.
        v[0] = t
        d[n] = 1  // slot 0 is t: its own direction, the last
        for (k, slot) in stateSlots.enumerated() {
            v[slot] = y[k]
            d[slot * width + k] = 1
        }
        rightHandSide.runWithDerivatives(v, d, width: width, tables: tables)
        for (i, slot) in derivativeSlots.enumerated() {
            for j in 0..<n { dfdy[i * n + j] = d[slot * width + j] }
            dfdt[i] = d[slot * width + n]
        }
    }

    /// Every output series at every saved time of `solution`: `values[column][k]`
    /// (the right-hand side, then the output program: the definitions the
    /// derivatives do not need, and the observations).
    public func series(of solution: ODESolution) -> [[Double]] {
        series(of: solution, columns: Array(columns.indices))
    }

    /// The output series called `names` at every saved time of `solution`, by one program that
    /// computes only what they need (the other columns are left empty): what a likelihood reads
    /// of a path, the same values as ``series(of:)``'s bit for bit.
    public func series(of solution: ODESolution, only names: Set<String>) -> [[Double]] {
        series(of: solution, columns: columns.indices.filter { names.contains(columns[$0].name) })
    }

    /// The columns `wanted` at every saved time of `solution` (the others left empty): their output
    /// program on the tape, or as machine code when ``NativeCode`` is installed, bit for bit the same.
    func series(of solution: ODESolution, columns wanted: [Int]) -> [[Double]] {
        let slots = wanted.map { columnSlots[$0] }
        let program = outputProgram(for: slots)
        var result = [[Double]](repeating: [], count: columns.count)
        for c in wanted { result[c].reserveCapacity(solution.count) }
        if let native = NativeCode.program(for: {
            parts.programs.text(slots) {
                program.cSource(function: "liquidity_rhs", stateSlots: stateSlots, derivativeSlots: slots)
            }
        }) {
            var row = [Double](repeating: 0, count: slots.count)
            let schedules = program.schedules + [0]
            values.withUnsafeBufferPointer { v in
                schedules.withUnsafeBufferPointer { sc in
                    row.withUnsafeMutableBufferPointer { out in
                        for k in 0..<solution.count {
                            solution.state(k).withUnsafeBufferPointer {
                                native(
                                    solution.t[k], $0.baseAddress!, out.baseAddress!, v.baseAddress!, tables.times,
                                    tables.values, tables.start, tables.count, sc.baseAddress!)
                            }
                            for (i, c) in wanted.enumerated() { result[c].append(out[i]) }
                        }
                    }
                }
            }
            return result
        }
        var v = values
        v.withUnsafeMutableBufferPointer { buffer in
            for k in 0..<solution.count {
                run(program, at: solution.t[k], state: solution.state(k), on: buffer.baseAddress!)
                for c in wanted { result[c].append(buffer[columnSlots[c]]) }
            }
        }
        return result
    }

    /// Runs an output program at time `t` and state `y` on `v`, a copy of the compiled values.
    func run(_ program: Tape, at t: Double, state y: [Double], on v: UnsafeMutablePointer<Double>) {
        v[0] = t
        for (i, slot) in stateSlots.enumerated() { v[slot] = y[i] }
        program.run(v, tables: tables)
    }

    /// One program that computes the slots `wanted` from time and the state: the right-hand side's
    /// and the output program's instructions they need, in order; made once per compiled structure.
    func outputProgram(for wanted: [Int]) -> Tape {
        parts.programs.tape(wanted) {
            var program = rightHandSide
            let offset = Int32(program.schedules.count)
            program.schedules += observations.schedules
            program.instructions += observations.instructions.map { ins in
                var moved = ins
                if ins.op == .schedule { moved.a += offset }
                return moved
            }
            return program.pruned(to: Set(wanted))
        }
    }

    /// Every output series at time `t` and state `y`, in the order of ``columns``: at t0 and
    /// ``initialState``, the model's start without a solve.
    public func values(at t: Double, state y: [Double]) -> [Double] {
        var v = values
        v.withUnsafeMutableBufferPointer { run(outputProgram(for: columnSlots), at: t, state: y, on: $0.baseAddress!) }
        return columnSlots.map { v[$0] }
    }

    /// Solves the model and returns its saved times and series (only the series `only` names, when given).
    public func run(_ stepper: Stepper, options: SolverOptions, only: Set<String>? = nil) throws -> (
        solution: ODESolution, series: [[Double]]
    ) {
        var settings = options
        settings.tstops = Array(Set(settings.tstops + tstops)).sorted()
        let solution = try solve(problem(), stepper, settings)
        return (solution, only.map { series(of: solution, only: $0) } ?? series(of: solution))
    }
}

/// Scratch values for one problem's right-hand side.
final class Scratch: @unchecked Sendable {
    let buffer: UnsafeMutablePointer<Double>
    init(_ values: [Double]) {
        buffer = .allocate(capacity: values.count)
        buffer.initialize(from: values, count: values.count)
    }
    deinit { buffer.deallocate() }
}

/// A matrix of the model with each cell's terms compiled.
struct CompiledMatrix: Sendable {
    struct Row: Sendable {
        var label: String
        /// Per column, the entries (several when an indexed row sums members).
        var cells: [[Node]]
        var target: Node?
        var location: SourceLocation
    }
    var name: String, title: String, columns: [String], rows: [Row], location: SourceLocation
    var isStocks: Bool
}

/// A matrix evaluated at a state: every cell, with row and column sums.
public struct MatrixValues: Sendable {
    public var name: String, title: String, columns: [String], rowLabels: [String]
    public var values: [[Double]]
    public var rowTargets: [Double]
    public var rowSums: [Double] { values.map { $0.reduce(0, +) } }
    public var columnSums: [Double] { columns.indices.map { c in values.reduce(0) { $0 + $1[c] } } }
}

extension CompiledModel {
    /// Every matrix at `(t, y)`.
    public func matrixValues(at t: Double, _ y: [Double]) -> [MatrixValues] {
        var v = values
        return v.withUnsafeMutableBufferPointer { buffer in
            y.withUnsafeBufferPointer { evaluate(t, $0.baseAddress!, buffer.baseAddress!) }
            observations.run(buffer.baseAddress!, tables: tables)
            func value(_ node: Node) -> Double {
                var builder = TapeBuilder(firstFree: buffer.count)
                let out = builder.emit(node)
                var scratch = Array(buffer) + [Double](repeating: 0, count: builder.next - buffer.count)
                for (slot, c) in builder.constantValues { scratch[slot] = c }
                scratch.withUnsafeMutableBufferPointer { builder.tape.run($0.baseAddress!, tables: tables) }
                return scratch[out]
            }
            return matrices.map { m in
                MatrixValues(
                    name: m.name, title: m.title, columns: m.columns, rowLabels: m.rows.map(\.label),
                    values: m.rows.map { row in row.cells.map { $0.reduce(0) { $0 + value($1) } } },
                    rowTargets: m.rows.map { $0.target.map(value) ?? 0 })
            }
        }
    }

    struct Leak {
        var message: String
        var location: SourceLocation
    }

    /// Rows and columns that do not sum to zero (or to their target) at
    /// random states near the start and random times in the span.
    func checkMatrices(samples: Int = 3) -> [Leak] {
        guard !matrices.isEmpty else { return [] }
        var generator = LCG(state: 0x5EED)
        var leaks: [Leak] = []
        var reported = Set<String>()
        // The start itself, then states moved off it: a balance sheet's rows are
        // invariants of the solution, so they are checked at the start only.
        for sample in 0...samples {
            let t = sample == 0 ? t0 : t0 + generator.unit() * (t1 - t0)
            let y =
                sample == 0
                ? initialState
                : initialState.map { $0 * (0.8 + 0.4 * generator.unit()) + 0.01 * (generator.unit() - 0.5) }
            for (m, matrix) in matrixValues(at: t, y).enumerated() {
                let scale = Swift.max(1, matrix.values.flatMap { $0 }.map(Swift.abs).filter(\.isFinite).max() ?? 1)
                guard matrix.values.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { continue }
                for (r, label) in matrix.rowLabels.enumerated() where sample == 0 || !matrices[m].isStocks {
                    let gap = matrix.rowSums[r] - matrix.rowTargets[r]
                    if Swift.abs(gap) > 1e-9 * scale, reported.insert("\(matrix.name) row \(label)").inserted {
                        leaks.append(
                            Leak(
                                message:
                                    """
                                    matrix \(matrix.name): row \"\(label)\" sums to \
                                    \(gap == gap ? String(format: "%.6g", gap) : "nan")\
                                    \(matrix.rowTargets[r] == 0 ? "" : " more than its target") \
                                    at t = \(String(format: "%.4f", t)) \
                                    \(sample == 0 ? "at the start" : "with the state moved off its start"); \
                                    every row must sum to zero (or to its \
                                    target)\(matrices[m].isStocks ? "" : " at every state")
                                    """,
                                location: matrices[m].rows[r].location))
                    }
                }
                for (c, column) in matrix.columns.enumerated() where Swift.abs(matrix.columnSums[c]) > 1e-9 * scale {
                    if reported.insert("\(matrix.name) column \(column)").inserted {
                        leaks.append(
                            Leak(
                                message:
                                    """
                                    matrix \(matrix.name): column \(column) sums to \
                                    \(String(format: "%.6g", matrix.columnSums[c])) at t = \
                                    \(String(format: "%.4f", t)) \
                                    \(sample == 0 ? "at the start" : "with the state moved off its start"); \
                                    every column must sum to zero at every state
                                    """,
                                location: matrices[m].location))
                    }
                }
            }
        }
        return leaks
    }
}

/// A small seeded generator for the matrix check: the same states every time.
struct LCG {
    var state: UInt64
    mutating func unit() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
}

/// Compiles a model file's text for `settings`.
///
/// - Throws: ``ModelFileError`` with every error found, each naming the file,
///   line and column, the name and what is expected.
public func compileModel(_ text: String, file: String, settings: ModelSettings = ModelSettings()) throws
    -> CompiledModel
{
    try compileModel(try parseModel(text, file: file), settings: settings)
}

/// Compiles a parsed model file for `settings`.
///
/// - Parameter checkingMatrices: false skips the check that every matrix
///   balances (for many compiles of one model that differ only in
///   parameter values, once one compile has checked them).
/// - Throws: ``ModelFileError`` with every error found.
public func compileModel(
    _ source: ModelSource, settings: ModelSettings = ModelSettings(), checkingMatrices: Bool = true
) throws -> CompiledModel {
    try Compiler(source, settings: settings).compile(checkingMatrices: checkingMatrices)
}

/// A summary row a model file declares, computed on a solved path.
public struct SummaryValue: Sendable, Equatable {
    public var label: String
    /// `end`, `change`, `peak`, `drawdown`, `below` or `total`.
    public var kind: String
    /// The series summarised (`p_crypto`) and its unit.
    public var series: String, unit: String
    /// The member of a summary over a set (`crypto` for `end p[j]`); nil for a scalar series.
    public var member: String? = nil
    /// The number: a level, a change, a share (drawdown), a date (below; nil if never) or an integral (total).
    public var value: Double?

    /// The summary's column in a table of runs: `end_p_crypto`, `peak_rb`.
    public var column: String { "\(kind)_\(series)" }
}

extension CompiledModel {
    /// The file's summary rows on a path saved at `t` with `series` (as ``series(of:)`` returns them).
    public func summaries(t: [Double], series: [[Double]]) -> [SummaryValue] {
        var result: [SummaryValue] = []
        for summary in source.summaries {
            let members: [String]
            switch summary.index {
            case .scalar: members = [""]
            case .each(_, let set): members = sets[set] ?? []
            case .member(let m): members = [m]
            }
            let set = summary.index.set.flatMap { set in source.sets.first { $0.name == set } }
            for member in members {
                let name = member.isEmpty ? summary.series : "\(summary.series)_\(member)"
                guard let c = columns.firstIndex(where: { $0.name == name }) else { continue }
                let x = series[c]
                let value: Double?
                switch summary.kind {
                case "end": value = x.last
                case "change": value = x.last.map { $0 - x[0] }
                case "peak": value = x.max()
                case "drawdown":
                    var peak = -Double.infinity
                    var worst = 0.0
                    for v in x {
                        peak = Swift.max(peak, v)
                        worst = Swift.max(worst, 1 - v / peak)
                    }
                    value = worst
                case "below": value = zip(t, x).first { $0.1 < (summary.level ?? 0) }?.0
                default:
                    var total = 0.0
                    for k in t.indices.dropFirst() { total += 0.5 * (x[k] + x[k - 1]) * (t[k] - t[k - 1]) }
                    value = total
                }
                let label = summary.label.replacingOccurrences(
                    of: "{\(summary.index.variable ?? "")}", with: set?.label(of: member) ?? member)
                var row = SummaryValue(
                    label: label, kind: summary.kind, series: name, unit: columns[c].unit, value: value)
                row.member = member.isEmpty ? nil : member
                result.append(row)
            }
        }
        return result
    }
}

extension IndexSpec {
    /// The index variable of a definition over a set.
    var variable: String? {
        if case .each(let v, _) = self { return v }
        return nil
    }

    /// The set of a definition over a set.
    var set: String? {
        if case .each(_, let s) = self { return s }
        return nil
    }
}
