import RealModule
import Solvers

/// The name, unit and meaning of one output series.
public struct SeriesColumn: Sendable, Equatable {
    public var name: String
    public var unit: String
    public var description: String
}

/// A solved path of the model: the solution and every named series at the
/// saved times.
public struct ModelRun: Sendable {
    public let model: ReverseQEModel
    public let solution: ODESolution
    /// The series, in output order.
    public let columns: [SeriesColumn]
    /// `values[column][k]` is column's value at `solution.t[k]`.
    public let values: [[Double]]

    /// The saved times (decimal years).
    public var t: [Double] { solution.t }

    /// The index of the saved point at `t` (within 1e-9 years), if there is one.
    public func index(at t: Double) -> Int? {
        solution.t.firstIndex { abs($0 - t) < 1e-9 }
    }

    /// The values of the series called `name`.
    public func series(_ name: String) -> [Double]? {
        columns.firstIndex { $0.name == name }.map { values[$0] }
    }

    /// The largest |identity_residual| relative to the cash stock M along the path.
    public var largestRelativeIdentityResidual: Double {
        let residual = series("identity_residual")!
        let cash = series("M")!
        return zip(residual, cash).map { abs($0) / $1 }.max() ?? 0
    }
}

/// Default solver settings for the model: monthly output and tolerances
/// that keep the redundant equation within 1e-8 of the cash stock.
public func defaultModelOptions(for model: ReverseQEModel, saveStep: Double = 1.0 / 12) -> SolverOptions {
    var options = SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10), saveAt: .interval(saveStep))
    options.tstops = model.tstops
    return options
}

extension ReverseQEModel {
    /// Solves the model and derives its series. The model's tstops are added
    /// to `options`, so the integrator lands on every knot and change date.
    public func run(_ stepper: Stepper = .rk8pd, options: SolverOptions? = nil) throws -> ModelRun {
        var settings = options ?? defaultModelOptions(for: self)
        settings.tstops = Array(Set(settings.tstops + tstops)).sorted()
        let solution = try solve(problem, stepper, settings)
        let (columns, values) = series(of: solution)
        return ModelRun(model: self, solution: solution, columns: columns, values: values)
    }

    /// The output columns: the state (prices as levels, `p_j`), then the
    /// exogenous inputs, then derived quantities, as MODEL.md names them.
    public var seriesColumns: [SeriesColumn] { seriesRegistry.map(\.column) }

