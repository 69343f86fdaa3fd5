import Experiments
import FileFormats
import FlowModel
import Foundation

/// Line charts as SVG, drawn by the tool itself: no Python needed.
public enum Charts {
    package struct Line {
        var label: String
        var color: String
        /// An SVG dash pattern; empty for a solid line.
        var dash: String
        var t: [Double]
        var values: [Double]
    }

    package struct Panel {
        var title: String
        var unit: String
        var lines: [Line]
        /// A dashed horizontal reference line, with its label.
        var reference: (value: Double, label: String)?
        /// Shaded bands between two paths (a fan chart's quantiles), drawn under the lines.
        var shades: [Shade] = []
    }

    /// A band between `low` and `high` over `t`.
    package struct Shade {
        var color: String, opacity: Double, t: [Double], low: [Double], high: [Double]
    }

    /// About five round ticks covering [low, high].
    package static func ticks(_ low: Double, _ high: Double) -> [Double] {
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

    package static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 100 { return String(format: "%.0f", value) }
        if magnitude >= 10 { return String(format: "%.1f", value).replacingOccurrences(of: ".0", with: "") }
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// The font size at which `text` fits in `width` pixels (DejaVu Sans is
    /// about 0.6 em a character), at most `size` and at least 9.
    package static func fitting(_ text: String, width: Double, size: Double) -> Double {
        max(9, min(size, (width / (0.6 * Double(max(text.count, 1)))).rounded(.down)))
    }

    /// A text drawn over a white halo, so a line crossing it does not strike it through.
    package static func haloText(_ text: String, x: Double, y: Double, anchor: String, size: Double, fill: String)
        -> String
    {
        """
        <text x=\"\(x)\" y=\"\(y)\" text-anchor=\"\(anchor)\" font-size=\"\(size)\" fill=\"\(fill)\" \
        stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">\(escape(text))</text>\n
        """
    }

    /// Groups of lines within 0.2% of the panel's range of each other
    /// everywhere (under half a pixel), so the chart can say which lines hide others.
    package static func coinciding(_ lines: [Line], span: Double) -> [[String]] {
        var groups: [[Int]] = []
        for (i, line) in lines.enumerated() {
            if let g = groups.firstIndex(where: { group in
                let other = lines[group[0]]
                return other.values.count == line.values.count
                    && zip(other.values, line.values).allSatisfy {
                        abs($0 - $1) <= 0.002 * max(span, 1e-300) || ($0.isNaN && $1.isNaN)
                    }
            }) {
                groups[g].append(i)
            } else {
                groups.append([i])
            }
        }
        return groups.filter { $0.count > 1 }.map { $0.map { lines[$0].label } }
    }

    package static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// One panel at (x, y) of the given size.
    package static func draw(_ panel: Panel, x: Double, y: Double, width: Double, height: Double) -> String {
        let left = x + 58
        let right = x + width - 24
        let top = y + 30
        let bottom = y + height - 34
        let allT = panel.lines.flatMap(\.t) + panel.shades.flatMap(\.t)
        let t0 = allT.min() ?? 0
        let t1 = allT.max() ?? 1
        var values = (panel.lines.flatMap(\.values) + panel.shades.flatMap { $0.low + $0.high }).filter(\.isFinite)
        if let reference = panel.reference { values.append(reference.value) }
        var low = values.min() ?? 0
        var high = values.max() ?? 1
        if high - low < 1e-9 * max(abs(high), 1) {
            low -= 0.5
            high += 0.5
        }
        let pad = 0.06 * (high - low)
        low -= pad
        high += pad
        func px(_ t: Double) -> Double { left + (t - t0) / max(t1 - t0, 1e-12) * (right - left) }
        func py(_ v: Double) -> Double { bottom - (v - low) / (high - low) * (bottom - top) }
        var svg = "<g>\n"
        svg +=
            """
            <rect x=\"\(x + 2)\" y=\"\(y + 2)\" width=\"\(width - 4)\" height=\"\(height - 4)\" fill=\"white\" \
            stroke=\"#dddddd\"/>\n
            """
        let titleSize = fitting(panel.title, width: width - 16, size: 14)
        svg +=
            """
            <text x=\"\(x + width / 2)\" y=\"\(y + 19)\" text-anchor=\"middle\" font-size=\"\(titleSize)\" \
            font-weight=\"bold\">\(escape(panel.title))</text>\n
            """
        for tick in ticks(low, high) {
            let yy = py(tick)
            svg += "<line x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(right)\" y2=\"\(yy)\" stroke=\"#eeeeee\"/>\n"
            svg +=
                "<text x=\"\(left - 5)\" y=\"\(yy + 4)\" text-anchor=\"end\" font-size=\"11\">\(label(tick))</text>\n"
        }
        var year = t0.rounded(.up)
        while year <= t1 + 1e-9 {
            let xx = px(year)
            svg += "<line x1=\"\(xx)\" y1=\"\(top)\" x2=\"\(xx)\" y2=\"\(bottom)\" stroke=\"#f3f3f3\"/>\n"
            svg +=
                "<text x=\"\(xx)\" y=\"\(bottom + 15)\" text-anchor=\"middle\" font-size=\"11\">\(Int(year))</text>\n"
            year += 1
        }
        svg += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"#555555\"/>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"#555555\"/>\n"
        svg +=
            """
            <text x=\"\(x + 14)\" y=\"\((top + bottom) / 2)\" text-anchor=\"middle\" font-size=\"11\" \
            transform=\"rotate(-90 \(x + 14) \((top + bottom) / 2))\">\(escape(panel.unit))</text>\n
            """
        svg +=
            """
            <text x=\"\(right)\" y=\"\(bottom + 29)\" text-anchor=\"end\" font-size=\"10\" \
            fill=\"#666666\">year</text>\n
            """
        let hidden = coinciding(panel.lines, span: high - low)
        if !hidden.isEmpty {
            let note = "drawn over each other: " + hidden.map { $0.joined(separator: " = ") }.joined(separator: "; ")
            svg +=
                """
                <text x=\"\(left)\" y=\"\(bottom + 29)\" \
                font-size=\"\(fitting(note, width: right - left - 40, size: 10))\" \
                fill=\"#333333\">\(escape(note))</text>\n
                """
        }
        if let reference = panel.reference {
            let yy = py(reference.value)
            svg +=
                """
                <line x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(right)\" y2=\"\(yy)\" stroke=\"#333333\" \
                stroke-dasharray=\"2,3\"/>\n
                """
            svg += haloText(reference.label, x: right - 3, y: yy - 4, anchor: "end", size: 10, fill: "#333333")
        }
        for shade in panel.shades {
            let upper = zip(shade.t, shade.high).map { String(format: "%.1f,%.1f", px($0.0), py($0.1)) }
            let lower = zip(shade.t, shade.low).reversed().map { String(format: "%.1f,%.1f", px($0.0), py($0.1)) }
            svg +=
                """
                <polygon fill=\"\(shade.color)\" fill-opacity=\"\(shade.opacity)\" stroke=\"none\" \
                points=\"\((upper + lower).joined(separator: " "))\"/>\n
                """
        }
        for line in panel.lines {
            let points = zip(line.t, line.values).filter { $0.1.isFinite }
                .map { String(format: "%.1f,%.1f", px($0.0), py($0.1)) }.joined(separator: " ")
            let dash = line.dash.isEmpty ? "" : " stroke-dasharray=\"\(line.dash)\""
            svg +=
                """
                <polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\"\(dash) \
                points=\"\(points)\"><title>\(escape(line.label))</title></polyline>\n
                """
        }
        return svg + "</g>\n"
    }

    /// The start of the name of a series that checks the accounting: in the table, not a default panel.
    public static let diagnosticPrefix = "identity_"

    /// The columns of a page of `count` panels: as many as panels up to three, two for four, else three.
    static func columns(for count: Int) -> Int {
        count <= 3 ? max(count, 1) : count == 4 ? 2 : 3
    }

    /// The colours of cases by the position of their option in the file: the
    /// same option has the same colour in every chart of one model. Okabe and
    /// Ito's palette, told apart by readers with any colour vision; with
    /// ``dashes`` the lines also survive greyscale print.
    package static let palette = [
        "#D55E00", "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#F0E442",
    ]

    /// The line style of each option by its position: solid, dashed, dotted, dash-dot.
    package static let dashes = ["", "8,4", "2,3", "8,3,2,3"]

    /// The scale and axis label of a series of `unit` in a chart: rates and shares in percent.
    package static func scale(_ unit: String) -> (factor: Double, label: String) {
        switch unit {
        case "1/yr": (100, "percent a year")
        case "share": (100, "percent")
        default: (1, unit)
        }
    }

    /// The panels of a model file's comparison: one per series the file
    /// summarises, with a `below` summary's level as a reference line; with
    /// counterfactual cases, the counterfactual's part of the first two series.
    /// An accounting check (a series named `identity_...`, such as `identity_share`)
    /// is the table's, not a panel, unless asked for.
    ///
    /// - Parameter only: the series to draw, in this order, any of the file's (nil: every summarised one).
    /// - Throws: ``UnknownPanel`` for a name that is no series of the file.
    public static func panels(of comparison: ChoiceComparisonResult, only: [String]? = nil) throws
        -> (panels: [NotebookPlan.Panel], attribution: [NotebookPlan.Panel])
    {
        guard let first = comparison.main.first else { return ([], []) }
        var names: [String] = []
        var references: [String: Double] = [:]
        for summary in first.summaries {
            if !names.contains(summary.series) { names.append(summary.series) }
            if summary.kind == "below",
                let level = first.solved.model.source.summaries.first(where: {
                    $0.kind == "below" && summary.series.hasPrefix($0.series)
                })?.level
            {
                references[summary.series] = level
            }
        }
        let info = Dictionary(first.solved.columns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        if let only {
            for name in only where info[name] == nil { throw UnknownPanel(name: name, panels: names) }
            names = only
        } else {
            names.removeAll { $0.hasPrefix(diagnosticPrefix) }
        }
        let panels = names.map { series in
            let (factor, unit) = scale(info[series]?.unit ?? "")
            return NotebookPlan.Panel(
                column: series, title: info[series]?.description ?? series, unit: unit, scale: factor,
                reference: references[series])
        }
        guard let option = comparison.cases.first(where: \.kind.isCounterfactual)?.kind.counterfactual else {
            return (panels, [])
        }
        let attribution = panels.prefix(2).map { panel in
            NotebookPlan.Panel(
                column: panel.column, title: "\(panel.title): as solved minus \(option)", unit: panel.unit,
                scale: panel.scale, reference: 0)
        }
        return (panels, attribution)
    }

    /// The colour of each option of a model file's comparison, by its place in the file.
    package static func colors(of comparison: ChoiceComparisonResult) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: comparison.declaredOptions.enumerated().map {
                ($0.element, palette[$0.offset % palette.count])
            })
    }

