import RealModule

/// A table of (time, value) knots, interpolated linearly and held constant
/// beyond its ends. The integrator stops at every knot.
public struct KnotTable: Sendable, Equatable {
    public private(set) var times: [Double]
    public private(set) var values: [Double]

    /// - Throws: ``ModelError/invalidKnots(_:)`` unless there is at least one
    ///   knot, times strictly ascend and every number is finite.
    public init(_ knots: [(Double, Double)]) throws {
        guard !knots.isEmpty else { throw ModelError.invalidKnots("a knot table needs at least one knot") }
        for (t, v) in knots where !(t.isFinite && v.isFinite) {
            throw ModelError.invalidKnots("knot (\(t), \(v)) is not finite")
        }
        for k in knots.indices.dropFirst() where knots[k].0 <= knots[k - 1].0 {
            throw ModelError.invalidKnots(
                "knot times must strictly ascend; \(knots[k].0) follows \(knots[k - 1].0)")
        }
        times = knots.map(\.0)
        values = knots.map(\.1)
    }

    /// The interpolated value at `t`.
    @inlinable
    public func value(at t: Double) -> Double {
        segment(at: t).value
    }

    /// The value and the slope (per year) at `t`; at a knot, the slope of the
    /// segment to its right.
    @inlinable
    public func segment(at t: Double) -> (value: Double, slope: Double) {
        let n = times.count
        if t <= times[0] { return (values[0], 0) }
        if t >= times[n - 1] { return (values[n - 1], 0) }
        let lo = times.withUnsafeBufferPointer { knotInterval($0, containing: t) }, hi = lo + 1
        let slope = (values[hi] - values[lo]) / (times[hi] - times[lo])
        return (values[lo] + slope * (t - times[lo]), slope)
    }
}

/// The index `i` with `grid[i] <= t < grid[i + 1]`, by bisection, for
/// `grid[0] < t < grid[grid.count - 1]`: the one knot search of every table.
@inlinable @inline(__always)
func knotInterval(_ grid: UnsafeBufferPointer<Double>, containing t: Double) -> Int {
    var lo = 0, hi = grid.count - 1
    while hi - lo > 1 {
        let mid = (lo + hi) >> 1
        if grid[mid] <= t { lo = mid } else { hi = mid }
    }
    return lo
}

/// A class of risk asset held by P and S (MODEL.md section 4).
public struct RiskClass: Sendable, Equatable {
    /// Whether `name` may name a risk class: letters, digits and underscores,
    /// so that it can stand in series names (`p_crypto`) and keys.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    /// Name used in series names (`p_crypto`, `qS_crypto`).
    public var name: String
    /// Market value at t0 in $T; the price is 1 at t0, so also the units `Q_j`.
    public var value: Double
    /// Duration `D_j` in years.
    public var duration: Double
    /// Liquidity beta `beta_j`: weight of ln(L/L0) in the bucket utility.
    public var beta: Double
    /// AI-capex beta `gamma_j`: weight of I(t)/I(t0) - 1 in the bucket utility.
    public var gamma: Double
    /// Units held by the sovereign funds at t0, `qS_j(t0)`.
    public var qS0: Double
    /// Sovereign selling weight `w_sell_j` (0 for classes S never sells).
    public var wSell: Double

    public init(name: String, value: Double, duration: Double, beta: Double, gamma: Double, qS0: Double, wSell: Double) {
        self.name = name
        self.value = value
        self.duration = duration
        self.beta = beta
        self.gamma = gamma
        self.qS0 = qS0
        self.wSell = wSell
    }
}

/// The Fed's policy (MODEL.md section 3).
public enum FedRegime: String, CaseIterable, Sendable {
    /// No buyer: runoff only.
    case none
    /// Reserve-management purchases when transaction cash runs short.
    case reserves
    /// Buyer of last resort: a soft cap on the 10-year yield.
    case buyer
    /// Buys a fixed share of net new Treasury issuance.
    case share

