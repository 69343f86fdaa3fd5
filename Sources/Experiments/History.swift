import FlowModel
import RealModule

/// The historical configuration: the model started at mid-2022 from the
/// data's balance sheets and driven by history to the end of 2025.
public enum HistoricalConfiguration {
    /// The figures the historical configuration takes that the data table
    /// does not hold (`calibration/history-inputs.toml` gives them with their sources).
    public struct Inputs: Sendable {
        /// The policy rate after each change, as (ISO date, decimal rate): the table `rm`.
        public var policyRate: [(date: String, rate: Double)]
        /// At the start: nominal GDP ($T, annual rate), the primary deficit ($T/yr), the average
        /// coupon on marketable debt (decimal) and the crypto market's value ($T).
        public var nominalGDP: Double, primaryDeficit: Double, averageCoupon: Double, cryptoMarket: Double

        public init(
            policyRate: [(date: String, rate: Double)], nominalGDP: Double, primaryDeficit: Double,
            averageCoupon: Double,
            cryptoMarket: Double
        ) {
            (self.policyRate, self.nominalGDP, self.primaryDeficit) = (policyRate, nominalGDP, primaryDeficit)
            (self.averageCoupon, self.cryptoMarket) = (averageCoupon, cryptoMarket)
        }
    }
}

extension HistoricalConfiguration {
    /// The historical settings of the reverse-QE model file: the model
    /// started at mid-2022 from the data's balance sheets and driven by
    /// history to the end of 2025, with the behaviour of `base`.
    /// calibration/history.md gives every choice.
    ///
    /// - Throws: ``HistoryError`` when the table lacks a column or a quarter,
    ///   or the file a parameter, a table or the time path `I`.
    public static func settings(
        source: ModelSource, base: ModelSettings, table rows: [[String: Double]], inputs: Inputs
    ) throws -> ModelSettings {
        let model: CompiledModel
        do {
            model = try compileModel(source, settings: base)
        } catch let error as ModelFileError {
            throw HistoryError("\(source.file): \(error.diagnostics.first?.message ?? "does not compile")")
        }
        guard let first = rows.first, let last = rows.last, rows.count >= 2 else {
            throw HistoryError("the history table needs two quarters")
        }
        func value(_ row: [String: Double], _ key: String) throws -> Double {
            guard let v = row[key] else { throw HistoryError("no \(key) at t = \(row["t"] ?? .nan)") }
            return v
        }
        func parameter(_ name: String) throws -> Double {
            guard let v = model.parameter(name) else { throw HistoryError("\(source.file) has no parameter \(name)") }
            return v
        }
        for table in ["TGA", "qt", "rm"] where !source.tables.contains(where: { $0.name == table }) {
            throw HistoryError("\(source.file) has no table \(table)")
        }
        guard let capex = model.timePath("I") else {
            throw HistoryError("\(source.file) has no series I that is a function of time alone")
        }
        var s = base
        let t0 = try value(first, "t")
        let shift = t0 - model.t0
        (s.start, s.end) = (t0, try value(last, "t"))
        let bf0 = try value(first, "Bf")
        s.parameters["B0"] = try value(first, "B")
        s.parameters["Bf0"] = bf0
        s.parameters["Af0"] = try value(first, "fed_assets") - bf0
        s.parameters["rb0"] = try value(first, "rb")
        s.parameters["sc0"] = try value(first, "ig_oas")
        s.parameters["kb0"] = inputs.averageCoupon
        s.tables["TGA"] = try rows.map { (try value($0, "t"), try value($0, "TGA")) }
        var runoff: [(Double, Double)] = []
        for k in 0..<(rows.count - 1) {
            let a = try value(rows[k], "t")
            let b = try value(rows[k + 1], "t")
            let rate = -(try value(rows[k + 1], "Bf") - value(rows[k], "Bf")) / (b - a)
            runoff += [(a, rate), (b - 1e-4, rate)]
        }
        s.tables["qt"] = runoff
        s.tables["rm"] = inputs.policyRate.map { (DecimalYear.parse($0.date)!, $0.rate) }
        let otherAssets = { (row: [String: Double]) throws -> Double in try value(row, "fed_assets") - value(row, "Bf")
        }
        s.parameters["mbs_runoff"] = (try otherAssets(first) - otherAssets(last)) / (s.end! - t0)
        s.parameters["ocf0"] = try parameter("ocf0") * Double.exp(try parameter("g_ocf") * shift)
        s.parameters["ig_rest0"] = try parameter("ig_rest0") * Double.exp(try parameter("g_ig") * shift)
        s.parameters["pd0"] = inputs.primaryDeficit
        s.parameters["Y0"] = inputs.nominalGDP - (try parameter("m_I")) * capex(t0)
        s.parameters["Cb0"] = try value(first, "on_rrp") + (try parameter("k_y")) * inputs.nominalGDP
        let nasdaqRatio =
            try value(first, "nasdaq") / value(rows.first { abs(($0["t"] ?? 0) - model.t0) < 1e-9 } ?? last, "nasdaq")
        for member in model.members(of: "risk") {
            let q = try parameter("Q[\(member)]")
            let scale = member == "crypto" ? inputs.cryptoMarket / q : (member == "cashflow" ? 1 : nasdaqRatio)
            s.parameters["Q[\(member)]"] = q * scale
            s.parameters["qS0[\(member)]"] = try parameter("qS0[\(member)]") * scale
        }
        return s
    }
}

/// A history table that cannot make a configuration: what is missing or wrong.
public struct HistoryError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
