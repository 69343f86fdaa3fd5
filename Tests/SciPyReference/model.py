#!/usr/bin/env python3
"""The default model of MODEL.md a third time, in Python with SciPy's solve_ivp:
what many researchers would write instead. A line-for-line port of
Tests/CReference/CModel.c (MODEL.md's equations as written).

Usage: python3 Tests/SciPyReference/model.py [--method DOP853|BDF|RK45] [--rtol 1e-8]
           [--regime none|reserves|buyer|share] [--repetitions N] [--liquidity log|linear]
Prints the state at every month 2025-2032 as CSV (t, then the 26 states in the
Swift model's order) so the three implementations can be checked against each other.
With --repetitions N the solve is repeated N times after one warm-up solve and the
median time of one solve (Python's start-up excluded) is printed to stderr as
"# median_seconds S evaluations E steps N"; `liquidity-bench peers` reads it.
"""
import argparse
import math
import statistics
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp

B, Bf, Bs, Bw, Af, Lo, kb, C, kc, PC, K, Z, Ez, Ms, Mw, Cb, rb, sc = range(18)
LNP, QS, DIM = 18, 22, 26
RM = ([2025.0, 2025.7, 2025.95, 2026.5, 2040], [0.0433, 0.0425, 0.0375, 0.034, 0.034])
TGA = ([2025.0, 2025.45, 2025.75, 2040], [0.80, 0.35, 0.90, 0.90])
QT = ([2025.0, 2025.25, 2025.2501, 2025.92, 2025.9201, 2040], [0.30, 0.30, 0.06, 0.06, 0, 0])
t0 = 2025.0
I0, I1, tI, gI, ocf0, g_ocf, payout = 0.25, 0.95, 2026.0, 1.1, 0.58, 0.10, 0.35
pd0, Y0, g_y, m_I, k_y, g_lo, mbs_runoff, ra = 0.85, 29.0, 0.045, 1.0, 0.62, 0.045, 0.18, 0.025
T_b, T_c, D_c, s_pc, sigma_c, delta_K, mu_m, phi_w = 6, 10, 7, 0.055, 0.6, 0.2, 0.35, 0.5
Nz, c_z, Fs, h_s, k_sw, w_sell_T = 0.10, 0.35, 0.15, 1.0, 2.0, 0.2
b, erp, eps_L, k_r, k_s, k_p, delta_D, rb0 = 30, 0.04, 0.05, 50, 50, 50, 3, 0.046
r_cap, k_f, w_f, L_target, k_fl, phi_f, debt_floor = 0.045, 20, 0.001, 6.5, 2, 0.5, 0.05
value = [3.3, 12, 12, 30]; duration = [30, 25, 15, 6]; beta = [2.0, 0.3, 0.2, 0.05]; gam = [0, 0, 0.25, 0.15]
qS0 = [0.05, 0.60, 0, 0]; w_sell = [0.4, 0.4, 0, 0]


def knot(table, t):
    ts, vs = table
    if t <= ts[0]:
        return vs[0], 0.0
    if t >= ts[-1]:
        return vs[-1], 0.0
    i = max(k for k in range(len(ts) - 1) if ts[k] <= t)
    slope = (vs[i + 1] - vs[i]) / (ts[i + 1] - ts[i])
    return vs[i] + slope * (t - ts[i]), slope


def softplus(x, w):
    z = x / w
    return x + w * math.log1p(math.exp(-z)) if z > 30 else w * math.log1p(math.exp(z))


def capex(t):
    return I0 + (I1 - I0) / (1 + math.exp(-gI * (t - tI)))


def taper(debt):
    if debt >= debt_floor:
        return 1.0
    if debt <= 0:
        return 0.0
    x = debt / debt_floor
    return x * x * (3 - 2 * x)


