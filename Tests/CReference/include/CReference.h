#ifndef LIQUIDITY_CREFERENCE_H
#define LIQUIDITY_CREFERENCE_H

#include <stddef.h>
#include "CModel.h"

/// Problems solved the same way from C and through Solvers.
typedef enum {
    CREF_LORENZ96 = 0,   // Lorenz-96, n = 26 (the model's size), F = 8
    CREF_VANDERPOL = 1,  // Van der Pol, mu = 1000 (scaled, eps = 1e-6), analytic Jacobian
    CREF_OSCILLATOR = 2  // harmonic oscillator, n = 2: the cheapest right-hand side
} cref_problem;

typedef struct {
    unsigned long steps;
    unsigned long rejected;
    unsigned long evaluations;
    unsigned long jacobians;
    int status;
} cref_stats;

/// Integrates `problem` from t0 to t1 with GSL's driver (y_new control:
/// atol + rtol |y|), landing on `nsave` equally spaced times after t0, the
/// usual direct use of gsl_odeiv2. `y` holds the initial state on entry and
/// the final state on return; `out` receives the state at t0 and at each of
/// the `nsave` times, (nsave + 1) * dimension values. `stepper` is a GSL name
/// ("rk8pd", "msbdf", ...).
int cref_solve(cref_problem problem, const char *stepper, double rtol, double atol, double h0,
               double t0, double t1, int nsave, double *y, size_t dimension, double *out,
               cref_stats *stats);

#endif
