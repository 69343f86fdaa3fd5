import Foundation
import Testing

@testable import FlowModel
@testable import Solvers

/// The end value of series `name`.
func end(_ run: ModelRun, _ name: String) -> Double { run.series(name)!.last! }

@Suite("Rest point and clearing")
struct RestPointTests {
    @Test("every market clears at t0", arguments: FedRegime.allCases)
    func marketsClear(_ regime: FedRegime) throws {
        let model = try ReverseQEModel(regime: regime)
        let dydt = model.derivatives(at: model.parameters.t0, model.initialState)
        let prices = [StateLayout.rb, StateLayout.sc] + (0..<model.layout.classCount).map(model.layout.lnp)
        for i in prices { #expect(abs(dydt[i]) < 1e-12, "\(model.layout.names[i]) moves at \(dydt[i]) per year") }
    }

    @Test("with every flow frozen at t0 the state does not move", arguments: FedRegime.allCases)
    func frozenFlows(_ regime: FedRegime) throws {
        let model = try ReverseQEModel(regime: regime, flowsFrozen: true)
        let run = try model.run()
        #expect(run.solution.returnCode == .success)
        let start = model.initialState
        for k in 0..<run.solution.count {
            for (i, (value, initial)) in zip(run.solution.state(k), start).enumerated() {
                #expect(abs(value - initial) <= 1e-10 * max(abs(initial), 1), "\(model.layout.names[i]) moved to \(value)")
            }
        }
    }
}

/// The qualitative results of MODEL.md section 5.
@Suite("What a correct implementation shows")
struct QualitativeTests {
    @Test("no buyer: idle cash falls, rb rises, crypto falls most, then longdur; cashflow ends above its start")
    func noBuyerOrdering() throws {
        let run = try ReverseQEModel(regime: .none).run()
        #expect(end(run, "L") < run.series("L")!.first!)
        #expect(end(run, "rb") > ModelParameters().rb0 + 0.01)
        let drawdowns = ["crypto", "longdur", "aiequity", "cashflow"].map { run.series("drawdown_\($0)")!.max()! }
        #expect(drawdowns[0] > drawdowns[1], "drawdowns \(drawdowns)")
        #expect(drawdowns[1] > drawdowns[2] && drawdowns[1] > drawdowns[3], "drawdowns \(drawdowns)")
        #expect(end(run, "p_crypto") < end(run, "p_longdur"))
        #expect(end(run, "p_cashflow") > 1)
    }

