import FlowModel
import Foundation
import TestSupport
import Testing

@testable import Application
@testable import Experiments
@testable import FileFormats

@Suite("Sweeps of posterior draws")
struct PosteriorSweepTests {
    static let draws = """
        chain,draw,log_posterior,log_likelihood,I1,payout,sd[DGS10],rho[DGS10]
        1,1,-10,-9,0.90,0.30,0.2,0.5
        1,2,-10,-9,0.91,0.31,0.2,0.5
        1,3,-10,-9,0.92,0.32,0.2,0.5
        2,1,-10,-9,0.93,0.33,0.2,0.5
        2,2,-10,-9,0.94,0.34,0.2,0.5

        """

    @Test("a posterior sweep runs evenly spaced draws' model parameters, leaving the measurement errors out")
    func runs() throws {
        let dir = try Tool.scratch()
        _ = try SweepHarness.write(Self.draws, "draws.csv", in: dir)
        let spec = try SweepHarness.write(
            "name = \"p\"\ndesign = \"posterior\"\nposterior = \"draws.csv\"\ndraws = 3\nregimes = [\"none\"]\n",
            "p.toml", in: dir)
        try SweepHarness.run(spec, in: dir, out: "s")
        let lines = try Tool.text(dir.appendingPathComponent("s/runs.csv")).split(separator: "\n").map(String.init)
        let header = SweepHarness.fields(lines[0])
        let (i1, payout) = (header.firstIndex(of: "I1")!, header.firstIndex(of: "payout")!)
        #expect(!header.contains("sd[DGS10]") && !header.contains("rho[DGS10]"))
        // Rows 0, 5/3 and 10/3 of five: the first, second and fourth draws.
        // Runs finish in any order on two workers: sorted by run number.
        let values = lines.dropFirst().map { SweepHarness.fields($0) }.sorted { Int($0[0])! < Int($1[0])! }
            .map { (Double($0[i1])!, Double($0[payout])!) }
        #expect(values.map(\.0) == [0.90, 0.91, 0.93] && values.map(\.1) == [0.30, 0.31, 0.33])
    }

    @Test(
        "a posterior sweep that asks for more draws than the file holds, or adds [[parameter]], is refused",
        arguments: [
            ("draws = 6", "draws.csv: 5 draws; the sweep asks for 6 (draws); allowed: at most 5"),
            (
                "draws = 2\n[[parameter]]\nkey = \"I1\"\ndistribution = \"values\"\nvalues = [1.0]",
                "p.toml: design = \"posterior\" takes its parameters from the draws; leave out [[parameter]]"
            ),
        ])
    func refused(_ tail: String, _ message: String) throws {
        let dir = try Tool.scratch()
        _ = try SweepHarness.write(Self.draws, "draws.csv", in: dir)
        let spec = try SweepHarness.write(
            "name = \"p\"\ndesign = \"posterior\"\nposterior = \"draws.csv\"\n\(tail)\n", "p.toml", in: dir)
        #expect(throws: InputError(dir.appendingPathComponent(message).path)) {
            try SweepHarness.run(spec, in: dir, out: "s")
        }
    }
}
