import CGSL
import RealModule

/// Saves inside steps: from msbdf's Nordsieck history, a Hermite quartic, or
/// by integrating to each save from the step's start.
extension Integration {
    /// How many local tolerances an interpolated save may be off. One: with
    /// more, the saves of the package's stiff models drift outside the
    /// tolerance (derived series most, since they amplify a state's error).
    static let interpolationBudget = 1.0

    /// Saves every interpolated save time in (tA, tB]: from msbdf's Nordsieck
    /// history when it checks out (``GSLDriver/nordsieck(_:length:)``), else
    /// from the ``HermiteStep`` quartic when it is ``HermiteStep/accurate``,
    /// else by integrating to each save from the step's start, as landing would.
    mutating func interpolateSaves(
        from tA: Double, _ yA: UnsafeMutablePointer<Double>, to tB: Double, _ yB: UnsafeMutablePointer<Double>,
        next: inout Int
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
            let t2 = theta * theta
            let t3 = t2 * theta
            return (2 * t3 - 3 * t2 + 1) * yA[i] + (t3 - 2 * t2 + theta) * h * fA[i] + (-2 * t3 + 3 * t2) * yB[i]
                + (t3 - t2) * h * fB[i]
        }

        func value(_ i: Int, at s: Double) -> Double {
            let theta = (s - tA) / h
            let q = theta * theta * (1 - theta) * (1 - theta)
            return cubic(i, theta) + c[i] * q
        }
    }

    /// The corrected Hermite interpolant of the step from `(tA, yA)` to `(tB, yB)`: three evaluations.
    mutating func hermiteStep(
        from tA: Double, _ yA: UnsafeMutablePointer<Double>, to tB: Double, _ yB: UnsafeMutablePointer<Double>
    ) -> HermiteStep {
        let h = tB - tA
        var fA = [Double](repeating: 0, count: n)
        var fB = fA
        var fM = fA
        var yM = fA
        var c = fA
        let a = UnsafeBufferPointer(start: yA, count: n)
        let b = UnsafeBufferPointer(start: yB, count: n)
        fA.withUnsafeMutableBufferPointer { try? problem.rightHandSide(tA, a, $0) }
        fB.withUnsafeMutableBufferPointer { try? problem.rightHandSide(tB, b, $0) }
        let cubicOnly = HermiteStep(tA: tA, h: h, yA: yA, yB: yB, fA: fA, fB: fB, c: c, accurate: false)
        let third = 1.0 / 3
        for i in 0..<n { yM[i] = cubicOnly.cubic(i, third) }
        yM.withUnsafeBufferPointer { m in
            _ = fM.withUnsafeMutableBufferPointer { try? problem.rightHandSide(tA + h * third, m, $0) }
        }
        context.functionEvaluations += 3
        // The cubic's derivative at a third of the step; q = theta^2 (1 - theta)^2 vanishes with its
        // derivative at both ends, so p3 + c q keeps the ends and meets the derivative there.
        let (d00, d10, d01, d11) = (
            6 * third * third - 6 * third, 3 * third * third - 4 * third + 1, -6 * third * third + 6 * third,
            3 * third * third - 2 * third
        )
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
}