    @Test("buyer: rb stays near r_cap, Bf grows, every class ends above no buyer; reserves lies between")
    func buyerAboveNoBuyer() throws {
        let none = try ReverseQEModel(regime: .none).run()
        let reserves = try ReverseQEModel(regime: .reserves).run()
        let buyer = try ReverseQEModel(regime: .buyer).run()
        let rCap = ModelParameters().r_cap
        let rb = buyer.series("rb")!
        // After the first quarter the yield never exceeds the cap by more than 5 bp.
        for (t, value) in zip(buyer.t, rb) where t >= 2025.25 { #expect(value < rCap + 0.0005, "rb = \(value) at \(t)") }
        #expect(end(buyer, "Bf") > ModelParameters().Bf0 + 1)
        #expect(end(none, "Bf") < ModelParameters().Bf0)
        for name in ["crypto", "longdur", "aiequity", "cashflow"] {
            let low = end(none, "p_\(name)"), middle = end(reserves, "p_\(name)"), high = end(buyer, "p_\(name)")
            #expect(high > low, "\(name): buyer \(high), none \(low)")
            #expect(middle > low && middle < high, "\(name): none \(low), reserves \(middle), buyer \(high)")
        }
        #expect(none.series("rb")!.max()! > reserves.series("rb")!.max()!)
    }

    /// More commitments and more cash at the start: calls outrun cash in 2026.
    static func salesParameters() -> ModelParameters {
        var p = ModelParameters()
        p.Ms0 = 0.5
        p.Nz = 0.6
        return p
    }

    @Test("sovereign sales start when calls outrun cash and push crypto down first")
    func sovereignSales() throws {
        let p = Self.salesParameters()
        let model = try ReverseQEModel(parameters: p)
        var options = defaultModelOptions(for: model)
        options.events = [Event("calls outrun cash", direction: .rising, isTerminal: false) { _, y in
            p.h_s * p.c_z * y[StateLayout.Z] - y[StateLayout.Ms]
        }]
        let run = try model.run(.rk8pd, options: options)
        let start = try #require(run.solution.events.first?.time)
        #expect(start > 2026 && start < 2026.5, "calls outrun cash at \(start)")
        let sell = run.series("SELL")!
        for (t, value) in zip(run.t, sell) {
            if t < start - 0.1 { #expect(value < 0.005, "sales of \(value) at \(t), before calls outrun cash") }
            if t > start + 0.1 { #expect(value > 0.05, "sales of only \(value) at \(t)") }
        }
        var quiet = p
        quiet.k_sw = 0
        let noSales = try ReverseQEModel(parameters: quiet).run()
        // A year after sales begin: crypto has lost more to them than longdur.
        let k = try #require(run.t.firstIndex { $0 >= start + 1 })
        let cryptoHit = run.series("p_crypto")![k] / noSales.series("p_crypto")![k]
        let longdurHit = run.series("p_longdur")![k] / noSales.series("p_longdur")![k]
        #expect(cryptoHit < longdurHit && longdurHit < 1, "crypto \(cryptoHit), longdur \(longdurHit)")
    }

    @Test("the no-AI-boom counterfactual removes most of the crowding-out")
    func counterfactual() throws {
        let boom = try ReverseQEModel(regime: .none).run()
        let flat = try ReverseQEModel(regime: .none, scenario: .noAIBoom(ModelParameters())).run()
        #expect(flat.series("I")!.allSatisfy { abs($0 - ModelParameters().I0) < 1e-12 })
        #expect(end(flat, "p_crypto") > 2 * end(boom, "p_crypto"))
        #expect(end(flat, "p_longdur") > end(boom, "p_longdur"))
        #expect(flat.series("rb")!.max()! < boom.series("rb")!.max()! - 0.005)
        #expect(end(flat, "L") > end(boom, "L"))
    }

    /// Against rk8pd at 1e-12, each stepper at its tolerance: rk8pd, rkf45 and
    /// msbdf at 1e-10; bsimp, whose error estimate is optimistic on this model
    /// (5e-6 at 1e-10, 4e-8 at 1e-12, with steps of about a month), at 1e-12.
    @Test("explicit and implicit steppers agree on the default path", arguments: FedRegime.allCases)
    func steppersAgree(_ regime: FedRegime) throws {
        let model = try ReverseQEModel(regime: regime)
        func options(_ tolerance: Double, _ jacobian: JacobianStrategy = .forwardDifferences) -> SolverOptions {
            var options = defaultModelOptions(for: model)
            options.relativeTolerance = tolerance
            options.absoluteTolerance = .scalar(tolerance)
            options.jacobian = jacobian
            return options
        }
        let reference = try model.run(.rk8pd, options: options(1e-12))
        let cases: [(Stepper, SolverOptions)] = [
            (.rk8pd, options(1e-10)), (.rkf45, options(1e-10)), (.msbdf, options(1e-10)),
            (.bsimp, options(1e-12, .centralDifferences)),
        ]
        for (stepper, settings) in cases {
            let other = try model.run(stepper, options: settings)
            #expect(other.solution.returnCode == .success)
            #expect(other.t == reference.t)
            var worst = 0.0
            for k in 0..<reference.solution.count {
                for (a, b) in zip(reference.solution.state(k), other.solution.state(k)) {
                    // Stocks relative to their size; rates and log prices (a
                    // relative measure already) absolutely.
                    worst = max(worst, abs(a - b) / max(abs(a), 1))
                }
            }
            #expect(worst < 1e-6, "\(stepper) differs from the reference by \(worst)")
        }
    }
}

/// MODEL.md leaves open what happens once repayments exhaust AI debt; the
/// project's answer (`debt_floor`) must not touch any path where they do not.
@Suite("Debt floor (extension)")
struct DebtFloorTests {
    @Test("on the default paths the taper never acts: X = 0 and the path equals debt_floor = 0", arguments: FedRegime.allCases)
    func untouchedByDefault(_ regime: FedRegime) throws {
        let run = try ReverseQEModel(regime: regime).run()
        #expect(run.series("X")!.allSatisfy { $0 == 0 })
        #expect(run.series("C")!.min()! > 0.5 && run.series("PC")!.min()! > ModelParameters().debt_floor)
        var literal = ModelParameters()
        literal.debt_floor = 0
        let exact = try ReverseQEModel(parameters: literal, regime: regime).run()
        #expect(exact.solution.values == run.solution.values)
    }

    @Test("without the AI boom, debts fall toward zero but stay positive and the surplus goes to P")
    func counterfactualRepaysDebt() throws {
        let run = try ReverseQEModel(scenario: .noAIBoom(ModelParameters())).run()
        #expect(run.solution.returnCode == .success)
        let c = run.series("C")!, pc = run.series("PC")!, x = run.series("X")!
        #expect(c.min()! > 0 && pc.min()! > 0)
        #expect(pc.last! < 0.05 && x.last! > 0.1, "PC \(pc.last!), X \(x.last!)")
        #expect(run.largestRelativeIdentityResidual < 1e-8)
        let model = run.model
        let k = run.t.count - 1
        #expect(model.transactionsFlowMatrix(at: run.t[k], run.solution.state(k)).leaks(absolute: 0, relative: 1e-10) == [])
        // With the literal rule the same counterfactual breaks down: the log
        // of a vanishing AI debt market.
        var literal = ModelParameters()
        literal.debt_floor = 0
        var options = defaultModelOptions(for: run.model)
        options.maxSteps = 200_000
        let broken = try ReverseQEModel(parameters: literal, scenario: .noAIBoom(literal)).run(.rk8pd, options: options)
        #expect(!broken.solution.isSuccessful)
    }
}

@Suite("Expected cash rate (extension)")
struct ExpectedRateTests {
    /// The closed form on each linear piece of rm against GSL integrating
    /// d rme/dt = (rm - rme) / tau from rme(t0) = rm(t0), across the kinks
    /// of the history's rate path (hikes, then a plateau).
    @Test("rme in closed form follows d rme/dt = (rm - rme) / tau", arguments: [0.5, 5.6])
    func closedForm(tau: Double) throws {
        let rm = try KnotTable([(2022.0, 0.001), (2022.5, 0.016), (2023.5, 0.053), (2024.7, 0.053), (2025.0, 0.045)])
        let flat = try KnotTable([(2022.0, 0.0)])
        let t0 = 2022.5
        let paths = ExogenousPaths(rm: rm, TGA: flat, qt: flat, t0: t0, tau: tau)
        let problem = ODEProblem(initialState: [rm.value(at: t0)], timeSpan: (t0, 2026)) { t, y, dydt in
            dydt[0] = (rm.value(at: t) - y[0]) / tau
        }
        var options = SolverOptions(relativeTolerance: 1e-12, absoluteTolerance: 1e-14, saveAt: .interval(0.125))
        options.tstops = rm.times
        let solution = try solve(problem, .rk8pd, options)
        #expect(solution.isSuccessful)
        for (k, t) in solution.t.enumerated() {
            let closed = paths.values(at: t).rme
            #expect(abs(closed - solution.values[k]) < 1e-11, "t = \(t): closed form \(closed), integrated \(solution.values[k])")
        }
        // Lagging a rise, the expectation stays below the rate.
        #expect(paths.values(at: 2023.5).rme < 0.053 - 0.005)
    }

    @Test("with tau_rm = 0 the expected rate is rm itself")
    func off() throws {
        let p = ModelParameters()
        let paths = ExogenousPaths(rm: p.rm, TGA: p.TGA, qt: p.qt, t0: p.t0, tau: 0)
        for t in stride(from: 2025.0, through: 2032.0, by: 0.1) { #expect(paths.values(at: t).rme == paths.values(at: t).rm) }
    }
}
