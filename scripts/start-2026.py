#!/usr/bin/env python3
"""Writes calibration/liquidity-2026.toml, the default comparison's configuration: the
fitted history configuration (calibration/liquidity.toml) restarted on 2026-01-01 from
the end-2025 data.

    python3 scripts/start-2026.py [LIQUIDITY_BINARY [OUTPUT]]     (from the package root)
    python3 scripts/start-2026.py LIQUIDITY_BINARY OUTPUT priced  (models/liquidity-priced.sfc)

The stocks the data measure start at their 2025Q4 values in calibration/history-fred.csv
(debt held by the public, the Fed's Treasuries and other assets, reserves, ON RRP, the
investment-grade spread, bitcoin and the Nasdaq as the price indexes' anchors); the rest
of the state (coupons, the holders' splits, AI debt and capital, sovereign funds, the
term premium) starts where the fitted model stands on 2026-01-01. Prices restart at 1,
their units rescaled to 2026 values. Behaviour is the fit's.

With `priced`, the same for models/liquidity-priced.sfc and its mode
(calibration/liquidity-priced.toml, into calibration/liquidity-priced-2026.toml by default):
the measured stocks are December 2025's month means of the FRED files (no quarter-end
window dressing; debt held by the public at 2025Q4, a quarterly series), the Fed's deferred
asset and own coupon where the fit stands, and the crypto class valued at the crypto
market's $3T of end-2025 (issue 23), the other classes where the fit stands.
"""
import csv
import re
import subprocess
import sys
import tempfile

tool = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/liquidity"
priced = len(sys.argv) > 3 and sys.argv[3] == "priced"
output = sys.argv[2] if len(sys.argv) > 2 else "calibration/liquidity-2026.toml"
model = "models/liquidity-priced.sfc" if priced else "models/liquidity.sfc"
fitted = "calibration/liquidity-priced.toml" if priced else "calibration/liquidity.toml"
t0 = 2026.0
classes = ["crypto", "longdur", "aiequity", "cashflow"]

with tempfile.TemporaryDirectory() as out:
    subprocess.run(
        [tool, "run", "--model", model, "--config", fitted, "--to", "2026-01-01", "--save-step", "quarterly",
         "--quiet", "--out", out],
        check=True, stdout=subprocess.DEVNULL)
    run = list(csv.DictReader(open(f"{out}/series.csv")))[-1]
assert abs(float(run["t"]) - t0) < 1e-9, run["t"]
data = next(r for r in csv.DictReader(open("calibration/history-fred.csv")) if r["quarter"] == "2025Q4")
x = {k: float(v) for k, v in run.items() if k != "date"}

values = {
    # From the data, 2025Q4 (FRED ids as in calibration/history-fred.csv).
    "B0": (float(data["FYGFDPUN"]) / 1e6, "FYGFDPUN 2025Q4"),
    "Bf0": (float(data["TREAST"]) / 1e6, "TREAST 2025Q4"),
    "Af0": ((float(data["WALCL"]) - float(data["TREAST"])) / 1e6, "WALCL - TREAST 2025Q4"),
    "R0": (float(data["WRESBAL"]) / 1e6, "WRESBAL 2025Q4"),
    "RRP0": (float(data["RRPONTSYD"]) / 1e3, "RRPONTSYD 2025Q4"),
    "ig0": (float(data["BAMLC0A0CM"]) / 100, "BAMLC0A0CM 2025Q4"),
    "btc0": (float(data["CBBTCUSD"]), "CBBTCUSD 2025Q4"),
    "nasdaq0": (float(data["NASDAQCOM"]), "NASDAQCOM 2025Q4"),
    # From the fitted model on 2026-01-01.
    "Bfb0": (x["Bfb"], "the fit on 2026-01-01"),
    "kb0": (x["kb"], "the fit on 2026-01-01"),
    "Bw0": (x["Bwb"] + x["Bwc"], "the fit on 2026-01-01"),
    "Bs0": (x["Bs"], "the fit on 2026-01-01"),
    "C0": (x["C"], "the fit on 2026-01-01"),
    "kc0": (x["kc"], "the fit on 2026-01-01"),
    "PC0": (x["PC"], "the fit on 2026-01-01"),
    "K0": (x["K"], "the fit on 2026-01-01"),
    "Z0": (x["Z"], "the fit on 2026-01-01"),
    "Ms0": (x["Ms"], "the fit on 2026-01-01"),
    "Mw0": (x["Mw"], "the fit on 2026-01-01"),
    "Y0": (x["Y"], "the fit's GDP on 2026-01-01"),
    "pd0": (x["PD"], "the fit's primary deficit on 2026-01-01"),
    "tp0": (x["tp"], "the fit's term premium on 2026-01-01"),
}
for j in classes:
    values[f"Q.{j}"] = (x[f"qP_{j}"] * x[f"p_{j}"] + x[f"qS_{j}"] * x[f"p_{j}"], "market value on 2026-01-01 in the fit")
    values[f"qS0.{j}"] = (x[f"qS_{j}"] * x[f"p_{j}"], "the fit on 2026-01-01, at 2026 prices")

