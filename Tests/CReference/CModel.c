#include "CModel.h"
#include "steps.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

enum { B, Bf, Bs, Bw, Af, Lo, kb, C, kc, PC, K, Z, Ez, Ms, Mw, Cb, rb, sc, LNP, QS = LNP + 4, DIM = QS + 4 };
#define NCLASS 4

typedef struct { int n; double t[8], v[8]; } knots;

static const knots RM = {5, {2025.0, 2025.7, 2025.95, 2026.5, 2040}, {0.0433, 0.0425, 0.0375, 0.034, 0.034}};
static const knots TGA = {4, {2025.0, 2025.45, 2025.75, 2040}, {0.80, 0.35, 0.90, 0.90}};
static const knots QT = {6, {2025.0, 2025.25, 2025.2501, 2025.92, 2025.9201, 2040}, {0.30, 0.30, 0.06, 0.06, 0, 0}};

/* MODEL.md section 4. */
static const double t0 = 2025.0, I0 = 0.25, I1 = 0.95, tI = 2026.0, gI = 1.1, ocf0 = 0.58, g_ocf = 0.10, payout = 0.35;
static const double pd0 = 0.85, Y0 = 29.0, g_y = 0.045, m_I = 1.0, k_y = 0.62, g_lo = 0.045, mbs_runoff = 0.18, ra = 0.025;
static const double T_b = 6, T_c = 10, D_c = 7, s_pc = 0.055, sigma_c = 0.6, delta_K = 0.2, mu_m = 0.35, phi_w = 0.5;
static const double Nz = 0.10, c_z = 0.35, Fs = 0.15, h_s = 1.0, k_sw = 2.0, w_sell_T = 0.2;
static const double b = 30, erp = 0.04, eps_L = 0.05, k_r = 50, k_s = 50, k_p = 50, delta_D = 3, rb0 = 0.046;
static const double r_cap = 0.045, k_f = 20, w_f = 0.001, L_target = 6.5, k_fl = 2, phi_f = 0.5, debt_floor = 0.05;
static const double value[NCLASS] = {3.3, 12, 12, 30}, duration[NCLASS] = {30, 25, 15, 6};
static const double beta[NCLASS] = {2.0, 0.3, 0.2, 0.05}, gam[NCLASS] = {0, 0, 0.25, 0.15};
static const double qS0[NCLASS] = {0.05, 0.60, 0, 0}, w_sell[NCLASS] = {0.4, 0.4, 0, 0};

typedef struct {
    int regime;
    double a_T, a_AI, a_R, c[NCLASS], L0, I_t0;
    unsigned long evaluations;
} model;

static double knot_value(const knots *k, double t, double *slope) {
    *slope = 0;
    if (t <= k->t[0]) return k->v[0];
    if (t >= k->t[k->n - 1]) return k->v[k->n - 1];
    int lo = 0, hi = k->n - 1;
    while (hi - lo > 1) { int mid = (lo + hi) / 2; if (k->t[mid] <= t) lo = mid; else hi = mid; }
    *slope = (k->v[hi] - k->v[lo]) / (k->t[hi] - k->t[lo]);
    return k->v[lo] + *slope * (t - k->t[lo]);
}

static double softplus(double x, double w) {
    double z = x / w;
    return z > 30 ? x + w * log1p(exp(-z)) : w * log1p(exp(z));
}

static double capex(double t) { return I0 + (I1 - I0) / (1 + exp(-gI * (t - tI))); }

static double taper(double debt) {
    if (debt >= debt_floor) return 1;
    if (debt <= 0) return 0;
    double x = debt / debt_floor;
    return x * x * (3 - 2 * x);
}

