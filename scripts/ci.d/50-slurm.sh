#!/usr/bin/env bash
# A real Slurm on this machine: Debian's slurm-wlm and munge, one node (localhost, 2 CPUs), with
# a generated munge key; munged, slurmctld and slurmd are stopped at the end, whatever happens.
# On it, the scripts users submit (deploy/slurm/, as the README shows them):
#   - submit-infer.sh: zoo infer --shard as a 4-task array job over a generated file of 200,000
#     images, then zoo merge as a job that depends on it; the merged file must be byte-identical to
#     one process's output, and zoo merge must refuse the parts with one missing or one repeated;
#   - sweep.sh: a training sweep (tiny-ae-2 and tiny-ae-4, seeds 0 and 1) as an array job, one task
#     killed (SIGKILL to its process) after its first checkpoint: the comparison job must report that run as
#     failed (not missing); submitted again, only that run is trained, resumed from its checkpoint,
#     to the weights of a run never killed; the comparison table is printed.
# Prints the time of each step. Installs slurm-wlm and munge when missing (needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
last=$(date +%s%3N)
first=$last
step() {
  local now
  now=$(date +%s%3N)
  awk -v a="$last" -v b="$now" -v s="$1" 'BEGIN { printf "50-slurm: %-66s %6.1f s\n", s, (b - a) / 1000 }'
  last=$now
}
fail() {
  echo "50-slurm: FAIL: $*" >&2
  exit 1
}

