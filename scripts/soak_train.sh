#!/usr/bin/env bash
# Random-kill soak of zoo train: SIGKILLs zoo train N times (default 50) at random
# moments, continuing the run after each, and checks that the final weights are
# bit-identical to those of a run never killed (cmd/zoo TestSoakTrain). It takes
# minutes, so it is not part of test.sh. ZOO_SOAK_SEED picks the kill moments.
#   scripts/soak_train.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${GOFLAGS:-}" ] && { dpkg -s libopenblas-dev >/dev/null 2>&1 || ls /usr/lib/*/libopenblas.so >/dev/null 2>&1; }; then
  export GOFLAGS=-tags=openblas
fi
ZOO_SOAK="${1:-50}" go test -count=1 -timeout 60m -run '^TestSoakTrain$' -v ./cmd/zoo
