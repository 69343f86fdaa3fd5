#define _GNU_SOURCE
#include "small_lu.h"
#include "next_symbol.h"

#include <math.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>

/* Per thread, so that switching it off or counting in one solve leaves the others alone. */
static _Thread_local int disabled = 0;
static _Thread_local long factorisations = 0;
static _Thread_local int portable = 0;

void small_lu_set_enabled(int on) { disabled = on ? 0 : 1; }
void small_lu_set_portable(int on) { portable = on ? 1 : 0; }
int small_lu_portable(void) { return portable; }
int small_lu_enabled(void) { return !disabled; }
long small_lu_factorisations(void) { return factorisations; }

typedef int (*decomp_fn)(gsl_matrix *, gsl_permutation *, int *);
typedef int (*solve_fn)(const gsl_matrix *, const gsl_permutation *, const gsl_vector *, gsl_vector *);

static decomp_fn gsl_decomp(void) {
    static _Atomic(void *) slot = NULL;
    return (decomp_fn)next_symbol(&slot, "gsl_linalg_LU_decomp");
}

static solve_fn gsl_solve(void) {
    static _Atomic(void *) slot = NULL;
    return (solve_fn)next_symbol(&slot, "gsl_linalg_LU_solve");
}

/* Each product is rounded before it is subtracted, as in GSL's own LU: no
 * contraction into fused multiply-adds, on any processor. */
#pragma STDC FP_CONTRACT OFF

/* The kernels come twice: with AVX2 intrinsics (four lanes, masked at the ends,
 * so no scalar tails) where the processor has it, chosen at each call, and in
 * plain C elsewhere. Both add the same products in the same order, lane by
 * lane, so they give the same bits (small_lu_set_portable picks the plain C
 * ones, for tests that check it). */
#if defined(__x86_64__)
#include <immintrin.h>
#define SMALL_LU_X86 1
#define SMALL_LU_AVX2 __attribute__((target("avx2")))
static int have_avx2(void) { return !portable && __builtin_cpu_supports("avx2"); }
#endif

/* ri[k] -= l * rj[k] for k in [from, n): one row of the elimination. */
static inline void update(double *restrict ri, const double *restrict rj, double l, size_t from, size_t n) {
    for (size_t k = from; k < n; k++) ri[k] -= l * rj[k];
}

/* The dot product of x and y over [from, to) in four running sums: element k
 * goes to sum (k - from) mod 4; then (s0 + s1) + (s2 + s3). */
static inline double dot(const double *restrict x, const double *restrict y, size_t from, size_t to) {
    double s[4] = {0, 0, 0, 0};
    size_t k = from;
    for (; k + 4 <= to; k += 4)
        for (int lane = 0; lane < 4; lane++) s[lane] += x[k + lane] * y[k + lane];
    if (k < to)
        for (int lane = 0; lane < 4; lane++) s[lane] += k + lane < to ? x[k + lane] * y[k + lane] : 0.0;
    return (s[0] + s[1]) + (s[2] + s[3]);
}

#ifdef SMALL_LU_X86
/* Lanes on for a tail of 1, 2 or 3 elements. */
SMALL_LU_AVX2 static inline __m256i tail_mask(size_t count) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)count), _mm256_setr_epi64x(0, 1, 2, 3));
}

SMALL_LU_AVX2 static inline void update_avx2(double *restrict ri, const double *restrict rj, double l, size_t from, size_t n) {
    const __m256d vl = _mm256_set1_pd(l);
    size_t k = from;
    for (; k + 4 <= n; k += 4)
        _mm256_storeu_pd(ri + k, _mm256_sub_pd(_mm256_loadu_pd(ri + k), _mm256_mul_pd(vl, _mm256_loadu_pd(rj + k))));
    if (k < n) {
        const __m256i m = tail_mask(n - k);
        _mm256_maskstore_pd(ri + k, m, _mm256_sub_pd(_mm256_maskload_pd(ri + k, m), _mm256_mul_pd(vl, _mm256_maskload_pd(rj + k, m))));
    }
}

SMALL_LU_AVX2 static inline double dot_avx2(const double *restrict x, const double *restrict y, size_t from, size_t to) {
    __m256d s = _mm256_setzero_pd();
    size_t k = from;
    for (; k + 4 <= to; k += 4) s = _mm256_add_pd(s, _mm256_mul_pd(_mm256_loadu_pd(x + k), _mm256_loadu_pd(y + k)));
    if (k < to) {
        const __m256i m = tail_mask(to - k);
        s = _mm256_add_pd(s, _mm256_mul_pd(_mm256_maskload_pd(x + k, m), _mm256_maskload_pd(y + k, m)));
    }
    const __m128d pairs = _mm_hadd_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1)); /* (s0 + s1, s2 + s3) */
    return _mm_cvtsd_f64(_mm_add_sd(pairs, _mm_unpackhi_pd(pairs, pairs)));
}
#endif

