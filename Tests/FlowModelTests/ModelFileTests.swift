import Foundation
import Testing

@testable import FlowModel
@testable import Solvers

enum Models {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func text(_ name: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent("models/\(name)"), encoding: .utf8)
    }

    static func compile(_ name: String, _ settings: ModelSettings = ModelSettings()) throws -> CompiledModel {
        try compileModel(try text(name), file: "models/\(name)", settings: settings)
    }

    /// The value of `column` at the end of a tight solve.
    static func end(_ model: CompiledModel, _ columns: [String], stepper: Stepper = .rk8pd) throws -> [Double] {
        var options = SolverOptions(
            relativeTolerance: 1e-12, absoluteTolerance: .scalar(1e-12), saveAt: .times([model.t0, model.t1]))
        options.maxSteps = 1_000_000
        let (solution, series) = try model.run(stepper, options: options)
        #expect(solution.isSuccessful)
        return columns.map { name in series[model.columns.firstIndex { $0.name == name }!].last! }
    }

    /// A model text with one error in it, compiled; the diagnostics.
    static func diagnostics(_ text: String) -> [ModelDiagnostic] {
        do {
            let model = try compileModel(text, file: "m.sfc")
            return model.warnings
        } catch let error as ModelFileError {
            return error.diagnostics
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }
}

@Suite("Godley and Lavoie's models as files")
struct GodleyLavoieTests {
    /// SIM's steady state: Y* = G / theta, H* = (1 - alpha1) / alpha2 * YD*,
    /// with the book's parameters 100 and 80 (Godley and Lavoie 2007, chapter 3).
    @Test("SIM reaches the book's steady state, Y* = G / theta = 100 and H* = 80, to 1e-8")
    func sim() throws {
        let model = try Models.compile("gl-sim.sfc")
        #expect(model.stateNames == ["H_h", "H_s"])
        let end = try Models.end(model, ["Y", "H_h", "YD", "C_d", "T_d", "H_s"])
        let (alpha1, alpha2, theta, g) = (0.6, 0.4, 0.2, 20.0)
        let y = g / theta
        let yd = (1 - theta) * y
        for (value, expected) in zip(end, [y, (1 - alpha1) / alpha2 * yd, yd, yd, g, (1 - alpha1) / alpha2 * yd]) {
            #expect(abs(value - expected) <= 1e-8 * expected, "\(value) against \(expected)")
        }
        #expect(abs(end[0] - 100) < 1e-6 && abs(end[1] - 80) < 1e-6)
    }

    /// PC's steady state, from the model's own equations: V* = YD*, and
    /// theta Z = G + r B_h with Z = Y + r B_h, B_h = (lambda0 + lambda1 r - lambda2) YD,
    /// YD = (1 - theta) Z; with the book's parameters Y* = 106.486...
    @Test("PC reaches its steady state (Y* = 106.486, V* = 86.486) to 1e-8, and money held equals money issued")
    func pc() throws {
        let model = try Models.compile("gl-pc.sfc")
        let end = try Models.end(model, ["Y", "V", "YD", "B_h", "H_h", "H_s", "B_s"])
        let (theta, g, r, l0, l1, l2) = (0.2, 20.0, 0.025, 0.635, 5.0, 0.01)
        let k = l0 + l1 * r - l2
        let z = g / (theta - r * (1 - theta) * k)
        let yd = (1 - theta) * z
        let bh = k * yd
        let expected = [z - r * bh, yd, yd, bh, yd - bh]
        for (value, want) in zip(end.prefix(5), expected) {
            #expect(abs(value - want) <= 1e-8 * want, "\(value) against \(want)")
        }
        #expect(abs(end[0] - 106.486486) < 1e-5)
        #expect(abs(end[4] - end[5]) <= 1e-9 * end[4], "money held \(end[4]) against money issued \(end[5])")
        #expect(abs(end[6] - end[1]) <= 1e-9 * end[1], "bills issued track wealth")
    }

