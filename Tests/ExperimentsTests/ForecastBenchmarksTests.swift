import Foundation
import Testing

@testable import Experiments

@Suite("Forecast benchmarks and the Diebold-Mariano test")
struct ForecastBenchmarksTests {
    @Test("Student's t tail and the incomplete beta match tabulated values")
    func distributions() {
        // Two-sided p of t = 2.228 with 10 df is 0.05; of t = 1.0 with 1 df (Cauchy) 0.5.
        #expect(abs(2 * ForecastBenchmarks.studentTail(2.228139, degrees: 10) - 0.05) < 1e-6)
        #expect(abs(2 * ForecastBenchmarks.studentTail(1, degrees: 1) - 0.5) < 1e-12)
        // I_x(1, 1) = x; I_x(2, 3) = 6x^2 - 8x^3 + 3x^4.
        #expect(abs(ForecastBenchmarks.incompleteBeta(0.3, a: 1, b: 1) - 0.3) < 1e-14)
        let x = 0.4
        #expect(
            abs(ForecastBenchmarks.incompleteBeta(x, a: 2, b: 3) - (6 * x * x - 8 * x * x * x + 3 * x * x * x * x))
                < 1e-14)
    }

    @Test("AR(1) and VAR forecasts of data from such processes come near the processes' own forecasts")
    func benchmarks() {
        var rng = SeededGenerator(seed: 21)
        // y_t = 1 + 0.8 y_(t-1) + e: the h-step forecast from y is 5 + 0.8^h (y - 5).
        var y = [5.0]
        for _ in 0..<3000 { y.append(1 + 0.8 * y.last! + 0.1 * inverseNormal(rng.unit())) }
        let h = 3
        let truth = 5 + pow(0.8, Double(h)) * (y.last! - 5)
        #expect(abs(ForecastBenchmarks.ar1(y, steps: h)! - truth) < 0.01)
        // Two series whose changes follow a VAR(1): d_t = A d_(t-1) + e.
        let a = [[0.5, 0.2], [-0.1, 0.3]]
        var levels = [[0.0, 0.0]]
        var change = [0.0, 0.0]
        for _ in 0..<4000 {
            change = (0..<2).map { i in a[i][0] * change[0] + a[i][1] * change[1] + 0.1 * inverseNormal(rng.unit()) }
            levels.append(zip(levels.last!, change).map(+))
        }
        var expected = levels.last!
        var next = change
        for _ in 0..<h {
            next = (0..<2).map { i in a[i][0] * next[0] + a[i][1] * next[1] }
            expected = zip(expected, next).map(+)
        }
        let forecast = ForecastBenchmarks.varForecast(levels, steps: h)!
        // Within a tenth of the shocks' own sd (0.1 a month; the 3-month forecast error's sd is above 0.17).
        #expect(zip(forecast, expected).allSatisfy { abs($0 - $1) < 0.03 }, "\(forecast) against \(expected)")
        // A VAR of one lag more than the truth's gains too little to pay BIC's price: the same forecast to 1e-2.
        #expect(
            ForecastBenchmarks.varForecast(levels, steps: h, maxLag: 1)!.elementsEqual(forecast) {
                abs($0 - $1) < 0.01
            })
    }

    @Test("Diebold-Mariano: equal forecasts give no evidence, a much worse one a small p, the sign says which")
    func dieboldMariano() {
        var rng = SeededGenerator(seed: 5)
        let good = (0..<60).map { _ in inverseNormal(rng.unit()) }
        let bad = (0..<60).map { _ in 3 * inverseNormal(rng.unit()) }
        let worse = ForecastBenchmarks.dieboldMariano(bad, good, horizon: 1)
        #expect(worse.statistic > 0 && worse.p < 1e-4)
        let better = ForecastBenchmarks.dieboldMariano(good, bad, horizon: 1)
        #expect(abs(better.statistic + worse.statistic) < 1e-12 && abs(better.p - worse.p) < 1e-12)
        let same = ForecastBenchmarks.dieboldMariano(good, good.map { -$0 }, horizon: 3)
        #expect(same.statistic.isNaN && same.p.isNaN, "identical losses have no variance")
        #expect(ForecastBenchmarks.dieboldMariano([1, 2], [1, 1], horizon: 1).p.isNaN)
        // Twelve 12-month errors overlap too much to test: no p-value, where the correction would give 1.
        #expect(ForecastBenchmarks.dieboldMariano(Array(bad.prefix(12)), Array(good.prefix(12)), horizon: 12).p.isNaN)
        #expect(ForecastBenchmarks.dieboldMariano(Array(bad.prefix(24)), Array(good.prefix(24)), horizon: 12).p < 0.05)
    }
}
