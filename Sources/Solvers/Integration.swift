import CGSL
import RealModule

/// The state of one solve: buffers, counters and the output being built.
struct Integration {
    let problem: ODEProblem
    let stepper: Stepper
    let options: SolverOptions
    let plan: SolvePlan
    let n: Int
    let context: CallbackContext
    let driver: GSLDriver
    /// A second driver, made on the first event, to integrate again from a
    /// step's start to trial times without disturbing the main stepper's history.
    var scratch: GSLDriver?

    var times: [Double] = []
    var values: [Double] = []
    var events: [EventRecord] = []
    var eventLocations = 0
    var eventValues: [Double]

    init(problem: ODEProblem, stepper: Stepper, options: SolverOptions, plan: SolvePlan) throws {
        self.problem = problem
        self.stepper = stepper
        self.options = options
        self.plan = plan
        n = problem.dimension
        context = CallbackContext(
            problem: problem, strategy: options.jacobian,
            absoluteTolerances: plan.absoluteTolerances, relativeTolerance: options.relativeTolerance)
        driver = try GSLDriver(
            stepper: stepper, context: context,
            absoluteTolerances: plan.absoluteTolerances, relativeTolerance: options.relativeTolerance)
        eventValues = []
        let expected = plan.saveEveryStep ? 256 : plan.saveTarget.count + 1
        times.reserveCapacity(expected)
        values.reserveCapacity(expected * n)
    }

    mutating func execute() -> ODESolution {
        let y = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { y.deallocate() }
        problem.initialState.withUnsafeBufferPointer { y.initialize(from: $0.baseAddress!, count: n) }
        // GSL copies the state at the start of each step here; it is the last
        // good state after a failed step and the left end of an event bracket.
        let yPrevious = driver.stepStartState
        yPrevious.update(from: y, count: n)

        // Settings read once, not on every step.
        let fixedStep = options.fixedStep
        let maxSteps = options.maxSteps
        let maximumStep = options.maximumStep
        let minimumStep = options.minimumStep
        let hasEvents = !options.events.isEmpty
        let saveEveryStep = plan.saveEveryStep

        var t = plan.t0
        if plan.saveStart { save(t, y) }
        eventValues = options.events.map { $0.condition(t, UnsafeBufferPointer(start: y, count: n)) }
        var h = initialStep(y)
        var outcome: (ReturnCode, SolverFailure?) = (.success, nil)
        var nextInterpolated = 0

        integrate: for (index, target) in plan.targets.enumerated() {
            while t < target {
                if driver.accepted + driver.rejected >= maxSteps {
                    outcome = (
                        .stepBudgetExhausted,
                        limited(
                            SolverFailure(
                                time: t, message: "the step budget of \(maxSteps) steps ran out at t = \(t)"), y)
                    )
                    break integrate
                }
                let tPrevious = t
                if case .some = context.pending { context.pending = nil }
                let status: Int32
                if let fixed = fixedStep {
                    let remaining = target - t
                    let isFinal = remaining <= fixed * (1 + 1e-12)
                    status = driver.fixedStep(&t, h: isFinal ? remaining : fixed, y)
                    if status == GSL_SUCCESS, isFinal { t = target }
                } else {
                    h = min(h, maximumStep)
                    status = driver.step(&t, to: target, h: &h, y)
                }
                if status != GSL_SUCCESS {
                    t = tPrevious
                    y.update(from: yPrevious, count: n)
                    outcome = failure(status: status, time: tPrevious, step: h)
                    break integrate
                }
                if !allFinite(y, n), let bad = (0..<n).first(where: { !y[$0].isFinite }) {
                    let name = problem.name(ofComponent: bad)
                    let message =
                        """
                        the state \(name) (component \(bad)) became \(y[bad]) in the step from t = \(tPrevious) \
                        to \(t)
                        """
                    t = tPrevious
                    y.update(from: yPrevious, count: n)
                    outcome = (
                        .nonFinite, SolverFailure(time: t, component: bad, componentName: name, message: message)
                    )
                    break integrate
                }
                if hasEvents {
                    switch detectEvents(from: tPrevious, yPrevious, to: &t, y) {
                    case .none: break
                    case .terminal:
                        if nextInterpolated < plan.interpolated.count, plan.interpolated[nextInterpolated] <= t {
                            interpolateSaves(from: tPrevious, yPrevious, to: t, y, next: &nextInterpolated)
                        }
                        save(t, y)
                        outcome = (.terminated, nil)
                        break integrate
                    case .failed(let code, let failure):
                        outcome = (code, failure)
                        break integrate
                    }
                }
                if saveEveryStep, t < target { save(t, y) }
                if nextInterpolated < plan.interpolated.count, plan.interpolated[nextInterpolated] <= t {
                    interpolateSaves(from: tPrevious, yPrevious, to: t, y, next: &nextInterpolated)
                }
                if fixedStep == nil, h < minimumStep, t < target {
                    outcome = (
                        .stepSizeUnderflow,
                        limited(
                            SolverFailure(
                                time: t,
                                message:
                                    "the step size fell to \(h), below the minimum step \(minimumStep), at t = \(t)"),
                            y)
                    )
                    break integrate
                }
            }
            if plan.saveTarget[index] || saveEveryStep { save(t, y) }
        }

        return ODESolution(
            problem: problem, stepper: stepper, t: times, values: values,
            returnCode: outcome.0, failure: outcome.1,
            lastGoodTime: t, lastGoodState: Array(UnsafeBufferPointer(start: y, count: n)),
            events: events,
            statistics: SolverStatistics(
                steps: driver.accepted,
                rejectedSteps: driver.rejected,
                functionEvaluations: context.functionEvaluations,
                jacobianEvaluations: context.jacobianEvaluations,
                eventLocations: eventLocations))
    }

