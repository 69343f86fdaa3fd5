import Foundation
import Testing

@testable import Experiments
@testable import FlowModel
@testable import Solvers

/// A one-state model whose path x(t) = b + (1 - b) e^(-a t) the estimation must recover.
enum Toy {
    static let source: ModelSource = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let text = try! String(contentsOf: root.appendingPathComponent("Fixtures/toy.sfc"), encoding: .utf8)
        return try! parseModel(text, file: "toy.sfc")
    }()

    static func model(_ parameters: [String: Double] = [:]) -> FileCalibrationModel {
        FileCalibrationModel(source: source, settings: ModelSettings(parameters: parameters), choice: "regime")
    }

    /// 48 months of X's month means at (a, b), plus normal noise of sd `noise` from `seed`.
    static func data(a: Double, b: Double, noise: Double, seed: UInt64) throws -> Likelihood {
        let months = (0..<48).map { 2020 + Double($0) / 12 }
        var likelihood = Likelihood(
            months: months, observables: [MonthlyObservable(series: "X", sd: noise)], data: [[]])
        let path = try model(["a": a, "b": b]).solve(at: likelihood.saveTimes, stepper: .rk8pd, tolerance: 1e-10)
        var rng = SeededGenerator(seed: seed)
        likelihood.data = [try likelihood.modelValues(path)[0].map { $0 + noise * inverseNormal(rng.unit()) }]
        return likelihood
    }
}

