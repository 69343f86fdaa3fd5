import CReference
import Foundation
import TestSupport
import Testing

@testable import FlowModel
@testable import Solvers

/// A solved path of the reverse-QE file, with its series by name.
struct QEPath {
    let model: CompiledModel
    let solution: ODESolution
    let series: [[Double]]

    init(
        _ settings: ModelSettings = ModelSettings(), regime: String = "none", stepper: Stepper = .rk8pd,
        tolerance: Double = 1e-10
    ) throws {
        var settings = settings
        settings.choices["regime"] = regime
        model = try Models.compile("reverse-qe.sfc", settings)
        var options = SolverOptions(
            relativeTolerance: tolerance, absoluteTolerance: .scalar(tolerance), saveAt: .interval(1.0 / 12))
        options.maxSteps = 1_000_000
        (solution, series) = try model.run(stepper, options: options)
        #expect(solution.isSuccessful)
    }

    var t: [Double] { solution.t }
    subscript(_ name: String) -> [Double] { series[model.columns.firstIndex { $0.name == name }!] }
    func end(_ name: String) -> Double { self[name].last! }
    func parameter(_ name: String) -> Double { model.parameter(name)! }
}

let regimes = ["none", "reserves", "buyer", "share"]

/// The default model written a second time in plain C from MODEL.md's
/// equations as written (Tests/CReference/CModel.c): the file, which
/// builds its balancing items from the matrices, must follow the same path
/// to the solvers' tolerance. (Before the hand-written Swift model left the
/// package, the file also reproduced it to 1e-12 on every regime, a scenario
/// and the counterfactual, under the same fixed steps.)
@Suite("The reverse-QE file against the independent implementation in C")
struct IndependentImplementationTests {
    @Test("the C implementation and the file agree on the default path", arguments: regimes.indices)
    func agree(_ code: Int) throws {
        let path = try QEPath(regime: regimes[code])
        var output = [Double](repeating: 0, count: 100 * 26)
        var steps: UInt = 0
        var evaluations: UInt = 0
        let saved = cmodel_solve(Int32(code), "rk8pd", 1e-10, 1e-10, 2032, &output, output.count, &steps, &evaluations)
        try #require(saved == Int32(path.solution.count))
        #expect(path.model.stateNames.count == 26)
        var worst = 0.0
        for k in 0..<path.solution.count {
            for (i, value) in path.solution.state(k).enumerated() {
                worst = max(worst, abs(value - output[k * 26 + i]) / max(abs(value), 1))
            }
        }
        #expect(worst < 1e-8, "\(regimes[code]): largest difference \(worst)")
    }
}

/// The default model a third time, in Python with SciPy's solve_ivp
/// (Tests/SciPyReference/model.py, a port of the C model): an implementation with
/// another integrator and another way of landing on the knots.
@Suite("The reverse-QE file against the implementation in Python with SciPy")
struct SciPyImplementationTests {
    @Test("SciPy's DOP853 and the file agree on the default path", arguments: regimes)
    func agree(_ regime: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Models.root.appendingPathComponent("Tests/SciPyReference/model.py").path, "--method", "DOP853",
            "--rtol", "1e-11", "--regime", regime,
        ]
        let output = Pipe()
        let errors = Pipe()
        (process.standardOutput, process.standardError) = (output, errors)
        try process.run()
        let csv = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let report = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0, "python3 Tests/SciPyReference/model.py exited \(process.terminationStatus)"
        )
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        let path = try QEPath(regime: regime)
        try #require(
            rows.count == path.solution.count && rows.allSatisfy { $0.count == 27 }, "SciPy saved \(rows.count) rows")
        var worst = 0.0
        for (k, row) in rows.enumerated() {
            #expect(abs(row[0] - path.t[k]) < 1e-9, "month \(k): SciPy at \(row[0]), the file at \(path.t[k])")
            for (i, value) in path.solution.state(k).enumerated() {
                worst = max(worst, abs(value - row[i + 1]) / max(abs(value), 1))
            }
        }
        // Both warranted errors: the file's rk8pd at 1e-10, and SciPy's DOP853 at 1e-11, whose evaluations
        // ("# DOP853 rtol 1e-11: N evaluations") are 12 a step.
        let evaluations = try #require(report.split(separator: " ").dropLast().last.flatMap { Int($0) }, "\(report)")
        let allowed =
            warrantedError(steps: path.solution.statistics.steps, stepper: .rk8pd) * 1e-10
            + Double(evaluations / 12) * 1e-11
        #expect(worst <= allowed, "largest difference \(worst), allowed \(allowed)")
    }
}

/// MODEL.md's accounting, on the file's paths.
@Suite("The reverse-QE file's accounting")
struct AccountingTests {
    @Test("every market clears at t0: rb, sc and every price are at rest", arguments: regimes)
    func marketsClear(_ regime: String) throws {
        let model = try Models.compile("reverse-qe.sfc", ModelSettings(choices: ["regime": regime]))
        var dydt = [Double](repeating: 0, count: model.initialState.count)
        let problem = model.problem()
        try model.initialState.withUnsafeBufferPointer { y in
            try dydt.withUnsafeMutableBufferPointer { try problem.rightHandSide(model.t0, y, $0) }
        }
        for (i, name) in model.stateNames.enumerated() where name == "rb" || name == "sc" || name.hasPrefix("lnp") {
            #expect(abs(dydt[i]) < 1e-12, "\(name) moves at \(dydt[i]) per year")
        }
    }

