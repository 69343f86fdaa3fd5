#ifndef LIQUIDITY_CMODEL_H
#define LIQUIDITY_CMODEL_H

#include <stddef.h>

/// The default model of MODEL.md (four risk classes, section 4's parameters)
/// written a second time in plain C, solved with gsl_odeiv2 directly: the
/// baseline of the benchmarks, and an independent check of the Swift model.
///
/// Solves from 2025.0 to `t1`, landing on every knot of the exogenous tables
/// and on the monthly grid 2025 + k/12, and writes the state at the grid
/// points into `out` (26 values a point, the Swift model's order). `regime`:
/// 0 none, 1 reserves, 2 buyer, 3 share. `stepper` is a GSL name. Returns the
/// number of saved points, or -1 on failure; `steps` and `evaluations` receive
/// the work done.
int cmodel_solve(int regime, const char *stepper, double rtol, double atol, double t1,
                 double *out, size_t capacity, unsigned long *steps, unsigned long *evaluations);

/// The pieces a second integrator (the CVODE peer) needs: the state's size, the
/// initial state and the t0 intercepts (returned, to be freed with free()), the
/// right-hand side (0, or -1 for a non-finite value), the evaluations made, and
/// the times to land on up to `t1` with whether each is on the monthly grid.
int cmodel_dimension(void);
void *cmodel_prepare(int regime, double y[]);
int cmodel_rhs(double t, const double y[], double dydt[], void *params);
unsigned long cmodel_evaluations(void *params);
int cmodel_targets(double t1, double *targets, int *on_grid);
/// The knots of the exogenous tables inside (t0, t1), ascending: the kinks of the
/// right-hand side, where an integrator that interpolates its saves still stops.
int cmodel_knots(double t1, double *knots);

#endif
