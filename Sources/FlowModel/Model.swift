import RealModule
import Solvers

/// `w ln(1 + exp(x / w))`, computed without overflow.
@inlinable
func softplus(_ x: Double, _ w: Double) -> Double {
    let z = x / w
    return z > 30 ? x + w * Double.log(onePlus: Double.exp(-z)) : w * Double.log(onePlus: Double.exp(z))
}

/// 1 for debt at or above `floor`, 0 at or below zero, and a smoothstep
/// between: how much of a repayment goes to a debt that is nearly repaid.
@inlinable
func repaymentTaper(_ debt: Double, _ floor: Double) -> Double {
    if debt >= floor { return 1 }
    if debt <= 0 { return 0 }
    let x = debt / floor
    return x * x * (3 - 2 * x)
}

/// The intercepts solved at t0 so that every market clears at the initial
/// state (MODEL.md section 3), with the reference levels they use.
public struct Intercepts: Sendable, Equatable {
    /// Utility intercepts of Treasuries, AI credit and risk assets.
    public var a_T: Double, a_AI: Double, a_R: Double
    /// Bucket intercepts of the risk classes.
    public var c: [Double]
    /// Idle cash at t0, $T.
    public var L0: Double
    /// AI capex at t0, $T/yr.
    public var I_t0: Double
}

/// Scalar quantities of one evaluation, shared by the right-hand side and
/// the reported series.
struct Quantities {
    var I = 0.0, OCF = 0.0, PD = 0.0, Y = 0.0, rm = 0.0, TGA = 0.0, dTGA = 0.0, qt = 0.0
    var Bp = 0.0, Pc = 0.0, yc = 0.0, ypc = 0.0, REMIT = 0.0
    var Gap = 0.0, CALL = 0.0, Need = 0.0, iss = 0.0, SELL = 0.0, SELL_treasuries = 0.0, surplusPaidOut = 0.0
    var fedPurchases = 0.0
    var L = 0.0, V = 0.0, lambda_cash = 0.0, lambda_T = 0.0, lambda_AI = 0.0, lambda_R = 0.0
    var M = 0.0
}

/// The reverse-QE model of MODEL.md, ready to solve: parameters, Fed regime
/// and scenario resolved, intercepts solved at t0, initial state built.
public struct ReverseQEModel: Sendable {
    /// The run's parameters at t0 (changes dated at or before t0 applied).
    public let parameters: ModelParameters
    public let regime: FedRegime
    public let scenario: Scenario
    public let layout: StateLayout
    public let transactions: TransactionsFlowMatrix
    public let intercepts: Intercepts
    /// The state at t0.
    public let initialState: [Double]
    /// Times the integrator must land on: the knots of the exogenous tables
    /// and the starts and ends of scenario changes, inside (t0, t1).
    public let tstops: [Double]
    /// When set, exogenous inputs are held at their t0 values and every stock
    /// is held still: only prices and yields may move (they must not).
    public let flowsFrozen: Bool

    let closure: [CompiledClosure]
    let schedule: [ScheduledChange]