    mutating func save(_ t: Double, _ y: UnsafeMutablePointer<Double>) {
        times.append(t)
        values.append(contentsOf: UnsafeBufferPointer(start: y, count: n))
    }

    /// `failure` with the component that limits the step named, when the
    /// driver's last error estimate shows one (adaptive steps only).
    func limited(_ failure: SolverFailure, _ y: UnsafeMutablePointer<Double>) -> SolverFailure {
        guard options.fixedStep == nil, let i = driver.limitingComponent(y) else { return failure }
        var named = failure
        named.component = i
        named.componentName = problem.name(ofComponent: i)
        named.message +=
            "; the error estimate of \(problem.name(ofComponent: i)) (component \(i)) keeps the steps small"
        return named
    }

    /// Maps a failed GSL status, and what the callbacks recorded, to a return code.
    func failure(status: Int32, time: Double, step: Double) -> (ReturnCode, SolverFailure) {
        switch context.pending {
        case .rightHandSideThrew(let t, let error):
            return (
                .rightHandSideFailed,
                SolverFailure(
                    time: t, message: "the right-hand side threw at t = \(t): \(error)")
            )
        case .jacobianThrew(let t, let error):
            return (.jacobianFailed, SolverFailure(time: t, message: "the Jacobian threw at t = \(t): \(error)"))
        case .nonFiniteDerivative(let t, let component, let value):
            let name = problem.name(ofComponent: component)
            return (
                .nonFinite,
                SolverFailure(
                    time: t, component: component, componentName: name,
                    message: "d\(name)/dt is \(value) at t = \(t) (component \(component)); smaller steps did not help"
                )
            )
        case nil:
            if status == GSL_FAILURE {
                return (
                    .stepSizeUnderflow,
                    limited(
                        SolverFailure(
                            time: time,
                            message:
                                """
                                the tolerance cannot be met: the step fell to \(step) at t = \(time) and cannot \
                                be made smaller
                                """
                        ), driver.stepStartState)
                )
            }
            return (
                .solverFailure,
                SolverFailure(
                    time: time,
                    message: "GSL stepper \(stepper) failed at t = \(time): \(gslMessage(status)) (status \(status))")
            )
        }
    }

    /// The first trial step: given, or Hairer, Nørsett and Wanner's estimate
    /// (Solving ODEs I, section II.4), bounded by the step limits and the span.
    func initialStep(_ y: UnsafeMutablePointer<Double>) -> Double {
        let span = plan.t1 - plan.t0
        if let fixed = options.fixedStep { return fixed }
        if let given = options.initialStep { return min(given, span, options.maximumStep) }
        let f0 = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let f1 = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let y1 = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer {
            f0.deallocate()
            f1.deallocate()
            y1.deallocate()
        }
        let fallback = min(1e-6 * span, options.maximumStep)
        let t0 = plan.t0
        guard context.evaluate(t0, y, f0) == GSL_SUCCESS else { return max(fallback, options.minimumStep) }
        var d0 = 0.0
        var d1 = 0.0
        for i in 0..<n {
            let scale = plan.absoluteTolerances[i] + options.relativeTolerance * abs(y[i])
            d0 += (y[i] / scale) * (y[i] / scale)
            d1 += (f0[i] / scale) * (f0[i] / scale)
        }
        d0 = (d0 / Double(n)).squareRoot()
        d1 = (d1 / Double(n)).squareRoot()
        let h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1
        for i in 0..<n { y1[i] = y[i] + h0 * f0[i] }
        var h: Double
        if context.evaluate(t0 + h0, y1, f1) == GSL_SUCCESS {
            var d2 = 0.0
            for i in 0..<n {
                let scale = plan.absoluteTolerances[i] + options.relativeTolerance * abs(y[i])
                d2 += ((f1[i] - f0[i]) / scale) * ((f1[i] - f0[i]) / scale)
            }
            d2 = (d2 / Double(n)).squareRoot() / h0
            let order = Double(stepper.order ?? 1)
            let largest = max(d1, d2)
            let h1 = largest <= 1e-15 ? max(1e-6, h0 * 1e-3) : Double.pow(0.01 / largest, 1 / (order + 1))
            h = min(100 * h0, h1)
        } else {
            h = fallback
        }
        context.pending = nil
        return max(min(h, span, options.maximumStep), options.minimumStep)
    }
}
