import Foundation
import Testing

@testable import Experiments
@testable import FlowModel
@testable import Solvers

@Suite("Historical decomposition")
struct DecompositionTests {
    /// x' = u + v and y = u v, with u and v tables that step up at 2021: x is additive in the
    /// drivers, y is not.
    static let source = try! parseModel(
        """
        model drivers "the decomposition tests' model"
        horizon 2020 to 2023 step 1/12 calendar
        table u unit "1" "first driver" = (2020, 1), (2021, 1), (2021.001, 3), (2030, 3)
        table v unit "1" "second driver" = (2020, 2), (2022, 2), (2022.001, 5), (2030, 5)
        parameter k = 1 unit "1" "a third driver"
        state x unit "1" "the additive state"
          start = 0
          d/dt = u + k * v
        let y = u * v unit "1" "the product"
        """, file: "drivers.sfc")

    @Test(
        "contributions add up to the path; additive effects are each driver's alone, an interaction is shared equally")
    func shapley() throws {
        let drivers = [
            Driver(name: "u", off: .holdTable("u")), Driver(name: "v", off: .holdTable("v")),
            Driver(name: "k", off: .parameters(["k": 0])),
        ]
        let d = try Decomposition(
            source: Self.source, settings: ModelSettings(), drivers: drivers, series: ["x", "y"],
            solve: SolveSettings(stepper: .rk8pd, relativeTolerance: 1e-12, absoluteTolerance: 1e-12))
        #expect(d.closure < 1e-12)
        let end = d.t.count - 1
        #expect(abs(d.t[end] - 2023) < 1e-9)
        // Every driver off: x' = u0 + 0 = 1, so x(2023) = 3; all on: x = int (u + v) = 7 + 9 = ... by pieces.
        #expect(abs(d.baseline[0][end] - 3) < 1e-6)
        // u's part of x: the integral of u - 1 from 2021 on, 2 x 2 = 4 (less the 0.001-year ramp's half).
        #expect(abs(d.contributions[0][0][end] - (4 - 0.001)) < 1e-6, "\(d.contributions[0][0][end])")
        // v's part needs k on: v's Shapley value is half of k = 1's effect on the v step, and k's the rest.
        // With k on, v adds 3 x (1 - 0.0005) over 2022-2023; k adds int v = 2 x 3 + 3 x 0.9995.
        let vStep = 3 * (1 - 0.0005)
        #expect(abs(d.contributions[0][1][end] - vStep / 2) < 1e-6, "\(d.contributions[0][1][end])")
        #expect(abs(d.contributions[0][2][end] - (6 + vStep / 2)) < 1e-6, "\(d.contributions[0][2][end])")
        // y = u v at the end: 15 on, 2 off; u and v each get their own step times the other's start
        // value plus half the interaction (3 - 1)(5 - 2) = 6; k moves nothing.
        #expect(abs(d.contributions[1][0][end] - (2 * 2 + 3)) < 1e-9)
        #expect(abs(d.contributions[1][1][end] - (1 * 3 + 3)) < 1e-9)
        #expect(d.contributions[1][2][end] == 0)
    }

    @Test("a table held at a value: u at 0 takes all of u out of x, 7 - 0.001 by 2023 (held at its start, 4 - 0.001)")
    func heldAtValue() throws {
        let d = try Decomposition(
            source: Self.source, settings: ModelSettings(),
            drivers: [Driver(name: "u", off: .holdTable("u", value: 0))],
            series: ["x"], solve: SolveSettings(stepper: .rk8pd, relativeTolerance: 1e-12, absoluteTolerance: 1e-12))
        let end = d.t.count - 1
        // x' = u + v: u is 1 to 2021 and 3 after (less the ramp's half): its integral is 1 + 2 x 3 - 0.001.
        #expect(abs(d.contributions[0][0][end] - (7 - 0.001)) < 1e-6, "\(d.contributions[0][0][end])")
    }

    @Test("too many drivers and a run that fails are refused, naming what")
    func refused() throws {
        let many = (0..<13).map { Driver(name: "k\($0)", off: .parameters(["k": Double($0)])) }
        #expect(
            throws: SolveSettings.Invalid(description: "a decomposition takes 1 to 12 drivers; 13 given")
        ) {
            try Decomposition(
                source: Self.source, settings: ModelSettings(), drivers: many, series: ["x"], solve: SolveSettings())
        }
        #expect(throws: SolveSettings.Invalid(description: "driver w: no table w")) {
            try Decomposition(
                source: Self.source, settings: ModelSettings(), drivers: [Driver(name: "w", off: .holdTable("w"))],
                series: ["x"], solve: SolveSettings())
        }
    }
}
