import Foundation
import Testing

@testable import FlowModel
@testable import Solvers

@Suite("Scenarios and parameters")
struct ScenarioTests {
    @Test("a step and a ramp change parameters from their dates, and the solver lands on those dates")
    func stepAndRamp() throws {
        let scenario = Scenario(name: "tighter", changes: [
            ParameterChange(key: "payout", value: 0.6, start: 2026.5),
            ParameterChange(key: "risk.crypto.beta", value: 3.0, start: 2027, rampYears: 2),
        ])
        let model = try ReverseQEModel(scenario: scenario)
        #expect(model.parameters(at: 2026.4).payout == 0.35)
        #expect(model.parameters(at: 2026.5).payout == 0.6)
        #expect(model.parameters(at: 2027).riskClasses[0].beta == 2.0)
        #expect(abs(model.parameters(at: 2028).riskClasses[0].beta - 2.5) < 1e-15)
        #expect(model.parameters(at: 2030).riskClasses[0].beta == 3.0)
        #expect([2026.5, 2027, 2029].allSatisfy(model.tstops.contains))
        let run = try model.run()
        #expect(run.solution.returnCode == .success)
        #expect(run.largestRelativeIdentityResidual < 1e-8)
        let baseline = try ReverseQEModel().run()
        // The same path (to solver tolerance: the extra landing dates change
        // the steps) before the first change, a different one after.
        let before = try #require(run.t.firstIndex { $0 >= 2026.4 })
        for (a, b) in zip(run.solution.state(before), baseline.solution.state(before)) {
            #expect(abs(a - b) <= 1e-8 * max(abs(a), 1))
        }
        #expect(abs(end(run, "p_crypto") / end(baseline, "p_crypto") - 1) > 0.01)
    }

    @Test("changes of the same parameter chain: each starts from the value the last one left")
    func chainedChanges() throws {
        let scenario = Scenario(name: "chain", changes: [
            ParameterChange(key: "Fs", value: 0.3, start: 2027, rampYears: 1),
            ParameterChange(key: "Fs", value: 0.0, start: 2026),
        ])
        let model = try ReverseQEModel(scenario: scenario)
        #expect(model.parameters(at: 2026.5).Fs == 0)
        #expect(abs(model.parameters(at: 2027.5).Fs - 0.15) < 1e-15)
        #expect(model.parameters(at: 2028.5).Fs == 0.3)
    }

    @Test("a change at t0 alters the start, initial conditions included")
    func changeAtStart() throws {
        let scenario = Scenario(name: "more cash", changes: [ParameterChange(key: "Cb0", value: 27, start: 2025)])
        let model = try ReverseQEModel(scenario: scenario)
        #expect(model.parameters.Cb0 == 27)
        #expect(model.initialState[StateLayout.Cb] == 27)
        #expect(model.balanceSheetMatrix(at: 2025, model.initialState).leaks(absolute: 0, relative: 1e-12) == [])
    }

