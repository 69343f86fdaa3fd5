import Foundation
import Solvers
import Testing

struct Overdrawn: Error, CustomStringConvertible {
    var description: String { "account overdrawn" }
}

@Suite("Failure paths")
struct FailureTests {
    static let steppers: [Stepper] = [.rkf45, .rk8pd, .bsimp, .msbdf, .msadams, .rk2imp]

    /// dy2/dt turns NaN from t = 0.5 on: smaller steps cannot help.
    @Test("NaN in the right-hand side names the component and time", arguments: steppers)
    func nanInRightHandSide(_ stepper: Stepper) throws {
        let problem = ODEProblem(initialState: [1, 1], timeSpan: (0, 1), componentNames: ["Cb", "rb"]) { t, y, dydt in
            dydt[0] = -y[0]
            dydt[1] = t < 0.5 ? -y[1] : .nan
        }
        let solution = try solve(problem, stepper, SolverOptions())
        #expect(solution.returnCode == .nonFinite)
        #expect(!solution.isSuccessful)
        let failure = try #require(solution.failure)
        #expect(failure.component == 1)
        #expect(failure.componentName == "rb")
        #expect(failure.time >= 0.5 && failure.time < 0.5 + 1e-6, "failed at \(failure.time)")
        #expect(failure.message.hasPrefix("drb/dt is nan at t = "))
        // The last good state is the solution just before the failure.
        #expect(solution.lastGoodTime <= 0.5 && solution.lastGoodTime > 0.5 - 1e-6)
        #expect(abs(solution.lastGoodState[0] - exp(-solution.lastGoodTime)) < 1e-5)
    }

    @Test("a throwing right-hand side ends the solve with its error", arguments: steppers)
    func throwingRightHandSide(_ stepper: Stepper) throws {
        let problem = ODEProblem(initialState: [1], timeSpan: (0, 1)) { t, y, dydt in
            if t > 0.25 { throw Overdrawn() }
            dydt[0] = -y[0]
        }
        let solution = try solve(problem, stepper, SolverOptions())
        #expect(solution.returnCode == .rightHandSideFailed)
        let failure = try #require(solution.failure)
        #expect(failure.time > 0.25)
        #expect(failure.message == "the right-hand side threw at t = \(failure.time): account overdrawn")
        #expect(solution.lastGoodTime <= 0.25)
        #expect(abs(solution.lastGoodState[0] - exp(-solution.lastGoodTime)) < 1e-5)
    }

    @Test("a throwing Jacobian ends the solve with jacobianFailed")
    func throwingJacobian() throws {
        var problem = ClosedForm.stiff.problem
        problem.jacobian = { _, _, _, _ in throw Overdrawn() }
        let solution = try solve(problem, .bsimp, SolverOptions())
        #expect(solution.returnCode == .jacobianFailed)
        #expect(solution.failure?.message == "the Jacobian threw at t = 0.0: account overdrawn")
        #expect(solution.lastGoodTime == 0)
        #expect(solution.lastGoodState == [1, 0])
    }

    @Test("a step budget too small ends with stepBudgetExhausted and the last good state")
    func stepBudget() throws {
        var options = SolverOptions()
        options.maxSteps = 5
        let solution = try solve(ClosedForm.stiff.problem, .rkf45, options)
        #expect(solution.returnCode == .stepBudgetExhausted)
        #expect(solution.statistics.steps + solution.statistics.rejectedSteps >= 5)
        let failure = try #require(solution.failure)
        // The failure names the component whose error estimate, against its tolerance, was largest in the last step.
        let component = try #require(failure.component)
        #expect([0, 1].contains(component) && failure.componentName == "y[\(component)]")
        #expect(
            failure.message
                == """
                the step budget of 5 steps ran out at t = \(solution.lastGoodTime); the error estimate of \
                y[\(component)] (component \(component)) keeps the steps small
                """
        )
        #expect(solution.lastGoodTime > 0 && solution.lastGoodTime < 1)
        let exact = ClosedForm.stiff.exact(solution.lastGoodTime)
        for (value, reference) in zip(solution.lastGoodState, exact) { #expect(abs(value - reference) < 1e-5) }
    }