/* MODEL.md section 3, equations as written (balancing items in closed form). */
static int rhs(double t, const double y[], double dydt[], void *params) {
    model *m = params;
    m->evaluations++;
    double slope;
    double I = capex(t), OCF = ocf0 * exp(g_ocf * (t - t0)), growth = exp(g_y * (t - t0));
    double PD = pd0 * growth, Y = Y0 * growth + m_I * I;
    double rm = knot_value(&RM, t, &slope);
    knot_value(&TGA, t, &slope);
    double dTGA = slope;
    double qt = knot_value(&QT, t, &slope);
    double Bp = y[B] - y[Bf] - y[Bs] - y[Bw];
    double price[NCLASS];
    for (int j = 0; j < NCLASS; j++) price[j] = exp(y[LNP + j]);

    double ypc = rm + s_pc, yc = y[rb] + y[sc], Pc = exp(D_c * (y[kc] - yc));
    double Gap = I + y[kc] * y[C] + ypc * y[PC] - (1 - payout) * OCF;
    double CALL = c_z * y[Z], Need = Gap - CALL;
    double iss = sigma_c * Need, dPC = (1 - sigma_c) * Need, X = 0;
    if (Need < 0 && debt_floor > 0) {
        double tb = taper(y[C]), tc = taper(y[PC]);
        if (tb < 1 || tc < 1) { X = iss * (tb - 1) + dPC * (tc - 1); iss *= tb; dPC *= tc; }
    }

    double SELL = k_sw * softplus(h_s * CALL - y[Ms], 0.01);
    double weights[NCLASS], total = w_sell_T * y[Bs] / (y[Bs] + 0.01);
    for (int j = 0; j < NCLASS; j++) {
        double held = price[j] * y[QS + j];
        weights[j] = w_sell[j] * held / (held + 0.01);
        total += weights[j];
    }
    double per = total > 0 ? SELL / total : 0, SELL_T = per * w_sell_T * y[Bs] / (y[Bs] + 0.01), sales = 0;
    for (int j = 0; j < NCLASS; j++) { weights[j] *= per; sales += weights[j]; }

    double REMIT = y[kb] * y[Bf] + ra * y[Af];
    double dB = PD + y[kb] * y[B] - REMIT + dTGA;

    double L = softplus(y[Cb] - k_y * Y, eps_L), risk = 0;
    for (int j = 0; j < NCLASS; j++) risk += price[j] * (value[j] - y[QS + j]);
    double V = L + Bp + Pc * y[C] + y[PC] + risk;

    double fed = 0;
    if (m->regime == 1) fed = k_fl * softplus(L_target - (y[Cb] - k_y * Y), 0.05);
    if (m->regime == 2) fed = k_f * V * softplus(y[rb] - r_cap, w_f);
    if (m->regime == 3) fed = phi_f * fmax(dB, 0);
    double dBf = -qt + fed, dBs = -SELL_T, dBw = phi_w * mu_m * I;
    double dBp = dB - dBf - dBs - dBw;
    double dLo = g_lo * y[Lo], dAf = -mbs_runoff;

    dydt[B] = dB; dydt[Bf] = dBf; dydt[Bs] = dBs; dydt[Bw] = dBw; dydt[Af] = dAf; dydt[Lo] = dLo;
    dydt[kb] = (fmax(dB, 0) + y[B] / T_b) * (y[rb] - y[kb]) / y[B];
    dydt[C] = iss;
    dydt[kc] = (fmax(iss, 0) + y[C] / T_c) * (yc - y[kc]) / y[C];
    dydt[PC] = dPC;
    dydt[K] = I - delta_K * y[K];
    dydt[Z] = Nz - CALL;
    dydt[Ez] = CALL;
    dydt[Ms] = Fs + y[kb] * y[Bs] - CALL + SELL;
    dydt[Mw] = (1 - phi_w) * mu_m * I + y[kb] * y[Bw];
    dydt[Cb] = (1 - mu_m) * I - (1 - payout) * OCF + PD + y[kb] * Bp + y[kc] * y[C] + ypc * y[PC] - ra * y[Af] - Fs
        - dBp - iss - dPC - (SELL - SELL_T) + dLo + dAf + X;
    for (int j = 0; j < NCLASS; j++) dydt[QS + j] = -weights[j] / price[j];

    double uc = b * rm, uT = m->a_T + b * y[rb], uA = m->a_AI + b * (y[rb] + y[sc]), uR = m->a_R + b * erp;
    double umax = fmax(fmax(uc, uT), fmax(uA, uR));
    double ec = exp(uc - umax), eT = exp(uT - umax), eA = exp(uA - umax), eR = exp(uR - umax), sum = ec + eT + eA + eR;
    double lT = eT / sum, lA = eA / sum, lR = eR / sum;
    double v[NCLASS], vmax = -INFINITY, ws = 0;
    double liq = log(L / m->L0), tilt = I / m->I_t0 - 1;
    for (int j = 0; j < NCLASS; j++) {
        v[j] = m->c[j] - delta_D * duration[j] * (y[rb] - rb0) + beta[j] * liq + gam[j] * tilt;
        vmax = fmax(vmax, v[j]);
    }
    for (int j = 0; j < NCLASS; j++) { v[j] = exp(v[j] - vmax); ws += v[j]; }
    dydt[rb] = k_r * log(Bp / (lT * V));
    dydt[sc] = k_s * log((Pc * y[C] + y[PC]) / (lA * V));
    for (int j = 0; j < NCLASS; j++) dydt[LNP + j] = k_p * log(lR * (v[j] / ws) * V / (price[j] * (value[j] - y[QS + j])));
    for (int i = 0; i < DIM; i++) if (!isfinite(dydt[i])) return GSL_EBADFUNC;
    return GSL_SUCCESS;
}

