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
/// and PNG. Two panels: each method as its users run it (CVODE and msbdf interpolate
/// their monthly saves and stop only at the tables' knots), and every method landing on
/// every month, so that each pairing is like with like.
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

    struct Point {
        var tolerance: Double, error: Double, seconds: Double
        /// Accepted steps, right-hand side evaluations (those of difference-quotient Jacobians
        /// included) and Jacobian evaluations of one solve.
        var steps = 0, evaluations = 0, jacobians = 0
    }

    /// One solve's monthly states and its work.
    struct Run { var states: [[Double]], steps: Int, evaluations: Int, jacobians: Int }

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

    /// The saved states of a flat buffer of them, 26 values a state (the last one short if the buffer is).
    static func states(_ flat: ArraySlice<Double>) -> [[Double]] {
        stride(from: flat.startIndex, to: flat.endIndex, by: 26).map { Array(flat[$0..<min($0 + 26, flat.endIndex)]) }
    }

    /// GSL's stepper on the C port, landing on every month and knot (GSL's driver has no interpolation).
    static func cSolve(_ stepper: String, _ tolerance: Double) -> Run? {
        var out = [Double](repeating: 0, count: 26 * 200)
        var steps: UInt = 0
        var evaluations: UInt = 0
        let saved = stepper.withCString {
            cmodel_solve(0, $0, tolerance, tolerance, 2032.0, &out, out.count, &steps, &evaluations)
        }
        guard saved > 0 else { return nil }
        return Run(
            states: states(out.prefix(Int(saved) * 26)), steps: Int(steps),
            evaluations: Int(evaluations), jacobians: 0)
    }

    #if LIQUIDITY_CVODE
        /// The model's exact Jacobian from its tape, handed to CVODE (CVodeSetJacFn): the one msbdf uses.
        final class TapeJacobian {
            let jacobian: JacobianFunction
            var dfdt = [Double](repeating: 0, count: 26)
            init(_ jacobian: @escaping JacobianFunction) { self.jacobian = jacobian }
        }

        static let tapeJacobian: cvode_peer_jacobian = { t, y, rows, context in
            let box = Unmanaged<TapeJacobian>.fromOpaque(context!).takeUnretainedValue()
            do {
                try box.dfdt.withUnsafeMutableBufferPointer { dfdt in
                    try box.jacobian(
                        t, UnsafeBufferPointer(start: y, count: 26),
                        UnsafeMutableBufferPointer(start: rows, count: 26 * 26),
                        dfdt)
                }
                return 0
            } catch {
                return 1
            }
        }

        /// CVODE on the C port, interpolating or landing, with its difference quotients or `jacobian`.
        static func cvodeSolve(_ tolerance: Double, saves: cvode_peer_saves, jacobian: TapeJacobian?) -> Run? {
            var out = [Double](repeating: 0, count: 26 * 200)
            var stats = cvode_peer_stats()
            let saved = withExtendedLifetime(jacobian) {
                cvode_model_solve(
                    0, tolerance, tolerance, 2032.0, saves, jacobian == nil ? nil : tapeJacobian,
                    jacobian.map { Unmanaged.passUnretained($0).toOpaque() }, &out, out.count, &stats)
            }
            guard saved > 0 else { return nil }
            return Run(
                states: states(out.prefix(Int(saved) * 26)), steps: Int(stats.steps),
                evaluations: Int(stats.evaluations), jacobians: Int(stats.jacobians))
        }
    #endif

    typealias Series = (name: String, points: [Point])

    func run() throws {
        let tolerances = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]
        guard let reference = Self.cSolve("rk8pd", 1e-13)?.states else {
            throw ValidationError("the reference solve failed")
        }
        let model = try reverseQEModel()
        let problem = model.problem()
        /// A method's points: its error, time and work per solve at each tolerance it solves at.
        func measured(_ name: String, _ solveAt: (Double) -> Run?) -> Series {
            (
                name,
                tolerances.compactMap { tolerance in
                    solveAt(tolerance).map {
                        Point(
                            tolerance: tolerance, error: Self.error($0.states, reference),
                            seconds: Self.seconds { _ = solveAt(tolerance) }, steps: $0.steps,
                            evaluations: $0.evaluations, jacobians: $0.jacobians)
                    }
                }
            )
        }
        func swift(_ problem: ODEProblem, _ stepper: Stepper, _ saves: SaveMode, _ tolerance: Double) -> Run? {
            var options = modelOptions(for: model, tolerance: tolerance)
            options.saveMode = saves
            guard let solution = try? solve(problem, stepper, options), solution.returnCode == .success else {
                return nil
            }
            let statistics = solution.statistics
            return Run(
                states: (0..<solution.count).map { solution.state($0) }, steps: statistics.steps,
                evaluations: statistics.functionEvaluations, jacobians: statistics.jacobianEvaluations)
        }
        // The same model with the right-hand side compiled to machine code (--native).
        try NativeModels.install()
        let native = model.problem()
        NativeCode.uninstall()

        // Panel 1: each method as its users run it. msbdf from Swift interpolates its monthly saves
        // from its Nordsieck history (--saves auto), CVODE from its own (CV_NORMAL, CVodeGetDky),
        // both stopping only at the knots; GSL's driver from C has no interpolation, so it lands.
        var asRun: [Series] = []
        for stepper in [Stepper.msbdf, .rk8pd, .rkf45] {
            asRun.append(measured("GSL \(stepper), Swift") { swift(problem, stepper, .automatic, $0) })
        }
        for stepper in [Stepper.msbdf, .rk8pd, .rkf45] {
            asRun.append(measured("GSL \(stepper), Swift --native") { swift(native, stepper, .automatic, $0) })
        }
        for stepper in ["msbdf", "rk8pd", "rkf45"] {
            asRun.append(measured("GSL \(stepper), C") { Self.cSolve(stepper, $0) })
        }
        // Panel 2: every method landing on every month and knot.
        var landing: [Series] = [
            measured("GSL msbdf, Swift, landing") { swift(problem, .msbdf, .land, $0) },
            measured("GSL msbdf, Swift --native, landing") { swift(native, .msbdf, .land, $0) },
            measured("GSL msbdf, C") { Self.cSolve("msbdf", $0) },
        ]
        #if LIQUIDITY_CVODE
            guard let exact = problem.jacobian else { throw ValidationError("the model file has no exact Jacobian") }
            let tape = TapeJacobian(exact)
            asRun.append(
                measured("CVODE (BDF), C") { Self.cvodeSolve($0, saves: CVODE_PEER_INTERPOLATE, jacobian: nil) })
            asRun.append(
                measured("CVODE (BDF), C, exact Jacobian") {
                    Self.cvodeSolve($0, saves: CVODE_PEER_INTERPOLATE, jacobian: tape)
                })
            landing.append(
                measured("CVODE (BDF), C, landing") { Self.cvodeSolve($0, saves: CVODE_PEER_LAND, jacobian: nil) })
            landing.append(
                measured("CVODE (BDF), C, exact Jacobian, landing") {
                    Self.cvodeSolve($0, saves: CVODE_PEER_LAND, jacobian: tape)
                })
        #else
            print("(no CVODE: install Debian's libsundials-dev, `scripts/setup.sh --bench`, and build again)")
        #endif
        if scipy {
            for method in ["BDF", "Radau", "DOP853"] {
                var points: [Point] = []
                for tolerance in tolerances.prefix(5) {
                    guard
                        let run = try? Peers.scipy(
                            python: "python3", regime: "none", method: method, tolerance: tolerance, repetitions: 1)
                    else { continue }
                    let states = Self.states(run.path[...])
                    points.append(
                        Point(
                            tolerance: tolerance, error: Self.error(states, reference), seconds: run.seconds,
                            steps: run.steps, evaluations: run.evaluations))
                }
                asRun.append(("SciPy \(method), Python", points))
            }
        }
        print(
            """
            MODEL.md's default path (2025-2032, 26 states, monthly output), error against C rk8pd at 1e-13 \
            (largest |y - ref| / max(1, |ref|) over the saved states), time per solve.
            """
        )
        for (title, panel) in [
            ("As each method's users run it", asRun), ("Every method landing on every month", landing),
        ] {
            print("\n\(title): error, time per solve\n")
            Self.table(panel, tolerances) { String(format: "%.1e, %.3g ms", $0.error, $0.seconds * 1e3) }
            print("\n\(title): steps / right-hand side evaluations / Jacobians\n")
            Self.table(panel, tolerances) { "\($0.steps) / \($0.evaluations) / \($0.jacobians)" }
        }
        // At equal accuracy: the time msbdf from Swift takes to reach each peer point's error (its own curve
        // interpolated in log-log between adjacent points), over the peer's time.
        let pairs = [
            (
                asRun, ["GSL msbdf, Swift", "GSL msbdf, Swift --native"],
                ["CVODE (BDF), C", "CVODE (BDF), C, exact Jacobian"]
            ),
            (
                landing, ["GSL msbdf, Swift, landing", "GSL msbdf, Swift --native, landing"],
                ["CVODE (BDF), C, landing", "CVODE (BDF), C, exact Jacobian, landing"]
            ),
        ]
        print("\nTime at equal accuracy, msbdf from Swift over the peer (at each peer point's error;")
        print("- where it is looser than msbdf's loosest point):\n")
        for (panel, ours, peers) in pairs {
            for name in ours {
                guard let own = panel.first(where: { $0.name == name })?.points else { continue }
                for peer in peers {
                    guard let theirs = panel.first(where: { $0.name == peer })?.points else { continue }
                    let ratios = theirs.map { point in
                        Self.time(of: own, atError: point.error).map { String(format: "%.2f", $0 / point.seconds) }
                            ?? "-"
                    }
                    print("- \(name) / \(peer): " + ratios.joined(separator: ", "))
                }
            }
        }
        let landed = (write as NSString).deletingPathExtension + "-landing.svg"
        var written: [String] = []
        for (path, title, panel) in [
            (write, "as each method's users run it", asRun), (landed, "every method landing on every month", landing),
        ] {
            try Self.diagram(panel, title: title).write(toFile: path, atomically: true, encoding: .utf8)
            written.append(path)
            let png = (path as NSString).deletingPathExtension + ".png"
            let convert = Process()
            convert.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            convert.arguments = ["rsvg-convert", "--background-color=white", "-o", png, path]
            try? convert.run()
            convert.waitUntilExit()
            if convert.terminationStatus == 0 { written.append(png) }
        }
        print("")
        print("wrote " + written.joined(separator: ", "))
    }

    /// The time on `points`' curve at `error`, interpolated in log-log between the adjacent points
    /// whose errors bracket it; nil outside the curve.
    static func time(of points: [Point], atError error: Double) -> Double? {
        let sorted = points.sorted { $0.error > $1.error }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.error >= error && error >= b.error {
            guard a.error > b.error else { return min(a.seconds, b.seconds) }
            let f = (log(error) - log(a.error)) / (log(b.error) - log(a.error))
            return exp(log(a.seconds) + f * (log(b.seconds) - log(a.seconds)))
        }
        return nil
    }

    /// A Markdown table: a row per method, a column per tolerance, `cell` of each point.
    static func table(_ panel: [Series], _ tolerances: [Double], cell: (Point) -> String) {
        print("| method | " + tolerances.map { "rtol \(String(format: "%.0e", $0))" }.joined(separator: " | ") + " |")
        print("| --- |" + String(repeating: " ---: |", count: tolerances.count))
        for (name, points) in panel {
            let cells = tolerances.map { tol in points.first { $0.tolerance == tol }.map(cell) ?? "-" }
            print("| \(name) | " + cells.joined(separator: " | ") + " |")
        }
    }

    /// The log-log diagram: error across, time per solve up, a line with markers per method.
    static func diagram(_ series: [Series], title: String) -> String {
        // The colour says the method, the line the implementation: Swift on the tape solid, Swift --native
        // dash-dot, C dashed, SciPy dotted; CVODE black, with its exact Jacobian vermillion.
        func style(_ name: String) -> (color: String, dash: String) {
            let color =
                name.hasPrefix("CVODE")
                ? (name.contains("exact") ? "#D55E00" : "#000000")
                : name.contains("msbdf")
                    ? "#0072B2"
                    : name.contains("rk8pd")
                        ? "#56B4E9"
                        : name.contains("rkf45")
                            ? "#009E73"
                            : name.contains("BDF")
                                ? "#E69F00"
                                : name.contains("Radau") ? "#CC79A7" : "#882255"
            let dash =
                name.contains("--native")
                ? "10,3,2,3"
                : name.hasPrefix("SciPy")
                    ? "2,3"
                    : name.hasPrefix("CVODE") || name.contains("Swift") ? "" : "6,3"
            return (color, dash)
        }
        let all = series.flatMap(\.points).filter { $0.error > 0 && $0.error.isFinite }
        let ex = all.map { log10($0.error) }
        let ey = all.map { log10($0.seconds) }
        let x0 = floor(ex.min() ?? -12)
        let x1 = ceil(ex.max() ?? 0)
        let y0 = floor(ey.min() ?? -4)
        let y1 = ceil(ey.max() ?? 1)
        let width = 980.0
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
            <text x=\"\(left)\" y=\"22\" font-size=\"16\" font-weight=\"bold\">Work and precision on MODEL.md's \
            default path (26 states, 2025-2032)</text>\n<text x=\"\(left)\" y=\"40\" font-size=\"13\" \
            fill=\"#444444\">\(title)</text>\n
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
            let (color, dash) = style(name)
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
