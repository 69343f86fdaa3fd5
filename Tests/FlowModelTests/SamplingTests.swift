import Foundation
import Testing

@testable import FlowModel

@Suite("Sampling")
struct SamplingTests {
    /// Standard normal quantiles from tables (to 10 digits).
    @Test("normal quantiles match their tabulated values", arguments: [
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
        let parameters: [(key: String, distribution: SweepDistribution)] = [("a", .normal(mean: 1, sd: 0.5)), ("b", .uniform(lower: 2, upper: 3))]
        let first = sweepPoints(parameters, design: .random(draws: 50, seed: 3))
        #expect(first == sweepPoints(parameters, design: .random(draws: 50, seed: 3)))
        #expect(first != sweepPoints(parameters, design: .random(draws: 50, seed: 4)))
        #expect(first.allSatisfy { $0[1] >= 2 && $0[1] <= 3 })
        let mean = first.map { $0[0] }.reduce(0, +) / 50
        #expect(abs(mean - 1) < 0.25)
    }

    @Test("a Latin hypercube puts one draw in each stratum of each parameter")
    func latin() {
        let points = sweepPoints([("a", .uniform(lower: 0, upper: 1)), ("b", .uniform(lower: 0, upper: 10))], design: .latinHypercube(draws: 20, seed: 9))
        #expect(points.count == 20)
        #expect(Set(points.map { Int($0[0] * 20) }) == Set(0..<20))
        #expect(Set(points.map { Int($0[1] * 2) }) == Set(0..<20))
    }
}