typedef void (*update_fn)(double *restrict, const double *restrict, double, size_t, size_t);
typedef double (*dot_fn)(const double *restrict, const double *restrict, size_t, size_t);

/* Doolittle elimination with partial pivoting by the largest magnitude, row by
 * row in place (L below the diagonal with a unit diagonal, U on and above), the
 * row swaps recorded in perm as GSL records them; returns the sign. */
__attribute__((always_inline)) static inline int eliminate_with(update_fn row, double *restrict a, size_t n, size_t tda, size_t *restrict perm) {
    int signum = 1;
    for (size_t i = 0; i < n; i++) perm[i] = i;
    for (size_t j = 0; j < n; j++) {
        size_t pivot = j;
        double largest = fabs(a[j * tda + j]);
        for (size_t i = j + 1; i < n; i++) {
            double v = fabs(a[i * tda + j]);
            if (v > largest) { largest = v; pivot = i; }
        }
        if (pivot != j) {
            double *r = a + j * tda, *s = a + pivot * tda;
            for (size_t k = 0; k < n; k++) { double t = r[k]; r[k] = s[k]; s[k] = t; }
            size_t t = perm[j]; perm[j] = perm[pivot]; perm[pivot] = t;
            signum = -signum;
        }
        const double ajj = a[j * tda + j];
        if (ajj == 0.0) continue; /* singular: left for the solve to report, as GSL does */
        const double *rj = a + j * tda;
        for (size_t i = j + 1; i < n; i++) {
            double *ri = a + i * tda;
            const double l = ri[j] / ajj;
            ri[j] = l;
            if (l != 0.0) row(ri, rj, l, j + 1, n);
        }
    }
    return signum;
}

/* Forward and back substitution on y in place. */
__attribute__((always_inline)) static inline void substitute_with(dot_fn dot, const double *restrict a, size_t n, size_t tda, double *restrict y) {
    for (size_t i = 1; i < n; i++) y[i] -= dot(a + i * tda, y, 0, i);
    for (size_t i = n; i-- > 0;) {
        const double *ri = a + i * tda;
        y[i] = (y[i] - dot(ri, y, i + 1, n)) / ri[i];
    }
}

#ifdef SMALL_LU_X86
SMALL_LU_AVX2 static int eliminate_avx2(double *restrict a, size_t n, size_t tda, size_t *restrict perm) {
    return eliminate_with(update_avx2, a, n, tda, perm);
}

SMALL_LU_AVX2 static void substitute_avx2(const double *restrict a, size_t n, size_t tda, double *restrict y) {
    substitute_with(dot_avx2, a, n, tda, y);
}
#endif

int small_lu_uses_avx2(void) {
#ifdef SMALL_LU_X86
    return have_avx2();
#else
    return 0;
#endif
}

static int eliminate(double *restrict a, size_t n, size_t tda, size_t *restrict perm) {
#ifdef SMALL_LU_X86
    if (have_avx2()) return eliminate_avx2(a, n, tda, perm);
#endif
    return eliminate_with(update, a, n, tda, perm);
}

static void substitute(const double *restrict a, size_t n, size_t tda, double *restrict y) {
#ifdef SMALL_LU_X86
    if (have_avx2()) { substitute_avx2(a, n, tda, y); return; }
#endif
    substitute_with(dot, a, n, tda, y);
}

int gsl_linalg_LU_decomp(gsl_matrix *A, gsl_permutation *p, int *signum) {
    const size_t n = A->size1;
    if (disabled || n != A->size2 || n > SMALL_LU_MAX || p->size != n) return gsl_decomp()(A, p, signum);
    factorisations++;
    *signum = eliminate(A->data, n, A->tda, p->data);
    return GSL_SUCCESS;
}

/* x = A^-1 b from the factors: permute, then forward and back substitution. */
int gsl_linalg_LU_solve(const gsl_matrix *LU, const gsl_permutation *p, const gsl_vector *b, gsl_vector *x) {
    const size_t n = LU->size1;
    if (disabled || n != LU->size2 || n > SMALL_LU_MAX || p->size != n || b->size != n || x->size != n) return gsl_solve()(LU, p, b, x);
    const double *a = LU->data;
    const size_t tda = LU->tda;
    for (size_t i = 0; i < n; i++) if (a[i * tda + i] == 0.0) return gsl_solve()(LU, p, b, x); /* GSL's error for a singular matrix */
    double y[SMALL_LU_MAX];
    const size_t *perm = p->data;
    for (size_t i = 0; i < n; i++) y[i] = b->data[perm[i] * b->stride];
    substitute(a, n, tda, y);
    for (size_t i = 0; i < n; i++) x->data[i * x->stride] = y[i];
    return GSL_SUCCESS;
}
