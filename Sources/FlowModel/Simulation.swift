import RealModule
import Solvers

extension ReverseQEModel {
    static let flowCount = Flow.allCases.count

    /// Runs `body` with scratch space for one evaluation, on the stack.
    @inline(__always)
    func withScratch<R>(
        _ body: (
            _ flows: UnsafeMutablePointer<Double>, _ omega: UnsafeMutablePointer<Double>,
            _ sells: UnsafeMutablePointer<Double>, _ prices: UnsafeMutablePointer<Double>
        ) -> R
    ) -> R {
        let m = layout.classCount
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: Self.flowCount + 3 * m) { buffer in
            let base = buffer.baseAddress!
            return body(base, base + Self.flowCount, base + Self.flowCount + m, base + Self.flowCount + 2 * m)
        }
    }

    /// The model as an initial value problem on [t0, t1].
    public var problem: ODEProblem {
        let box = RightHandSideBox(self)
        return ODEProblem(
            initialState: initialState, timeSpan: (parameters.t0, parameters.t1), componentNames: layout.names
        ) { t, y, dydt in
            box.evaluate(t, y.baseAddress!, dydt.baseAddress!)
        }
    }

    /// The derivatives at `(t, y)`.
    public func derivatives(at t: Double, _ y: [Double]) -> [Double] {
        var dydt = [Double](repeating: 0, count: layout.dimension)
        y.withUnsafeBufferPointer { state in
            dydt.withUnsafeMutableBufferPointer { out in
                withScratch { flows, omega, sells, prices in
                    _ = evaluate(
                        t, state.baseAddress!, parameters(at: t), dydt: out.baseAddress!, flows: flows, omega: omega,
                        sells: sells, prices: prices)
                }
            }
        }
        return dydt
    }

    /// Every flow of the transactions-flow matrix at `(t, y)`, indexed by ``Flow``.
    public func flows(at t: Double, _ y: [Double]) -> [Double] {
        snapshot(at: t, y).flows
    }

    /// Everything the model computes at `(t, y)`.
    func snapshot(at t: Double, _ y: [Double]) -> (quantities: Quantities, flows: [Double], omega: [Double], sells: [Double]) {
        let m = layout.classCount
        return y.withUnsafeBufferPointer { state in
            withScratch { flows, omega, sells, prices in
                let q = evaluate(
                    t, state.baseAddress!, parameters(at: t), dydt: nil, flows: flows, omega: omega, sells: sells, prices: prices)
                return (
                    q, Array(UnsafeBufferPointer(start: flows, count: Self.flowCount)),
                    Array(UnsafeBufferPointer(start: omega, count: m)), Array(UnsafeBufferPointer(start: sells, count: m))
                )
            }
        }
    }

    /// The transactions-flow matrix with numbers at `(t, y)`.
    public func transactionsFlowMatrix(at t: Double, _ y: [Double]) -> GodleyMatrix {
        transactions.evaluated(flows(at: t, y))
    }

    /// The balance-sheet matrix with numbers at `(t, y)`. The monetary
    /// system's cash liability comes from its own books (the cash it issued
    /// to buy Treasuries and mortgages and to lend: Bf + Af + Lo), so the cash
    /// row sums to the residual of the redundant equation.
    public func balanceSheetMatrix(at t: Double, _ y: [Double]) -> GodleyMatrix {
        typealias X = StateLayout
        let q = snapshot(at: t, y).quantities
        let p = parameters(at: t)
        let issuedByF = y[X.Bf] + y[X.Af] + y[X.Lo]
        var labels = [
            "cash", "loans and mortgages owed to F", "Treasuries (par)", "AI bonds (market value)",
            "AI private credit", "sovereign AI stakes (cost)",
        ]
        // Columns in Sector order: P, A, G, F, S, W.
        var rows: [[Double]] = [
            [y[X.Cb], 0, q.TGA, -issuedByF, y[X.Ms], y[X.Mw]],
            [-(y[X.Lo] + y[X.Af]), 0, 0, y[X.Lo] + y[X.Af], 0, 0],
            [q.Bp, 0, -y[X.B], y[X.Bf], y[X.Bs], y[X.Bw]],
            [q.Pc * y[X.C], -q.Pc * y[X.C], 0, 0, 0, 0],
            [y[X.PC], -y[X.PC], 0, 0, 0, 0],
            [0, -y[X.Ez], 0, 0, y[X.Ez], 0],
        ]
        var targets = [Double](repeating: 0, count: rows.count)
        var realTotal = 0.0
        for (j, riskClass) in p.riskClasses.enumerated() {
            let price = Double.exp(y[layout.lnp(j)])
            let qS = y[layout.qS(j)]
            labels.append("risk asset \(riskClass.name)")
            rows.append([price * (riskClass.value - qS), 0, 0, 0, price * qS, 0])
            targets.append(price * riskClass.value)
            realTotal += price * riskClass.value
        }
        labels.append("AI capital")
        rows.append([0, y[X.K], 0, 0, 0, 0])
        targets.append(y[X.K])
        realTotal += y[X.K]
        let netWorth = Sector.allCases.indices.map { s in -rows.reduce(0) { $0 + $1[s] } }
        labels.append("net worth")
        rows.append(netWorth)
        targets.append(-realTotal)
        return GodleyMatrix(
            title: "balance-sheet matrix ($T)", rowLabels: labels, values: rows, rowTargets: targets,
            hasColumnTargets: true)
    }

    /// The redundant equation: `Cb + TGA + Ms + Mw - Bf - Af - Lo`, zero at t0
    /// by the choice of Lo0, in $T.
    public func identityResidual(at t: Double, _ y: [Double]) -> Double {
        typealias X = StateLayout
        let TGA = parameters(at: t).TGA.value(at: flowsFrozen ? parameters.t0 : t)
        return y[X.Cb] + TGA + y[X.Ms] + y[X.Mw] - y[X.Bf] - y[X.Af] - y[X.Lo]
    }
}

/// The model behind the right-hand side: one reference for the closure to
/// hold, so that an evaluation does not copy the model and retain its arrays
/// (that cost a fifth of a solve's instructions when the closure held the
/// struct itself). The compiler still copies the model's bytes (no retains)
/// before each call, about 2% of an rk8pd solve's instructions.
final class RightHandSideBox: Sendable {
    let model: ReverseQEModel
    let scheduled: Bool

    let classCount: Int
    let scratchCount: Int

    init(_ model: ReverseQEModel) {
        self.model = model
        scheduled = !model.schedule.isEmpty
        classCount = model.layout.classCount
        scratchCount = ReverseQEModel.flowCount + 3 * classCount
    }

    @inline(__always)
    func evaluate(_ t: Double, _ y: UnsafePointer<Double>, _ dydt: UnsafeMutablePointer<Double>) {
        // The scratch space is allocated here rather than through the model's
        // withScratch: capturing the model in that closure copied it.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: scratchCount) { buffer in
            let flows = buffer.baseAddress!
            let omega = flows + ReverseQEModel.flowCount, sells = omega + classCount, prices = sells + classCount
            if scheduled {
                _ = model.evaluate(
                    t, y, model.parameters(at: t), dydt: dydt, flows: flows, omega: omega, sells: sells, prices: prices)
            } else {
                _ = model.evaluate(t, y, model.parameters, dydt: dydt, flows: flows, omega: omega, sells: sells, prices: prices)
            }
        }
    }
}
