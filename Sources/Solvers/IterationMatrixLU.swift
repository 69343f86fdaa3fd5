import SmallLU

/// The factorisation of the iteration matrix of GSL's implicit steppers
/// (msbdf, bsimp, rk1imp, rk2imp, rk4imp).
///
/// GSL factorises that matrix with its general LU (`gsl_linalg_LU_decomp`,
/// recursive and blocked for large matrices), which costs most of a stiff
/// solve of a model of some tens of states. The `SmallLU` target defines
/// `gsl_linalg_LU_decomp` and `gsl_linalg_LU_solve` itself: libgsl calls them
/// through its procedure linkage table, so a program linking this package
/// interposes them on GSL's own calls, and GSL's steppers run unchanged with a
/// plain Doolittle elimination with partial pivoting (the same pivots) for
/// matrices up to 128 rows, in AVX2 where the processor has it (four lanes,
/// masked at the row ends) and in plain C elsewhere, with the same bits. Larger matrices, and every call while
/// ``isEnabled`` is false, go to GSL's own functions.
public enum IterationMatrixLU {
    /// Whether the small LU does the work on the calling thread (true by default); false hands
    /// the thread's calls to GSL's. Per thread, so that one solve can compare without touching others.
    public static var isEnabled: Bool {
        get { small_lu_enabled() != 0 }
        set { small_lu_set_enabled(newValue ? 1 : 0) }
    }

    /// Whether the small LU runs its plain C kernels on the calling thread even where its AVX2
    /// ones would run (false by default). Both give the same bits; tests switch it to check that.
    public static var isPortable: Bool {
        get { small_lu_portable() != 0 }
        set { small_lu_set_portable(newValue ? 1 : 0) }
    }

    /// Whether the calling thread's factorisations and solves run the AVX2 kernels.
    public static var usesAVX2: Bool { small_lu_uses_avx2() != 0 }

    /// Factorisations made by the small LU on the calling thread since it started.
    public static var factorisations: Int { small_lu_factorisations() }
}
