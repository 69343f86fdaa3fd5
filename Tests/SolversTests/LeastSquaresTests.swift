import Foundation
import Solvers
import Testing

@Suite("Nonlinear least squares (gsl_multifit_nlinear)")
struct LeastSquaresTests {
    /// GSL's example model y = A exp(-lambda t) + b, on noise-free data.
    static func exponential(extra: Bool) -> LeastSquaresProblem {
        let times = (0..<40).map { Double($0) * 0.1 }
        let data = times.map { 5 * exp(-1.5 * $0) + 1 }
        let p0: [Double] = extra ? [1, 0.5, 0, 3] : [1, 0.5, 0]
        return LeastSquaresProblem(
            initial: p0, lower: extra ? [0, 0, -5, 0] : [0, 0, -5], upper: extra ? [10, 5, 5, 10] : [10, 5, 5],
            residualCount: times.count
        ) { p, r in
            for (i, t) in times.enumerated() { r[i] = p[0] * exp(-p[1] * t) + p[2] - data[i] }
        }
    }

    @Test("recovers known parameters with every trust-region method", arguments: TrustRegionMethod.allCases)
    func recovers(_ method: TrustRegionMethod) throws {
        var options = LeastSquaresOptions()
        options.method = method
        options.maxIterations = 500
        let fit = try leastSquares(Self.exponential(extra: false), options)
        // Noise-free data: the residuals vanish at the optimum. The fit stops on GSL's small-gradient
        // test (gtol 1e-10) with a cost (half the squared residual norm) far below 1e-18, and the
        // well-conditioned Jacobian (columns exp(-1.5 t), -5 t exp(-1.5 t) and 1 on t in [0, 4))
        // carries residuals of that size into parameter errors below 1e-9.
        #expect(
            abs(fit.parameters[0] - 5) < 1e-9 && abs(fit.parameters[1] - 1.5) < 1e-9
                && abs(fit.parameters[2] - 1) < 1e-9,
            "\(method): \(fit.parameters), \(fit.stopReason)")
        #expect(fit.cost < 1e-18)
        #expect(fit.identified == [true, true, true])
        #expect(fit.standardErrors.allSatisfy { $0.isFinite && $0 > 0 })
        let c = fit.correlations
        #expect(abs(c[0] - 1) < 1e-12 && abs(c[4] - 1) < 1e-12)
    }

    @Test("progress is reported after every iteration, with the cost falling to the fit's")
    func progress() throws {
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var entries: [(Int, Double, Int, [Double])] = []
        }
        let log = Log()
        var options = LeastSquaresOptions()
        options.maxIterations = 500
        options.progress = { iteration, cost, evaluations, residuals in
            log.lock.withLock { log.entries.append((iteration, cost, evaluations, residuals)) }
        }
        let fit = try leastSquares(Self.exponential(extra: false), options)
        let entries = log.lock.withLock { log.entries }
        #expect(entries.map(\.0) == Array(0..<entries.count))
        #expect(entries.count == fit.iterations + 1, "iteration 0 is the start")
        #expect(entries.first!.1 > 1 && abs(entries.last!.1 - fit.cost) <= 1e-12)
        #expect(zip(entries, entries.dropFirst()).allSatisfy { $0.1 >= $1.1 && $0.2 < $1.2 })
        #expect(
            entries.allSatisfy { $0.1 == $0.3.reduce(0) { $0 + $1 * $1 } }, "the cost is the residuals' sum of squares"
        )
    }

    /// The fourth parameter does not enter the residuals.
    @Test("a parameter the residuals ignore is named as not identified")
    func unidentified() throws {
        let fit = try leastSquares(Self.exponential(extra: true))
        #expect(fit.identified == [true, true, true, false])
        #expect(fit.standardErrors[3].isNaN)
        #expect(abs(fit.parameters[1] - 1.5) < 1e-5)
    }

    /// With unit-variance residuals the covariance is (J^T J)^-1: for a
    /// straight line y = a + b t it has a closed form.
    @Test("the covariance of a linear fit matches its closed form")
    func linearCovariance() throws {
        let t = [0.0, 1, 2, 3, 4]
        let y = [1.0, 3.1, 4.9, 7.2, 8.8]
        let fit = try leastSquares(
            LeastSquaresProblem(initial: [0.5, 1.5], lower: [-10, -10], upper: [10, 10], residualCount: 5) { p, r in
                for i in t.indices { r[i] = p[0] + p[1] * t[i] - y[i] }
            })
        let n = 5.0
        let st = t.reduce(0, +)
        let stt = t.reduce(0) { $0 + $1 * $1 }
        let det = n * stt - st * st
        #expect(abs(fit.covariance[0] - stt / det) < 1e-6)
        #expect(abs(fit.covariance[3] - n / det) < 1e-6)
        #expect(abs(fit.covariance[1] + st / det) < 1e-6)
    }

    @Test("bad bounds and failing residuals are refused with what is wrong")
    func errors() {
        var problem = Self.exponential(extra: false)
        problem.initial[1] = 6
        #expect(throws: LeastSquaresError.invalidBounds(index: 1, lower: 0, upper: 5, initial: 6)) {
            try leastSquares(problem)
        }
        let failing = LeastSquaresProblem(initial: [1], lower: [0], upper: [2], residualCount: 1) { _, _ in
            throw LeastSquaresError.allocationFailed
        }
        #expect(throws: LeastSquaresError.residualsFailed("GSL could not allocate the least-squares workspace")) {
            try leastSquares(failing)
        }
    }
}
