import CGSL
import RealModule

/// Events: a condition's sign change located inside a step by root finding, then its effect.
extension Integration {
    enum EventOutcome {
        case none
        case terminal
        case failed(ReturnCode, SolverFailure)
    }

    /// Checks every event's sign over the step just taken; locates crossings,
    /// records them in time order, and stops at the first terminal one.
    mutating func detectEvents(
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
            events.append(
                EventRecord(
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
    mutating func locate(
        _ event: Event,
        from tA: Double, _ yA: UnsafeMutablePointer<Double>, _ gA: Double,
        to tB: Double, _ yB: UnsafeMutablePointer<Double>, _ gB: Double
    ) -> Result<(Double, [Double]), LocationFailure> {
        eventLocations += 1
        var a = tA
        var fa = gA
        var b = tB
        var fb = gB
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
    mutating func stateAt(
        _ time: Double, from tA: Double, _ yA: UnsafeMutablePointer<Double>, into out: inout [Double]
    ) -> LocationFailure? {
        if scratch == nil {
            scratch = try? GSLDriver(
                stepper: stepper, context: context,
                absoluteTolerances: plan.absoluteTolerances, relativeTolerance: options.relativeTolerance)
        }
        guard let scratch else {
            return LocationFailure(
                code: .solverFailure,
                failure: SolverFailure(
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
                    return LocationFailure(
                        code: .stepBudgetExhausted,
                        failure: SolverFailure(
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

    func locationFailure(status: Int32, time: Double) -> LocationFailure {
        let (code, failure) = failure(status: status, time: time, step: 0)
        return LocationFailure(code: code, failure: failure)
    }
}
