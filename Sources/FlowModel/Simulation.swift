import RealModule
import Solvers

extension ReverseQEModel {
    static let flowCount = Flow.allCases.count

    /// How many closure steps come before the Fed's purchases: A's column
    /// (dPC) and G's column (dB).
    static let closureBeforeFed = 2

    /// The model as an initial value problem on [t0, t1].
    public var problem: ODEProblem {
        let evaluator = self.evaluator
        return ODEProblem(
            initialState: initialState, timeSpan: (parameters.t0, parameters.t1), componentNames: layout.names
        ) { t, y, dydt in
            evaluator.derivatives(t, y.baseAddress!, dydt.baseAddress!)
        }
    }

    /// The derivatives at `(t, y)`.
    public func derivatives(at t: Double, _ y: [Double]) -> [Double] {
        var dydt = [Double](repeating: 0, count: layout.dimension)
        y.withUnsafeBufferPointer { state in
            dydt.withUnsafeMutableBufferPointer { evaluator.derivatives(t, state.baseAddress!, $0.baseAddress!) }
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
            evaluator.withScratch { flows, omega, sells, prices in
                let q = evaluator.evaluate(
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

/// The evaluation core of a model, the one hot path: everything the
/// right-hand side reads, held by reference and immutable after `init`, so
/// copies of a model share one and nothing is copied per evaluation (a final
/// class reads its `let` properties in place; a struct's method would copy
/// the struct). The matrix closure sits in flat buffers the evaluator owns.
/// Nothing outside FlowModel sees it: callers use ``ReverseQEModel``.
final class ModelEvaluator: @unchecked Sendable {
    let parameters: ModelParameters
    let regime: FedRegime
    let layout: StateLayout
    let intercepts: Intercepts
    let flowsFrozen: Bool
    let schedule: [ScheduledChange]
    let scratchCount: Int

    let exogenous: ExogenousPaths

    // The closure of the transactions-flow matrix: step `s` sets flow
    // `closureTarget[s]` from the terms `closureStart[s]..<closureStart[s + 1]`,
    // summed in a register so that no term waits for the store of the one before.
    private let closureSteps: Int
    private let closureTarget: UnsafeMutableBufferPointer<Int>
    private let closureDivisor: UnsafeMutableBufferPointer<Double>
    private let closureStart: UnsafeMutableBufferPointer<Int>
    private let closureCoefficient: UnsafeMutableBufferPointer<Double>
    private let closureFlow: UnsafeMutableBufferPointer<Int>

    init(
        parameters: ModelParameters, regime: FedRegime, layout: StateLayout, intercepts: Intercepts,
        flowsFrozen: Bool, schedule: [ScheduledChange], closure: [CompiledClosure]
    ) {
        self.parameters = parameters
        self.regime = regime
        self.layout = layout
        self.intercepts = intercepts
        self.flowsFrozen = flowsFrozen
        self.schedule = schedule
        scratchCount = ReverseQEModel.flowCount + 3 * layout.classCount
        exogenous = ExogenousPaths(
            rm: parameters.rm, TGA: parameters.TGA, qt: parameters.qt, t0: parameters.t0, tau: parameters.tau_rm)
        func buffer<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: values.count)
            _ = buffer.initialize(from: values)
            return buffer
        }
        closureSteps = closure.count
        closureTarget = buffer(closure.map(\.target))
        closureDivisor = buffer(closure.map(\.divisor))
        closureStart = buffer(closure.reduce(into: [0]) { $0.append($0.last! + $1.flows.count) })
        closureCoefficient = buffer(closure.flatMap(\.coefficients))
        closureFlow = buffer(closure.flatMap(\.flows))
    }

    deinit {
        closureTarget.deallocate()
        closureDivisor.deallocate()
        closureStart.deallocate()
        closureCoefficient.deallocate()
        closureFlow.deallocate()
    }

    /// The parameters in force at `t` (the scenario's dated changes applied).
    func parameters(at t: Double) -> ModelParameters {
        var p = parameters
        for change in schedule {
            if let value = change.value(at: t) { change.info.set(&p, value) }
        }
        return p
    }

    /// Runs `body` with scratch space for one evaluation, on the stack.
    @inline(__always)
    func withScratch<R>(
        _ body: (
            _ flows: UnsafeMutablePointer<Double>, _ omega: UnsafeMutablePointer<Double>,
            _ sells: UnsafeMutablePointer<Double>, _ prices: UnsafeMutablePointer<Double>
        ) -> R
    ) -> R {
        let m = layout.classCount
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: scratchCount) { buffer in
            let base = buffer.baseAddress!
            let flows = base, omega = base + ReverseQEModel.flowCount
            return body(flows, omega, omega + m, omega + 2 * m)
        }
    }

    /// The right-hand side: `dydt` at `(t, y)`.
    @inline(__always)
    func derivatives(_ t: Double, _ y: UnsafePointer<Double>, _ dydt: UnsafeMutablePointer<Double>) {
        withScratch { flows, omega, sells, prices in
            if schedule.isEmpty {
                _ = evaluate(t, y, parameters, dydt: dydt, flows: flows, omega: omega, sells: sells, prices: prices)
            } else {
                _ = evaluate(
                    t, y, parameters(at: t), dydt: dydt, flows: flows, omega: omega, sells: sells, prices: prices)
            }
        }
    }

    /// Evaluates every quantity of the model at `(t, y)`: the primitive and
    /// balancing flows into `f` (indexed by ``Flow``), the risk buckets'
    /// shares into `omega` and the sovereign sales per class into `sells`
    /// (each `classCount` long), the prices into `prices`, the derivatives
    /// into `dydt` when given.
    @inline(__always)
    func evaluate(
        _ tIn: Double, _ y: UnsafePointer<Double>, _ p: borrowing ModelParameters,
        dydt: UnsafeMutablePointer<Double>?, flows f: UnsafeMutablePointer<Double>,
        omega: UnsafeMutablePointer<Double>, sells: UnsafeMutablePointer<Double>, prices: UnsafeMutablePointer<Double>
    ) -> Quantities {
        typealias X = StateLayout
        let m = layout.classCount
        // The risk classes' block of the state: ln p_j, then qS_j.
        let lnp0 = StateLayout.fixedCount, qS0 = lnp0 &+ m
        let yLnp = y + lnp0, yQS = y + qS0
        let t = flowsFrozen ? p.t0 : tIn
        var q = Quantities()

        // Exogenous paths.
        q.I = p.capex(at: t)
        q.OCF = p.ocf0 * Double.exp(p.g_ocf * (t - p.t0))
        let growth = Double.exp(p.g_y * (t - p.t0))
        q.PD = p.pd0 * growth
        q.Y = p.Y0 * growth + p.m_I * q.I
        (q.rm, q.TGA, q.dTGA, q.qt, q.rme) = exogenous.values(at: t)

        let B = y[X.B], Bf = y[X.Bf], Bs = y[X.Bs], Bw = y[X.Bw], Af = y[X.Af], Lo = y[X.Lo]
        let kb = y[X.kb], C = y[X.C], kc = y[X.kc], PC = y[X.PC], K = y[X.K], Z = y[X.Z]
        let Ms = y[X.Ms], Mw = y[X.Mw], Cb = y[X.Cb], rb = y[X.rb], sc = y[X.sc]
        // Each price once: it enters holdings, wealth, sales and clearing.
        for j in 0..<m { prices[j] = Double.exp(yLnp[j]) }
        q.Bp = B - Bf - Bs - Bw
        q.M = Cb + q.TGA + Ms + Mw

        // AI builders.
        q.ypc = q.rm + p.s_pc
        q.yc = rb + sc
        q.Pc = Double.exp(p.D_c * (kc - q.yc))
        q.Gap = q.I + kc * C + q.ypc * PC - (1 - p.payout) * q.OCF
        q.CALL = p.c_z * Z
        q.Need = q.Gap - q.CALL
        let sigma = p.sigma_c_shift == 0
            ? p.sigma_c : min(max(p.sigma_c + p.sigma_c_shift * min(max(t - p.t_sigma_c + 0.5, 0), 1), 0), 1)
        q.iss = sigma * q.Need
        if q.Need < 0 && p.debt_floor > 0 {
            // Repayment tapers as each debt nears zero; the rest is paid out.
            // Above the floor both tapers are 1 and X stays exactly 0.
            let bonds = repaymentTaper(C, p.debt_floor), credit = repaymentTaper(PC, p.debt_floor)
            if bonds < 1 || credit < 1 {
                let fullBonds = q.iss, fullCredit = (1 - sigma) * q.Need
                q.iss = fullBonds * bonds
                q.surplusPaidOut = (q.iss - fullBonds) + (fullCredit * credit - fullCredit)
            }
        }

        // Sovereign funds: sales split over crypto, long-duration and
        // Treasuries (or whatever classes have a selling weight).
        q.SELL = p.k_sw * softplus(p.h_s * q.CALL - Ms, 0.01)
        var weightSum = p.wSellTreasuries * Bs / (Bs + 0.01)
        for j in 0..<m {
            let held = prices[j] * yQS[j]
            let weight = p.riskClasses[j].wSell * held / (held + 0.01)
            sells[j] = weight
            weightSum += weight
        }
        let perWeight = weightSum > 0 ? q.SELL / weightSum : 0
        q.SELL_treasuries = perWeight * p.wSellTreasuries * Bs / (Bs + 0.01)
        var riskSales = 0.0
        for j in 0..<m {
            sells[j] *= perWeight
            riskSales += sells[j]
        }
        q.REMIT = kb * Bf + p.ra * Af

        // Primitive flows, then the balancing items from the matrix.
        f[Flow.capex.rawValue] = q.I
        f[Flow.retainedRevenue.rawValue] = (1 - p.payout) * q.OCF
        f[Flow.primaryDeficit.rawValue] = q.PD
        f[Flow.interestB.rawValue] = kb * B
        f[Flow.interestBp.rawValue] = kb * q.Bp
        f[Flow.interestBf.rawValue] = kb * Bf
        f[Flow.interestBs.rawValue] = kb * Bs
        f[Flow.interestBw.rawValue] = kb * Bw
        f[Flow.interestC.rawValue] = kc * C
        f[Flow.interestPC.rawValue] = q.ypc * PC
        f[Flow.mortgageInterest.rawValue] = p.ra * Af
        f[Flow.remittances.rawValue] = q.REMIT
        f[Flow.sovereignInflow.rawValue] = p.Fs
        f[Flow.dTGA.rawValue] = q.dTGA
        f[Flow.dLoans.rawValue] = p.g_lo * Lo - p.mbs_runoff
        f[Flow.dBs.rawValue] = -q.SELL_treasuries
        f[Flow.dBw.rawValue] = p.phi_w * p.mu_m * q.I
        f[Flow.issuance.rawValue] = q.iss
        f[Flow.capitalCalls.rawValue] = q.CALL
        f[Flow.riskAssetSales.rawValue] = riskSales
        f[Flow.surplusPaidOut.rawValue] = q.surplusPaidOut
        // Idle cash and allocated wealth (the buyer regime needs V).
        q.L = softplus(Cb - p.k_y * q.Y, p.eps_L)
        var riskValue = 0.0
        for j in 0..<m {
            let qP = p.riskClasses[j].value - yQS[j]
            riskValue += prices[j] * qP
        }
        q.V = q.L + q.Bp + q.Pc * C + PC + riskValue

        // The matrix closes A's and G's columns; the Fed's purchases need dB;
        // then the rest of the closure.
        close(steps: 0..<ReverseQEModel.closureBeforeFed, f)
        f[Flow.dBf.rawValue] = fedTreasuryFlow(p, &q, dB: f[Flow.dB.rawValue], Cb: Cb, rb: rb)
        close(steps: ReverseQEModel.closureBeforeFed..<closureSteps, f)

        // Portfolio choice of P and the clearing of prices.
        let uCash = p.b * q.rme
        let uT = intercepts.a_T + p.b * rb
        let uAI = intercepts.a_AI + p.b * (rb + sc)
        let uR = intercepts.a_R + p.b * p.erp
        let uMax = max(max(uCash, uT), max(uAI, uR))
        let eCash = Double.exp(uCash - uMax), eT = Double.exp(uT - uMax)
        let eAI = Double.exp(uAI - uMax), eR = Double.exp(uR - uMax)
        let total = eCash + eT + eAI + eR
        q.lambda_cash = eCash / total
        q.lambda_T = eT / total
        q.lambda_AI = eAI / total
        q.lambda_R = eR / total
        let liquidity = Double.log(q.L / intercepts.L0)
        let capexTilt = q.I / intercepts.I_t0 - 1
        var vMax = -Double.infinity
        for j in 0..<m {
            let riskClass = p.riskClasses[j]
            let v = intercepts.c[j] - p.delta_D * riskClass.duration * (rb - p.rb0)
                + riskClass.beta * liquidity + riskClass.gamma * capexTilt
            omega[j] = v
            vMax = max(vMax, v)
        }
        var omegaSum = 0.0
        for j in 0..<m {
            omega[j] = Double.exp(omega[j] - vMax)
            omegaSum += omega[j]
        }
        for j in 0..<m { omega[j] /= omegaSum }

        guard let dydt else { return q }
        if flowsFrozen {
            for i in 0..<layout.dimension { dydt[i] = 0 }
        } else {
            dydt[X.B] = f[Flow.dB.rawValue]
            dydt[X.Bf] = f[Flow.dBf.rawValue]
            dydt[X.Bs] = f[Flow.dBs.rawValue]
            dydt[X.Bw] = f[Flow.dBw.rawValue]
            dydt[X.Af] = -p.mbs_runoff
            dydt[X.Lo] = p.g_lo * Lo
            dydt[X.kb] = (max(f[Flow.dB.rawValue], 0) + B / p.T_b) * (rb - kb) / B
            dydt[X.C] = q.iss
            dydt[X.kc] = (max(q.iss, 0) + C / p.T_c) * (q.yc - kc) / C
            dydt[X.PC] = f[Flow.dPC.rawValue]
            dydt[X.K] = q.I - p.delta_K * K
            dydt[X.Z] = p.Nz - q.CALL
            dydt[X.Ez] = q.CALL
            dydt[X.Ms] = f[Flow.dMs.rawValue]
            dydt[X.Mw] = f[Flow.dMw.rawValue]
            dydt[X.Cb] = f[Flow.dCb.rawValue]
            for j in 0..<m { dydt[qS0 + j] = -sells[j] / prices[j] }
        }
        dydt[X.rb] = p.k_r * Double.log(q.Bp / (q.lambda_T * q.V))
        dydt[X.sc] = p.k_s * Double.log((q.Pc * C + PC) / (q.lambda_AI * q.V))
        for j in 0..<m {
            let qP = p.riskClasses[j].value - yQS[j]
            dydt[lnp0 + j] = p.k_p * Double.log(q.lambda_R * omega[j] * q.V / (prices[j] * qP))
        }
        return q
    }

    /// Sets each balancing item of `steps` to the residual of its column or row.
    @inline(__always)
    private func close(steps: Swift.Range<Int>, _ f: UnsafeMutablePointer<Double>) {
        for step in steps {
            var sum = 0.0
            for k in closureStart[step]..<closureStart[step + 1] {
                sum += closureCoefficient[k] * f[closureFlow[k]]
            }
            f[closureTarget[step]] = -sum / closureDivisor[step]
        }
    }

    /// The Fed's net purchases of Treasuries, dBf/dt, under the regime.
    @inline(__always)
    private func fedTreasuryFlow(
        _ p: borrowing ModelParameters, _ q: inout Quantities, dB: Double, Cb: Double, rb: Double
    ) -> Double {
        switch regime {
        case .none: q.fedPurchases = 0
        case .reserves: q.fedPurchases = p.k_fl * softplus(p.L_target - (Cb - p.k_y * q.Y), 0.05)
        case .buyer: q.fedPurchases = p.k_f * q.V * softplus(rb - p.r_cap, p.w_f)
        case .share: q.fedPurchases = p.phi_f * max(dB, 0)
        }
        return -q.qt + q.fedPurchases
    }
}

/// The knot tables rm, TGA and qt on one grid, the union of their knots and
/// t0, with each table's value at every grid time and slope on every
/// interval: one search finds all three. Matches ``KnotTable/segment(at:)`` to
/// rounding: constant before the first and after the last knot, and at a
/// knot the slope of the interval to its right.
///
/// With `tau_rm > 0` (an extension) it also gives P's expected cash rate
/// `rme`, which follows rm with lag `tau_rm` from `rme(t0) = rm(t0)`:
/// `d rme/dt = (rm - rme) / tau_rm`, in closed form on each interval where rm
/// is linear with slope c: `rme = rm - c tau + A exp(-(t - t_i) / tau)`.
struct ExogenousPaths: Sendable {
    let times: [Double]
    /// Per grid time `i`, eight numbers: rm, its slope, TGA, its slope, qt,
    /// its slope, and for rme the slope of rm times tau and A.
    let coefficients: [Double]
    let tau: Double

    init(rm: KnotTable, TGA: KnotTable, qt: KnotTable, t0: Double, tau: Double) {
        let tables = [rm, TGA, qt]
        times = Array(Set(tables.flatMap(\.times) + [t0])).sorted()
        self.tau = tau
        var coefficients: [Double] = []
        var expected = rm.value(at: t0)
        for (i, t) in times.enumerated() {
            for table in tables {
                let slope = i + 1 < times.count ? table.segment(at: 0.5 * (t + times[i + 1])).slope : 0
                coefficients += [table.value(at: t), slope]
            }
            let rate = coefficients[8 * i], drift = coefficients[8 * i + 1] * tau
            // Before t0 the expectation is not used; from t0 on it is carried
            // from grid time to grid time.
            let a = tau > 0 && t >= t0 ? expected - rate + drift : 0
            coefficients += [drift, a]
            if tau > 0, t >= t0, i + 1 < times.count {
                let next = times[i + 1]
                expected = rm.value(at: next) - drift + a * Double.exp(-(next - t) / tau)
            }
        }
        self.coefficients = coefficients
    }

    /// rm, TGA, dTGA/dt, qt and the expected cash rate rme at `t`.
    @inline(__always)
    func values(at t: Double) -> (rm: Double, TGA: Double, dTGA: Double, qt: Double, rme: Double) {
        times.withUnsafeBufferPointer { grid in
            coefficients.withUnsafeBufferPointer { c in
                let n = grid.count
                let i = t >= grid[n - 1] ? n - 1 : (t > grid[0] ? knotInterval(grid, containing: t) : 0)
                let dt = t <= grid[0] ? 0 : t - grid[i]
                let row = c.baseAddress! + 8 * i
                let rm = row[0] + row[1] * dt
                let rme = tau > 0 ? rm - row[6] + row[7] * Double.exp(-dt / tau) : rm
                return (rm, row[2] + row[3] * dt, row[3], row[4] + row[5] * dt, rme)
            }
        }
    }
}
