import Foundation
import Solvers

/// Choices a run makes when it compiles a model file: an option of each
/// choice (the Fed regime), parameter values, the span.
public struct ModelSettings: Sendable, Equatable {
    /// Choice name to option name (`regime` to `buyer`); unset choices take their default.
    public var choices: [String: String] = [:]
    /// Parameter values by name: `alpha1`, or `beta[crypto]` for one member.
    public var parameters: [String: Double] = [:]
    /// The span, when not the file's horizon.
    public var start: Double?, end: Double?
    /// Dated changes of parameters (a scenario): from `start`, a parameter
    /// moves linearly to `value` over `rampYears` (0: a step); a change at or
    /// before t0 sets the parameter from the start. Changes of one parameter
    /// chain, each ramping from the value the last one left.
    public var changes: [Change] = []
    /// Knot tables in place of the file's, by name.
    public var tables: [String: [(Double, Double)]] = [:]
    /// Members of index sets in place of the file's, by set name; every
    /// parameter indexed by such a set then needs its values from ``parameters``
    /// (`beta[newclass]`).
    public var sets: [String: [String]] = [:]

    public static func == (a: ModelSettings, b: ModelSettings) -> Bool {
        a.choices == b.choices && a.parameters == b.parameters && a.start == b.start && a.end == b.end && a.changes == b.changes
            && a.sets == b.sets && a.tables.keys == b.tables.keys
            && a.tables.allSatisfy { key, knots in b.tables[key].map { $0.elementsEqual(knots) { $0 == $1 } } ?? false }
    }

    /// A dated change of one parameter.
    public struct Change: Sendable, Equatable {
        public var parameter: String, value: Double, start: Double, rampYears: Double
        public init(parameter: String, value: Double, start: Double, rampYears: Double = 0) {
            self.parameter = parameter
            self.value = value
            self.start = start
            self.rampYears = rampYears
        }
    }

    public init(
        choices: [String: String] = [:], parameters: [String: Double] = [:], start: Double? = nil, end: Double? = nil,
        changes: [Change] = []
    ) {
        self.choices = choices
        self.parameters = parameters
        self.start = start
        self.end = end
        self.changes = changes
    }
}

/// The name, unit and meaning of an output series.
public struct SeriesInfo: Sendable, Equatable {
    public var name: String, unit: String, description: String

    public init(name: String, unit: String, description: String) {
        self.name = name
        self.unit = unit
        self.description = description
    }
}

/// One quantity of a compiled model: what it is, where its value lives.
struct Entity {
    enum Kind: String { case parameter, state, `let`, initial, observation }
    var kind: Kind
    var name: String
    /// The set it is indexed by, if any.
    var set: String?
    /// Slot by member ("" for a scalar).
    var slots: [String: Int]
    var attributes: Attributes
    var location: SourceLocation
}

/// What computes one slot: a start value, an initial quantity, a definition,
/// a derivative or an observation.
struct Item {
    enum Kind { case start, initial, `let`, derivative, observation }
    var kind: Kind
    var slot: Int
    var node: Node
    var label: String
    var location: SourceLocation
}

/// Turns a ``ModelSource`` into a ``CompiledModel``, collecting every error
/// with its place before giving up.
final class Compiler {
    let source: ModelSource
    let settings: ModelSettings
    var diagnostics: [ModelDiagnostic] = []
    var sets: [String: [String]] = [:]
    var entities: [String: Entity] = [:]
    var tables: [String: Int] = [:]
    var knotData: [KnotData] = []
    var slotCount = 1  // slot 0 is t
    var items: [Item] = []
    /// Slots of definitions and observations that do not depend on the state (set by ``build()``).
    var stateFreeSlots = Set<Int>()
    var derivativeSlots: [Int] = []
    var stateSlots: [Int] = []
    var stateLabels: [String] = []
    var parameterValues: [(Int, Double)] = []
    var usedParameters = Set<String>()
    var t0 = 0.0, t1 = 1.0
    /// The times of `stop` declarations.
    var stops: [Double] = []

