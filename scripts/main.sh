#!/usr/bin/env bash
# The main job: builds the tool in release mode and runs the default
# comparison of Fed regimes, writing its files to out/compare/ and printing a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product liquidity >&2
exec .build/release/liquidity "$@"