/* Forward differences with the step of Solvers (sqrt(eps) max(|y|, atol/rtol)). */
static double jac_typical = 1;
static int jacobian(double t, const double y[], double *dfdy, double dfdt[], void *params) {
    double f0[DIM], f1[DIM], yw[DIM];
    int s = rhs(t, y, f0, params);
    if (s) return s;
    memcpy(yw, y, sizeof yw);
    for (int j = 0; j < DIM; j++) {
        double up = y[j] + 1.4901161193847656e-08 * fmax(fabs(y[j]), jac_typical);
        yw[j] = up;
        if ((s = rhs(t, yw, f1, params))) return s;
        for (int i = 0; i < DIM; i++) dfdy[i * DIM + j] = (f1[i] - f0[i]) / (up - y[j]);
        yw[j] = y[j];
    }
    double tu = t + 1.4901161193847656e-08 * fmax(fabs(t), 1);
    if ((s = rhs(tu, y, f1, params))) return s;
    for (int i = 0; i < DIM; i++) dfdt[i] = (f1[i] - f0[i]) / (tu - t);
    return GSL_SUCCESS;
}

int cmodel_dimension(void) { return DIM; }

void *cmodel_prepare(int regime, double y[]) {
    model *m = calloc(1, sizeof(model));
    m->regime = regime;
    /* The initial state and the intercepts that clear every market at t0. */
    double slope;
    double TGA0 = knot_value(&TGA, t0, &slope);
    memset(y, 0, DIM * sizeof(double));
    y[B] = 28.8; y[Bf] = 4.27; y[Bs] = 0.50; y[Bw] = 0; y[Af] = 2.24; y[kb] = 0.033; y[C] = 1.25; y[kc] = 0.045;
    y[PC] = 0.25; y[K] = 1.0; y[Z] = 0.60; y[Ez] = 0; y[Ms] = 0.12; y[Mw] = 0; y[Cb] = 25.0; y[rb] = 0.046; y[sc] = 0.009;
    y[Lo] = y[Cb] + TGA0 + y[Ms] + y[Mw] - y[Bf] - y[Af];
    for (int j = 0; j < NCLASS; j++) { y[LNP + j] = 0; y[QS + j] = qS0[j]; }
    m->I_t0 = capex(t0);
    m->L0 = softplus(y[Cb] - k_y * (Y0 + m_I * m->I_t0), eps_L);
    double Bp0 = y[B] - y[Bf] - y[Bs] - y[Bw], AI0 = exp(D_c * (y[kc] - y[rb] - y[sc])) * y[C] + y[PC], R0 = 0;
    for (int j = 0; j < NCLASS; j++) R0 += value[j] - qS0[j];
    double rm0 = knot_value(&RM, t0, &slope);
    m->a_T = log(Bp0 / m->L0) - b * (rb0 - rm0);
    m->a_AI = log(AI0 / m->L0) - b * (rb0 + 0.009 - rm0);
    m->a_R = log(R0 / m->L0) - b * (erp - rm0);
    for (int j = 0; j < NCLASS; j++) m->c[j] = log((value[j] - qS0[j]) / R0);
    return m;
}