    init(_ source: ModelSource, settings: ModelSettings) {
        self.source = source
        self.settings = settings
    }

    func error(_ message: String, at location: SourceLocation) {
        // An expression inside a sum is compiled once per member: say each error once.
        let diagnostic = ModelDiagnostic(file: source.file, location: location, message: message)
        if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
    }

    func warning(_ message: String, at location: SourceLocation) {
        diagnostics.append(ModelDiagnostic(file: source.file, location: location, severity: .warning, message: message))
    }

    func newSlot() -> Int {
        slotCount += 1
        return slotCount - 1
    }

    static let reserved: Set<String> = ["t", "t0", "t1", "inf", "sum", "softmax", "slope"]

    /// How many terms sums and softmaxes may expand to in all: nested sums
    /// grow as a power of the sets' sizes, and a file must not make the
    /// compiler run out of memory.
    static let expansionLimit = 1_000_000
    var expanded = 0

    /// Every name a reference could have meant, for "did you mean".
    var knownNames: [String] {
        Array(entities.keys) + Array(tables.keys) + Function.allCases.map(\.rawValue) + ["t", "t0", "t1"]
    }

    func unknown(_ name: String, at location: SourceLocation, what: String = "name") {
        var message = "unknown \(what) \(name)"
        if let near = nearest(name, in: what == "set" ? Array(sets.keys) : knownNames) { message += "; did you mean \(near)?" }
        error(message, at: location)
    }

    func declare(_ name: String, at location: SourceLocation) -> Bool {
        if Self.reserved.contains(name) || Function(rawValue: name) != nil {
            error("\(name) is a reserved word of the model language; choose another name", at: location)
            return false
        }
        if let other = entities[name] {
            error("\(name) is defined twice (first as a \(other.kind.rawValue) at line \(other.location.line))", at: location)
            return false
        }
        if tables[name] != nil || sets[name] != nil {
            error("\(name) is defined twice (also a \(tables[name] != nil ? "table" : "set"))", at: location)
            return false
        }
        return true
    }

    /// The members a declaration covers: one unnamed member for a scalar.
    func members(of spec: IndexSpec, at location: SourceLocation, parameterStyle: Bool = false) -> (set: String?, members: [String])? {
        switch spec {
        case .scalar: return (nil, [""])
        case .each(_, let set):
            guard let members = sets[set] else { unknown(set, at: location, what: "set"); return nil }
            return (set, members)
        case .member(let name):
            if parameterStyle {
                guard let members = sets[name] else { unknown(name, at: location, what: "set"); return nil }
                return (name, members)
            }
            let owners = sets.filter { $0.value.contains(name) }.map(\.key).sorted()
            guard owners.count == 1 else {
                error(owners.isEmpty ? "\(name) is not a member of any set" : "\(name) is a member of \(owners.joined(separator: " and ")): define it with [j in SET]", at: location)
                return nil
            }
            return (owners[0], [name])
        }
    }

    // MARK: - Compile

