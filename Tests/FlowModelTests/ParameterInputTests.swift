import Foundation
import Testing

@testable import FlowModel
@testable import Solvers

/// Parameters are inputs of a compiled model (issue 25): a new parameter vector runs the setup
/// program again instead of the compiler, and must give what a compile with those values gives.
@Suite("Parameters as inputs of a compiled model")
struct ParameterInputTests {
    /// Every saved value of every series with msbdf and its exact Jacobian, and the initial state.
    static func path(_ model: CompiledModel) throws -> [[Double]] {
        var options = SolverOptions(
            relativeTolerance: 1e-9, absoluteTolerance: .scalar(1e-9), saveAt: .interval((model.t1 - model.t0) / 40))
        options.maxSteps = 200_000
        let (solution, series) = try model.run(.msbdf, options: options)
        #expect(solution.isSuccessful)
        return [model.initialState] + series
    }

    @Test(
        "a new parameter vector set on a compiled model gives a compile's series bit for bit",
        arguments: [
            ("reverse-qe.sfc", ["I1": 0.7, "payout": 0.5, "beta[crypto]": 2.5, "I0": 0.3]),
            // sigma_c_shift and t_data move the file's stops: the set model lands where a compile does.
            (
                "liquidity.sfc",
                ["I1": 0.6, "psi": 0.5, "k_mbs": 0.1, "Bf0": 6.0, "sigma_c_shift": -0.2, "t_data": 2025.5]
            ),
            ("gl-pc.sfc", ["alpha1": 0.55, "theta": 0.25]),
        ])
    func sameAsCompile(_ file: String, _ changes: [String: Double]) throws {
        let base = try Models.compile(file)
        var settings = ModelSettings()
        settings.parameters = changes
        let compiled = try Models.compile(file, settings)
        let set = try #require(base.setting(changes))
        #expect(set.initialState == compiled.initialState)
        #expect(set.tstops == compiled.tstops)
        #expect(try Self.path(set) == (try Self.path(compiled)))
        #expect(set.settings.parameters == changes)
        for (key, value) in changes { #expect(set.parameter(key) == value) }
        #expect(try Self.path(base) != (try Self.path(set)), "the values changed the path")
    }

    @Test("a key the file lacks, a value out of range or a start that is not finite needs a compile")
    func refused() throws {
        let base = try Models.compile("reverse-qe.sfc")
        #expect(base.setting(["nosuch": 1]) == nil)
        #expect(base.setting(["payout": 7]) == nil, "payout is a share")
        #expect(base.setting(["I0": 1e308]) == nil, "its t0 quantities are not finite")
        var settings = ModelSettings()
        settings.changes = [.init(parameter: "payout", value: 0.6, start: 2027)]
        let scheduled = try Models.compile("reverse-qe.sfc", settings)
        #expect(scheduled.setting(["payout": 0.5]) == nil, "payout has a dated change")
        #expect(scheduled.setting(["payout": scheduled.parameter("payout")!]) != nil, "its own value again")
        #expect(scheduled.setting(["I1": 0.7]) != nil)
    }

    /// Value numbering hands the setup program the slot of a start value or a t0 definition for an
    /// equal expression; the right-hand side must not read a hoisted part from a slot the state or a
    /// later program overwrites.
    @Test("a part hoisted from the right-hand side keeps its value when a start value computes the same")
    func hoistedSlots() throws {
        let model = try compileModel(
            """
            model m
            horizon 0 to 1
            parameter a = 2
            parameter b = 3
            state x
              start = a * b
              d/dt = a * b - x
            """, file: "m.sfc")
        let problem = model.problem()
        var dydt = [0.0]
        try [1.0].withUnsafeBufferPointer { y in
            try dydt.withUnsafeMutableBufferPointer { try problem.rightHandSide(0.5, y, $0) }
        }
        #expect(dydt == [5], "a * b - x at x = 1")
    }
}

@Suite("Only the series a likelihood reads")
struct OutputSubsetTests {
    @Test(
        "series(of:only:) gives the named columns of series(of:) bit for bit and leaves the others empty",
        arguments: [
            ("liquidity-priced.sfc", ["RRPONTSYD", "DGS10", "CBBTCUSD", "ACMTP10", "I"]),
            ("reverse-qe.sfc", ["rb", "p_crypto"]), ("gl-pc.sfc", ["Y"]),
        ])
    func subset(_ file: String, _ names: [String]) throws {
        let model = try Models.compile(file)
        var options = SolverOptions(
            relativeTolerance: 1e-8, absoluteTolerance: .scalar(1e-8), saveAt: .interval((model.t1 - model.t0) / 30))
        options.maxSteps = 200_000
        let (solution, all) = try model.run(.rkf45, options: options)
        let (again, some) = try model.run(.rkf45, options: options, only: Set(names))
        #expect(again.t == solution.t)
        for (c, column) in model.columns.enumerated() {
            if names.contains(column.name) {
                #expect(some[c] == all[c] && !all[c].isEmpty, "\(file): \(column.name)")
            } else {
                #expect(some[c].isEmpty, "\(file): \(column.name) was computed")
            }
        }
        // Fewer instructions than the whole program: the point of the subset.
        let wanted = Set(
            model.columns.indices.filter { names.contains(model.columns[$0].name) }.map {
                model.columnSlots[$0]
            })
        let pruned = model.outputProgram(for: Array(wanted)).instructions.count
        #expect(pruned < model.rightHandSide.instructions.count + model.observations.instructions.count)
    }

    @Test("a time path runs only what its series needs, with the whole program's values")
    func timePath() throws {
        let model = try Models.compile("liquidity-priced.sfc")
        let capex = try #require(model.timePath("I"))
        for t in [2022.0, 2024.3, 2026.7, 2031.0] {
            let v = model.values(at: t, state: model.initialState)
            let c = try #require(model.columns.firstIndex { $0.name == "I" })
            #expect(capex(t) == v[c], "I at \(t)")
        }
    }
}
