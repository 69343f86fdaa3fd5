#!/usr/bin/env python3
"""The two-step estimate of the risk prices' liquidity betas and durations of
models/liquidity.sfc: ordinary least squares of each price's log on a trend, the log of
net liquidity (WALCL - TGA_DTS - RRPONTSYD) and the 10-year yield (DGS10 / 100), over the
quarter-ends of calibration/history-fred.csv.

    python3 scripts/price-betas.py [calibration/history-fred.csv]

Prints, per price, the coefficients with their standard errors. The model's fit cannot
find these itself: its net liquidity misses the data's by about as much as the data's
varies, so the fit drives both to a bound (see docs/liquidity-model.md).
"""
import csv
import sys

import numpy as np

path = sys.argv[1] if len(sys.argv) > 1 else "calibration/history-fred.csv"
rows = list(csv.DictReader(open(path)))
t = np.array([float(r["t"]) for r in rows])
nl = np.array([float(r["WALCL"]) / 1e6 - float(r["TGA_DTS"]) / 1e6 - float(r["RRPONTSYD"]) / 1e3 for r in rows])
rb = np.array([float(r["DGS10"]) / 100 for r in rows])
X = np.column_stack([np.ones_like(t), t - t[0], np.log(nl), rb])
print(f"{len(rows)} quarter-ends {rows[0]['quarter']}-{rows[-1]['quarter']} of {path}")
print(f"{'series':10} {'trend /yr':>16} {'beta (ln NL)':>16} {'-D (rb)':>16}")
for series in ["CBBTCUSD", "NASDAQCOM"]:
    y = np.log([float(r[series]) for r in rows])
    b, *_ = np.linalg.lstsq(X, y, rcond=None)
    e = y - X @ b
    s2 = e @ e / (len(y) - X.shape[1])
    se = np.sqrt(np.diag(s2 * np.linalg.inv(X.T @ X)))
    cells = [f"{b[k]:+.3f} ({se[k]:.3f})" for k in (1, 2, 3)]
    print(f"{series:10} " + " ".join(f"{c:>16}" for c in cells))