    /// - Parameter checkingMatrices: false skips the matrices' balance check
    ///   (for the runs of a sweep, whose base compile checked them: balance
    ///   does not depend on parameter values).
    func compile(checkingMatrices: Bool = true) throws -> CompiledModel {
        declareSets()
        t0 = settings.start ?? source.horizon?.0 ?? 0
        t1 = settings.end ?? source.horizon?.1 ?? 1
        if !(t1 > t0) { error("the horizon must end after it starts (\(t0) to \(t1))", at: .none) }
        declareParameters()
        declareTables()
        declareStates()
        let definitions = selectedDefinitions()
        declareDefinitions(definitions)
        let closures = declareClosures()
        declareObservations()
        guard !diagnostics.contains(where: { $0.severity == .error }) else { throw ModelFileError(diagnostics: sorted()) }

        let constants = Dictionary(uniqueKeysWithValues: parameterValues)
        for (expression, at, condition) in source.stops {
            guard case .constant(let t) = node(expression, [:], at: at).folded(constants),
                case .constant(let keep) = condition.map({ node($0, [:], at: at).folded(constants) }) ?? .constant(1)
            else {
                error("a stop and its condition must be computed from parameters and numbers", at: at)
                continue
            }
            if keep != 0 { stops.append(t) }
        }
        compileStates()
        compileDefinitions(definitions)
        compileClosures(closures)
        compileObservations()
        for summary in source.summaries {
            let kinds = ["end", "change", "peak", "drawdown", "below", "total"]
            if !kinds.contains(summary.kind) {
                error("unknown summary \(summary.kind); allowed: \(kinds.joined(separator: ", "))", at: summary.location)
            }
            guard let entity = entities[summary.series], [.state, .let, .observation].contains(entity.kind) else {
                unknown(summary.series, at: summary.location, what: "series")
                continue
            }
            switch summary.index {
            case .scalar where entity.set != nil:
                error("\(summary.series) is indexed by \(entity.set!): summarise \(summary.series)[j in \(entity.set!)] or one member", at: summary.location)
            case .each(_, let set) where set != entity.set:
                error("\(summary.series) is not indexed by \(set)", at: summary.location)
            case .member(let m) where entity.set == nil || !(sets[entity.set!] ?? []).contains(m):
                error("\(m) is not a member of what \(summary.series) is indexed by", at: summary.location)
            default: break
            }
        }
        // A parameter an option that was not chosen reads is used too.
        for choice in source.choices { for option in choice.options { for d in option.definitions { usedParameters.formUnion(d.expression.names) } } }
        for (name, entity) in entities where entity.kind == .parameter && !usedParameters.contains(name) {
            warning("parameter \(name) is never used", at: entity.location)
        }
        guard !diagnostics.contains(where: { $0.severity == .error }) else { throw ModelFileError(diagnostics: sorted()) }
        let model = try build()
        let leaks = checkingMatrices ? model.checkMatrices() : []
        for leak in leaks { error(leak.message, at: leak.location) }
        guard !diagnostics.contains(where: { $0.severity == .error }) else { throw ModelFileError(diagnostics: sorted()) }
        model.warnings = sorted()
        return model
    }

    func sorted() -> [ModelDiagnostic] {
        diagnostics.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
    }

    func declareSets() {
        for set in source.sets {
            guard declare(set.name, at: set.location) else { continue }
            let members = settings.sets[set.name] ?? set.members
            var seen = Set<String>()
            for member in members where !seen.insert(member).inserted {
                error("set \(set.name) lists \(member) twice", at: set.location)
            }
            if members.isEmpty { error("set \(set.name) has no members", at: set.location) }
            sets[set.name] = members
        }
        for name in settings.sets.keys.sorted() where !source.sets.contains(where: { $0.name == name }) {
            error("the model has no set \(name); its sets: \(source.sets.map(\.name).joined(separator: ", "))", at: .none)
        }
    }

    /// Per parameter slot, the dated changes after t0, in the order they start.
    var schedules: [Int: [Segment]] = [:]

    /// One dated change resolved: from `start` to `end` the value moves from `from` to `to`.
    struct Segment: Sendable, Hashable { var start: Double, end: Double, from: Double, to: Double }

