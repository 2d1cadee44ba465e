#!/usr/bin/env bash
# Runs zoo's tests. Installs what they need first: Debian's python3-onnx (the ONNX checker
# the export tests call) and the onnxruntime library (through setup.sh), then go vet and go test.
set -euo pipefail
cd "$(dirname "$0")"

if ! /usr/bin/python3 -c 'import onnx' 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-onnx >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-onnx >/dev/null
  fi
fi
./setup.sh --no-demo
# setup.sh installs libopenblas-dev where it can: test the build users get, and the
# pure-Go BLAS path too.
if dpkg -s libopenblas-dev >/dev/null 2>&1 || ls /usr/lib/*/libopenblas.so /usr/lib/libopenblas.so >/dev/null 2>&1; then
  export GOFLAGS=-tags=openblas
fi
# A plain `go test ./...` skips the tests whose onnxruntime or python3-onnx is missing
# (internal/testenv); both are installed above, so here every test must run.
export ZOO_TEST_REQUIRE=all
go vet ./...
# The linter (.golangci.yml; golangci-lint is pinned as a Go tool in go.mod): zero findings.
go tool golangci-lint run ./...
go test -count=1 ./...
GOFLAGS= go test -count=1 ./internal/openblas ./train/spatial
# Checks outside Go (headless-browser report check, other languages reading
# zoo's ONNX files, ...): each script installs what it needs and exits non-zero
# on failure.
for check in scripts/ci.d/*.sh; do
  [ -e "$check" ] || continue
  echo "== $check"
  bash "$check"
done
