#!/usr/bin/env bash
# The error of a stepper's path of MODEL.md's model against a reference (rk8pd at
# rtol = atol = 1e-13), at each tolerance given: the largest |y - ref| / max(1, |ref|)
# over the model's states at the saved months, with the solve's steps and evaluations
# from its manifest. Uses the main job's binary (scripts/main.sh builds it).
#   scripts/accuracy.sh STEPPER TOLERANCE... [-- OPTIONS for liquidity run]
set -euo pipefail
cd "$(dirname "$0")/.."
stepper=${1:?usage: scripts/accuracy.sh STEPPER TOLERANCE... [-- OPTIONS]}
shift
tolerances=() options=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do tolerances+=("$1"); shift; done
[ $# -gt 0 ] && shift && options=("$@")
[ ${#tolerances[@]} -gt 0 ] || { echo "accuracy.sh: give at least one tolerance" >&2; exit 2; }
binary=.build/static/release/liquidity
[ -x "$binary" ] || binary=.build/release/liquidity
[ -x "$binary" ] || { echo "accuracy.sh: build the tool first (scripts/main.sh or swift build -c release)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model=models/reverse-qe.sfc
"$binary" run --model "$model" --solver rk8pd --rtol 1e-13 --atol 1e-13 --out "$work/reference" >/dev/null
for tolerance in "${tolerances[@]}"; do
    "$binary" run --model "$model" --solver "$stepper" --rtol "$tolerance" --atol "$tolerance" ${options[@]+"${options[@]}"} --out "$work/$tolerance" >/dev/null
done
python3 - "$work" "$model" "$stepper" "${tolerances[@]}" <<'PYTHON'
import csv, json, re, sys
work, model, stepper, tolerances = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
# The states are the names the model file declares with `state`.
text = open(model).read()
states = re.findall(r"^\s*state\s+(\w+)(?:\[\w+\s+in\s+(\w+)\])?", text, re.M)
def load(folder):
    rows = list(csv.reader(open(f"{folder}/series.csv")))
    return rows[0], rows[1:]
header, reference = load(f"{work}/reference")
sets = {}
for name, members in re.findall(r"^\s*set\s+(\w+)[^=\n]*=([^\n]*)", text, re.M):
    sets[name] = [re.match(r"\s*(\w+)", m).group(1) for m in members.split(",")]
columns = []
for name, index in states:
    columns += [f"{name}_{m}" for m in sets[index]] if index else [name]
missing = [c for c in columns if c not in header]
if missing: sys.exit(f"accuracy.sh: no columns {missing} in series.csv")
where = [header.index(c) for c in columns]
print(f"{stepper} against rk8pd at 1e-13, {len(columns)} states at {len(reference)} saved times:")
print()
print("| rtol = atol | error | steps | evaluations |")
print("| ---: | ---: | ---: | ---: |")
for tolerance in tolerances:
    _, rows = load(f"{work}/{tolerance}")
    error = max(abs(float(a[i]) - float(b[i])) / max(1.0, abs(float(b[i]))) for a, b in zip(rows, reference) for i in where)
    run = json.load(open(f"{work}/{tolerance}/manifest.json"))["runs"][0]
    print(f"| {tolerance} | {error:.1e} | {run['steps']} | {run['function_evaluations']} |")
PYTHON
