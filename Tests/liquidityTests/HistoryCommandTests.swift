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

@Suite("History against a model's observed series")
struct ObservedHistoryTests {
    /// The reverse-QE file declares DGS10 = 100 rb: the comparison counts its quarters within 50 bp.
    @Test("history --compare with the FRED-unit table sets each observed series against its column, with its RMSE and quarters within the band")
    func observed() throws {
        let result = try Tool.run(
            ["history", "--compare", "calibration/history2022.toml", "--table", "calibration/history-fred.csv", "--format", "csv"], in: Tool.root)
        #expect(result.status == 0, "\(result.stderr)")
        let tables = result.stdout.components(separatedBy: "\n\n")
        let rows = tables[0].split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(rows.first?.prefix(2) == ["t", "date"] && rows.first?.suffix(2) == ["model DGS10", "data"])
        let pairs = rows.dropFirst().map { (Double($0[2])!, Double($0[3])!) }
        #expect(pairs.count == 15 && abs(pairs[0].0 - pairs[0].1) < 1e-9, "the start is the data")
        let rmse = (pairs.reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(pairs.count)).squareRoot()
        let within = pairs.filter { abs($0.0 - $0.1) <= 0.5 }.count
        let summary = tables[1].split(separator: "\n").last!.split(separator: ",").map(String.init)
        #expect(summary[0] == "DGS10" && summary[1] == "15")
        #expect(abs(Double(summary[2])! - rmse) <= 1e-3 * rmse)
        #expect(summary[3] == "\(within) of 15 within 0.5")
    }
}
