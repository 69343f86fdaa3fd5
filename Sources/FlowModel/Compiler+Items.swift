import Foundation
import Solvers

/// The items pass: what the start, initial, definition, derivative and
/// observation programs compute, slot by slot.
extension Compiler {

    func each(_ spec: IndexSpec, _ body: (String, [String: (set: String, member: String)]) -> Void) {
        switch spec {
        case .scalar: body("", [:])
        case .each(let variable, let set): for m in sets[set] ?? [] { body(m, [variable: (set, m)]) }
        case .member(let m): body(m, [:])
        }
    }

    func label(_ name: String, _ member: String) -> String { member.isEmpty ? name : "\(name)[\(member)]" }

    func compileStates() {
        for state in source.states {
            guard let entity = entities[state.name], entity.kind == .state else { continue }
            each(state.index) { member, bindings in
                let slot = entity.slots[member]!
                stateSlots.append(slot)
                stateLabels.append(label(state.name, member))
                if let start = state.start {
                    items.append(
                        Item(
                            kind: .start, slot: slot, node: node(start, bindings, at: state.location),
                            label: label(state.name, member), location: state.location))
                }
                if let derivative = state.derivative {
                    let out = newSlot()
                    derivativeSlots.append(out)
                    items.append(
                        Item(
                            kind: .derivative, slot: out, node: node(derivative, bindings, at: state.location),
                            label: "d/dt \(label(state.name, member))", location: state.location))
                }
            }
        }
    }

    func compileDefinitions(_ definitions: [ModelSource.Definition]) {
        for d in definitions {
            guard let entity = entities[d.name] else { continue }
            each(d.index) { member, bindings in
                guard let slot = entity.slots[member] else { return }
                items.append(
                    Item(
                        kind: d.kind == .let ? .let : .initial, slot: slot,
                        node: node(d.expression, bindings, at: d.location), label: label(d.name, member),
                        location: d.location))
            }
        }
    }

    /// Each entry of a matrix row, per member of an indexed row, as nodes.
    func entries(_ row: ModelSource.MatrixRow) -> [(member: String, column: String, node: Node, closure: String?)] {
        var result: [(String, String, Node, String?)] = []
        each(row.index) { member, bindings in
            for entry in row.entries {
                if let c = Self.closure(in: entry.expression) {
                    let slot = entities[c.name]!.slots[""]!
                    result.append((member, entry.column, c.sign > 0 ? .slot(slot) : .negate(.slot(slot)), c.name))
                } else {
                    result.append((member, entry.column, node(entry.expression, bindings, at: entry.location), nil))
                }
            }
        }
        return result
    }

    func compileClosures(_ closures: [Closure]) {
        for c in closures {
            var others: [Node] = []
            for row in c.matrix.rows {
                for entry in entries(row) where entry.column == c.column && entry.closure != c.name {
                    others.append(entry.node)
                }
            }
            let total = others.dropFirst().reduce(others.first ?? .constant(0)) { .binary(.add, $0, $1) }
            // sign * x + total = 0
            let value: Node = c.sign > 0 ? .negate(total) : total
            items.append(
                Item(kind: .let, slot: entities[c.name]!.slots[""]!, node: value, label: c.name, location: c.location))
        }
    }

    func compileObservations() {
        for o in source.observations {
            guard let entity = entities[o.name] else { continue }
            items.append(
                Item(
                    kind: .observation, slot: entity.slots[""]!, node: node(o.expression, [:], at: o.location),
                    label: o.name, location: o.location))
        }
    }
}