    @Test(
        "both matrices balance along the path, and the redundant equation holds to 1e-8 of M", arguments: regimes,
        [Stepper.rk8pd, .msbdf])
    func balance(_ regime: String, _ stepper: Stepper) throws {
        let path = try QEPath(regime: regime, stepper: stepper)
        #expect(path["identity_share"].max()! < 1e-8)
        let imbalances = matrixImbalances(path.model, path.solution, every: 6)
        #expect(imbalances.isEmpty, "\(imbalances)")
    }
}

/// The qualitative results of MODEL.md section 5.
@Suite("What the reverse-QE model shows")
struct QualitativeTests {
    @Test("no buyer: idle cash falls, rb rises, crypto falls most, then longdur; cashflow ends above its start")
    func noBuyerOrdering() throws {
        let run = try QEPath()
        #expect(run.end("L") < run["L"][0])
        #expect(run.end("rb") > run.parameter("rb0") + 0.01)
        let drawdowns = ["crypto", "longdur", "aiequity", "cashflow"].map { name in
            var peak = 0.0
            var worst = 0.0
            for p in run["p_\(name)"] {
                peak = max(peak, p)
                worst = max(worst, 1 - p / peak)
            }
            return worst
        }
        #expect(drawdowns[0] > drawdowns[1], "drawdowns \(drawdowns)")
        #expect(drawdowns[1] > drawdowns[2] && drawdowns[1] > drawdowns[3], "drawdowns \(drawdowns)")
        #expect(run.end("p_crypto") < run.end("p_longdur"))
        #expect(run.end("p_cashflow") > 1)
    }

    @Test("buyer: rb stays near r_cap, Bf grows, every class ends above no buyer; reserves lies between")
    func buyerAboveNoBuyer() throws {
        let none = try QEPath()
        let reserves = try QEPath(regime: "reserves")
        let buyer = try QEPath(regime: "buyer")
        let rCap = buyer.parameter("r_cap")
        // After the first quarter the yield never exceeds the cap by more than 5 bp.
        for (t, value) in zip(buyer.t, buyer["rb"]) where t >= 2025.25 {
            #expect(value < rCap + 0.0005, "rb = \(value) at \(t)")
        }
        #expect(buyer.end("Bf") > buyer.parameter("Bf0") + 1)
        #expect(none.end("Bf") < none.parameter("Bf0"))
        for name in ["crypto", "longdur", "aiequity", "cashflow"] {
            let low = none.end("p_\(name)")
            let middle = reserves.end("p_\(name)")
            let high = buyer.end("p_\(name)")
            #expect(high > low, "\(name): buyer \(high), none \(low)")
            #expect(middle > low && middle < high, "\(name): none \(low), reserves \(middle), buyer \(high)")
        }
        #expect(none["rb"].max()! > reserves["rb"].max()!)
    }

