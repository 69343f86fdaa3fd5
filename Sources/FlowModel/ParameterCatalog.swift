/// What a parameter is for: initial conditions only matter at t0 and cannot
/// be changed by a dated scenario; behaviour and exogenous paths can.
public enum ParameterRole: String, Sendable {
    case horizon, initialCondition = "initial condition", behaviour, exogenous, policy, reporting
}

/// The description of one scalar parameter: its key (as in MODEL.md), unit,
/// meaning, allowed range and source, with access to its value.
public struct ParameterInfo: Sendable {
    public let key: String
    /// The section of a configuration file it belongs in (`capex`, `risk.crypto`).
    public let group: String
    public let unit: String
    public let meaning: String
    public let role: ParameterRole
    /// The allowed values, as a sentence fragment ("in [0, 1]", "> 0").
    public let allowed: String
    public let source: String
    /// Whether `value` is within the allowed range.
    public let isAllowed: @Sendable (Double) -> Bool
    let get: @Sendable (ModelParameters) -> Double
    let set: @Sendable (inout ModelParameters, Double) -> Void
    /// Not part of MODEL.md: a configuration file may leave it out (its
    /// default then applies), and the reference configuration does.
    public var isExtension = false

    /// The value of this parameter in `parameters`.
    public func value(in parameters: ModelParameters) -> Double { get(parameters) }
}

/// The kinds of range a parameter may have.
enum Range {
    case any, positive, nonNegative, unit, finite
    var text: String {
        switch self {
        case .any, .finite: "any finite number"
        case .positive: "> 0"
        case .nonNegative: ">= 0"
        case .unit: "in [0, 1]"
        }
    }
    var test: @Sendable (Double) -> Bool {
        switch self {
        case .any, .finite: { $0.isFinite }
        case .positive: { $0.isFinite && $0 > 0 }
        case .nonNegative: { $0.isFinite && $0 >= 0 }
        case .unit: { $0 >= 0 && $0 <= 1 }
        }
    }
}

extension ModelParameters {
    private static let section4 = "MODEL.md section 4"

    /// The sections of a configuration file for scalar parameters, in order.
    public static var sectionOrder: [String] { sections.map(\.0) }

    private static let sections: [(String, [String])] = [
            ("horizon", ["t0", "t1"]),
            ("capex", ["I0", "I1", "tI", "gI", "ocf0", "g_ocf", "payout"]),
            ("fiscal", ["pd0", "Y0", "g_y", "m_I", "k_y", "g_lo"]),
            ("monetary", ["mbs_runoff", "ra", "Af0"]),
            ("treasury", ["B0", "Bf0", "Bs0", "Bw0", "kb0", "T_b"]),
            ("ai_debt", ["C0", "kc0", "T_c", "D_c", "PC0", "s_pc", "sigma_c", "sigma_c_shift", "t_sigma_c", "K0", "delta_K", "debt_floor"]),
            ("rest_of_world", ["mu_m", "phi_w", "Mw0"]),
            ("sovereign", ["Z0", "Nz", "c_z", "Ms0", "Fs", "h_s", "k_sw", "w_sell_treasuries"]),
            ("portfolio", ["Cb0", "rb0", "sc0", "b", "tau_rm", "erp", "eps_L", "k_r", "k_s", "k_p", "delta_D"]),
            ("fed", ["r_cap", "k_f", "w_f", "L_target", "k_fl", "phi_f"]),
            ("index", ["ig_rest0", "g_ig"]),
        ]

    /// The configuration-file section of each scalar parameter.
    static let groups: [String: String] = {
        var map: [String: String] = [:]
        for (group, keys) in sections { for key in keys { map[key] = group } }
        return map
    }()

