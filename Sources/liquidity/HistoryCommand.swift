import ArgumentParser
import Foundation

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Derive the quarter-end table 2022Q2-2025Q4 from the FRED, Treasury and SEC files.",
        discussion: """
            Reads the series of --data (FRED CSV in any of its header variants, blank or "." for
            missing values; the Daily Treasury Statement for the TGA) and writes one row per quarter:
            the last observation on or before each quarter's last day, in the units of the model
            ($T, decimal rates). calibration/history.md says which model quantity each column measures.

            Examples:
              liquidity history --data ../shared/data/fred --write calibration/history.csv
            """)

    @Option(help: ArgumentHelp("Folder of the data files.", valueName: "dir"))
    var data: String = "../shared/data/fred"

    @Option(help: ArgumentHelp("Where to write the table (CSV); - prints it.", valueName: "file"))
    var write: String = "-"

    func run() throws {
        let table = try HistoryTable.build(directory: data)
        if write == "-" {
            print(table, terminator: "")
        } else {
            let directory = (write as NSString).deletingLastPathComponent
            try OutputDirectory(directory.isEmpty ? "." : directory).write((write as NSString).lastPathComponent, table)
            print("wrote \(write): \(HistoryTable.quarters.count) quarters, \(HistoryTable.columns.count) series")
        }
    }
}
