#!/usr/bin/env bash
# Installs what is missing, then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The notebook test runs the exported notebook in a real Jupyter kernel; a model test
# checks the Swift model against its SciPy port (Tests/SciPyReference/model.py).
# The Python package's tests run with pytest.
if ! python3 -c "import nbclient, nbformat, ipykernel, pandas, matplotlib, scipy, pytest" >/dev/null 2>&1; then
    echo "test: installing nbclient, nbformat, ipykernel, pandas, matplotlib, scipy and pytest with pip" >&2
    python3 -m pip install -q nbclient nbformat ipykernel pandas matplotlib scipy pytest
fi
# The R example of the Python package (python/examples/compare.R) runs in R through reticulate.
if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'library(reticulate)' >/dev/null 2>&1; then
    echo "test: installing R and reticulate (r-base-core, r-cran-reticulate) with apt" >&2
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends r-base-core r-cran-reticulate >/dev/null \
        || { DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends r-base-core r-cran-reticulate >/dev/null; }
fi
# The numerical libraries optimised in the debug build (see Package.swift).
export LIQUIDITY_OPTIMISE_DEBUG=1
# No test needs the benchmarks (Benchmarks/): the test build leaves them out (Package.swift).
export LIQUIDITY_NO_BENCHMARKS=1
started=$SECONDS
swift build --build-tests
# The C interface of the Python package (python/), which its tests load from the build.
swift build --product LiquidityC
# The example program (docs/swift.md), a package that depends on this one, built in a fresh
# folder (the package manager misses files added to a path dependency); a test runs it.
rm -rf .build/example
swift build --package-path Examples/compare-regimes --scratch-path .build/example >&2
built=$SECONDS
# A seeded sample of the fuzz of every command, file format and fault (the full run is
# `scripts/fuzz`, 5,200 cases), run beside the tests below (the test suite leaves a core idle
# for much of its time); any case that is not clean fails the command.
mkdir -p .build/fuzz
python3 scripts/fuzz --cases 200 --seed 28 --timeout 30 --report .build/fuzz/report.json > .build/fuzz/log 2>&1 &
fuzz=$!
trap 'kill "$fuzz" 2>/dev/null || true' EXIT
# The Slurm job array on a real single-node cluster. Where one cannot start it says why and
# exits 77: a skip, reported as one; in CI (CI=true or LIQUIDITY_NO_SKIPS=1) every test must
# run, so there a skip fails the command, as it does for the Swift and Python tests.
slurm=0
scripts/slurm-test.sh || slurm=$?
if [ "$slurm" -eq 77 ]; then
    if [ "${CI:-}" = "true" ] || [ "${LIQUIDITY_NO_SKIPS:-}" = "1" ]; then
        echo "test: the Slurm test was skipped, and CI must run every test" >&2
        exit 1
    fi
    echo "test: 1 skipped (the Slurm test)" >&2
elif [ "$slurm" -ne 0 ]; then
    exit "$slurm"
fi
swift test --skip-build
# The Python package against the command line (python/tests).
PYTHONPATH="$PWD/python" LIQUIDITY_LIBRARY="$PWD/.build/debug/libLiquidityC.so" LIQUIDITY_TOOL="$PWD/.build/debug/liquidity" \
    python3 -m pytest -q python/tests
fuzzed=0
wait "$fuzz" || fuzzed=$?
trap - EXIT
cat .build/fuzz/log
[ "$fuzzed" -eq 0 ] || exit "$fuzzed"
echo "test: build $((built - started)) s, tests $((SECONDS - built)) s" >&2