    /// Every regime's name, for messages and help: `none, reserves, buyer, share`.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// Every parameter of MODEL.md section 4. Rates are decimals per year
/// (4.33% is 0.0433); stocks are US$ trillions, flows US$ trillions per year.
public struct ModelParameters: Sendable, Equatable {
    // Time
    public var t0 = 2025.0
    public var t1 = 2032.0
    // AI capex I(t) = I0 + (I1 - I0) / (1 + exp(-gI (t - tI)))
    public var I0 = 0.25
    public var I1 = 0.95
    public var tI = 2026.0
    public var gI = 1.1
    // Operating cash flow and payout
    public var ocf0 = 0.58
    public var g_ocf = 0.10
    public var payout = 0.35
    // Fiscal and income
    public var pd0 = 0.85
    public var Y0 = 29.0
    public var g_y = 0.045
    public var m_I = 1.0
    public var k_y = 0.62
    public var g_lo = 0.045
    // Exogenous knot tables
    public var rm = try! KnotTable([(2025.0, 0.0433), (2025.7, 0.0425), (2025.95, 0.0375), (2026.5, 0.034), (2040, 0.034)])
    public var TGA = try! KnotTable([(2025.0, 0.80), (2025.45, 0.35), (2025.75, 0.90), (2040, 0.90)])
    public var qt = try! KnotTable([
        (2025.0, 0.30), (2025.25, 0.30), (2025.2501, 0.06), (2025.92, 0.06), (2025.9201, 0), (2040, 0),
    ])
    // Monetary system
    public var mbs_runoff = 0.18
    public var ra = 0.025
    // Treasuries
    public var B0 = 28.8
    public var Bf0 = 4.27
    public var Bs0 = 0.50
    public var Bw0 = 0.0
    public var Mw0 = 0.0
    public var Af0 = 2.24
    public var kb0 = 0.033
    public var T_b = 6.0
    // AI debt
    public var C0 = 1.25
    public var kc0 = 0.045
    public var T_c = 10.0
    public var D_c = 7.0
    public var PC0 = 0.25
    public var s_pc = 0.055
    public var sigma_c = 0.6
    /// Not in MODEL.md (whose bond share is constant): the bond share moves
    /// by this much, linearly over the year centred on `t_sigma_c`, and is held
    /// in [0, 1]. 0 (the default) keeps MODEL.md's constant `sigma_c`.
    public var sigma_c_shift = 0.0
    /// The middle of the year over which the bond share moves by `sigma_c_shift`.
    public var t_sigma_c = 2026.0
    public var K0 = 1.0
    public var delta_K = 0.2
    /// Not in MODEL.md: below this much outstanding ($T), repayment of an AI
    /// debt tapers smoothly to zero and the surplus is paid out to P. MODEL.md
    /// leaves open what happens when repayments exhaust the debt (its spread
    /// equation takes the log of the debt); above the floor the model is
    /// exactly MODEL.md's. 0 turns the taper off.
    public var debt_floor = 0.05
    // Rest of world
    public var mu_m = 0.35
    public var phi_w = 0.5
    // Sovereign funds
    public var Z0 = 0.60
    public var Nz = 0.10
    public var c_z = 0.35
    public var Ms0 = 0.12
    public var Fs = 0.15
    public var h_s = 1.0
    public var k_sw = 2.0
    public var wSellTreasuries = 0.2
    // Private portfolio and prices
    public var Cb0 = 25.0
    public var rb0 = 0.046
    public var sc0 = 0.009
    public var b = 30.0
    public var erp = 0.04
    /// Not in MODEL.md (where cash earns today's policy rate in P's portfolio
    /// choice): P compares yields with an expected cash rate that follows rm
    /// with this lag in years. 0 (the default) is MODEL.md's rule.
    public var tau_rm = 0.0
    public var eps_L = 0.05
    public var k_r = 50.0
    public var k_s = 50.0
    public var k_p = 50.0
    public var delta_D = 3.0
    // The Fed
    public var r_cap = 0.045
    public var k_f = 20.0
    public var w_f = 0.001
    public var L_target = 6.5
    public var k_fl = 2.0
    public var phi_f = 0.5
    // The IG index outside the AI issuers (for the AI share of the index)
    public var ig_rest0 = 8.6
    public var g_ig = 0.04
    // Risk classes
    public var riskClasses: [RiskClass] = [
        RiskClass(name: "crypto", value: 3.3, duration: 30, beta: 2.0, gamma: 0, qS0: 0.05, wSell: 0.4),
        RiskClass(name: "longdur", value: 12, duration: 25, beta: 0.3, gamma: 0, qS0: 0.60, wSell: 0.4),
        RiskClass(name: "aiequity", value: 12, duration: 15, beta: 0.2, gamma: 0.25, qS0: 0, wSell: 0),
        RiskClass(name: "cashflow", value: 30, duration: 6, beta: 0.05, gamma: 0.15, qS0: 0, wSell: 0),
    ]

    /// The defaults of MODEL.md section 4.
    public init() {}

    /// The index of the risk class called `name`.
    public func riskClassIndex(_ name: String) -> Int? { riskClasses.firstIndex { $0.name == name } }
}

extension ModelParameters {
    /// AI capex `I(t) = I0 + (I1 - I0) / (1 + exp(-gI (t - tI)))`, $T/yr.
    @inlinable
    public func capex(at t: Double) -> Double {
        I0 + (I1 - I0) / (1 + Double.exp(-gI * (t - tI)))
    }

    /// The integral of ``capex(at:)`` over `[from, to]` in closed form, $T:
    /// the antiderivative is `I0 t + (I1 - I0) / gI * ln(1 + exp(gI (t - tI)))`.
    public func capexIntegral(from a: Double, to b: Double) -> Double {
        func antiderivative(_ t: Double) -> Double {
            I0 * t + (I1 - I0) / gI * softplus(gI * (t - tI), 1)
        }
        return antiderivative(b) - antiderivative(a)
    }
}