    /// The registry of output series: each column's name, unit and meaning
    /// with how its value is computed at a saved point, in output order.
    var seriesRegistry: [SeriesDefinition] {
        typealias X = StateLayout
        let names = layout.classNames
        let layout = layout
        func one(_ name: String, _ unit: String, _ text: String, _ value: @escaping @Sendable (SeriesPoint) -> Double) -> [SeriesDefinition] {
            [SeriesDefinition(column: SeriesColumn(name: name, unit: unit, description: text), value: value)]
        }
        func state(_ index: Int, _ name: String, _ unit: String, _ text: String) -> [SeriesDefinition] {
            one(name, unit, text) { $0.y[index] }
        }
        func perClass(_ prefix: String, _ unit: String, _ text: String, _ value: @escaping @Sendable (SeriesPoint, Int) -> Double)
            -> [SeriesDefinition]
        {
            names.enumerated().flatMap { j, name in one("\(prefix)_\(name)", unit, "\(text) (\(name))") { value($0, j) } }
        }
        var series = state(X.B, "B", "$T", "Treasuries outstanding, par")
        series += state(X.Bf, "Bf", "$T", "Treasuries held by the Fed")
        series += state(X.Bs, "Bs", "$T", "Treasuries held by the sovereign funds")
        series += state(X.Bw, "Bw", "$T", "Treasuries held by the rest of world's AI exporters")
        series += state(X.Af, "Af", "$T", "mortgage securities held by the Fed")
        series += state(X.Lo, "Lo", "$T", "bank loans owed to the monetary system")
        series += state(X.kb, "kb", "1/yr", "average Treasury coupon")
        series += state(X.C, "C", "$T", "AI bonds outstanding, par")
        series += state(X.kc, "kc", "1/yr", "average AI bond coupon")
        series += state(X.PC, "PC", "$T", "AI private credit")
        series += state(X.K, "K", "$T", "AI capital")
        series += state(X.Z, "Z", "$T", "sovereign funds' uncalled AI commitments")
        series += state(X.Ez, "Ez", "$T", "sovereign AI stakes at cost")
        series += state(X.Ms, "Ms", "$T", "sovereign funds' cash")
        series += state(X.Mw, "Mw", "$T", "rest of world's cash")
        series += state(X.Cb, "Cb", "$T", "private sector cash")
        series += state(X.rb, "rb", "1/yr", "10-year Treasury yield")
        series += state(X.sc, "sc", "1/yr", "AI credit spread over rb")
        series += perClass("p", "index, 1 at t0", "price") { $0.prices[$1] }
        series += perClass("qS", "$T at t0 prices", "units held by the sovereign funds") { point, j in point.y[layout.qS(j)] }
        series += one("I", "$T/yr", "AI capex") { $0.q.I }
        series += one("OCF", "$T/yr", "AI builders' operating cash flow") { $0.q.OCF }
        series += one("PD", "$T/yr", "primary deficit") { $0.q.PD }
        series += one("Y", "$T/yr", "GDP") { $0.q.Y }
        series += one("rm", "1/yr", "policy rate") { $0.q.rm }
        series += one("TGA", "$T", "Treasury cash at the Fed") { $0.q.TGA }
        series += one("qt", "$T/yr", "Fed runoff of Treasuries") { $0.q.qt }
        series += one("Bp", "$T", "Treasuries held by P") { $0.q.Bp }
        series += one("M", "$T", "cash, Cb + TGA + Ms + Mw") { $0.q.M }
        series += one("L", "$T", "idle cash: cash above what transactions need") { $0.q.L }
        series += one("V", "$T", "P's allocated wealth") { $0.q.V }
        series += one("lambda_cash", "share", "P's top-level share in idle cash") { $0.q.lambda_cash }
        series += one("lambda_T", "share", "P's top-level share in Treasuries") { $0.q.lambda_T }
        series += one("lambda_AI", "share", "P's top-level share in AI credit") { $0.q.lambda_AI }
        series += one("lambda_R", "share", "P's top-level share in risk assets") { $0.q.lambda_R }
        series += perClass("omega", "share", "risk-bucket share") { $0.omega[$1] }
        series += perClass("qP", "$T at t0 prices", "units held by P") { point, j in
            point.parameters.riskClasses[j].value - point.y[layout.qS(j)]
        }
        series += one("Pc", "per $ of par", "AI bond price") { $0.q.Pc }
        series += one("yc", "1/yr", "AI bond yield, rb + sc") { $0.q.yc }
        series += one("ypc", "1/yr", "private-credit rate, rm + s_pc") { $0.q.ypc }
        series += one("Gap", "$T/yr", "AI funding gap") { $0.q.Gap }
        series += one("CALL", "$T/yr", "capital calls on the sovereign funds") { $0.q.CALL }
        series += one("Need", "$T/yr", "funding need after calls, Gap - CALL") { $0.q.Need }
        series += one("iss", "$T/yr", "AI bond issuance") { $0.q.iss }
        series += one("dPC", "$T/yr", "net new AI private credit") { $0.flows[Flow.dPC.rawValue] }
        series += one("ai_debt", "$T", "AI builders' debt at par, C + PC") { $0.y[X.C] + $0.y[X.PC] }
        series += one("X", "$T/yr", "AI surplus paid out to P once debt is nearly repaid (not in MODEL.md; 0 above debt_floor)") {
            $0.q.surplusPaidOut
        }
        series += one("SELL", "$T/yr", "sovereign asset sales, total") { $0.q.SELL }
        series += one("SELL_treasuries", "$T/yr", "sovereign sales of Treasuries") { $0.q.SELL_treasuries }
        series += perClass("SELL", "$T/yr", "sovereign sales") { $0.sells[$1] }
        series += one("fed_purchases", "$T/yr", "Fed purchases of Treasuries beyond runoff") { $0.q.fedPurchases }
        series += one("REMIT", "$T/yr", "Fed remittances to the Treasury") { $0.q.REMIT }
        let t0 = parameters.t0
        series += one("ai_ig_share", "share", "AI bonds' share of the USD IG index") { point in
            let aiBonds = point.q.Pc * point.y[X.C]
            let indexRest = point.parameters.ig_rest0 * Double.exp(point.parameters.g_ig * (point.t - t0))
            return aiBonds / (aiBonds + indexRest)
        }
        series += perClass("drawdown", "share", "fall from the running peak of the price") { 1 - $0.prices[$1] / $0.peaks[$1] }
        series += one("identity_residual", "$T", "redundant equation Cb + TGA + Ms + Mw - Bf - Af - Lo (0 when the accounting holds)") {
            $0.identityResidual
        }
        return series
    }

    /// Every series at every saved time of `solution`.
    func series(of solution: ODESolution) -> ([SeriesColumn], [[Double]]) {
        let registry = seriesRegistry
        let m = layout.classCount
        var values = [[Double]](repeating: [], count: registry.count)
        var peaks = [Double](repeating: -Double.infinity, count: m)
        for k in 0..<solution.count {
            let t = solution.t[k]
            let y = solution.state(k)
            let (q, f, omega, sells) = snapshot(at: t, y)
            let prices = (0..<m).map { Double.exp(y[layout.lnp($0)]) }
            for j in 0..<m { peaks[j] = max(peaks[j], prices[j]) }
            let point = SeriesPoint(
                t: t, y: y, q: q, flows: f, omega: omega, sells: sells, parameters: parameters(at: t), prices: prices, peaks: peaks,
                identityResidual: identityResidual(at: t, y))
            for (c, definition) in registry.enumerated() { values[c].append(definition.value(point)) }
        }
        return (registry.map(\.column), values)
    }
}

/// Everything a series may be computed from at one saved point.
struct SeriesPoint {
    let t: Double
    let y: [Double]
    let q: Quantities
    let flows: [Double], omega: [Double], sells: [Double]
    /// The parameters in force at t.
    let parameters: ModelParameters
    /// Each class's price, and its running peak up to t.
    let prices: [Double], peaks: [Double]
    let identityResidual: Double
}

/// One output series: its column and how its value is computed.
struct SeriesDefinition: Sendable {
    let column: SeriesColumn
    let value: @Sendable (SeriesPoint) -> Double
}
