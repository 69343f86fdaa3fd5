#!/usr/bin/env bash
# Instructions (valgrind's callgrind) of the tool's start-up and of one whole run of
# MODEL.md's model with msbdf at rtol 1e-6 (and with --native, its library already
# compiled into a cache of the script's own, where the binary has it), for each binary given (default: the
# main job's static build and the shared-runtime release build). Debug sections are
# stripped first: valgrind cannot read the toolchain's. BINARY:FOLDER runs in FOLDER
# (an earlier commit's binary on that commit's model file).
#   scripts/instructions.sh [BINARY[:FOLDER] ...]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
[ $# -gt 0 ] || set -- .build/static/release/liquidity .build/release/liquidity
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count() { valgrind --tool=callgrind --callgrind-out-file="$work/cg" "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'; }
millions() { awk -v n="$1" 'BEGIN { printf "%.1fM", n / 1e6 }'; }
printf '| binary | liquidity --version | liquidity run --model models/reverse-qe.sfc --solver msbdf --rtol 1e-6 | the same with --native |\n| --- | ---: | ---: | ---: |\n'
for given in "$@"; do
    binary=${given%%:*}
    folder=.
    [ "$binary" = "$given" ] || folder=${given#*:}
    strip --strip-debug -o "$work/liquidity" "$binary"
    version=$(count "$work/liquidity" --version)
    run=$(cd "$folder" && count "$work/liquidity" run --model models/reverse-qe.sfc --solver msbdf --rtol 1e-6 --out "$work/out")
    rm -rf "$work/out"
    native=-
    help=$("$work/liquidity" run --help)
    if [[ $help == *--native* ]]; then
        export LIQUIDITY_NATIVE_CACHE="$work/cache"
        (cd "$folder" && "$work/liquidity" run --model models/reverse-qe.sfc --solver msbdf --rtol 1e-6 --native --out "$work/out" >/dev/null)
        rm -rf "$work/out"
        native=$(cd "$folder" && count "$work/liquidity" run --model models/reverse-qe.sfc --solver msbdf --rtol 1e-6 --native --out "$work/out")
        native=$(millions "$native")
        rm -rf "$work/out"
    fi
    printf '| %s | %s | %s | %s |\n' "$binary" "$(millions "$version")" "$(millions "$run")" "$native"
done