    func declareParameters() {
        var known = Set<String>()
        for p in source.parameters {
            guard declare(p.name, at: p.location), let (set, members) = members(of: p.index, at: p.location, parameterStyle: true) else { continue }
            let fileMembers = set.flatMap { name in source.sets.first { $0.name == name }?.members } ?? [""]
            guard p.values.count == 1 || p.values.count == fileMembers.count else {
                error("parameter \(p.name) has \(p.values.count) values for the \(fileMembers.count) members of \(set ?? "")", at: p.location)
                continue
            }
            var slots: [String: Int] = [:]
            for member in members {
                let key = member.isEmpty ? p.name : "\(p.name)[\(member)]"
                known.insert(key)
                // The file's value for a member it lists; a member the settings add needs its own.
                let fileIndex = fileMembers.firstIndex(of: member)
                var value = p.values.count == 1 ? p.values[0] : fileIndex.map { p.values[$0] } ?? .nan
                if let given = settings.parameters[key] ?? (member.isEmpty ? nil : settings.parameters[p.name]) { value = given }
                let changes = settings.changes.filter { $0.parameter == key || (!member.isEmpty && $0.parameter == p.name) }
                    .sorted { $0.start < $1.start }
                for change in changes where change.start <= t0 { value = change.value }
                var segments: [Segment] = []
                var inForce = value
                for change in changes where change.start > t0 {
                    if p.attributes.role == "initial" || p.attributes.role == "horizon" {
                        error("parameter \(key) is an initial condition; it can only change at or before t0 = \(t0)", at: p.location)
                    }
                    if let range = p.attributes.range, !range.contains(change.value) {
                        error("parameter \(key) = \(change.value) (a change from \(change.start)) is out of range; allowed: \(range)", at: p.location)
                    }
                    guard change.start.isFinite, change.rampYears.isFinite, change.rampYears >= 0 else {
                        error("the change of \(key) must start at a finite date and ramp over a finite, non-negative time", at: p.location)
                        continue
                    }
                    if change.start >= t1 {
                        warning("the change of \(key) to \(change.value) from \(change.start) starts at or after the end of this run (\(t1)): it has no effect", at: .none)
                    }
                    segments.append(Segment(start: change.start, end: change.start + change.rampYears, from: inForce, to: change.value))
                    inForce = change.value
                }
                if value.isNaN {
                    error("parameter \(key) has no value: \(member) is not a member in the file; give \(key) in the settings", at: p.location)
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
            entities[p.name] = Entity(kind: .parameter, name: p.name, set: set, slots: slots, attributes: p.attributes, location: p.location)
        }
        for key in Set(settings.parameters.keys).union(settings.changes.map(\.parameter)).sorted() where !known.contains(key) && entities[key]?.kind != .parameter {
            var message = "unknown parameter \(key) in the settings"
            if let near = nearest(key, in: Array(known)) { message += "; did you mean \(near)?" }
            error(message, at: .none)
        }
    }

    func declareTables() {
        for table in source.tables {
            guard declare(table.name, at: table.location) else { continue }
            let knots = settings.tables[table.name] ?? table.knots
            guard !knots.isEmpty else { error("table \(table.name) has no knots", at: table.location); continue }
            for (t, v) in knots where !(t.isFinite && v.isFinite) {
                error("table \(table.name) has a knot (\(t), \(v)) that is not finite", at: table.location)
            }
            for k in knots.indices.dropFirst() where knots[k].0 <= knots[k - 1].0 {
                error("the knots of table \(table.name) must have ascending times; \(knots[k].0) follows \(knots[k - 1].0)", at: table.location)
            }
            tables[table.name] = knotData.count
            knotData.append(KnotData(times: knots.map(\.0), values: knots.map(\.1)))
        }
        for name in settings.tables.keys.sorted() where !source.tables.contains(where: { $0.name == name }) {
            error("the model has no table \(name); its tables: \(source.tables.map(\.name).joined(separator: ", "))", at: .none)
        }
    }

    func declareStates() {
        for state in source.states {
            guard declare(state.name, at: state.location), let (set, members) = members(of: state.index, at: state.location) else { continue }
            if state.start == nil { error("state \(state.name) has no start value: add a line 'start = ...'", at: state.location) }
            if state.derivative == nil { error("state \(state.name) has no derivative: add a line 'd/dt = ...'", at: state.location) }
            var slots: [String: Int] = [:]
            for member in members {
                slots[member] = newSlot()
            }
            entities[state.name] = Entity(kind: .state, name: state.name, set: set, slots: slots, attributes: state.attributes, location: state.location)
        }
    }

    /// The definitions in force: the file's, and those of each choice's selected option.
    func selectedDefinitions() -> [ModelSource.Definition] {
        var result = source.definitions
        for choice in source.choices {
            let names = choice.options.map(\.name)
            if !names.contains(choice.defaultOption) {
                error("choice \(choice.name): the default \(choice.defaultOption) is not one of its options (\(names.joined(separator: ", ")))", at: choice.location)
            }
            let chosen = settings.choices[choice.name] ?? choice.defaultOption
            guard let option = choice.options.first(where: { $0.name == chosen }) else {
                if names.contains(choice.defaultOption) {
                    error("choice \(choice.name) has no option \(chosen); allowed: \(names.joined(separator: ", "))", at: choice.location)
                }
                continue
            }
            let defined = option.definitions.map(\.name).sorted()
            for other in choice.options where other.definitions.map(\.name).sorted() != defined {
                error("option \(other.name) of choice \(choice.name) must define the same names as option \(option.name) (\(defined.joined(separator: ", ")))", at: other.location)
            }
            result += option.definitions
        }
        for key in settings.choices.keys.sorted() where !source.choices.contains(where: { $0.name == key }) {
            error(source.choices.isEmpty ? "the model has no choices; --choose \(key)=... does not apply" : "the model has no choice \(key); its choices: \(source.choices.map(\.name).joined(separator: ", "))", at: .none)
        }
        return result
    }

    func declareDefinitions(_ definitions: [ModelSource.Definition]) {
        for d in definitions {
            let kind: Entity.Kind = d.kind == .let ? .let : .initial
            guard let (set, members) = members(of: d.index, at: d.location) else { continue }
            if var existing = entities[d.name] {
                // Another member of an entity defined member by member.
                guard existing.kind == kind, existing.set != nil, existing.set == set, case .member(let m) = d.index, existing.slots[m] == nil else {
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
            entities[d.name] = Entity(kind: kind, name: d.name, set: set, slots: slots, attributes: d.attributes, location: d.location)
        }
        for (name, entity) in entities where entity.set != nil && (entity.kind == .let || entity.kind == .initial) {
            let missing = sets[entity.set!]!.filter { entity.slots[$0] == nil }
            if !missing.isEmpty { error("\(name) is not defined for \(missing.joined(separator: ", ")) of \(entity.set!)", at: entity.location) }
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
                        error("row \"\(row.label)\" of matrix \(matrix.name) has an entry in \(entry.column), which is not one of its columns (\(matrix.columns.joined(separator: ", ")))", at: entry.location)
                    }
                    if let c = Self.closure(in: entry.expression) {
                        guard case .scalar = row.index else { error("?\(c.name) must be in a row of its own, not in an indexed row", at: c.location); continue }
                        guard declare(c.name, at: c.location) else { continue }
                        entities[c.name] = Entity(
                            kind: .let, name: c.name, set: nil, slots: ["": newSlot()],
                            attributes: Attributes(unit: matrix.unit, meaning: "solved from column \(entry.column) of \(matrix.name)"), location: c.location)
                        closures.append(Closure(name: c.name, sign: c.sign, matrix: matrix, column: entry.column, location: c.location))
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
            entities[o.name] = Entity(kind: .observation, name: o.name, set: nil, slots: ["": newSlot()], attributes: o.attributes, location: o.location)
        }
    }

    // MARK: - Expressions

    /// Compiles `e` with index variables bound to members.
    func node(_ e: Expression, _ bindings: [String: (set: String, member: String)], at location: SourceLocation) -> Node {
        switch e {
        case .number(let v):
            return .constant(v)
        case .name(let n, let index, let at):
            return reference(n, index: index, bindings, at: at)
        case .negate(let a):
            return .negate(node(a, bindings, at: location))
        case .binary(let op, let a, let b):
            let kind: Node.BinaryOp = switch op {
            case "+": .add
            case "-": .subtract
            case "*": .multiply
            case "/": .divide
            default: .power
            }
            return .binary(kind, node(a, bindings, at: location), node(b, bindings, at: location))
        case .call(let n, let args, let at):
            if let index = tables[n] {
                guard args.count == 1 else { error("table \(n) takes one argument, the time: \(n)(t); got \(args.count)", at: at); return .constant(0) }
                return .table(index, node(args[0], bindings, at: at), slope: false)
            }
            if n == "slope" {
                guard args.count == 1, case .name(let table, nil, let tableAt) = args[0] else {
                    error("slope takes one argument, a table: slope(rm)", at: at)
                    return .constant(0)
                }
                guard let index = tables[table] else { unknown(table, at: tableAt, what: "table"); return .constant(0) }
                return .table(index, .slot(0), slope: true)
            }
            guard let f = Function(rawValue: n) else {
                if entities[n] != nil { error("\(n) is not a function or a table; write \(n) without parentheses", at: at) } else { unknown(n, at: at, what: "function") }
                return .constant(0)
            }
            guard args.count == f.arity else {
                error("\(n) takes \(f.arity) argument\(f.arity == 1 ? "" : "s") (\(f.meaning)); got \(args.count)", at: at)
                return .constant(0)
            }
            return .function(f, args.map { node($0, bindings, at: at) })
        case .reduce(let kind, let variable, let set, let body, let at):
            guard let members = sets[set] else { unknown(set, at: at, what: "set"); return .constant(0) }
            expanded += members.count
            guard expanded <= Self.expansionLimit else {
                if expanded - members.count <= Self.expansionLimit {
                    error("sums and softmaxes expand to more than \(Self.expansionLimit) terms; nest fewer of them", at: at)
                }
                return .constant(0)
            }
            if kind == "sum" {
                guard bindings[variable] == nil else { error("\(variable) is already bound; use another name in sum(\(variable) in \(set): ...)", at: at); return .constant(0) }
                let terms = members.map { node(body, bindings.merging([variable: (set, $0)]) { $1 }, at: at) }
                return terms.dropFirst().reduce(terms.first ?? .constant(0)) { .binary(.add, $0, $1) }
            }
            guard let current = bindings[variable], current.set == set else {
                error("softmax(\(variable) in \(set): ...) gives member \(variable)'s share: use it in a definition over [\(variable) in \(set)]", at: at)
                return .constant(0)
            }
            let exps = members.map { Node.function(.exp, [node(body, bindings.merging([variable: (set, $0)]) { $1 }, at: at)]) }
            let total = exps.dropFirst().reduce(exps[0]) { .binary(.add, $0, $1) }
            return .binary(.divide, exps[members.firstIndex(of: current.member)!], total)
        case .closure(let n, let at):
            error("?\(n) may only be a matrix entry", at: at)
            return .constant(0)
        }
    }

    func reference(_ n: String, index: String?, _ bindings: [String: (set: String, member: String)], at: SourceLocation) -> Node {
        if index == nil {
            switch n {
            case "t": return .slot(0)
            case "t0": return .constant(t0)
            case "t1": return .constant(t1)
            default: break
            }
            if let table = tables[n] { return .table(table, .slot(0), slope: false) }
            if bindings[n] != nil { error("\(n) is an index variable: use it inside [ ], as in x[\(n)]", at: at); return .constant(0) }
        }
        guard let entity = entities[n] else { unknown(n, at: at); return .constant(0) }
        if entity.kind == .parameter { usedParameters.insert(n) }
        func scheduled(_ slot: Int) -> Node {
            guard let segments = schedules[slot] else { return .slot(slot) }
            return .schedule(segments.map { [$0.start, $0.end, $0.from, $0.to] }, base: .slot(slot))
        }
        if entity.kind == .observation { error("\(n) is an observation: observations may not be used in equations", at: at); return .constant(0) }
        guard let set = entity.set else {
            if index != nil { error("\(n) is not indexed; write it without [ ]", at: at); return .constant(0) }
            return scheduled(entity.slots[""]!)
        }
        guard let index else { error("\(n) is indexed by \(set): write \(n)[j] or \(n)[\(sets[set]!.first ?? "member")]", at: at); return .constant(0) }
        let member: String
        if let bound = bindings[index] {
            guard bound.set == set else { error("\(index) runs over \(bound.set), but \(n) is indexed by \(set)", at: at); return .constant(0) }
            member = bound.member
        } else {
            guard sets[set]!.contains(index) else {
                var message = "\(index) is neither a bound index nor a member of \(set) (members: \(sets[set]!.joined(separator: ", ")))"
                if let near = nearest(index, in: sets[set]!) { message += "; did you mean \(near)?" }
                error(message, at: at)
                return .constant(0)
            }
            member = index
        }
        return scheduled(entity.slots[member]!)
    }

    // MARK: - Items

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
                    items.append(Item(kind: .start, slot: slot, node: node(start, bindings, at: state.location), label: label(state.name, member), location: state.location))
                }
                if let derivative = state.derivative {
                    let out = newSlot()
                    derivativeSlots.append(out)
                    items.append(Item(kind: .derivative, slot: out, node: node(derivative, bindings, at: state.location), label: "d/dt \(label(state.name, member))", location: state.location))
                }
            }
        }
    }

