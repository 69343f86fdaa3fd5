import Experiments
import Foundation

/// The decomposition drawn: one panel per series, each quarter's contributions of the drivers
/// stacked as bars (positive up, negative down from zero) and the path's difference from the one
/// with every driver off as a line through them.
public enum DecompositionChart {
    public static func svg(_ d: Decomposition, title: String, units: [String: String] = [:]) -> String {
        let columns = min(2, max(d.series.count, 1))
        let rows = (d.series.count + columns - 1) / columns
        let (w, h, top) = (520.0, 300.0, 70.0 + 18.0 * Double((d.drivers.count + 3) / 4))
        // Black is the line's.
        let bars = Charts.palette.filter { $0 != "#000000" } + ["#999999"]
        let colour = { (k: Int) in bars[k % bars.count] }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w * Double(columns)))" \
            height="\(Int(top + h * Double(rows)))" font-family="DejaVu Sans, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="12" y="24" font-size="15" font-weight="bold">\(Charts.escape(title))</text>
            <text x="12" y="42" font-size="11" fill="#555">bars: each driver's contribution (Shapley); line: the \
            path less the path with every driver off</text>

            """
        for (k, driver) in d.drivers.enumerated() {
            let (x, y) = (12 + 200 * Double(k % 4), 60 + 18 * Double(k / 4))
            svg += """
                <rect x="\(x)" y="\(y - 9)" width="10" height="10" fill="\(colour(k))"/>\
                <text x="\(x + 14)" y="\(y)" font-size="11">\(Charts.escape(driver.name))</text>

                """
        }
        // Quarterly bars: every third saved point of a monthly grid, the last included.
        let step = max(1, d.t.count / 60 > 0 ? 3 : 1)
        let picks = Array(stride(from: step, to: d.t.count, by: step)) + (d.t.count > 1 ? [d.t.count - 1] : [])
        let times = Array(Set(picks)).sorted()
        for (s, name) in d.series.enumerated() {
            let (ox, oy) = (w * Double(s % columns), top + h * Double(s / columns))
            let (left, right, upper, lower) = (ox + 70, ox + w - 16, oy + 28, oy + h - 34)
            var low = 0.0
            var high = 0.0
            for k in d.t.indices {
                let parts = d.contributions[s].map { $0[k] }
                high = max(high, parts.filter { $0 > 0 }.reduce(0, +), d.actual[s][k] - d.baseline[s][k])
                low = min(low, parts.filter { $0 < 0 }.reduce(0, +), d.actual[s][k] - d.baseline[s][k])
            }
            if high - low < 1e-300 { (low, high) = (-1, 1) }
            let pad = 0.05 * (high - low)
            (low, high) = (low - pad, high + pad)
            let (t0, t1) = (d.t.first ?? 0, d.t.last ?? 1)
            func px(_ t: Double) -> Double { left + (t - t0) / max(t1 - t0, 1e-12) * (right - left) }
            func py(_ v: Double) -> Double { lower - (v - low) / (high - low) * (lower - upper) }
            let unit = units[name].map { " (\($0))" } ?? ""
            svg += """
                <text x="\(ox + w / 2)" y="\(oy + 16)" text-anchor="middle" font-size="13" \
                font-weight="bold">\(Charts.escape(name + unit))</text>

                """
            for tick in Charts.ticks(low, high) {
                svg += """
                    <line x1="\(left)" x2="\(right)" y1="\(py(tick))" y2="\(py(tick))" stroke="#eee"/>\
                    <text x="\(left - 5)" y="\(py(tick) + 4)" text-anchor="end" \
                    font-size="10">\(Charts.label(tick))</text>

                    """
            }
            let barWidth = max((right - left) / Double(max(times.count, 1)) * 0.7, 1)
            for k in times {
                var up = 0.0
                var down = 0.0
                for (j, series) in d.contributions[s].enumerated() {
                    let v = series[k]
                    let (from, to) = v >= 0 ? (up, up + v) : (down + v, down)
                    if v >= 0 { up += v } else { down += v }
                    svg += """
                        <rect x="\(px(d.t[k]) - barWidth / 2)" y="\(py(to))" width="\(barWidth)" \
                        height="\(max(py(from) - py(to), 0))" fill="\(colour(j))"/>

                        """
                }
            }
            let line = d.t.indices.map { "\(px(d.t[$0])),\(py(d.actual[s][$0] - d.baseline[s][$0]))" }
            svg += """
                <polyline points="\(line.joined(separator: " "))" fill="none" stroke="#000" stroke-width="1.5"/>
                <line x1="\(left)" x2="\(right)" y1="\(py(0))" y2="\(py(0))" stroke="#333"/>

                """
            for year in Int(t0.rounded(.up))...max(Int(t1.rounded(.down)), Int(t0.rounded(.up))) {
                svg += """
                    <text x="\(px(Double(year)))" y="\(lower + 16)" text-anchor="middle" \
                    font-size="10">\(year)</text>

                    """
            }
        }
        return svg + "</svg>\n"
    }
}
