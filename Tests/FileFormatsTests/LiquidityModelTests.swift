import Application
import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import TestSupport
import Testing

/// The default model, models/liquidity.sfc with its committed fit, solved in-process.
@Suite("The history-consistent model", .serialized)
struct LiquidityModelTests {
    static let file = Tool.root.appendingPathComponent("models/liquidity.sfc").path
    static let config = Tool.root.appendingPathComponent("calibration/liquidity.toml").path

    /// Every regime of the committed fit, from mid-2022 to 2032.
    static func comparison() throws -> ChoiceComparisonResult {
        let source = try ModelFiles.source(file)
        return try ChoiceComparison(
            source: source, settings: try ModelFiles.settings(configuration: config, for: source), choice: "regime"
        ).run()
    }

    @Test(
        """
        both matrices balance along every regime's path, and the Fed's balance sheet, the redundant equation, \
        holds to 1e-9 of its assets
        """
    )
    func accounting() throws {
        for solved in try Self.comparison().cases {
            let path = solved.solved
            #expect(try #require(path.series("identity_share")).max()! < 1e-9, "\(solved.kind.label)")
            let imbalances = matrixImbalances(path.model, path.solution, every: 12)
            #expect(imbalances.isEmpty, "\(solved.kind.label): \(imbalances)")
        }
    }

    @Test(
        """
        the regimes share the history to December 2025 and part after it as each regime says: reserves held, the \
        yield capped, scarcity and repo lending only without a buyer
        """
    )
    func regimes() throws {
        let result = try Self.comparison()
        func path(_ regime: String) throws -> ModelSolution { try #require(result.run(regime)).solved }
        let none = try path("none")
        let reserves = try path("reserves")
        let buyer = try path("buyer")
        let t = none.t
        let history = t.indices.filter { t[$0] <= 2025.9 }
        for other in [reserves, buyer, try path("share")] {
            for name in ["rb", "R", "RRP", "p_crypto"] {
                let a = try #require(none.series(name))
                let b = try #require(other.series(name))
                #expect(
                    history.allSatisfy { abs(a[$0] - b[$0]) <= 1e-9 * max(abs(a[$0]), 1) },
                    "\(name) differs before the policy switch")
            }
        }
        let after = t.indices.filter { t[$0] >= 2026.5 }
        let rTarget = try #require(reserves.model.parameter("R_target"))
        let rCap = try #require(buyer.model.parameter("r_cap"))
        #expect(
            after.allSatisfy { try! #require(reserves.series("R"))[$0] > rTarget - 0.4 },
            "reserve management keeps reserves near R_target")
        #expect(
            after.allSatisfy { try! #require(buyer.series("rb"))[$0] < rCap + 0.002 },
            "the buyer caps the 10-year near r_cap")
        // Without purchases reserves drain below ample and the standing repo facility lends them back at a spread.
        let rAmple = try #require(none.model.parameter("R_ample"))
        #expect(try #require(none.series("R")).last! < rAmple - 0.2)
        #expect(try #require(none.series("Lf")).last! > 0.5 && (try #require(buyer.series("Lf")).max()!) < 0.1)
        #expect(
            try #require(none.series("fs")).max()! > 5 * (try #require(buyer.series("fs")).max()!),
            "scarcity spreads only without a buyer")
        // Idle money is used up in 2025, as the ON RRP was.
        let below = try #require(none.summaries.first { $0.column == "below_L" }?.value)
        #expect(below > 2025.5 && below < 2026.0)
    }
}
