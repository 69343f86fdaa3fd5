import FlowModel
import Foundation
import Testing

@testable import ModelLanguage
@testable import Solvers

@Suite("The reverse-QE model as a file against the hand-written model")
struct ReverseQEFileTests {
    /// The largest difference of any state at any monthly point, relative to
    /// max(|hand-written|, 1), both solved with the same fixed steps of rk8pd
    /// (1/1200 year, inside the stability limit of the fastest price), so that
    /// only the right-hand sides can differ, not the steps an error control picks.
    static func difference(regime: FedRegime, parameters: [String: Double] = [:], scenario: Scenario = .baseline) throws -> Double {
        let changes = scenario.changes.map { ModelSettings.Change(parameter: $0.key, value: $0.value, start: $0.start, rampYears: $0.rampYears) }
        let file = try Models.compile("reverse-qe.sfc", ModelSettings(choices: ["regime": regime.rawValue], parameters: parameters, changes: changes))
        var p = ModelParameters()
        for (key, value) in parameters { try p.set(key, to: value) }
        let hand = try ReverseQEModel(parameters: p, regime: regime, scenario: scenario)
        #expect(file.tstops == hand.tstops)
        var options = SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10), saveAt: .interval(1.0 / 12))
        options.fixedStep = 1.0 / 1200
        options.maxSteps = 2_000_000
        let a = try solve(file.problem(), .rk8pd, options)
        let b = try solve(hand.problem, .rk8pd, options)
        #expect(a.isSuccessful && b.isSuccessful)
        #expect(a.t == b.t)
        // The file orders its state by declaration: the same order as the hand-written layout.
        #expect(file.stateNames.count == hand.layout.dimension)
        var worst = 0.0
        for k in 0..<b.count {
            let x = a.state(k), y = b.state(k)
            for i in x.indices { worst = max(worst, abs(x[i] - y[i]) / max(abs(y[i]), 1)) }
        }
        return worst
    }

    @Test("every regime's path agrees with the hand-written model to 1e-10", arguments: FedRegime.allCases)
    func regimes(_ regime: FedRegime) throws {
        let worst = try Self.difference(regime: regime)
        print("reverse-qe.sfc against FlowModel, \(regime): largest relative difference \(worst)")
        #expect(worst < 1e-12, "largest relative difference \(worst)")
    }

    @Test("a scenario of dated changes (a ramp and a step, as scenarios/tight.toml) agrees too", arguments: [FedRegime.none, .buyer])
    func scenario(_ regime: FedRegime) throws {
        let tight = Scenario(name: "tight", changes: [
            ParameterChange(key: "payout", value: 0.6, start: 2026.5, rampYears: 1), ParameterChange(key: "Nz", value: 0.05, start: 2027),
            ParameterChange(key: "payout", value: 0.5, start: 2028, rampYears: 0.5),
        ])
        let worst = try Self.difference(regime: regime, scenario: tight)
        print("reverse-qe.sfc against FlowModel, \(regime) with a scenario: largest relative difference \(worst)")
        #expect(worst < 1e-12, "largest relative difference \(worst)")
    }

    @Test("the no-AI-boom counterfactual (I1 = I0) agrees too")
    func counterfactual() throws {
        let worst = try Self.difference(regime: .none, parameters: ["I1": 0.25])
        print("reverse-qe.sfc against FlowModel, no AI boom: largest relative difference \(worst)")
        #expect(worst < 1e-12, "largest relative difference \(worst)")
    }
}

@Suite("The reverse-QE file solved as a researcher would")
struct ReverseQEAdaptiveTests {
    @Test("msbdf with the file's exact Jacobian and rk8pd agree with the hand-written model within their tolerance", arguments: [Stepper.msbdf, .rk8pd])
    func adaptive(_ stepper: Stepper) throws {
        let file = try Models.compile("reverse-qe.sfc")
        let hand = try ReverseQEModel()
        var options = SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10), saveAt: .interval(1.0 / 12))
        options.tstops = hand.tstops
        let a = try file.run(stepper, options: options).solution
        let b = try hand.run(stepper, options: options).solution
        var worst = 0.0
        for k in 0..<b.count { for (x, y) in zip(a.state(k), b.state(k)) { worst = max(worst, abs(x - y) / max(abs(y), 1)) } }
        print("reverse-qe.sfc against FlowModel, \(stepper) at 1e-10: largest relative difference \(worst); steps \(a.statistics.steps) against \(b.statistics.steps)")
        #expect(worst < 1e-7)
    }
}

@Suite("Keys of a model file's parameters")
struct CanonicalKeyTests {
    /// The keys of configurations, --set, scenarios, sweep specs and fit files.
    @Test("a key names a parameter by its name, name[member], or with a section prefix as configuration files write it", arguments: [
        ("alpha1", "alpha1"), ("theta", "theta"), ("household.alpha1", "alpha1"), ("beta[crypto]", "beta[crypto]"),
        ("risk.crypto.beta", "beta[crypto]"), ("capex.payout", "payout"),
    ] as [(String, String)])
    func known(_ given: String, _ expected: String) throws {
        let sim = try parseModel(Models.text("gl-sim.sfc"), file: "gl-sim.sfc")
        let qe = try parseModel(Models.text("reverse-qe.sfc"), file: "reverse-qe.sfc")
        #expect((sim.canonicalKey(given) ?? qe.canonicalKey(given)) == expected)
    }

    @Test("a key that names no parameter is nil: an unknown name, member or set, or an indexed parameter without its member", arguments: [
        "bogus", "beta[bitcoin]", "risk.bitcoin.beta", "bucket.crypto.beta", "beta", "a.b.c.d",
    ])
    func unknown(_ given: String) throws {
        let qe = try parseModel(Models.text("reverse-qe.sfc"), file: "reverse-qe.sfc")
        #expect(qe.canonicalKey(given) == nil)
        #expect(qe.canonicalKey("beta[bitcoin]", members: ["risk": ["bitcoin"]]) == "beta[bitcoin]")
    }
}
