#!/usr/bin/env python3
"""Issue 23's in-sample goals for models/liquidity-priced.sfc, from an estimate's
observables.csv (the monthly data against the model at the mode) and a run's series.csv.

    python3 scripts/money-market-goals.py OUT/estimate/observables.csv OUT/run/series.csv

Prints the ON RRP's and reserves' RMSE ($B), the 10-year's RMSE (bp) and the correlation of
its monthly changes, the months of 2025 in which SOFR - IORB is within 5 bp of the data's
(IORB month means from data/IORB.csv), and the months in which the run holds more than $50B
in the ON RRP while its repo rate exceeds the standing repo facility's, and the run's term
premium `tp` at each month's end against the ACM estimate (data/ACMTP10.csv, to 2025-06).
"""
import csv
import math
import sys

from fredmonths import month_means

rows = list(csv.DictReader(open(sys.argv[1])))


def pairs(series, scale=1.0):
    return [(float(r[series]) * scale, float(r[f"{series}_model"]) * scale) for r in rows if r[series]]


def rmse(p):
    return math.sqrt(sum((a - b) ** 2 for a, b in p) / len(p))


def correlation(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    return sxy / math.sqrt(sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in y))


print(f"ON RRP RMSE: ${rmse(pairs('RRPONTSYD')):.1f}B (goal <= $100B)")
print(f"reserves RMSE: ${rmse(pairs('WRESBAL', 1e-3)):.1f}B (goal <= $100B)")
ten = pairs("DGS10", 100)
data, model = [a for a, _ in ten], [b for _, b in ten]
changes = correlation([b - a for a, b in zip(data, data[1:])], [b - a for a, b in zip(model, model[1:])])
print(f"10-year RMSE: {rmse(ten):.1f} bp (goal <= 25), correlation of monthly changes {changes:.3f} (goal >= 0.5)")

iorb = {f"{y}-{m:02d}": v for (y, m), v in month_means("IORB").items() if y == 2025}
misses = [(r["month"], 100 * (float(r["SOFR"]) - iorb[r["month"]]), 100 * (float(r["SOFR_model"]) - iorb[r["month"]]))
          for r in rows if r["month"] in iorb]
inside = sum(abs(a - b) <= 5 for _, a, b in misses)
print(f"SOFR - IORB within 5 bp of the data in {inside} of {len(misses)} months of 2025 (goal >= 10 of 12)")
for month, a, b in misses:
    print(f"  {month}: data {a:+.1f} bp, model {b:+.1f} bp")

if len(sys.argv) > 2:
    run = list(csv.DictReader(open(sys.argv[2])))
    bad = [r["date"] for r in run if float(r["sofr"]) > float(r["srf_rate"]) and float(r["RRP"]) > 0.05]
    print(f"saved points with more than $50B in the ON RRP while repo exceeds the facility's rate: "
          f"{len(bad)} of {len(run)}")

    # The model's term premium at each month's end (the next month's first saved day) against ACM's.
    by_month = {r["date"][:7]: r for r in run}
    acm = []
    for (y, m), value in month_means("ACMTP10").items():
        following = f"{y + (m == 12)}-{m % 12 + 1:02d}"
        if following in by_month:
            acm.append((value, 100 * float(by_month[following]["tp"])))
    a, b = [x for x, _ in acm], [y for _, y in acm]
    print(f"term premium against ACM's, {len(acm)} month-ends to 2025-06: mean {sum(b) / len(b):+.2f}% "
          f"(ACM {sum(a) / len(a):+.2f}%), range {min(b):+.2f} to {max(b):+.2f}% (ACM {min(a):+.2f} to "
          f"{max(a):+.2f}%), RMSE {rmse(acm):.2f} pp, correlation of levels {correlation(a, b):.2f}, of "
          f"monthly changes {correlation([y - x for x, y in zip(a, a[1:])], [y - x for x, y in zip(b, b[1:])]):.2f}")
