import Application
import Experiments
import FileFormats
import FlowModel
import Foundation
import Solvers
import TestSupport
import Testing

/// The priced liquidity model, models/liquidity-priced.sfc with its fitted configuration.
@Suite("The priced liquidity model", .serialized)
struct PricedModelTests {
    static let file = Tool.root.appendingPathComponent("models/liquidity-priced.sfc").path
    static let config = Tool.root.appendingPathComponent("calibration/liquidity-priced.toml").path
    static let estimation = Tool.root.appendingPathComponent("calibration/estimate-liquidity-priced.toml").path
    static let regimes = ["none", "reserves", "buyer", "share"]
    /// The file and its fitted configuration, read once for every path.
    static let source = try! ModelFiles.source(file)
    static let settings = try! ModelFiles.settings(configuration: config, for: source)

    /// One regime's path from mid-2022 to 2060, with `changes` over the fitted parameters, by
    /// `stepper` at `tolerance` (the default: the command line's rk8pd at 1e-10).
    static func path(
        _ regime: String, _ changes: [String: Double] = [:], stepper: Stepper? = nil, tolerance: Double = 1e-10
    ) throws -> ModelSolution {
        var settings = Self.settings
        settings.end = 2060
        settings.parameters.merge(changes) { $1 }
        let comparison = try ChoiceComparison(source: Self.source, settings: settings, choice: "regime")
        let model = try compileModel(Self.source, settings: comparison.settings(ChoiceCase.Kind(option: regime)))
        var solve = comparison.solve
        if let stepper {
            solve.stepper = stepper
            solve.relativeTolerance = tolerance
            solve.absoluteTolerance = tolerance
        }
        return try solve.solve(model, label: regime)
    }

    /// The states a path must keep at or above zero, and the finite values of every series.
    static func check(_ path: ModelSolution, _ label: String) throws {
        for name in ["R", "RRP", "Lf", "DA"] {
            let series = try #require(path.series(name))
            #expect(series.allSatisfy { $0 >= -1e-6 }, "\(label): \(name) falls to \(series.min()!)")
        }
        for (column, series) in zip(path.columns, path.values) {
            #expect(series.allSatisfy { $0.isFinite }, "\(label): \(column.name) is not finite")
        }
        #expect(abs(path.t.last! - 2060) < 1e-9, "\(label) stops at \(path.t.last!)")
    }

    @Test("every regime runs to 2060 with finite values, reserves, the ON RRP and facility lending never below zero")
    func to2060() throws {
        for regime in Self.regimes { try Self.check(try Self.path(regime), regime) }
    }

    @Test(
        """
        200 draws of the estimated parameters from their priors (wider than the posterior), 50 a regime, run to \
        2060 (rkf45 at 1e-6) with finite values, reserves and the ON RRP never below zero
        """
    )
    func drawsTo2060() throws {
        let spec = try EstimationFile.read(Self.estimation, model: "liquidity_priced")
        let measurement = Set(spec.observables.flatMap { [$0.sdKey, $0.rhoKey] })
        let free = spec.parameters.filter { !measurement.contains($0.key) }
        var rng = SeededGenerator(seed: 23)
        for draw in 0..<200 {
            var values: [String: Double] = [:]
            for p in free { values[p.key] = p.prior.draw(lower: p.lower, upper: p.upper, using: &rng) }
            let regime = Self.regimes[draw % Self.regimes.count]
            let path = try Self.path(regime, values, stepper: .rkf45, tolerance: 1e-6)
            try Self.check(path, "draw \(draw) (\(regime))")
        }
    }

    @Test(
        """
        the ON RRP holds no more than $50B in any month in which repo pays more than the standing repo facility's \
        rate, in every regime; both matrices balance every second year and the Fed's balance sheet holds to 1e-9 \
        of its assets
        """
    )
    func noArbitrageAndAccounting() throws {
        for regime in Self.regimes {
            let path = try Self.path(regime)
            let rrp = try #require(path.series("RRP"))
            let sofr = try #require(path.series("sofr"))
            let srf = try #require(path.series("srf_rate"))
            for k in path.t.indices where sofr[k] > srf[k] {
                #expect(rrp[k] <= 0.05, "\(regime) at \(path.t[k]): ON RRP \(rrp[k]) $T with repo over the facility")
            }
            #expect(try #require(path.series("identity_share")).max()! < 1e-9, "\(regime)")
            let imbalances = matrixImbalances(path.model, path.solution, every: 24)
            #expect(imbalances.isEmpty, "\(regime): \(imbalances)")
        }
    }
}
