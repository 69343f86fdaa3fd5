import Foundation
import Solvers

/// The symbol table pass: every set, parameter, table, state, definition,
/// closure and observation declared once, with its slots.
extension Compiler {
    func declareSets() {
        for set in source.sets {
            guard declare(set.name, at: set.location) else { continue }
            let members = settings.sets[set.name] ?? set.members
            var seen = Set<String>()
            for member in members where !seen.insert(member).inserted {
                error("set \(set.name) lists \(member) twice", at: set.location)
            }
            if members.isEmpty { error("set \(set.name) has no members", at: set.location) }
            if members.count > Self.memberLimit {
                error(
                    "set \(set.name) has \(members.count) members; the limit is \(Self.memberLimit)", at: set.location)
            }
            sets[set.name] = members
        }
        for name in settings.sets.keys.sorted() where !source.sets.contains(where: { $0.name == name }) {
            error(
                "the model has no set \(name); its sets: \(source.sets.map(\.name).joined(separator: ", "))", at: .none
            )
        }
    }

    func declareParameters() {
        var known = Set<String>()
        for p in source.parameters {
            guard declare(p.name, at: p.location),
                let (set, members) = members(of: p.index, at: p.location, parameterStyle: true)
            else { continue }
            let fileMembers = set.flatMap { name in source.sets.first { $0.name == name }?.members } ?? [""]
            guard p.values.count == 1 || p.values.count == fileMembers.count else {
                error(
                    """
                    parameter \(p.name) has \(p.values.count) values for the \(fileMembers.count) members of \
                    \(set ?? "")
                    """,
                    at: p.location)
                continue
            }
            var slots: [String: Int] = [:]
            for member in members {
                let key = member.isEmpty ? p.name : "\(p.name)[\(member)]"
                known.insert(key)
                // The file's value for a member it lists; a member the settings add needs its own.
                let fileIndex = fileMembers.firstIndex(of: member)
                var value = p.values.count == 1 ? p.values[0] : fileIndex.map { p.values[$0] } ?? .nan
                if let given = settings.parameters[key] ?? (member.isEmpty ? nil : settings.parameters[p.name]) {
                    value = given
                }
                let changes = settings.changes.filter {
                    $0.parameter == key || (!member.isEmpty && $0.parameter == p.name)
                }
                .sorted { $0.start < $1.start }
                for change in changes where change.start <= t0 { value = change.value }
                var segments: [Segment] = []
                var inForce = value
                for change in changes where change.start > t0 {
                    if p.attributes.role == "initial" || p.attributes.role == "horizon" {
                        error(
                            "parameter \(key) is an initial condition; it can only change at or before t0 = \(t0)",
                            at: p.location)
                    }
                    if let range = p.attributes.range, !range.contains(change.value) {
                        error(
                            """
                            parameter \(key) = \(change.value) (a change from \(change.start)) is out of range; \
                            allowed: \(range)
                            """,
                            at: p.location)
                    }
                    guard change.start.isFinite, change.rampYears.isFinite, change.rampYears >= 0 else {
                        error(
                            """
                            the change of \(key) must start at a finite date and ramp over a finite, \
                            non-negative time
                            """,
                            at: p.location)
                        continue
                    }
                    if change.start >= t1 {
                        warning(
                            """
                            the change of \(key) to \(change.value) from \(change.start) starts at or after the \
                            end of this run (\(t1)): it has no effect
                            """,
                            at: .none)
                    }
                    segments.append(
                        Segment(
                            start: change.start, end: change.start + change.rampYears, from: inForce, to: change.value)
                    )
                    inForce = change.value
                }
                if value.isNaN {
                    error(
                        """
                        parameter \(key) has no value: \(member) is not a member in the file; give \(key) in the \
                        settings
                        """,
                        at: p.location)
                    continue
                }
                if let range = p.attributes.range, !range.contains(value) {
                    error("parameter \(key) = \(value) is out of range; allowed: \(range)", at: p.location)
                }
                let slot = newSlot()
                slots[member] = slot
                parameterValues.append((slot, value))
                if !segments.isEmpty { schedules[slot] = segments }
            }
            entities[p.name] = Entity(
                kind: .parameter, name: p.name, set: set, slots: slots, attributes: p.attributes, location: p.location)
        }
        for key in Set(settings.parameters.keys).union(settings.changes.map(\.parameter)).sorted()
        where !known.contains(key) && entities[key]?.kind != .parameter {
            var message = "unknown parameter \(key) in the settings"
            if let near = nearest(key, in: Array(known)) { message += "; did you mean \(near)?" }
            error(message, at: .none)
        }
    }

