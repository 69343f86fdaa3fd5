import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports

extension Charts {
    /// Writes `name`.svg (dashboard.svg), and its PNG and PDF when
    /// rsvg-convert can make them; returns the names written.
    public static func write(_ svg: String, name: String = "dashboard", into directory: OutputDirectory) throws
        -> [String]
    {
        try directory.write("\(name).svg", svg)
        let svgPath = (directory.path as NSString).appendingPathComponent("\(name).svg")
        var written = ["\(name).svg"]
        for format in ["png", "pdf"] {
            let target = (directory.path as NSString).appendingPathComponent("\(name).\(format)")
            let temporary = (directory.path as NSString).appendingPathComponent(".\(name).\(format).tmp-\(getpid())")
            if convert(svgPath, to: temporary, format: format), rename(temporary, target) == 0 {
                written.append("\(name).\(format)")
            } else {
                try? FileManager.default.removeItem(atPath: temporary)
            }
        }
        return written
    }

    /// Converts an SVG file to PNG or PDF with rsvg-convert when it is installed.
    static func convert(_ svg: String, to output: String, format: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["rsvg-convert", "--background-color=white", "-f", format, "-o", output, svg]
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Refuses a panel that is not a series of `model`, before anything is solved.
    public static func checkPanels(_ panels: [String], model: CompiledModel) throws {
        var names: [String] = []
        for summary in model.summaries(t: [model.t0], series: model.columns.map { _ in [0] })
        where !names.contains(summary.series) {
            names.append(summary.series)
        }
        let columns = Set(model.columns.map(\.name))
        for name in panels where !columns.contains(name) {
            throw InputError(
                """
                --panels \(name): not a series of the model file (the columns of units.csv); its summarised \
                series: \(names.joined(separator: ", "))
                """
            )
        }
    }

}
