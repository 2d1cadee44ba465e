#!/usr/bin/env bash
# The main job in three commands: list the zoo, export an autoencoder to ONNX,
# and reconstruct MNIST test images with onnxruntime. Writes under out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
zoo=./bin/zoo
run() { printf '\n$ %s\n' "$*"; "$@"; }
run $zoo list
run $zoo export relu-ae-30 --init --seed 0 --out out/demo --force
run $zoo infer out/demo/relu-ae-30/model.onnx mnist --task reconstruct \
  --out out/demo/recon.idx --batch 256 --json out/demo/metrics.json --force
run $zoo infer out/demo/relu-ae-30 mnist --task encode --out out/demo/codes.npy --force
printf '\nThe weights are freshly initialised (training comes with zoo train); see README.md.\n'
