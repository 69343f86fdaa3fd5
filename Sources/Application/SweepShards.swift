import Experiments
import FileFormats
import Foundation
import Solvers

/// A CSV file of a sweep read whole: its header and its rows with their line numbers.
struct RowFile {
    let path: String
    let header: String
    let rows: [(line: Int, text: String)]

    /// Refuses an empty file and one whose last row is cut short (no final newline: an interrupted write).
    init(_ path: String) throws {
        self.path = path
        let text = try Configuration.readText(path)
        guard !text.isEmpty else { throw InputError("\(path) is empty; not a sweep's output") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard text.hasSuffix("\n") else {
            throw InputError(
                """
                \(path):\(lines.count): the last row is cut short (an interrupted write); run the shard's command \
                again to finish it
                """
            )
        }
        header = lines[0]
        rows = lines.enumerated().dropFirst().filter { !$0.element.isEmpty }.map {
            (line: $0.offset + 1, text: $0.element)
        }
    }
}

/// A shard's folder as `sweep merge` reads it: what it ran (`sweep-inputs.json`), which shard of
/// which split it is and how many runs it finished (`sweep.json`, written when a shard finishes),
/// and its `runs.csv`.
struct FinishedShard {
    let folder: String
    let inputs: SweepInputs
    let shard: (index: Int, count: Int)
    let runs: RowFile

    private struct Record: Decodable {
        let shard: String
        let runs: Int
    }

    init(_ folder: String) throws {
        self.folder = folder
        func path(_ name: String) throws -> String {
            let path = (folder as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else {
                throw InputError(
                    name == "sweep.json"
                        ? "\(path): no such file; the shard did not finish: run its command again to finish it"
                        : "\(path): no such file; is \(folder) a sweep's output?")
            }
            return path
        }
        func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
            let file = try path(name)
            do {
                return try JSONDecoder().decode(type, from: Data(try Configuration.readText(file).utf8))
            } catch let error as DecodingError {
                throw InputError("\(file): not a sweep's \(name) (\(error.localizedDescription))")
            }
        }
        inputs = try decode(SweepInputs.self, SweepInputs.file)
        let record = try decode(Record.self, "sweep.json")
        let parts = record.shard.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 1, parts[0] <= parts[1] else {
            throw InputError("\(folder)/sweep.json: shard = \(record.shard); expected K/N with 1 <= K <= N")
        }
        shard = (parts[0], parts[1])
        runs = try RowFile(try path("runs.csv"))
        guard runs.rows.count == record.runs else {
            throw InputError(
                """
                \(runs.path): \(runs.rows.count) runs, but \(folder)/sweep.json records \(record.runs); the file \
                was cut or edited: run the shard's command again to solve the missing runs
                """
            )
        }
    }

    /// Another of the shard's files, nil when it has none.
    func table(_ name: String) throws -> RowFile? {
        let path = (folder as NSString).appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: path) ? try RowFile(path) : nil
    }
}

/// What a sweep's results depend on, kept beside them (`sweep-inputs.json`)
/// so that a resume with other inputs is refused, naming what changed.
struct SweepInputs: Codable, Equatable {
    let configuration: String
    let design: String
    let parameters: [String]
    let regimes: [String]
    let solver: String
    let tolerance: Double
    /// The save mode; nil in the files of sweeps made before there was a choice (they landed).
    let saves: String?
    let paths: [String]

    init(_ ensemble: Ensemble) {
        let spec = ensemble.spec
        configuration = fingerprint(ensemble.model.fingerprintText)
        if case .listed(let points, let from) = spec.design {
            // The points themselves would make the file as long as the draws.
            let text = points.map { $0.map(CSV.number).joined(separator: ",") }.joined(separator: "\n")
            design = "listed(\(points.count) points of \(from): \(fingerprint(text)))"
        } else {
            design = "\(spec.design)"
        }
        parameters = spec.parameters.map { "\($0.key) \($0.distribution)" }
        regimes = spec.options
        solver = spec.stepper.rawValue
        tolerance = spec.tolerance
        saves = spec.saveMode.rawValue
        paths = spec.pathSeries + spec.pathDates.map { CSV.number($0) }
    }

    static let file = "sweep-inputs.json"

    /// What differs between these inputs and `other`, in words.
    func differences(from other: Self) -> [String] {
        [
            ("the model file or its configuration (or --set)", other.configuration != configuration),
            ("the design (its kind, draws and seed)", other.design != design),
            ("the swept parameters", other.parameters != parameters),
            ("the regimes", other.regimes != regimes),
            ("the solver", other.solver != solver), ("the tolerance", other.tolerance != tolerance),
            ("the save mode", (other.saves ?? SaveMode.land.rawValue) != (saves ?? SaveMode.land.rawValue)),
            ("the paths", other.paths != paths),
        ].filter(\.1).map(\.0)
    }

    /// Refuses a directory that holds runs of other inputs (unless `restart`, which clears
    /// them), then records these inputs.
    func check(against directory: OutputDirectory, restart: Bool) throws {
        let manager = FileManager.default
        let path = (directory.path as NSString).appendingPathComponent(Self.file)
        let runs = (directory.path as NSString).appendingPathComponent("runs.csv")
        if restart {
            for name in ["runs.csv", "paths.csv", "fan.csv", "sweep.json", "elasticities.csv", "sobol.csv", Self.file]
            {
                try? manager.removeItem(atPath: (directory.path as NSString).appendingPathComponent(name))
            }
        } else if manager.fileExists(atPath: runs), manager.fileExists(atPath: path) {
            let earlier = try JSONDecoder().decode(Self.self, from: Data(try Configuration.readText(path).utf8))
            let changed = differences(from: earlier)
            if !changed.isEmpty {
                throw InputError(
                    """
                    \(directory.path) holds runs of another sweep: \(changed.joined(separator: ", ")) changed \
                    since; --restart starts afresh, or pick another --out
                    """
                )
            }
        }
        try directory.write(Self.file, try JSON.text(self))
    }
}
