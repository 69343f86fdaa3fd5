#ifndef LIQUIDITY_CVODE_PEER_H
#define LIQUIDITY_CVODE_PEER_H

#include <stddef.h>

/// How the peer meets the monthly save grid.
typedef enum {
    /// As CVODE's users run it: stop times only at the tables' knots (the kinks of the
    /// right-hand side), and each month from CVode in CV_NORMAL mode, which steps past it and
    /// returns CVODE's own interpolation there (CVodeGetDky).
    CVODE_PEER_INTERPOLATE = 0,
    /// A stop time at every month and every knot, as cmodel_solve lands with GSL's driver.
    CVODE_PEER_LAND = 1
} cvode_peer_saves;

/// An exact Jacobian from the caller: writes df_i/dy_j into jacobian[i * n + j] (row major);
/// returns 0, or non-zero for a failure.
typedef int (*cvode_peer_jacobian)(double t, const double *y, double *jacobian, void *context);

/// The work of one solve, as CVODE counts it: accepted steps, right-hand side evaluations
/// (those of its difference-quotient Jacobians included) and Jacobian evaluations.
typedef struct {
    unsigned long steps;
    unsigned long evaluations;
    unsigned long jacobians;
} cvode_peer_stats;

/// MODEL.md's default model in plain C (Tests/CReference/CModel.c), solved with SUNDIALS
/// CVODE (BDF, Newton iteration with its dense direct solver), every option at CVODE's
/// default but the linear solver, the tolerances and the step budget. The Jacobian is
/// CVODE's difference quotient, or `jacobian` when given. Writes the state on the monthly
/// grid into `out` (26 values a point) and returns the number of saved points, or -1.
int cvode_model_solve(int regime, double rtol, double atol, double t1, cvode_peer_saves saves,
                      cvode_peer_jacobian jacobian, void *context, double *out, size_t capacity,
                      cvode_peer_stats *stats);

#endif
