/// The primitive flows of the transactions-flow matrix (MODEL.md section 2),
/// US$ trillions per year.
public enum Flow: Int, CaseIterable, Sendable {
    case capex, retainedRevenue, primaryDeficit
    case interestB, interestBp, interestBf, interestBs, interestBw
    case interestC, interestPC, mortgageInterest, remittances, sovereignInflow
    case dCb, dTGA, dM, dMs, dMw, dLoans
    case dB, dBp, dBf, dBs, dBw
    case issuance, dPC, capitalCalls, riskAssetSales, surplusPaidOut

    /// The symbol MODEL.md writes for the flow.
    public var symbol: String {
        switch self {
        case .capex: "I"
        case .retainedRevenue: "(1-payout)*OCF"
        case .primaryDeficit: "PD"
        case .interestB: "kb*B"
        case .interestBp: "kb*Bp"
        case .interestBf: "kb*Bf"
        case .interestBs: "kb*Bs"
        case .interestBw: "kb*Bw"
        case .interestC: "kc*C"
        case .interestPC: "ypc*PC"
        case .mortgageInterest: "ra*Af"
        case .remittances: "REMIT"
        case .sovereignInflow: "Fs"
        case .dCb: "dCb"
        case .dTGA: "dTGA"
        case .dM: "dM"
        case .dMs: "dMs"
        case .dMw: "dMw"
        case .dLoans: "(dLo+dAf)"
        case .dB: "dB"
        case .dBp: "dBp"
        case .dBf: "dBf"
        case .dBs: "dBs"
        case .dBw: "dBw"
        case .issuance: "iss"
        case .dPC: "dPC"
        case .capitalCalls: "CALL"
        case .riskAssetSales: "sum_j p_j*sell_j"
        case .surplusPaidOut: "X"
        }
    }
}

/// `coefficient * flow`, with the coefficient's symbol for printing.
public struct FlowTerm: Sendable {
    public var coefficient: Double
    public var coefficientSymbol: String
    public var flow: Flow

    init(_ coefficient: Double, _ flow: Flow, symbol: String? = nil) {
        self.coefficient = coefficient
        self.flow = flow
        coefficientSymbol = symbol ?? (coefficient == 1 ? "+" : coefficient == -1 ? "-" : "\(coefficient)*")
    }

    /// The term as MODEL.md writes it, such as `+(1-mu_m)*I` or `-dCb`.
    public var text: String { coefficientSymbol + flow.symbol }
}

/// One row of the transactions-flow matrix: the terms each sector receives
/// (+) or pays (-).
public struct FlowRow: Sendable {
    public var label: String
    public var entries: [Sector: [FlowTerm]]
}

/// Where the model closes the accounting: a sector's balancing item is the
/// residual of its column; a row-balancing item the residual of its row.
enum ClosureStep: Sendable {
    case column(Sector, Flow)
    case row(String, Flow)
}

/// The transactions-flow matrix of MODEL.md section 2, as data.
///
/// The right-hand side is built from it: behaviour sets every primitive flow
/// except the balancing items, which the matrix itself determines in the
/// order of ``closure``. The monetary system's column has no balancing item,
/// so its sum is the redundant equation in flow form.
public struct TransactionsFlowMatrix: Sendable {
    public let rows: [FlowRow]
    let closure: [ClosureStep]

    init(mu_m: Double, payoutSymbol: String = "(1-payout)*OCF") {
        func t(_ c: Double, _ f: Flow, _ s: String? = nil) -> FlowTerm { FlowTerm(c, f, symbol: s) }
        rows = [
            FlowRow(label: "AI capex", entries: [
                .P: [t(1 - mu_m, .capex, "+(1-mu_m)*")], .A: [t(-1, .capex)], .W: [t(mu_m, .capex, "+mu_m*")],
            ]),
            FlowRow(label: "AI revenue retained", entries: [.P: [t(-1, .retainedRevenue)], .A: [t(1, .retainedRevenue)]]),
            FlowRow(label: "primary deficit", entries: [.P: [t(1, .primaryDeficit)], .G: [t(-1, .primaryDeficit)]]),
            FlowRow(label: "Treasury interest", entries: [
                .P: [t(1, .interestBp)], .G: [t(-1, .interestB)], .F: [t(1, .interestBf)],
                .S: [t(1, .interestBs)], .W: [t(1, .interestBw)],
            ]),
            FlowRow(label: "AI bond interest", entries: [.P: [t(1, .interestC)], .A: [t(-1, .interestC)]]),
            FlowRow(label: "private-credit interest", entries: [.P: [t(1, .interestPC)], .A: [t(-1, .interestPC)]]),
            FlowRow(label: "mortgage interest", entries: [.P: [t(-1, .mortgageInterest)], .F: [t(1, .mortgageInterest)]]),
            FlowRow(label: "Fed remittances", entries: [.G: [t(1, .remittances)], .F: [t(-1, .remittances)]]),
            FlowRow(label: "sovereign funding inflow", entries: [.P: [t(-1, .sovereignInflow)], .S: [t(1, .sovereignInflow)]]),
            FlowRow(label: "change in cash", entries: [
                .P: [t(-1, .dCb)], .G: [t(-1, .dTGA)], .F: [t(1, .dM)], .S: [t(-1, .dMs)], .W: [t(-1, .dMw)],
            ]),
            FlowRow(label: "change in loans, mortgages", entries: [.P: [t(1, .dLoans)], .F: [t(-1, .dLoans)]]),
            FlowRow(label: "change in Treasuries", entries: [
                .P: [t(-1, .dBp)], .G: [t(1, .dB)], .F: [t(-1, .dBf)], .S: [t(-1, .dBs)], .W: [t(-1, .dBw)],
            ]),
            FlowRow(label: "AI bond issuance", entries: [.P: [t(-1, .issuance)], .A: [t(1, .issuance)]]),
            FlowRow(label: "change in private credit", entries: [.P: [t(-1, .dPC)], .A: [t(1, .dPC)]]),
            FlowRow(label: "capital calls (stakes)", entries: [.A: [t(1, .capitalCalls)], .S: [t(-1, .capitalCalls)]]),
            FlowRow(label: "sovereign asset sales", entries: [.P: [t(-1, .riskAssetSales)], .S: [t(1, .riskAssetSales)]]),
            // Not in MODEL.md: zero unless repayments near exhaust AI debt (see `debt_floor`).
            FlowRow(label: "AI surplus paid out", entries: [.P: [t(1, .surplusPaidOut)], .A: [t(-1, .surplusPaidOut)]]),
        ]
        closure = [
            .column(.A, .dPC), .column(.G, .dB), .column(.S, .dMs), .column(.W, .dMw),
            .row("change in Treasuries", .dBp), .column(.P, .dCb), .row("change in cash", .dM),
        ]
    }