    func declareTables() {
        for table in source.tables {
            guard declare(table.name, at: table.location) else { continue }
            let knots = settings.tables[table.name] ?? table.knots
            guard !knots.isEmpty else {
                error("table \(table.name) has no knots", at: table.location)
                continue
            }
            for (t, v) in knots where !(t.isFinite && v.isFinite) {
                error("table \(table.name) has a knot (\(t), \(v)) that is not finite", at: table.location)
            }
            for k in knots.indices.dropFirst() where knots[k].0 <= knots[k - 1].0 {
                error(
                    """
                    the knots of table \(table.name) must have ascending times; \(knots[k].0) follows \
                    \(knots[k - 1].0)
                    """,
                    at: table.location)
            }
            tables[table.name] = knotData.count
            knotData.append(KnotData(times: knots.map(\.0), values: knots.map(\.1)))
        }
        for name in settings.tables.keys.sorted() where !source.tables.contains(where: { $0.name == name }) {
            error(
                "the model has no table \(name); its tables: \(source.tables.map(\.name).joined(separator: ", "))",
                at: .none)
        }
    }

    func declareStates() {
        if source.states.isEmpty {
            error(
                "the model has no state variable: declare one with 'state NAME' and its 'start' and 'd/dt' lines",
                at: .none)
        }
        var stateCount = 0
        for state in source.states {
            guard declare(state.name, at: state.location),
                let (set, members) = members(of: state.index, at: state.location)
            else { continue }
            if state.start == nil {
                error("state \(state.name) has no start value: add a line 'start = ...'", at: state.location)
            }
            if state.derivative == nil {
                error("state \(state.name) has no derivative: add a line 'd/dt = ...'", at: state.location)
            }
            stateCount += members.count
            guard stateCount <= Self.stateLimit else {
                error(
                    """
                    the model has more than \(Self.stateLimit) state variables (\(state.name) brings it to \
                    \(stateCount)); its Jacobian and iteration matrix take 8 n^2 bytes each
                    """, at: state.location)
                continue
            }
            var slots: [String: Int] = [:]
            for member in members {
                slots[member] = newSlot()
            }
            entities[state.name] = Entity(
                kind: .state, name: state.name, set: set, slots: slots, attributes: state.attributes,
                location: state.location)
        }
    }

    /// The definitions in force: the file's, and those of each choice's selected option.
    func selectedDefinitions() -> [ModelSource.Definition] {
        var result = source.definitions
        for choice in source.choices {
            let names = choice.options.map(\.name)
            if !names.contains(choice.defaultOption) {
                error(
                    """
                    choice \(choice.name): the default \(choice.defaultOption) is not one of its options \
                    (\(names.joined(separator: ", ")))
                    """,
                    at: choice.location)
            }
            let chosen = settings.choices[choice.name] ?? choice.defaultOption
            guard let option = choice.options.first(where: { $0.name == chosen }) else {
                if names.contains(choice.defaultOption) {
                    error(
                        "choice \(choice.name) has no option \(chosen); allowed: \(names.joined(separator: ", "))",
                        at: choice.location)
                }
                continue
            }
            let defined = option.definitions.map(\.name).sorted()
            for other in choice.options where other.definitions.map(\.name).sorted() != defined {
                error(
                    """
                    option \(other.name) of choice \(choice.name) must define the same names as option \
                    \(option.name) (\(defined.joined(separator: ", ")))
                    """,
                    at: other.location)
            }
            result += option.definitions
        }
        for key in settings.choices.keys.sorted() where !source.choices.contains(where: { $0.name == key }) {
            error(
                source.choices.isEmpty
                    ? "the model has no choices; the choice \(key)=... does not apply"
                    : """
                    the model has no choice \(key); its choices: \
                    \(source.choices.map(\.name).joined(separator: ", "))
                    """,
                at: .none)
        }
        return result
    }

