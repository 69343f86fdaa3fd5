import CGSL
import Experiments
import Foundation
import Solvers
import TestSupport
import Testing

/// The small LU that takes over GSL's own LU calls (Sources/SmallLU).
@Suite("The iteration matrix's LU", .serialized)
struct IterationMatrixLUTests {
    /// Factorises and solves with whichever LU is switched on: x = A^-1 b,
    /// the row permutation and its sign.
    static func solveLinear(_ a: [[Double]], _ b: [Double]) -> (x: [Double], permutation: [Int], signum: Int32) {
        let n = a.count
        let m = gsl_matrix_alloc(n, n)!
        let p = gsl_permutation_alloc(n)!
        let bv = gsl_vector_alloc(n)!
        let xv = gsl_vector_alloc(n)!
        defer {
            gsl_matrix_free(m)
            gsl_permutation_free(p)
            gsl_vector_free(bv)
            gsl_vector_free(xv)
        }
        for i in 0..<n {
            for j in 0..<n { gsl_matrix_set(m, i, j, a[i][j]) }
            gsl_vector_set(bv, i, b[i])
        }
        var signum: Int32 = 0
        gsl_linalg_LU_decomp(m, p, &signum)
        gsl_linalg_LU_solve(m, p, bv, xv)
        return ((0..<n).map { gsl_vector_get(xv, $0) }, (0..<n).map { gsl_permutation_get(p, $0) }, signum)
    }

    /// The largest residual |A x - b| relative to |A| |x| (the backward error: about
    /// n times the unit roundoff for a stable factorisation, however ill-conditioned A is).
    static func backwardError(_ a: [[Double]], _ x: [Double], _ b: [Double]) -> Double {
        let norm = a.map { $0.map(abs).reduce(0, +) }.max()!
        let size = x.map(abs).max()!
        return zip(a, b).map { row, bi in abs(zip(row, x).map(*).reduce(0, +) - bi) }.max()! / (norm * size)
    }

