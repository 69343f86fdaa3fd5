import Application
import ArgumentParser
import CReference
import FileFormats
import FlowModel
import Foundation
import LiquidityC
import Reports
import Solvers

#if LIQUIDITY_CVODE
    import CVODEPeer
#endif

/// Error against a 1e-13 reference versus time per solve, for GSL's steppers from Swift
/// (the model file) and from C (its plain-C port), SUNDIALS CVODE on the C port, and
/// SciPy's solvers on its Python port, all on MODEL.md's default path; drawn as SVG
/// and PNG.
struct WorkPrecision: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work-precision",
        abstract:
            "Work-precision diagram of MODEL.md's default path: error against a 1e-13 reference versus time per solve."
    )

    @Option(help: "Where to write the diagram (.svg; a .png beside it where rsvg-convert is installed).")
    var write = "docs/work-precision.svg"

    @Option(help: "Include SciPy's solvers (slow), through Tests/SciPyReference/model.py.")
    var scipy = true

    struct Point { var tolerance: Double, error: Double, seconds: Double }

    /// The error of `states` (85 monthly states of 26 values) against the reference: the largest |y - ref| / max(1,
    /// |ref|).
    static func error(_ states: [[Double]], _ reference: [[Double]]) -> Double {
        guard states.count == reference.count else { return .infinity }
        var worst = 0.0
        for (a, b) in zip(states, reference) {
            for (u, v) in zip(a, b) { worst = max(worst, abs(u - v) / max(1, abs(v))) }
        }
        return worst
    }

    /// Seconds per call of `body`, the best of three batches of at least 0.1 s.
    static func seconds(_ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<3 {
            var calls = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            repeat {
                body()
                calls += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            } while elapsed < 0.1
            best = min(best, elapsed / Double(calls))
        }
        return best
    }

    static func cSolve(_ stepper: String?, _ tolerance: Double) -> [[Double]]? {
        var out = [Double](repeating: 0, count: 26 * 200)
        var steps: UInt = 0
        var evaluations: UInt = 0
        let saved: Int32
        if let stepper {
            saved = stepper.withCString {
                cmodel_solve(0, $0, tolerance, tolerance, 2032.0, &out, out.count, &steps, &evaluations)
            }
        } else {
            #if LIQUIDITY_CVODE
                saved = cvode_model_solve(0, tolerance, tolerance, 2032.0, &out, out.count, &steps, &evaluations)
            #else
                return nil
            #endif
        }
        guard saved > 0 else { return nil }
        return (0..<Int(saved)).map { Array(out[($0 * 26)..<($0 * 26 + 26)]) }
    }

    func run() throws {
        let tolerances = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]
        guard let reference = Self.cSolve("rk8pd", 1e-13) else { throw ValidationError("the reference solve failed") }
        let model = try reverseQEModel()
        let problem = model.problem()
        /// A method's points: its error and time per solve at each tolerance it solves at.
        func measured(_ name: String, _ solveAt: (Double) -> [[Double]]?) -> (name: String, points: [Point]) {
            (
                name,
                tolerances.compactMap { tolerance in
                    solveAt(tolerance).map {
                        Point(
                            tolerance: tolerance, error: Self.error($0, reference),
                            seconds: Self.seconds { _ = solveAt(tolerance) })
                    }
                }
            )
        }
        var series: [(name: String, points: [Point])] = []
        for stepper in [Stepper.msbdf, .rk8pd, .rkf45] {
            series.append(
                measured("GSL \(stepper), Swift") { tolerance in
                    guard let solution = try? solve(problem, stepper, modelOptions(for: model, tolerance: tolerance)),
                        solution.returnCode == .success
                    else { return nil }
                    return (0..<solution.count).map { solution.state($0) }
                })
        }
        // The same with the right-hand side compiled to machine code (--native).
        try NativeModels.install()
        let native = model.problem()
        NativeCode.uninstall()
        for stepper in [Stepper.msbdf, .rk8pd, .rkf45] {
            series.append(
                measured("GSL \(stepper), Swift --native") { tolerance in
                    guard let solution = try? solve(native, stepper, modelOptions(for: model, tolerance: tolerance)),
                        solution.returnCode == .success
                    else { return nil }
                    return (0..<solution.count).map { solution.state($0) }
                })
        }
        for stepper in ["msbdf", "rk8pd", "rkf45"] {
            series.append(measured("GSL \(stepper), C") { Self.cSolve(stepper, $0) })
        }
        let cvode = measured("CVODE (BDF), C") { Self.cSolve(nil, $0) }
        if cvode.points.isEmpty {
            print("(no CVODE: install Debian's libsundials-dev, `scripts/setup.sh --bench`, and build again)")
        } else {
            series.append(cvode)
        }
        if scipy {
            for method in ["BDF", "Radau", "DOP853"] {
                var points: [Point] = []
                for tolerance in tolerances.prefix(5) {
                    guard
                        let run = try? Peers.scipy(
                            python: "python3", regime: "none", method: method, tolerance: tolerance, repetitions: 1)
                    else { continue }
                    let states = stride(from: 0, to: run.path.count, by: 26).map {
                        Array(run.path[$0..<min($0 + 26, run.path.count)])
                    }
                    points.append(
                        Point(tolerance: tolerance, error: Self.error(states, reference), seconds: run.seconds))
                }
                series.append(("SciPy \(method), Python", points))
            }
        }
        print(
            """
            MODEL.md's default path (2025-2032, 26 states, monthly output), error against C rk8pd at 1e-13 \
            (largest |y - ref| / max(1, |ref|) over the saved states), time per solve:
            """
        )
        print("")
        print("| method | " + tolerances.map { "rtol \(String(format: "%.0e", $0))" }.joined(separator: " | ") + " |")
        print("| --- |" + String(repeating: " ---: |", count: tolerances.count))
        for (name, points) in series {
            let cells = tolerances.map { tol in
                points.first { $0.tolerance == tol }.map {
                    String(format: "%.1e, %.3g ms", $0.error, $0.seconds * 1e3)
                } ?? "-"
            }
            print("| \(name) | " + cells.joined(separator: " | ") + " |")
        }
        let svg = Self.diagram(series)
        try svg.write(toFile: write, atomically: true, encoding: .utf8)
        let png = (write as NSString).deletingPathExtension + ".png"
        let convert = Process()
        convert.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        convert.arguments = ["rsvg-convert", "--background-color=white", "-o", png, write]
        try? convert.run()
        convert.waitUntilExit()
        print("")
        print("wrote \(write)" + (convert.terminationStatus == 0 ? " and \(png)" : ""))
    }

    /// The log-log diagram: error across, time per solve up, a line with markers per method.
    static func diagram(_ series: [(name: String, points: [Point])]) -> String {
        // Swift on the tape, Swift --native (dash-dot), C (dashed), CVODE, SciPy (dotted).
        let colors = [
            "#0072B2", "#56B4E9", "#009E73", "#0072B2", "#56B4E9", "#009E73", "#D55E00", "#E69F00", "#CC79A7",
            "#000000", "#999999", "#F0E442", "#882255",
        ]
        let dashes = ["", "", "", "10,3,2,3", "10,3,2,3", "10,3,2,3", "6,3", "6,3", "6,3", "", "2,3", "2,3", "2,3"]
        let all = series.flatMap(\.points).filter { $0.error > 0 && $0.error.isFinite }
        let ex = all.map { log10($0.error) }
        let ey = all.map { log10($0.seconds) }
        let x0 = floor(ex.min() ?? -12)
        let x1 = ceil(ex.max() ?? 0)
        let y0 = floor(ey.min() ?? -4)
        let y1 = ceil(ey.max() ?? 1)
        let width = 900.0
        let height = 560.0
        let left = 80.0
        let right = 620.0
        let top = 50.0
        let bottom = 500.0
        func px(_ e: Double) -> Double { left + (log10(e) - x0) / (x1 - x0) * (right - left) }
        func py(_ s: Double) -> Double { bottom - (log10(s) - y0) / (y1 - y0) * (bottom - top) }
        var svg =
            """
            <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" \
            font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n
            """
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg +=
            """
            <text x=\"\(left)\" y=\"28\" font-size=\"16\" font-weight=\"bold\">Work and precision: MODEL.md's \
            default path (26 states, 2025-2032)</text>\n
            """
        for d in stride(from: x0, through: x1, by: 1) {
            let x = left + (d - x0) / (x1 - x0) * (right - left)
            svg += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(bottom)\" stroke=\"#eeeeee\"/>\n"
            svg += "<text x=\"\(x)\" y=\"\(bottom + 18)\" text-anchor=\"middle\" font-size=\"12\">1e\(Int(d))</text>\n"
        }
        for d in stride(from: y0, through: y1, by: 1) {
            let y = bottom - (d - y0) / (y1 - y0) * (bottom - top)
            svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(right)\" y2=\"\(y)\" stroke=\"#eeeeee\"/>\n"
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\" font-size=\"12\">1e\(Int(d)) s</text>\n"
        }
        svg +=
            """
            <rect x=\"\(left)\" y=\"\(top)\" width=\"\(right - left)\" height=\"\(bottom - top)\" fill=\"none\" \
            stroke=\"#555555\"/>\n
            """
        svg +=
            """
            <text x=\"\((left + right) / 2)\" y=\"\(bottom + 40)\" text-anchor=\"middle\" font-size=\"13\">error \
            against a 1e-13 reference (largest over the monthly states, relative above 1)</text>\n
            """
        svg +=
            """
            <text x=\"20\" y=\"\((top + bottom) / 2)\" text-anchor=\"middle\" font-size=\"13\" \
            transform=\"rotate(-90 20 \((top + bottom) / 2))\">time per solve</text>\n
            """
        for (k, (name, points)) in series.enumerated() {
            let color = colors[k % colors.count]
            let dash = dashes[k % dashes.count]
            let drawn = points.filter { $0.error > 0 && $0.error.isFinite }.sorted { $0.error > $1.error }
            let path = drawn.map { String(format: "%.1f,%.1f", px($0.error), py($0.seconds)) }.joined(separator: " ")
            svg +=
                "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\""
                + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") + " points=\"\(path)\"/>\n"
            for p in drawn {
                svg += "<circle cx=\"\(px(p.error))\" cy=\"\(py(p.seconds))\" r=\"3.5\" fill=\"\(color)\"/>\n"
            }
            let y = top + 10 + Double(k) * 22
            svg +=
                """
                <line x1=\"\(right + 20)\" y1=\"\(y)\" x2=\"\(right + 50)\" y2=\"\(y)\" stroke=\"\(color)\" \
                stroke-width=\"2\"
                """
                + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") + "/>\n"
            svg += "<text x=\"\(right + 56)\" y=\"\(y + 4)\" font-size=\"12\">\(name)</text>\n"
        }
        return svg + "</svg>\n"
    }
}