    @Test("the matrices balance at saved points along the solution, and the flow matrix is MODEL-style data")
    func matrices() throws {
        let model = try Models.compile("gl-pc.sfc")
        let solution = try solve(
            model.problem(), .msbdf,
            SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10), saveAt: .interval(25)))
        for k in 0..<solution.count {
            for matrix in model.matrixValues(at: solution.t[k], solution.state(k)) {
                let scale = max(1, matrix.values.flatMap { $0 }.map(abs).max()!)
                for (sum, target) in zip(matrix.rowSums, matrix.rowTargets) {
                    #expect(abs(sum - target) < 1e-8 * scale, "\(matrix.name)")
                }
                for sum in matrix.columnSums { #expect(abs(sum) < 1e-8 * scale, "\(matrix.name)") }
            }
        }
        let flows = model.matrixValues(at: 0, model.initialState)[0]
        #expect(
            flows.rowLabels == [
                "consumption", "government expenditure", "national income", "interest on bills",
                "central bank profits", "taxes", "change in money", "change in bills",
            ])
        #expect(flows.columns == ["H", "P", "G", "CB"])
    }

    @Test("a matrix's unit is the unit of the entries it solves; without one they have none")
    func matrixUnits() throws {
        let text = try Models.text("gl-sim.sfc")
        let plain = try compileModel(text, file: "models/gl-sim.sfc")
        let withUnits = try compileModel(
            text.replacingOccurrences(
                of: "matrix flows \"transactions-flow matrix\"",
                with: "matrix flows \"transactions-flow matrix\" unit \"$/yr\""
            )
            .replacingOccurrences(
                of: "matrix balance \"balance-sheet matrix\"",
                with: "matrix balance \"balance-sheet matrix\" unit \"$\""),
            file: "models/gl-sim.sfc")
        let solved = plain.columns.filter { $0.description.hasPrefix("solved from column") }
        #expect(!solved.isEmpty && solved.allSatisfy { $0.unit.isEmpty })
        for column in withUnits.columns where column.description.hasPrefix("solved from column") {
            #expect(column.unit == (column.description.hasSuffix("of flows") ? "$/yr" : "$"), "\(column.name)")
        }
        #expect(withUnits.columns.filter { $0.description.hasPrefix("solved from column") }.count == solved.count)
    }

    @Test("parameters from the settings replace the file's, and are checked against their range")
    func settings() throws {
        let model = try Models.compile("gl-sim.sfc", ModelSettings(parameters: ["G_d": 30]))
        let y = try Models.end(model, ["Y"])[0]
        #expect(abs(y - 150) < 1e-6)
        let error = #expect(throws: ModelFileError.self) {
            try Models.compile("gl-sim.sfc", ModelSettings(parameters: ["theta": 1.5]))
        }
        #expect(error?.diagnostics.map(\.message) == ["parameter theta = 1.5 is out of range; allowed: in (0, 1)"])
        let unknown = #expect(throws: ModelFileError.self) {
            try Models.compile("gl-sim.sfc", ModelSettings(parameters: ["thetta": 0.3]))
        }
        #expect(
            unknown?.diagnostics.map(\.message) == ["unknown parameter thetta in the settings; did you mean theta?"])
    }
}

@Suite("Checks at load")
struct ModelCheckTests {
    static let base = """
        model m
        horizon 0 to 10
        parameter a = 0.5 unit "1" "a rate"
        state x unit "$" "a stock"
          start = 1
          d/dt = -a * x
        """

    @Test(
        "every error names the file, line and column, the name and what is expected",
        arguments: [
            ("let y = a * xx", "m.sfc:7:13: error: unknown name xx; did you mean x?"),
            ("let y = exp(a, x)", "m.sfc:7:9: error: exp takes 1 argument (exp(x)); got 2"),
            ("let a = 2", "m.sfc:7:5: error: a is defined twice (first as a parameter at line 3)"),
            (
                "let y = z + 1\nlet z = y * a",
                "m.sfc:7:5: error: algebraic loop: y -> z -> y; solve it by hand or make one of them a state"
            ),
            (
                "let y = softplus(x)",
                """
                m.sfc:7:9: error: softplus takes 2 arguments (softplus(x, w) = w ln(1 + exp(x / w)), a smooth \
                max(x, 0) of width w); got 1
                """
            ),
            ("let y = x +", "m.sfc:7:12: error: expected a number, a name or '('; found end of line"),
            ("let y = p[crypto]", "m.sfc:7:9: error: unknown name p"),
            ("let t = 1", "m.sfc:7:5: error: t is a reserved word of the model language; choose another name"),
        ])
    func errors(_ line: String, _ expected: String) {
        let diagnostics = Models.diagnostics(Self.base + "\n" + line + "\n")
        #expect(diagnostics.first?.description == expected, "\(diagnostics)")
    }

