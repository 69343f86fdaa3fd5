import Foundation
import Solvers

/// The emission pass: the setup program (start values, t0 quantities, what depends on parameters
/// alone) and the tapes emitted, the t0 values computed and checked, the matrices lowered; hands
/// its parts to ``CompiledModel``.
extension Compiler {
    func build() throws -> CompiledModel {
        let initial = order(items.filter { $0.kind == .start || $0.kind == .initial || $0.kind == .let })
        let runtime = order(items.filter { $0.kind == .let })
        guard let initial, let runtime, !diagnostics.contains(where: { $0.severity == .error }) else {
            throw ModelFileError(diagnostics: sorted())
        }
        // The setup program runs once per parameter vector: the start values and the t0 quantities
        // (with the definitions they read, at t0), then every part of the later programs that reads
        // only parameters and t0 quantities, hoisted out of them. The parameters are inputs: a new
        // vector needs the setup program run again, not a compile (``CompiledModel/setting(_:)``).
        var builder = TapeBuilder(firstFree: slotCount)
        for item in initial { builder.emit(item.node.folded([:]), into: item.slot) }
        let initialSlots = items.filter { $0.kind == .initial }.map(\.slot)
        let fixed = Set(parameterValues.map(\.0)).union(initialSlots)
        // The right-hand side computes only the definitions the derivatives need; the
        // others (reporting series, the matrices' row items) wait for the output program.
        let derivatives = items.filter { $0.kind == .derivative }
        var needed = Set<Int>()
        var frontier: [Int] = []
        for item in derivatives { item.node.visitSlots { frontier.append($0) } }
        let producers = Dictionary(runtime.map { ($0.slot, $0) }, uniquingKeysWith: { first, _ in first })
        while let slot = frontier.popLast() {
            guard needed.insert(slot).inserted, let producer = producers[slot] else { continue }
            producer.node.visitSlots { frontier.append($0) }
        }
        let programs = [
            runtime.filter { needed.contains($0.slot) } + derivatives,
            runtime.filter { !needed.contains($0.slot) } + items.filter { $0.kind == .observation },
        ]
        // A hoisted part's slot must keep its setup value: not one a later program or the state
        // writes (value numbering may hand back the slot of a definition or a start value the setup
        // computed at t0). Machine code reads a written slot from a local (``NativeCode``).
        let written = Set(programs.joined().map(\.slot)).union(stateSlots)
        func hoist(_ node: Node) -> Int {
            let slot = builder.emit(node)
            guard written.contains(slot) else { return slot }
            let copy = builder.fresh()
            builder.emit(.slot(slot), into: copy)
            return copy
        }
        let lowered = programs.map { program in program.map { item in (item.slot, item.node.hoisted(fixed, hoist)) } }
        let setup = builder.tape
        var values = [Double](repeating: 0, count: builder.next)
        for (slot, value) in parameterValues { values[slot] = value }
        for (slot, value) in builder.constantValues { values[slot] = value }
        values[0] = t0
        values.withUnsafeMutableBufferPointer { setup.run($0.baseAddress!, tables: knotData) }
        for item in items where item.kind == .initial {
            if !values[item.slot].isFinite {
                var names: [Int: String] = [:]
                for entity in entities.values {
                    for (member, slot) in entity.slots {
                        names[slot] = member.isEmpty ? entity.name : "\(entity.name)[\(member)]"
                    }
                }
                let inputs = item.node.slots.compactMap { slot in names[slot].map { "\($0) = \(values[slot])" } }
                    .sorted()
                error(
                    """
                    the t0 quantity \(item.label) is \(values[item.slot]) with these parameters and start \
                    values; it must be finite (it reads \(inputs.joined(separator: ", ")))
                    """,
                    at: item.location)
            }
        }
        var tapes: [Tape] = []
        for program in lowered {
            builder.startProgram()
            for (slot, node) in program { builder.emit(node, into: slot) }
            tapes.append(builder.tape)
        }
        let (rightHandSide, observations) = (tapes[0], tapes[1])
        values += [Double](repeating: 0, count: builder.next - values.count)
        for (slot, value) in builder.constantValues { values[slot] = value }
        // The definitions that do not read the state, directly or through others: functions of time alone.
        var stateDependent = Set(stateSlots)
        for item in runtime + items.filter({ $0.kind == .observation }) {
            var reads = false
            item.node.visitSlots { reads = reads || stateDependent.contains($0) }
            if reads { stateDependent.insert(item.slot) }
        }
        stateFreeSlots = Set((runtime + items.filter { $0.kind == .observation }).map(\.slot)).subtracting(
            stateDependent)
        let initialState = stateSlots.map { values[$0] }
        for (k, value) in initialState.enumerated() where !value.isFinite {
            error(
                "the start value of \(stateLabels[k]) is \(value)",
                at: items.first { $0.kind == .start && $0.slot == stateSlots[k] }?.location
                    ?? SourceLocation(line: 1, column: 1))
        }
        guard !diagnostics.contains(where: { $0.severity == .error }) else {
            throw ModelFileError(diagnostics: sorted())
        }
        // A parameter with dated changes is fixed by the compile (its segments hold its value): a new
        // value of it needs a compile.
        var compiledKeys = Set<String>()
        for entity in entities.values where entity.kind == .parameter {
            for (member, slot) in entity.slots where schedules[slot] != nil {
                compiledKeys.insert(member.isEmpty ? entity.name : "\(entity.name)[\(member)]")
            }
        }
        let changeDates = schedules.values.flatMap { $0.flatMap { [$0.start, $0.end] } }
        let fixedStops = knotData.flatMap(\.times) + changeDates
        let tstops = CompiledModel.tstops(fixedStops + stops, within: (t0, t1))
        return CompiledModel(
            .init(
                source: source, settings: settings, t0: t0, t1: t1, stateNames: stateLabels,
                initialState: initialState, tstops: tstops,
                values: values, rightHandSide: rightHandSide, observations: observations, knots: knotData,
                stateSlots: stateSlots, derivativeSlots: derivativeSlots, entities: entities, sets: sets,
                stateFreeSlots: stateFreeSlots, matrices: matrices(), setup: setup, initialSlots: initialSlots,
                compiledKeys: compiledKeys, fixedStops: fixedStops, stopNodes: stopNodes))
    }

    /// The matrices with their cells lowered to nodes, one row per member of an indexed row.
    func matrices() -> [CompiledMatrix] {
        var compiled: [CompiledMatrix] = []
        for matrix in source.matrices {
            var rows: [CompiledMatrix.Row] = []
            for row in matrix.rows {
                let entries = entries(row)
                let members: [String]
                var bindingsByMember: [String: [String: (set: String, member: String)]] = [:]
                switch row.index {
                case .scalar: members = [""]
                case .each(let variable, let set):
                    members = sets[set] ?? []
                    for m in members { bindingsByMember[m] = [variable: (set, m)] }
                case .member(let m): members = [m]
                }
                for member in members {
                    let cells = matrix.columns.map { column in
                        entries.filter { $0.member == member && $0.column == column }.map(\.node)
                    }
                    let target = row.target.map { node($0, bindingsByMember[member] ?? [:], at: row.location) }
                    rows.append(
                        .init(
                            label: member.isEmpty ? row.label : "\(row.label) \(member)", cells: cells, target: target,
                            location: row.location))
                }
            }
            compiled.append(
                CompiledMatrix(
                    name: matrix.name, title: matrix.title ?? matrix.name, columns: matrix.columns, rows: rows,
                    location: matrix.location, isStocks: matrix.isStocks))
        }
        return compiled
    }
}