@Suite("Estimation: priors, likelihood, mode, chains and diagnostics")
struct EstimationTests {
    @Test("each prior's draws have its mean and sd, and its log density differs between points as its formula says")
    func priors() {
        var rng = SeededGenerator(seed: 7)
        let cases: [(Prior, Double, Double)] = [
            (.normal(mean: 1, sd: 0.5), -10, 10), (.logNormal(mean: 2, sd: 0.5), 0, 100),
            (.gamma(mean: 3, sd: 1.5), 0, 100), (.beta(mean: 0.3, sd: 0.1), 0, 1), (.beta(mean: 5, sd: 2), 2, 12),
        ]
        for (prior, lower, upper) in cases {
            let draws = (0..<20_000).map { _ in prior.draw(lower: lower, upper: upper, using: &rng) }
            let mean = draws.reduce(0, +) / Double(draws.count)
            let sd = (draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count - 1)).squareRoot()
            guard case .normal(let m, let s) = prior else {
                if case .logNormal(let m, let s) = prior { check(m, s) }
                if case .gamma(let m, let s) = prior { check(m, s) }
                if case .beta(let m, let s) = prior { check(m, s) }
                continue
            }
            check(m, s)
            func check(_ m: Double, _ s: Double) {
                #expect(abs(mean - m) < 4 * s / Double(draws.count).squareRoot(), "\(prior): mean \(mean)")
                #expect(abs(sd - s) < 0.03 * s, "\(prior): sd \(sd)")
            }
        }
        // Log-density differences from the closed forms.
        let gamma = Prior.gamma(mean: 3, sd: 1.5)  // shape 4, rate 4/3
        #expect(
            abs(
                gamma.logDensity(2, lower: 0, upper: 9) - gamma.logDensity(1, lower: 0, upper: 9)
                    - (3 * log(2.0) - 4.0 / 3)) < 1e-12)
        let beta = Prior.beta(mean: 5, sd: 2)
        let (a, b) = Prior.betaShapes(mean: 5, sd: 2, lower: 2, upper: 12)
        let variance: Double = a * b / ((a + b) * (a + b) * (a + b + 1))
        #expect(abs(a / (a + b) - 0.3) < 1e-12 && abs(variance - 0.04) < 1e-12)
        let difference = beta.logDensity(7, lower: 2, upper: 12) - beta.logDensity(4, lower: 2, upper: 12)
        let closed: Double = (a - 1) * log(0.5 / 0.2) + (b - 1) * log(0.5 / 0.8)
        #expect(abs(difference - closed) < 1e-12)
        #expect(Prior.uniform.logDensity(13, lower: 2, upper: 12) == -.infinity)
        #expect(Prior.beta(mean: 0.5, sd: 0.6).problem(lower: 0, upper: 1) != nil)
        #expect(Prior.gamma(mean: 1, sd: 1).problem(lower: -1, upper: 1) != nil)
    }

    @Test("the AR(1) likelihood with a gap equals the joint normal density of the errors")
    func likelihood() throws {
        // Errors in months 0, 1 and 3 (month 2 missing); covariance sd^2 / (1 - rho^2) rho^|i - j|.
        let (sd, rho) = (1.5, 0.6)
        let likelihood = Likelihood(
            months: [0, 1.0 / 12, 2.0 / 12, 3.0 / 12], observables: [MonthlyObservable(series: "X", sd: sd, rho: rho)],
            data: [[1.0, -0.5, nil, 2.0]])
        let model: [[Double]] = [[0.2, 0.1, 7, -0.4]]
        let e = [0.8, -0.6, 2.4]
        let months = [0, 1, 3]
        var covariance = [Double](repeating: 0, count: 9)
        for i in 0..<3 {
            for j in 0..<3 {
                covariance[3 * i + j] = sd * sd / (1 - rho * rho) * pow(rho, Double(abs(months[i] - months[j])))
            }
        }
        let l = try #require(SymmetricMatrix.cholesky(covariance, 3))
        let inverse = try #require(SymmetricMatrix.inverse(covariance, 3))
        var quadratic = 0.0
        for i in 0..<3 { for j in 0..<3 { quadratic += e[i] * inverse[3 * i + j] * e[j] } }
        let logDet = 2 * (0..<3).reduce(0) { $0 + log(l[4 * $1]) }
        let joint = -0.5 * (quadratic + logDet + 3 * log(2 * Double.pi))
        let value = likelihood.logLikelihood(model: model, sd: [sd], rho: [rho])
        #expect(abs(value - joint) < 1e-12, "\(value) against \(joint)")
        // Log scale: a model figure that is not positive has no likelihood.
        var logged = likelihood
        logged.observables[0].scale = .log
        #expect(logged.logLikelihood(model: [[1, 1, 1, 0]], sd: [sd], rho: [rho]) == -.infinity)
    }

    @Test(
        """
        R-hat is near 1 for chains of one distribution and large for chains apart; ESS is the draws' for white \
        noise and N (1 - phi) / (1 + phi) for an AR(1)
        """
    )
    func diagnostics() {
        var rng = SeededGenerator(seed: 11)
        let white = (0..<4).map { _ in (0..<2000).map { _ in inverseNormal(rng.unit()) } }
        #expect(ChainDiagnostics.splitRHat(white) < 1.005)
        let ess = ChainDiagnostics.bulkESS(white)
        #expect(ess > 0.85 * 8000 && ess < 1.15 * 8000, "white noise ESS \(ess)")
        let apart = white.enumerated().map { c, chain in chain.map { $0 + Double(c) * 0.5 } }
        #expect(ChainDiagnostics.splitRHat(apart) > 1.1)
        let wider = white.enumerated().map { c, chain in chain.map { $0 * (c == 0 ? 3 : 1) } }
        #expect(ChainDiagnostics.splitRHat(wider) > 1.01, "a chain of another scale shows in the folded R-hat")
        let phi = 0.9
        let ar = (0..<4).map { _ in
            var x = 0.0
            return (0..<5000).map { _ in
                x = phi * x + (1 - phi * phi).squareRoot() * inverseNormal(rng.unit())
                return x
            }
        }
        let expected = 20_000 * (1 - phi) / (1 + phi)
        let arESS = ChainDiagnostics.bulkESS(ar)
        #expect(arESS > 0.7 * expected && arESS < 1.3 * expected, "AR(1) ESS \(arESS) against \(expected)")
    }

    @Test("from data simulated by the model, the posterior recovers the parameters and the error's sd within two sds")
    func recovery() throws {
        let truth = (a: 0.8, b: 3.0, sd: 2.0)
        let likelihood = try Toy.data(a: truth.a, b: truth.b, noise: truth.sd, seed: 3)
        var estimated = likelihood
        estimated.observables[0].sd = nil
        let estimation = try Estimation(
            model: Toy.model(["a": 1.5, "b": 2.0]),
            parameters: [
                EstimatedParameter(key: "a", lower: 0.1, upper: 4, prior: .uniform),
                EstimatedParameter(key: "b", lower: 0.5, upper: 8, prior: .normal(mean: 2.5, sd: 2)),
                EstimatedParameter(key: "sd[X]", lower: 0.1, upper: 20, prior: .gamma(mean: 3, sd: 3)),
            ],
            likelihood: estimated, stepper: .rk8pd, tolerance: 1e-10)
        let mode = try estimation.mode()
        var settings = SamplerSettings()
        settings.chains = 4
        settings.warmup = 500
        settings.draws = 1000
        settings.seed = 5
        let chains = try estimation.sample(mode: mode, settings: settings)
        let summary = PosteriorSummary(estimation: estimation, mode: mode, chains: chains)
        for (s, value) in zip(summary.parameters, [truth.a, truth.b, truth.sd]) {
            #expect(abs(s.mean - value) < 2 * s.sd, "\(s.parameter.key): \(s.mean) ± \(s.sd) against \(value)")
            #expect(abs(s.mode - s.mean) < s.sd, "\(s.parameter.key): mode \(s.mode) far from the mean \(s.mean)")
            #expect(
                s.modeError > 0.7 * s.sd && s.modeError < 1.4 * s.sd,
                "\(s.parameter.key): Laplace se \(s.modeError) against the draws' sd \(s.sd)")
            #expect(s.rHat < 1.02 && s.ess > 200 && !s.atBound, "\(s.parameter.key): R-hat \(s.rHat), ESS \(s.ess)")
        }
        #expect(chains.acceptance.allSatisfy { $0 > 0.15 && $0 < 0.5 }, "acceptance \(chains.acceptance)")
        #expect(chains.draws.count == 4 && chains.draws.allSatisfy { $0.count == 1000 })
        // Seeded: the same settings give the same draws.
        let again = try estimation.sample(mode: mode, settings: settings)
        #expect(again.draws == chains.draws)
    }
}
