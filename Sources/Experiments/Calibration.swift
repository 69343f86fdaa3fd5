import RealModule
import Solvers

/// The model quantity a calibration target constrains, computed from a run
/// saved on a grid that contains every date named (a monthly grid from t0
/// contains every year start).
public enum TargetQuantity: Sendable, Equatable, CustomStringConvertible {
    /// A series at a date.
    case value(series: String, at: Double)
    /// `series(to) - series(from)`.
    case change(series: String, from: Double, to: Double)
    /// The largest saved value in [from, to].
    case maximum(series: String, from: Double, to: Double)
    /// The integral of `numerator` over [from, to] divided by that of
    /// `denominator` (trapezoid rule on the saved points).
    case ratioOfIntegrals(numerator: String, denominator: String, from: Double, to: Double)
    /// The integral of `series` over [from, to]: for a series that is a
    /// function of time alone (AI capex I), by Gauss-Legendre quadrature of
    /// that function, so the dates may precede t0; otherwise by the trapezoid
    /// rule on the saved points.
    case integral(series: String, from: Double, to: Double)
    /// Reported only: a figure the model has no quantity for.
    case notModelled(String)

    public var description: String {
        switch self {
        case .value(let s, let t): "\(s) at \(t)"
        case .change(let s, let a, let b): "\(s)(\(b)) - \(s)(\(a))"
        case .maximum(let s, let a, let b): "max of \(s) over [\(a), \(b)]"
        case .ratioOfIntegrals(let n, let d, let a, let b): "integral of \(n) / integral of \(d) over [\(a), \(b)]"
        case .integral(let s, let a, let b): "integral of \(s) over [\(a), \(b)]"
        case .notModelled(let why): "not modelled: \(why)"
        }
    }

    /// Whether the model computes it.
    public var isModelled: Bool {
        if case .notModelled = self { return false }
        return true
    }

    /// The first saved date the quantity reads (+infinity for a figure not modelled, and for an
    /// integral, which a function of time alone may take before the start).
    public var earliestSavedDate: Double {
        switch self {
        case .value(_, let t): t
        case .change(_, let a, _), .maximum(_, let a, _), .ratioOfIntegrals(_, _, let a, _): a
        case .integral, .notModelled: .infinity
        }
    }

    /// The series the quantity reads.
    public var seriesNames: [String] {
        switch self {
        case .value(let s, _), .change(let s, _, _), .maximum(let s, _, _), .integral(let s, _, _): [s]
        case .ratioOfIntegrals(let n, let d, _, _): [n, d]
        case .notModelled: []
        }
    }

    /// The dates the quantity reads a saved point at (none for a figure not modelled).
    public var dates: [Double] {
        switch self {
        case .value(_, let t): [t]
        case .change(_, let a, let b), .maximum(_, let a, let b), .ratioOfIntegrals(_, _, let a, let b),
            .integral(_, let a, let b):
            [a, b]
        case .notModelled: []
        }
    }

    /// The last date the quantity reads (-infinity for a figure not modelled).
    public var latestDate: Double { dates.last ?? -.infinity }
}

/// A figure the model should reproduce: its value, a tolerance band, a
/// weight (0: reported, not fitted) and its source.
public struct CalibrationTarget: Sendable, Equatable {
    public var id: String
    public var description: String
    public var quantity: TargetQuantity
    public var value: Double
    /// Half-width of the tolerance band: the model is inside when
    /// |model - value| <= band. Residuals are measured in bands.
    public var band: Double
    public var weight: Double
    public var source: String

    public init(
        id: String, description: String, quantity: TargetQuantity, value: Double, band: Double, weight: Double,
        source: String
    ) {
        self.id = id
        self.description = description
        self.quantity = quantity
        self.value = value
        self.band = band
        self.weight = weight
        self.source = source
    }
}

/// A parameter the fit may move, within bounds.
public struct FreeParameter: Sendable, Equatable {
    public var key: String
    public var lower: Double
    public var upper: Double

    public init(key: String, lower: Double, upper: Double) {
        self.key = key
        self.lower = lower
        self.upper = upper
    }
}

