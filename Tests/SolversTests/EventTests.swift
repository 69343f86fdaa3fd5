import Foundation
import Solvers
import Testing

@Suite("Events")
struct EventTests {
    static let steppers: [Stepper] = [.rkf45, .rk8pd, .rk4imp, .bsimp, .msadams, .msbdf]

    /// y = 2 exp(-0.7 t) reaches 0.5 at t = ln(4) / 0.7.
    @Test("a terminal event stops at the closed-form crossing time", arguments: steppers)
    func terminalCrossing(_ stepper: Stepper) throws {
        var options = SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-12))
        options.events = [Event("half-life") { _, y in y[0] - 0.5 }]
        let solution = try solve(ClosedForm.decay.problem, stepper, options)
        let crossing = log(4.0) / 0.7
        #expect(solution.returnCode == .terminated)
        #expect(solution.isSuccessful)
        let event = try #require(solution.events.first)
        #expect(solution.events.count == 1)
        #expect(event.name == "half-life")
        #expect(event.index == 0)
        #expect(!event.isRising)
        #expect(abs(event.time - crossing) < 1e-8, "located \(event.time), exact \(crossing)")
        #expect(abs(event.state[0] - 0.5) < 1e-8)
        #expect(solution.t.last == event.time)
        #expect(solution.lastGoodTime == event.time)
        #expect(solution.finalState[0] == event.state[0])
        #expect(solution.statistics.eventLocations == 1)
    }

    /// cos(2t) rises through zero at t = 3π/4 and 7π/4 in [0, 2π]; falls at π/4 and 5π/4.
    @Test("a non-terminal event records every rising crossing and no falling one", arguments: steppers)
    func directionalCrossings(_ stepper: Stepper) throws {
        var options = SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-12))
        options.events = [Event("rising zero", direction: .rising, isTerminal: false) { _, y in y[0] }]
        let solution = try solve(ClosedForm.oscillator.problem, stepper, options)
        #expect(solution.returnCode == .success)
        let times = solution.events.map(\.time)
        let expected = [3 * Double.pi / 4, 7 * Double.pi / 4]
        #expect(times.count == expected.count, "events at \(times)")
        for (located, exact) in zip(times, expected) {
            #expect(abs(located - exact) < 1e-7, "located \(located), exact \(exact)")
        }
        #expect(solution.events.allSatisfy { $0.isRising })
        #expect(solution.t.last == 2 * Double.pi)
    }

    @Test("events with a fixed step are located on the step's own polynomial")
    func fixedStepEvent() throws {
        var options = SolverOptions()
        options.fixedStep = 0.01
        options.events = [Event("half-life") { _, y in y[0] - 0.5 }]
        let solution = try solve(ClosedForm.decay.problem, .rk4, options)
        #expect(solution.returnCode == .terminated)
        let event = try #require(solution.events.first)
        #expect(abs(event.time - log(4.0) / 0.7) < 1e-9)
    }

    @Test("of two events in one step the earlier terminal one wins")
    func earliestTerminalWins() throws {
        var options = SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-12))
        options.events = [
            Event("quarter") { _, y in y[0] - 0.25 },
            Event("half") { _, y in y[0] - 0.5 },
        ]
        options.maximumStep = 10
        let solution = try solve(ClosedForm.decay.problem, .rk8pd, options)
        #expect(solution.returnCode == .terminated)
        #expect(solution.events.map(\.name) == ["half"])
        #expect(abs(solution.lastGoodTime - log(4.0) / 0.7) < 1e-8)
    }
}

@Suite("Save grid and tstops")
struct SaveTests {
    @Test("a monthly grid lands exactly on t0 + k/12 and ends at t1")
    func monthlyGrid() throws {
        let problem = ODEProblem(initialState: [1.0], timeSpan: (2025, 2032)) { _, y, dydt in dydt[0] = 0.03 * y[0] }
        var options = SolverOptions()
        options.saveAt = .interval(1.0 / 12)
        let solution = try solve(problem, .rk8pd, options)
        #expect(solution.count == 85)
        for k in 0..<84 { #expect(solution.t[k] == 2025 + Double(k) * (1.0 / 12)) }
        #expect(solution.t.last == 2032)
        for k in 0..<solution.count {
            let exact = exp(0.03 * (solution.t[k] - 2025))
            #expect(abs(solution.state(k)[0] - exact) < 1e-6 * exact)
        }
        #expect(solution.series(0).count == 85)
    }

    @Test("explicit save times are returned as given")
    func explicitTimes() throws {
        let times = [0.0, 0.1, 0.7, 2.0]
        let solution = try solve(ClosedForm.linear.problem, .rkf45, SolverOptions(saveAt: .times(times)))
        #expect(solution.t == times)
        #expect(solution.values.count == times.count * 2)
    }

    /// f jumps from +1 to -1 at t = 0.3, so y(1) = 0.3 - 0.7 = -0.4 and the
    /// kink lies inside a step unless the solver stops there.
    @Test("a tstop makes the integrator land on a kink")
    func tstopLandsOnKink() throws {
        let kinked = ODEProblem(initialState: [0.0], timeSpan: (0, 1)) { t, _, dydt in dydt[0] = t < 0.3 ? 1 : -1 }
        var options = SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-12))
        options.tstops = [0.3, 5.0]
        let solution = try solve(kinked, .rk8pd, options)
        #expect(solution.returnCode == .success)
        #expect(solution.t.contains(0.3))
        #expect(!solution.t.contains(5.0))
        #expect(abs(solution.finalState.first! + 0.4) < 1e-10)
        let index = try #require(solution.t.firstIndex(of: 0.3))
        #expect(abs(solution.state(index).first! - 0.3) < 1e-10)
    }

    @Test("the maximum step bounds every step")
    func maximumStep() throws {
        var options = SolverOptions()
        options.maximumStep = 0.01
        let solution = try solve(ClosedForm.decay.problem, .rk8pd, options)
        let gaps = zip(solution.t.dropFirst(), solution.t).map { $0 - $1 }
        #expect(gaps.allSatisfy { $0 <= 0.01 * (1 + 1e-12) })
        #expect(solution.statistics.steps >= 300)
    }
}

@Suite("Landing targets")
struct LandingTests {
    @Test("save times and tstops merge into one ascending list, each once, ending at t1")
    func mergesTargets() throws {
        var options = SolverOptions(saveAt: .times([0, 0.5, 1, 2]))
        options.tstops = [1.5, 0.5, -1, 3, 1.0]
        let solution = try solve(ClosedForm.linear.problem, .rkf45, options)
        #expect(solution.t == [0, 0.5, 1, 2])
        var everyStep = SolverOptions()
        everyStep.tstops = [1.5, 0.5]
        let stepped = try solve(ClosedForm.linear.problem, .rkf45, everyStep)
        #expect(stepped.t.contains(1.5) && stepped.t.contains(0.5))
        #expect(zip(stepped.t.dropFirst(), stepped.t).allSatisfy { $0 > $1 })
    }
}
