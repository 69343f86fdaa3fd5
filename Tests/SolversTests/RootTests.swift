import Foundation
import Solvers
import Testing

@Suite("Square systems (gsl_multiroot)")
struct RootTests {
    /// GSL's manual example: Rosenbrock's system 1 - x = 0, 10 (y - x^2) = 0, root (1, 1), from (-10, -5).
    static func rosenbrock(exact: Bool) -> RootProblem {
        let jacobian: @Sendable ([Double], inout [Double]) throws -> Void = { x, j in
            j[0] = -1
            j[1] = 0
            j[2] = -20 * x[0]
            j[3] = 10
        }
        return RootProblem(
            initial: [-10, -5],
            residuals: { x, f in
                f[0] = 1 - x[0]
                f[1] = 10 * (x[1] - x[0] * x[0])
            },
            jacobian: exact ? jacobian : nil)
    }

    @Test("finds Rosenbrock's root with hybrids, hybridsj and newton", arguments: RootMethod.allCases)
    func rosenbrock(_ method: RootMethod) throws {
        var options = RootOptions()
        options.method = method
        options.tolerance = [1e-12]
        let solution = try findRoot(Self.rosenbrock(exact: method != .hybrids), options)
        // f's first row is exact at x = 1, the second then says 10 (y - 1): |y - 1| <= 1e-13.
        #expect(abs(solution.x[0] - 1) <= 1e-12 && abs(solution.x[1] - 1) <= 1e-13, "\(solution.x)")
        #expect(solution.residuals.allSatisfy { abs($0) <= 1e-12 })
        #expect(solution.iterations > 0)
    }

    @Test("a start that is already a root takes no iteration")
    func atRoot() throws {
        var problem = Self.rosenbrock(exact: false)
        problem.initial = [1, 1]
        let solution = try findRoot(problem)
        #expect(solution.iterations == 0 && solution.x == [1, 1])
    }

    @Test("a system without a root ends with notConverged and its last residuals; a throw stops it")
    func failures() throws {
        let none = RootProblem(initial: [1]) { x, f in f[0] = x[0] * x[0] + 1 }
        var options = RootOptions()
        options.maxIterations = 50
        do {
            _ = try findRoot(none, options)
            Issue.record("x^2 + 1 = 0 has no real root")
        } catch let RootError.notConverged(_, _, residuals) {
            #expect(residuals[0] >= 1)
        }
        struct Refused: Error {}
        let failing = RootProblem(initial: [1]) { x, f in
            if x[0] != 1 { throw Refused() }
            f[0] = 1
        }
        #expect(throws: RootError.residualsFailed("Refused()")) { try findRoot(failing) }
        let infinite = RootProblem(initial: [0]) { _, f in f[0] = .infinity }
        #expect(throws: RootError.nonFinite(x: [0])) { try findRoot(infinite) }
    }
}
