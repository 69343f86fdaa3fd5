import Foundation
import Solvers
import TestSupport
import Testing

/// The largest error over the saved points, in units of the tolerance
/// `atol + rtol * |exact|` the controller aims at.
func errorInTolerances(_ solution: ODESolution, exact: (Double) -> [Double], tolerance: Double) -> Double {
    var worst = 0.0
    for k in 0..<solution.count {
        for (value, reference) in zip(solution.state(k), exact(solution.t[k])) {
            worst = max(worst, abs(value - reference) / (tolerance + tolerance * abs(reference)))
        }
    }
    return worst
}

/// Every stepper on every closed-form problem: the global error at every saved
/// point stays within a small multiple of the requested local tolerance.
@Suite("Accuracy against closed forms")
struct AccuracyTests {
    static let cases: [(ClosedFormProblem, Stepper)] = ClosedForm.all.flatMap { p in Stepper.allCases.map { (p, $0) } }

    /// What the controller warrants (``warrantedError(steps:stepper:)``): none of
    /// these problems expands errors (decay, a linear drift, the oscillator, a stiff decay).
    static func bound(_ solution: ODESolution, _ stepper: Stepper) -> Double {
        warrantedError(steps: solution.statistics.steps, stepper: stepper)
    }

    @Test("every stepper meets its tolerance", arguments: cases)
    func meetsTolerance(_ closedForm: ClosedFormProblem, _ stepper: Stepper) throws {
        let tolerance = stepper == .rk1imp ? 1e-5 : 1e-8
        var options = SolverOptions(relativeTolerance: tolerance, absoluteTolerance: .scalar(tolerance))
        options.saveAt = .interval(0.25)
        let solution = try solve(closedForm.problem, stepper, options)
        #expect(solution.returnCode == .success)
        #expect(solution.t.first == closedForm.problem.timeSpan.start)
        #expect(solution.t.last == closedForm.problem.timeSpan.end)
        let error = errorInTolerances(solution, exact: closedForm.exact, tolerance: tolerance)
        #expect(
            error <= Self.bound(solution, stepper),
            "\(closedForm) with \(stepper): error \(error) tolerances in \(solution.statistics.steps) steps")
        #expect(solution.statistics.steps > 0)
        #expect(solution.statistics.functionEvaluations >= solution.statistics.steps)
        #expect((solution.statistics.jacobianEvaluations > 0) == stepper.usesJacobian)
    }

    @Test(
        "tightening the tolerance a thousandfold shrinks the error at least tenfold",
        arguments: [Stepper.rkf45, .rkck, .rk8pd, .rk4imp, .msadams, .msbdf, .bsimp])
    func toleranceProportionality(_ stepper: Stepper) throws {
        func error(_ tolerance: Double) throws -> Double {
            let options = SolverOptions(relativeTolerance: tolerance, absoluteTolerance: .scalar(tolerance))
            return ClosedForm.oscillator.endError(of: try solve(ClosedForm.oscillator.problem, stepper, options))
        }
        let loose = try error(1e-5)
        let tight = try error(1e-8)
        #expect(tight < loose / 10, "error \(loose) at 1e-5 against \(tight) at 1e-8")
    }
}

/// With a constant step h, the difference between successive halvings of a
/// method of order p falls as h^p. Measured on Lotka-Volterra, a nonlinear
/// system with no special structure (a linear test problem overstates the
/// order of many-stage methods).
@Suite("Order of convergence")
struct ConvergenceTests {
    static let lotkaVolterra = ODEProblem(initialState: [1.0, 0.5], timeSpan: (0, 2)) { _, y, dydt in
        dydt[0] = 1.5 * y[0] - y[0] * y[1]
        dydt[1] = -3 * y[1] + y[0] * y[1]
    }

    /// The coarsest step of each method, chosen inside its asymptotic range and
    /// well above rounding error at the finest of the five.
    static let cases: [(Stepper, Double)] = [
        (.rk2, 1.0 / 32), (.rk4, 1.0 / 16), (.rkf45, 1.0 / 16), (.rkck, 1.0 / 32),
        (.rk8pd, 1.0 / 4), (.rk1imp, 1.0 / 256), (.rk2imp, 1.0 / 64), (.rk4imp, 1.0 / 32),
    ]

    @Test("observed order matches the method", arguments: cases)
    func observedOrder(_ stepper: Stepper, _ coarse: Double) throws {
        let order = try #require(stepper.order)
        var ends: [Double] = []
        for level in 0..<5 {
            let h = coarse / Double(1 << level)
            // Tight tolerances: the implicit methods' Newton iterations stop at
            // the controller's tolerance even with a fixed step.
            var options = SolverOptions(
                relativeTolerance: 1e-14, absoluteTolerance: .scalar(1e-14), saveAt: .times([0, 2]))
            options.fixedStep = h
            let solution = try solve(Self.lotkaVolterra, stepper, options)
            #expect(solution.returnCode == .success)
            #expect(solution.statistics.steps == Int((2 / h).rounded()))
            ends.append(solution.finalState.first!)
        }
        let differences = (0..<4).map { abs(ends[$0] - ends[$0 + 1]) }
        let rates = (0..<3).map { log2(differences[$0] / differences[$0 + 1]) }
        #expect(abs(rates[2] - Double(order)) < 0.3, "\(stepper): observed orders \(rates)")
        // Pre-asymptotic rates may differ, but never by a whole order.
        #expect(rates.allSatisfy { abs($0 - Double(order)) < 1.05 }, "\(stepper): observed orders \(rates)")
    }
}

