import Foundation
import Testing

@testable import FlowModel

/// Sizes a file controls are bounded before any work, each refusal naming the place and the
/// limit: what had overflowed the stack (deep expressions) or the memory (huge sets, states);
/// and files the reader had accepted though they make no model (line 0: the whole file).
@Suite("Limits on what a model file may ask for")
struct LimitTests {
    static func diagnostics(_ text: String) -> [String] {
        do {
            _ = try compileModel(text, file: "m.sfc")
            return []
        } catch let error as ModelFileError {
            return error.diagnostics.map { "\($0.location.line):\($0.location.column): \($0.message)" }
        } catch {
            return ["\(error)"]
        }
    }

    static let head = "model m\nhorizon 0 to 1\nparameter a = 1\nstate x\n  start = 1\n"
    static let tooDeep =
        "this expression nests more than 256 levels deep (parentheses, signs, powers and chained terms each count "
        + "one); split it into let definitions"

    static let deep: [(String, Int)] = [
        (String(repeating: "(", count: 20_000) + "a" + String(repeating: ")", count: 20_000), 10 + 256),
        (String(repeating: "-", count: 100_000) + "a", 10 + 256),
        (Array(repeating: "a", count: 200_000).joined(separator: " + "), 10 + 4 * 256),
    ]

    @Test(
        "20,000 nested parentheses, 100,000 signs and a sum of 200,000 terms are refused at the 257th level",
        arguments: Self.deep)
    func deepExpressions(_ expression: String, _ column: Int) {
        #expect(Self.diagnostics(Self.head + "  d/dt = " + expression + "\n") == ["6:\(column): \(Self.tooDeep)"])
    }

    @Test("an expression 256 levels deep still reads")
    func atTheLimit() {
        let expression = String(repeating: "(", count: 254) + "-a" + String(repeating: ")", count: 254)
        #expect(Self.diagnostics(Self.head + "  d/dt = " + expression + "\n") == [])
    }

    @Test("a set of more than 10,000 members and a model of more than 5,000 states are refused, named")
    func sizes() {
        let members = (0..<200_000).map { "m\($0)" }.joined(separator: ", ")
        #expect(
            Self.diagnostics(
                "model m\nhorizon 0 to 1\nset S = \(members)\nstate x[i in S]\n  start = 1\n  d/dt = -x[i]\n")
                == [
                    "3:1: set S has 200000 members; the limit is 10000",
                    """
                    4:7: the model has more than 5000 state variables (x brings it to 200000); its Jacobian and \
                    iteration matrix take 8 n^2 bytes each
                    """,
                ])
        let a = (0..<3_000).map { "a\($0)" }.joined(separator: ", ")
        let b = (0..<3_000).map { "b\($0)" }.joined(separator: ", ")
        let states = """
            model m
            horizon 0 to 1
            set S = \(a)
            set T = \(b)
            state x[i in S]
              start = 1
              d/dt = -x[i]
            state y[j in T]
              start = 1
              d/dt = -y[j]

            """
        #expect(
            Self.diagnostics(states) == [
                """
                8:7: the model has more than 5000 state variables (y brings it to 6000); its Jacobian and iteration \
                matrix take 8 n^2 bytes each
                """
            ])
    }

    static let body = "state x\n  start = 1\n  d/dt = -x\n"
    static let refused: [(String, String)] = [
        ("", "0:0: the model has no state variable: declare one with 'state NAME' and its 'start' and 'd/dt' lines"),
        (
            "# only a comment\n",
            "0:0: the model has no state variable: declare one with 'state NAME' and its 'start' and 'd/dt' lines"
        ),
        (
            "model m\nhorizon 0 to 1 step 0\n" + body,
            "2:21: the save step must be a positive number of time units; got 0.0"
        ),
        (
            "model m\nhorizon 0 to 1 step -1\n" + body,
            "2:21: the save step must be a positive number of time units; got -1.0"
        ),
        (
            "model m\nhorizon 0 to 300 step 1e-320\n" + body,
            "2:23: the save step 1e-320 saves inf points over the horizon; the limit is 1000000 (a larger step)"
        ),
        ("model m\nhorizon 0 to 1\nhorizon 0 to 2\n" + body, "3:1: a second 'horizon' line: a file has one horizon"),
        ("model m\nmodel n\nhorizon 0 to 1\n" + body, "2:1: a second 'model' line: a file holds one model"),
        (
            "model m\nhorizon 0 to 1\nstate x\n  start = 1\n  d/dt = -x \\\n# nothing follows\n",
            "5:13: '\\' continues the line, but the file ends after it"
        ),
    ]

    @Test(
        """
        an empty file, a step that is not positive or saves too many points, two horizons or models and a last line \
        continued are refused
        """,
        arguments: Self.refused)
    func refusedFiles(_ text: String, _ expected: String) {
        #expect(Self.diagnostics(text) == [expected])
    }
}