if priced:
    from fredmonths import month_means

    def december(series, scale):
        """December 2025's mean of data/SERIES.csv."""
        return month_means(series, scale)[(2025, 12)]

    del values["Af0"]
    for key, series, scale in [("Bf0", "TREAST", 1e-6), ("R0", "WRESBAL", 1e-6), ("RRP0", "RRPONTSYD", 1e-3),
                               ("ig0", "BAMLC0A0CM", 0.01), ("btc0", "CBBTCUSD", 1), ("nasdaq0", "NASDAQCOM", 1)]:
        values[key] = (december(series, scale), f"{series}, December 2025 mean")
    values["kbf0"] = (x["kbf"], "the fit on 2026-01-01")
    values["DA0"] = (x["DA"], "the fit on 2026-01-01")
    values["Q.crypto"] = (3.0, "the crypto market, about $3T at end-2025 (issue 23)")
    # The 10-year restarts at the data: the term premium is what December's DGS10 leaves over
    # the expected path (the fit's rb - tp on 2026-01-01, which the term premium does not move).
    values["tp0"] = (december("DGS10", 0.01) - (x["rb"] - x["tp"]), "DGS10, December 2025 mean, less the expected path")

text = open(fitted).read()
ig_rest = float(re.search(r"^ig_rest0 = ([^ ]+)", text, re.M).group(1))
g_ig = float(re.search(r"^g_ig = ([^ ]+)", text, re.M).group(1))
t_fit = float(re.search(r"^t0 = ([^ \n]+)", text, re.M).group(1))
values["ig_rest0"] = (ig_rest * 2.718281828459045 ** (g_ig * (t0 - t_fit)), "the fit's index outside AI on 2026-01-01")

lines = []
for line in text.split("\n"):
    key = line.split(" = ")[0] if " = " in line else None
    if line.startswith("t0 = "):
        line = f"t0 = {t0}"
    elif key in values:
        value, source = values.pop(key)
        unit = line.split("#", 1)[1].strip() if "#" in line else ""
        line = f"{key} = {value!r}  # {unit}; from {source}"
    lines.append(line)
assert not values, f"not in {fitted}: {sorted(values)}"
header = [
    "# The default comparison's configuration: calibration/liquidity.toml (the fit to 2022Q3-2025Q4)",
    "# restarted on 2026-01-01 from the end-2025 data; written by `python3 scripts/start-2026.py`.",
    "# Each restarted value names where it comes from.",
]
if priced:
    header = [
        f"# {model} restarted on 2026-01-01: {fitted} (the posterior mode on monthly data, July",
        "# 2022 to December 2025) from the end-2025 data; written by",
        "# `python3 scripts/start-2026.py LIQUIDITY_BINARY OUTPUT priced`.",
        "# Each restarted value names its source.",
    ]
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
body = "\n".join(line for line in lines if not line.startswith("# A configuration of") and not line.startswith("# of calibration/fit-liquidity"))
open(output, "w").write("\n".join(header) + "\n" + body.lstrip("\n"))
print(f"wrote {output}")