/// Save times interpolated inside steps rather than landed on.
@Suite("Interpolated saves")
struct InterpolatedSaveTests {
    /// The oscillator saved every 0.01 (629 points): landing on each forces steps
    /// of 0.01; interpolating lets the steps grow, and the cubic Hermite values
    /// stay within the tolerance's error budget.
    @Test(
        "interpolated saves keep the error within the tolerance with far fewer steps, for every adaptive stepper",
        arguments: [
            Stepper.rk8pd, .rkf45, .rkck, .msbdf, .msadams, .bsimp, .rk4imp,
        ])
    func oscillator(_ stepper: Stepper) throws {
        let tolerance = 1e-8
        var options = SolverOptions(relativeTolerance: tolerance, absoluteTolerance: .scalar(tolerance))
        options.saveAt = .interval(0.01)
        options.saveMode = .land
        let landed = try solve(ClosedForm.oscillator.problem, stepper, options)
        options.saveMode = .interpolate
        let interpolated = try solve(ClosedForm.oscillator.problem, stepper, options)
        #expect(interpolated.returnCode == .success)
        #expect(interpolated.t == landed.t, "the same saved times")
        #expect(
            interpolated.statistics.steps < landed.statistics.steps,
            "\(interpolated.statistics.steps) steps against \(landed.statistics.steps)")
        let error = errorInTolerances(interpolated, exact: ClosedForm.oscillator.exact, tolerance: tolerance)
        // The steps' local errors, and at most one more tolerance unit for the interpolation (its budget).
        #expect(error <= AccuracyTests.bound(interpolated, stepper) + 1, "\(stepper): \(error) tolerances")
    }

    /// A kink at a tstop (the right-hand side jumps at t = 1): the integrator
    /// still lands there, so no interpolation spans the kink. (Both solves
    /// carry an error of about 2e-9 from the step that ends on the kink, whose
    /// last stage sees the value after the jump; an interpolation across the
    /// kink would be off by up to 0.05.)
    @Test("tstops are still landed on: a right-hand side that jumps at a tstop is followed as when landing")
    func kink() throws {
        let problem = ODEProblem(initialState: [0.0], timeSpan: (0, 2)) { t, _, dydt in dydt[0] = t < 1 ? 1 : -1 }
        var options = SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10))
        options.saveAt = .interval(0.1)
        options.tstops = [1]
        let landed = try solve(problem, .rkf45, options)
        options.saveMode = .interpolate
        let solution = try solve(problem, .rkf45, options)
        #expect(solution.t == landed.t && solution.t.count == 21)
        for (t, y) in zip(solution.t, solution.series(0)) {
            #expect(abs(y - (t <= 1 ? t : 2 - t)) < 1e-8, "y(\(t)) = \(y)")
        }
    }

    /// A terminal event inside a step: the saves before it are kept.
    @Test("saves inside the step that ends on a terminal event are interpolated too")
    func terminalEvent() throws {
        var options = SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10))
        options.saveAt = .interval(0.05)
        options.saveMode = .interpolate
        options.events = [Event("y below 1", direction: .falling) { _, y in y[0] - 1 }]
        let solution = try solve(ClosedForm.decay.problem, .rk8pd, options)
        #expect(solution.returnCode == .terminated)
        // y = 2 exp(-0.7 t) crosses 1 at ln 2 / 0.7 = 0.990...: every save before it, then the event.
        let crossing = log(2) / 0.7
        #expect(solution.t.dropLast().count == Int((crossing / 0.05).rounded(.down)) + 1)
        #expect(abs(solution.t.last! - crossing) < 1e-9)
        for (t, y) in zip(solution.t, solution.series(0)) { #expect(abs(y - 2 * exp(-0.7 * t)) < 1e-8, "y(\(t))") }
    }
}

/// The default save mode: msbdf's own polynomial, landing for the other steppers.
@Suite("The default save mode")
struct DefaultSaveModeTests {
    @Test(
        """
        by default msbdf interpolates its saves from its Nordsieck history, with fewer steps and no evaluation \
        beyond its steps', within the tolerance
        """
    )
    func msbdf() throws {
        let tolerance = 1e-8
        var options = SolverOptions(
            relativeTolerance: tolerance, absoluteTolerance: .scalar(tolerance), saveAt: .interval(0.01))
        #expect(options.saveMode == .automatic)
        let automatic = try solve(ClosedForm.oscillator.problem, .msbdf, options)
        options.saveMode = .interpolate
        let interpolated = try solve(ClosedForm.oscillator.problem, .msbdf, options)
        options.saveMode = .land
        let landed = try solve(ClosedForm.oscillator.problem, .msbdf, options)
        #expect(automatic.values == interpolated.values && automatic.t == landed.t)
        #expect(
            automatic.statistics.steps * 3 < landed.statistics.steps,
            "\(automatic.statistics.steps) steps against \(landed.statistics.steps)")
        #expect(automatic.statistics.functionEvaluations < landed.statistics.functionEvaluations)
        #expect(
            errorInTolerances(automatic, exact: ClosedForm.oscillator.exact, tolerance: tolerance)
                <= AccuracyTests.bound(automatic, .msbdf) + 1)
    }

    @Test(
        "by default the other steppers land on every save time",
        arguments: [Stepper.rk8pd, .rkf45, .msadams, .bsimp, .rk4imp])
    func others(_ stepper: Stepper) throws {
        var options = SolverOptions(relativeTolerance: 1e-8, absoluteTolerance: .scalar(1e-8), saveAt: .interval(0.05))
        let automatic = try solve(ClosedForm.oscillator.problem, stepper, options)
        options.saveMode = .land
        let landed = try solve(ClosedForm.oscillator.problem, stepper, options)
        #expect(automatic.values == landed.values && automatic.statistics == landed.statistics)
    }
}
