import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

/// `liquidity restart`: a model's configuration restarted at a later date from a fitted
/// configuration (run to the date) and the data (the month before it), as its restart file says.
public struct RestartJob {
    public let model: String, config: String, restart: String, data: String
    /// The restart date (`YYYY-MM-DD`) and its decimal year; the restarted configuration's end.
    public let date: String, t: Double, end: Double
    let source: ModelSource
    let spec: RestartFile.Spec
    let settings: ModelSettings

    public init(model: String, config: String, restart: String, data: String, at date: String, to end: Double?) throws
    {
        (self.model, self.config, self.restart, self.data) = (model, config, restart, data)
        guard let t = DecimalYear.parse(date), date.count == 10 else {
            throw InputError("--at \(date): allowed: a date, YYYY-MM-DD (2026-01-01)")
        }
        (self.date, self.t) = (date, t)
        source = try ModelFiles.source(model)
        spec = try RestartFile.read(restart, model: source.name)
        settings = try ModelFiles.settings(configuration: config, for: source)
        let start = settings.start ?? source.horizon?.0 ?? 0
        guard t > start else {
            throw InputError(
                "--at \(date): the restart must come after \(config)'s start, \(DecimalYear.isoDate(start))")
        }
        guard let end = end ?? spec.to else {
            throw InputError("no end for the restarted configuration: give --to, or to = \"YYYY-MM-DD\" in \(restart)")
        }
        guard end > t else { throw InputError("--to \(DecimalYear.isoDate(end)) must come after --at \(date)") }
        self.end = end
    }

    /// The month before the restart date: its first day as a decimal year, and its name.
    var month: (t: Double, name: String) {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        let (year, month) = parts[1] == 1 ? (parts[0] - 1, 12) : (parts[0], parts[1] - 1)
        return (DecimalYear.value(year: year, month: month, day: 1), String(format: "%04d-%02d", year, month))
    }

    /// A key of the restart file as the settings spell it (`Q[crypto]`), refused unless a parameter of the model.
    func key(_ given: String, in section: String) throws -> String {
        guard let key = source.canonicalKey(given, members: settings.sets) else {
            throw InputError(
                "\(restart): \(section).\(given): not a parameter of \(model); a name, or name[member] for one member")
        }
        return key
    }

    func members(_ set: String) -> [String] {
        settings.sets[set] ?? source.sets.first { $0.name == set }?.members ?? []
    }

    /// The restarted settings and where each restarted value comes from.
    public func run() throws -> (settings: ModelSettings, assignments: [Restart.Assignment]) {
        // Each [run] expression becomes a definition of the model, so the path computes it.
        var lines: [String] = []
        var expressions: [(key: String, column: String, text: String)] = []
        for (n, (given, text)) in spec.expressions.enumerated() {
            let name = "restart_\(n + 1)"
            let open = given.firstIndex(of: "[")
            let base = open.map { String(given[..<$0]) } ?? given
            let variable = open.map { String(given[given.index(after: $0)...].dropLast()) }
            if let variable, let p = source.parameters.first(where: { $0.name == base }),
                case .member(let set) = p.index, !members(set).contains(variable)
            {
                lines.append("let \(name)[\(variable) in \(set)] = \(text)")
                for member in members(set) {
                    expressions.append(("\(base)[\(member)]", "\(name)_\(member)", text))
                }
            } else {
                lines.append("let \(name) = \(text)")
                expressions.append((try key(given, in: "run"), name, text))
            }
        }
        let text = try Configuration.readText(model)
        let written = text.split(separator: "\n", omittingEmptySubsequences: false).count
        var toDate = settings
        toDate.end = t
        let pathModel: CompiledModel
        do {
            pathModel = try compileModel(
                text + "\n" + lines.joined(separator: "\n") + "\n", file: model, settings: toDate)
        } catch let error as ModelFileError {
            if let added = error.diagnostics.first(where: { $0.severity == .error && $0.location.line > written }) {
                let (given, expression) = spec.expressions[added.location.line - written - 1]
                throw InputError("\(restart): run.\(given) = \"\(expression)\": \(added.message)")
            }
            throw ModelFiles.inputError(error, source: source, settings: toDate, config: config)
        }
        var solve = SolveSettings()
        solve.saveTimes = [pathModel.t0, t]
        let path = try solve.solve(pathModel, label: "the path to \(date)")
        let stated = try spec.stated.map {
            Restart.Assignment(key: try key($0.key, in: "set"), value: $0.value, source: $0.source)
        }
        var assignments: [Restart.Assignment]
        do {
            assignments = try Restart.assignments(path: path, date: date, expressions: expressions, stated: stated)
        } catch let error as Restart.Failure {
            throw InputError("\(restart): [run]: \(error)")
        }
        var restarted = settings
        (restarted.start, restarted.end) = (t, end)
        for a in assignments { restarted.parameters[a.key] = a.value }
        let matches = try spec.matches.map { series, parameter, average in
            let (read, file) = try EstimationJob.read(series, in: data)
            let (m, name) = month
            let missing = InputError("\(file): no observation in \(name), the month before --at \(date)")
            let figure: Double
            do {
                guard let value = try EstimationJob.monthly(read, average: average, months: [m], file: file)[0] else {
                    throw missing
                }
                figure = value
            } catch let error as InputError where error.message.hasPrefix("\(file): no observation from") {
                throw missing
            }
            return Restart.Match(
                series: series, parameter: try key(parameter, in: "match.\(series)"), data: figure,
                label: "\(name) (\(average.rawValue))")
        }
        let start = try ModelFiles.compile(model, settings: restarted, config: config)
        let matched: [Restart.Assignment]
        do {
            matched = try Restart.match(start, matches)
        } catch let error as Restart.Failure {
            throw InputError("\(restart): [match]: \(error)")
        }
        for a in matched { restarted.parameters[a.key] = a.value }
        assignments += matched
        return (restarted, assignments)
    }

    /// A file's name without its folder: the header reads the same wherever the files were found.
    func name(_ path: String) -> String { (path as NSString).lastPathComponent }

    /// Writes the restarted configuration to `path` (a new or regular file; nothing is written
    /// when the restart fails); returns where each restarted value came from.
    public func write(to path: String) throws -> [Restart.Assignment] {
        let (settings, assignments) = try run()
        let restarted = try ModelFiles.compile(model, settings: settings, config: config)
        let sources = Dictionary(assignments.map { ($0.key, $0.source) }) { $1 }
        let text = ModelConfiguration.render(
            restarted,
            header: [
                "\(name(model)) restarted on \(date) by `liquidity restart`: \(name(config)) run to \(date), then",
                "\(name(restart)) with the FRED files of \(name(data))/ (\(month.name)).",
                "Each restarted value names its source.",
            ], sources: sources)
        let folder = (path as NSString).deletingLastPathComponent
        let directory = try OutputDirectory(folder.isEmpty ? "." : folder, option: "--write")
        try directory.write((path as NSString).lastPathComponent, text)
        return assignments
    }
}
