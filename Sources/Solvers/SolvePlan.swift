import CGSL
import RealModule

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
                """
                maximum step must be positive and >= the minimum step \(options.minimumStep); got \
                \(options.maximumStep)
                """
            )
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
        let interpolates =
            (options.saveMode == .interpolate || (options.saveMode == .automatic && stepper == .msbdf))
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
