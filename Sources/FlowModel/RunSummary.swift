/// The headline numbers of one run: what `liquidity compare` prints.
public struct RunSummary: Sendable, Equatable {
    /// Per risk class: price at t1 (index, 1 at t0) and largest drawdown (share).
    public var endPrice: [String: Double]
    public var largestDrawdown: [String: Double]
    /// Largest 10-year yield and AI spread along the path, 1/yr.
    public var peakRb: Double
    public var peakSc: Double
    /// Bf(t1) - Bf(t0), $T.
    public var changeInBf: Double
    /// Sovereign sales over the run, $T: the trapezoid rule on the save grid.
    public var totalSovereignSales: Double
    /// The first saved time at which idle cash L is below `idleCashFloor`, if any.
    public var idleCashExhausted: Double?
    public var idleCashFloor: Double
    /// AI bonds' share of the IG index at t1.
    public var aiIndexShareAtEnd: Double
    /// Largest |identity_residual| / M along the path.
    public var largestIdentityResidual: Double

    public init(_ run: ModelRun, idleCashFloor: Double) {
        let names = run.model.layout.classNames
        endPrice = Dictionary(uniqueKeysWithValues: names.map { ($0, run.series("p_\($0)")!.last!) })
        largestDrawdown = Dictionary(uniqueKeysWithValues: names.map { ($0, run.series("drawdown_\($0)")!.max()!) })
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
}