    /// The dash pattern of each option, by its place in the file.
    package static func styles(of comparison: ChoiceComparisonResult) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: comparison.declaredOptions.enumerated().map {
                ($0.element, dashes[$0.offset % dashes.count])
            })
    }

    /// The dashboard of a model file's comparison: the ``panels(of:)``, one line per option.
    public static func dashboard(
        title: String, subtitle: String, comparison: ChoiceComparisonResult, panels only: [String]? = nil
    ) throws -> String {
        let main = comparison.main
        let colors = colors(of: comparison)
        let styles = styles(of: comparison)
        let flat = Dictionary(
            comparison.cases.filter(\.kind.isCounterfactual).map { ($0.kind.option, $0.solved) },
            uniquingKeysWith: { a, _ in a })
        func lines(_ panel: NotebookPlan.Panel, difference: Bool) -> [Line] {
            main.compactMap { run in
                guard var values = run.solved.series(panel.column) else { return nil }
                if difference {
                    guard let other = flat[run.kind.option]?.series(panel.column) else { return nil }
                    values = zip(values, other).map { $0 - $1 }
                }
                return Line(
                    label: run.kind.option, color: colors[run.kind.option] ?? "grey",
                    dash: styles[run.kind.option] ?? "", t: run.solved.t,
                    values: values.map { $0 * panel.scale })
            }
        }
        let (panels, attribution) = try panels(of: comparison, only: only)
        func drawn(_ panel: NotebookPlan.Panel, difference: Bool) -> Panel {
            let reference = panel.reference.map { ($0 * panel.scale, difference ? "no effect" : "level \(label($0))") }
            return Panel(
                title: panel.title, unit: panel.unit, lines: lines(panel, difference: difference), reference: reference
            )
        }
        return page(
            title: title, subtitle: subtitle,
            legend: main.map {
                (
                    "\($0.kind.option)" + (comparison.meanings[$0.kind.option].map { " (\($0))" } ?? ""),
                    colors[$0.kind.option] ?? "grey", styles[$0.kind.option] ?? ""
                )
            },
            panels: panels.map { drawn($0, difference: false) } + attribution.map { drawn($0, difference: true) })
    }

    /// The fan chart of a sweep's paths: per series a panel, per regime the
    /// median as a line and the 5-95% and 25-75% bands shaded in its colour.
    ///
    /// - Parameters:
    ///   - columns: each series' unit (rates and shares are drawn in percent) and description (the panel's title).
    ///   - regimes: the regimes in the file's order, which fixes their colours.
    public static func fanChart(
        title: String, subtitle: String, bands: [FanBand], columns: [SeriesInfo], regimes: [String]
    ) -> String {
        let info = Dictionary(columns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let colors = Dictionary(
            uniqueKeysWithValues: regimes.enumerated().map { ($0.element, palette[$0.offset % palette.count]) })
        let styles = Dictionary(
            uniqueKeysWithValues: regimes.enumerated().map { ($0.element, dashes[$0.offset % dashes.count]) })
        var seriesOrder: [String] = []
        for band in bands where !seriesOrder.contains(band.series) { seriesOrder.append(band.series) }
        let panels = seriesOrder.map { series -> Panel in
            let (factor, unit) = scale(info[series]?.unit ?? "")
            var lines: [Line] = []
            var shades: [Shade] = []
            for regime in regimes {
                let rows = bands.filter { $0.series == series && $0.option == regime }.sorted { $0.t < $1.t }
                guard !rows.isEmpty else { continue }
                let t = rows.map(\.t)
                let color = colors[regime] ?? "grey"
                func quantile(_ k: Int) -> [Double] { rows.map { $0.quantiles[k] * factor } }
                shades.append(Shade(color: color, opacity: 0.12, t: t, low: quantile(0), high: quantile(4)))
                shades.append(Shade(color: color, opacity: 0.22, t: t, low: quantile(1), high: quantile(3)))
                lines.append(
                    Line(
                        label: regime + ": median", color: color, dash: styles[regime] ?? "", t: t, values: quantile(2)
                    ))
            }
            return Panel(
                title: info[series]?.description ?? series, unit: unit, lines: lines, reference: nil, shades: shades)
        }
        return page(
            title: title, subtitle: subtitle,
            legend: regimes.map {
                ("\($0): median, 25-75% and 5-95% of the runs", colors[$0] ?? "grey", styles[$0] ?? "")
            }, panels: panels)
    }

    /// A page of panels, up to three a row (``columns(for:)``), under a title, a subtitle and a legend.
    package static func page(
        title: String, subtitle: String, legend: [(label: String, color: String, dash: String)], panels: [Panel]
    ) -> String {
        let columns = columns(for: panels.count)
        let width = 480.0
        let height = 300.0
        let rows = (panels.count + columns - 1) / columns
        let pageWidth = Double(columns) * width
        var legendRows: [[(label: String, color: String, dash: String, x: Double)]] = [[]]
        var legendX = 16.0
        for item in legend {
            let itemWidth = 34 + 0.6 * 13 * Double(item.label.count) + 24
            if legendX + itemWidth > pageWidth - 16, !legendRows[legendRows.count - 1].isEmpty {
                legendRows.append([])
                legendX = 16
            }
            legendRows[legendRows.count - 1].append((item.label, item.color, item.dash, legendX))
            legendX += itemWidth
        }
        let top = 90 + 22 * Double(legendRows.count - 1)
        let total = (pageWidth, top + 6 + Double(rows) * height + 10)
        var svg =
            """
            <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(total.0))\" height=\"\(Int(total.1))\" \
            font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n
            """
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n"
        svg += "<text x=\"16\" y=\"30\" font-size=\"20\" font-weight=\"bold\">\(escape(title))</text>\n"
        svg += "<text x=\"16\" y=\"52\" font-size=\"12\" fill=\"#444444\">\(escape(subtitle))</text>\n"
        for (row, items) in legendRows.enumerated() {
            let y = 76 + 22 * Double(row)
            for (label, color, dash, x) in items {
                let pattern = dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\""
                svg +=
                    """
                    <line x1=\"\(x)\" y1=\"\(y)\" x2=\"\(x + 28)\" y2=\"\(y)\" stroke=\"\(color)\" \
                    stroke-width=\"3\"\(pattern)/>\n
                    """
                svg += "<text x=\"\(x + 34)\" y=\"\(y + 4)\" font-size=\"13\">\(escape(label))</text>\n"
            }
        }
        for (index, panel) in panels.enumerated() {
            svg += draw(
                panel, x: Double(index % columns) * width, y: top + Double(index / columns) * height, width: width,
                height: height)
        }
        return svg + "</svg>\n"
    }
}

/// A panel asked for that is not a series the model file summarises.
public struct UnknownPanel: Error, Equatable {
    /// The series asked for, and the ones the file summarises, in its order (any series of the file may be drawn).
    public let name: String, panels: [String]
}