public enum CalibrationError: Error, Equatable, CustomStringConvertible {
    case unknownSeries(target: String, series: String)
    case dateNotSaved(target: String, date: Double)
    case invalidTarget(String)
    case invalidFreeParameter(String)

    public var description: String {
        switch self {
        case .unknownSeries(let target, let series): "target \(target): no series called \(series)"
        case .dateNotSaved(let target, let date): "target \(target): the run has no saved point at \(date)"
        case .invalidTarget(let detail): "invalid target: \(detail)"
        case .invalidFreeParameter(let detail): "invalid free parameter: \(detail)"
        }
    }
}

/// A solved path: its saved times and series (what a calibration reads its targets from, and what history is set
/// against).
public protocol SolvedPath {
    /// The saved times.
    var t: [Double] { get }
    /// The values of the series called `name`.
    func series(_ name: String) -> [Double]?
    /// The index of the saved point at `t`, if there is one.
    func index(at t: Double) -> Int?
    /// The series `name` as a function of time alone, valid before the start
    /// too; nil for a series that depends on the state.
    func timePath(_ name: String) -> (@Sendable (Double) -> Double)?
}

/// A model a calibration can move and solve: parameters by key, each with
/// the values it allows: a model file (``FileCalibrationModel``), or a model
/// of the caller's own.
public protocol CalibrationModel: Sendable {
    /// The option solved of the model's choice (the Fed regime), or `-`.
    var optionName: String { get }
    /// The value of the parameter `key`.
    func value(of key: String) throws -> Double
    /// Whether `value` is allowed for `key`, and the allowed values in words.
    func allows(_ value: Double, for key: String) throws -> (allowed: Bool, range: String)
    /// This model with the parameter `key` set to `value`.
    func setting(_ key: String, to value: Double) throws -> Self
    /// Solves up to `end` (a month after the start at least), saved monthly
    /// or at the model's own step and at each of `also` inside the span; a
    /// solve that does not finish throws.
    func solve(until end: Double, also: [Double], stepper: Stepper, tolerance: Double) throws -> any SolvedPath
    /// Solves up to the last of `times` (ascending), saved at each of them.
    func solve(at times: [Double], stepper: Stepper, tolerance: Double) throws -> any SolvedPath
    /// This model with its solved paths holding only the series `names` (what a likelihood reads), or
    /// itself when it cannot leave the others out.
    func reading(only names: Set<String>) -> Self
}

extension CalibrationModel {
    public func reading(only names: Set<String>) -> Self { self }
}

extension SolvedPath {
    /// The value of a target's quantity on this path.
    public func evaluate(_ target: CalibrationTarget) throws -> Double? {
        func column(_ name: String) throws -> [Double] {
            guard let values = series(name) else {
                throw CalibrationError.unknownSeries(target: target.id, series: name)
            }
            return values
        }
        func point(_ t: Double) throws -> Int {
            guard let k = index(at: t) else { throw CalibrationError.dateNotSaved(target: target.id, date: t) }
            return k
        }
        /// The trapezoid rule on the saved points from `a` to `b`.
        func trapezoid(_ v: [Double], _ a: Double, _ b: Double) throws -> Double {
            var total = 0.0
            for k in stride(from: try point(a) + 1, through: try point(b), by: 1) {
                total += 0.5 * (v[k] + v[k - 1]) * (t[k] - t[k - 1])
            }
            return total
        }
        switch target.quantity {
        case .value(let name, let t):
            return try column(name)[try point(t)]
        case .change(let name, let a, let b):
            let values = try column(name)
            return values[try point(b)] - values[try point(a)]
        case .maximum(let name, let a, let b):
            let values = try column(name)
            return values[try point(a)...(try point(b))].max()
        case .ratioOfIntegrals(let numerator, let denominator, let a, let b):
            return try trapezoid(try column(numerator), a, b) / trapezoid(try column(denominator), a, b)
        case .integral(let name, let a, let b):
            if let f = timePath(name) { return gaussLegendre(f, from: a, to: b) }
            return try trapezoid(try column(name), a, b)
        case .notModelled:
            return nil
        }
    }
}

