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
    public var seriesColumns: [SeriesColumn] {
        let names = layout.classNames
        func perClass(_ prefix: String, _ unit: String, _ text: String) -> [SeriesColumn] {
            names.map { SeriesColumn(name: "\(prefix)_\($0)", unit: unit, description: "\(text) (\($0))") }
        }
        var columns: [SeriesColumn] = [
            SeriesColumn(name: "B", unit: "$T", description: "Treasuries outstanding, par"),
            SeriesColumn(name: "Bf", unit: "$T", description: "Treasuries held by the Fed"),
            SeriesColumn(name: "Bs", unit: "$T", description: "Treasuries held by the sovereign funds"),
            SeriesColumn(name: "Bw", unit: "$T", description: "Treasuries held by the rest of world's AI exporters"),
            SeriesColumn(name: "Af", unit: "$T", description: "mortgage securities held by the Fed"),
            SeriesColumn(name: "Lo", unit: "$T", description: "bank loans owed to the monetary system"),
            SeriesColumn(name: "kb", unit: "1/yr", description: "average Treasury coupon"),
            SeriesColumn(name: "C", unit: "$T", description: "AI bonds outstanding, par"),
            SeriesColumn(name: "kc", unit: "1/yr", description: "average AI bond coupon"),
            SeriesColumn(name: "PC", unit: "$T", description: "AI private credit"),
            SeriesColumn(name: "K", unit: "$T", description: "AI capital"),
            SeriesColumn(name: "Z", unit: "$T", description: "sovereign funds' uncalled AI commitments"),
            SeriesColumn(name: "Ez", unit: "$T", description: "sovereign AI stakes at cost"),
            SeriesColumn(name: "Ms", unit: "$T", description: "sovereign funds' cash"),
            SeriesColumn(name: "Mw", unit: "$T", description: "rest of world's cash"),
            SeriesColumn(name: "Cb", unit: "$T", description: "private sector cash"),
            SeriesColumn(name: "rb", unit: "1/yr", description: "10-year Treasury yield"),
            SeriesColumn(name: "sc", unit: "1/yr", description: "AI credit spread over rb"),
        ]
        columns += perClass("p", "index, 1 at t0", "price")
        columns += perClass("qS", "$T at t0 prices", "units held by the sovereign funds")
        columns += [
            SeriesColumn(name: "I", unit: "$T/yr", description: "AI capex"),
            SeriesColumn(name: "OCF", unit: "$T/yr", description: "AI builders' operating cash flow"),
            SeriesColumn(name: "PD", unit: "$T/yr", description: "primary deficit"),
            SeriesColumn(name: "Y", unit: "$T/yr", description: "GDP"),
            SeriesColumn(name: "rm", unit: "1/yr", description: "policy rate"),
            SeriesColumn(name: "TGA", unit: "$T", description: "Treasury cash at the Fed"),
            SeriesColumn(name: "qt", unit: "$T/yr", description: "Fed runoff of Treasuries"),
            SeriesColumn(name: "Bp", unit: "$T", description: "Treasuries held by P"),
            SeriesColumn(name: "M", unit: "$T", description: "cash, Cb + TGA + Ms + Mw"),
            SeriesColumn(name: "L", unit: "$T", description: "idle cash: cash above what transactions need"),
            SeriesColumn(name: "V", unit: "$T", description: "P's allocated wealth"),
            SeriesColumn(name: "lambda_cash", unit: "share", description: "P's top-level share in idle cash"),
            SeriesColumn(name: "lambda_T", unit: "share", description: "P's top-level share in Treasuries"),
            SeriesColumn(name: "lambda_AI", unit: "share", description: "P's top-level share in AI credit"),
            SeriesColumn(name: "lambda_R", unit: "share", description: "P's top-level share in risk assets"),
        ]
        columns += perClass("omega", "share", "risk-bucket share")
        columns += perClass("qP", "$T at t0 prices", "units held by P")
        columns += [
            SeriesColumn(name: "Pc", unit: "per $ of par", description: "AI bond price"),
            SeriesColumn(name: "yc", unit: "1/yr", description: "AI bond yield, rb + sc"),
            SeriesColumn(name: "ypc", unit: "1/yr", description: "private-credit rate, rm + s_pc"),
            SeriesColumn(name: "Gap", unit: "$T/yr", description: "AI funding gap"),
            SeriesColumn(name: "CALL", unit: "$T/yr", description: "capital calls on the sovereign funds"),
            SeriesColumn(name: "Need", unit: "$T/yr", description: "funding need after calls, Gap - CALL"),
            SeriesColumn(name: "iss", unit: "$T/yr", description: "AI bond issuance"),
            SeriesColumn(name: "dPC", unit: "$T/yr", description: "net new AI private credit"),
            SeriesColumn(name: "ai_debt", unit: "$T", description: "AI builders' debt at par, C + PC"),
            SeriesColumn(name: "X", unit: "$T/yr", description: "AI surplus paid out to P once debt is nearly repaid (not in MODEL.md; 0 above debt_floor)"),
            SeriesColumn(name: "SELL", unit: "$T/yr", description: "sovereign asset sales, total"),
            SeriesColumn(name: "SELL_treasuries", unit: "$T/yr", description: "sovereign sales of Treasuries"),
        ]
        columns += perClass("SELL", "$T/yr", "sovereign sales")
        columns += [
            SeriesColumn(name: "fed_purchases", unit: "$T/yr", description: "Fed purchases of Treasuries beyond runoff"),
            SeriesColumn(name: "REMIT", unit: "$T/yr", description: "Fed remittances to the Treasury"),
            SeriesColumn(name: "ai_ig_share", unit: "share", description: "AI bonds' share of the USD IG index"),
        ]
        columns += perClass("drawdown", "share", "fall from the running peak of the price")
        columns.append(SeriesColumn(
            name: "identity_residual", unit: "$T",
            description: "redundant equation Cb + TGA + Ms + Mw - Bf - Af - Lo (0 when the accounting holds)"))
        return columns
    }

    /// Every series at every saved time of `solution`.
    func series(of solution: ODESolution) -> ([SeriesColumn], [[Double]]) {
        typealias X = StateLayout
        let columns = seriesColumns
        let m = layout.classCount
        var values = [[Double]](repeating: [], count: columns.count)
        var peaks = [Double](repeating: -Double.infinity, count: m)
        for k in 0..<solution.count {
            let t = solution.t[k]
            let y = solution.state(k)
            let (q, f, omega, sells) = snapshot(at: t, y)
            let p = parameters(at: t)
            let prices = (0..<m).map { Double.exp(y[layout.lnp($0)]) }
            for j in 0..<m { peaks[j] = max(peaks[j], prices[j]) }
            var row: [Double] = Array(y[0..<18])
            row += prices
            row += (0..<m).map { y[layout.qS($0)] }
            row += [q.I, q.OCF, q.PD, q.Y, q.rm, q.TGA, q.qt, q.Bp, q.M, q.L, q.V,
                    q.lambda_cash, q.lambda_T, q.lambda_AI, q.lambda_R]
            row += omega
            row += (0..<m).map { p.riskClasses[$0].value - y[layout.qS($0)] }
            row += [q.Pc, q.yc, q.ypc, q.Gap, q.CALL, q.Need, q.iss, f[Flow.dPC.rawValue], y[X.C] + y[X.PC], q.surplusPaidOut,
                    q.SELL, q.SELL_treasuries]
            row += sells
            let aiBonds = q.Pc * y[X.C]
            let indexRest = p.ig_rest0 * Double.exp(p.g_ig * (t - parameters.t0))
            row += [q.fedPurchases, q.REMIT, aiBonds / (aiBonds + indexRest)]
            row += (0..<m).map { 1 - prices[$0] / peaks[$0] }
            row.append(identityResidual(at: t, y))
            precondition(row.count == columns.count, "series row has \(row.count) values for \(columns.count) columns")
            for c in columns.indices { values[c].append(row[c]) }
        }
        return (columns, values)
    }
}
