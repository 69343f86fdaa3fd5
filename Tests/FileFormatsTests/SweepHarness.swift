import FlowModel
import Foundation
import TestSupport
import Testing

@testable import Application
@testable import Experiments
@testable import FileFormats
@testable import Reports

enum SweepHarness {
    static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs the sweep of the spec at `spec` on MODEL.md's configuration into `dir/out`.
    @discardableResult
    static func run(
        _ spec: String, in dir: URL, out: String, jobs: Int = 2, shard: (Int, Int) = (1, 1), set: [String] = [],
        restart: Bool = false
    ) throws -> SweepReport {
        let source = try ModelFiles.source(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path)
        var base = try ModelFiles.settings(configuration: Tool.modelmd, for: source)
        for pair in set {
            let parts = pair.split(separator: "=").map(String.init)
            base.parameters[parts[0]] = Double(parts[1])!
        }
        let model = try FileEnsembleModel(source: source, settings: base, choice: "regime")
        let ensemble = Ensemble(try SweepSpecFile.read(spec, model: model), model: model)
        return try SweepFiles.run(
            ensemble, into: try OutputDirectory(dir.appendingPathComponent(out).path), shard: shard, jobs: jobs,
            about: SweepRecord.About(
                spec: spec, config: Tool.modelmd, tool: Manifest.Tool(version: "test", commit: "test")),
            restart: restart)
    }

    static let grid = """
        name = "grid"
        design = "grid"
        regimes = ["none", "buyer"]
        [[parameter]]
        key = "I1"
        distribution = "values"
        values = [0.6, 0.95]
        [[parameter]]
        key = "payout"
        distribution = "values"
        values = [0.35, 0.5, 1.5]
        [paths]
        series = ["rb"]
        dates = [2026.0, 2032.0]
        """

    /// The fields of one CSV line, quotes honoured.
    static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var characters = Array(line)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" {
                        current.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }

    static func sortedRows(_ path: URL) throws -> [String] {
        try Tool.text(path).split(separator: "\n").dropFirst().map(String.init).sorted()
    }
}
