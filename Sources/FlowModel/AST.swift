/// An expression of the model language, with where it was written.
public indirect enum Expression: Sendable, Equatable {
    case number(Double)
    /// A name, optionally indexed by a member or a bound index variable: `x`, `p[j]`, `p[crypto]`.
    case name(String, index: String?, at: SourceLocation)
    case negate(Expression)
    /// `+ - * / ^`
    case binary(String, Expression, Expression)
    /// A function (`exp`, `softplus`, a table `rm(t)`) and its arguments.
    case call(String, [Expression], at: SourceLocation)
    /// `sum(k in S: e)` or `softmax(j in S: e)`.
    case reduce(String, variable: String, set: String, Expression, at: SourceLocation)
    /// `?x` in a matrix entry: x is solved so that the entry's column sums to zero.
    case closure(String, at: SourceLocation)
}

/// Where a definition applies: to a scalar, to every member of a set (bound
/// to a variable), or to one member.
public enum IndexSpec: Sendable, Equatable {
    case scalar
    case each(variable: String, set: String)
    case member(String)
}

/// The descriptive attributes a declaration may carry.
public struct Attributes: Sendable, Equatable {
    public var unit: String?
    public var meaning: String?
    public var source: String?
    public var role: String?
    public var range: ParameterRange?
}

/// The values a parameter may take: an interval, each end open or closed,
/// `inf` for no bound.
public struct ParameterRange: Sendable, Equatable, CustomStringConvertible {
    public var lower: Double, upper: Double
    public var lowerOpen: Bool, upperOpen: Bool

    public init(lower: Double, upper: Double, lowerOpen: Bool, upperOpen: Bool) {
        (self.lower, self.upper, self.lowerOpen, self.upperOpen) = (lower, upper, lowerOpen, upperOpen)
    }

    /// Every finite number.
    public static let any = ParameterRange(lower: -.infinity, upper: .infinity, lowerOpen: true, upperOpen: true)

    public func contains(_ x: Double) -> Bool {
        x.isFinite && (lowerOpen ? x > lower : x >= lower) && (upperOpen ? x < upper : x <= upper)
    }

    /// `in [0, 1]`, `> 0`, `>= 0`, `any finite number`.
    public var description: String {
        switch (lower.isFinite, upper.isFinite) {
        case (false, false): "any finite number"
        case (true, false): (lowerOpen ? "> " : ">= ") + Self.number(lower)
        case (false, true): (upperOpen ? "< " : "<= ") + Self.number(upper)
        case (true, true):
            "in " + (lowerOpen ? "(" : "[") + Self.number(lower) + ", " + Self.number(upper) + (upperOpen ? ")" : "]")
        }
    }

    static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
}

/// A model file as written.
public struct ModelSource: Sendable {
    /// The most points one run may save (a file's `step` over its horizon, or a command's span).
    public static let savedPointLimit = 1_000_000

    public struct Parameter: Sendable {
        public var name: String, index: IndexSpec, values: [Double], attributes: Attributes, location: SourceLocation
    }
    public struct Table: Sendable {
        public var name: String, knots: [(Double, Double)], attributes: Attributes, location: SourceLocation
    }
    public struct Definition: Sendable {
        public enum Kind: String, Sendable { case `let`, initial }
        public var kind: Kind, name: String, index: IndexSpec, expression: Expression, attributes: Attributes,
            location: SourceLocation
    }
    public struct State: Sendable {
        public var name: String, index: IndexSpec, start: Expression?, derivative: Expression?, attributes: Attributes,
            location: SourceLocation
    }
    public struct SetDeclaration: Sendable {
        public var name: String, members: [String], attributes: Attributes, location: SourceLocation
        /// Members' readable names, written as a string after each member; used in descriptions and charts.
        /// (An array, not a dictionary: the source's description, which fingerprints sweeps, must not vary by
        /// process.)
        public var labels: [(member: String, label: String)] = []

        /// The readable name of `member`: its label, or the member itself.
        public func label(of member: String) -> String { labels.first { $0.member == member }?.label ?? member }
    }
    public struct Option: Sendable {
        public var name: String, meaning: String?, definitions: [Definition], location: SourceLocation
    }
    public struct Choice: Sendable {
        public var name: String, meaning: String?, defaultOption: String, options: [Option], location: SourceLocation
    }
    public struct MatrixRow: Sendable {
        public var label: String, index: IndexSpec,
            entries: [(column: String, expression: Expression, location: SourceLocation)], target: Expression?,
            location: SourceLocation
    }
    public struct Matrix: Sendable {
        public var name: String, title: String?
        /// The unit of its entries (`unit "$T/yr"`), which the entries it solves (`?x`) take.
        public var unit: String?
        public var columns: [String], rows: [MatrixRow], location: SourceLocation
        /// A balance sheet: its rows hold along solutions (the redundant equation among them), not at any state.
        public var isStocks = false
    }
    public struct Summary: Sendable {
        public var kind: String, series: String, index: IndexSpec, level: Double?, label: String,
            location: SourceLocation
    }
    public struct Observation: Sendable {
        public var name: String, expression: Expression, attributes: Attributes, location: SourceLocation
    }

    public var file: String
    public var name = "model"
    public var title: String?
    public var horizon: (Double, Double)?
    public var saveStep: Double?
    /// Time is a decimal calendar year (`horizon ... calendar`): outputs carry dates.
    public var isCalendar = false
    public var sectors: [(code: String, name: String?)] = []
    public var sets: [SetDeclaration] = []
    public var parameters: [Parameter] = []
    public var tables: [Table] = []
    public var states: [State] = []
    public var definitions: [Definition] = []
    public var choices: [Choice] = []
    public var matrices: [Matrix] = []
    public var summaries: [Summary] = []
    public var observations: [Observation] = []
    /// Times the integrator must land on besides the tables' knots: kinks of
    /// the equations, as expressions of parameters, each kept only when its
    /// condition (if any) is not zero.
    public var stops: [(Expression, SourceLocation, condition: Expression?)] = []
}
