import Foundation
import TestSupport
import Testing

@testable import Application
@testable import FileFormats
@testable import Reports

@Suite("FRED reader")
struct FREDTests {
    /// The committed columns of the history table.
    func columns() throws -> HistoryTable.Columns {
        try HistoryTable.Columns.read(Tool.root.appendingPathComponent("calibration/fred-columns.csv").path)
    }

    @Test(
        "each header variant, blank and \".\" for missing values, a byte-order mark and CRLF",
        arguments: [
            "observation_date,DGS10", "DATE,MMMFFAQ027S", "date,value",
        ])
    func headers(_ header: String) throws {
        let text = "\u{FEFF}\(header)\r\n2025-01-02,4.57\r\n2025-01-03,\r\n2025-01-06,.\r\n2025-01-07,4.69\r\n"
        let series = try FRED.parse(text, file: "x.csv")
        #expect(series.name == String(header.split(separator: ",")[1]))
        #expect(series.dates == ["2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07"])
        #expect(series.values == [4.57, nil, nil, 4.69])
        #expect(series.last(onOrBefore: "2025-01-06")! == ("2025-01-02", 4.57))
        #expect(series.last(onOrBefore: "2025-01-01") == nil)
    }

    static let errors: [(String, String)] = [
        ("observation_date,X\n2025-13-01,1\n", "error: x.csv:2: bad date \"2025-13-01\"; expected YYYY-MM-DD"),
        ("observation_date,X\n2025/01/01,1\n", "error: x.csv:2: bad date \"2025/01/01\"; expected YYYY-MM-DD"),
        (
            "observation_date,X\n2025-01-02,1\n2025-01-01,2\n",
            "error: x.csv:3: date 2025-01-01 does not come after 2025-01-02; rows must be in ascending date order"
        ),
        (
            "observation_date,X\n2025-01-02,1\n2025-01-02,2\n",
            "error: x.csv:3: date 2025-01-02 does not come after 2025-01-02; rows must be in ascending date order"
        ),
        (
            "observation_date,X\n2025-01-02,n/a\n",
            "error: x.csv:2: value \"n/a\" is not a number; missing values are blank or \".\""
        ),
        ("observation_date,X\n2025-01-02,1,2\n", "error: x.csv:2: 3 columns; expected 2 (date, then 1 value)"),
        (
            "when,X\n2025-01-02,1\n",
            "error: x.csv:1: header \"when,X\"; expected observation_date, DATE or date, then one column per series"
        ),
        ("observation_date,X,Y\n2025-01-02,1,2\n", "error: x.csv:1: 2 series; expected one (observation_date,SERIES)"),
        ("", "error: x.csv: empty file; expected a header such as observation_date,SERIES"),
    ]

    @Test("bad dates, unsorted rows, bad values and headers get exact errors", arguments: errors)
    func badInput(_ text: String, _ message: String) {
        do {
            _ = try FRED.parse(text, file: "x.csv")
            Issue.record("accepted \(text)")
        } catch let error as InputError {
            #expect("error: " + error.message == message)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("the Daily Treasury Statement's TGA closing balances, from the column that holds them")
    func dailyTreasuryStatement() throws {
        let text = """
            \u{FEFF}Record Date,Type of Account,Opening Balance Today,Opening Balance This Month
            2025-12-31,Treasury General Account (TGA) Opening Balance,826406,956014
            2025-12-31,Treasury General Account (TGA) Closing Balance,872853,872853
            2025-12-30,Treasury General Account (TGA) Closing Balance,826406,826406
            """
        let series = try FRED.parseDailyTreasuryStatement(text, file: "dts.csv")
        #expect(series.dates == ["2025-12-30", "2025-12-31"])
        #expect(series.values == [826406, 872853])
    }

    @Test("a multi-series export (fredgraph.csv) is read per series, and --map takes a column from it")
    func multiSeries() throws {
        let all = try FRED.parseAll(
            "observation_date,DGS10,WALCL\n2025-01-02,4.57,\n2025-01-08,4.6,6800000\n", file: "fredgraph.csv")
        #expect(all.map(\.name) == ["DGS10", "WALCL"])
        #expect(all[1].values == [nil, 6_800_000])
        // A copy of the project's data folder with the 10-year yield taken from a multi-series file instead.
        let data = Tool.data
        let dir = try Tool.scratch()
        for name in try FileManager.default.contentsOfDirectory(atPath: data)
        where name.hasSuffix(".csv") && name != "DGS10.csv" {
            try FileManager.default.copyItem(
                atPath: (data as NSString).appendingPathComponent(name), toPath: dir.appendingPathComponent(name).path)
        }
        let missing = #expect(throws: InputError.self) {
            try HistoryTable.build(directory: dir.path, columns: try columns())
        }
        #expect(
            missing?.message
                == """
                --data \(dir.path): no file holds DGS10 (10-year Treasury yield: rb); download it from FRED, or \
                name a file with --map rb=FILE[:SERIES]
                """
        )
        let yields = try FRED.read((data as NSString).appendingPathComponent("DGS10.csv"))
        let rows = zip(yields.dates, yields.values).map { "\($0),\($1.map { "\($0)" } ?? ""),1" }
        try (["observation_date,YIELD10,OTHER"] + rows).joined(separator: "\n").write(
            to: dir.appendingPathComponent("fredgraph.csv"), atomically: true, encoding: .utf8)
        let (mapped, _) = try HistoryTable.build(
            directory: dir.path, columns: try columns(), mapping: ["rb": ("fredgraph.csv", "YIELD10")])
        #expect(mapped == (try HistoryTable.build(directory: data, columns: try columns()).table))
        let short = try HistoryTable.build(directory: data, columns: try columns(), from: "2023Q1", to: "2023Q4")
        #expect(short.quarters == 4 && short.table.split(separator: "\n")[1].hasPrefix("2023Q1,2023-03-31,2023.25,"))
    }