    private static func scalar(
        _ key: String, _ path: WritableKeyPath<ModelParameters, Double> & Sendable, _ unit: String, _ role: ParameterRole,
        _ range: Range, _ meaning: String, source: String = section4, isExtension: Bool = false
    ) -> ParameterInfo {
        ParameterInfo(
            key: key, group: groups[key]!, unit: unit, meaning: meaning, role: role, allowed: range.text, source: source,
            isAllowed: range.test, get: { $0[keyPath: path] }, set: { $0[keyPath: path] = $1 }, isExtension: isExtension)
    }

    /// The scalar parameters that are not per risk class, in MODEL.md's order.
    static let scalarCatalog: [ParameterInfo] = [
        scalar("t0", \.t0, "year", .horizon, .finite, "start of the simulation (decimal year)"),
        scalar("t1", \.t1, "year", .horizon, .finite, "end of the simulation (decimal year)"),
        scalar("I0", \.I0, "$T/yr", .exogenous, .nonNegative, "AI capex before the boom (logistic lower level)"),
        scalar("I1", \.I1, "$T/yr", .exogenous, .nonNegative, "AI capex after the boom (logistic upper level)"),
        scalar("tI", \.tI, "year", .exogenous, .finite, "midpoint of the capex ramp"),
        scalar("gI", \.gI, "1/yr", .exogenous, .positive, "steepness of the capex ramp"),
        scalar("ocf0", \.ocf0, "$T/yr", .exogenous, .nonNegative, "AI builders' operating cash flow at t0"),
        scalar("g_ocf", \.g_ocf, "1/yr", .exogenous, .finite, "growth rate of operating cash flow"),
        scalar("payout", \.payout, "share", .behaviour, .unit, "share of operating cash flow paid out (buybacks, dividends)"),
        scalar("pd0", \.pd0, "$T/yr", .exogenous, .finite, "primary deficit at t0"),
        scalar("Y0", \.Y0, "$T/yr", .exogenous, .positive, "GDP at t0 excluding the capex term"),
        scalar("g_y", \.g_y, "1/yr", .exogenous, .finite, "nominal growth of GDP and of the primary deficit"),
        scalar("m_I", \.m_I, "1", .exogenous, .nonNegative, "GDP per dollar of AI capex"),
        scalar("k_y", \.k_y, "yr", .behaviour, .nonNegative, "cash needed for transactions per dollar of GDP"),
        scalar("g_lo", \.g_lo, "1/yr", .exogenous, .finite, "growth rate of bank credit Lo"),
        scalar("mbs_runoff", \.mbs_runoff, "$T/yr", .policy, .nonNegative, "runoff of the Fed's mortgage securities"),
        scalar("ra", \.ra, "1/yr", .exogenous, .nonNegative, "coupon on the mortgage securities Af"),
        scalar("B0", \.B0, "$T", .initialCondition, .positive, "Treasuries outstanding at t0 (par)"),
        scalar("Bf0", \.Bf0, "$T", .initialCondition, .nonNegative, "Treasuries held by the Fed at t0"),
        scalar("Bs0", \.Bs0, "$T", .initialCondition, .nonNegative, "Treasuries held by the sovereign funds at t0"),
        scalar("Bw0", \.Bw0, "$T", .initialCondition, .nonNegative, "Treasuries held by the rest of world's AI exporters at t0"),
        scalar("Mw0", \.Mw0, "$T", .initialCondition, .nonNegative, "cash held by the rest of world's AI exporters at t0"),
        scalar("Af0", \.Af0, "$T", .initialCondition, .nonNegative, "mortgage securities held by the Fed at t0"),
        scalar("kb0", \.kb0, "1/yr", .initialCondition, .nonNegative, "average Treasury coupon at t0"),
        scalar("T_b", \.T_b, "yr", .behaviour, .positive, "average Treasury maturity (roll-over time)"),
        scalar("C0", \.C0, "$T", .initialCondition, .positive, "AI bonds outstanding at t0 (par)"),
        scalar("kc0", \.kc0, "1/yr", .initialCondition, .nonNegative, "average AI bond coupon at t0"),
        scalar("T_c", \.T_c, "yr", .behaviour, .positive, "average AI bond maturity"),
        scalar("D_c", \.D_c, "yr", .behaviour, .nonNegative, "AI bond duration (price sensitivity to the yield)"),
        scalar("PC0", \.PC0, "$T", .initialCondition, .positive, "AI private credit at t0"),
        scalar("s_pc", \.s_pc, "1/yr", .behaviour, .finite, "private-credit spread over the policy rate"),
        scalar("sigma_c", \.sigma_c, "share", .behaviour, .unit, "share of the AI funding need met by bonds"),
        scalar(
            "sigma_c_shift", \.sigma_c_shift, "share", .behaviour, .finite,
            "change of the bond share sigma_c, linear over the year centred on t_sigma_c, the share held in [0, 1] (0: MODEL.md's constant share)",
            source: "this project: the seeds' 2025 and 2026 bond issuance imply a falling bond share", isExtension: true),
        scalar(
            "t_sigma_c", \.t_sigma_c, "year", .behaviour, .finite, "middle of the year over which the bond share moves",
            source: "this project: see sigma_c_shift", isExtension: true),
        scalar("K0", \.K0, "$T", .initialCondition, .nonNegative, "AI capital at t0"),
        scalar("delta_K", \.delta_K, "1/yr", .behaviour, .nonNegative, "depreciation of AI capital"),
        scalar(
            "debt_floor", \.debt_floor, "$T", .behaviour, .nonNegative,
            "AI debt below which repayment tapers and the surplus is paid out to P (0: off)",
            source: "this project: MODEL.md leaves open what happens once repayments exhaust AI debt", isExtension: true),
        scalar("mu_m", \.mu_m, "share", .behaviour, .unit, "imported share of AI capex"),
        scalar("phi_w", \.phi_w, "share", .behaviour, .unit, "share of export receipts the rest of world puts in Treasuries"),
        scalar("Z0", \.Z0, "$T", .initialCondition, .nonNegative, "sovereign funds' uncalled AI commitments at t0"),
        scalar("Nz", \.Nz, "$T/yr", .behaviour, .nonNegative, "new sovereign commitments"),
        scalar("c_z", \.c_z, "1/yr", .behaviour, .nonNegative, "rate at which commitments are called"),
        scalar("Ms0", \.Ms0, "$T", .initialCondition, .nonNegative, "sovereign funds' cash at t0"),
        scalar("Fs", \.Fs, "$T/yr", .behaviour, .finite, "funding inflow to the sovereign funds"),
        scalar("h_s", \.h_s, "yr", .behaviour, .nonNegative, "sovereign cash buffer, in years of calls"),
        scalar("k_sw", \.k_sw, "1/yr", .behaviour, .nonNegative, "speed of sovereign sales when cash falls short"),
        scalar("w_sell_treasuries", \.wSellTreasuries, "1", .behaviour, .nonNegative, "sovereign selling weight of Treasuries"),
        scalar("Cb0", \.Cb0, "$T", .initialCondition, .positive, "private sector cash at t0"),
        scalar("rb0", \.rb0, "1/yr", .initialCondition, .finite, "10-year Treasury yield at t0"),
        scalar("sc0", \.sc0, "1/yr", .initialCondition, .finite, "AI credit spread at t0"),
        scalar("b", \.b, "1", .behaviour, .nonNegative, "sensitivity of the top-level portfolio shares to yields"),
        scalar(
            "tau_rm", \.tau_rm, "yr", .behaviour, .nonNegative,
            "lag of the expected cash rate P sets yields against behind the policy rate rm (0: rm itself, as MODEL.md)",
            source: "this project: MODEL.md's rule cannot give the inverted curve of 2022-2024", isExtension: true),
        scalar("erp", \.erp, "1/yr", .behaviour, .finite, "equity risk premium in the risk-asset utility"),
        scalar("eps_L", \.eps_L, "$T", .behaviour, .positive, "smoothing width of idle cash L"),
        scalar("k_r", \.k_r, "1/yr", .behaviour, .positive, "adjustment speed of the Treasury yield rb"),
        scalar("k_s", \.k_s, "1/yr", .behaviour, .positive, "adjustment speed of the AI spread sc"),
        scalar("k_p", \.k_p, "1/yr", .behaviour, .positive, "adjustment speed of risk-asset prices"),
        scalar("delta_D", \.delta_D, "1", .behaviour, .nonNegative, "weight of duration times the yield change in bucket utilities"),
        scalar("r_cap", \.r_cap, "1/yr", .policy, .finite, "yield the Fed caps in the buyer regime"),
        scalar("k_f", \.k_f, "1/yr", .policy, .nonNegative, "strength of the Fed's purchases in the buyer regime"),
        scalar("w_f", \.w_f, "1/yr", .policy, .positive, "smoothing width of the yield cap"),
        scalar("L_target", \.L_target, "$T", .policy, .finite, "transaction-cash surplus the reserves regime defends"),
        scalar("k_fl", \.k_fl, "1/yr", .policy, .nonNegative, "strength of reserve-management purchases"),
        scalar("phi_f", \.phi_f, "share", .policy, .unit, "share of net new Treasuries the Fed buys in the share regime"),
        scalar(
            "ig_rest0", \.ig_rest0, "$T", .reporting, .positive, "USD investment-grade index outside the AI issuers at t0",
            source: "MODEL.md section 1 and seeds 000, 003 (AI issuers 14% of the index)"),
        scalar("g_ig", \.g_ig, "1/yr", .reporting, .finite, "growth of the IG index outside the AI issuers", source: "issue 3"),
    ]

