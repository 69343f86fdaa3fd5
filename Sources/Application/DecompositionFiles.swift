import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

/// The file side of `liquidity decompose`: the model, configuration and drivers read, the
/// decomposition run, and its table, chart and report written.
public enum DecompositionFiles {
    /// What a decomposition reads.
    public struct Request {
        public var model: String
        public var config: String?
        /// The drivers file; nil: the drivers the model file declares (``Driver/declared(by:)``).
        public var drivers: String?
        /// The series; nil: the model's `observe` series.
        public var series: [String]?
        /// The end of the path; nil: the run's.
        public var end: Double?
        /// msbdf at 1e-8, saved at the model file's step.
        public var solve = SolveSettings(stepper: .msbdf, relativeTolerance: 1e-8, absoluteTolerance: 1e-8)

        public init(model: String, config: String?, drivers: String?, series: [String]?, end: Double?) {
            (self.model, self.config, self.drivers, self.series, self.end) = (model, config, drivers, series, end)
        }

        /// The request for `model` with what is not given taken from the package's committed
        /// decomposition of that model file (`PackageFiles.decompositions`: the history's
        /// configuration, its end and the drivers file, found beside `anchors`) when no
        /// configuration is given; `end` as written, named by `option` in its error.
        public static func resolving(
            model: String, config: String?, drivers: String?, series: [String]?, end: String?, option: String,
            anchors: [String], beside: String
        ) throws -> Request {
            let known = config == nil ? PackageFiles.decompositions[(model as NSString).lastPathComponent] : nil
            func located(_ relative: String) throws -> String {
                try PackageFiles.required(relative, anchors: anchors, beside: beside)
            }
            var t = known?.end
            if let end {
                guard let parsed = DecimalYear.parse(end) else {
                    throw InputError("\(option) \(end): expected a decimal year (2026.0) or a date (2026-01-01)")
                }
                t = parsed
            }
            return Request(
                model: model, config: try config ?? known.map { try located($0.config) },
                drivers: try drivers ?? known.map { try located($0.drivers) }, series: series, end: t)
        }
    }

    /// Runs the decomposition `request` describes.
    public static func run(_ request: Request) throws -> (decomposition: Decomposition, units: [String: String]) {
        let source = try ModelFiles.source(request.model)
        var settings =
            try request.config.map { try ModelFiles.settings(configuration: $0, for: source) } ?? ModelSettings()
        let start = settings.start ?? source.horizon?.0 ?? 0
        if let end = request.end {
            guard end > start + 1.0 / 12 - 1e-9 else {
                throw InputError("--to \(end): before a month after the start, \(start)")
            }
            settings.end = end
        }
        let drivers =
            try request.drivers.map { try DriversFile.read($0, source: source) } ?? Driver.declared(by: source)
        guard !drivers.isEmpty else {
            throw InputError("\(request.model) declares no table and no choice counterfactual: give --drivers FILE")
        }
        let compiled = try ModelFiles.compile(request.model, settings: settings, config: request.config)
        let names = request.series ?? source.observations.map(\.name)
        guard !names.isEmpty else { throw InputError("\(request.model) has no observe series: give --series") }
        for name in names where !compiled.columns.contains(where: { $0.name == name }) {
            throw InputError("--series \(name): \(request.model) has no series \(name)")
        }
        var solve = request.solve
        solve.saveStep = source.saveStep ?? 1.0 / 12
        // A run that fails throws SolveSettings.Invalid, naming the drivers switched off.
        let decomposition = try Decomposition(
            source: source, settings: settings, drivers: drivers, series: names, solve: solve)
        let units = Dictionary(
            compiled.columns.filter { names.contains($0.name) }.map { ($0.name, $0.unit) },
            uniquingKeysWith: { a, _ in a })
        return (decomposition, units)
    }

