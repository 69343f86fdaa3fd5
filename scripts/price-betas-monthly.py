#!/usr/bin/env python3
"""The risk prices' liquidity betas and durations of models/liquidity-priced.sfc, on monthly
changes: least squares of each price's monthly change in log on the change in the log of net
liquidity (WALCL less Treasury cash less RRPONTYSD) and the change in the 10-year yield
(DGS10 / 100), month means July 2022 to December 2025 of the files in data/, with Newey-West
(HAC, 3 lags) standard errors, on the whole sample and on each half.

    python3 scripts/price-betas-monthly.py            (from the package root)

The model's duration D is minus the yield's coefficient.
"""
import numpy as np

from fredmonths import month_means, treasury_cash


def newey_west(X, e, lags=3):
    n = len(e)
    u = X * e[:, None]
    S = u.T @ u
    for lag in range(1, lags + 1):
        w = 1 - lag / (lags + 1)
        G = u[lag:].T @ u[:-lag]
        S += w * (G + G.T)
    inv = np.linalg.inv(X.T @ X)
    return np.sqrt(np.diag(inv @ S @ inv) * n / (n - X.shape[1]))


tga = treasury_cash()
walcl, rrp, dgs10 = month_means("WALCL", 1e-6), month_means("RRPONTSYD", 1e-3), month_means("DGS10", 0.01)
months = sorted(set(walcl) & set(tga) & set(rrp) & set(dgs10))
nl = np.log([walcl[m] - tga[m] - rrp[m] for m in months])
rb = np.array([dgs10[m] for m in months])
print(f"{len(months) - 1} monthly changes, {months[1][0]}-{months[1][1]:02d} to {months[-1][0]}-{months[-1][1]:02d}")
print(f"{'series':10} {'sample':>8} {'beta (dln NL)':>18} {'-D (d rb)':>18}")
for series in ["CBBTCUSD", "NASDAQCOM"]:
    price = month_means(series)
    y = np.diff(np.log([price[m] for m in months]))
    X = np.column_stack([np.ones(len(y)), np.diff(nl), np.diff(rb)])
    half = len(y) // 2
    for name, rows in [("all", slice(None)), ("first", slice(0, half)), ("second", slice(half, None))]:
        b, *_ = np.linalg.lstsq(X[rows], y[rows], rcond=None)
        se = newey_west(X[rows], y[rows] - X[rows] @ b)
        print(f"{series:10} {name:>8} " + " ".join(f"{b[k]:+8.2f} ({se[k]:5.2f})" for k in (1, 2)))