def make_rhs(regime, a_T, a_AI, a_R, c, L0, I_t0, liquidity="log"):
    def rhs(t, y):
        I = capex(t); OCF = ocf0 * math.exp(g_ocf * (t - t0)); growth = math.exp(g_y * (t - t0))
        PD = pd0 * growth; Y = Y0 * growth + m_I * I
        rm = knot(RM, t)[0]; dTGA = knot(TGA, t)[1]; qt = knot(QT, t)[0]
        Bp = y[B] - y[Bf] - y[Bs] - y[Bw]
        price = [math.exp(y[LNP + j]) for j in range(4)]
        ypc = rm + s_pc; yc = y[rb] + y[sc]; Pc = math.exp(D_c * (y[kc] - yc))
        Gap = I + y[kc] * y[C] + ypc * y[PC] - (1 - payout) * OCF
        CALL = c_z * y[Z]; Need = Gap - CALL
        iss = sigma_c * Need; dPC = (1 - sigma_c) * Need; X = 0.0
        if Need < 0 and debt_floor > 0:
            tb, tc = taper(y[C]), taper(y[PC])
            if tb < 1 or tc < 1:
                X = iss * (tb - 1) + dPC * (tc - 1); iss *= tb; dPC *= tc
        SELL = k_sw * softplus(h_s * CALL - y[Ms], 0.01)
        weights = [w_sell[j] * price[j] * y[QS + j] / (price[j] * y[QS + j] + 0.01) for j in range(4)]
        total = w_sell_T * y[Bs] / (y[Bs] + 0.01) + sum(weights)
        per = SELL / total if total > 0 else 0.0
        SELL_T = per * w_sell_T * y[Bs] / (y[Bs] + 0.01)
        weights = [w * per for w in weights]; sales = sum(weights)
        REMIT = y[kb] * y[Bf] + ra * y[Af]
        dB = PD + y[kb] * y[B] - REMIT + dTGA
        L = softplus(y[Cb] - k_y * Y, eps_L)
        V = L + Bp + Pc * y[C] + y[PC] + sum(price[j] * (value[j] - y[QS + j]) for j in range(4))
        fed = 0.0
        if regime == "reserves":
            fed = k_fl * softplus(L_target - (y[Cb] - k_y * Y), 0.05)
        elif regime == "buyer":
            fed = k_f * V * softplus(y[rb] - r_cap, w_f)
        elif regime == "share":
            fed = phi_f * max(dB, 0.0)
        dBf = -qt + fed; dBs = -SELL_T; dBw = phi_w * mu_m * I
        dBp = dB - dBf - dBs - dBw; dLo = g_lo * y[Lo]; dAf = -mbs_runoff
        d = np.empty(DIM)
        d[B], d[Bf], d[Bs], d[Bw], d[Af], d[Lo] = dB, dBf, dBs, dBw, dAf, dLo
        d[kb] = (max(dB, 0.0) + y[B] / T_b) * (y[rb] - y[kb]) / y[B]
        d[C] = iss
        d[kc] = (max(iss, 0.0) + y[C] / T_c) * (yc - y[kc]) / y[C]
        d[PC] = dPC; d[K] = I - delta_K * y[K]; d[Z] = Nz - CALL; d[Ez] = CALL
        d[Ms] = Fs + y[kb] * y[Bs] - CALL + SELL
        d[Mw] = (1 - phi_w) * mu_m * I + y[kb] * y[Bw]
        d[Cb] = ((1 - mu_m) * I - (1 - payout) * OCF + PD + y[kb] * Bp + y[kc] * y[C] + ypc * y[PC] - ra * y[Af] - Fs
                 - dBp - iss - dPC - (SELL - SELL_T) + dLo + dAf + X)
        for j in range(4):
            d[QS + j] = -weights[j] / price[j]
        uc, uT, uA, uR = b * rm, a_T + b * y[rb], a_AI + b * (y[rb] + y[sc]), a_R + b * erp
        um = max(uc, uT, uA, uR); e = [math.exp(u - um) for u in (uc, uT, uA, uR)]; s = sum(e)
        lT, lA, lR = e[1] / s, e[2] / s, e[3] / s
        liq, tilt = (math.log(L / L0) if liquidity == "log" else (L - L0) / L0), I / I_t0 - 1
        v = [c[j] - delta_D * duration[j] * (y[rb] - rb0) + beta[j] * liq + gam[j] * tilt for j in range(4)]
        vm = max(v); ev = [math.exp(x - vm) for x in v]; ws = sum(ev)
        d[rb] = k_r * math.log(Bp / (lT * V))
        d[sc] = k_s * math.log((Pc * y[C] + y[PC]) / (lA * V))
        for j in range(4):
            d[LNP + j] = k_p * math.log(lR * (ev[j] / ws) * V / (price[j] * (value[j] - y[QS + j])))
        return d
    return rhs


