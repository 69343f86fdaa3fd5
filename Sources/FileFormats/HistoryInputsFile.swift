import Experiments
import FlowModel
import Foundation
import TOMLKit

/// Reads `calibration/history-inputs.toml`: the figures of the historical
/// configuration that the data table does not hold (see the file's comments).
public enum HistoryInputsFile {
    /// - Throws: ``InputError`` naming the file and the key, and what is allowed.
    public static func read(_ path: String) throws -> HistoricalConfiguration.Inputs {
        let table = try Configuration.parseTOML(try Configuration.readText(path), file: path)
        let keys = ["policy_rate", "nominal_gdp", "primary_deficit", "average_coupon", "crypto_market"]
        try CalibrationFiles.checkKeys(table, allowed: keys, file: path)
        func figure(_ key: String, _ unit: String) throws -> Double {
            guard let value = table[key] else { throw InputError("\(path): missing key \(key) (\(unit))") }
            return try Configuration.finiteNumber(value, file: path, key: key, expected: unit)
        }
        guard let rates = table["policy_rate"] else { throw InputError("\(path): missing key policy_rate") }
        let shape = "an array of [\"YYYY-MM-DD\", decimal rate] pairs, dates ascending"
        guard let array = rates.array, !array.isEmpty else {
            throw InputError("\(path): policy_rate must be \(shape); got \(Configuration.describe(rates))")
        }
        var policyRate: [(date: String, rate: Double)] = []
        for (index, element) in array.enumerated() {
            guard let pair = element.array, pair.count == 2, let date = pair[0].string, DecimalYear.parse(date) != nil
            else {
                throw InputError(
                    """
                    \(path): policy_rate[\(index)] must be a [\"YYYY-MM-DD\", rate] pair; got \
                    \(Configuration.describe(element))
                    """
                )
            }
            let rate = try Configuration.finiteNumber(
                pair[1], file: path, key: "policy_rate[\(index)][1]", expected: "a decimal rate")
            if let last = policyRate.last, !(date > last.date) {
                throw InputError("\(path): policy_rate: the dates must ascend; \(date) follows \(last.date)")
            }
            policyRate.append((date, rate))
        }
        return HistoricalConfiguration.Inputs(
            policyRate: policyRate, nominalGDP: try figure("nominal_gdp", "$T at an annual rate"),
            primaryDeficit: try figure("primary_deficit", "$T/yr"),
            averageCoupon: try figure("average_coupon", "a decimal rate"),
            cryptoMarket: try figure("crypto_market", "$T"))
    }
}
