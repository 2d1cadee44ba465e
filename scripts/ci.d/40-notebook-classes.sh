#!/usr/bin/env bash
# The notebooks' own classes and zoo's weights, both ways, with PyTorch itself:
# every registry model is trained by zoo for a few steps, exported, and its
# model.safetensors loaded into the notebook's class (fixtures/torch/notebooks.py)
# with load_state_dict(strict=True); the class's output on the export's test
# images must match onnxruntime's (scripts/notebook_check.py). The other way
# (a notebook's state_dict through zoo export --weights) is a Go test
# (cmd/zoo TestNotebookWeightsIn). Installs Debian's python3-torch and python3-onnx.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
/usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
/usr/bin/python3 -c 'import onnx' 2>/dev/null || need+=(python3-onnx)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/zoo" ./cmd/zoo
images=fixtures/mnist-512/t10k-images-idx3-ubyte.gz
labels=fixtures/mnist-512/t10k-labels-idx1-ubyte.gz
# A CIFAR-10 batch file of 40 random images with labels.
/usr/bin/python3 -c "
import random, sys
r = random.Random(5)
sys.stdout.buffer.write(bytes(b for _ in range(40) for b in [r.randrange(10)] + [r.randrange(256) for _ in range(3072)]))
" >"$work/data_batch_1.bin"
for m in $("$work/zoo" list | awk 'NR > 1 { print $1 }'); do
  args=(--data "$images")
  case "$m" in
    *cifar) args=(--data "$work/data_batch_1.bin") ;;
    cnn) args+=(--labels "$labels") ;;
  esac
  "$work/zoo" train "$m" "${args[@]}" --limit 40 --val-split 8 --batch 16 --epochs 1 \
    --out "$work/runs" --name r --quiet >/dev/null
  "$work/zoo" export "$work/runs/$m/r" --out "$work/models" >/dev/null
done
/usr/bin/python3 scripts/notebook_check.py "$work/runs" "$work/models"
