import FlowModel
import RealModule

/// The historical configuration: the model started at mid-2022 from the
/// data's balance sheets and driven by history to the end of 2025.
public enum HistoricalConfiguration {
    /// FOMC federal funds target range midpoints after each change,
    /// 2022-06-15 to 2025-12-10 (the FOMC's statements), as (date, rate).
    static let policyRate: [(String, Double)] = [
        ("2022-06-16", 0.01625), ("2022-07-28", 0.02375), ("2022-09-22", 0.03125), ("2022-11-03", 0.03875),
        ("2022-12-15", 0.04375), ("2023-02-02", 0.04625), ("2023-03-23", 0.04875), ("2023-05-04", 0.05125),
        ("2023-07-27", 0.05375), ("2024-09-19", 0.04875), ("2024-11-08", 0.04625), ("2024-12-19", 0.04375),
        ("2025-09-18", 0.04125), ("2025-10-30", 0.03875), ("2025-12-11", 0.03625),
    ]

    /// Public figures the data folder does not hold, with their sources.
    static let nominalGDP2022Q2 = 25.25  // $T, SAAR, BEA NIPA table 1.1.5
    static let primaryDeficit2022 = 0.9  // $T/yr: FY2022 deficit 1.38 less net interest 0.48 (CBO)
    static let averageCoupon2022 = 0.019  // average interest rate on marketable debt, June 2022 (Treasury)
    static let cryptoMarket2022Q2 = 0.9  // $T: total crypto market value, end of June 2022 (about $0.9T)
}

extension HistoricalConfiguration {
    /// The historical settings of the reverse-QE model file: the model
    /// started at mid-2022 from the data's balance sheets and driven by
    /// history to the end of 2025, with the behaviour of `base`.
    /// calibration/history.md gives every choice.
    ///
    /// - Throws: ``HistoryError`` when the table lacks a column or a quarter,
    ///   or the file a parameter, a table or the time path `I`.
    public static func settings(source: ModelSource, base: ModelSettings, table rows: [[String: Double]]) throws -> ModelSettings {
        let model: CompiledModel
        do {
            model = try compileModel(source, settings: base)
        } catch let error as ModelFileError {
            throw HistoryError("\(source.file): \(error.diagnostics.first?.message ?? "does not compile")")
        }
        guard let first = rows.first, let last = rows.last, rows.count >= 2 else { throw HistoryError("the history table needs two quarters") }
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
        guard let capex = model.timePath("I") else { throw HistoryError("\(source.file) has no series I that is a function of time alone") }
        var s = base
        let t0 = try value(first, "t"), shift = t0 - model.t0
        (s.start, s.end) = (t0, try value(last, "t"))
        let bf0 = try value(first, "Bf")
        s.parameters["B0"] = try value(first, "B")
        s.parameters["Bf0"] = bf0
        s.parameters["Af0"] = try value(first, "fed_assets") - bf0
        s.parameters["rb0"] = try value(first, "rb")
        s.parameters["sc0"] = try value(first, "ig_oas")
        s.parameters["kb0"] = averageCoupon2022
        s.tables["TGA"] = try rows.map { (try value($0, "t"), try value($0, "TGA")) }
        var runoff: [(Double, Double)] = []
        for k in 0..<(rows.count - 1) {
            let a = try value(rows[k], "t"), b = try value(rows[k + 1], "t")
            let rate = -(try value(rows[k + 1], "Bf") - value(rows[k], "Bf")) / (b - a)
            runoff += [(a, rate), (b - 1e-4, rate)]
        }
        s.tables["qt"] = runoff
        s.tables["rm"] = policyRate.map { (DecimalYear.parse($0.0)!, $0.1) }
        let otherAssets = { (row: [String: Double]) throws -> Double in try value(row, "fed_assets") - value(row, "Bf") }
        s.parameters["mbs_runoff"] = (try otherAssets(first) - otherAssets(last)) / (s.end! - t0)
        s.parameters["ocf0"] = try parameter("ocf0") * Double.exp(try parameter("g_ocf") * shift)
        s.parameters["ig_rest0"] = try parameter("ig_rest0") * Double.exp(try parameter("g_ig") * shift)
        s.parameters["pd0"] = primaryDeficit2022
        s.parameters["Y0"] = nominalGDP2022Q2 - (try parameter("m_I")) * capex(t0)
        s.parameters["Cb0"] = try value(first, "on_rrp") + (try parameter("k_y")) * nominalGDP2022Q2
        let nasdaqRatio = try value(first, "nasdaq") / value(rows.first { abs(($0["t"] ?? 0) - model.t0) < 1e-9 } ?? last, "nasdaq")
        for member in model.members(of: "risk") {
            let q = try parameter("Q[\(member)]")
            let scale = member == "crypto" ? cryptoMarket2022Q2 / q : (member == "cashflow" ? 1 : nasdaqRatio)
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
