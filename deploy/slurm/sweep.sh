#!/bin/sh
# Submits zoo sweep ARGS as a Slurm array job, one task per run not finished (the script that
# zoo sweep --slurm writes), and a job that compares the runs once every task has ended, failed or
# not: compare.txt, .csv, .json and .png in the sweep folder. Prints the two job ids.
#   deploy/slurm/sweep.sh --models shallow-ae-64,shallow-ae-128,shallow-ae-256 --seeds 0,1,2 --epochs 2 --data fashion-mnist
# Submitted again, it runs only what is missing: a task that died is resumed from its checkpoint.
# SBATCH_ARGS adds sbatch options to both jobs.
set -eu
script=$(zoo sweep "$@" --slurm)
[ -n "$script" ] || exit 0 # every run has finished
dir=$(dirname "$script")
# shellcheck disable=SC2086
runs=$(sbatch --parsable ${SBATCH_ARGS:-} "$script")
# shellcheck disable=SC2086
compare=$(sbatch --parsable ${SBATCH_ARGS:-} --dependency=afterany:"$runs" --job-name=sweep-compare --output="$dir/logs/compare-%j.out" \
  --wrap "zoo runs compare '$dir' --force --csv '$dir/compare.csv' --json '$dir/compare.json' --figure '$dir/compare.png' >'$dir/compare.txt'")
echo "$runs $compare"
