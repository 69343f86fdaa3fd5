#!/usr/bin/env python3
"""Prints the monthly input tables of models/liquidity-priced.sfc from the FRED files in data/.

    python3 scripts/monthly-tables.py            (from the package root)

Each knot sits at the middle of its month (t = year + (month - 0.5) / 12) and holds the month's
mean of the daily or weekly observations, July 2022 to December 2025; the rows after 2025-12-31
are never read. The model file's tables are this script's output, pasted.
"""
import csv
import datetime
from collections import defaultdict

END = datetime.date(2025, 12, 31)


def monthly(series, scale=1.0):
    """The month means of data/SERIES.csv from 2022-07 to 2025-12, keyed by (year, month)."""
    sums = defaultdict(lambda: [0.0, 0])
    with open(f"data/{series}.csv") as f:
        rows = csv.reader(f)
        next(rows)
        for date, value in rows:
            day = datetime.date.fromisoformat(date)
            if day > END:
                break
            if day < datetime.date(2022, 7, 1) or value in ("", "."):
                continue
            s = sums[(day.year, day.month)]
            s[0] += float(value) * scale
            s[1] += 1
    return {k: v[0] / v[1] for k, v in sorted(sums.items())}


def knots(values, digits):
    """The knots, five to a line, each line but the last continued with a backslash."""
    items = [f"({y + (m - 0.5) / 12:.4f}, {v:.{digits}f})" for (y, m), v in values.items()]
    lines = [", ".join(items[i:i + 5]) for i in range(0, len(items), 5)]
    return ", \\\n".join("    " + line for line in lines)


# The FOMC's target-range midpoints (calibration/history-inputs.toml), for the 2-year's gap to them.
policy = [("2022-06-16", 0.01625), ("2022-07-28", 0.02375), ("2022-09-22", 0.03125), ("2022-11-03", 0.03875),
          ("2022-12-15", 0.04375), ("2023-02-02", 0.04625), ("2023-03-23", 0.04875), ("2023-05-04", 0.05125),
          ("2023-07-27", 0.05375), ("2024-09-19", 0.04875), ("2024-11-08", 0.04625), ("2024-12-19", 0.04375),
          ("2025-09-18", 0.04125), ("2025-10-30", 0.03875), ("2025-12-11", 0.03625)]


def midpoint_mean(year, month):
    days = [datetime.date(year, month, d) for d in range(1, 32) if _valid(year, month, d)]
    total = 0.0
    for day in days:
        total += [r for d, r in policy if datetime.date.fromisoformat(d) <= day][-1]
    return total / len(days)


def _valid(y, m, d):
    try:
        datetime.date(y, m, d)
        return True
    except ValueError:
        return False


def treasury_cash():
    """Month means of the Daily Treasury Statement's TGA closing balance ($T)."""
    sums = defaultdict(lambda: [0.0, 0])
    with open("data/DTS_OpCashBal_20210624_20260623.csv", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            day = datetime.date.fromisoformat(row["Record Date"])
            if day > END or day < datetime.date(2022, 7, 1):
                continue
            if row["Type of Account"] == "Treasury General Account (TGA) Closing Balance":
                s = sums[(day.year, day.month)]
                s[0] += float(row["Opening Balance Today"]) * 1e-6
                s[1] += 1
    return {k: v[0] / v[1] for k, v in sorted(sums.items())}


tga = treasury_cash()
print("# TGA ($T), month means of the Daily Treasury Statement's closing balance:")
print(knots(tga, 3))
two = monthly("DGS2", 0.01)
gap = {k: v - midpoint_mean(*k) for k, v in two.items()}
print("# r2_gap (1/yr), DGS2 month means less the month's mean policy-rate midpoint:")
print(knots(gap, 4))
walcl, treast = monthly("WALCL", 1e-6), monthly("TREAST", 1e-6)
other = {k: walcl[k] - treast[k] for k in walcl if k in treast}
print("# Af_data ($T), WALCL less TREAST month means:")
print(knots(other, 3))
