import FlowModel
import Foundation
import Solvers
import Testing

@testable import liquidity

/// A small, seeded generator: the same corpus on every machine.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Mutations of the reference configuration.
enum Mutator: CaseIterable {
    case truncate, retypeValue, extremeValue, duplicateLine, deleteLine, randomBytes, swapLines, renameKey, renameSection

    static let replacements = [
        "\"text\"", "[1, 2]", "{ a = 1 }", "true", "1979-05-27", "1e308", "-1e308", "1e400", "inf", "-inf", "nan",
        "0", "-1", "0.0", "1e-300", "99999999999999999999", "",
    ]

    func apply(_ text: String, _ rng: inout SplitMix64) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let valueLines = lines.indices.filter { lines[$0].contains(" = ") }
        let headers = lines.indices.filter { lines[$0].hasPrefix("[") }
        // Earlier mutations may have removed every line of a kind.
        if valueLines.isEmpty && [.retypeValue, .extremeValue, .duplicateLine, .renameKey].contains(self) { return text + "\n" }
        if headers.isEmpty && self == .renameSection { return text + "\n[capex]" }
        if text.isEmpty { return "x" }
        switch self {
        case .truncate:
            return String(text.prefix(Int.random(in: 0..<text.count, using: &rng)))
        case .retypeValue, .extremeValue:
            let i = valueLines.randomElement(using: &rng)!
            let key = lines[i].components(separatedBy: " = ")[0]
            let pool = self == .retypeValue ? Array(Self.replacements.prefix(5)) : Array(Self.replacements.dropFirst(5))
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
                scalars.insert(Bool.random(using: &rng) ? scalar : "\u{FFFD}", at: Int.random(in: 0...scalars.count, using: &rng))
            }
            return String(String.UnicodeScalarView(scalars))
        case .swapLines:
            lines.swapAt(Int.random(in: 0..<lines.count, using: &rng), Int.random(in: 0..<lines.count, using: &rng))
        case .renameKey:
            let i = valueLines.randomElement(using: &rng)!
            lines[i] = "x" + lines[i]
        case .renameSection:
            let i = headers.randomElement(using: &rng)!
            lines[i] = ["[capex]", "[risk]", "[[capex]]", "[exogenous.rm]", "[horizon", "[[risk]]"].randomElement(using: &rng)!
        }
        return lines.joined(separator: "\n")
    }
}

@Suite("Fuzzing the configuration reader", .serialized)
struct FuzzTests {
    static let reference = try! String(contentsOfFile: Tool.modelmd, encoding: .utf8)

    /// 3,000 mutated configurations through the reader: each is either a
    /// clear InputError naming the file, or parameters from which a valid
    /// model is built; the first 40 valid ones are also solved (with a step
    /// budget, so nothing can hang) and must end in a return code, never a trap.
    @Test("3,000 mutated configurations end in a clear error or a valid model")
    func inProcess() throws {
        var rng = SplitMix64(state: 20_251_121)
        var errors = 0, models = 0, solved = 0, solveFailures = 0
        for round in 0..<3_000 {
            var text = Self.reference
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                text = Mutator.allCases.randomElement(using: &rng)!.apply(text, &rng)
            }
            do {
                let parameters = try Configuration.parse(text, file: "fuzz.toml")
                let model = try ReverseQEModel(parameters: parameters)
                models += 1
                if solved < 40 {
                    var options = defaultModelOptions(for: model)
                    options.maxSteps = 20_000
                    let run = try model.run(.rk8pd, options: options)
                    solved += 1
                    if !run.solution.isSuccessful {
                        solveFailures += 1
                        #expect(run.solution.failure != nil)
                    }
                }
            } catch let error as InputError {
                errors += 1
                #expect(error.message.hasPrefix("fuzz.toml"), "round \(round): \(error.message)")
            } catch let error as ModelError {
                Issue.record("round \(round): a ModelError escaped the reader: \(error)")
            }
        }
        #expect(errors + models == 3_000)
        #expect(errors > 1_000 && models > 50, "errors \(errors), valid models \(models)")
        print("fuzz corpus: 3000 configurations; \(errors) clear input errors, \(models) valid models; \(solved) solved, \(solveFailures) ended in a solver return code")
    }

    /// Mutated files, raw bytes included, through the real executable.
    @Test("60 mutated files through the tool: exit 0, 2 or 3, never a crash or a partial file")
    func throughTheTool() throws {
        var rng = SplitMix64(state: 7)
        let dir = try Tool.scratch()
        var codes: [Int32: Int] = [:]
        for round in 0..<60 {
            var text = Self.reference
            for _ in 0..<Int.random(in: 1...2, using: &rng) {
                text = Mutator.allCases.randomElement(using: &rng)!.apply(text, &rng)
            }
            var data = Data(text.utf8)
            if round % 10 == 0 {
                data.insert(UInt8.random(in: 0x80...0xFF, using: &rng), at: Int.random(in: 0...data.count, using: &rng))
            }
            let path = dir.appendingPathComponent("c\(round).toml")
            try data.write(to: path)
            let out = "out\(round)"
            let result = try Tool.run(
                ["compare", "--config", path.path, "--regimes", "none", "--out", out, "--max-steps", "20000", "--quiet"], in: dir)
            codes[result.status, default: 0] += 1
            #expect([0, 2, 3].contains(result.status), "round \(round): exit \(result.status): \(result.stderr)")
            let files = Tool.files(dir.appendingPathComponent(out))
            #expect(!files.contains { $0.contains(".tmp-") }, "round \(round): partial file left")
            switch result.status {
            case 0: #expect(files == ["compare.csv", "manifest.json", "series_none.csv", "units.csv"])
            case 2:
                #expect(files == [], "round \(round): files written despite bad input")
                #expect(result.stderr.hasPrefix("error: \(path.path)"), "round \(round): \(result.stderr)")
            default: #expect(result.stderr.hasPrefix("error: none: the solver"))
            }
        }
        print("fuzz through the tool: exit codes \(codes.sorted { $0.key < $1.key })")
    }
}
