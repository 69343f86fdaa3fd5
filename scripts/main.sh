#!/usr/bin/env bash
# The main job: builds the tool in release mode and runs the default
# comparison of Fed regimes, writing its files to out/compare/ and printing a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Without arguments, the main job: every Fed regime with and without the AI boom.
if [ "$#" -eq 0 ]; then set -- compare --counterfactual; fi
# Swift's runtime linked in: the tool starts in fewer instructions (docs/benchmarks.md, "Start-up").
# A toolchain without the static runtime gets the shared one.
if swift build -c release --product liquidity --static-swift-stdlib --scratch-path .build/static >&2; then
    exec .build/static/release/liquidity "$@"
fi
echo "main.sh: the static Swift runtime did not link here; building with the shared one" >&2
swift build -c release --product liquidity >&2
exec .build/release/liquidity "$@"