    @Test("sovereign sales start when calls outrun cash and push crypto down first")
    func sovereignSales() throws {
        // More commitments and more cash at the start: calls outrun cash in 2026.
        let settings = ModelSettings(parameters: ["Ms0": 0.5, "Nz": 0.6])
        let run = try QEPath(settings)
        let (hs, cz) = (run.parameter("h_s"), run.parameter("c_z"))
        let start = try #require(zip(run.t, zip(run["Z"], run["Ms"])).first { hs * cz * $0.1.0 - $0.1.1 > 0 }?.0)
        #expect(start > 2026 && start < 2026.5, "calls outrun cash at \(start)")
        for (t, value) in zip(run.t, run["SELL_total"]) {
            if t < start - 0.2 { #expect(value < 0.005, "sales of \(value) at \(t), before calls outrun cash") }
            if t > start + 0.1 { #expect(value > 0.05, "sales of only \(value) at \(t)") }
        }
        var quiet = settings
        quiet.parameters["k_sw"] = 0
        let noSales = try QEPath(quiet)
        // A year after sales begin: crypto has lost more to them than longdur.
        let k = try #require(run.t.firstIndex { $0 >= start + 1 })
        let cryptoHit = run["p_crypto"][k] / noSales["p_crypto"][k]
        let longdurHit = run["p_longdur"][k] / noSales["p_longdur"][k]
        #expect(cryptoHit < longdurHit && longdurHit < 1, "crypto \(cryptoHit), longdur \(longdurHit)")
    }

    @Test("the no-AI-boom counterfactual removes most of the crowding-out")
    func counterfactual() throws {
        let boom = try QEPath()
        let flat = try QEPath(ModelSettings(choices: ["counterfactual": "no_ai_boom"]))
        #expect(flat["I"].allSatisfy { abs($0 - flat.parameter("I0")) < 1e-12 })
        #expect(flat.end("p_crypto") > 2 * boom.end("p_crypto"))
        #expect(flat.end("p_longdur") > boom.end("p_longdur"))
        #expect(flat["rb"].max()! < boom["rb"].max()! - 0.005)
        #expect(flat.end("L") > boom.end("L"))
    }

    /// Against rk8pd at 1e-12, each stepper at its tolerance.
    @Test("explicit and implicit steppers agree on the default path", arguments: regimes)
    func steppersAgree(_ regime: String) throws {
        let reference = try QEPath(regime: regime, tolerance: 1e-12)
        let referenceAllowed = warrantedError(steps: reference.solution.statistics.steps, stepper: .rk8pd) * 1e-12
        for stepper in [Stepper.rk8pd, .rkf45, .msbdf] {
            let tolerance = 1e-10
            let run = try QEPath(regime: regime, stepper: stepper, tolerance: tolerance)
            var worst = 0.0
            for k in 0..<reference.solution.count {
                for (x, y) in zip(run.solution.state(k), reference.solution.state(k)) {
                    worst = max(worst, abs(x - y) / max(abs(y), 1))
                }
            }
            // Each run's warranted global error at its tolerance (relative, or absolute below 1).
            let allowed = warrantedError(steps: run.solution.statistics.steps, stepper: stepper) * tolerance
            #expect(
                worst <= allowed + referenceAllowed,
                "\(regime), \(stepper): \(worst) in \(run.solution.statistics.steps) steps")
        }
    }
}

@Suite("Keys of a model file's parameters")
struct CanonicalKeyTests {
    /// The keys of configurations, --set, scenarios, sweep specs and fit files.
    @Test(
        "a key names a parameter by its name, name[member], or with a section prefix as configuration files write it",
        arguments: [
            ("alpha1", "alpha1"), ("theta", "theta"), ("household.alpha1", "alpha1"), ("beta[crypto]", "beta[crypto]"),
            ("risk.crypto.beta", "beta[crypto]"), ("capex.payout", "payout"),
        ] as [(String, String)])
    func known(_ given: String, _ expected: String) throws {
        let sim = try parseModel(Models.text("gl-sim.sfc"), file: "gl-sim.sfc")
        let qe = try parseModel(Models.text("reverse-qe.sfc"), file: "reverse-qe.sfc")
        #expect((sim.canonicalKey(given) ?? qe.canonicalKey(given)) == expected)
    }

    @Test(
        """
        a key that names no parameter is nil: an unknown name, member or set, or an indexed parameter without \
        its member
        """,
        arguments: [
            "bogus", "beta[bitcoin]", "risk.bitcoin.beta", "bucket.crypto.beta", "beta", "a.b.c.d",
        ])
    func unknown(_ given: String) throws {
        let qe = try parseModel(Models.text("reverse-qe.sfc"), file: "reverse-qe.sfc")
        #expect(qe.canonicalKey(given) == nil)
        #expect(qe.canonicalKey("beta[bitcoin]", members: ["risk": ["bitcoin"]]) == "beta[bitcoin]")
    }
}

@Suite("Interpolated saves on the reverse-QE file")
struct InterpolatedReverseQETests {
    /// Against rk8pd at 1e-12 landing on every month, over every output
    /// series (the derived ones amplify a state's error): msbdf with the
    /// months interpolated is as accurate as landing on them (the
    /// interpolation's error is held within the local tolerance), in fewer steps.
    @Test(
        "msbdf with interpolated monthly saves is as accurate as landing on them, every output series, in fewer steps",
        arguments: [1e-6, 1e-8])
    func msbdf(tolerance: Double) throws {
        let reference = try QEPath(tolerance: 1e-12)
        func run(_ interpolate: Bool) throws -> (solution: ODESolution, series: [[Double]]) {
            let model = try Models.compile("reverse-qe.sfc", ModelSettings(choices: ["regime": "none"]))
            var options = SolverOptions(
                relativeTolerance: tolerance, absoluteTolerance: .scalar(tolerance), saveAt: .interval(1.0 / 12))
            options.saveMode = interpolate ? .interpolate : .land
            return try model.run(.msbdf, options: options)
        }
        let landed = try run(false)
        let interpolated = try run(true)
        func error(_ series: [[Double]]) -> Double {
            var worst = 0.0
            for (column, expected) in zip(series, reference.series) {
                for (x, y) in zip(column, expected) where y.isFinite {
                    worst = max(worst, abs(x - y) / max(abs(y), 1))
                }
            }
            return worst
        }
        #expect(interpolated.solution.t == landed.solution.t)
        let (a, b) = (error(interpolated.series), error(landed.series))
        print(
            """
            reverse-qe.sfc, msbdf at \(tolerance): landing \(landed.solution.statistics.steps) steps, error \
            \(b); interpolating \(interpolated.solution.statistics.steps) steps, error \(a)
            """
        )
        #expect(interpolated.solution.statistics.steps < landed.solution.statistics.steps)
        #expect(a <= b, "interpolated \(a) against landed \(b)")
    }
}
