import Foundation
import Testing

@testable import Experiments
@testable import FlowModel
@testable import Solvers

/// A store that keeps every run in memory: any type can be an ensemble's store.
final class MemoryStore: EnsembleResultStore, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var runs: [EnsembleRun] = []
    func record(_ run: EnsembleRun) throws { lock.withLock { runs.append(run) } }
}

/// A thread-safe count.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}

/// A store whose disk is full after `capacity` runs.
final class FullStore: EnsembleResultStore, @unchecked Sendable {
    struct DiskFull: Error {}
    private let lock = NSLock()
    private var left: Int
    init(capacity: Int) { left = capacity }
    func record(_ run: EnsembleRun) throws {
        try lock.withLock {
            guard left > 0 else { throw DiskFull() }
            left -= 1
        }
    }
}

@Suite("Workflows as values")
struct WorkflowValueTests {
    @Test("a comparison returns the file's summaries per case; a counterfactual is a field of its case")
    func comparison() throws {
        let comparison = try ChoiceComparison(
            source: ReverseQE.source, choice: "regime", options: ["none", "buyer"], counterfactual: true)
        #expect(comparison.cases.map(\.label) == ["none", "none/no_ai_boom", "buyer", "buyer/no_ai_boom"])
        var started: [String] = []
        let result = try comparison.run(starting: { index, kind in started.append("\(index) \(kind.label)") })
        #expect(started == ["0 none", "1 none/no_ai_boom", "2 buyer", "3 buyer/no_ai_boom"])
        #expect(result.main.map(\.kind.option) == ["none", "buyer"])
        let none = try #require(result.run("none"))
        let flat = try #require(result.run("none", counterfactual: true))
        #expect(flat.solved.model.settings.choices == ["regime": "none", "counterfactual": "no_ai_boom"])
        func value(_ c: ChoiceCase, _ column: String) -> Double { c.summaries.first { $0.column == column }!.value! }
        // MODEL.md section 5: the buyer caps the yield; the boom drives crypto's drawdown.
        #expect(value(result.run("buyer")!, "peak_rb") < value(none, "peak_rb"))
        #expect(result.attribution.map(\.option) == ["none", "buyer"])
        #expect(value(none, "drawdown_p_crypto") > value(flat, "drawdown_p_crypto"))
        // Every summary the file declares, in its order, members expanded.
        #expect(
            none.summaries.map(\.column).prefix(5) == [
                "end_p_crypto", "end_p_longdur", "end_p_aiequity", "end_p_cashflow", "drawdown_p_crypto",
            ])
        #expect(none.summaries.count == 2 * 4 + 7)
    }

    @Test("a solve that stops names the run, time, return code and variable")
    func solveFailure() throws {
        var settings = SolveSettings(stepper: .rk8pd)
        settings.maxSteps = 50
        let model = try compileModel(ReverseQE.source)
        let error = #expect(throws: SolveFailure.self) { try settings.solve(model, label: "regime none") }
        #expect(error?.returnCode == .stepBudgetExhausted)
        #expect(error?.description.hasPrefix("regime none: the solver (rk8pd) stopped at t = 2025.") == true)
        #expect(error?.description.contains("with stepBudgetExhausted") == true)
    }

    @Test("an ensemble streams each run to any store, and the analyses come from the runs in memory")
    func ensembleInMemory() throws {
        let spec = EnsembleSpec(
            name: "grid", design: .grid,
            parameters: [
                SweptParameter(key: "I1", distribution: .values([0.6, 0.95])),
                SweptParameter(key: "payout", distribution: .values([0.35, 1.5])),
            ],
            options: ["none", "buyer"], pathSeries: ["rb"], pathDates: [2026, 2032])
        let ensemble = Ensemble(
            spec, model: try FileEnsembleModel(source: ReverseQE.source, settings: ModelSettings(), choice: "regime"))
        #expect(ensemble.points == [[0.6, 0.35], [0.6, 1.5], [0.95, 0.35], [0.95, 1.5]])
        #expect(try ensemble.runs(shard: 2, of: 3) == [RunID(run: 1, option: "none"), RunID(run: 1, option: "buyer")])
        #expect(throws: EnsembleError.invalidShard(index: 4, count: 3)) { try ensemble.runs(shard: 4, of: 3) }
        #expect(throws: EnsembleError.invalidShard(index: 1, count: 0)) { try ensemble.runs(shard: 1, of: 0) }
        let store = MemoryStore()
        let analysis = EnsembleAnalysis(ensemble)
        try ensemble.run(try ensemble.runs(), jobs: 2, into: store) { analysis.add($0) }
        #expect(store.runs.count == 8)
        #expect(store.runs.map(\.id).sorted() == (try ensemble.runs()).sorted())
        #expect(store.runs.allSatisfy(ensemble.contains))
        #expect(analysis.statusCounts == ["success": 4, "invalid": 4])
        let invalid = store.runs.filter { $0.status == .invalid }
        #expect(
            invalid.allSatisfy {
                $0.outcomes == nil && $0.message == "parameter payout = 1.5 is out of range; allowed: in [0, 1]"
            }, "\(invalid.map(\.message))")
        let good = store.runs.filter { $0.status == .success }
        let residual = try #require(ensemble.model.outcomeColumns.firstIndex(of: "peak_identity_share"))
        #expect(good.allSatisfy { $0.paths.count == 2 && $0.outcomes![residual]! < 1e-8 })
        #expect(analysis.largestIdentityResidual == nil)
        // Fan bands: the median of two runs is their mean; rows ordered by regime, series and date.
        let fan = analysis.fan()
        #expect(fan.map { "\($0.option) \($0.t)" } == ["buyer 2026.0", "buyer 2032.0", "none 2026.0", "none 2032.0"])
        let rb = good.filter { $0.id.option == "none" }.map { $0.paths.first { $0.t == 2032 }!.value }
        #expect(fan[3].runs == 2 && fan[3].quantiles[2] == rb.min()! + 0.5 * (rb.max()! - rb.min()!))
    }

    @Test("a store that fails stops the ensemble with its error")
    func storeFailure() throws {
        let ensemble = Ensemble(
            EnsembleSpec(
                name: "r", design: .random(draws: 20, seed: 1),
                parameters: [SweptParameter(key: "I1", distribution: .uniform(lower: 0.5, upper: 1))]),
            model: try FileEnsembleModel(source: ReverseQE.source, settings: ModelSettings(), choice: "regime"))
        let finished = Counter()
        #expect(throws: FullStore.DiskFull.self) {
            try ensemble.run(try ensemble.runs(), jobs: 2, into: FullStore(capacity: 3)) { _ in finished.increment() }
        }
        // The three runs the store kept finished; each worker stops at its first refusal.
        #expect(finished.value == 3)
    }

    @Test("settings that cannot work are refused before any solve, saying which")
    func invalidSettings() throws {
        var settings = SolveSettings()
        settings.relativeTolerance = 0
        #expect(
            throws: SolveSettings.Invalid(description: "the relative tolerance is 0.0; it must be positive and finite")
        ) {
            try ChoiceComparison(source: ReverseQE.source, choice: "regime", solve: settings).run()
        }
        settings = SolveSettings(saveStep: .infinity)
        #expect(throws: SolveSettings.Invalid(description: "the save step is inf; it must be positive and finite")) {
            try settings.solve(try compileModel(ReverseQE.source), label: "x")
        }
    }

    @Test("statuses read back from their text")
    func statuses() {
        for status in [RunStatus.success, .invalid, .failed(.stepBudgetExhausted), .failed(.nonFinite)] {
            #expect(RunStatus(status.description) == status)
        }
        #expect(RunStatus("bogus") == nil)
    }
}