need=()
command -v slurmctld >/dev/null || need+=(slurm-wlm)
command -v munged >/dev/null || need+=(munge)
if ((${#need[@]})); then
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
step "install ${need[*]:-nothing (slurm-wlm and munge are installed)}"

tmp=$(mktemp -d /tmp/zoo-slurm.XXXXXX)
chmod 755 "$tmp" # munged wants its socket's folder open to all
pids=()
cleanup() {
  local status=$?
  if [ -n "${SLURM_CONF:-}" ] && [ -e "$SLURM_CONF" ]; then
    scancel --quiet --user="$(id -un)" 2>/dev/null || true
  fi
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    $sudo kill "${pids[i]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# munge: a key of our own, the socket in our folder.
mkdir -m 700 "$tmp/key"
mkdir -m 755 "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log"
mungekey --create --keyfile="$tmp/key/munge.key"
$sudo munged -F --key-file="$tmp/key/munge.key" --socket="$tmp/munge/munge.sock" --pid-file="$tmp/munge/munged.pid" \
  --log-file="$tmp/log/munged.log" --seed-file="$tmp/key/munged.seed" >>"$tmp/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$tmp/munge/munge.sock" ] && break; sleep 0.1; done
munge -S "$tmp/munge/munge.sock" -n | unmunge -S "$tmp/munge/munge.sock" >/dev/null || fail "munge does not work: $(cat "$tmp/log/munged.log")"

node=$(hostname -s)
cat >"$tmp/slurm.conf" <<EOF
ClusterName=zoo-ci
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.sock
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$tmp/slurm.conf
$sudo slurmctld -D -c -f "$SLURM_CONF" >>"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
$sudo slurmd -D -f "$SLURM_CONF" -N "$node" >>"$tmp/log/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
  [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break
  sleep 0.1
done
[ "$(sinfo -h -o %T 2>/dev/null)" = idle ] || fail "the node is not idle: $(sinfo 2>&1); $(tail -n 5 "$tmp/log/"*.log)"
step "munged, slurmctld, slurmd up; node $node idle"

# wait_jobs ID...: waits until the jobs have left the queue (10 minutes at most).
wait_jobs() {
  local ids
  ids=$(IFS=,; echo "$*")
  for _ in $(seq 6000); do
    squeue -h -j "$ids" 2>/dev/null | grep -q . || return 0
    sleep 0.1
  done
  fail "jobs $ids still queued: $(squeue)"
}
# states ID: the states of a job's tasks, sorted and counted ("4 COMPLETED").
states() {
  scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | sed 's/JobState=//' | sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }'
}

work=$tmp/work
mkdir -p "$work/bin"
go build -o "$work/bin/zoo" ./cmd/zoo
export PATH=$work/bin:$PATH
step "go build ./cmd/zoo"

# 200,000 images: the fixture's 512 test images over and over; and 20,000 of them to train on.
/usr/bin/python3 - "$repo/fixtures/mnist-512/t10k-images-idx3-ubyte.gz" "$work" <<'EOF'
import gzip, struct, sys
raw = gzip.open(sys.argv[1]).read()
magic, n, h, w = struct.unpack(">IIII", raw[:16])
px = raw[16:]
for name, count in (("big.idx", 200000), ("train.idx", 20000)):
    with open(sys.argv[2] + "/" + name, "wb") as f:
        f.write(struct.pack(">IIII", magic, count, h, w))
        full, rest = divmod(count, n)
        f.write(px * full + px[: rest * h * w])
EOF
zoo export relu-ae-30 --init --seed 0 --out "$work/models" >/dev/null
step "generated big.idx (200,000 images) and train.idx; exported relu-ae-30"

cd "$work"
zoo infer models/relu-ae-30 big.idx --threads 2 --out whole.idx | sed 's/^/  one process: /'
step "zoo infer over 200,000 images in one process"

ids=$(MODEL=models/relu-ae-30 DATA=big.idx PARTS=parts OUT=merged.idx SHARDS=4 SBATCH_ARGS="-c 1" "$repo/deploy/slurm/submit-infer.sh")
echo "  submit-infer.sh: array job and merge job $ids"
# shellcheck disable=SC2086
wait_jobs $ids
infer_states=$(states "${ids% *}") merge_states=$(states "${ids#* }")
echo "  array job: $infer_states; merge job: $merge_states"
[ "$infer_states" = "4 COMPLETED" ] && [ "$merge_states" = "1 COMPLETED" ] || fail "jobs did not complete: $(cat zoo-*.out)"
sed 's/^/  /' zoo-merge-*.out
cmp whole.idx merged.idx || fail "the merged parts differ from one process's output"
echo "  cmp: merged.idx ($(stat -c %s merged.idx) bytes) is byte-identical to whole.idx"
step "sbatch --array=0-3 infer.sh, then merge.sh (afterok); cmp"

if zoo merge bad.idx parts/part-0.idx parts/part-1.idx parts/part-3.idx 2>missing.txt; then fail "a merge without shard 2 passed"; fi
grep -q "shard 2/4 (examples 100000 to 149999) missing" missing.txt || fail "merge without shard 2: $(cat missing.txt)"
if zoo merge bad.idx parts/part-0.idx parts/part-1.idx parts/part-1.idx parts/part-2.idx parts/part-3.idx 2>extra.txt; then fail "a merge with shard 1 twice passed"; fi
grep -q "parts/part-1.idx and parts/part-1.idx are both shard 1/4" extra.txt || fail "merge with shard 1 twice: $(cat extra.txt)"
[ ! -e bad.idx ] || fail "a refused merge left bad.idx"
sed 's/^/  refused: /' missing.txt extra.txt
step "zoo merge refuses a missing and a repeated part"

sweep=(--models tiny-ae-2,tiny-ae-4 --seeds 0,1 --epochs 20 --data train.idx --val-split 2000 --out runs)
dir=runs/tiny-ae/sweep-model
killed=$dir/model=tiny-ae-2-seed=1
ids=$(SBATCH_ARGS="-c 1" "$repo/deploy/slurm/sweep.sh" "${sweep[@]}")
runs=${ids% *}
echo "  sweep.sh: array job and compare job $ids; $(grep -- '--array' $dir/sweep.sbatch)"
epoch() { /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["epoch"])' "$1/run.json" 2>/dev/null || echo 0; }
for _ in $(seq 3000); do
  [ "$(epoch "$killed")" -ge 1 ] && break
  sleep 0.1
done
at=$(epoch "$killed")
[ "$at" -ge 1 ] && [ "$at" -lt 20 ] || fail "task 1 is at epoch $at: cannot kill it after its first checkpoint and before its end"
# SIGKILL to the task's zoo process, as the OOM killer or a lost node ends it (scancel sends
# SIGTERM first, which zoo answers with a checkpoint: an interrupted run, not a dead one).
pid=$(pgrep -f -- "zoo sweep $work/$dir --index 1\$") || fail "no process trains task 1"
kill -KILL "$pid"
echo "  kill -KILL $pid (task ${runs}_1: zoo sweep $dir --index 1) at epoch $at"
# shellcheck disable=SC2086
wait_jobs $ids
echo "  array job: $(states "$runs")"
sed 's/^/  compare: /' $dir/compare.txt
grep -q "model=tiny-ae-2-seed=1 .*failed: its process died at epoch" $dir/compare.txt || fail "the killed run is not reported as failed"
grep -q "4 runs (3 finished, 1 failed)" $dir/compare.txt || fail "the comparison does not count the killed run as failed"
step "sweep.sh: 4-task array job, task 1 killed, compare job (afterany)"

ids=$(SBATCH_ARGS="-c 1" "$repo/deploy/slurm/sweep.sh" "${sweep[@]}")
grep -q -- '--array=1$' $dir/sweep.sbatch || fail "the sweep again submits more than the killed run: $(grep -- --array $dir/sweep.sbatch)"
# shellcheck disable=SC2086
wait_jobs $ids
grep -q "run 1, model=tiny-ae-2-seed=1: resumed from its last checkpoint" $dir/logs/slurm-"${ids% *}"_1.out || fail "task 1 was not resumed: $(cat $dir/logs/slurm-"${ids% *}"_1.out)"
grep -q "4 runs (4 finished)" $dir/compare.txt || fail "the sweep did not finish: $(cat $dir/compare.txt)"
# The tasks ran with -c 1, so one OpenBLAS thread (sweep.sbatch exports SLURM_CPUS_PER_TASK): the
# run never killed uses the same, as OpenBLAS splits some products differently for another count.
OPENBLAS_NUM_THREADS=1 zoo sweep "${sweep[@]}" --out fresh --index 1 --quiet >/dev/null
cmp "$killed/model.safetensors" fresh/tiny-ae/sweep-model/model=tiny-ae-2-seed=1/model.safetensors ||
  fail "the killed and resumed run's weights differ from a run never killed"
echo "  the sweep again: --array=1 only; task 1 resumed; its weights equal a run never killed (cmp)"
step "sweep.sh again: the killed run resumed; compare"
echo "== comparison of the sweep ($dir/compare.txt)"
cat $dir/compare.txt
for f in compare.csv compare.json compare.png; do [ -s "$dir/$f" ] || fail "no $dir/$f"; done
awk -v a="$first" -v b="$(date +%s%3N)" 'BEGIN { printf "50-slurm: ok in %.1f s\n", (b - a) / 1000 }'
