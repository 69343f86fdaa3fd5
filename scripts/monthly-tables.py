#!/usr/bin/env python3
"""Prints the monthly input tables of models/liquidity-priced.sfc from the FRED files in data/.

    python3 scripts/monthly-tables.py            (from the package root)

Each knot sits at the middle of its month (t = year + (month - 0.5) / 12) and holds the month's
mean of the daily or weekly observations, July 2022 to December 2025; the rows after 2025-12-31
are never read. The model file's tables are this script's output, pasted.
"""
import calendar
import datetime
import tomllib

from fredmonths import month_means, treasury_cash


def knots(values, digits):
    """The knots, five to a line, each line but the last continued with a backslash."""
    items = [f"({y + (m - 0.5) / 12:.4f}, {v:.{digits}f})" for (y, m), v in values.items()]
    lines = [", ".join(items[i:i + 5]) for i in range(0, len(items), 5)]
    return ", \\\n".join("    " + line for line in lines)


# The FOMC's target-range midpoints after each change, for the 2-year's gap to them.
with open("calibration/history-inputs.toml", "rb") as f:
    policy = [(datetime.date.fromisoformat(d), r) for d, r in tomllib.load(f)["policy_rate"]]


def midpoint_mean(year, month):
    """The month's mean of the midpoint in effect each day."""
    days = [datetime.date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    return sum([r for d, r in policy if d <= day][-1] for day in days) / len(days)


tga = treasury_cash()
print("# TGA ($T), month means of the Daily Treasury Statement's closing balance:")
print(knots(tga, 3))
two = month_means("DGS2", 0.01)
gap = {k: v - midpoint_mean(*k) for k, v in two.items()}
print("# r2_gap (1/yr), DGS2 month means less the month's mean policy-rate midpoint:")
print(knots(gap, 4))
walcl, treast = month_means("WALCL", 1e-6), month_means("TREAST", 1e-6)
other = {k: walcl[k] - treast[k] for k in walcl if k in treast}
print("# Af_data ($T), WALCL less TREAST month means:")
print(knots(other, 3))
