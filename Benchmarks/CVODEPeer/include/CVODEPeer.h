#ifndef LIQUIDITY_CVODE_PEER_H
#define LIQUIDITY_CVODE_PEER_H

#include <stddef.h>

/// MODEL.md's default model in plain C (Tests/CReference/CModel.c), solved
/// with SUNDIALS CVODE (BDF, Newton iteration with its dense direct solver and a
/// finite-difference Jacobian), landing on the same knots and monthly grid as
/// cmodel_solve. Returns the number of saved points, or -1 on failure.
int cvode_model_solve(int regime, double rtol, double atol, double t1, double *out, size_t capacity,
                      unsigned long *steps, unsigned long *evaluations);

#endif