    /// The explicit method's step is held near 2.8/1000 by stability, far below 0.01.
    @Test("a minimum step above what stability allows ends with stepSizeUnderflow")
    func minimumStep() throws {
        var options = SolverOptions()
        options.minimumStep = 0.01
        let solution = try solve(ClosedForm.stiff.problem, .rkf45, options)
        #expect(solution.returnCode == .stepSizeUnderflow)
        #expect(solution.failure?.message.contains("below the minimum step 0.01") == true)
    }

    /// f is finite (1e308) but one step of 10 overflows the state.
    @Test("a state that overflows is reported as non-finite")
    func overflowingState() throws {
        let problem = ODEProblem(initialState: [0], timeSpan: (0, 100), componentNames: ["B"]) { _, _, dydt in
            dydt[0] = 1e308
        }
        var options = SolverOptions()
        options.fixedStep = 10
        let solution = try solve(problem, .rk4, options)
        #expect(solution.returnCode == .nonFinite)
        #expect(solution.failure?.component == 0)
        #expect(solution.failure?.message == "the state B (component 0) became inf in the step from t = 0.0 to 10.0")
        #expect(solution.lastGoodTime == 0)
        #expect(solution.lastGoodState == [0])
    }

    static let invalid: [(String, SolverOptions, SolverError)] = {
        var cases: [(String, SolverOptions, SolverError)] = []
        var o = SolverOptions(relativeTolerance: -1)
        cases.append(("negative rtol", o, .invalidTolerance("relative tolerance must be finite and >= 0; got -1.0")))
        o = SolverOptions(absoluteTolerance: .componentwise([1e-8]))
        cases.append(("atol length", o, .invalidTolerance("1 absolute tolerances for a system of dimension 2")))
        o = SolverOptions(absoluteTolerance: .componentwise([1e-8, .nan]))
        cases.append(("NaN atol", o, .invalidTolerance("absolute tolerance of y[1] must be finite and >= 0; got nan")))
        o = SolverOptions(relativeTolerance: 0, absoluteTolerance: .scalar(0))
        cases.append(
            ("both zero", o, .invalidTolerance("relative tolerance and the absolute tolerance of y[0] are both 0")))
        o = SolverOptions(saveAt: .times([0, 1, 0.5]))
        cases.append(
            ("unsorted save times", o, .invalidSaveTimes("times must be strictly ascending; 0.5 follows 1.0")))
        o = SolverOptions(saveAt: .times([0, 3]))
        cases.append(("save time outside", o, .invalidSaveTimes("3.0 lies outside the time span [0.0, 2.0]")))
        o = SolverOptions(saveAt: .interval(0))
        cases.append(("zero interval", o, .invalidSaveTimes("the save interval must be positive and finite; got 0.0")))
        o = SolverOptions()
        o.maxSteps = 0
        cases.append(("zero budget", o, .invalidMaxSteps(0)))
        o = SolverOptions()
        o.initialStep = -0.1
        cases.append(("negative first step", o, .invalidStep("initial step must be positive and finite; got -0.1")))
        o = SolverOptions()
        o.minimumStep = 1
        o.maximumStep = 0.5
        cases.append(
            ("min above max", o, .invalidStep("maximum step must be positive and >= the minimum step 1.0; got 0.5")))
        return cases
    }()

    @Test("invalid settings throw a SolverError that says what is wrong", arguments: invalid)
    func invalidSettings(_ label: String, _ options: SolverOptions, _ expected: SolverError) {
        #expect(throws: expected, "\(label)") { try solve(ClosedForm.linear.problem, .rkf45, options) }
    }

    @Test("an invalid problem throws before integrating")
    func invalidProblem() {
        var backwards = ClosedForm.linear.problem
        backwards.timeSpan = (2, 1)
        #expect(throws: SolverError.invalidTimeSpan(start: 2, end: 1)) { try solve(backwards, .rkf45) }
        var nonFinite = ClosedForm.linear.problem
        nonFinite.initialState = [1, .infinity]
        #expect(throws: SolverError.nonFiniteInitialState(component: 1, name: "y[1]")) { try solve(nonFinite, .rkf45) }
        var empty = ClosedForm.linear.problem
        empty.initialState = []
        #expect(throws: SolverError.emptyState) { try solve(empty, .rkf45) }
        #expect(
            SolverError.invalidTimeSpan(start: 2, end: 1).description
                == "the time span must be finite and run forward; got start 2.0, end 1.0")
    }
}
