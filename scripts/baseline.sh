#!/usr/bin/env bash
# Builds the tool and its benchmark at an earlier commit, beside the current tree,
# for measurements against the binary of that commit in the same run:
#   scripts/baseline.sh COMMIT   prints the folder of COMMIT's release build
# (.build/baseline-COMMIT/release, holding liquidity and liquidity-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
commit=$(git rev-parse --short "${1:?usage: scripts/baseline.sh COMMIT}")
tree=.build/baseline-$commit-tree
if [ ! -d "$tree" ]; then git worktree add -f --detach "$tree" "$commit" >&2; fi
swift build -c release --package-path "$tree" --scratch-path ".build/baseline-$commit" --product liquidity >&2
swift build -c release --package-path "$tree" --scratch-path ".build/baseline-$commit" --product liquidity-bench >&2
echo ".build/baseline-$commit/release"
