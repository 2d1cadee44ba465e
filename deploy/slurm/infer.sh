#!/bin/sh
# zoo infer --shard as a Slurm array job: task I of N runs the examples [I*T/N, (I+1)*T/N) of the T
# in DATA through MODEL into PARTS/part-I.idx (with its record, part-I.idx.shard.json, which
# zoo merge checks). submit-infer.sh submits it with merge.sh after it; by hand:
#   MODEL=models/relu-ae-30 DATA=big.idx PARTS=parts SHARDS=8 sbatch --array=0-7 deploy/slurm/infer.sh
# The zoo infer line is the Kubernetes Job's (deploy/k8s/infer-job.yaml): a test keeps them equal.
#SBATCH --job-name=zoo-infer
#SBATCH --cpus-per-task=4
#SBATCH --output=zoo-infer-%A_%a.out
set -eu
: "${MODEL:?MODEL: the export folder or .onnx file}" "${DATA:?DATA: the input}" "${PARTS:?PARTS: the folder of the parts}"
I=$SLURM_ARRAY_TASK_ID N=${SHARDS:-$SLURM_ARRAY_TASK_COUNT} THREADS=${SLURM_CPUS_PER_TASK:-1}
exec zoo infer "$MODEL" "$DATA" --shard "$I/$N" --threads "$THREADS" --out "$PARTS/part-$I.idx"