/// The integral of `f` over [a, b]: five-point Gauss-Legendre on 64 panels a year (at least 16).
func gaussLegendre(_ f: (Double) -> Double, from a: Double, to b: Double) -> Double {
    let nodes = [0.0, -0.5384693101056831, 0.5384693101056831, -0.9061798459386640, 0.9061798459386640]
    let weights = [0.5688888888888889, 0.4786286704993665, 0.4786286704993665, 0.2369268850561891, 0.2369268850561891]
    let panels = max(16, Int((abs(b - a) * 64).rounded(.up)))
    let h = (b - a) / Double(panels)
    var total = 0.0
    for i in 0..<panels {
        let mid = a + (Double(i) + 0.5) * h
        for (x, w) in zip(nodes, weights) { total += w * f(mid + 0.5 * h * x) }
    }
    return 0.5 * h * total
}

/// A calibration: targets, free parameters and the base parameters they
/// start from, solved under one option of its choice.
public struct Calibration: Sendable {
    /// The model and the parameters the fit starts from.
    public var base: any CalibrationModel
    public var free: [FreeParameter]
    public var targets: [CalibrationTarget]
    /// The option of the model's choice every solve takes (the Fed regime).
    public var option: String { base.optionName }
    /// The stepper and tolerance (relative and absolute) of every solve.
    public var stepper: Stepper
    public var tolerance: Double
    /// Weight of the band penalty (default 0: none). When positive, each
    /// fitted target adds a second residual, `bandPenalty * max(|r| - 0.95, 0)`
    /// for its residual `r` in bands: zero well inside the band, steep
    /// outside, so the fit prefers a point inside every band when there is one.
    public var bandPenalty: Double = 0

    /// A calibration of `model` (its parameters are the fit's start).
    public init(
        model base: any CalibrationModel, free: [FreeParameter], targets: [CalibrationTarget],
        stepper: Stepper = .rk8pd, tolerance: Double = 1e-9
    ) throws {
        self.base = base
        self.free = free
        self.targets = targets
        self.stepper = stepper
        self.tolerance = tolerance
        for parameter in free {
            let start = try base.value(of: parameter.key)
            guard parameter.lower < parameter.upper, parameter.lower.isFinite, parameter.upper.isFinite else {
                throw CalibrationError.invalidFreeParameter(
                    "\(parameter.key): bounds [\(parameter.lower), \(parameter.upper)] must be finite and ascending")
            }
            let (lowerAllowed, range) = try base.allows(parameter.lower, for: parameter.key)
            guard lowerAllowed, try base.allows(parameter.upper, for: parameter.key).allowed else {
                throw CalibrationError.invalidFreeParameter(
                    """
                    \(parameter.key): bounds [\(parameter.lower), \(parameter.upper)] leave the allowed range \
                    (\(range))
                    """
                )
            }
            guard start >= parameter.lower, start <= parameter.upper else {
                throw CalibrationError.invalidFreeParameter(
                    """
                    \(parameter.key): the starting value \(start) must lie within [\(parameter.lower), \
                    \(parameter.upper)]
                    """
                )
            }
        }
        guard Set(free.map(\.key)).count == free.count else {
            throw CalibrationError.invalidFreeParameter("a key is listed twice")
        }
        for target in targets {
            guard target.band > 0, target.band.isFinite, target.weight >= 0, target.weight.isFinite,
                target.value.isFinite
            else {
                throw CalibrationError.invalidTarget(
                    "\(target.id): value and band must be finite, band > 0, weight >= 0")
            }
            guard target.quantity.isModelled || target.weight == 0 else {
                throw CalibrationError.invalidTarget(
                    "\(target.id): a figure the model does not compute must have weight 0")
            }
        }
    }

    /// `times` sorted, those within 1e-9 of the one before dropped.
    static func distinct(_ times: [Double]) -> [Double] {
        let sorted = times.sorted()
        return sorted.enumerated().filter { $0.offset == 0 || $0.element - sorted[$0.offset - 1] > 1e-9 }.map(
            \.element)
    }

    /// The fitted targets (weight > 0; all modelled).
    public var fitted: [CalibrationTarget] { targets.filter { $0.weight > 0 } }

