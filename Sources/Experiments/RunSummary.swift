import FlowModel

/// The headline numbers of one run: what `liquidity compare` prints and what
/// a sweep records per run. ``fields(classes:)`` lists them once, with their
/// names, so every writer (the printed table, `runs.csv`) takes them from
/// one place.
public struct RunSummary: Sendable, Equatable {
    /// The risk classes, in the configuration's order.
    public var classes: [String]
    /// Per risk class: price at t1 (index, 1 at t0).
    public var endPrice: [String: Double]
    /// Per risk class: the largest fall from the running peak (share).
    public var largestDrawdown: [String: Double]
    /// Largest 10-year yield `rb` along the path, 1/yr.
    public var peakRb: Double
    /// Largest AI spread `sc` along the path, 1/yr.
    public var peakSc: Double
    /// Bf(t1) - Bf(t0), $T.
    public var changeInBf: Double
    /// Sovereign sales over the run, $T: the trapezoid rule on the save grid.
    public var totalSovereignSales: Double
    /// The first saved time at which idle cash L is below `idleCashFloor`, if any.
    public var idleCashExhausted: Double?
    /// The level of idle cash, $T, whose first crossing is reported.
    public var idleCashFloor: Double
    /// AI bonds' share of the IG index at t1.
    public var aiIndexShareAtEnd: Double
    /// Largest |identity_residual| / M along the path.
    public var largestIdentityResidual: Double

    public init(_ run: ModelRun, idleCashFloor: Double) {
        classes = run.model.layout.classNames
        endPrice = Dictionary(uniqueKeysWithValues: classes.map { ($0, run.series("p_\($0)")!.last!) })
        largestDrawdown = Dictionary(uniqueKeysWithValues: classes.map { ($0, run.series("drawdown_\($0)")!.max()!) })
        peakRb = run.series("rb")!.max()!
        peakSc = run.series("sc")!.max()!
        let bf = run.series("Bf")!
        changeInBf = bf.last! - bf.first!
        let sales = run.series("SELL")!
        let t = run.t
        var total = 0.0
        for k in t.indices.dropFirst() {
            let width: Double = t[k] - t[k - 1]
            total += 0.5 * (sales[k] + sales[k - 1]) * width
        }
        totalSovereignSales = total
        let idle = run.series("L")!
        self.idleCashFloor = idleCashFloor
        idleCashExhausted = zip(t, idle).first { $0.1 < idleCashFloor }?.0
        aiIndexShareAtEnd = run.series("ai_ig_share")!.last!
        largestIdentityResidual = run.largestRelativeIdentityResidual
    }

    /// A summary from its fields' values, as ``fields(classes:)`` names them
    /// (`end_p_crypto`, `peak_rb`, ...); nil when one is missing. How a
    /// stored summary (a row of `runs.csv`) is read back.
    public init?(classes: [String], idleCashFloor: Double, values: [String: Double]) {
        func value(_ name: String) -> Double? { values[name] }
        self.classes = classes
        var prices: [String: Double] = [:], drawdowns: [String: Double] = [:]
        for name in classes {
            guard let price = value("end_p_\(name)"), let drawdown = value("max_drawdown_\(name)") else { return nil }
            prices[name] = price
            drawdowns[name] = drawdown
        }
        guard let peakRb = value("peak_rb"), let peakSc = value("peak_sc"), let changeInBf = value("change_Bf"),
            let sales = value("sovereign_sales"), let share = value("ai_ig_share_end"),
            let residual = value("largest_identity_residual")
        else { return nil }
        (endPrice, largestDrawdown) = (prices, drawdowns)
        (self.peakRb, self.peakSc, self.changeInBf, totalSovereignSales) = (peakRb, peakSc, changeInBf, sales)
        self.idleCashFloor = idleCashFloor
        idleCashExhausted = value("idle_cash_exhausted")
        (aiIndexShareAtEnd, largestIdentityResidual) = (share, residual)
    }

    /// Every headline number, in the order tables and files give them.
    public static func fields(classes: [String]) -> [SummaryField] {
        var fields: [SummaryField] = []
        for name in classes {
            fields.append(SummaryField(column: "end_p_\(name)", label: "\(name): price at end", kind: .index) { $0.endPrice[name] })
            fields.append(SummaryField(column: "max_drawdown_\(name)", label: "\(name): largest drawdown", kind: .share) {
                $0.largestDrawdown[name]
            })
        }
        return fields + [
            SummaryField(column: "peak_rb", label: "peak rb (10-year yield)", kind: .share) { $0.peakRb },
            SummaryField(column: "peak_sc", label: "peak sc (AI spread)", kind: .share) { $0.peakSc },
            SummaryField(column: "change_Bf", label: "change in Bf ($T)", kind: .change) { $0.changeInBf },
            SummaryField(column: "sovereign_sales", label: "sovereign sales, total ($T)", kind: .dollars) { $0.totalSovereignSales },
            SummaryField(column: "idle_cash_exhausted", label: "idle cash L first below floor", kind: .date) { $0.idleCashExhausted },
            SummaryField(column: "ai_ig_share_end", label: "AI share of IG index at end", kind: .share) { $0.aiIndexShareAtEnd },
            SummaryField(column: "largest_identity_residual", label: "largest identity residual / M", kind: .residual) {
                $0.largestIdentityResidual
            },
        ]
    }

    /// The value of the field called `column`, if this summary has it.
    public func value(_ column: String) -> Double? {
        Self.fields(classes: classes).first { $0.column == column }?.value(self)
    }
}

/// One headline number of a ``RunSummary``: its column name (in `runs.csv`),
/// its label (in the printed table), its kind and how to read it.
public struct SummaryField: Sendable {
    /// What the number is, which decides how it is printed and whether a
    /// difference of two runs means something.
    public enum Kind: Sendable {
        /// An index level (a price, 1 at t0).
        case index
        /// A share or a rate, printed in percent; differences in points.
        case share
        /// A change in $T, printed with its sign.
        case change
        /// An amount in $T.
        case dollars
        /// A date (decimal year), or none.
        case date
        /// An accounting residual relative to M.
        case residual

        /// Whether the difference of two runs' values is reported.
        public var hasDifference: Bool { self != .date && self != .residual }
    }

    /// The column name in `runs.csv`: `end_p_crypto`, `peak_rb`.
    public let column: String
    /// The row label of the printed table: `crypto: price at end`.
    public let label: String
    public let kind: Kind
    /// The field's value in a summary; nil for a date that never came.
    public let value: @Sendable (RunSummary) -> Double?
}