    @Test("nested sums that would expand past a million terms are refused, not computed")
    func expansion() {
        let sums = String(repeating: "sum(k in big: ", count: 4) + "x" + String(repeating: ")", count: 4)
        let text =
            "model m\nset big = " + (1...40).map { "m\($0)" }.joined(separator: ", ")
            + "\nstate x\n  start = 1\n  d/dt = " + sums + "\n"
        let diagnostics = Models.diagnostics(text)
        #expect(
            diagnostics.map(\.description) == [
                "m.sfc:5:24: error: k is already bound; use another name in sum(k in big: ...)"
            ])
        let distinct = "sum(a in big: sum(b in big: sum(c in big: sum(d in big: x))))"
        let many = Models.diagnostics(
            "model m\nset big = " + (1...40).map { "m\($0)" }.joined(separator: ", ")
                + "\nstate x\n  start = 1\n  d/dt = " + distinct + "\n")
        #expect(
            many.map(\.description) == [
                "m.sfc:5:52: error: sums and softmaxes expand to more than 1000000 terms; nest fewer of them"
            ])
    }

    @Test("an unused parameter is a warning, not an error")
    func unused() throws {
        let model = try compileModel(Self.base + "\nparameter b = 1 unit \"1\" \"unused\"\n", file: "m.sfc")
        #expect(model.warnings.map(\.description) == ["m.sfc:7:11: warning: parameter b is never used"])
    }

    @Test("a matrix row that does not sum to zero is found before any solve")
    func leak() {
        let text =
            Self.base + """

                sectors A, B
                matrix flows columns A, B
                  "payment"  A: -a * x, B: a * x * 1.01
                  "change"   A: -?dxa, B: -?dxb
                end
                """
        // The payment leaks 1% of a x = 0.5: so does the change in x that the columns solve for.
        let diagnostics = Models.diagnostics(text).map(\.description)
        #expect(
            diagnostics == [
                """
                m.sfc:9:3: error: matrix flows: row \"payment\" sums to 0.005 at t = 0.0000 at the start; every \
                row must sum to zero (or to its target) at every state
                """,
                """
                m.sfc:10:3: error: matrix flows: row \"change\" sums to -0.005 at t = 0.0000 at the start; every \
                row must sum to zero (or to its target) at every state
                """,
            ])
    }

    @Test("index sets: per-member parameters and states, sums and softmax")
    func sets() throws {
        let text = """
            model s
            horizon 0 to 1
            set k "kinds" = a, b, c
            parameter w[k] = 1, 2, 3 unit "1" "weights"
            state q[j in k] unit "1" "quantities"
              start = w[j]
              d/dt = share[j] - q[j] / total
            let total = sum(j in k: q[j]) unit "1" "total"
            let share[j in k] = softmax(j in k: log(w[j])) unit "share" "share of each kind"
            """
        let model = try compileModel(text, file: "s.sfc")
        #expect(model.stateNames == ["q[a]", "q[b]", "q[c]"])
        #expect(model.initialState == [1, 2, 3])
        #expect(model.columns.map(\.name) == ["q_a", "q_b", "q_c", "total", "share_a", "share_b", "share_c"])
        let dydt = model.problem()
        var out = [Double](repeating: 0, count: 3)
        try model.initialState.withUnsafeBufferPointer { y in
            try out.withUnsafeMutableBufferPointer { try dydt.rightHandSide(0, y, $0) }
        }
        // softmax of log w is w / sum w, which is also q / total at the start: at rest.
        for value in out { #expect(abs(value) < 1e-15) }
    }
}

@Suite("The tutorials of docs/models.md")
struct TutorialTests {
    @Test(
        "docs/models.md's one-line change of the reverse-QE model compiles and moves crypto's end price as it says"
    )
    func oneEquation() throws {
        let original = try Models.text("reverse-qe.sfc")
        let edited = original.replacingOccurrences(of: "beta[j] * log(L / L0)", with: "beta[j] * (L - L0) / L0")
        #expect(edited != original)
        func crypto(_ text: String) throws -> Double {
            let model = try compileModel(text, file: "my-model.sfc")
            return try Models.end(model, ["p_crypto"], stepper: .msbdf)[0]
        }
        // The oracle: the SciPy port with the same edit (--liquidity linear), solved by DOP853 at 1e-11.
        let (log, linear) = (try crypto(original), try crypto(edited))
        let (scipyLog, scipyLinear) = (try Self.scipyCrypto("log"), try Self.scipyCrypto("linear"))
        #expect(abs(log - scipyLog) <= 1e-8 * scipyLog, "the file \(log), SciPy \(scipyLog)")
        #expect(abs(linear - scipyLinear) <= 1e-8 * scipyLinear, "the file \(linear), SciPy \(scipyLinear)")
        // The edit raises crypto's end price by a quarter: the linear response falls less as L drains.
        #expect(linear > 1.2 * log && linear < 1.3 * log)
    }

