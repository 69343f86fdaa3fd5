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
