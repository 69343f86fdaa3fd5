#!/usr/bin/env bash
# Runs the main job, a counterfactual comparison with the dashboard, an msbdf comparison with a
# scenario, the notebook export, two runs, three sweeps (Latin, Saltelli, elasticity), two shards and
# their merge, the calibration check and a full fit, matrices, params and history, each with an
# old and a new build of the tool, and reports every file or printed line that differs. Ignored:
# the manifest's and reports' command line, commit and wall time (they differ by construction),
# and the order of rows in runs.csv of multi-threaded sweeps (compared sorted).
#
#   scripts/same-outputs.sh OLD_BINARY NEW_BINARY     (from the package root; about 2.5 minutes)
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: scripts/same-outputs.sh OLD_BINARY NEW_BINARY" >&2; exit 2; }
old=$(realpath "$1"); new=$(realpath "$2")
work=$(mktemp -d)
# PDFs carry their creation time unless SOURCE_DATE_EPOCH fixes it (cairo, through rsvg-convert).
export SOURCE_DATE_EPOCH=0
capture() {
    local bin=$1 out=$2
    mkdir -p "$out"
    r() { local name=$1; shift; "$bin" "$@" > "$out/$name.stdout" 2> "$out/$name.stderr"; echo $? > "$out/$name.status"; }
    r main --quiet --out "$out/main"
    r cf compare --counterfactual --plot --quiet --out "$out/cf"
    r cf-msbdf compare --counterfactual --regimes none,buyer,share --solver msbdf --rtol 1e-8 --atol 1e-8 \
        --scenario scenarios/tight.toml --quiet --out "$out/cf-msbdf"
    r export export --notebook "$out/export" --counterfactual --regimes none,buyer --quiet
    r run run --regime buyer --plot --quiet --out "$out/run"
    r run-q run --model models/reverse-qe.sfc --config calibration/modelmd.toml --set payout=0.5 --save-step quarterly --quiet --out "$out/run-q"
    r sweep sweep scenarios/sweep-example.toml --jobs 1 --quiet --out "$out/sweep"
    r sobol sweep scenarios/sobol-example.toml --quiet --out "$out/sobol"
    r elast sweep scenarios/elasticity-example.toml --quiet --out "$out/elast"
    r shard1 sweep scenarios/sweep-example.toml --jobs 1 --shard 1/2 --quiet --out "$out/shard1"
    r shard2 sweep scenarios/sweep-example.toml --jobs 1 --shard 2/2 --quiet --out "$out/shard2"
    r merge sweep merge "$out/merged" "$out/shard1" "$out/shard2"
    r check calibrate --check --model models/reverse-qe.sfc --config calibration/baseline.toml
    r fit calibrate --quiet --write "$out/fit/fitted.toml"
    r mat-table matrices --at 2028-01-01
    r mat-latex matrices --at 2028.5 --regime buyer --format latex
    r mat-md matrices --symbolic --format markdown
    r params params --format csv
    r params-toml params --model models/reverse-qe.sfc --config calibration/modelmd.toml --set payout=0.5 --toml
    r hist-make history --make-config calibration/baseline.toml
    r hist-compare history --compare calibration/history2022.toml --model models/reverse-qe.sfc --format markdown
    r bad compare --regimes none,bogus --out "$out/bad"
    for f in "$out"/*.stdout; do sed -i "s#$out#OUT#g" "$f"; done
}
capture "$old" "$work/old"
capture "$new" "$work/new"
differences=0
cd "$work"
while IFS= read -r file; do
    a="old/$file"; b="new/$file"
    if [ ! -e "$b" ]; then echo "only in the old outputs: $file"; differences=$((differences + 1)); continue; fi
    case "$file" in
        */manifest.json|*/sweep.json|*-report.md|*-report.json|*.ipynb)
            filter() { grep -v -e '"wall_time' -e 'commit' -e "$work" -e '"command"' "$1" | grep -v '^    "/'; } ;;
        sobol/runs.csv|elast/runs.csv) filter() { sort "$1"; } ;;
        *) filter() { cat "$1"; } ;;
    esac
    if ! cmp -s <(filter "$a") <(filter "$b"); then echo "differs: $file"; differences=$((differences + 1)); fi
done < <(cd old && find . -type f | sed 's#^\./##' | sort)
while IFS= read -r file; do
    [ -e "old/$file" ] || { echo "only in the new outputs: $file"; differences=$((differences + 1)); }
done < <(cd new && find . -type f | sed 's#^\./##' | sort)
echo "$differences files differ ($(cd old && find . -type f | wc -l) compared); outputs in $work"
[ "$differences" -eq 0 ]