    /// The terms of sector `sector`'s column.
    func column(_ sector: Sector) -> [FlowTerm] { rows.flatMap { $0.entries[sector] ?? [] } }

    /// The terms of the row labelled `label`, in sector order (a dictionary's
    /// order changes from process to process, and so would the sums).
    func row(_ label: String) -> [FlowTerm] {
        let row = rows.first { $0.label == label }!
        return Sector.allCases.flatMap { row.entries[$0] ?? [] }
    }

    /// The closure as flat arrays: for each step, the flow it sets, its own
    /// coefficient, and the other terms of its column or row.
    func compiledClosure() -> [CompiledClosure] {
        closure.map { step in
            let (terms, target): ([FlowTerm], Flow) =
                switch step {
                case .column(let sector, let flow): (column(sector), flow)
                case .row(let label, let flow): (row(label), flow)
                }
            let own = terms.filter { $0.flow == target }
            precondition(own.count == 1, "balancing item \(target) must appear once")
            let others = terms.filter { $0.flow != target }
            return CompiledClosure(
                target: target.rawValue, divisor: own[0].coefficient,
                coefficients: others.map(\.coefficient), flows: others.map(\.flow.rawValue))
        }
    }

    /// The matrix evaluated at the flow values `flows` (indexed by ``Flow``).
    public func evaluated(_ flows: [Double]) -> GodleyMatrix {
        GodleyMatrix(
            title: "transactions-flow matrix ($T/yr)", rowLabels: rows.map(\.label),
            values: rows.map { row in
                Sector.allCases.map { sector in
                    (row.entries[sector] ?? []).reduce(0) { $0 + $1.coefficient * flows[$1.flow.rawValue] }
                }
            },
            rowTargets: rows.map { _ in 0 }, hasColumnTargets: true)
    }

    /// The symbolic entries, as MODEL.md writes them.
    public var symbolic: [[String]] {
        rows.map { row in
            Sector.allCases.map { sector in (row.entries[sector] ?? []).map(\.text).joined(separator: " ") }
        }
    }
}

struct CompiledClosure: Sendable {
    let target: Int
    let divisor: Double
    let coefficients: [Double]
    let flows: [Int]
}

/// A Godley matrix with numbers: rows by sectors (in ``Sector`` order), with
/// the value each row must sum to (0 for financial rows, the value of the
/// real asset for real rows).
public struct GodleyMatrix: Sendable, Equatable {
    public var title: String
    public var rowLabels: [String]
    /// `values[row][sector]`.
    public var values: [[Double]]
    /// What each row must sum to.
    public var rowTargets: [Double]
    /// Whether every column must sum to zero.
    public var hasColumnTargets: Bool

    public var rowSums: [Double] { values.map { $0.reduce(0, +) } }
    public var columnSums: [Double] {
        Sector.allCases.indices.map { s in values.reduce(0) { $0 + $1[s] } }
    }

    /// A row or column that does not sum to what it must.
    public struct Leak: Sendable, Equatable, CustomStringConvertible {
        public var isRow: Bool
        public var label: String
        public var sum: Double
        public var expected: Double
        public var description: String {
            "\(isRow ? "row" : "column") \(label) sums to \(sum), not \(expected): water is leaking by \(sum - expected)"
        }
    }

    /// Every row and column whose sum misses its target by more than
    /// `absolute + relative * scale`, where scale is the largest entry in
    /// magnitude of that row or column (stocks grow, so the tolerance does too).
    public func leaks(absolute: Double = 1e-12, relative: Double = 1e-10) -> [Leak] {
        var found: [Leak] = []
        for (r, row) in values.enumerated() {
            let scale = max(row.map(abs).max() ?? 0, abs(rowTargets[r]))
            let sum = row.reduce(0, +)
            if abs(sum - rowTargets[r]) > absolute + relative * scale {
                found.append(Leak(isRow: true, label: rowLabels[r], sum: sum, expected: rowTargets[r]))
            }
        }
        if hasColumnTargets {
            for (s, sector) in Sector.allCases.enumerated() {
                let column = values.map { $0[s] }
                let scale = column.map(abs).max() ?? 0
                let sum = column.reduce(0, +)
                if abs(sum) > absolute + relative * scale {
                    found.append(Leak(isRow: false, label: sector.rawValue, sum: sum, expected: 0))
                }
            }
        }
        return found
    }
}
