import Application
import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract:
            "Derive the quarter-end table from FRED exports and the Treasury's cash file; set a model against it.",
        discussion: """
            Reads every FRED CSV export in --data (one series or several, as fredgraph.csv; any header \
            variant; blank or "." for missing values), finds each column's series by its FRED id (or \
            --map), takes the TGA from the newest Daily Treasury Statement cash file, and writes one \
            row per quarter from --from (2022Q2) to --to (default: the last quarter every series covers):
            the last observation on or before each quarter's last day, in the units of the model \
            ($T, decimal rates). calibration/history.md says which model quantity each column measures.

            --make-config BASE writes MODEL.md's historical configuration (mid-2022 to end-2025, for \
            models/reverse-qe.sfc) from the table and BASE's behaviour; --compare CONFIG solves a configuration \
            and sets it against \
            the table quarter by quarter (model, then data, for each pair).

            Examples:
              liquidity history --data data --write calibration/history.csv
              liquidity history --data ~/Downloads --map rb=fredgraph.csv:DGS10 --to 2026Q1
              liquidity history --compare calibration/liquidity.toml --table calibration/history-fred.csv
              liquidity history --make-config calibration/baseline.toml --write calibration/history2022.toml
              liquidity history --compare calibration/history2022.toml --model models/reverse-qe.sfc --format markdown
            """)

    @Option(
        help: ArgumentHelp(
            "Folder of the data files (default: the package's copy, data/, with data/SOURCES.md).", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("Where to write the table (CSV); - prints it.", valueName: "file"))
    var write: String = "-"

    @Option(
        name: .customLong("from"),
        help: ArgumentHelp(
            "First quarter of the table (default 2022Q2), or of --targets (default: the table's first).",
            valueName: "YYYYQn"))
    var givenFirstQuarter: String?

    var firstQuarter: String { givenFirstQuarter ?? "2022Q2" }
    var firstQuarterGiven: Bool { givenFirstQuarter != nil }

    @Option(
        name: .customLong("to"),
        help: ArgumentHelp(
            "Last quarter of the table (default: the last quarter every series covers).", valueName: "YYYYQn"))
    var lastQuarter: String?

    @Option(
        help: ArgumentHelp(
            """
            Units and names of the table: model (the model's units, calibration/history.csv) or fred (each \
            series in its own units under its FRED id, as a model's observe declarations name them).
            """,
            valueName: "layout"))
    var units: HistoryTable.Units = .model

    @Option(
        name: .customLong("targets"),
        help: ArgumentHelp(
            """
            Write calibration targets from --table (in FRED units): SERIES=BAND,... each series at each \
            quarter-end from --from to --to, within its band: in the series' units (DGS10=0.25), or a percent \
            of each quarter's value (CBBTCUSD=25%).
            """,
            valueName: "series=band,..."))
    var targets: String?

    @Option(
        help: ArgumentHelp(
            """
            With --targets: a targets file whose targets (the seeds' figures) follow the quarter-ends, and whose \
            model key heads the file written (calibration/targets-liquidity-priced.toml).
            """,
            valueName: "file"))
    var seeds: String?

    @Option(
        name: .customLong("map"),
        help: ArgumentHelp(
            """
            Take a column from this file (and series) of --data instead of the file that holds its FRED id: \
            column=FILE or column=FILE:SERIES (repeatable).
            """,
            valueName: "column=file"))
    var mappings: [String] = []

    @Option(
        name: .customLong("make-config"),
        help: ArgumentHelp(
            """
            Write the historical configuration (mid-2022 to end-2025) built from this base configuration and \
            --table.
            """,
            valueName: "base"))
    var makeConfig: String?

    @Option(
        name: .customLong("table"),
        help: ArgumentHelp(
            "The quarter-end table, for --make-config and --compare (default: the package's calibration/history.csv).",
            valueName: "file"))
    var tableGiven: String?

    /// --table, else the package's table, found wherever the tool runs.
    var table: String { get throws { try tableGiven ?? Defaults.dataFile("calibration/history.csv") } }

    @Option(help: "Format of the --compare table: table, csv, markdown, latex.")
    var format: TableFormat = .table

    @Option(
        help: ArgumentHelp(
            "Solve this configuration (regime none) and set it against --table quarter by quarter.",
            valueName: "config"))
    var compare: String?

    @Option(
        help: ArgumentHelp(
            """
            The model file of --compare (default: models/liquidity-priced.sfc) and --make-config (default and only: \
            models/reverse-qe.sfc, whose parameter names it writes).
            """,
            valueName: "file"))
    var model: String?

    /// The comment at the head of a historical configuration.
    func header(_ base: String) -> [String] {
        [
            "The historical configuration: mid-2022 to end-2025, made by `liquidity history --make-config \(base)`",
            """
            from \((try? table) ?? "--table") (balance sheets, TGA, Fed runoff, 10-year yield, IG spread, ON RRP as \
            idle cash), the \
            FOMC's
            """,
            "target ranges for rm, and the behaviour of \(base); see calibration/history.md for every choice.",
        ]
    }

    /// Writes a configuration to --write, or prints it.
    func emit(_ text: String) throws {
        if write == "-" {
            print(text, terminator: "")
        } else {
            let directory = (write as NSString).deletingLastPathComponent
            try OutputDirectory(directory.isEmpty ? "." : directory, option: "--write").write(
                (write as NSString).lastPathComponent, text)
            print("wrote \(write)")
        }
    }

    func run() throws {
        if let targets {
            let bands = try ModelFiles.pairs(
                targets.split(separator: ",", omittingEmptySubsequences: false).map(String.init), option: "--targets"
            ).map {
                series, text -> (String, HistoryFiles.Band) in
                guard let band = HistoryFiles.Band(text) else {
                    throw InputError(
                        """
                        --targets \(series)=\(text): the band must be a number, or a percent of each quarter's value \
                        (25%)
                        """)
                }
                return (series, band)
            }
            try emit(
                try HistoryFiles.targets(
                    table: try table, bands: bands, from: firstQuarterGiven ? firstQuarter : nil, to: lastQuarter,
                    seeds: seeds))
            return
        }
        let model =
            try model ?? (makeConfig != nil && compare == nil ? Defaults.reverseQEFile() : Defaults.modelFile())
        if let compare {
            print(try HistoryFiles.compare(model: model, config: compare, table: try table, format: format))
            return
        }
        if let makeConfig {
            let source = try ModelFiles.source(model)
            let settings: ModelSettings
            do {
                settings = try HistoricalConfiguration.settings(
                    source: source, base: try ModelFiles.settings(configuration: makeConfig, for: source),
                    table: try HistoryFiles.readTable(try table),
                    inputs: try HistoryInputsFile.read(try Defaults.dataFile(PackageFiles.historyInputs)))
            } catch let error as HistoryError {
                throw InputError("\(try table): \(error)")
            }
            try emit(
                ModelConfiguration.render(
                    try ModelFiles.compile(model, settings: settings), header: header(makeConfig)))
            return
        }
        var mapping = HistoryTable.Mapping()
        for (column, target) in try ModelFiles.pairs(mappings, option: "--map") {
            let parts = target.split(separator: ":", maxSplits: 1).map(String.init)
            mapping[column] = (parts[0], parts.count == 2 ? parts[1] : nil)
        }
        let columns = try HistoryTable.Columns.read(try Defaults.dataFile(PackageFiles.historyColumns))
        let (built, quarters) = try HistoryTable.build(
            directory: try data ?? Defaults.dataFile("data"), columns: columns, mapping: mapping, from: firstQuarter,
            to: lastQuarter, units: units)
        if write == "-" {
            print(built, terminator: "")
        } else {
            let directory = (write as NSString).deletingLastPathComponent
            try OutputDirectory(directory.isEmpty ? "." : directory, option: "--write").write(
                (write as NSString).lastPathComponent, built)
            print("wrote \(write): \(quarters) quarters, \(columns(units).count) series")
        }
    }
}