    /// The fields of each risk class, as `risk.<name>.<field>`.
    static let riskFields:
        [(field: String, unit: String, role: ParameterRole, range: Range, meaning: String, path: WritableKeyPath<RiskClass, Double> & Sendable)] = [
            ("value", "$T", .initialCondition, .positive, "market value at t0 (price 1, so also the units Q)", \.value),
            ("D", "yr", .behaviour, .nonNegative, "duration", \.duration),
            ("beta", "1", .behaviour, .finite, "liquidity beta: weight of ln(L/L0) in the bucket utility", \.beta),
            ("gamma", "1", .behaviour, .finite, "AI-capex beta: weight of I(t)/I(t0) - 1 in the bucket utility", \.gamma),
            ("qS0", "$T at t0 prices", .initialCondition, .nonNegative, "units held by the sovereign funds at t0", \.qS0),
            ("w_sell", "1", .behaviour, .nonNegative, "sovereign selling weight", \.wSell),
        ]

    /// Every scalar parameter, the risk classes' fields included.
    public var catalog: [ParameterInfo] {
        var entries = Self.scalarCatalog
        for (index, riskClass) in riskClasses.enumerated() {
            for field in Self.riskFields {
                let path = field.path
                entries.append(ParameterInfo(
                    key: "risk.\(riskClass.name).\(field.field)", group: "risk.\(riskClass.name)", unit: field.unit,
                    meaning: "\(riskClass.name): \(field.meaning)", role: field.role, allowed: field.range.text,
                    source: Self.section4, isAllowed: field.range.test,
                    get: { $0.riskClasses[index][keyPath: path] },
                    set: { $0.riskClasses[index][keyPath: path] = $1 }))
            }
        }
        return entries
    }

