#ifndef LIQUIDITY_CREFERENCE_STEPS_H
#define LIQUIDITY_CREFERENCE_STEPS_H

#include <gsl/gsl_odeiv2.h>

/// The GSL step type called `name` ("rk8pd", "msbdf", ...), or NULL.
const gsl_odeiv2_step_type *cref_step_type(const char *name);

#endif