    /// The committed table is what the reader derives from the project's data folder.
    @Test("the committed history table is reproduced from data/")
    func committedTable() throws {
        let data = Tool.data
        let (derived, quarters) = try HistoryTable.build(directory: data, columns: try columns())
        #expect(quarters == 15, "2022Q2 to 2025Q4: the data end in December 2025")
        let committed = try String(
            contentsOf: Tool.root.appendingPathComponent("calibration/history.csv"), encoding: .utf8)
        #expect(derived == committed)
        let rows = committed.split(separator: "\n")
        #expect(rows.count == 16)
        // The ON RRP drain: from $2.3T in mid-2022 to near zero in late 2025.
        let rrp = rows.dropFirst().map { Double($0.split(separator: ",")[5])! }
        #expect(rrp.first! > 2.3 && rrp[rrp.count - 2] < 0.06)
    }

    /// The FRED layout holds the same observations as the model's, in the data's units.
    @Test(
        """
        the table in FRED units: the committed calibration/history-fred.csv, each column the model table's over \
        its scale, a stale weekly value blank
        """
    )
    func fredUnits() throws {
        let data = Tool.data
        let (fred, quarters) = try HistoryTable.build(directory: data, columns: try columns(), units: .fred)
        #expect(quarters == 15)
        #expect(fred == (try Tool.text(Tool.root.appendingPathComponent("calibration/history-fred.csv"))))
        let lines = fred.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        #expect(
            lines[0] == [
                "quarter", "date", "t", "WALCL", "TREAST", "RRPONTSYD", "WRESBAL", "TGA_DTS", "WTREGEN", "FYGFDPUN",
                "DGS10", "BAMLC0A0CM", "CBBTCUSD", "NASDAQCOM", "M2SL",
            ])
        let model = try HistoryFiles.readTable(Tool.root.appendingPathComponent("calibration/history.csv").path)
        for (fredName, modelName, scale) in [
            ("RRPONTSYD", "on_rrp", 1e-3), ("DGS10", "rb", 0.01), ("TREAST", "Bf", 1e-6),
        ] {
            let column = lines[0].firstIndex(of: fredName)!
            for (k, row) in model.enumerated() {
                #expect(abs(Double(lines[k + 1][column])! * scale - row[modelName]!) < 1e-9, "\(fredName) \(k)")
            }
        }
        // WTREGEN ends on 2025-11-19, six weeks before 2025Q4's end: blank there, not a stale value.
        #expect(lines[15][lines[0].firstIndex(of: "WTREGEN")!] == "")
    }

    @Test("history --targets turns table columns into calibration targets, one per quarter-end within the range")
    func targets() throws {
        let table = Tool.root.appendingPathComponent("calibration/history-fred.csv").path
        let dir = try Tool.scratch()
        let path = dir.appendingPathComponent("t.toml").path
        try HistoryFiles.targets(
            table: table,
            bands: [("DGS10", .absolute(0.5)), ("WTREGEN", .absolute(1e5)), ("CBBTCUSD", .relative(0.25))],
            from: "2022Q3", to: nil
        )
        .write(toFile: path, atomically: true, encoding: .utf8)
        let targets = try CalibrationFiles.readTargets(path)
        #expect(targets.filter { $0.id.hasPrefix("DGS10_") }.count == 14)
        #expect(targets.filter { $0.id.hasPrefix("WTREGEN_") }.count == 13, "no target where the table is blank")
        let q = try #require(targets.first { $0.id == "DGS10_2023Q3" })
        #expect(q.quantity == .value(series: "DGS10", at: 2023.75) && q.value == 4.59 && q.band == 0.5)
        // A percent band is that share of each quarter's value.
        for target in targets where target.id.hasPrefix("CBBTCUSD_") {
            #expect(target.band == 0.25 * target.value, "\(target.id)")
        }
        #expect(HistoryFiles.Band("25%") == .relative(0.25) && HistoryFiles.Band("0.5") == .absolute(0.5))
        #expect(HistoryFiles.Band("25 %") == nil && HistoryFiles.Band("abc%") == nil)
        let error = #expect(throws: InputError.self) {
            try HistoryFiles.targets(table: table, bands: [("DGS2", .absolute(0.5))], from: nil, to: nil)
        }
        #expect(
            error?.message.hasPrefix("--targets DGS2: \(table) has no column DGS2; its columns: WALCL, TREAST") == true
        )
    }

    /// The history table's columns and the historical configuration's figures are data files:
    /// the committed ones hold what the code held before, and a bad one is refused, named.
    @Test(
        """
        calibration/fred-columns.csv and calibration/history-inputs.toml: the committed layouts and figures, and \
        each fault named
        """
    )
    func dataFiles() throws {
        let committed = try columns()
        #expect(
            committed.model.map(\.name) == [
                "fed_assets", "Bf", "on_rrp", "reserves", "TGA", "B", "rb", "ig_oas", "bitcoin", "nasdaq", "M2",
            ])
        #expect(
            committed(.fred).map(\.name) == [
                "WALCL", "TREAST", "RRPONTSYD", "WRESBAL", "TGA_DTS", "WTREGEN", "FYGFDPUN", "DGS10", "BAMLC0A0CM",
                "CBBTCUSD", "NASDAQCOM", "M2SL",
            ])
        let rb = try #require(committed.model.first { $0.name == "rb" })
        #expect(rb.scale == 0.01 && rb.unit == "1/yr" && rb.sampling == .daily && rb.file == "DGS10.csv")
        #expect(committed.model.filter { $0.sampling != .daily }.map(\.name) == ["B", "M2"])
        let inputs = try HistoryInputsFile.read(
            Tool.root.appendingPathComponent("calibration/history-inputs.toml").path)
        // The FOMC's fifteen changes from June 2022 to December 2025: up to 5.25-5.50% in July 2023, down to
        // 3.50-3.75%.
        #expect(
            inputs.policyRate.count == 15 && inputs.policyRate.first! == ("2022-06-16", 0.01625)
                && inputs.policyRate.last! == ("2025-12-11", 0.03625))
        #expect(inputs.policyRate.map(\.rate).max() == 0.05375)
        #expect(
            (inputs.nominalGDP, inputs.primaryDeficit, inputs.averageCoupon, inputs.cryptoMarket) == (
                25.25, 0.9, 0.019, 0.9
            ))

        let dir = try Tool.scratch()
        let bad = dir.appendingPathComponent("columns.csv").path
        let header = "column,fred_column,series,file,unit,data_unit,scale,sampling,note"
        try (header + "\nrb,DGS10,DGS10,DGS10.csv,1/yr,percent,0.01,weekly,yield\n").write(
            toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: InputError("\(bad):2: sampling weekly: expected daily, monthly, quarterly")) {
            try HistoryTable.Columns.read(bad)
        }
        try (header + "\nrb,DGS10,DGS10,DGS10.csv,1/yr,percent,-1,daily,yield\n").write(
            toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: InputError("\(bad):2: scale -1: expected a positive number")) {
            try HistoryTable.Columns.read(bad)
        }
        try (header + "\nrb,DGS10,DGS10,DGS10.csv,1/yr,percent,0.01,daily,yield\n").write(
            toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: InputError("\(bad): no row for the column TGA")) { try HistoryTable.Columns.read(bad) }
        let figures = dir.appendingPathComponent("inputs.toml").path
        try "policy_rate = [[\"2023-01-01\", 0.04], [\"2022-01-01\", 0.01]]\n".write(
            toFile: figures, atomically: true, encoding: .utf8)
        #expect(throws: InputError("\(figures): policy_rate: the dates must ascend; 2022-01-01 follows 2023-01-01")) {
            try HistoryInputsFile.read(figures)
        }
        try "policy_rate = [[\"2022-01-01\", 0.01]]\ngdp = 25\n".write(
            toFile: figures, atomically: true, encoding: .utf8)
        #expect(
            throws: InputError(
                """
                \(figures): unknown key gdp; allowed: policy_rate, nominal_gdp, primary_deficit, average_coupon, \
                crypto_market
                """
            )
        ) {
            try HistoryInputsFile.read(figures)
        }
        try "policy_rate = [[\"2022-01-01\", 0.01]]\n".write(toFile: figures, atomically: true, encoding: .utf8)
        #expect(throws: InputError("\(figures): missing key nominal_gdp ($T at an annual rate)")) {
            try HistoryInputsFile.read(figures)
        }
    }
}