    @Test("invalid scenarios and parameters are refused with what is allowed")
    func invalid() throws {
        #expect(throws: ModelError.invalidScenario("B0 is an initial condition; it can only change at or before t0 = 2025.0")) {
            try ReverseQEModel(scenario: Scenario(name: "x", changes: [ParameterChange(key: "B0", value: 30, start: 2026)]))
        }
        #expect(throws: ModelError.unknownParameter("beta")) {
            try ReverseQEModel(scenario: Scenario(name: "x", changes: [ParameterChange(key: "beta", value: 1, start: 2026)]))
        }
        #expect(throws: ModelError.invalidParameter(key: "payout", value: 1.5, allowed: "in [0, 1]")) {
            try ReverseQEModel(scenario: Scenario(name: "x", changes: [ParameterChange(key: "payout", value: 1.5, start: 2026)]))
        }
        #expect(throws: ModelError.invalidScenario("change of I1: start must be finite and the ramp length finite and >= 0")) {
            try ReverseQEModel(scenario: Scenario(name: "x", changes: [ParameterChange(key: "I1", value: 1, start: 2026, rampYears: -1)]))
        }
        var p = ModelParameters()
        #expect(throws: ModelError.invalidParameter(key: "sigma_c", value: -0.1, allowed: "in [0, 1]")) {
            try p.set("sigma_c", to: -0.1)
        }
        p.t1 = 2024
        #expect(throws: ModelError.invalidParameter(key: "t1", value: 2024, allowed: "> t0 = 2025.0")) { try p.validate() }
        #expect(throws: ModelError.invalidKnots("knot times must strictly ascend; 2025.0 follows 2026.0")) {
            try KnotTable([(2026, 0.04), (2025, 0.03)])
        }
        var duplicate = ModelParameters()
        duplicate.riskClasses[1].name = "crypto"
        #expect(throws: ModelError.invalidRiskClasses("the name crypto is used twice")) { try duplicate.validate() }
    }

    @Test("the catalog covers every parameter with unit and meaning, and reads and writes it")
    func catalog() throws {
        var p = ModelParameters()
        let catalog = p.catalog
        #expect(catalog.count == ModelParameters.scalarCatalog.count + 4 * ModelParameters.riskFields.count)
        #expect(Set(catalog.map(\.key)).count == catalog.count)
        #expect(catalog.allSatisfy { !$0.unit.isEmpty && !$0.meaning.isEmpty && !$0.source.isEmpty })
        try p.set("risk.longdur.D", to: 22)
        #expect(p.riskClasses[1].duration == 22)
        #expect(try p.value(of: "risk.longdur.D") == 22)
        try p.set("k_r", to: 40)
        #expect(p.k_r == 40)
    }

    @Test("knot tables interpolate linearly and hold their ends")
    func knots() throws {
        let table = try KnotTable([(2025, 0.8), (2025.5, 0.3), (2026, 0.3)])
        #expect(table.value(at: 2024) == 0.8)
        #expect(abs(table.value(at: 2025.25) - 0.55) < 1e-15)
        #expect(table.segment(at: 2025.25).slope == -1)
        #expect(table.segment(at: 2025.5).slope == 0)
        #expect(table.value(at: 2030) == 0.3)
    }
}

@Suite("Risk classes as a list")
struct RiskClassTests {
    static func classes(_ count: Int) -> [RiskClass] {
        let base = ModelParameters().riskClasses
        // Split each default class into count/4 equal parts with the same behaviour.
        let parts = count / base.count
        return base.flatMap { riskClass in
            (0..<parts).map { k in
                var part = riskClass
                part.name = parts == 1 ? riskClass.name : "\(riskClass.name)\(k)"
                part.value /= Double(parts)
                part.qS0 /= Double(parts)
                return part
            }
        }
    }

    /// Splitting a class into identical parts leaves the bucket shares of
    /// the whole unchanged, so prices and rates must match the four-class run.
    /// Sovereign sales are off: their weight H/(H + 0.01) is not scale-free,
    /// so splitting holdings would (rightly) change how sales are split.
    @Test("split classes reproduce the default path", arguments: [8, 16])
    func splitClasses(_ count: Int) throws {
        var four = ModelParameters()
        four.k_sw = 0
        var p = four
        p.riskClasses = Self.classes(count)
        let model = try ReverseQEModel(parameters: p)
        #expect(model.layout.dimension == 18 + 2 * count)
        let run = try model.run()
        let baseline = try ReverseQEModel(parameters: four).run()
        #expect(run.solution.returnCode == .success)
        #expect(abs(end(run, "rb") - end(baseline, "rb")) < 1e-8)
        #expect(abs(end(run, "p_crypto0") - end(baseline, "p_crypto")) < 1e-7 * end(baseline, "p_crypto"))
        #expect(run.largestRelativeIdentityResidual < 1e-8)
        #expect(model.balanceSheetMatrix(at: run.t.last!, run.solution.finalState).leaks(absolute: 0, relative: 1e-8) == [])
    }

    @Test("two classes of one's own run, clear and balance")
    func customClasses() throws {
        var p = ModelParameters()
        p.riskClasses = [
            RiskClass(name: "bitcoin", value: 2, duration: 35, beta: 2.5, gamma: 0, qS0: 0.1, wSell: 1),
            RiskClass(name: "value", value: 40, duration: 8, beta: 0.1, gamma: 0.1, qS0: 0, wSell: 0),
        ]
        let model = try ReverseQEModel(parameters: p)
        #expect(model.layout.names.suffix(4) == ["ln_p_bitcoin", "ln_p_value", "qS_bitcoin", "qS_value"])
        let dydt = model.derivatives(at: 2025, model.initialState)
        #expect(abs(dydt[model.layout.lnp(0)]) < 1e-12 && abs(dydt[model.layout.lnp(1)]) < 1e-12)
        let run = try model.run()
        #expect(run.solution.returnCode == .success)
        #expect(run.series("drawdown_bitcoin") != nil)
        #expect(run.largestRelativeIdentityResidual < 1e-8)
    }
}
