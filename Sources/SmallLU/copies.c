#define _GNU_SOURCE
#include "next_symbol.h"

#include <stdint.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>

/* Two of the helpers GSL's msbdf calls most on every step (about 1M
 * instructions of a 13M solve of the default path), interposed as the small LU
 * is: libgsl calls them through its procedure linkage table. GSL's reference
 * cblas_dcopy copies an element at a time with general strides, here memcpy
 * for unit strides (others go to it); gsl_matrix_scale, here a loop over
 * each row the compiler vectorises. Each result is exact either way (a copy;
 * one rounded product an element), so the bits are GSL's. */

typedef void (*dcopy_fn)(int, const double *, int, double *, int);

static dcopy_fn cblas_dcopy_next(void) {
    static _Atomic(void *) slot = NULL;
    return (dcopy_fn)next_symbol(&slot, "cblas_dcopy");
}

void cblas_dcopy(const int n, const double *x, const int incx, double *y, const int incy) {
    if (incx == 1 && incy == 1) {
        if (n <= 0) return;
        const uintptr_t from = (uintptr_t)x, to = (uintptr_t)y, bytes = (uintptr_t)n * sizeof(double);
        if (to < from + bytes && from < to + bytes) {
            for (int i = 0; i < n; i++) y[i] = x[i]; /* overlapping: forward, as the reference CBLAS copies */
        } else {
            memcpy(y, x, (size_t)n * sizeof(double));
        }
        return;
    }
    cblas_dcopy_next()(n, x, incx, y, incy);
}

int gsl_matrix_scale(gsl_matrix *a, const double x) {
    const size_t rows = a->size1, columns = a->size2, tda = a->tda;
    double *data = a->data;
    for (size_t i = 0; i < rows; i++) {
        double *row = data + i * tda;
        for (size_t j = 0; j < columns; j++) row[j] *= x;
    }
    return GSL_SUCCESS;
}
