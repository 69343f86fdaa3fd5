import FileFormats
import FlowModel
import Foundation

/// A Sankey diagram of a transactions-flow matrix at one date, as SVG: each
/// sector twice, paying on the left and receiving on the right, and a band
/// for what each sector pays each other sector, its width the flow.
public enum Sankey {
    /// The payments between sectors: each row's payments (negative entries)
    /// split over its receipts (positive entries) in proportion.
    public static func links(_ matrix: MatrixValues) -> [[Double]] {
        let n = matrix.columns.count
        var links = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for row in matrix.values {
            let receipts = row.map { max($0, 0) }
            let total = receipts.reduce(0, +)
            guard total > 0 else { continue }
            for (payer, value) in row.enumerated() where value < 0 {
                for (receiver, receipt) in receipts.enumerated() where receipt > 0 {
                    links[payer][receiver] += -value * receipt / total
                }
            }
        }
        return links
    }

    /// Colours safe for colour-blind readers and greyscale print (Okabe and Ito).
    package static let palette = [
        "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
    ]

    /// The diagram as SVG.
    public static func svg(_ matrix: MatrixValues, title: String, unit: String) -> String {
        let flows = links(matrix)
        let n = matrix.columns.count
        let paid = (0..<n).map { flows[$0].reduce(0, +) }
        let received = (0..<n).map { j in (0..<n).reduce(0) { $0 + flows[$1][j] } }
        let total = max(paid.reduce(0, +), 1e-300)
        let width = 760.0
        let height = 520.0
        let top = 70.0
        let gap = 14.0
        let bar = 18.0
        let scale = (height - top - 30 - gap * Double(n - 1)) / total
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        }
        var svg =
            """
            <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" \
            font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n
            """
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"16\" y=\"28\" font-size=\"17\" font-weight=\"bold\">\(escape(title))</text>\n"
        svg +=
            """
            <text x=\"16\" y=\"48\" font-size=\"12\" fill=\"#444444\">left: who pays; right: who receives; band \
            width: the flow, \(escape(unit)); total \(String(format: "%.4g", total))</text>\n
            """
        var leftY = [Double](repeating: 0, count: n)
        var rightY = [Double](repeating: 0, count: n)
        var y = top
        for i in 0..<n {
            leftY[i] = y
            y += paid[i] * scale + gap
        }
        y = top
        for j in 0..<n {
            rightY[j] = y
            y += received[j] * scale + gap
        }
        let x0 = 150.0 + bar
        let x1 = width - 150 - bar
        var leftOffset = leftY
        var rightOffset = rightY
        for i in 0..<n {
            for j in 0..<n where flows[i][j] * scale >= 0.05 {
                let h = flows[i][j] * scale
                let a = leftOffset[i]
                let b = rightOffset[j]
                leftOffset[i] += h
                rightOffset[j] += h
                let mid = (x0 + x1) / 2
                svg +=
                    """
                    <path d=\"M\(f(x0)),\(f(a)) C\(f(mid)),\(f(a)) \(f(mid)),\(f(b)) \(f(x1)),\(f(b)) \
                    L\(f(x1)),\(f(b + h)) C\(f(mid)),\(f(b + h)) \(f(mid)),\(f(a + h)) \(f(x0)),\(f(a + h)) Z\" \
                    fill=\"\(palette[i % palette.count])\" \
                    fill-opacity=\"0.45\"><title>\(escape(matrix.columns[i])) to \(escape(matrix.columns[j])): \
                    \(String(format: "%.4g", flows[i][j]))</title></path>\n
                    """
            }
        }
        for i in 0..<n {
            let color = palette[i % palette.count]
            let name = escape(matrix.columns[i])
            svg +=
                """
                <rect x=\"150\" y=\"\(f(leftY[i]))\" width=\"\(f(bar))\" \
                height=\"\(f(max(paid[i] * scale, 1)))\" fill=\"\(color)\"/>\n
                """
            svg +=
                """
                <text x=\"142\" y=\"\(f(leftY[i] + max(paid[i] * scale, 1) / 2 + 4))\" text-anchor=\"end\" \
                font-size=\"12\">\(name) pays \(String(format: "%.3g", paid[i]))</text>\n
                """
            svg +=
                """
                <rect x=\"\(f(x1))\" y=\"\(f(rightY[i]))\" width=\"\(f(bar))\" \
                height=\"\(f(max(received[i] * scale, 1)))\" fill=\"\(color)\"/>\n
                """
            svg +=
                """
                <text x=\"\(f(x1 + bar + 8))\" y=\"\(f(rightY[i] + max(received[i] * scale, 1) / 2 + 4))\" \
                font-size=\"12\">\(name) receives \(String(format: "%.3g", received[i]))</text>\n
                """
        }
        return svg + "</svg>\n"
    }

    package static func f(_ x: Double) -> String { String(format: "%.1f", x) }
}
