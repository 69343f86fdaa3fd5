#ifndef LIQUIDITY_SMALL_LU_H
#define LIQUIDITY_SMALL_LU_H

/* A small dense LU with partial pivoting in place of GSL's for the iteration
 * matrices of its implicit steppers (msbdf, bsimp, rk*imp). It defines
 * gsl_linalg_LU_decomp and gsl_linalg_LU_solve, which libgsl calls through its
 * procedure linkage table, so a program linked with this object interposes
 * them on GSL's own calls; for a matrix larger than SMALL_LU_MAX, or while it
 * is switched off, it calls GSL's (found with dlsym(RTLD_NEXT, ...)).
 * copies.c interposes two of msbdf's helpers the same way: cblas_dcopy for unit
 * strides and gsl_matrix_scale, with the same bits as GSL's. */

#define SMALL_LU_MAX 128

/* On the calling thread: 1 (the default), the small LU factorises and solves; 0, GSL's does. */
void small_lu_set_enabled(int enabled);
int small_lu_enabled(void);

/* On the calling thread: 1, the plain C kernels even where AVX2 ones would run; 0 (the default), the fastest. */
void small_lu_set_portable(int portable);
int small_lu_portable(void);

/* 1 where the calling thread's factorisations and solves run the AVX2 kernels. */
int small_lu_uses_avx2(void);

/* Factorisations made by the small LU on the calling thread since it started. */
long small_lu_factorisations(void);

#endif
