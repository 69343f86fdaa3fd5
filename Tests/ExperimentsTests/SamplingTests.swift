import Foundation
import Testing

@testable import Experiments

@Suite("Sampling")
struct SamplingTests {
    /// Standard normal quantiles from tables (to 10 digits).
    @Test(
        "normal quantiles match their tabulated values",
        arguments: [
            (0.975, 1.959963985), (0.5, 0.0), (0.1, -1.281551566), (0.001, -3.090232306), (0.9999, 3.719016485),
        ])
    func quantiles(_ p: Double, _ z: Double) {
        #expect(abs(inverseNormal(p) - z) < 1e-8, "\(p): \(inverseNormal(p))")
    }

    @Test("a grid is every combination, in order")
    func grid() {
        let points = sweepPoints([("a", .values([1, 2])), ("b", .values([10, 20, 30]))], design: .grid)
        #expect(points == [[1, 10], [1, 20], [1, 30], [2, 10], [2, 20], [2, 30]])
        #expect(sweepPoints([("a", .uniform(lower: 0, upper: 1))], design: .grid) == [])
    }

    @Test("draws are reproducible from the seed and differ between seeds")
    func seeded() {
        let parameters: [(key: String, distribution: SweepDistribution)] = [
            ("a", .normal(mean: 1, sd: 0.5)), ("b", .uniform(lower: 2, upper: 3)),
        ]
        let first = sweepPoints(parameters, design: .random(draws: 50, seed: 3))
        #expect(first == sweepPoints(parameters, design: .random(draws: 50, seed: 3)))
        #expect(first != sweepPoints(parameters, design: .random(draws: 50, seed: 4)))
        #expect(first.allSatisfy { $0[1] >= 2 && $0[1] <= 3 })
        let mean = first.map { $0[0] }.reduce(0, +) / 50
        #expect(abs(mean - 1) < 0.25)
    }

    @Test("a Latin hypercube puts one draw in each stratum of each parameter")
    func latin() {
        let points = sweepPoints(
            [("a", .uniform(lower: 0, upper: 1)), ("b", .uniform(lower: 0, upper: 10))],
            design: .latinHypercube(draws: 20, seed: 9))
        #expect(points.count == 20)
        #expect(Set(points.map { Int($0[0] * 20) }) == Set(0..<20))
        #expect(Set(points.map { Int($0[1] * 2) }) == Set(0..<20))
    }
}

@Suite("Sobol indices")
struct SobolTests {
    /// The Ishigami function (a = 7, b = 0.1) on [-pi, pi]^3 has known indices
    /// (Ishigami and Homma 1990; Sobol' and Levitan 1999).
    @Test("Saltelli's design recovers the Ishigami function's indices")
    func ishigami() {
        let uniform = SweepDistribution.uniform(lower: -Double.pi, upper: Double.pi)
        let n = 20_000
        let points = sweepPoints(
            [("x1", uniform), ("x2", uniform), ("x3", uniform)], design: .saltelli(baseDraws: n, seed: 11))
        #expect(points.count == n * 5)
        let f = points.map { x in sin(x[0]) + 7 * sin(x[1]) * sin(x[1]) + 0.1 * pow(x[2], 4) * sin(x[0]) }
        let fA = (0..<n).map { f[$0 * 5] }
        let fB = (0..<n).map { f[$0 * 5 + 1] }
        let fAB = (0..<3).map { i in (0..<n).map { f[$0 * 5 + 2 + i] } }
        let (first, total) = sobolIndices(fA: fA, fB: fB, fAB: fAB)
        let exactFirst = [0.3139, 0.4424, 0.0]
        let exactTotal = [0.5576, 0.4424, 0.2437]
        for i in 0..<3 {
            #expect(abs(first[i] - exactFirst[i]) < 0.03, "S\(i + 1) = \(first[i])")
            #expect(abs(total[i] - exactTotal[i]) < 0.03, "ST\(i + 1) = \(total[i])")
        }
        // A's rows and the mixed rows share every column but one.
        #expect(points[2][1] == points[0][1] && points[2][0] == points[1][0])
    }
}