    /// - Throws: ``ModelError`` for invalid parameters, risk classes or scenario.
    public init(
        parameters base: ModelParameters = ModelParameters(), regime: FedRegime = .none,
        scenario: Scenario = .baseline, flowsFrozen: Bool = false
    ) throws {
        var parameters = base
        let t0 = base.t0
        var later: [ParameterChange] = []
        for change in scenario.changes {
            guard change.start.isFinite, change.rampYears.isFinite, change.rampYears >= 0 else {
                throw ModelError.invalidScenario(
                    "change of \(change.key): start must be finite and the ramp length finite and >= 0")
            }
            if change.start <= t0 {
                try parameters.set(change.key, to: change.value)
            } else {
                later.append(change)
            }
        }
        try parameters.validate()
        var schedule: [ScheduledChange] = []
        var inForce: [String: Double] = [:]
        for change in later.sorted(by: { $0.start < $1.start }) {
            let info = try parameters.info(change.key)
            guard info.role != .initialCondition && info.role != .horizon else {
                throw ModelError.invalidScenario(
                    "\(change.key) is an initial condition; it can only change at or before t0 = \(t0)")
            }
            guard info.isAllowed(change.value) else {
                throw ModelError.invalidParameter(key: change.key, value: change.value, allowed: info.allowed)
            }
            let from = inForce[change.key] ?? info.get(parameters)
            schedule.append(ScheduledChange(
                info: info, start: change.start, end: change.start + change.rampYears, from: from, to: change.value))
            inForce[change.key] = change.value
        }

        self.parameters = parameters
        self.regime = regime
        self.scenario = scenario
        self.schedule = schedule
        self.flowsFrozen = flowsFrozen
        layout = StateLayout(classNames: parameters.riskClasses.map(\.name))
        transactions = TransactionsFlowMatrix(mu_m: parameters.mu_m)
        closure = transactions.compiledClosure()
        precondition(
            closure[Self.closureBeforeFed - 1].target == Flow.dB.rawValue,
            "the Fed's purchases follow the closure of G's column")

        var stops = parameters.rm.times + parameters.TGA.times + parameters.qt.times
        stops += schedule.flatMap { [$0.start, $0.end] }
        tstops = Array(Set(stops.filter { $0 > parameters.t0 && $0 < parameters.t1 })).sorted()

        // The initial state, and the intercepts that clear every market there.
        let p = parameters
        var y = [Double](repeating: 0, count: layout.dimension)
        let TGA0 = p.TGA.value(at: t0)
        let Lo0 = p.Cb0 + TGA0 + p.Ms0 + p.Mw0 - p.Bf0 - p.Af0
        let values: [(Int, Double)] = [
            (StateLayout.B, p.B0), (StateLayout.Bf, p.Bf0), (StateLayout.Bs, p.Bs0), (StateLayout.Bw, p.Bw0),
            (StateLayout.Af, p.Af0), (StateLayout.Lo, Lo0), (StateLayout.kb, p.kb0), (StateLayout.C, p.C0),
            (StateLayout.kc, p.kc0), (StateLayout.PC, p.PC0), (StateLayout.K, p.K0), (StateLayout.Z, p.Z0),
            (StateLayout.Ez, 0), (StateLayout.Ms, p.Ms0), (StateLayout.Mw, p.Mw0), (StateLayout.Cb, p.Cb0),
            (StateLayout.rb, p.rb0), (StateLayout.sc, p.sc0),
        ]
        for (index, value) in values { y[index] = value }
        for (j, riskClass) in p.riskClasses.enumerated() {
            y[layout.lnp(j)] = 0
            y[layout.qS(j)] = riskClass.qS0
        }
        initialState = y

        let I_t0 = Self.capex(p, at: t0)
        let Y_t0 = p.Y0 + p.m_I * I_t0
        let L0 = softplus(p.Cb0 - p.k_y * Y_t0, p.eps_L)
        let Bp0 = p.B0 - p.Bf0 - p.Bs0 - p.Bw0
        let Pc0 = Double.exp(p.D_c * (p.kc0 - (p.rb0 + p.sc0)))
        let AI0 = Pc0 * p.C0 + p.PC0
        let holdings = p.riskClasses.map { $0.value - $0.qS0 }
        let R0 = holdings.reduce(0, +)
        let rm0 = p.rm.value(at: t0)
        guard L0 > 0, Lo0.isFinite else {
            throw ModelError.initialStateInvalid("idle cash L0 = \(L0) must be positive")
        }
        intercepts = Intercepts(
            a_T: Double.log(Bp0 / L0) - p.b * (p.rb0 - rm0),
            a_AI: Double.log(AI0 / L0) - p.b * (p.rb0 + p.sc0 - rm0),
            a_R: Double.log(R0 / L0) - p.b * (p.erp - rm0),
            c: holdings.map { Double.log($0 / R0) },
            L0: L0, I_t0: I_t0)
    }

    /// AI capex `I(t)`, $T/yr.
    @inlinable
    static func capex(_ p: ModelParameters, at t: Double) -> Double {
        p.I0 + (p.I1 - p.I0) / (1 + Double.exp(-p.gI * (t - p.tI)))
    }

    /// The parameters in force at `t` (the scenario's dated changes applied).
    public func parameters(at t: Double) -> ModelParameters {
        var p = parameters
        for change in schedule {
            if let value = change.value(at: t) { change.info.set(&p, value) }
        }
        return p
    }

    // MARK: - The evaluation core

