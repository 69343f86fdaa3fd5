import Foundation
import Solvers

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
    /// The stops as nodes over the parameters (time, condition), for a new parameter vector.
    var stopNodes: [(time: Node, condition: Node?)] = []

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
        diagnostics.append(
            ModelDiagnostic(file: source.file, location: location, severity: .warning, message: message))
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
    /// The most members a set may have, and state variables a model: beyond them the dense
    /// linear algebra of the implicit steppers (8 n^2 bytes a matrix) outgrows any machine.
    static let memberLimit = 10_000
    static let stateLimit = 5_000
    var expanded = 0

    /// Every name a reference could have meant, for "did you mean".
    var knownNames: [String] {
        Array(entities.keys) + Array(tables.keys) + Function.allCases.map(\.rawValue) + ["t", "t0", "t1"]
    }

    func unknown(_ name: String, at location: SourceLocation, what: String = "name") {
        var message = "unknown \(what) \(name)"
        if let near = nearest(name, in: what == "set" ? Array(sets.keys) : knownNames) {
            message += "; did you mean \(near)?"
        }
        error(message, at: location)
    }

    func declare(_ name: String, at location: SourceLocation) -> Bool {
        if Self.reserved.contains(name) || Function(rawValue: name) != nil {
            error("\(name) is a reserved word of the model language; choose another name", at: location)
            return false
        }
        if let other = entities[name] {
            error(
                "\(name) is defined twice (first as a \(other.kind.rawValue) at line \(other.location.line))",
                at: location)
            return false
        }
        if tables[name] != nil || sets[name] != nil {
            error("\(name) is defined twice (also a \(tables[name] != nil ? "table" : "set"))", at: location)
            return false
        }
        return true
    }

    /// The members a declaration covers: one unnamed member for a scalar.
    func members(of spec: IndexSpec, at location: SourceLocation, parameterStyle: Bool = false) -> (
        set: String?, members: [String]
    )? {
        switch spec {
        case .scalar: return (nil, [""])
        case .each(_, let set):
            guard let members = sets[set] else {
                unknown(set, at: location, what: "set")
                return nil
            }
            return (set, members)
        case .member(let name):
            if parameterStyle {
                guard let members = sets[name] else {
                    unknown(name, at: location, what: "set")
                    return nil
                }
                return (name, members)
            }
            let owners = sets.filter { $0.value.contains(name) }.map(\.key).sorted()
            guard owners.count == 1 else {
                error(
                    owners.isEmpty
                        ? "\(name) is not a member of any set"
                        : "\(name) is a member of \(owners.joined(separator: " and ")): define it with [j in SET]",
                    at: location)
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
        // Symbols: every name declared once, with its slots.
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
        try stopOnErrors()
        // Lowering and items: what each program computes.
        resolveStops()
        compileStates()
        compileDefinitions(definitions)
        compileClosures(closures)
        compileObservations()
        checkSummaries()
        warnUnusedParameters()
        try stopOnErrors()
        // Ordering and emission, then the matrices' balance at random states.
        let model = try build()
        let leaks = checkingMatrices ? model.checkMatrices() : []
        for leak in leaks { error(leak.message, at: leak.location) }
        try stopOnErrors()
        model.warnings = sorted()
        return model
    }

    /// Throws every error found so far, in file order.
    func stopOnErrors() throws {
        guard !diagnostics.contains(where: { $0.severity == .error }) else {
            throw ModelFileError(diagnostics: sorted())
        }
    }

    /// The stops of the file, each computed from parameters and numbers.
    func resolveStops() {
        let constants = Dictionary(uniqueKeysWithValues: parameterValues)
        for (expression, at, condition) in source.stops {
            let stop = (time: node(expression, [:], at: at), condition: condition.map { node($0, [:], at: at) })
            guard let (t, keep) = CompiledModel.stop(stop, constants: constants) else {
                error("a stop and its condition must be computed from parameters and numbers", at: at)
                continue
            }
            stopNodes.append(stop)
            if keep { stops.append(t) }
        }
    }

    /// Every summary names a series, indexed as the series is.
    func checkSummaries() {
        for summary in source.summaries {
            let kinds = ["end", "change", "peak", "drawdown", "below", "total"]
            if !kinds.contains(summary.kind) {
                error(
                    "unknown summary \(summary.kind); allowed: \(kinds.joined(separator: ", "))", at: summary.location)
            }
            guard let entity = entities[summary.series], [.state, .let, .observation].contains(entity.kind) else {
                unknown(summary.series, at: summary.location, what: "series")
                continue
            }
            switch summary.index {
            case .scalar where entity.set != nil:
                error(
                    """
                    \(summary.series) is indexed by \(entity.set!): summarise \(summary.series)[j in \
                    \(entity.set!)] or one member
                    """,
                    at: summary.location)
            case .each(_, let set) where set != entity.set:
                error("\(summary.series) is not indexed by \(set)", at: summary.location)
            case .member(let m) where entity.set == nil || !(sets[entity.set!] ?? []).contains(m):
                error("\(m) is not a member of what \(summary.series) is indexed by", at: summary.location)
            default: break
            }
        }
    }

    /// A parameter no definition reads, in any option of any choice, is worth a warning.
    func warnUnusedParameters() {
        // A parameter an option that was not chosen reads is used too.
        for choice in source.choices {
            for option in choice.options {
                for d in option.definitions { usedParameters.formUnion(d.expression.names) }
            }
        }
        for (name, entity) in entities where entity.kind == .parameter && !usedParameters.contains(name) {
            warning("parameter \(name) is never used", at: entity.location)
        }
    }

    func sorted() -> [ModelDiagnostic] {
        diagnostics.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
    }

    /// Per parameter slot, the dated changes after t0, in the order they start.
    var schedules: [Int: [Segment]] = [:]

    /// One dated change resolved: from `start` to `end` the value moves from `from` to `to`.
    struct Segment: Sendable, Hashable { var start: Double, end: Double, from: Double, to: Double }
}
