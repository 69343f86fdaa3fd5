"""Month means of the files in data/, July 2022 to December 2025, for the priced model's
scripts (monthly-tables.py, price-betas-monthly.py, money-market-goals.py).
Rows after 2025-12-31 are never used."""
import csv
import datetime
from collections import defaultdict

START, END = datetime.date(2022, 7, 1), datetime.date(2025, 12, 31)


def _means(rows, scale):
    """{(year, month): mean of value * scale} of (date, value) rows inside START..END."""
    sums = defaultdict(lambda: [0.0, 0])
    for date, value in rows:
        day = datetime.date.fromisoformat(date)
        if day < START or day > END or value in ("", "."):
            continue
        s = sums[(day.year, day.month)]
        s[0] += float(value) * scale
        s[1] += 1
    return {k: v[0] / v[1] for k, v in sorted(sums.items())}


def month_means(series, scale=1.0):
    """The month means of data/SERIES.csv (a FRED export: date, value), times scale."""
    with open(f"data/{series}.csv") as f:
        rows = csv.reader(f)
        next(rows)
        return _means(((r[0], r[1]) for r in rows), scale)


def treasury_cash():
    """Month means of the Daily Treasury Statement's TGA closing balance, $T."""
    with open("data/DTS_OpCashBal_20210624_20260623.csv", encoding="utf-8-sig") as f:
        rows = [(r["Record Date"], r["Opening Balance Today"]) for r in csv.DictReader(f)
                if r["Type of Account"] == "Treasury General Account (TGA) Closing Balance"]
    return _means(rows, 1e-6)
