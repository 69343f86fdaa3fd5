import Foundation
import Testing
import TestSupport

@Suite("Historical configuration, end to end")
struct HistoricalConfigurationTests {
    @Test("the committed historical configuration is what --make-config builds, and --compare runs it against the table")
    func reproduced() throws {
        let dir = try Tool.scratch()
        let make = try Tool.run(
            ["history", "--make-config", "calibration/baseline.toml", "--table", "calibration/history.csv",
             "--write", dir.appendingPathComponent("h.toml").path], in: Tool.root)
        #expect(make.status == 0, "\(make.stderr)")
        let built = try String(contentsOf: dir.appendingPathComponent("h.toml"), encoding: .utf8)
        let committed = try String(contentsOf: Tool.root.appendingPathComponent("calibration/history2022.toml"), encoding: .utf8)
        #expect(built == committed)
        #expect(committed.contains("t0 = 2022.5") && committed.contains("Bf0 = 5.763933"))
        let compare = try Tool.run(["history", "--compare", "calibration/history2022.toml", "--format", "csv"], in: Tool.root)
        #expect(compare.status == 0, "\(compare.stderr)")
        let lines = compare.stdout.split(separator: "\n")
        #expect(lines.count == 1 + 15)
        // The first quarter is the starting point: model and data agree.
        #expect(lines[1].hasPrefix("2022.50,2022-07-01,2.98,2.98,2.33,2.33,1.64,1.64,1.00,1.00,1.00,1.00"))
    }
}
