#include "CVODEPeer.h"
#include "CModel.h"

#include <stdlib.h>
#include <string.h>
#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

static int rhs(realtype t, N_Vector y, N_Vector ydot, void *params) {
    return cmodel_rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot), params) == 0 ? 0 : 1;
}

int cvode_model_solve(int regime, double rtol, double atol, double t1, double *out, size_t capacity,
                      unsigned long *steps, unsigned long *evaluations) {
    const int n = cmodel_dimension();
    SUNContext context;
    if (SUNContext_Create(NULL, &context) != 0) return -1;
    N_Vector y = N_VNew_Serial(n, context);
    void *m = cmodel_prepare(regime, N_VGetArrayPointer(y));
    void *cvode = CVodeCreate(CV_BDF, context);
    SUNMatrix A = SUNDenseMatrix(n, n, context);
    SUNLinearSolver solver = SUNLinSol_Dense(y, A, context);
    int saves = -1;
    if (CVodeInit(cvode, rhs, 2025.0, y) == 0 && CVodeSStolerances(cvode, rtol, atol) == 0 && CVodeSetUserData(cvode, m) == 0 &&
        CVodeSetLinearSolver(cvode, solver, A) == 0 && CVodeSetMaxNumSteps(cvode, 1000000) == 0) {
        double targets[512];
        int on_grid[512];
        int nt = cmodel_targets(t1, targets, on_grid);
        memcpy(out, N_VGetArrayPointer(y), n * sizeof(double));
        saves = 1;
        double t = 2025.0;
        for (int i = 0; i < nt; i++) {
            /* Land on each target exactly: the knots are kinks of the tables. */
            CVodeSetStopTime(cvode, targets[i]);
            if (CVode(cvode, targets[i], y, &t, CV_NORMAL) < 0) { saves = -1; break; }
            if (on_grid[i] && (size_t)(saves + 1) * n <= capacity) memcpy(out + (saves++) * n, N_VGetArrayPointer(y), n * sizeof(double));
        }
        long nsteps = 0;
        CVodeGetNumSteps(cvode, &nsteps);
        *steps = (unsigned long)nsteps;
        *evaluations = cmodel_evaluations(m);
    }
    CVodeFree(&cvode);
    SUNLinSolFree(solver);
    SUNMatDestroy(A);
    N_VDestroy(y);
    free(m);
    SUNContext_Free(&context);
    return saves;
}
