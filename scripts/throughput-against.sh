#!/usr/bin/env bash
# Runs per second of the default path on one core (liquidity-bench throughput: MODEL.md's
# model, msbdf at 1e-6, monthly output) from the current release build and from COMMIT's,
# alternating ROUNDS times in one run; prints each round, the ratio of the medians and the
# median of the rounds' ratios (each round's two rates are adjacent, so a drift in the
# machine's speed cancels in it).
# Further arguments go to the current build's benchmark (--native, --solver rk8pd, --tolerance 1e-8)
# and, except --native, to COMMIT's.
#   scripts/throughput-against.sh COMMIT [ROUNDS] [ARGUMENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
commit=${1:?usage: scripts/throughput-against.sh COMMIT [ROUNDS] [ARGUMENTS]}
rounds=5
shift
if [[ ${1:-} =~ ^[0-9]+$ ]]; then rounds=$1; shift; fi
current=("$@") previous=()
for argument in "$@"; do [ "$argument" = --native ] || previous+=("$argument"); done
baseline=$(scripts/baseline.sh "$commit")
swift build -c release --product liquidity-bench >&2
rate() { local folder=$1; shift; "$folder/liquidity-bench" throughput --runs 300 "$@" | awk -F'|' '$2 ~ /^ *1 *$/ { gsub(/ /, "", $3); print $3 }'; }
old=() new=()
for _ in $(seq "$rounds"); do
    old+=("$(rate "$baseline" ${previous[@]+"${previous[@]}"})")
    new+=("$(rate .build/release ${current[@]+"${current[@]}"})")
    echo "runs per second on one core: $commit ${old[-1]}, now ${new[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratios=()
for k in "${!old[@]}"; do ratios+=("$(awk -v o="${old[$k]}" -v n="${new[$k]}" 'BEGIN { print n / o }')"); done
awk -v o="$(median "${old[@]}")" -v n="$(median "${new[@]}")" -v r="$(median "${ratios[@]}")" -v c="$commit" \
    'BEGIN { printf "medians: %s %.1f runs/s, now %.1f runs/s: %.2fx; median of the rounds'"'"' ratios: %.2fx\n", c, o, n, n / o, r }'
