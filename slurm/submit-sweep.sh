#!/bin/bash
# Runs a sweep on a Slurm cluster: N shards as a job array, then a job that merges
# them into OUT/merged once every shard has succeeded.
#   slurm/submit-sweep.sh SPEC.toml OUT N [CONFIG]
# Prints the two job ids. LIQUIDITY (default: the release build beside this script)
# names the executable; it must be reachable from the compute nodes.
set -euo pipefail
spec=$(realpath "$1"); out=$(realpath -m "$2"); shards=$3; config=${4:+$(realpath "$4")}
here=$(cd "$(dirname "$0")" && pwd)
liquidity=${LIQUIDITY:-$here/../.build/release/liquidity}
mkdir -p "$out"
array=$(sbatch --parsable --array="1-$shards" --chdir="$out" \
    --export=ALL,LIQUIDITY="$liquidity",SPEC="$spec",OUT="$out",CONFIG="$config" "$here/sweep-array.sbatch")
parts=$(for k in $(seq 1 "$shards"); do printf '%s ' "$out/shard$k"; done)
merge=$(sbatch --parsable --dependency="afterok:$array" --chdir="$out" --job-name=liquidity-merge \
    --output="$out/merge-%j.out" --wrap="$liquidity sweep merge $out/merged $parts")
echo "$array $merge"
