#define _GNU_SOURCE
#include "small_lu.h"

#include <dlfcn.h>
#include <math.h>
#include <stdatomic.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>

/* Per thread, so that switching it off or counting in one solve leaves the others alone. */
static _Thread_local int disabled = 0;
static _Thread_local long factorisations = 0;

void small_lu_set_enabled(int on) { disabled = on ? 0 : 1; }
int small_lu_enabled(void) { return !disabled; }
long small_lu_factorisations(void) { return factorisations; }

typedef int (*decomp_fn)(gsl_matrix *, gsl_permutation *, int *);
typedef int (*solve_fn)(const gsl_matrix *, const gsl_permutation *, const gsl_vector *, gsl_vector *);

static decomp_fn gsl_decomp(void) {
    static _Atomic(decomp_fn) f = NULL;
    decomp_fn g = atomic_load(&f);
    if (!g) { g = (decomp_fn)dlsym(RTLD_NEXT, "gsl_linalg_LU_decomp"); atomic_store(&f, g); }
    return g;
}

static solve_fn gsl_solve(void) {
    static _Atomic(solve_fn) f = NULL;
    solve_fn g = atomic_load(&f);
    if (!g) { g = (solve_fn)dlsym(RTLD_NEXT, "gsl_linalg_LU_solve"); atomic_store(&f, g); }
    return g;
}

/* Each product is rounded before it is subtracted, as in GSL's own LU: no
 * contraction into fused multiply-adds, on any processor. */
#pragma STDC FP_CONTRACT OFF

/* The loops run as AVX2 where the processor has it (chosen once, at load), else
 * as SSE2. */
#if defined(__x86_64__) && defined(__clang__)
#define SMALL_LU_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SMALL_LU_CLONES
#endif

/* Doolittle elimination with partial pivoting by the largest magnitude, row by
 * row in place (L below the diagonal with a unit diagonal, U on and above), the
 * row swaps recorded in perm as GSL records them; returns the sign. */
SMALL_LU_CLONES
static int eliminate(double *restrict a, size_t n, size_t tda, size_t *restrict perm) {
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
            if (l != 0.0) for (size_t k = j + 1; k < n; k++) ri[k] -= l * rj[k];
        }
    }
    return signum;
}

int gsl_linalg_LU_decomp(gsl_matrix *A, gsl_permutation *p, int *signum) {
    const size_t n = A->size1;
    if (disabled || n != A->size2 || n > SMALL_LU_MAX || p->size != n) return gsl_decomp()(A, p, signum);
    factorisations++;
    *signum = eliminate(A->data, n, A->tda, p->data);
    return GSL_SUCCESS;
}

/* The dot product of x and y over [from, to), in four running sums (so it vectorises). */
static inline double dot(const double *restrict x, const double *restrict y, size_t from, size_t to) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t k = from;
    for (; k + 4 <= to; k += 4) {
        s0 += x[k] * y[k];
        s1 += x[k + 1] * y[k + 1];
        s2 += x[k + 2] * y[k + 2];
        s3 += x[k + 3] * y[k + 3];
    }
    for (; k < to; k++) s0 += x[k] * y[k];
    return (s0 + s1) + (s2 + s3);
}

/* Forward and back substitution on y in place. */
SMALL_LU_CLONES
static void substitute(const double *restrict a, size_t n, size_t tda, double *restrict y) {
    for (size_t i = 1; i < n; i++) y[i] -= dot(a + i * tda, y, 0, i);
    for (size_t i = n; i-- > 0;) {
        const double *ri = a + i * tda;
        y[i] = (y[i] - dot(ri, y, i + 1, n)) / ri[i];
    }
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