    /// Evaluates every quantity of the model at `(t, y)`: the primitive and
    /// balancing flows into `f` (indexed by ``Flow``), the risk buckets'
    /// shares into `omega` and the sovereign sales per class into `sells`
    /// (each `classCount` long), the prices into `prices`, the derivatives
    /// into `dydt` when given.
    func evaluate(
        _ tIn: Double, _ y: UnsafePointer<Double>, _ p: borrowing ModelParameters,
        dydt: UnsafeMutablePointer<Double>?, flows f: UnsafeMutablePointer<Double>,
        omega: UnsafeMutablePointer<Double>, sells: UnsafeMutablePointer<Double>, prices: UnsafeMutablePointer<Double>
    ) -> Quantities {
        typealias X = StateLayout
        let m = layout.classCount
        let t = flowsFrozen ? p.t0 : tIn
        var q = Quantities()

        // Exogenous paths.
        q.I = Self.capex(p, at: t)
        q.OCF = p.ocf0 * Double.exp(p.g_ocf * (t - p.t0))
        let growth = Double.exp(p.g_y * (t - p.t0))
        q.PD = p.pd0 * growth
        q.Y = p.Y0 * growth + p.m_I * q.I
        q.rm = p.rm.value(at: t)
        (q.TGA, q.dTGA) = p.TGA.segment(at: t)
        q.qt = p.qt.value(at: t)

        let B = y[X.B], Bf = y[X.Bf], Bs = y[X.Bs], Bw = y[X.Bw], Af = y[X.Af], Lo = y[X.Lo]
        let kb = y[X.kb], C = y[X.C], kc = y[X.kc], PC = y[X.PC], K = y[X.K], Z = y[X.Z]
        let Ms = y[X.Ms], Mw = y[X.Mw], Cb = y[X.Cb], rb = y[X.rb], sc = y[X.sc]
        // Each price once: it enters holdings, wealth, sales and clearing.
        for j in 0..<m { prices[j] = Double.exp(y[layout.lnp(j)]) }
        q.Bp = B - Bf - Bs - Bw
        q.M = Cb + q.TGA + Ms + Mw

        // AI builders.
        q.ypc = q.rm + p.s_pc
        q.yc = rb + sc
        q.Pc = Double.exp(p.D_c * (kc - q.yc))
        q.Gap = q.I + kc * C + q.ypc * PC - (1 - p.payout) * q.OCF
        q.CALL = p.c_z * Z
        q.Need = q.Gap - q.CALL
        q.iss = p.sigma_c * q.Need
        if q.Need < 0 && p.debt_floor > 0 {
            // Repayment tapers as each debt nears zero; the rest is paid out.
            // Above the floor both tapers are 1 and X stays exactly 0.
            let bonds = repaymentTaper(C, p.debt_floor), credit = repaymentTaper(PC, p.debt_floor)
            if bonds < 1 || credit < 1 {
                let fullBonds = q.iss, fullCredit = (1 - p.sigma_c) * q.Need
                q.iss = fullBonds * bonds
                q.surplusPaidOut = (q.iss - fullBonds) + (fullCredit * credit - fullCredit)
            }
        }

        // Sovereign funds: sales split over crypto, long-duration and
        // Treasuries (or whatever classes have a selling weight).
        q.SELL = p.k_sw * softplus(p.h_s * q.CALL - Ms, 0.01)
        var weightSum = p.wSellTreasuries * Bs / (Bs + 0.01)
        for j in 0..<m {
            let held = prices[j] * y[layout.qS(j)]
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
            let qP = p.riskClasses[j].value - y[layout.qS(j)]
            riskValue += prices[j] * qP
        }
        q.V = q.L + q.Bp + q.Pc * C + PC + riskValue

        // The matrix closes A's and G's columns; the Fed's purchases need dB;
        // then the rest of the closure.
        close(closure[..<Self.closureBeforeFed], f)
        f[Flow.dBf.rawValue] = fedTreasuryFlow(p, &q, dB: f[Flow.dB.rawValue], Cb: Cb, rb: rb)
        close(closure[Self.closureBeforeFed...], f)

        // Portfolio choice of P and the clearing of prices.
        let uCash = p.b * q.rm
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
            for j in 0..<m { dydt[layout.qS(j)] = -sells[j] / prices[j] }
        }
        dydt[X.rb] = p.k_r * Double.log(q.Bp / (q.lambda_T * q.V))
        dydt[X.sc] = p.k_s * Double.log((q.Pc * C + PC) / (q.lambda_AI * q.V))
        for j in 0..<m {
            let qP = p.riskClasses[j].value - y[layout.qS(j)]
            dydt[layout.lnp(j)] = p.k_p * Double.log(q.lambda_R * omega[j] * q.V / (prices[j] * qP))
        }
        return q
    }

    /// How many closure steps come before the Fed's purchases: A's column
    /// (dPC) and G's column (dB).
    static let closureBeforeFed = 2

    /// Sets each balancing item to the residual of its column or row.
    @inline(__always)
    private func close(_ steps: ArraySlice<CompiledClosure>, _ f: UnsafeMutablePointer<Double>) {
        for step in steps {
            var sum = 0.0
            for k in step.coefficients.indices { sum += step.coefficients[k] * f[step.flows[k]] }
            f[step.target] = -sum / step.divisor
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
