import Foundation

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
        a.choices == b.choices && a.parameters == b.parameters && a.start == b.start && a.end == b.end
            && a.changes == b.changes
            && a.sets == b.sets && a.tables.keys == b.tables.keys
            && a.tables.allSatisfy { key, knots in b.tables[key].map { $0.elementsEqual(knots) { $0 == $1 } } ?? false
            }
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