    /// The long table: per time, series and driver its contribution, with the path and the
    /// path with every driver off.
    public static func table(_ d: Decomposition) -> String {
        var lines = ["t,date,series,driver,value"]
        for (s, name) in d.series.enumerated() {
            for k in d.t.indices {
                let head = "\(CSV.number(d.t[k])),\(DecimalYear.isoDate(d.t[k])),\(name)"
                lines.append("\(head),path,\(CSV.number(d.actual[s][k]))")
                lines.append("\(head),every driver off,\(CSV.number(d.baseline[s][k]))")
                for (j, driver) in d.drivers.enumerated() {
                    lines.append("\(head),\(CSV.field(driver.name)),\(CSV.number(d.contributions[s][j][k]))")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The report: per series, from the start to the end, the path's change and each driver's share of it.
    public static func markdown(_ d: Decomposition, title: String, inputs: [String], units: [String: String]) -> String
    {
        var lines = ["# \(title)", ""] + inputs.map { "- \($0)" } + [""]
        lines.append(
            """
            Each driver's contribution is its Shapley value over the \(1 << d.drivers.count) runs with every \
            subset of the drivers switched off: the mean, over every order of switching them on, of what it \
            adds. The contributions add up to the path less the path with every driver off (largest gap \
            \(String(format: "%.1e", d.closure)) of the series' size).
            """)
        guard let last = d.t.indices.last else { return lines.joined(separator: "\n") + "\n" }
        let from = DecimalYear.isoDate(d.t[0])
        let to = DecimalYear.isoDate(d.t[last])
        for (s, name) in d.series.enumerated() {
            let unit = units[name].map { " (\($0))" } ?? ""
            lines += [
                "", "## \(name)\(unit), \(from) to \(to)", "",
                "| | change | at the end |", "|---|---:|---:|",
                "| the path | \(format(d.actual[s][last] - d.actual[s][0])) | \(format(d.actual[s][last])) |",
                "| every driver off | \(format(d.baseline[s][last] - d.baseline[s][0])) | "
                    + "\(format(d.baseline[s][last])) |",
            ]
            for (j, driver) in d.drivers.enumerated() {
                let c = d.contributions[s][j]
                lines.append("| \(driver.name) | \(format(c[last] - c[0])) | \(format(c[last])) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ x: Double) -> String {
        abs(x) >= 1e4 || (abs(x) < 1e-3 && x != 0) ? String(format: "%.4g", x) : String(format: "%.4f", x)
    }

    /// Writes decomposition.csv, decomposition.svg, decomposition.md and manifest.json into `folder`.
    public static func write(
        _ d: Decomposition, units: [String: String], request: Request, to folder: String, tool: Manifest.Tool,
        command: [String]
    ) throws -> [String] {
        let title = "What drove \((request.model as NSString).lastPathComponent)'s path"
        let inputs = [
            """
            Model \(request.model), configuration \(request.config ?? "the file's own values"), drivers \
            \(request.drivers ?? "the file's tables and its no-AI-boom option").
            """,
            "Drivers switched off: "
                + d.drivers.map { driver -> String in
                    switch driver.off {
                    case .holdTable(let table, let value):
                        "\(driver.name) (table \(table) held at \(value.map { "\($0)" } ?? "its start"))"
                    case .option(let choice, let option): "\(driver.name) (\(choice) = \(option))"
                    case .parameters(let values):
                        "\(driver.name) ("
                            + values.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(
                                separator: ", ") + ")"
                    }
                }.joined(separator: "; ") + ".",
            """
            Solved with \(request.solve.stepper.rawValue) at \(request.solve.relativeTolerance), saved every \
            \(String(format: "%.4g", d.t.count > 1 ? d.t[1] - d.t[0] : 0)) year.
            """,
        ]
        let manifest = try OutputDirectory.manifest(
            tool: tool, command: command,
            [
                "model": request.model, "config": request.config ?? NSNull(), "drivers": d.drivers.map(\.name),
                "series": d.series, "closure": d.closure,
            ])
        return try OutputDirectory.write(
            [
                ("decomposition.csv", table(d)),
                ("decomposition.svg", DecompositionChart.svg(d, title: title, units: units)),
                ("decomposition.md", markdown(d, title: title, inputs: inputs, units: units)),
                ("manifest.json", manifest),
            ], into: folder)
    }
}
