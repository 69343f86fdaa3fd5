import RealModule
import Solvers

/// The smooth maximum of `x` and 0 with width `w`: `w ln(1 + exp(x / w))`,
/// computed without overflow.
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
    var I = 0.0, OCF = 0.0, PD = 0.0, Y = 0.0, rm = 0.0, rme = 0.0, TGA = 0.0, dTGA = 0.0, qt = 0.0
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

    /// The evaluation core; it also holds the scenario's dated changes.
    let evaluator: ModelEvaluator

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
        self.flowsFrozen = flowsFrozen
        layout = StateLayout(classNames: parameters.riskClasses.map(\.name))
        transactions = TransactionsFlowMatrix(mu_m: parameters.mu_m)
        let closure = transactions.compiledClosure()
        precondition(
            closure[Self.closureBeforeFed - 1].target == Flow.dB.rawValue,
            "the Fed's purchases follow the closure of G's column")

        var stops = parameters.rm.times + parameters.TGA.times + parameters.qt.times
        stops += schedule.flatMap { [$0.start, $0.end] }
        if parameters.sigma_c_shift != 0 { stops += [parameters.t_sigma_c - 0.5, parameters.t_sigma_c + 0.5] }
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

        let I_t0 = p.capex(at: t0)
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
        evaluator = ModelEvaluator(
            parameters: parameters, regime: regime, layout: layout, intercepts: intercepts,
            flowsFrozen: flowsFrozen, schedule: schedule, closure: closure)
    }

    /// The parameters in force at `t` (the scenario's dated changes applied).
    public func parameters(at t: Double) -> ModelParameters {
        evaluator.parameters(at: t)
    }
}
