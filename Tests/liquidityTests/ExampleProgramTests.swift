import Application
import Experiments
import FileFormats
import Foundation
import Reports
import TestSupport
import Testing

@Suite("The example program of docs/swift.md, a package that depends on this one")
struct ExampleProgramTests {
    @Test("Examples/compare-regimes builds against the libraries and prints the buyer's gain in crypto's end price")
    func buildsAndRuns() throws {
        let example = Tool.root.appendingPathComponent("Examples/compare-regimes")
        // scripts/test.sh builds it into .build/example before the tests; this build is then a
        // no-op, and builds it where the tests run without the script.
        let scratch = Tool.root.appendingPathComponent(".build/example").path
        let build = try Tool.runProgram(
            "/usr/bin/env", ["swift", "build", "--package-path", example.path, "--scratch-path", scratch], in: example)
        try #require(build.status == 0, "swift build failed: \(build.stdout)\(build.stderr)")
        let binary = try Tool.runProgram(
            "/usr/bin/env",
            ["swift", "build", "--package-path", example.path, "--scratch-path", scratch, "--show-bin-path"],
            in: example)
        let program = binary.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "/compare-regimes"
        let run = try Tool.runProgram(program, [], in: example)
        #expect(run.status == 0, "\(run.stderr)")

        // The same comparison in-process: the program must print exactly its number.
        let source = try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        let settings = try ModelFiles.settings(
            configuration: Tool.root.appendingPathComponent("calibration/baseline.toml").path, for: source)
        let result = try ChoiceComparison(
            source: source, settings: settings, choice: "regime", options: ["none", "buyer"]
        ).run()
        func endPrice(_ regime: String) -> Double {
            result.run(regime)!.summaries.first { $0.column == "end_p_crypto" }!.value!
        }
        let gain = endPrice("buyer") - endPrice("none")
        #expect(run.stdout == "crypto price at end, buyer minus none: \(gain)\n")
        #expect(gain > 1.0 && gain < 1.4, "docs/swift.md: the reverse-QE baseline gives about +1.21")
    }
}
