import FlowModel
import Foundation
import TestSupport
import Testing

@testable import Application
@testable import Experiments
@testable import FileFormats

@Suite("Forecast evaluation without look-ahead")
struct EvaluationTests {
    func job(_ folder: EstimationFolder) throws -> EvaluationJob {
        try EvaluationJob(
            model: folder.model, file: folder.file, data: folder.data,
            from: DecimalYear.value(year: 2021, month: 3, day: 1), to: DecimalYear.value(year: 2021, month: 4, day: 1),
            horizons: [1, 3], benchmarkFrom: DecimalYear.value(year: 2020, month: 1, day: 1), policyRate: nil)
    }

    @Test("forecasts use nothing after their origin: data after it changed, every forecast stays, the actuals move")
    func noLookAhead() throws {
        let folder = try EstimationFolder()
        let before = try job(folder).run()
        // Shift every observation of X from 2021-05 on (after the last origin's month).
        let path = folder.data + "/X.csv"
        let shifted = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line -> String in
            let cells = line.split(separator: ",")
            guard cells[0] >= "2021-05", let value = Double(cells[1]) else { return String(line) }
            return "\(cells[0]),\(value + 50)"
        }
        try (shifted.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let after = try job(folder).run()
        #expect(before.count == after.count && before.count > 0)
        for (a, b) in zip(before, after) {
            #expect(a.figures.map(\.bitPattern) == b.figures.map(\.bitPattern), "\(a.series) h \(a.horizon)")
        }
        let moved = zip(before, after).filter { $0.0.actual != $0.1.actual }
        let may = DecimalYear.value(year: 2021, month: 5, day: 1)
        #expect(
            moved.count == 3
                && moved.allSatisfy { $0.0.series == "X" && $0.0.origin + Double($0.0.horizon) / 12 >= may - 1e-9 })
        // No change is the last observation at the origin.
        let x = before.filter { $0.series == "X" && $0.horizon == 1 }
        #expect(x.count == 2 && abs(x[0].figures[2] - (100 * (3 - 2 * exp(-0.8 * 14 / 12)) + 1)) < 1e-9)
    }

    @Test("the table has a row per series and horizon with every method's RMSE, and the files are written")
    func files() throws {
        let folder = try EstimationFolder()
        let job = try job(folder)
        let forecasts = try job.run()
        let rows = EvaluationJob.rows(forecasts, series: ["X", "Q"], horizons: [1, 3])
        // Q (quarterly) has data at the targets of both origins at h = 3 only from 2021-03 + 3 = 2021-06.
        #expect(rows.map { "\($0.series) \($0.horizon) \($0.count)" } == ["X 1 2", "X 3 2", "Q 3 1"])
        #expect(rows[0].rmse.prefix(4).allSatisfy { $0.isFinite })
        let files = try job.write(
            forecasts, to: folder.dir.appendingPathComponent("e").path, tool: .init(version: "t", commit: "t"),
            command: ["evaluate"])
        #expect(
            files.map { ($0 as NSString).lastPathComponent } == [
                "evaluation.csv", "forecasts.csv", "evaluation.md", "manifest.json", "evaluation.svg",
            ])
        let csv = try String(contentsOfFile: files[0], encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 1 + 3)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: files[3])))
        #expect((manifest as? [String: Any])?["start"] as? String == "previous origin's mode")
    }

    @Test(
        """
        the policy rate follows the market's path after the origin and r2_gap is held so that the 2-year \
        (their sum) stays at its value then; a spread the model lacks is refused
        """)
    func spreadHeld() throws {
        func job(spread: String) throws -> EvaluationJob {
            try EvaluationJob(
                model: Tool.root.appendingPathComponent("models/liquidity-priced.sfc").path,
                file: Tool.root.appendingPathComponent("calibration/estimate-liquidity-priced.toml").path,
                data: Tool.root.appendingPathComponent("data").path,
                from: DecimalYear.value(year: 2024, month: 6, day: 1),
                to: DecimalYear.value(year: 2024, month: 6, day: 1),
                horizons: [6], benchmarkFrom: DecimalYear.value(year: 2015, month: 1, day: 1), policyRate: "rm",
                spread: spread)
        }
        let evaluation = try job(spread: "r2_gap")
        let origin = evaluation.origins[0]
        let end = origin + 1.0 / 12
        let held = evaluation.heldTables(after: end, origin: evaluation.index(origin))
        let rm = try #require(held["rm"])
        let gap = try #require(held["r2_gap"])
        func r2(_ t: Double) -> Double {
            Decomposition.interpolate(rm, at: t) + Decomposition.interpolate(gap, at: t)
        }
        // In June 2024 the market priced cuts: the policy rate's path falls after the origin.
        #expect(Decomposition.interpolate(rm, at: end + 1) < Decomposition.interpolate(rm, at: end) - 0.002)
        for dt in [0.1, 0.3, 1.0, 5.0] {
            #expect(abs(r2(end + dt) - r2(end)) < 1e-12, "r2 moved by \(r2(end + dt) - r2(end)) at +\(dt)")
        }
        #expect(
            throws: InputError(
                "--spread nope: \(evaluation.model) has no table nope, or no policy rate to measure it from")
        ) {
            _ = try job(spread: "nope")
        }
    }
}
