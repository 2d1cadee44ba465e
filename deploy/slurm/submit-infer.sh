#!/bin/sh
# Submits zoo infer over DATA as SHARDS Slurm array tasks (infer.sh) and zoo merge into OUT once
# all of them succeeded (merge.sh), and prints the two job ids:
#   MODEL=models/relu-ae-30 DATA=big.idx PARTS=parts OUT=recon.idx SHARDS=8 deploy/slurm/submit-infer.sh
# SBATCH_ARGS adds sbatch options to both jobs (such as "--partition=cpu" or "-c 1").
set -eu
here=$(dirname "$0")
: "${MODEL:?}" "${DATA:?}" "${PARTS:?}" "${OUT:?}" "${SHARDS:=8}"
export MODEL DATA PARTS OUT SHARDS
mkdir -p "$PARTS"
# shellcheck disable=SC2086 # SBATCH_ARGS is a list of options
infer=$(sbatch --parsable ${SBATCH_ARGS:-} --array=0-$((SHARDS - 1)) "$here/infer.sh")
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_ARGS:-} --dependency=afterok:"$infer" --kill-on-invalid-dep=yes "$here/merge.sh")
echo "$infer $merge"
