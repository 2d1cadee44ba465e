#!/bin/sh
# zoo's benchmark: training, inference and memory against PyTorch and a bare onnxruntime loop.
#
#   bench/run.sh                       # full run, about 30-40 minutes on 2 cores; writes bench/results.md
#   bench/run.sh --quick               # small sizes, a few minutes: checks that the harness works
#   bench/run.sh --out /tmp/r.md --sections infer --models relu-ae-30,cnn
#
# Builds ./bin/zoo (with -tags openblas when OpenBLAS is installed, as setup.sh) and ./bin/ortloop
# from this checkout, then runs bench/harness.py with Debian's Python (PyTorch 1.13, onnx, numpy).
# Generated inputs are kept in ~/.cache/zoo/bench (--cache DIR). Every other flag goes to
# harness.py; see bench/README.md.
set -eu
cd "$(dirname "$0")/.."

if [ -n "${ZOO_BENCH_NO_BUILD:-}" ]; then
  echo "bench: using ./bin/zoo and ./bin/ortloop as they are (ZOO_BENCH_NO_BUILD)" >&2
else
  tags=""
  if dpkg -s libopenblas-dev >/dev/null 2>&1 || ls /usr/lib/*/libopenblas.so /usr/lib/libopenblas.so >/dev/null 2>&1; then
    tags="-tags openblas"
  fi
  echo "bench: building ./bin/zoo ${tags:+($tags) }and ./bin/ortloop" >&2
  # shellcheck disable=SC2086
  go build $tags -o bin/zoo ./cmd/zoo
  go build -o bin/ortloop ./bench/ortloop
fi

for need in /usr/bin/python3 /usr/bin/time; do
  if [ ! -x "$need" ]; then
    echo "bench: $need is missing (apt-get install python3-torch python3-onnx time)" >&2
    exit 1
  fi
done
# Every engine runs as on a user's machine: without the settings that pin OpenBLAS to an older
# kernel or cache size (tests and CI keep them).
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/harness.py "$@"
