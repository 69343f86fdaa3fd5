import CGSL
import RealModule

/// Solves `problem` with `stepper`.
///
/// The integrator lands exactly on every `tstop`, so a kink in an exogenous
/// input never falls inside a step, and on every save time unless
/// ``SolverOptions/saveMode`` interpolates them (by default with msbdf, from
/// its own polynomial). Solver outcomes (step budget, step-size underflow, a failing
/// or non-finite right-hand side) do not throw: they end the solve with a
/// ``ReturnCode``, the last good time and state, and a ``SolverFailure``.
///
/// - Parameters:
///   - problem: the initial value problem.
///   - stepper: the GSL method.
///   - options: tolerances, step bounds, save schedule, stops and events.
/// - Throws: ``SolverError`` for invalid settings, before any integration.
public func solve(
    _ problem: ODEProblem, _ stepper: Stepper, _ options: SolverOptions = SolverOptions()
) throws -> ODESolution {
    let plan = try SolvePlan(problem: problem, stepper: stepper, options: options)
    var run = try Integration(problem: problem, stepper: stepper, options: options, plan: plan)
    return run.execute()
}

/// The validated settings: save times and landing targets, in order.
struct SolvePlan {
    let t0: Double
    let t1: Double
    let absoluteTolerances: [Double]
    /// Every time the integrator must land on, ascending, ending with `t1`.
    let targets: [Double]
    /// For each target, whether it is a save time.
    let saveTarget: [Bool]
    let saveStart: Bool
    let saveEveryStep: Bool
    /// Save times to interpolate inside steps, ascending (empty when landing:
    /// ``SolverOptions/saveMode``).
    let interpolated: [Double]

    init(problem: ODEProblem, stepper: Stepper, options: SolverOptions) throws {
        let n = problem.dimension
        guard n > 0 else { throw SolverError.emptyState }
        if let bad = problem.initialState.firstIndex(where: { !$0.isFinite }) {
            throw SolverError.nonFiniteInitialState(component: bad, name: problem.name(ofComponent: bad))
        }
        let (t0, t1) = problem.timeSpan
        guard t0.isFinite, t1.isFinite, t1 > t0 else { throw SolverError.invalidTimeSpan(start: t0, end: t1) }
        self.t0 = t0
        self.t1 = t1

        let rtol = options.relativeTolerance
        guard rtol.isFinite, rtol >= 0 else {
            throw SolverError.invalidTolerance("relative tolerance must be finite and >= 0; got \(rtol)")
        }
        let atol = options.absoluteTolerance.values(dimension: n)
        guard atol.count == n else {
            throw SolverError.invalidTolerance(
                "\(atol.count) absolute tolerances for a system of dimension \(n)")
        }
        if let bad = atol.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw SolverError.invalidTolerance(
                "absolute tolerance of \(problem.name(ofComponent: bad)) must be finite and >= 0; got \(atol[bad])")
        }
        if rtol == 0, let bad = atol.firstIndex(of: 0) {
            throw SolverError.invalidTolerance(
                "relative tolerance and the absolute tolerance of \(problem.name(ofComponent: bad)) are both 0")
        }
        absoluteTolerances = atol

        if let h = options.initialStep, !(h.isFinite && h > 0) {
            throw SolverError.invalidStep("initial step must be positive and finite; got \(h)")
        }
        if let h = options.fixedStep, !(h.isFinite && h > 0) {
            throw SolverError.invalidStep("fixed step must be positive and finite; got \(h)")
        }
        guard options.minimumStep.isFinite, options.minimumStep >= 0 else {
            throw SolverError.invalidStep("minimum step must be finite and >= 0; got \(options.minimumStep)")
        }
        guard options.maximumStep > 0, options.maximumStep >= options.minimumStep else {
            throw SolverError.invalidStep(
                "maximum step must be positive and >= the minimum step \(options.minimumStep); got \(options.maximumStep)")
        }
        guard options.maxSteps >= 1 else { throw SolverError.invalidMaxSteps(options.maxSteps) }
        guard options.eventTimeTolerance.isFinite, options.eventTimeTolerance > 0 else {
            throw SolverError.invalidEventTolerance(options.eventTimeTolerance)
        }

