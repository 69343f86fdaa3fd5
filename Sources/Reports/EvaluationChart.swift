import Foundation

/// The forecast evaluation drawn: per series, the model's RMSE over no change's at each horizon,
/// on a log scale with 1 (no better, no worse) marked; below the line the model wins.
public enum EvaluationChart {
    /// - Parameter ratios: per series, (horizon, ratio) pairs; a non-finite ratio is left out.
    public static func svg(_ ratios: [(series: String, points: [(horizon: Int, ratio: Double)])], title: String)
        -> String
    {
        let (w, h) = (760.0, 420.0)
        let (left, right, top, bottom) = (70.0, 560.0, 60.0, 370.0)
        let finite = ratios.flatMap { $0.points.map(\.ratio) }.filter { $0.isFinite && $0 > 0 }
        let low = Foundation.log(min(finite.min() ?? 0.5, 0.5) * 0.9)
        let high = Foundation.log(max(finite.max() ?? 2, 2) * 1.1)
        let horizons = Array(Set(ratios.flatMap { $0.points.map(\.horizon) })).sorted()
        func px(_ horizon: Int) -> Double {
            let k = Double(horizons.firstIndex(of: horizon) ?? 0)
            return left + k / Double(max(horizons.count - 1, 1)) * (right - left)
        }
        func py(_ ratio: Double) -> Double { bottom - (Foundation.log(ratio) - low) / (high - low) * (bottom - top) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" \
            font-family="DejaVu Sans, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="12" y="24" font-size="15" font-weight="bold">\(Charts.escape(title))</text>
            <text x="12" y="42" font-size="11" fill="#555">the model's RMSE over no change's (log scale); below 1 the \
            model wins</text>

            """
        for tick in [0.25, 0.5, 1, 2, 4] where Foundation.log(tick) >= low && Foundation.log(tick) <= high {
            svg += """
                <line x1="\(left)" x2="\(right)" y1="\(py(tick))" y2="\(py(tick))" \
                stroke="\(tick == 1 ? "#333" : "#eee")"/>\
                <text x="\(left - 6)" y="\(py(tick) + 4)" text-anchor="end" font-size="11">\(Charts.label(tick))</text>

                """
        }
        for horizon in horizons {
            svg += """
                <text x="\(px(horizon))" y="\(bottom + 18)" text-anchor="middle" font-size="11">\(horizon)</text>

                """
        }
        svg += """
            <text x="\((left + right) / 2)" y="\(bottom + 36)" text-anchor="middle" font-size="11">horizon \
            (months)</text>

            """
        for (k, series) in ratios.enumerated() {
            let colour = Charts.palette[k % Charts.palette.count]
            let dash = Charts.dashes[(k / Charts.palette.count) % Charts.dashes.count]
            let points = series.points.filter { $0.ratio.isFinite && $0.ratio > 0 }
            guard let last = points.last else { continue }
            svg += """
                <polyline points="\(points.map { "\(px($0.horizon)),\(py($0.ratio))" }.joined(separator: " "))" \
                fill="none" stroke="\(colour)" stroke-width="2" stroke-dasharray="\(dash)"/>
                <text x="\(right + 8)" y="\(py(last.ratio) + 4)" font-size="11" fill="\(colour)">\
                \(Charts.escape(series.series))</text>

                """
        }
        return svg + "</svg>\n"
    }
}
