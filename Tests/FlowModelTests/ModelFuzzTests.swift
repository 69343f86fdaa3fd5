import Foundation
import Testing

@testable import FlowModel

/// A seeded generator: the same corpus on every machine.
struct FuzzGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Fuzzing the model language", .serialized)
struct ModelFuzzTests {
    static let pieces = [
        "(", ")", "[", "]", ",", ":", "=", "?", "-", "+", "*", "/", "^", "\n", "\\\n", "\"", "#", "0", "1e309", "-1",
        "inf", "nan", "end", "let", "state", "d/dt", "start", "sum(", "softmax(", "j in", "[j in risk]", "matrix",
        "choice",
        "option", "stocks", "columns", "é", "\u{0}", "t", "t0", "x", "p[crypto]", "slope(", "taper(", "summary end",
        "observe",
    ]

    static func mutate(_ text: String, _ rng: inout FuzzGenerator) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !scalars.isEmpty else { break }
            let at = Int.random(in: 0..<scalars.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: scalars.removeSubrange(at..<min(scalars.count, at + Int.random(in: 1...20, using: &rng)))
            case 1: scalars.insert(contentsOf: pieces.randomElement(using: &rng)!.unicodeScalars, at: at)
            case 2:
                let other = Int.random(in: 0..<scalars.count, using: &rng)
                scalars.swapAt(at, other)
            default:
                let length = min(scalars.count - at, Int.random(in: 1...40, using: &rng))
                scalars.insert(
                    contentsOf: scalars[at..<(at + length)], at: Int.random(in: 0...scalars.count, using: &rng))
            }
        }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Mutated model files: each compiles, or fails with diagnostics that name
    /// the file and a line of it; none crashes or takes long.
    @Test("2,500 mutated model files end in a model or in located errors, never a crash or a hang")
    func mutations() throws {
        var rng = FuzzGenerator(state: 2026)
        var compiled = 0
        var refused = 0
        var slowest = 0.0
        for name in ["gl-sim.sfc", "gl-pc.sfc", "reverse-qe.sfc"] {
            let original = try Models.text(name)
            let lineCount = original.split(separator: "\n", omittingEmptySubsequences: false).count
            for round in 0..<(name == "reverse-qe.sfc" ? 500 : 1_000) {
                let text = Self.mutate(original, &rng)
                let start = Date()
                do {
                    _ = try compileModel(text, file: name)
                    compiled += 1
                } catch let error as ModelFileError {
                    refused += 1
                    #expect(!error.diagnostics.isEmpty, "\(name) round \(round): an error without a diagnostic")
                    for d in error.diagnostics {
                        #expect(
                            d.file == name && (d.location == .none || d.location.line <= lineCount + 50),
                            "\(name) round \(round): \(d)")
                    }
                }
                slowest = max(slowest, Date().timeIntervalSince(start))
            }
        }
        print(
            """
            model fuzz: \(compiled + refused) mutated files, \(compiled) compiled, \(refused) refused with \
            located errors; slowest \(String(format: "%.3f", slowest)) s
            """
        )
        #expect(refused > 1_500)
        // Both outcomes occur: the mutations reach the compiler as well as the checks.
        #expect(compiled > 100)
    }
}
