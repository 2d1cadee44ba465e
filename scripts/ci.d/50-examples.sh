#!/bin/bash
# The notebook scripts of examples/ end to end with tiny epochs: examples/tiny-ae.sh on the
# embedded mnist-mini set and examples/cifar10.sh on a small generated CIFAR-10 batch file.
# Every run finishes, every export, eval, figure and report is written, the reports open in
# headless Chromium with every image decoded, a second run skips the finished runs, and a run
# stopped with Ctrl-C is resumed by the next. Installs chromium and python3-pil when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
need=()
command -v chromium >/dev/null || need+=(chromium)
/usr/bin/python3 -c 'import PIL' 2>/dev/null || need+=(python3-pil)
if [ ${#need[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/zoo" ./cmd/zoo
export ZOO=$tmp/zoo ZOO_EPOCHS=2 ZOO_PCA_K=2,30

fail() {
  echo "examples: $*" >&2
  exit 1
}

# page_ok HTML: every image decodes and the screenshot is not blank.
page_ok() {
  local html=$1 name
  name=$(basename "$(dirname "$html")")
  /usr/bin/python3 scripts/report_check.py inject "$html" "$tmp/$name-check.html"
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$tmp/profile" --virtual-time-budget=3000 --dump-dom "file://$tmp/$name-check.html" \
    >"$tmp/$name-dom.html" 2>>"$tmp/chromium.log"
  /usr/bin/python3 scripts/report_check.py dom "$tmp/$name-dom.html" "$html"
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --no-first-run --user-data-dir="$tmp/profile" --window-size=1280,2400 --screenshot="$tmp/$name.png" \
    "file://$(realpath "$html")" >/dev/null 2>>"$tmp/chromium.log"
  /usr/bin/python3 scripts/report_check.py blank "$tmp/$name.png"
}

# outputs_ok OUT FIGURES MODEL...: the runs finished, and the exports, evaluations, FIGURES
# figures and reports exist.
outputs_ok() {
  local out=$1 figures=$2 model n
  shift 2
  for model in "$@"; do
    grep -q '"status": "finished"' "$out/runs/$model/epochs-2/run.json" || fail "$model: run not finished"
    for f in models/$model/model.onnx eval/$model/eval.json reports/$model/report.html; do
      [ -s "$out/$f" ] || fail "$out/$f missing"
    done
    page_ok "$out/reports/$model/report.html"
  done
  n=$(find "$out/figures" -name '*.png' -size +1k | wc -l)
  [ "$n" -eq "$figures" ] || fail "$out/figures: $n figures, want $figures"
}

# 28x28: the tiny autoencoders on the embedded set.
OUT=$tmp/tiny examples/tiny-ae.sh mnist-mini >"$tmp/tiny.log" 2>&1 || { cat "$tmp/tiny.log"; fail "tiny-ae.sh failed"; }
outputs_ok "$tmp/tiny" 7 tiny-ae-2 tiny-ae-4
OUT=$tmp/tiny examples/tiny-ae.sh mnist-mini >"$tmp/again.log" 2>&1 || { cat "$tmp/again.log"; fail "second run failed"; }
[ "$(grep -c 'is finished; skipped' "$tmp/again.log")" -eq 2 ] || { cat "$tmp/again.log"; fail "second run did not skip the finished runs"; }
grep -q '^$ .* train ' "$tmp/again.log" && fail "second run trained again"

# A run stopped with Ctrl-C (SIGINT to the script's process group) is resumed by the next run.
(
  export OUT=$tmp/stop ZOO_EPOCHS=400
  setsid examples/tiny-ae.sh mnist-mini >"$tmp/stop.log" 2>&1 &
  pid=$!
  json=$OUT/runs/tiny-ae-2/epochs-400/run.json
  for _ in $(seq 600); do
    grep -q '"epoch": [1-9]' "$json" 2>/dev/null && break
    sleep 0.1
  done
  kill -INT -- -"$pid"
  wait "$pid" && fail "the stopped script exited 0"
  grep -q '"status": "interrupted"' "$json" || { cat "$tmp/stop.log"; fail "the stopped run is not interrupted"; }
  examples/tiny-ae.sh mnist-mini >"$tmp/resume.log" 2>&1 || { cat "$tmp/resume.log"; fail "resuming failed"; }
  grep -q -- "train tiny-ae-2 --resume $OUT/runs/tiny-ae-2/epochs-400" "$tmp/resume.log" || fail "the run was not resumed"
  grep -q '"status": "finished"' "$json" || fail "the resumed run did not finish"
)

# CIFAR-10: a generated batch file of 256 random images in the official layout.
/usr/bin/python3 -c '
import random, sys
r = random.Random(0)
with open(sys.argv[1], "wb") as f:
    for i in range(256):
        f.write(bytes([i % 10]) + bytes(r.randrange(256) for _ in range(3072)))
' "$tmp/cifar-mini.bin"
OUT=$tmp/cifar examples/cifar10.sh "$tmp/cifar-mini.bin" >"$tmp/cifar.log" 2>&1 || { cat "$tmp/cifar.log"; fail "cifar10.sh failed"; }
outputs_ok "$tmp/cifar" 4 mlp-cifar cnn-cifar conv-ae-cifar
echo "examples: ok"
