#!/usr/bin/env bash
# Installs what the project needs and is missing: GSL (libgsl-dev), pkg-config
# and rsvg-convert (librsvg2-bin) from Debian's packages; with --bench also SUNDIALS
# (libsundials-dev) for the benchmarks' CVODE peer. Safe to run again: it installs nothing
# that is already there.
set -euo pipefail

need=()
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
if ! pkg-config --exists gsl 2>/dev/null; then need+=(libgsl-dev); fi
# rsvg-convert turns the dashboard's SVG into PNG (optional for the tool, used by the tests).
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
# With --bench: SUNDIALS CVODE, the peer of `liquidity-bench work-precision` (about 100 MB with its dependencies).
if [ "${1:-}" = "--bench" ] && [ ! -f /usr/include/cvode/cvode.h ]; then need+=(libsundials-dev); fi

if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${need[@]}" >/dev/null
    # Package.swift builds the CVODE peer only where SUNDIALS's header exists; SwiftPM caches
    # the manifest's evaluation, so a cached one from before the install must go.
    if printf '%s\n' "${need[@]}" | grep -qx libsundials-dev; then rm -rf "$HOME/.cache/org.swift.swiftpm/manifests"; touch "$(dirname "$0")/../Package.swift"; fi
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: no 'swift' on PATH; install Swift 6 from swift.org first" >&2
    exit 1
fi
