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

/* Doolittle elimination with partial pivoting by the largest magnitude, row by
 * row in place (L below the diagonal with a unit diagonal, U on and above), the
 * row swaps recorded in p as GSL records them. */
int gsl_linalg_LU_decomp(gsl_matrix *A, gsl_permutation *p, int *signum) {
    const size_t n = A->size1;
    if (disabled || n != A->size2 || n > SMALL_LU_MAX || p->size != n) return gsl_decomp()(A, p, signum);
    factorisations++;
    double *a = A->data;
    const size_t tda = A->tda;
    gsl_permutation_init(p);
    *signum = 1;
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
            gsl_permutation_swap(p, j, pivot);
            *signum = -*signum;
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
    for (size_t i = 1; i < n; i++) {
        const double *ri = a + i * tda;
        double s = y[i];
        for (size_t k = 0; k < i; k++) s -= ri[k] * y[k];
        y[i] = s;
    }
    for (size_t i = n; i-- > 0;) {
        const double *ri = a + i * tda;
        double s = y[i];
        for (size_t k = i + 1; k < n; k++) s -= ri[k] * y[k];
        y[i] = s / ri[i];
    }
    for (size_t i = 0; i < n; i++) x->data[i * x->stride] = y[i];
    return GSL_SUCCESS;
}
