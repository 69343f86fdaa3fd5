import Foundation
import Testing

@testable import FlowModel
@testable import Solvers

@Suite("Accounting")
struct AccountingTests {
    @Test("both matrices balance to 1e-10 at t0", arguments: FedRegime.allCases)
    func balanceAtStart(_ regime: FedRegime) throws {
        let model = try ReverseQEModel(regime: regime)
        let t0 = model.parameters.t0
        #expect(model.balanceSheetMatrix(at: t0, model.initialState).leaks(absolute: 0, relative: 1e-10) == [])
        #expect(model.transactionsFlowMatrix(at: t0, model.initialState).leaks(absolute: 0, relative: 1e-10) == [])
    }

    /// The balance sheet's cash row is the integrated redundant equation, so
    /// its balance is set by the solver's tolerance: 1e-12 here.
    @Test("both matrices balance to 1e-10 along the default path", arguments: FedRegime.allCases)
    func balanceAlongPath(_ regime: FedRegime) throws {
        let model = try ReverseQEModel(regime: regime)
        var options = defaultModelOptions(for: model)
        options.relativeTolerance = 1e-12
        options.absoluteTolerance = .scalar(1e-12)
        let run = try model.run(.rk8pd, options: options)
        #expect(run.solution.returnCode == .success)
        for k in 0..<run.solution.count {
            let y = run.solution.state(k), t = run.t[k]
            let stocks = model.balanceSheetMatrix(at: t, y).leaks(absolute: 0, relative: 1e-10)
            let flows = model.transactionsFlowMatrix(at: t, y).leaks(absolute: 0, relative: 1e-10)
            #expect(stocks == [] && flows == [], "t = \(t): \(stocks + flows)")
        }
    }

    @Test("the redundant equation holds to 1e-8 of M", arguments: FedRegime.allCases, [Stepper.rk8pd, .msbdf])
    func redundantEquation(_ regime: FedRegime, _ stepper: Stepper) throws {
        let run = try ReverseQEModel(regime: regime).run(stepper)
        #expect(run.solution.returnCode == .success)
        let residual = run.series("identity_residual")!
        #expect(residual.first == 0)
        #expect(run.largestRelativeIdentityResidual < 1e-8, "largest \(run.largestRelativeIdentityResidual)")
    }

    @Test("a leak is named with its row or column and size")
    func validatorNamesTheLeak() throws {
        let model = try ReverseQEModel()
        var y = model.initialState
        y[StateLayout.Cb] += 0.25
        let leaks = model.balanceSheetMatrix(at: 2025, y).leaks()
        #expect(leaks.map(\.label) == ["cash", "net worth"])
        #expect(abs(leaks[0].sum - 0.25) < 1e-12)
        #expect(leaks[0].description == "row cash sums to \(leaks[0].sum), not 0.0: water is leaking by \(leaks[0].sum)")
    }

    /// The balancing items come from the matrix; MODEL.md writes them out.
    /// At an arbitrary state and time they must be the same numbers.
    @Test("the matrix closure reproduces MODEL.md's equations", arguments: FedRegime.allCases)
    func closureMatchesEquations(_ regime: FedRegime) throws {
        let model = try ReverseQEModel(regime: regime)
        let p = model.parameters
        var y = model.initialState
        y[StateLayout.Ms] = 0.05
        y[StateLayout.Bw] = 0.3
        y[StateLayout.Mw] = 0.2
        y[StateLayout.rb] = 0.051
        y[model.layout.lnp(0)] = -0.3
        let t = 2026.3
        let dydt = model.derivatives(at: t, y)
        let (q, f, _, sells) = model.snapshot(at: t, y)
        typealias X = StateLayout
        let I = p.capex(at: t)
        let OCF = p.ocf0 * exp(p.g_ocf * (t - p.t0))
        let PD = p.pd0 * exp(p.g_y * (t - p.t0))
        let dTGA = p.TGA.segment(at: t).slope
        let REMIT = y[X.kb] * y[X.Bf] + p.ra * y[X.Af]
        let dB = PD + y[X.kb] * y[X.B] - REMIT + dTGA
        #expect(abs(dydt[X.B] - dB) < 1e-13)
        let need = q.Gap - q.CALL
        #expect(abs(dydt[X.PC] - (1 - p.sigma_c) * need) < 1e-13)
        #expect(abs(dydt[X.Mw] - ((1 - p.phi_w) * p.mu_m * I + y[X.kb] * y[X.Bw])) < 1e-13)
        #expect(abs(dydt[X.Ms] - (p.Fs + y[X.kb] * y[X.Bs] - q.CALL + q.SELL)) < 1e-13)
        let Bp = y[X.B] - y[X.Bf] - y[X.Bs] - y[X.Bw]
        let dBp = dB - dydt[X.Bf] - dydt[X.Bs] - dydt[X.Bw]
        let riskSales = sells.reduce(0, +)
        #expect(abs(riskSales - (q.SELL - q.SELL_treasuries)) < 1e-13)
        let ypc = p.rm.value(at: t) + p.s_pc
        let dCb = (1 - p.mu_m) * I - (1 - p.payout) * OCF + PD + y[X.kb] * Bp + y[X.kc] * y[X.C] + ypc * y[X.PC]
            - p.ra * y[X.Af] - p.Fs - dBp - q.iss - dydt[X.PC] - (q.SELL - q.SELL_treasuries)
            + p.g_lo * y[X.Lo] - p.mbs_runoff
        #expect(abs(dydt[X.Cb] - dCb) < 1e-12, "closure \(dydt[X.Cb]) against MODEL.md \(dCb)")
        // The F column is the redundant equation in flow form: zero.
        let cashChange = dydt[X.Cb] + dTGA + dydt[X.Ms] + dydt[X.Mw]
        #expect(abs(cashChange - (dydt[X.Bf] + dydt[X.Af] + dydt[X.Lo])) < 1e-12)
        #expect(abs(f[Flow.dM.rawValue] - cashChange) < 1e-13)
    }

    @Test("the symbolic matrix is MODEL.md's")
    func symbolicMatrix() throws {
        let model = try ReverseQEModel()
        let symbolic = model.transactions.symbolic
        // MODEL.md's 16 rows, then the extension's (zero above debt_floor).
        #expect(model.transactions.rows.count == 17)
        #expect(model.transactions.rows[16].label == "AI surplus paid out")
        #expect(symbolic[16] == ["+X", "-X", "", "", "", ""])
        #expect(symbolic[0] == ["+(1-mu_m)*I", "-I", "", "", "", "+mu_m*I"])
        #expect(symbolic[9] == ["-dCb", "", "-dTGA", "+dM", "-dMs", "-dMw"])
        #expect(symbolic[11] == ["-dBp", "", "+dB", "-dBf", "-dBs", "-dBw"])
    }
}