    /// The model with the free parameters set to `values`.
    public func parameters(_ values: [Double]) throws -> any CalibrationModel {
        var model = base
        for (parameter, value) in zip(free, values) { model = try model.setting(parameter.key, to: value) }
        return model
    }

    /// The model's value of every target, nil for those not modelled, on a
    /// solve up to the last date any target needs.
    public func evaluate(_ model: any CalibrationModel) throws -> (run: any SolvedPath, values: [Double?]) {
        // Only the series the targets read are computed at the saved points; a date off the
        // model's saving grid (mid-month on a monthly grid) is saved too.
        let model = model.reading(only: Set(targets.flatMap(\.quantity.seriesNames)))
        let run = try model.solve(
            until: targets.map(\.quantity.latestDate).max() ?? -.infinity, also: targets.flatMap(\.quantity.dates),
            stepper: stepper, tolerance: tolerance)
        return (run, try targets.map { try run.evaluate($0) })
    }

    /// How many fitted targets are inside their bands, from the residuals
    /// the fit reports (``residuals(_:)``'s order: the fitted targets first).
    public func inside(residuals: [Double]) -> Int {
        zip(fitted, residuals).filter { abs($0.1) <= $0.0.weight.squareRoot() }.count
    }

    /// Weighted residuals in bands, sqrt(w) (model - value) / band, then
    /// with a band penalty each one's excess over 0.95 band, times the penalty.
    func residuals(_ values: [Double?]) -> [Double] {
        var r: [Double] = []
        var excess: [Double] = []
        for (target, value) in zip(targets, values) {
            guard target.weight > 0, let value else { continue }
            let inBands = (value - target.value) / target.band
            r.append(target.weight.squareRoot() * inBands)
            excess.append(bandPenalty * max(abs(inBands) - 0.95, 0))
        }
        return bandPenalty > 0 ? r + excess : r
    }

    /// Fits the free parameters by weighted least squares. A parameter the
    /// targets do not identify (see ``CalibrationFit/identified``) is then
    /// held at its starting value and the others are fitted again, so that
    /// no unidentified parameter drifts to wherever the fit left it.
    public func fit(_ options: LeastSquaresOptions = LeastSquaresOptions()) throws -> CalibrationFit {
        let first = try fitOnce(free, options)
        // Held in the second pass: parameters the targets do not identify (at
        // their start) and parameters that ended at a bound (at that bound),
        // so that the second pass works in the interior and converges.
        let atBound = free.indices.map { first.atBound($0) }
        let keep = free.indices.map { first.identified[$0] && !atBound[$0] }
        guard keep.contains(false), keep.contains(true) else { return first }
        var held = self
        for (j, parameter) in free.enumerated() where atBound[j] && first.identified[j] {
            held.base = try held.base.setting(
                parameter.key,
                to: first.freeValues[j] - parameter.lower < parameter.upper - first.freeValues[j]
                    ? parameter.lower : parameter.upper)
        }
        let second = try held.fitOnce(zip(free, keep).filter { $0.1 }.map(\.0), options)
        // Report every free parameter: the refitted ones, and the held ones at their start.
        var parameters: [Double] = []
        var errors: [Double] = []
        var identified: [Bool] = []
        var k = 0
        for (parameter, kept) in zip(free, keep) {
            if kept {
                parameters.append(second.solution.parameters[k])
                errors.append(second.solution.standardErrors[k])
                identified.append(second.identified[k])
                k += 1
            } else {
                parameters.append(try held.base.value(of: parameter.key))
                errors.append(.nan)
                identified.append(first.identified[parameters.count - 1])
            }
        }
        return CalibrationFit(
            calibration: self, solution: second.solution, parameters: second.parameters, values: second.values,
            fittedKeys: second.fittedKeys, freeValues: parameters, standardErrors: errors, identified: identified,
            firstPass: first.solution)
    }