        let saveTimes: [Double]
        switch options.saveAt {
        case .everyStep:
            saveTimes = [t0, t1]
        case .times(let times):
            if let bad = times.first(where: { !($0 >= t0 && $0 <= t1) }) {
                throw SolverError.invalidSaveTimes("\(bad) lies outside the time span [\(t0), \(t1)]")
            }
            if let k = times.indices.dropFirst().first(where: { times[$0] <= times[$0 - 1] }) {
                throw SolverError.invalidSaveTimes(
                    "times must be strictly ascending; \(times[k]) follows \(times[k - 1])")
            }
            saveTimes = times
        case .interval(let dt):
            guard dt.isFinite, dt > 0 else {
                throw SolverError.invalidSaveTimes("the save interval must be positive and finite; got \(dt)")
            }
            saveTimes = Self.grid(from: t0, to: t1, every: dt)
        }
        saveEveryStep = options.saveAt == .everyStep
        saveStart = saveTimes.first == t0

        if let bad = options.tstops.first(where: { !$0.isFinite }) {
            throw SolverError.invalidStep("tstops must be finite; got \(bad)")
        }
        // Merge the ascending save times with the sorted tstops: every time
        // after t0 the integrator must land on, once, ending with t1. Save
        // times that are interpolated are not landed on, unless they are stops.
        let stops = options.tstops.filter { $0 > t0 && $0 < t1 }.sorted()
        let interpolates = (options.saveMode == .interpolate || (options.saveMode == .automatic && stepper == .msbdf))
            && options.fixedStep == nil && !saveEveryStep
        let stopSet = Set(stops)
        interpolated = interpolates ? saveTimes.filter { $0 > t0 && $0 < t1 && !stopSet.contains($0) } : []
        let landed = interpolates ? saveTimes.filter { $0 <= t0 || $0 >= t1 || stopSet.contains($0) } : saveTimes
        var targets: [Double] = []
        var saveTarget: [Bool] = []
        targets.reserveCapacity(saveTimes.count + stops.count + 1)
        saveTarget.reserveCapacity(saveTimes.count + stops.count + 1)
        var i = landed.firstIndex { $0 > t0 } ?? landed.endIndex
        var j = 0
        while i < landed.endIndex || j < stops.count {
            let isSave = j == stops.count || (i < landed.endIndex && landed[i] <= stops[j])
            let time = isSave ? landed[i] : stops[j]
            if isSave { i += 1 } else { j += 1 }
            if let last = targets.last, last == time {
                saveTarget[saveTarget.count - 1] = saveTarget[saveTarget.count - 1] || isSave
            } else {
                targets.append(time)
                saveTarget.append(isSave)
            }
        }
        if targets.last != t1 {
            targets.append(t1)
            saveTarget.append(false)
        }
        self.targets = targets
        self.saveTarget = saveTarget
    }

    /// `t0 + k * dt` for k = 0, 1, ... while below `t1`, then `t1`. A grid
    /// point within 1e-9 intervals of `t1` is taken to be `t1`.
    static func grid(from t0: Double, to t1: Double, every dt: Double) -> [Double] {
        var times: [Double] = []
        var k = 0
        while true {
            let t = t0 + Double(k) * dt
            if t >= t1 - 1e-9 * dt { break }
            times.append(t)
            k += 1
        }
        times.append(t1)
        return times
    }
}

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
                    outcome = (.stepBudgetExhausted, limited(SolverFailure(
                        time: t, message: "the step budget of \(maxSteps) steps ran out at t = \(t)"), y))
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
                    let message = "the state \(name) (component \(bad)) became \(y[bad]) in the step from t = \(tPrevious) to \(t)"
                    t = tPrevious
                    y.update(from: yPrevious, count: n)
                    outcome = (.nonFinite, SolverFailure(time: t, component: bad, componentName: name, message: message))
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
                    outcome = (.stepSizeUnderflow, limited(SolverFailure(
                        time: t,
                        message: "the step size fell to \(h), below the minimum step \(minimumStep), at t = \(t)"), y))
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

    /// How many local tolerances an interpolated save may be off. One: with
    /// more, the saves of the package's stiff models drift outside the
    /// tolerance (derived series most, since they amplify a state's error).
    static let interpolationBudget = 1.0

    /// Saves every interpolated save time in (tA, tB]: from msbdf's Nordsieck
    /// history when it checks out (``GSLDriver/nordsieck(_:length:)``), else
    /// from the ``HermiteStep`` quartic when it is ``HermiteStep/accurate``,
    /// else by integrating to each save from the step's start, as landing would.
    private mutating func interpolateSaves(
        from tA: Double, _ yA: UnsafeMutablePointer<Double>, to tB: Double, _ yB: UnsafeMutablePointer<Double>, next: inout Int
    ) {
        // msbdf's own polynomial (as CVODE's CVodeGetDky) is as accurate as the step and costs no evaluation.
        let nordsieck = driver.nordsieck(yB, length: tB - tA)
        let hermite = nordsieck == nil ? hermiteStep(from: tA, yA, to: tB, yB) : nil
        var state = [Double](repeating: 0, count: n)
        while next < plan.interpolated.count, plan.interpolated[next] <= tB {
            let s = plan.interpolated[next]
            next += 1
            guard s > tA else { continue }
            if let (z, order, hz) = nordsieck {
                let theta = (s - tB) / hz
                for i in 0..<n {
                    var value = z[order * n + i]
                    for j in stride(from: order - 1, through: 0, by: -1) { value = value * theta + z[j * n + i] }
                    state[i] = value
                }
            } else if let hermite, hermite.accurate || stateAt(s, from: tA, yA, into: &state) != nil {
                // Within the budget, or integrating to s failed: the polynomial.
                for i in 0..<n { state[i] = hermite.value(i, at: s) }
            }
            times.append(s)
            values.append(contentsOf: state)
        }
    }

    /// The cubic Hermite interpolant of a step from its ends' states and
    /// derivatives, corrected to a quartic by the derivative at a third of
    /// the step; the correction's size estimates the cubic's error, and
    /// `accurate` says whether it is within ``interpolationBudget`` local
    /// tolerances of every component.
    struct HermiteStep {
        let tA: Double, h: Double
        let yA: UnsafeMutablePointer<Double>, yB: UnsafeMutablePointer<Double>
        let fA: [Double], fB: [Double], c: [Double]
        let accurate: Bool

        func cubic(_ i: Int, _ theta: Double) -> Double {
            let t2 = theta * theta, t3 = t2 * theta
            return (2 * t3 - 3 * t2 + 1) * yA[i] + (t3 - 2 * t2 + theta) * h * fA[i] + (-2 * t3 + 3 * t2) * yB[i] + (t3 - t2) * h * fB[i]
        }

        func value(_ i: Int, at s: Double) -> Double {
            let theta = (s - tA) / h, q = theta * theta * (1 - theta) * (1 - theta)
            return cubic(i, theta) + c[i] * q
        }
    }

    /// The corrected Hermite interpolant of the step from `(tA, yA)` to `(tB, yB)`: three evaluations.
    private mutating func hermiteStep(
        from tA: Double, _ yA: UnsafeMutablePointer<Double>, to tB: Double, _ yB: UnsafeMutablePointer<Double>
    ) -> HermiteStep {
        let h = tB - tA
        var fA = [Double](repeating: 0, count: n), fB = fA, fM = fA, yM = fA, c = fA
        let a = UnsafeBufferPointer(start: yA, count: n), b = UnsafeBufferPointer(start: yB, count: n)
        fA.withUnsafeMutableBufferPointer { try? problem.rightHandSide(tA, a, $0) }
        fB.withUnsafeMutableBufferPointer { try? problem.rightHandSide(tB, b, $0) }
        let cubicOnly = HermiteStep(tA: tA, h: h, yA: yA, yB: yB, fA: fA, fB: fB, c: c, accurate: false)
        let third = 1.0 / 3
        for i in 0..<n { yM[i] = cubicOnly.cubic(i, third) }
        yM.withUnsafeBufferPointer { m in _ = fM.withUnsafeMutableBufferPointer { try? problem.rightHandSide(tA + h * third, m, $0) } }
        context.functionEvaluations += 3
        // The cubic's derivative at a third of the step; q = theta^2 (1 - theta)^2 vanishes with its
        // derivative at both ends, so p3 + c q keeps the ends and meets the derivative there.
        let (d00, d10, d01, d11) = (6 * third * third - 6 * third, 3 * third * third - 4 * third + 1, -6 * third * third + 6 * third, 3 * third * third - 2 * third)
        let dq = 2 * third * (1 - third) * (1 - 2 * third)
        var accurate = true
        for i in 0..<n {
            let slope = (d00 * yA[i] + d01 * yB[i]) / h + d10 * fA[i] + d11 * fB[i]
            c[i] = h * (fM[i] - slope) / dq
            let tolerance = plan.absoluteTolerances[i] + options.relativeTolerance * max(abs(yA[i]), abs(yB[i]))
            if !(abs(c[i]) / 16 <= Self.interpolationBudget * tolerance) { accurate = false }
        }
        return HermiteStep(tA: tA, h: h, yA: yA, yB: yB, fA: fA, fB: fB, c: c, accurate: accurate)
    }

    private mutating func save(_ t: Double, _ y: UnsafeMutablePointer<Double>) {
        times.append(t)
        values.append(contentsOf: UnsafeBufferPointer(start: y, count: n))
    }

    /// `failure` with the component that limits the step named, when the
    /// driver's last error estimate shows one (adaptive steps only).
    private func limited(_ failure: SolverFailure, _ y: UnsafeMutablePointer<Double>) -> SolverFailure {
        guard options.fixedStep == nil, let i = driver.limitingComponent(y) else { return failure }
        var named = failure
        named.component = i
        named.componentName = problem.name(ofComponent: i)
        named.message += "; the error estimate of \(problem.name(ofComponent: i)) (component \(i)) keeps the steps small"
        return named
    }

    /// Maps a failed GSL status, and what the callbacks recorded, to a return code.
    private func failure(status: Int32, time: Double, step: Double) -> (ReturnCode, SolverFailure) {
        switch context.pending {
        case .rightHandSideThrew(let t, let error):
            return (.rightHandSideFailed, SolverFailure(
                time: t, message: "the right-hand side threw at t = \(t): \(error)"))
        case .jacobianThrew(let t, let error):
            return (.jacobianFailed, SolverFailure(time: t, message: "the Jacobian threw at t = \(t): \(error)"))
        case .nonFiniteDerivative(let t, let component, let value):
            let name = problem.name(ofComponent: component)
            return (.nonFinite, SolverFailure(
                time: t, component: component, componentName: name,
                message: "d\(name)/dt is \(value) at t = \(t) (component \(component)); smaller steps did not help"))
        case nil:
            if status == GSL_FAILURE {
                return (.stepSizeUnderflow, limited(SolverFailure(
                    time: time,
                    message: "the tolerance cannot be met: the step fell to \(step) at t = \(time) and cannot be made smaller"), driver.stepStartState))
            }
            return (.solverFailure, SolverFailure(
                time: time, message: "GSL stepper \(stepper) failed at t = \(time): \(gslMessage(status)) (status \(status))"))
        }
    }

    /// The first trial step: given, or Hairer, Nørsett and Wanner's estimate
    /// (Solving ODEs I, section II.4), bounded by the step limits and the span.
    private func initialStep(_ y: UnsafeMutablePointer<Double>) -> Double {
        let span = plan.t1 - plan.t0
        if let fixed = options.fixedStep { return fixed }
        if let given = options.initialStep { return min(given, span, options.maximumStep) }
        let f0 = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let f1 = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let y1 = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { f0.deallocate(); f1.deallocate(); y1.deallocate() }
        let fallback = min(1e-6 * span, options.maximumStep)
        let t0 = plan.t0
        guard context.evaluate(t0, y, f0) == GSL_SUCCESS else { return max(fallback, options.minimumStep) }
        var d0 = 0.0, d1 = 0.0
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

    // MARK: Events

    enum EventOutcome {
        case none
        case terminal
        case failed(ReturnCode, SolverFailure)
    }

    /// Checks every event's sign over the step just taken; locates crossings,
    /// records them in time order, and stops at the first terminal one.
    private mutating func detectEvents(
        from tA: Double, _ yA: UnsafeMutablePointer<Double>, to t: inout Double, _ y: UnsafeMutablePointer<Double>
    ) -> EventOutcome {
        let yB = UnsafeBufferPointer(start: y, count: n)
        var found: [(index: Int, time: Double, state: [Double], rising: Bool)] = []
        for (k, event) in options.events.enumerated() {
            let gA = eventValues[k]
            let gB = event.condition(t, yB)
            eventValues[k] = gB
            let rising = gA < 0 && gB >= 0
            let falling = gA > 0 && gB <= 0
            guard (rising && event.direction != .falling) || (falling && event.direction != .rising) else { continue }
            switch locate(event, from: tA, yA, gA, to: t, y, gB) {
            case .success(let (time, state)):
                found.append((k, time, state, rising))
            case .failure(let failed):
                return .failed(failed.code, failed.failure)
            }
        }
        guard !found.isEmpty else { return .none }
        found.sort { $0.time < $1.time }
        for crossing in found {
            let event = options.events[crossing.index]
            events.append(EventRecord(
                name: event.name, index: crossing.index, time: crossing.time,
                state: crossing.state, isRising: crossing.rising))
            if event.isTerminal {
                t = crossing.time
                crossing.state.withUnsafeBufferPointer { y.update(from: $0.baseAddress!, count: n) }
                return .terminal
            }
        }
        return .none
    }

    struct LocationFailure: Error {
        let code: ReturnCode
        let failure: SolverFailure
    }

    /// Finds the crossing of `event` in `[tA, tB]` by the Illinois method.
    /// Returns the first trial time at or past the crossing with its state,
    /// within ``SolverOptions/eventTimeTolerance`` of the root.
    private mutating func locate(
        _ event: Event,
        from tA: Double, _ yA: UnsafeMutablePointer<Double>, _ gA: Double,
        to tB: Double, _ yB: UnsafeMutablePointer<Double>, _ gB: Double
    ) -> Result<(Double, [Double]), LocationFailure> {
        eventLocations += 1
        var a = tA, fa = gA, b = tB, fb = gB
        var stateB = Array(UnsafeBufferPointer(start: yB, count: n))
        var trial = [Double](repeating: 0, count: n)
        var side = 0
        var iterations = 0
        while b - a > options.eventTimeTolerance, fb != 0, iterations < 200 {
            iterations += 1
            var c = (a * fb - b * fa) / (fb - fa)
            if !(c > a && c < b) { c = 0.5 * (a + b) }
            if let failed = stateAt(c, from: tA, yA, into: &trial) { return .failure(failed) }
            let fc = trial.withUnsafeBufferPointer { event.condition(c, $0) }
            if fc == 0 || (fc > 0) == (fb > 0) {
                b = c
                fb = fc
                stateB = trial
                if side == -1 { fa *= 0.5 }
                side = -1
            } else {
                a = c
                fa = fc
                if side == 1 { fb *= 0.5 }
                side = 1
            }
        }
        return .success((b, stateB))
    }

    /// Integrates from `(tA, yA)` to `time` with a fresh stepper of the same
    /// kind and tolerances, leaving the main stepper's history intact.
    private mutating func stateAt(
        _ time: Double, from tA: Double, _ yA: UnsafeMutablePointer<Double>, into out: inout [Double]
    ) -> LocationFailure? {
        if scratch == nil {
            scratch = try? GSLDriver(
                stepper: stepper, context: context,
                absoluteTolerances: plan.absoluteTolerances, relativeTolerance: options.relativeTolerance)
        }
        guard let scratch else {
            return LocationFailure(code: .solverFailure, failure: SolverFailure(
                time: tA, message: "GSL could not allocate a second driver to locate an event"))
        }
        scratch.reset()
        let n = self.n
        return out.withUnsafeMutableBufferPointer { buffer -> LocationFailure? in
            let ys = buffer.baseAddress!
            ys.update(from: yA, count: n)
            var t = tA
            if options.fixedStep != nil {
                let status = scratch.fixedStep(&t, h: time - tA, ys)
                return status == GSL_SUCCESS ? nil : locationFailure(status: status, time: tA)
            }
            var h = time - tA
            var attempts = 0
            while t < time {
                attempts += 1
                guard attempts <= options.maxSteps else {
                    return LocationFailure(code: .stepBudgetExhausted, failure: SolverFailure(
                        time: t, message: "the step budget ran out while locating an event near t = \(time)"))
                }
                h = min(h, options.maximumStep)
                context.pending = nil
                let status = scratch.step(&t, to: time, h: &h, ys)
                if status != GSL_SUCCESS { return locationFailure(status: status, time: t) }
            }
            return nil
        }
    }

    private func locationFailure(status: Int32, time: Double) -> LocationFailure {
        let (code, failure) = failure(status: status, time: time, step: 0)
        return LocationFailure(code: code, failure: failure)
    }
}
