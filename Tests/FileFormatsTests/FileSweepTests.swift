import FlowModel
import Foundation
import TestSupport
import Testing

@testable import Application
@testable import Experiments
@testable import FileFormats
@testable import Reports

@Suite("sweep --model: ensembles of a model file")
struct FileSweepTests {
    static let spec = """
        name = "file-grid"
        design = "grid"
        regimes = ["none", "buyer"]
        [[parameter]]
        key = "beta[crypto]"
        distribution = "values"
        values = [1.0, 2.0]
        [[parameter]]
        key = "I1"
        distribution = "values"
        values = [0.95, -1.0]
        [paths]
        series = ["p_crypto"]
        dates = [2030.0]
        """

    /// Each run's outcomes are the file's summaries of the same solve; a
    /// point outside a parameter's range is `invalid` with the file's message;
    /// a resumed sweep keeps every run.
    @Test("a sweep of the reverse-QE file records the file's summaries per run, and resumes")
    func grid() throws {
        let dir = try Tool.scratch()
        let file = Tool.root.appendingPathComponent("models/reverse-qe.sfc").path
        let source = try ModelFiles.source(file)
        let model = try FileEnsembleModel(source: source, settings: ModelSettings(), choice: "regime")
        let specPath = try SweepHarness.write(Self.spec, "s.toml", in: dir)
        let ensemble = Ensemble(try SweepSpecFile.read(specPath, model: model), model: model)
        let about = SweepRecord.About(
            spec: specPath, config: file, tool: Manifest.Tool(version: "test", commit: "test"))
        let out = dir.appendingPathComponent("out").path
        let report = try SweepFiles.run(ensemble, into: try OutputDirectory(out), jobs: 2, about: about)
        #expect(report.statusCounts == ["success": 4, "invalid": 4])
        #expect(report.largestIdentityResidual == nil)
        let rows = try Tool.text(URL(fileURLWithPath: out).appendingPathComponent("runs.csv")).split(separator: "\n")
            .map(String.init)
        let header = SweepHarness.fields(rows[0])
        #expect(
            Array(header.prefix(8)) == [
                "run", "regime", "status", "steps", "beta[crypto]", "I1", "end_p_crypto", "end_p_longdur",
            ])
        // Run 2 is beta[crypto] = 2.0, I1 = 0.95: the file's own values, so the comparison's numbers.
        let compared = try ChoiceComparison(
            source: source, choice: "regime", options: ["buyer"], solve: SolveSettings(stepper: .msbdf)
        ).run()
        let row = try #require(rows.map(SweepHarness.fields).first { $0[0] == "2" && $0[1] == "buyer" })
        let end = try #require(Double(row[header.firstIndex(of: "end_p_crypto")!]))
        let expected = try #require(compared.cases[0].summaries.first { $0.column == "end_p_crypto" }?.value)
        #expect(abs(end - expected) <= 1e-8 * expected, "\(end) against \(expected)")
        let invalid = try #require(rows.map(SweepHarness.fields).first { $0[2] == "invalid" })
        #expect(invalid.last == "parameter I1 = -1.0 is out of range; allowed: >= 0", "\(invalid)")
        let again = try SweepFiles.run(ensemble, into: try OutputDirectory(out), jobs: 2, about: about)
        #expect(again.kept == 8 && again.solvedNow == 0)
    }

    @Test("a spec naming a parameter or regime the file lacks is refused, naming the file's")
    func unknown() throws {
        let dir = try Tool.scratch()
        let model = try FileEnsembleModel(
            source: try ModelFiles.source(Tool.root.appendingPathComponent("models/gl-sim.sfc").path),
            settings: ModelSettings(), choice: "regime")
        let bad = try SweepHarness.write(
            Self.spec.replacingOccurrences(of: "beta[crypto]", with: "G_d").replacingOccurrences(
                of: "\"I1\"", with: "\"theta\""), "s.toml", in: dir)
        let error = #expect(throws: InputError.self) { try SweepSpecFile.read(bad, model: model) }
        #expect(error?.message == "\(bad): regimes must list some of default")
        let key = try SweepHarness.write(
            Self.spec.replacingOccurrences(of: "regimes = [\"none\", \"buyer\"]\n", with: ""), "k.toml", in: dir)
        let second = #expect(throws: InputError.self) { try SweepSpecFile.read(key, model: model) }
        #expect(
            second?.message
                == "\(key): parameter[0].key: unknown parameter beta[crypto]; see `liquidity params` for every key")
    }

    @Test("a resume after an equation of the model file changed is refused, naming the model file")
    func editedModel() throws {
        let dir = try Tool.scratch()
        let file = dir.appendingPathComponent("sim.sfc").path
        let text = try Tool.text(Tool.root.appendingPathComponent("models/gl-sim.sfc"))
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let spec = try SweepHarness.write(
            """
            name = \"g\"\ndesign = \"grid\"\n[[parameter]]\nkey = \"G_d\"\ndistribution = \"values\"\nvalues = \
            [20.0, 25.0]\n
            """,
            "g.toml", in: dir)
        let about = SweepRecord.About(spec: spec, config: file, tool: Manifest.Tool(version: "test", commit: "test"))
        func sweep() throws -> SweepReport {
            let model = try FileEnsembleModel(
                source: try ModelFiles.source(file), settings: ModelSettings(), choice: "regime")
            return try SweepFiles.run(
                Ensemble(try SweepSpecFile.read(spec, model: model), model: model),
                into: try OutputDirectory(dir.appendingPathComponent("s").path),
                jobs: 1, about: about)
        }
        #expect(try sweep().solvedNow == 2)
        try text.replacingOccurrences(
            of: "let C_d = alpha1 * YD + alpha2 * H_h unit", with: "let C_d = alpha2 * H_h + alpha1 * YD unit"
        ).write(toFile: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: InputError.self) { try sweep() }
        #expect(
            error?.message
                == """
                \(dir.appendingPathComponent("s").path) holds runs of another sweep: the model file or its \
                configuration (or --set) changed since; --restart starts afresh, or pick another --out
                """
        )
    }

    @Test(
        "a spec that puts every draw of a parameter outside its range, or a path date outside the span, is refused",
        arguments: [
            (
                "values = [0.95, -1.0]", "values = [-1.0, -2.0]",
                "I1.values: every value is outside the range of I1; allowed: >= 0"
            ),
            (
                "distribution = \"values\"\nvalues = [0.95, -1.0]",
                "distribution = \"uniform\"\nlower = -5\nupper = -1",
                "I1: every draw would fall outside the range of I1, >= 0 (them lie between -5 and -1)"
            ),
            (
                "distribution = \"values\"\nvalues = [0.95, -1.0]", "distribution = \"normal\"\nmean = -10\nsd = 1",
                """
                I1: every draw would fall outside the range of I1, >= 0 (all but 2e-6 of them lie between \
                -14.75 and -5.247)
                """
            ),
            (
                "dates = [2030.0]", "dates = [2099.0]",
                "paths.dates: 2099.0 is outside the runs' span; allowed: 2025.0 to 2032.0"
            ),
        ])
    func outsideRange(_ replaced: String, _ replacement: String, _ message: String) throws {
        let dir = try Tool.scratch()
        let source = try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        let model = try FileEnsembleModel(source: source, settings: ModelSettings(), choice: "regime")
        let spec = try SweepHarness.write(
            Self.spec.replacingOccurrences(of: replaced, with: replacement), "s.toml", in: dir)
        let error = #expect(throws: InputError.self) { try SweepSpecFile.read(spec, model: model) }
        #expect(error?.message == "\(spec): " + message)
    }
}