    func declareDefinitions(_ definitions: [ModelSource.Definition]) {
        for d in definitions {
            let kind: Entity.Kind = d.kind == .let ? .let : .initial
            guard let (set, members) = members(of: d.index, at: d.location) else { continue }
            if var existing = entities[d.name] {
                // Another member of an entity defined member by member.
                guard existing.kind == kind, existing.set != nil, existing.set == set, case .member(let m) = d.index,
                    existing.slots[m] == nil
                else {
                    _ = declare(d.name, at: d.location)
                    continue
                }
                existing.slots[m] = newSlot()
                entities[d.name] = existing
                continue
            }
            guard declare(d.name, at: d.location) else { continue }
            var slots: [String: Int] = [:]
            for member in members { slots[member] = newSlot() }
            entities[d.name] = Entity(
                kind: kind, name: d.name, set: set, slots: slots, attributes: d.attributes, location: d.location)
        }
        for (name, entity) in entities where entity.set != nil && (entity.kind == .let || entity.kind == .initial) {
            let missing = sets[entity.set!]!.filter { entity.slots[$0] == nil }
            if !missing.isEmpty {
                error(
                    "\(name) is not defined for \(missing.joined(separator: ", ")) of \(entity.set!)",
                    at: entity.location)
            }
        }
    }

    /// A matrix entry that is `?x` or `-?x`: the name and its sign.
    static func closure(in expression: Expression) -> (name: String, sign: Double, location: SourceLocation)? {
        switch expression {
        case .closure(let n, let at): (n, 1, at)
        case .negate(.closure(let n, let at)): (n, -1, at)
        default: nil
        }
    }

    struct Closure {
        var name: String, sign: Double, matrix: ModelSource.Matrix, column: String, location: SourceLocation
    }

    func declareClosures() -> [Closure] {
        var closures: [Closure] = []
        for matrix in source.matrices {
            let sectorCodes = source.sectors.map(\.code)
            for column in matrix.columns where !sectorCodes.isEmpty && !sectorCodes.contains(column) {
                unknown(column, at: matrix.location, what: "sector")
            }
            for row in matrix.rows {
                for entry in row.entries {
                    if !matrix.columns.contains(entry.column) {
                        error(
                            """
                            row \"\(row.label)\" of matrix \(matrix.name) has an entry in \(entry.column), which \
                            is not one of its columns (\(matrix.columns.joined(separator: ", ")))
                            """,
                            at: entry.location)
                    }
                    if let c = Self.closure(in: entry.expression) {
                        guard case .scalar = row.index else {
                            error("?\(c.name) must be in a row of its own, not in an indexed row", at: c.location)
                            continue
                        }
                        guard declare(c.name, at: c.location) else { continue }
                        entities[c.name] = Entity(
                            kind: .let, name: c.name, set: nil, slots: ["": newSlot()],
                            attributes: Attributes(
                                unit: matrix.unit, meaning: "solved from column \(entry.column) of \(matrix.name)"),
                            location: c.location)
                        closures.append(
                            Closure(
                                name: c.name, sign: c.sign, matrix: matrix, column: entry.column, location: c.location)
                        )
                    } else if contains(closureIn: entry.expression) {
                        error("a solved entry must be ?name or -?name on its own", at: entry.location)
                    }
                }
            }
        }
        return closures
    }

    func contains(closureIn e: Expression) -> Bool {
        switch e {
        case .closure: true
        case .number, .name: false
        case .negate(let a): contains(closureIn: a)
        case .binary(_, let a, let b): contains(closureIn: a) || contains(closureIn: b)
        case .call(_, let args, _): args.contains { contains(closureIn: $0) }
        case .reduce(_, _, _, let body, _): contains(closureIn: body)
        }
    }

    func declareObservations() {
        for o in source.observations {
            guard declare(o.name, at: o.location) else { continue }
            entities[o.name] = Entity(
                kind: .observation, name: o.name, set: nil, slots: ["": newSlot()], attributes: o.attributes,
                location: o.location)
        }
    }
}
