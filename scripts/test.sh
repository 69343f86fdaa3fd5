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
# The numerical libraries optimised in the debug build (see Package.swift).
export LIQUIDITY_OPTIMISE_DEBUG=1
started=$SECONDS
swift build --build-tests
# The C interface of the Python package (python/), which its tests load from the build.
swift build --product LiquidityC
# The example program (docs/swift.md), a package that depends on this one, built in a fresh
# folder (the package manager misses files added to a path dependency); a test runs it.
rm -rf .build/example
swift build --package-path Examples/compare-regimes --scratch-path .build/example >&2
built=$SECONDS
# The Slurm job array on a real single-node cluster (skips, saying why, where one cannot start).
scripts/slurm-test.sh
swift test --skip-build
# The Python package against the command line (python/tests).
PYTHONPATH="$PWD/python" LIQUIDITY_LIBRARY="$PWD/.build/debug/libLiquidityC.so" LIQUIDITY_TOOL="$PWD/.build/debug/liquidity" \
    python3 -m pytest -q python/tests
echo "test: build $((built - started)) s, tests $((SECONDS - built)) s" >&2