    /// Crypto's price at the end of the default path by the SciPy port.
    static func scipyCrypto(_ liquidity: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Models.root.appendingPathComponent("Tests/SciPyReference/model.py").path, "--rtol", "1e-11",
            "--liquidity", liquidity,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let csv = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0, "python3 Tests/SciPyReference/model.py exited \(process.terminationStatus)"
        )
        let header = csv.split(separator: "\n")[0].split(separator: ",")
        let last = try #require(csv.split(separator: "\n").last?.split(separator: ","))
        let column = try #require(header.firstIndex(of: "ln_p_crypto"))
        return Foundation.exp(try #require(Double(last[column])))
    }

    @Test("the SIM written in docs/models.md compiles, balances and reaches Y = 100")
    func readme() throws {
        let readme = try String(contentsOf: Models.root.appendingPathComponent("docs/models.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "```text\nmodel gl_sim"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let text = String(readme[readme.index(start.lowerBound, offsetBy: 8)..<end.lowerBound])
        let model = try compileModel(text, file: "docs/models.md")
        #expect(model.warnings.isEmpty, "\(model.warnings)")
        let y = try Models.end(model, ["Y"])[0]
        #expect(abs(y - 100) < 1e-8 * 100)
    }
}

@Suite("The exact Jacobian")
struct JacobianTests {
    /// Every function and operator of the language, in a model whose right-hand side reads them all.
    static let everything = """
        model every
        horizon 2025 to 2030
        set k = a, b
        parameter w = 0.3 unit "1" "width"
        parameter c[k] = 0.7, 1.3 unit "1" "weights"
        table rm unit "1/yr" "rate" = (2025, 0.04), (2027, 0.03), (2030, 0.035)
        state x unit "1" "x"
          start = 1.2
          d/dt = softplus(y - 1, w) - smax(x, z, w) + exp(-x) * log(1 + y) + sqrt(z) / (1 + x^2) \
        - rm * x + slope(rm) * t / 1000
        state y unit "1" "y"
          start = 0.8
          d/dt = smin(y, x, w) * logistic(z - x) - abs(x - 2 * y) + min(x, 0.5) + max(z, 1) + y^z \
        - sum(j in k: s[j] * c[j])
        state z unit "1" "z"
          start = 1.5
          d/dt = -x * y * z + rm(t - 1) * 10 + s[a] - s[b] + tanh(x - y) + sinh(0.1 * x) - cosh(0.1 * y) \
        + atan(z) + sin(x) * cos(y)
        let s[j in k] = softmax(j in k: c[j] * x - y) unit "share" "shares"
        """

    /// Central differences of the right-hand side, step 1e-6 relative.
    static func numerical(_ problem: ODEProblem, _ t: Double, _ y: [Double]) throws -> (dfdy: [Double], dfdt: [Double])
    {
        let n = y.count
        func f(_ t: Double, _ y: [Double]) throws -> [Double] {
            var out = [Double](repeating: 0, count: n)
            try y.withUnsafeBufferPointer { a in
                try out.withUnsafeMutableBufferPointer { try problem.rightHandSide(t, a, $0) }
            }
            return out
        }
        var dfdy = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            let h = 1e-6 * max(1, abs(y[j]))
            var up = y
            var down = y
            up[j] += h
            down[j] -= h
            let a = try f(t, up)
            let b = try f(t, down)
            for i in 0..<n { dfdy[i * n + j] = (a[i] - b[i]) / (2 * h) }
        }
        let a = try f(t + 1e-6, y)
        let b = try f(t - 1e-6, y)
        return (dfdy, (0..<n).map { (a[$0] - b[$0]) / 2e-6 })
    }

    @Test(
        "the tape's forward-mode Jacobian matches central differences for every function",
        arguments: [
            (2025.5, [1.2, 0.8, 1.5]), (2026.3, [0.4, 1.7, 0.9]), (2028.9, [2.5, 0.3, 2.2]),
        ])
    func everyFunction(_ t: Double, _ y: [Double]) throws {
        // A parameter with a ramp (2026 to 2027.5) and one with a step (2027): the time derivative sees the ramp.
        let changes = [
            ModelSettings.Change(parameter: "w", value: 0.5, start: 2026, rampYears: 1.5),
            .init(parameter: "c[a]", value: 0.9, start: 2027),
        ]
        let model = try compileModel(Self.everything, file: "every.sfc", settings: ModelSettings(changes: changes))
        #expect(model.tstops == [2026, 2027, 2027.5])
        let problem = model.problem()
        let n = y.count
        var dfdy = [Double](repeating: 0, count: n * n)
        var dfdt = [Double](repeating: 0, count: n)
        try y.withUnsafeBufferPointer { a in
            try dfdy.withUnsafeMutableBufferPointer { j in
                try dfdt.withUnsafeMutableBufferPointer { try problem.jacobian!(t, a, j, $0) }
            }
        }
        let (numericalY, numericalT) = try Self.numerical(problem, t, y)
        for (exact, approximate) in zip(dfdy + dfdt, numericalY + numericalT) {
            #expect(abs(exact - approximate) <= 1e-6 * max(1, abs(exact)), "\(exact) against \(approximate)")
        }
    }

    @Test("msbdf with the exact Jacobian reaches PC's steady state in fewer evaluations than with finite differences")
    func pcWithJacobian() throws {
        let model = try Models.compile("gl-pc.sfc")
        var options = SolverOptions(
            relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10), saveAt: .times([0, 400]))
        options.maxSteps = 100_000
        let exact = try solve(model.problem(), .msbdf, options)
        let differences = try solve(model.problem(exactJacobian: false), .msbdf, options)
        #expect(exact.isSuccessful && differences.isSuccessful)
        #expect(abs(exact.state(1)[0] - differences.state(1)[0]) < 1e-7 * exact.state(1)[0])
        #expect(exact.statistics.functionEvaluations < differences.statistics.functionEvaluations)
    }
}

@Suite("LP: long-term bonds and capital gains")
struct LiquidityPreferenceTests {
    /// The steady state from the model's own equations: V* = YD*, the budget
    /// balanced (theta Z = G + r B_h + BL_h with Z = Y + r B_h + BL_h), the
    /// portfolio shares at YD / V = 1 and the bond yield 1 / pbL.
    static func steadyState(pbL: Double) -> (y: Double, v: Double, bonds: Double) {
        let (theta, g, r) = (0.1938, 20.0, 0.03)
        let bills = 0.44196 + 1.1 * r - 1 * (1 / pbL) - 0.03
        let bonds = 0.3997 - 1 * r + 1.1 * (1 / pbL) - 0.03
        let income = r * bills + bonds / pbL  // interest and coupons per unit of wealth
        let z = g / (theta - income * (1 - theta))
        let v = (1 - theta) * z
        return (z - income * v, v, bonds * v / pbL)
    }

    @Test("LP reaches its steady state (Y* = 115.784 with pbL = 20) to 1e-8")
    func steady() throws {
        let model = try Models.compile("gl-lp.sfc")
        let end = try Models.end(model, ["Y", "V", "BL_h", "H_h", "H_s"], stepper: .msbdf)
        let expected = Self.steadyState(pbL: 20)
        for (value, want) in zip(end.prefix(3), [expected.y, expected.v, expected.bonds]) {
            #expect(abs(value - want) <= 1e-8 * want, "\(value) against \(want)")
        }
        #expect(abs(end[0] - 115.784) < 1e-3)
        #expect(abs(end[3] - end[4]) <= 1e-9 * end[3], "money held \(end[3]) against money issued \(end[4])")
    }

    @Test(
        """
        a rise in the bond price gives capital gains outside the flow matrix, and money held still equals money \
        issued
        """
    )
    func capitalGains() throws {
        // pbL from 20 to 25 over year 300: the yield falls from 5% to 4%.
        var settings = ModelSettings(end: 700)
        settings.tables["pbL"] = [(0, 20), (300, 20), (301, 25), (1000, 25)]
        let model = try Models.compile("gl-lp.sfc", settings)
        var options = SolverOptions(relativeTolerance: 1e-12, absoluteTolerance: .scalar(1e-12), saveAt: .interval(1))
        options.maxSteps = 1_000_000
        let (solution, series) = try model.run(.msbdf, options: options)
        #expect(solution.isSuccessful)
        func column(_ name: String) -> [Double] { series[model.columns.firstIndex { $0.name == name }!] }
        let gains = column("CG")
        let bonds = column("BL_h")
        let held = column("H_h")
        let issued = column("H_s")
        // The gains flow only while the price moves, at 5 a year times the bonds held.
        #expect(gains[299] == 0 && gains[302] == 0)
        #expect(abs(gains[300] - 5 * bonds[300]) < 1e-9 * gains[300])
        for k in held.indices { #expect(abs(held[k] - issued[k]) <= 1e-8 * max(held[k], 1), "t = \(solution.t[k])") }
        let expected = Self.steadyState(pbL: 25)
        #expect(abs(column("Y").last! - expected.y) <= 1e-8 * expected.y, "\(column("Y").last!) against \(expected.y)")
    }
}
