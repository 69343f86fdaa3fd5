import Experiments
import FlowModel
import Foundation
import Solvers

/// JSON as every file of the tool writes it: pretty-printed, keys sorted, slashes unescaped.
public enum JSON {
    public static func text(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
