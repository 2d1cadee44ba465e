#!/usr/bin/env bash
# The main job: list the zoo, train an autoencoder briefly, export it to ONNX, and reconstruct
# and encode MNIST test images with onnxruntime. Writes under out/demo/ (replaced on each run).
set -euo pipefail
cd "$(dirname "$0")/.."
zoo=./bin/zoo
run() { printf '\n$ %s\n' "$*"; "$@"; }
rm -rf out/demo
run $zoo list
run $zoo train relu-ae-30 --epochs 3 --out out/demo/runs --name demo
run $zoo export out/demo/runs/relu-ae-30/demo --out out/demo/models
run $zoo infer out/demo/models/relu-ae-30/model.onnx mnist --task reconstruct \
  --out out/demo/recon.idx --batch 256 --json out/demo/metrics.json
run $zoo infer out/demo/models/relu-ae-30 mnist --task encode --out out/demo/codes.npy
printf '\nThe run folder (weights, run.json, metrics.csv, loss.png) is out/demo/runs/relu-ae-30/demo;\n'
printf 'the ONNX export is out/demo/models/relu-ae-30. Train with the full recipe: zoo train relu-ae-30.\n'
