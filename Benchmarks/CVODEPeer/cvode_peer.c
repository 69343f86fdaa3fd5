#include "CVODEPeer.h"
#include "CModel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

/* CVODE's user data: the C model's parameters and the caller's Jacobian, if any. */
typedef struct {
    void *model;
    cvode_peer_jacobian jacobian;
    void *context;
    double *rows;
} peer;

static int rhs(realtype t, N_Vector y, N_Vector ydot, void *data) {
    return cmodel_rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot), ((peer *)data)->model) == 0 ? 0 : 1;
}

static int jacobian(realtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *data, N_Vector t1, N_Vector t2,
                    N_Vector t3) {
    (void)fy; (void)t1; (void)t2; (void)t3;
    peer *p = data;
    const int n = cmodel_dimension();
    if (p->jacobian(t, N_VGetArrayPointer(y), p->rows, p->context) != 0) return 1;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) SM_ELEMENT_D(J, i, j) = p->rows[i * n + j];
    return 0;
}

static void save(double *out, size_t capacity, int *saves, N_Vector y, int n) {
    if ((size_t)(*saves + 1) * n <= capacity) memcpy(out + (*saves)++ * n, N_VGetArrayPointer(y), n * sizeof(double));
}

int cvode_model_solve(int regime, double rtol, double atol, double t1, cvode_peer_saves saves,
                      cvode_peer_jacobian jac, void *context, double *out, size_t capacity,
                      cvode_peer_stats *stats) {
    const int n = cmodel_dimension();
    SUNContext sundials;
    if (SUNContext_Create(NULL, &sundials) != 0) return -1;
    N_Vector y = N_VNew_Serial(n, sundials);
    peer p = {cmodel_prepare(regime, N_VGetArrayPointer(y)), jac, context, malloc(sizeof(double) * n * n)};
    void *cvode = CVodeCreate(CV_BDF, sundials);
    SUNMatrix A = SUNDenseMatrix(n, n, sundials);
    SUNLinearSolver solver = SUNLinSol_Dense(y, A, sundials);
    int saved = -1;
    const double t0 = 2025.0;
    if (CVodeInit(cvode, rhs, t0, y) == 0 && CVodeSStolerances(cvode, rtol, atol) == 0 && CVodeSetUserData(cvode, &p) == 0 &&
        CVodeSetLinearSolver(cvode, solver, A) == 0 && CVodeSetMaxNumSteps(cvode, 1000000) == 0 &&
        (jac == NULL || CVodeSetJacFn(cvode, jacobian) == 0)) {
        memcpy(out, N_VGetArrayPointer(y), n * sizeof(double));
        saved = 1;
        double t = t0;
        if (saves == CVODE_PEER_LAND) {
            double targets[512];
            int on_grid[512];
            int nt = cmodel_targets(t1, targets, on_grid);
            for (int i = 0; i < nt && saved > 0; i++) {
                CVodeSetStopTime(cvode, targets[i]);
                if (CVode(cvode, targets[i], y, &t, CV_NORMAL) < 0) saved = -1;
                else if (on_grid[i]) save(out, capacity, &saved, y, n);
            }
        } else {
            double knots[512];
            int nk = cmodel_knots(t1, knots), next = 0;
            CVodeSetStopTime(cvode, nk > 0 ? knots[0] : t1);
            for (int k = 1; saved > 0; k++) {
                double month = t0 + k * (1.0 / 12);
                if (month >= t1 - 1e-9 / 12) month = t1;
                /* Pass every knot before the month: CVODE stops on it, and gets the next stop. */
                while (saved > 0 && next < nk && knots[next] < month - 1e-12) {
                    if (CVode(cvode, knots[next], y, &t, CV_NORMAL) < 0) saved = -1;
                    next++;
                    CVodeSetStopTime(cvode, next < nk ? knots[next] : t1);
                }
                if (saved < 0) break;
                if (CVode(cvode, month, y, &t, CV_NORMAL) < 0) { saved = -1; break; }
                if (next < nk && fabs(knots[next] - month) < 1e-12) {
                    next++;
                    CVodeSetStopTime(cvode, next < nk ? knots[next] : t1);
                }
                save(out, capacity, &saved, y, n);
                if (month == t1) break;
            }
        }
        long nsteps = 0, njacobians = 0;
        CVodeGetNumSteps(cvode, &nsteps);
        CVodeGetNumJacEvals(cvode, &njacobians);
        stats->steps = (unsigned long)nsteps;
        stats->evaluations = cmodel_evaluations(p.model);
        stats->jacobians = (unsigned long)njacobians;
    }
    CVodeFree(&cvode);
    SUNLinSolFree(solver);
    SUNMatDestroy(A);
    N_VDestroy(y);
    free(p.model);
    free(p.rows);
    SUNContext_Free(&sundials);
    return saved;
}
