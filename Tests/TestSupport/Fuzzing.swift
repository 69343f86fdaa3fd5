import Experiments
import Foundation

/// Mutations of the reference configuration.
public enum Mutator: CaseIterable {
    case truncate, retypeValue, extremeValue, duplicateLine, deleteLine, randomBytes, swapLines, renameKey,
        renameSection

    static let replacements = [
        "\"text\"", "[1, 2]", "{ a = 1 }", "true", "1979-05-27", "1e308", "-1e308", "1e400", "inf", "-inf", "nan",
        "0", "-1", "0.0", "1e-300", "99999999999999999999", "",
    ]

    public func apply(_ text: String, _ rng: inout SeededGenerator) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let valueLines = lines.indices.filter { lines[$0].contains(" = ") }
        let headers = lines.indices.filter { lines[$0].hasPrefix("[") }
        // Earlier mutations may have removed every line of a kind.
        if valueLines.isEmpty && [.retypeValue, .extremeValue, .duplicateLine, .renameKey].contains(self) {
            return text + "\n"
        }
        if headers.isEmpty && self == .renameSection { return text + "\n[capex]" }
        if text.isEmpty { return "x" }
        switch self {
        case .truncate:
            return String(text.prefix(Int.random(in: 0..<text.count, using: &rng)))
        case .retypeValue, .extremeValue:
            let i = valueLines.randomElement(using: &rng)!
            let key = lines[i].components(separatedBy: " = ")[0]
            let pool =
                self == .retypeValue ? Array(Self.replacements.prefix(5)) : Array(Self.replacements.dropFirst(5))
            lines[i] = "\(key) = \(pool.randomElement(using: &rng)!)"
        case .duplicateLine:
            let i = valueLines.randomElement(using: &rng)!
            lines.insert(lines[i], at: i + 1)
        case .deleteLine:
            lines.remove(at: Int.random(in: 0..<lines.count, using: &rng))
        case .randomBytes:
            var scalars = Array(text.unicodeScalars)
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let scalar = Unicode.Scalar(UInt32.random(in: 0...0x7F, using: &rng)) ?? "?"
                scalars.insert(
                    Bool.random(using: &rng) ? scalar : "\u{FFFD}", at: Int.random(in: 0...scalars.count, using: &rng))
            }
            return String(scalars.map(Character.init))
        case .swapLines:
            lines.swapAt(Int.random(in: 0..<lines.count, using: &rng), Int.random(in: 0..<lines.count, using: &rng))
        case .renameKey:
            let i = valueLines.randomElement(using: &rng)!
            lines[i] = "x" + lines[i]
        case .renameSection:
            let i = headers.randomElement(using: &rng)!
            lines[i] = ["[capex]", "[risk]", "[[capex]]", "[exogenous.rm]", "[horizon", "[[risk]]"].randomElement(
                using: &rng)!
        }
        return lines.joined(separator: "\n")
    }
}

extension Mutator {
    /// The reference configuration (MODEL.md section 4).
    public static let reference = try! String(contentsOfFile: Tool.modelmd, encoding: .utf8)
}