int cmodel_rhs(double t, const double y[], double dydt[], void *params) { return rhs(t, y, dydt, params) == GSL_SUCCESS ? 0 : -1; }

unsigned long cmodel_evaluations(void *params) { return ((model *)params)->evaluations; }

/* Ascending, in place: an insertion sort, for lists of a few hundred times at most. */
static void sort_ascending(double *v, int n) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) { double tmp = v[j]; v[j] = v[j - 1]; v[j - 1] = tmp; }
}

int cmodel_targets(double t1, double *targets, int *on_grid) {
    /* Targets: the monthly grid and every knot inside (t0, t1), merged. */
    int nt = 0;
    for (int k = 1;; k++) {
        double g = t0 + k * (1.0 / 12);
        if (g >= t1 - 1e-9 / 12) break;
        targets[nt++] = g;
    }
    targets[nt++] = t1;
    double knots_inside[512];
    int nk = cmodel_knots(t1, knots_inside);
    for (int i = 0; i < nk; i++) {
        int dup = 0;
        for (int q = 0; q < nt; q++) if (targets[q] == knots_inside[i]) dup = 1;
        if (!dup) targets[nt++] = knots_inside[i];
    }
    sort_ascending(targets, nt);
    for (int i = 0; i < nt; i++) {
        double k12 = (targets[i] - t0) * 12;
        on_grid[i] = fabs(k12 - round(k12)) < 1e-9 || targets[i] == t1;
    }
    return nt;
}

int cmodel_knots(double t1, double *out) {
    /* Every knot of the exogenous tables inside (t0, t1), ascending, once each. */
    int nk = 0;
    const knots *tables[3] = {&RM, &TGA, &QT};
    for (int a = 0; a < 3; a++)
        for (int i = 0; i < tables[a]->n; i++) {
            double kt = tables[a]->t[i];
            int dup = 0;
            for (int q = 0; q < nk; q++) if (out[q] == kt) dup = 1;
            if (!dup && kt > t0 && kt < t1) out[nk++] = kt;
        }
    sort_ascending(out, nk);
    return nk;
}

int cmodel_solve(int regime, const char *stepper, double rtol, double atol, double t1,
                 double *out, size_t capacity, unsigned long *steps, unsigned long *evaluations) {
    gsl_set_error_handler_off();
    double y[DIM];
    model *m = cmodel_prepare(regime, y);
    const gsl_odeiv2_step_type *T = cref_step_type(stepper);
    if (!T) { free(m); return -1; }
    jac_typical = atol / rtol;
    gsl_odeiv2_system sys = {rhs, jacobian, DIM, m};
    gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(&sys, T, 1e-6, atol, rtol);
    double targets[512];
    int on_grid[512];
    int nt = cmodel_targets(t1, targets, on_grid), saves = 0;
    double t = t0;
    memcpy(out, y, sizeof y);
    saves = 1;
    int status = GSL_SUCCESS;
    for (int i = 0; i < nt && status == GSL_SUCCESS; i++) {
        status = gsl_odeiv2_driver_apply(d, &t, targets[i], y);
        if (status == GSL_SUCCESS && on_grid[i] && (size_t)(saves + 1) * DIM <= capacity) memcpy(out + (saves++) * DIM, y, sizeof y);
    }
    *steps = d->e->count;
    *evaluations = m->evaluations;
    gsl_odeiv2_driver_free(d);
    free(m);
    return status == GSL_SUCCESS ? saves : -1;
}