    @Test(
        """
        it factorises and solves as GSL's own LU does: the same pivots, a backward error as small, and the same \
        solution to 1e-12 where the matrix is well conditioned
        """,
        arguments: [1, 2, 5, 26, 64, 128])
    func agreesWithGSL(_ n: Int) {
        var rng = SeededGenerator(seed: UInt64(n))  // seeded: a failing matrix can be made again
        for trial in 0..<10 {
            // Stiff-solver-like matrices I - h J with J of mixed scales: odd trials diagonally dominant
            // (well conditioned), even ones with entries up to 1e3 off the diagonal.
            let wide = trial % 2 == 0
            let a = (0..<n).map { i in
                (0..<n).map { j in
                    (i == j ? (wide ? 1.0 : 2.0 * Double(n)) : 0) + Double.random(in: -1...1, using: &rng)
                        * (wide ? pow(10, Double.random(in: -3...3, using: &rng)) : 1)
                }
            }
            let b = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
            let before = IterationMatrixLU.factorisations
            let small = Self.solveLinear(a, b)
            #expect(IterationMatrixLU.factorisations == before + 1, "the small LU is the one called")
            IterationMatrixLU.isEnabled = false
            let gsl = Self.solveLinear(a, b)
            IterationMatrixLU.isEnabled = true
            #expect(IterationMatrixLU.factorisations == before + 1, "switched off, GSL's LU is called")
            #expect(small.signum == gsl.signum)
            #expect(small.permutation == gsl.permutation)
            let (e, f) = (Self.backwardError(a, small.x, b), Self.backwardError(a, gsl.x, b))
            #expect(e <= 4 * f + Double(n) * 1e-16, "backward error \(e) against GSL's \(f)")
            if !wide {
                let scale = gsl.x.map(abs).max()!
                for (u, v) in zip(small.x, gsl.x) { #expect(abs(u - v) <= 1e-12 * scale) }
            }
        }
    }

    @Test(
        "its AVX2 and plain C kernels give the same pivots and the same bits in every solution",
        .enabled(if: Requirements.met(Requirements.cpuHasAVX2), "needs a processor with AVX2"),
        arguments: [1, 3, 4, 5, 26, 33, 128])
    func kernelsAgreeBitwise(_ n: Int) throws {
        try #require(Requirements.cpuHasAVX2, "needs a processor with AVX2")
        #expect(IterationMatrixLU.usesAVX2, "the processor has AVX2, so the fast run uses the AVX2 kernels")
        var rng = SeededGenerator(seed: 1000 + UInt64(n))
        for _ in 0..<5 {
            let a = (0..<n).map { _ in
                (0..<n).map { _ in
                    Double.random(in: -1...1, using: &rng) * pow(10, Double.random(in: -3...3, using: &rng))
                }
            }
            let b = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
            let fast = Self.solveLinear(a, b)
            IterationMatrixLU.isPortable = true
            #expect(!IterationMatrixLU.usesAVX2, "switched to the plain C kernels")
            let portable = Self.solveLinear(a, b)
            IterationMatrixLU.isPortable = false
            #expect(fast.permutation == portable.permutation)
            #expect(fast.signum == portable.signum)
            #expect(fast.x.map(\.bitPattern) == portable.x.map(\.bitPattern), "n = \(n)")
        }
    }

    @Test(
        """
        its copies of GSL's helpers give GSL's bits and touch nothing else: gsl_matrix_scale on a view, \
        cblas_dcopy at unit and other strides
        """
    )
    func helpersMatchGSL() {
        var rng = SeededGenerator(seed: 77)
        // A 3 x 4 view at (1, 2) of a 5 x 7 matrix: its rows are 7 apart.
        let m = gsl_matrix_alloc(5, 7)!
        defer { gsl_matrix_free(m) }
        var before = [[Double]]()
        for i in 0..<5 {
            before.append(
                (0..<7).map { _ in
                    Double.random(in: -1...1, using: &rng) * pow(10, Double.random(in: -5...5, using: &rng))
                })
            for j in 0..<7 { gsl_matrix_set(m, i, j, before[i][j]) }
        }
        let x = -0.37 * Double.pi
        var view = gsl_matrix_submatrix(m, 1, 2, 3, 4)
        #expect(gsl_matrix_scale(&view.matrix, x) == GSL_SUCCESS)
        for i in 0..<5 {
            for j in 0..<7 {
                let inside = (1..<4).contains(i) && (2..<6).contains(j)
                #expect(
                    gsl_matrix_get(m, i, j).bitPattern == (inside ? before[i][j] * x : before[i][j]).bitPattern,
                    "(\(i), \(j))")
            }
        }
        // Unit strides (the copy here) and a stride of 2 (GSL's own), through GSL's BLAS interface.
        for stride in [1, 2] {
            let source = gsl_vector_alloc(12)!
            let target = gsl_vector_alloc(12)!
            defer {
                gsl_vector_free(source)
                gsl_vector_free(target)
            }
            let values = (0..<12).map { _ in Double.random(in: -1...1, using: &rng) }
            for (k, v) in values.enumerated() {
                gsl_vector_set(source, k, v)
                gsl_vector_set(target, k, -9)
            }
            var from = gsl_vector_subvector_with_stride(source, 0, stride, 12 / stride)
            var to = gsl_vector_subvector_with_stride(target, 0, stride, 12 / stride)
            #expect(gsl_blas_dcopy(&from.vector, &to.vector) == GSL_SUCCESS)
            for k in 0..<12 {
                #expect(
                    gsl_vector_get(target, k).bitPattern == (k % stride == 0 ? values[k] : -9).bitPattern,
                    "stride \(stride), element \(k)")
            }
        }
    }

    /// A linear stiff system of 26 states with rates from 1 to 1e4 and a coupling.
    static let stiff = ODEProblem(initialState: (0..<26).map { 1 + Double($0) / 26 }, timeSpan: (0, 5)) { _, y, dydt in
        for i in 0..<26 {
            let rate = pow(10, 4 * Double(i) / 25)
            dydt[i] = -rate * y[i] + (i > 0 ? y[i - 1] : 0) + 0.5 * (i < 25 ? y[i + 1] : 0) + sin(Double(i))
        }
    }

    @Test(
        "GSL's implicit steppers use it, and their paths agree with GSL's own LU, in the same steps",
        arguments: [Stepper.msbdf, .bsimp, .rk2imp])
    func steppersUseIt(_ stepper: Stepper) throws {
        var options = SolverOptions(
            relativeTolerance: 1e-8, absoluteTolerance: .scalar(1e-10), saveAt: .times((0...20).map { Double($0) / 4 })
        )
        options.saveMode = .land
        let before = IterationMatrixLU.factorisations
        let small = try solve(Self.stiff, stepper, options)
        let factorised = IterationMatrixLU.factorisations - before
        #expect(factorised > 0, "\(stepper) factorised \(factorised) times with the small LU")
        IterationMatrixLU.isEnabled = false
        defer { IterationMatrixLU.isEnabled = true }
        let gsl = try solve(Self.stiff, stepper, options)
        #expect(IterationMatrixLU.factorisations - before == factorised)
        var worst = 0.0
        for k in 0..<gsl.count {
            for (u, v) in zip(small.state(k), gsl.state(k)) { worst = max(worst, abs(u - v) / max(abs(v), 1e-10)) }
        }
        // bsimp and rk2imp agree to 1e-12; msbdf's modified Newton iteration, which reuses the
        // factors over steps, carries the last-digit differences further (2e-11 at rtol 1e-8).
        #expect(worst <= (stepper == .msbdf ? 1e-10 : 1e-12), "\(stepper): largest relative difference \(worst)")
        #expect(small.statistics.steps == gsl.statistics.steps)
    }
}
