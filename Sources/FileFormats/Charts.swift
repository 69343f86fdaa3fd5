import Experiments
import Foundation
import ModelLanguage

/// Line charts as SVG, drawn by the tool itself: no Python needed.
public enum Charts {
    struct Line {
        var label: String
        var color: String
        var dashed: Bool
        var t: [Double]
        var values: [Double]
    }

    struct Panel {
        var title: String
        var unit: String
        var lines: [Line]
        /// A dashed horizontal reference line, with its label.
        var reference: (value: Double, label: String)?
    }

    /// About five round ticks covering [low, high].
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let span = max(high - low, 1e-12)
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var ticks: [Double] = []
        var value = (low / step).rounded(.up) * step
        while value <= high + 1e-9 * span {
            ticks.append(abs(value) < 1e-12 * span ? 0 : value)
            value += step
        }
        return ticks
    }

    static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 100 { return String(format: "%.0f", value) }
        if magnitude >= 10 { return String(format: "%.1f", value).replacingOccurrences(of: ".0", with: "") }
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// One panel at (x, y) of the given size.
    static func draw(_ panel: Panel, x: Double, y: Double, width: Double, height: Double) -> String {
        let left = x + 58, right = x + width - 24, top = y + 30, bottom = y + height - 34
        let allT = panel.lines.flatMap(\.t)
        let t0 = allT.min() ?? 0, t1 = allT.max() ?? 1
        var values = panel.lines.flatMap(\.values).filter(\.isFinite)
        if let reference = panel.reference { values.append(reference.value) }
        var low = values.min() ?? 0, high = values.max() ?? 1
        if high - low < 1e-9 * max(abs(high), 1) { low -= 0.5; high += 0.5 }
        let pad = 0.06 * (high - low)
        low -= pad
        high += pad
        func px(_ t: Double) -> Double { left + (t - t0) / max(t1 - t0, 1e-12) * (right - left) }
        func py(_ v: Double) -> Double { bottom - (v - low) / (high - low) * (bottom - top) }
        var svg = "<g>\n"
        svg += "<rect x=\"\(x + 2)\" y=\"\(y + 2)\" width=\"\(width - 4)\" height=\"\(height - 4)\" fill=\"white\" stroke=\"#dddddd\"/>\n"
        svg += "<text x=\"\(x + width / 2)\" y=\"\(y + 19)\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escape(panel.title))</text>\n"
        for tick in ticks(low, high) {
            let yy = py(tick)
            svg += "<line x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(right)\" y2=\"\(yy)\" stroke=\"#eeeeee\"/>\n"
            svg += "<text x=\"\(left - 5)\" y=\"\(yy + 4)\" text-anchor=\"end\" font-size=\"11\">\(label(tick))</text>\n"
        }
        var year = t0.rounded(.up)
        while year <= t1 + 1e-9 {
            let xx = px(year)
            svg += "<line x1=\"\(xx)\" y1=\"\(top)\" x2=\"\(xx)\" y2=\"\(bottom)\" stroke=\"#f3f3f3\"/>\n"
            svg += "<text x=\"\(xx)\" y=\"\(bottom + 15)\" text-anchor=\"middle\" font-size=\"11\">\(Int(year))</text>\n"
            year += 1
        }
        svg += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"#555555\"/>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"#555555\"/>\n"
        svg += "<text x=\"\(x + 14)\" y=\"\((top + bottom) / 2)\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 \(x + 14) \((top + bottom) / 2))\">\(escape(panel.unit))</text>\n"
        svg += "<text x=\"\((left + right) / 2)\" y=\"\(bottom + 29)\" text-anchor=\"middle\" font-size=\"10\" fill=\"#666666\">year</text>\n"
        if let reference = panel.reference {
            let yy = py(reference.value)
            svg += "<line x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(right)\" y2=\"\(yy)\" stroke=\"#333333\" stroke-dasharray=\"2,3\"/>\n"
            svg += "<text x=\"\(right - 3)\" y=\"\(yy - 4)\" text-anchor=\"end\" font-size=\"10\" fill=\"#333333\">\(escape(reference.label))</text>\n"
        }
        for line in panel.lines {
            let points = zip(line.t, line.values).filter { $0.1.isFinite }
                .map { String(format: "%.1f,%.1f", px($0.0), py($0.1)) }.joined(separator: " ")
            let dash = line.dashed ? " stroke-dasharray=\"6,4\"" : ""
            svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\"\(dash) points=\"\(points)\"><title>\(escape(line.label))</title></polyline>\n"
        }
        return svg + "</g>\n"
    }

    /// The colours of cases by the position of their option in the file: the
    /// same option has the same colour in every chart of one model.
    static let palette = ["#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// The scale and axis label of a series of `unit` in a chart: rates and shares in percent.
    static func scale(_ unit: String) -> (factor: Double, label: String) {
        switch unit {
        case "1/yr": (100, "percent a year")
        case "share": (100, "percent")
        default: (1, unit)
        }
    }

    /// The panels of a model file's comparison: one per series the file
    /// summarises, with a `below` summary's level as a reference line; with
    /// counterfactual cases, the counterfactual's part of the first two series.
    public static func panels(of comparison: ChoiceComparisonResult) -> (panels: [NotebookPlan.Panel], attribution: [NotebookPlan.Panel]) {
        guard let first = comparison.main.first else { return ([], []) }
        var names: [String] = []
        var references: [String: Double] = [:]
        for summary in first.summaries {
            if !names.contains(summary.series) { names.append(summary.series) }
            if summary.kind == "below", let level = first.path.model.source.summaries.first(where: { $0.kind == "below" && summary.series.hasPrefix($0.series) })?.level {
                references[summary.series] = level
            }
        }
        let info = Dictionary(first.path.columns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let panels = names.map { series in
            let (factor, unit) = scale(info[series]?.unit ?? "")
            return NotebookPlan.Panel(
                column: series, title: info[series].map { "\($0.description) \(series)" } ?? series, unit: unit, scale: factor,
                reference: references[series])
        }
        guard let option = comparison.cases.first(where: \.kind.isCounterfactual)?.kind.counterfactual else { return (panels, []) }
        let attribution = panels.prefix(2).map { panel in
            NotebookPlan.Panel(column: panel.column, title: "\(panel.column): as solved minus \(option)", unit: panel.unit, scale: panel.scale, reference: 0)
        }
        return (panels, attribution)
    }

    /// The colour of each option of a model file's comparison, by its place in the file.
    static func colors(of comparison: ChoiceComparisonResult) -> [String: String] {
        Dictionary(uniqueKeysWithValues: comparison.declaredOptions.enumerated().map { ($0.element, palette[$0.offset % palette.count]) })
    }

    /// The dashboard of a model file's comparison: the ``panels(of:)``, one line per option.
    public static func dashboard(title: String, subtitle: String, comparison: ChoiceComparisonResult) -> String {
        let main = comparison.main
        let colors = colors(of: comparison)
        let flat = Dictionary(comparison.cases.filter(\.kind.isCounterfactual).map { ($0.kind.option, $0.path) }, uniquingKeysWith: { a, _ in a })
        func lines(_ panel: NotebookPlan.Panel, difference: Bool) -> [Line] {
            main.compactMap { solved in
                guard var values = solved.path.series(panel.column) else { return nil }
                if difference {
                    guard let other = flat[solved.kind.option]?.series(panel.column) else { return nil }
                    values = zip(values, other).map { $0 - $1 }
                }
                return Line(
                    label: solved.kind.option, color: colors[solved.kind.option] ?? "grey", dashed: false, t: solved.path.t,
                    values: values.map { $0 * panel.scale })
            }
        }
        let (panels, attribution) = panels(of: comparison)
        func drawn(_ panel: NotebookPlan.Panel, difference: Bool) -> Panel {
            let reference = panel.reference.map { ($0 * panel.scale, difference ? "no effect" : "level \(label($0))") }
            return Panel(title: panel.title, unit: panel.unit, lines: lines(panel, difference: difference), reference: reference)
        }
        return page(
            title: title, subtitle: subtitle,
            legend: main.map { ("\(comparison.choice): \($0.kind.option)", colors[$0.kind.option] ?? "grey") },
            panels: panels.map { drawn($0, difference: false) } + attribution.map { drawn($0, difference: true) })
    }

    /// A page of panels, three a row, under a title, a subtitle and a legend.
    static func page(title: String, subtitle: String, legend: [(label: String, color: String)], panels: [Panel]) -> String {
        let columns = 3, width = 480.0, height = 300.0
        let rows = (panels.count + columns - 1) / columns
        let total = (Double(columns) * width, 96 + Double(rows) * height + 10)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(total.0))\" height=\"\(Int(total.1))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n"
        svg += "<text x=\"16\" y=\"30\" font-size=\"20\" font-weight=\"bold\">\(escape(title))</text>\n"
        svg += "<text x=\"16\" y=\"52\" font-size=\"12\" fill=\"#444444\">\(escape(subtitle))</text>\n"
        var legendX = 16.0
        for (label, color) in legend {
            svg += "<line x1=\"\(legendX)\" y1=\"76\" x2=\"\(legendX + 28)\" y2=\"76\" stroke=\"\(color)\" stroke-width=\"3\"/>\n"
            svg += "<text x=\"\(legendX + 34)\" y=\"80\" font-size=\"13\">\(escape(label))</text>\n"
            legendX += 190
        }
        for (index, panel) in panels.enumerated() {
            svg += draw(panel, x: Double(index % columns) * width, y: 90 + Double(index / columns) * height, width: width, height: height)
        }
        return svg + "</svg>\n"
    }

    /// Writes dashboard.svg, and dashboard.png when rsvg-convert can make it;
    /// returns the names written.
    public static func write(_ svg: String, into directory: OutputDirectory) throws -> [String] {
        try directory.write("dashboard.svg", svg)
        let svgPath = (directory.path as NSString).appendingPathComponent("dashboard.svg")
        let pngPath = (directory.path as NSString).appendingPathComponent("dashboard.png")
        let temporary = (directory.path as NSString).appendingPathComponent(".dashboard.png.tmp-\(getpid())")
        if png(from: svgPath, to: temporary), rename(temporary, pngPath) == 0 { return ["dashboard.svg", "dashboard.png"] }
        try? FileManager.default.removeItem(atPath: temporary)
        return ["dashboard.svg"]
    }

    /// Converts an SVG file to PNG with rsvg-convert when it is installed.
    static func png(from svg: String, to png: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["rsvg-convert", "--background-color=white", "-o", png, svg]
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