    /// The catalog entry of `key`.
    public func info(_ key: String) throws -> ParameterInfo {
        guard let entry = catalog.first(where: { $0.key == key }) else { throw ModelError.unknownParameter(key) }
        return entry
    }

    /// The value of the scalar parameter `key`.
    public func value(of key: String) throws -> Double { try info(key).get(self) }

    /// Sets the scalar parameter `key`, checking its range.
    public mutating func set(_ key: String, to value: Double) throws {
        let entry = try info(key)
        guard entry.isAllowed(value) else {
            throw ModelError.invalidParameter(key: key, value: value, allowed: entry.allowed)
        }
        entry.set(&self, value)
    }

    /// The catalog key that `key` names, or nil: the one rule for parameter
    /// keys in configurations, `--set`, scenarios and sweeps. A key is a
    /// catalog key (`payout`, `risk.crypto.beta`) or, for a scalar outside the
    /// risk classes, its section and key (`capex.payout`).
    public func canonicalKey(_ key: String) -> String? {
        let entries = catalog
        if entries.contains(where: { $0.key == key }) { return key }
        guard let dot = key.firstIndex(of: "."), !key.hasPrefix("risk.") else { return nil }
        let section = String(key[..<dot]), leaf = String(key[key.index(after: dot)...])
        return entries.contains(where: { $0.key == leaf && $0.group == section }) ? leaf : nil
    }

