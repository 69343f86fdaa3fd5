#!/usr/bin/env bash
# Installs the tool so that it runs from any folder: PREFIX/bin/liquidity, and the package's
# files it reads (models, calibrations, scenarios, data, the notebook's template, the Python
# package) in PREFIX/share/liquidity, where the tool looks for them beside itself.
#
#   scripts/install.sh PREFIX                  builds in release mode (static Swift runtime), installs
#   scripts/install.sh PREFIX --binary FILE    installs FILE instead of building (the tests' way)
#
# Then: export PATH="PREFIX/bin:$PATH"; liquidity (from any folder) writes out/compare/ there.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: scripts/install.sh PREFIX [--binary FILE]" >&2; exit 2; }
prefix=$1
binary=""
if [ $# -ge 3 ] && [ "$2" = "--binary" ]; then binary=$3; fi
cd "$(dirname "$0")/.."
root=$PWD
if [ -z "$binary" ]; then
    scripts/setup.sh
    if swift build -c release --product liquidity --static-swift-stdlib --scratch-path .build/static >&2; then
        binary=.build/static/release/liquidity
    else
        swift build -c release --product liquidity >&2
        binary=.build/release/liquidity
    fi
fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 2; }
mkdir -p "$prefix/bin" "$prefix/share/liquidity"
share=$(cd "$prefix/share/liquidity" && pwd)
for folder in models calibration scenarios data notebooks-export python; do
    rm -rf "${share:?}/$folder"
    cp -R "$root/$folder" "$share/$folder"
done
find "$share/python" -name __pycache__ -prune -exec rm -rf {} + 2>/dev/null || true
install -m 0755 "$binary" "$prefix/bin/liquidity"
echo "installed $prefix/bin/liquidity and its files in $share"
