#!/usr/bin/env bash
# Runs per second of the default path on one core (liquidity-bench throughput: MODEL.md's
# model, msbdf at 1e-6, monthly output) from the current release build and from COMMIT's,
# alternating ROUNDS times in one run; prints each round and the ratio of the medians.
#   scripts/throughput-against.sh COMMIT [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=$(scripts/baseline.sh "${1:?usage: scripts/throughput-against.sh COMMIT [ROUNDS]}")
swift build -c release --product liquidity-bench >&2
rate() { "$1/liquidity-bench" throughput --runs 300 | awk -F'|' '$2 ~ /^ *1 *$/ { gsub(/ /, "", $3); print $3 }'; }
old=() new=()
for _ in $(seq "${2:-5}"); do
    old+=("$(rate "$baseline")")
    new+=("$(rate .build/release)")
    echo "runs per second on one core: $1 ${old[-1]}, now ${new[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
awk -v o="$(median "${old[@]}")" -v n="$(median "${new[@]}")" -v c="$1" \
    'BEGIN { printf "medians: %s %.1f runs/s, now %.1f runs/s: %.2fx\n", c, o, n, n / o }'