    func compileDefinitions(_ definitions: [ModelSource.Definition]) {
        for d in definitions {
            guard let entity = entities[d.name] else { continue }
            each(d.index) { member, bindings in
                guard let slot = entity.slots[member] else { return }
                items.append(Item(kind: d.kind == .let ? .let : .initial, slot: slot, node: node(d.expression, bindings, at: d.location), label: label(d.name, member), location: d.location))
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
                for entry in entries(row) where entry.column == c.column && entry.closure != c.name { others.append(entry.node) }
            }
            let total = others.dropFirst().reduce(others.first ?? .constant(0)) { .binary(.add, $0, $1) }
            // sign * x + total = 0
            let value: Node = c.sign > 0 ? .negate(total) : total
            items.append(Item(kind: .let, slot: entities[c.name]!.slots[""]!, node: value, label: c.name, location: c.location))
        }
    }

    func compileObservations() {
        for o in source.observations {
            guard let entity = entities[o.name] else { continue }
            items.append(Item(kind: .observation, slot: entity.slots[""]!, node: node(o.expression, [:], at: o.location), label: o.name, location: o.location))
        }
    }

    /// Orders `chosen` so each item follows what it reads; a cycle is an error naming it.
    func order(_ chosen: [Item]) -> [Item]? {
        var producer: [Int: Int] = [:]
        for (k, item) in chosen.enumerated() { producer[item.slot] = k }
        var state = [Int](repeating: 0, count: chosen.count)  // 0 new, 1 on the path, 2 done
        var result: [Item] = []
        var path: [Int] = []
        var failed = false
        func visit(_ k: Int) {
            if state[k] == 2 || failed { return }
            if state[k] == 1 {
                let cycle = path[path.firstIndex(of: k)!...].map { chosen[$0].label } + [chosen[k].label]
                error("algebraic loop: \(cycle.joined(separator: " -> ")); solve it by hand or make one of them a state", at: chosen[k].location)
                failed = true
                return
            }
            state[k] = 1
            path.append(k)
            for slot in chosen[k].node.slots.sorted() {
                if let p = producer[slot] { if p == k { visitSelf(k) } else { visit(p) } }
            }
            path.removeLast()
            state[k] = 2
            result.append(chosen[k])
        }
        func visitSelf(_ k: Int) {
            error("algebraic loop: \(chosen[k].label) is defined in terms of itself", at: chosen[k].location)
            failed = true
        }
        for k in chosen.indices { visit(k) }
        return failed ? nil : result
    }