def initial():
    y = np.zeros(DIM)
    y[B], y[Bf], y[Bs], y[Af], y[kb], y[C], y[kc], y[PC], y[K], y[Z], y[Ms], y[Cb], y[rb], y[sc] = (
        28.8, 4.27, 0.50, 2.24, 0.033, 1.25, 0.045, 0.25, 1.0, 0.60, 0.12, 25.0, 0.046, 0.009)
    y[Lo] = y[Cb] + knot(TGA, t0)[0] + y[Ms] + y[Mw] - y[Bf] - y[Af]
    y[QS:QS + 4] = qS0
    I_t0 = capex(t0); L0 = softplus(y[Cb] - k_y * (Y0 + m_I * I_t0), eps_L)
    Bp0 = y[B] - y[Bf] - y[Bs] - y[Bw]; AI0 = math.exp(D_c * (y[kc] - y[rb] - y[sc])) * y[C] + y[PC]
    R0 = sum(value[j] - qS0[j] for j in range(4)); rm0 = knot(RM, t0)[0]
    intercepts = (math.log(Bp0 / L0) - b * (rb0 - rm0), math.log(AI0 / L0) - b * (rb0 + 0.009 - rm0),
                  math.log(R0 / L0) - b * (erp - rm0), [math.log((value[j] - qS0[j]) / R0) for j in range(4)], L0, I_t0)
    return y, intercepts


def solve(regime="none", method="DOP853", rtol=1e-8, atol=1e-8, count_steps=False, liquidity="log"):
    """The monthly path and the right-hand side evaluations SciPy counts; with
    count_steps, the accepted steps instead of the evaluations (found by a solve
    without t_eval, which does not change the steps taken)."""
    y, intercepts = initial()
    rhs = make_rhs(regime, *intercepts, liquidity=liquidity)
    grid = [t0 + k / 12 for k in range(84)] + [2032.0]
    knots = sorted({t for table in (RM, TGA, QT) for t in table[0] if t0 < t < 2032})
    # Integrate piece by piece between knots so no kink falls inside a step.
    edges = [t0] + knots + [2032.0]
    times, states, nfev = [], [], 0
    for a, e in zip(edges, edges[1:]):
        inside = [g for g in grid if a <= g <= e and (g > a or a == t0)]
        # The piece's end is always evaluated: the next piece starts from it.
        evaluate = None if count_steps else sorted(set(inside) | {e})
        result = solve_ivp(rhs, (a, e), y, method=method, rtol=rtol, atol=atol, t_eval=evaluate, first_step=1e-6)
        if not result.success:
            raise RuntimeError(result.message)
        nfev += len(result.t) - 1 if count_steps else result.nfev
        for ti, yi in zip(result.t, result.y.T):
            if ti in inside:
                times.append(ti); states.append(yi)
        y = result.y[:, -1]
    return np.array(times), np.array(states), nfev


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="DOP853")
    parser.add_argument("--rtol", type=float, default=1e-8)
    parser.add_argument("--regime", default="none", choices=["none", "reserves", "buyer", "share"])
    parser.add_argument("--repetitions", type=int, default=0)
    parser.add_argument("--liquidity", default="log", choices=["log", "linear"],
                        help="the risk prices' response to liquidity: beta * log(L / L0), or the tutorial's "
                             "one-line edit, beta * (L - L0) / L0")
    args = parser.parse_args()
    t, y, nfev = solve(args.regime, args.method, args.rtol, args.rtol, liquidity=args.liquidity)
    times = []
    for _ in range(args.repetitions):
        start = time.perf_counter()
        solve(args.regime, args.method, args.rtol, args.rtol)
        times.append(time.perf_counter() - start)
    print("t," + ",".join(["B", "Bf", "Bs", "Bw", "Af", "Lo", "kb", "C", "kc", "PC", "K", "Z", "Ez", "Ms", "Mw", "Cb", "rb", "sc"]
                          + ["ln_p_crypto", "ln_p_longdur", "ln_p_aiequity", "ln_p_cashflow", "qS_crypto", "qS_longdur", "qS_aiequity", "qS_cashflow"]))
    for ti, yi in zip(t, y):
        print(repr(float(ti)) + "," + ",".join(repr(float(v)) for v in yi))
    if times:
        steps = solve(args.regime, args.method, args.rtol, args.rtol, count_steps=True)[2]
        print(f"# median_seconds {statistics.median(times)!r} evaluations {nfev} steps {steps}", file=sys.stderr)
    else:
        print(f"# {args.method} rtol {args.rtol}: {nfev} evaluations", file=sys.stderr)
