#!/usr/bin/env bash
# Tests the Slurm job array on a real single-node cluster: installs munge, slurmctld
# and slurmd when missing, starts them in a scratch folder, runs a small sweep as 3
# shards plus the merge job, and checks the merged files against the same sweep run
# locally (rows sorted). When the cluster cannot start here, it says why and exits 77 (the
# automake convention for a skipped test), which scripts/test.sh reports as a skip, and as a
# failure in CI.
set -uo pipefail
cd "$(dirname "$0")/.."
skip() { echo "slurm test: skipped: $*"; cleanup; exit 77; }
fail() { echo "slurm test: FAILED: $*"; cleanup; exit 1; }
dir=$(mktemp -d /tmp/liquidity-slurm.XXXXXX)
cleanup() {
    [ -f "$dir/slurmd.pid" ] && kill "$(cat "$dir/slurmd.pid")" 2>/dev/null
    [ -f "$dir/slurmctld.pid" ] && kill "$(cat "$dir/slurmctld.pid")" 2>/dev/null
    [ -f "$dir/munged.pid" ] && kill "$(cat "$dir/munged.pid")" 2>/dev/null
    sleep 1
}

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    [ "$(id -u)" -eq 0 ] || skip "slurmctld, slurmd and munge are not installed and this is not root"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd munge >/dev/null 2>&1 \
        || skip "apt-get could not install slurmctld, slurmd and munge"
fi
# The tool as the test build left it (its numerical libraries are optimised in debug builds too).
tool=$(pwd)/.build/debug/liquidity
[ -x "$tool" ] || swift build --product liquidity >/dev/null 2>&1 || fail "build of the tool"

host=$(hostname -s)
mkdir -p "$dir"/{state,spool,log,out}
dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 2>/dev/null && chmod 400 "$dir/munge.key"
munged --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" --pid-file="$dir/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge.seed" 2>"$dir/log/munged.err" \
    || skip "munged would not start: $(tail -1 "$dir/log/munged.err")"
cat > "$dir/slurm.conf" <<CONF
ClusterName=liquiditytest
SlurmctldHost=$host
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld 2>"$dir/log/slurmctld.err" || skip "slurmctld would not start: $(tail -1 "$dir/log/slurmctld.err")"
slurmd 2>"$dir/log/slurmd.err" || skip "slurmd would not start: $(tail -1 "$dir/log/slurmd.err")"
for _ in $(seq 1 30); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -1)
    [ "$state" = "idle" ] && break
    sleep 1
done
[ "$state" = "idle" ] || skip "the node did not come up (state '${state:-none}'): $(tail -2 "$dir/log/slurmd.log" 2>/dev/null)"

cat > "$dir/spec.toml" <<SPEC
name = "slurm test"
design = "latin"
draws = 12
seed = 5
regimes = ["none", "buyer"]
[[parameter]]
key = "I1"
distribution = "uniform"
lower = 0.5
upper = 1.2
SPEC
config=$(pwd)/calibration/liquidity-priced.toml
read -r array merge < <(LIQUIDITY=$tool slurm/submit-sweep.sh "$dir/spec.toml" "$dir/out" 3 "$config") \
    || fail "sbatch refused the jobs"
for _ in $(seq 1 120); do
    [ -z "$(squeue -h -j "$array,$merge" 2>/dev/null)" ] && break
    sleep 1
done
[ -f "$dir/out/merged/runs.csv" ] || fail "no merged runs.csv; job logs: $(cat "$dir"/out/*.out 2>/dev/null | tail -5)"
"$tool" sweep "$dir/spec.toml" --config "$config" --out "$dir/local" --quiet >/dev/null || fail "local sweep"
sorted() { { head -1 "$1"; tail -n +2 "$1" | sort -t, -k1,1n -k2,2; }; }
if ! diff <(sorted "$dir/local/runs.csv") <(sorted "$dir/out/merged/runs.csv") >/dev/null; then
    fail "the merged shards differ from the local sweep"
fi
rows=$(($(wc -l < "$dir/out/merged/runs.csv") - 1))
echo "slurm test: passed: 3 array tasks and a merge job on a single-node cluster ($host) gave the $rows rows of the local sweep"
cleanup
rm -rf "$dir"