    private func fitOnce(_ free: [FreeParameter], _ options: LeastSquaresOptions) throws -> CalibrationFit {
        var subset = self
        subset.free = free
        let calibration = subset
        // A start on a bound (as a previous fit may leave it) moves just inside.
        let initial = try free.map { parameter -> Double in
            let margin = 1e-3 * (parameter.upper - parameter.lower)
            return min(max(try base.value(of: parameter.key), parameter.lower + margin), parameter.upper - margin)
        }
        let problem = LeastSquaresProblem(
            initial: initial, lower: free.map(\.lower), upper: free.map(\.upper),
            residualCount: bandPenalty > 0 ? 2 * fitted.count : fitted.count
        ) { values, r in
            let (_, evaluated) = try calibration.evaluate(try calibration.parameters(values))
            r = calibration.residuals(evaluated)
        }
        let solution = try leastSquares(problem, options)
        let parameters = try subset.parameters(solution.parameters)
        let (_, values) = try evaluate(parameters)
        let errors = solution.standardErrors
        // Sensitivity: how much the weighted residuals move across a
        // parameter's whole range. Not identified: below 1e-3 of the largest.
        let n = fitted.count
        let p = free.count
        let sensitivity = (0..<p).map { j -> Double in
            let norm = (0..<n).reduce(0) { $0 + solution.jacobian[$1 * p + j] * solution.jacobian[$1 * p + j] }
                .squareRoot()
            return norm * (free[j].upper - free[j].lower)
        }
        let largest = sensitivity.max() ?? 0
        let identified = sensitivity.map { $0 >= 1e-3 * largest && largest > 0 }
        return CalibrationFit(
            calibration: self, solution: solution, parameters: parameters, values: values, fittedKeys: free.map(\.key),
            freeValues: solution.parameters, standardErrors: errors, identified: identified, firstPass: nil)
    }
}

/// The outcome of a fit: the parameters, every target's model value, and
/// the statistics of the free parameters.
public struct CalibrationFit: Sendable {
    public let calibration: Calibration
    /// The last least-squares solve (over the identified parameters).
    public let solution: LeastSquaresSolution
    /// The model with the fitted parameters.
    public let parameters: any CalibrationModel
    /// The model's value of each target (nil: not modelled).
    public let values: [Double?]
    /// The keys of the parameters the last solve moved (its columns).
    public let fittedKeys: [String]
    /// Per free parameter of the calibration: its value, standard error
    /// (NaN when not identified) and whether the targets identify it: moving
    /// it across its bounds moves the weighted residuals by at least 1e-3 of
    /// what the most influential parameter does.
    public let freeValues: [Double]
    public let standardErrors: [Double]
    public let identified: [Bool]
    /// The first solve, over every free parameter, when a second was needed.
    public let firstPass: LeastSquaresSolution?

    /// Each target's residual in bands (nil: not modelled).
    public var residualsInBands: [Double?] {
        zip(calibration.targets, values).map { target, value in value.map { ($0 - target.value) / target.band } }
    }

    /// The free parameters the targets do not identify.
    public var unidentified: [String] {
        zip(calibration.free, identified).filter { !$0.1 }.map(\.0.key)
    }

    /// Whether free parameter `j` is identified but only weakly: its standard
    /// error exceeds half the width of its bounds (typically a parameter
    /// strongly correlated with others; see ``correlation(_:_:)``).
    public func isWeak(_ j: Int) -> Bool {
        identified[j] && standardErrors[j].isFinite
            && standardErrors[j] >= 0.5 * (calibration.free[j].upper - calibration.free[j].lower)
    }

    /// Whether free parameter `j` ended within 0.1% of the width of a bound.
    public func atBound(_ j: Int) -> Bool {
        let parameter = calibration.free[j]
        let margin = 1e-3 * (parameter.upper - parameter.lower)
        return freeValues[j] - parameter.lower < margin || parameter.upper - freeValues[j] < margin
    }

    /// Correlation of free parameters `i` and `j` (NaN unless both were in the last solve).
    public func correlation(_ i: Int, _ j: Int) -> Double {
        guard let a = fittedKeys.firstIndex(of: calibration.free[i].key),
            let b = fittedKeys.firstIndex(of: calibration.free[j].key)
        else { return .nan }
        return solution.correlations[a * fittedKeys.count + b]
    }
}