    func build() throws -> CompiledModel {
        let initial = order(items.filter { $0.kind == .start || $0.kind == .initial || $0.kind == .let })
        let runtime = order(items.filter { $0.kind == .let })
        guard let initial, let runtime, !diagnostics.contains(where: { $0.severity == .error }) else { throw ModelFileError(diagnostics: sorted()) }
        // Parameters are constants of a compiled model: fold them, and everything computed from them alone;
        // then the t0 quantities, once the start program has computed them.
        var constants = Dictionary(uniqueKeysWithValues: parameterValues)
        var builder = TapeBuilder(firstFree: slotCount)
        for item in initial { builder.emit(item.node.folded(constants), into: item.slot) }
        let initialTape = builder.tape
        var values = [Double](repeating: 0, count: builder.next)
        for (slot, value) in parameterValues { values[slot] = value }
        for (slot, value) in builder.constantValues { values[slot] = value }
        values[0] = t0
        values.withUnsafeMutableBufferPointer { initialTape.run($0.baseAddress!, tables: knotData) }
        for item in items where item.kind == .initial {
            constants[item.slot] = values[item.slot]
            if !values[item.slot].isFinite {
                var names: [Int: String] = [:]
                for entity in entities.values { for (member, slot) in entity.slots { names[slot] = member.isEmpty ? entity.name : "\(entity.name)[\(member)]" } }
                let inputs = item.node.slots.compactMap { slot in names[slot].map { "\($0) = \(values[slot])" } }.sorted()
                error("the t0 quantity \(item.label) is \(values[item.slot]) with these parameters and start values; it must be finite (it reads \(inputs.joined(separator: ", ")))", at: item.location)
            }
        }
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
        builder.startProgram()
        for item in runtime where needed.contains(item.slot) { builder.emit(item.node.folded(constants), into: item.slot) }
        for item in derivatives { builder.emit(item.node.folded(constants), into: item.slot) }
        let rightHandSide = builder.tape
        builder.startProgram()
        for item in runtime where !needed.contains(item.slot) { builder.emit(item.node.folded(constants), into: item.slot) }
        for item in items where item.kind == .observation { builder.emit(item.node.folded(constants), into: item.slot) }
        let observations = builder.tape
        values += [Double](repeating: 0, count: builder.next - values.count)
        for (slot, value) in builder.constantValues { values[slot] = value }
        // The definitions that do not read the state, directly or through others: functions of time alone.
        var stateDependent = Set(stateSlots)
        for item in runtime + items.filter({ $0.kind == .observation }) {
            var reads = false
            item.node.visitSlots { reads = reads || stateDependent.contains($0) }
            if reads { stateDependent.insert(item.slot) }
        }
        stateFreeSlots = Set((runtime + items.filter { $0.kind == .observation }).map(\.slot)).subtracting(stateDependent)
        let initialState = stateSlots.map { values[$0] }
        for (k, value) in initialState.enumerated() where !value.isFinite {
            error("the start value of \(stateLabels[k]) is \(value)", at: items.first { $0.kind == .start && $0.slot == stateSlots[k] }?.location ?? SourceLocation(line: 1, column: 1))
        }
        guard !diagnostics.contains(where: { $0.severity == .error }) else { throw ModelFileError(diagnostics: sorted()) }
        return CompiledModel(compiler: self, values: values, rightHandSide: rightHandSide, observations: observations, initialState: initialState)
    }
}

/// The closest of `candidates` to `name` by edit distance, if close enough to be a likely typo.
public func nearest(_ name: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var row = [i + 1]
            for (j, y) in b.enumerated() { row.append(Swift.min(previous[j + 1] + 1, row[j] + 1, previous[j] + (x == y ? 0 : 1))) }
            previous = row
        }
        return previous[b.count]
    }
    let target = Array(name.lowercased())
    let best = candidates.map { ($0, distance(target, Array($0.lowercased()))) }.min { ($0.1, $0.0) < ($1.1, $1.0) }
    // A likely typo: fewer edits than letters, about one edit in three.
    guard let best, best.1 < name.count, best.1 * 3 <= name.count + 2, best.0 != name else { return nil }
    return best.0
}