    /// The knot table that `key` names (`rm` or `exogenous.rm`), or nil.
    public static func knotTable(named key: String) -> KnotTableInfo? {
        let leaf = key.hasPrefix("exogenous.") ? String(key.dropFirst("exogenous.".count)) : key
        return knotTables.first { $0.key == leaf }
    }

    /// The knot tables (section `exogenous` of a configuration file).
    public static let knotTables: [KnotTableInfo] = [
        KnotTableInfo(key: "rm", unit: "1/yr", meaning: "policy rate", path: \.rm),
        KnotTableInfo(key: "TGA", unit: "$T", meaning: "Treasury cash at the Fed", path: \.TGA),
        KnotTableInfo(key: "qt", unit: "$T/yr", meaning: "Fed runoff of Treasuries", path: \.qt),
    ]

    /// The fields every risk class has, as configuration keys.
    public static var riskFieldKeys: [(key: String, unit: String, meaning: String)] {
        riskFields.map { ($0.field, $0.unit, $0.meaning) }
    }

    /// Checks every scalar range and the relations between parameters.
    public func validate() throws {
        for entry in catalog where !entry.isAllowed(entry.get(self)) {
            throw ModelError.invalidParameter(key: entry.key, value: entry.get(self), allowed: entry.allowed)
        }
        guard t1 > t0 else { throw ModelError.invalidParameter(key: "t1", value: t1, allowed: "> t0 = \(t0)") }
        guard !riskClasses.isEmpty else { throw ModelError.invalidRiskClasses("at least one risk class is needed") }
        var seen = Set<String>()
        for riskClass in riskClasses {
            guard RiskClass.isValidName(riskClass.name) else {
                throw ModelError.invalidRiskClasses(
                    "name \"\(riskClass.name)\" must be letters, digits or underscores")
            }
            guard seen.insert(riskClass.name).inserted else {
                throw ModelError.invalidRiskClasses("the name \(riskClass.name) is used twice")
            }
            guard riskClass.qS0 < riskClass.value else {
                throw ModelError.invalidParameter(
                    key: "risk.\(riskClass.name).qS0", value: riskClass.qS0,
                    allowed: "below the class value \(riskClass.value): P must hold some of it")
            }
        }
        guard B0 > Bf0 + Bs0 + Bw0 else {
            throw ModelError.invalidParameter(
                key: "B0", value: B0, allowed: "above Bf0 + Bs0 + Bw0 = \(Bf0 + Bs0 + Bw0): P must hold some Treasuries")
        }
    }
}

/// A knot table parameter: `[[time, value], ...]` in section `exogenous`.
public struct KnotTableInfo: Sendable {
    public let key: String
    public let unit: String
    public let meaning: String
    let path: WritableKeyPath<ModelParameters, KnotTable> & Sendable

    public func table(in parameters: ModelParameters) -> KnotTable { parameters[keyPath: path] }
    public func set(_ table: KnotTable, in parameters: inout ModelParameters) { parameters[keyPath: path] = table }
}
