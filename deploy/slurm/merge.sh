#!/bin/sh
# Joins the parts of infer.sh into OUT, byte for byte what one process writes: submitted with
# --dependency=afterok on the array job (submit-infer.sh does), so it runs once every task
# succeeded. zoo merge takes the parts in shard order and refuses a missing, repeated or foreign
# part, naming it.
#SBATCH --job-name=zoo-merge
#SBATCH --output=zoo-merge-%j.out
set -eu
: "${PARTS:?PARTS: the folder of the parts}" "${OUT:?OUT: the merged file}"
exec zoo merge "$OUT" "$PARTS"/part-*.idx
