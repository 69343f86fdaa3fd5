#include "CReference.h"
#include "steps.h"

#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

typedef struct {
    unsigned long evaluations;
    unsigned long jacobians;
} counters;

static int lorenz96(double t, const double y[], double dydt[], void *params) {
    (void)t;
    counters *c = params;
    c->evaluations++;
    const int n = 26;
    dydt[0] = (y[1] - y[n - 2]) * y[n - 1] - y[0] + 8.0;
    dydt[1] = (y[2] - y[n - 1]) * y[0] - y[1] + 8.0;
    for (int i = 2; i < n - 1; i++) dydt[i] = (y[i + 1] - y[i - 2]) * y[i - 1] - y[i] + 8.0;
    dydt[n - 1] = (y[0] - y[n - 3]) * y[n - 2] - y[n - 1] + 8.0;
    return GSL_SUCCESS;
}

static int vanderpol(double t, const double y[], double dydt[], void *params) {
    (void)t;
    counters *c = params;
    c->evaluations++;
    dydt[0] = y[1];
    dydt[1] = ((1 - y[0] * y[0]) * y[1] - y[0]) / 1e-6;
    return GSL_SUCCESS;
}

static int vanderpol_jacobian(double t, const double y[], double *dfdy, double dfdt[], void *params) {
    (void)t;
    counters *c = params;
    c->jacobians++;
    dfdy[0] = 0;
    dfdy[1] = 1;
    dfdy[2] = (-2 * y[0] * y[1] - 1) / 1e-6;
    dfdy[3] = (1 - y[0] * y[0]) / 1e-6;
    dfdt[0] = 0;
    dfdt[1] = 0;
    return GSL_SUCCESS;
}

static int oscillator(double t, const double y[], double dydt[], void *params) {
    (void)t;
    counters *c = params;
    c->evaluations++;
    dydt[0] = y[1];
    dydt[1] = -4 * y[0];
    return GSL_SUCCESS;
}

const gsl_odeiv2_step_type *cref_step_type(const char *name) {
    if (!strcmp(name, "rk2")) return gsl_odeiv2_step_rk2;
    if (!strcmp(name, "rk4")) return gsl_odeiv2_step_rk4;
    if (!strcmp(name, "rkf45")) return gsl_odeiv2_step_rkf45;
    if (!strcmp(name, "rkck")) return gsl_odeiv2_step_rkck;
    if (!strcmp(name, "rk8pd")) return gsl_odeiv2_step_rk8pd;
    if (!strcmp(name, "rk1imp")) return gsl_odeiv2_step_rk1imp;
    if (!strcmp(name, "rk2imp")) return gsl_odeiv2_step_rk2imp;
    if (!strcmp(name, "rk4imp")) return gsl_odeiv2_step_rk4imp;
    if (!strcmp(name, "bsimp")) return gsl_odeiv2_step_bsimp;
    if (!strcmp(name, "msadams")) return gsl_odeiv2_step_msadams;
    if (!strcmp(name, "msbdf")) return gsl_odeiv2_step_msbdf;
    return NULL;
}

int cref_solve(cref_problem problem, const char *stepper, double rtol, double atol, double h0,
               double t0, double t1, int nsave, double *y, size_t dimension, double *out,
               cref_stats *stats) {
    gsl_set_error_handler_off();
    counters c = {0, 0};
    gsl_odeiv2_system sys = {NULL, NULL, dimension, &c};
    switch (problem) {
    case CREF_LORENZ96: sys.function = lorenz96; break;
    case CREF_VANDERPOL: sys.function = vanderpol; sys.jacobian = vanderpol_jacobian; break;
    case CREF_OSCILLATOR: sys.function = oscillator; break;
    }
    const gsl_odeiv2_step_type *T = cref_step_type(stepper);
    if (T == NULL) return GSL_EINVAL;
    gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(&sys, T, h0, atol, rtol);
    double t = t0;
    int status = GSL_SUCCESS;
    memcpy(out, y, dimension * sizeof(double));
    for (int k = 1; k <= nsave && status == GSL_SUCCESS; k++) {
        double target = k == nsave ? t1 : t0 + k * ((t1 - t0) / nsave);
        status = gsl_odeiv2_driver_apply(d, &t, target, y);
        memcpy(out + k * dimension, y, dimension * sizeof(double));
    }
    stats->steps = d->e->count;
    stats->rejected = d->e->failed_steps;
    stats->evaluations = c.evaluations;
    stats->jacobians = c.jacobians;
    stats->status = status;
    gsl_odeiv2_driver_free(d);
    return status;
}
