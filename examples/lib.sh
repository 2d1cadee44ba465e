# Shared steps of the notebook scripts in examples/ (sourced, not run).
#
# Each script takes the data set as its first argument and writes under
# OUT (default out/examples/NOTEBOOK/DATA):
#   OUT/runs/MODEL/RUN     zoo train's run folders (RUN is "recipe", or "epochs-N" with ZOO_EPOCHS)
#   OUT/models/MODEL       zoo export's folders
#   OUT/figures/*.png      the notebook's figures
#   OUT/eval/MODEL         zoo eval's eval.json and figures on the test images
#   OUT/reports/MODEL      zoo report's pages (report.html)
#
# Environment:
#   ZOO          the zoo binary (default ./bin/zoo, built with go build when missing)
#   OUT          the output folder
#   ZOO_EPOCHS   train every model for this many epochs instead of its recipe's (for a quick look, or CI)
#   ZOO_LIMIT    train on the first N training images only (0: all)
#   ZOO_PCA_K    the PCA components of zoo report's comparison (default 2,8,10,30,64)
#
# A second run skips finished runs, resumes interrupted ones (zoo train --resume), and
# re-exports a model only when its run changed; figures and reports are drawn anew.

set -euo pipefail

# zoo_setup NOTEBOOK DEFAULT_DATA [DATA]: sets ZOO, DATA, OUT, RUN and the folders.
zoo_setup() {
  local notebook=$1
  DATA=${3:-$2}
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  ZOO=${ZOO:-./bin/zoo}
  if [ ! -x "$ZOO" ]; then
    echo "building $ZOO" >&2
    go build -o "$ZOO" ./cmd/zoo
  fi
  OUT=${OUT:-out/examples/$notebook/$(basename "$DATA")}
  RUN=recipe
  EPOCH_ARGS=()
  if [ -n "${ZOO_EPOCHS:-}" ]; then
    RUN=epochs-$ZOO_EPOCHS
    EPOCH_ARGS=(--epochs "$ZOO_EPOCHS")
  fi
  if [ -n "${ZOO_LIMIT:-}" ] && [ "${ZOO_LIMIT}" != 0 ]; then
    RUN=$RUN-limit-$ZOO_LIMIT
    EPOCH_ARGS+=(--limit "$ZOO_LIMIT")
  fi
  PCA_K=${ZOO_PCA_K:-2,8,10,30,64}
  # A file (a CIFAR-10 batch file or archive) trains and validates on itself and
  # carries its labels; a data set name trains on its training images, validates
  # and evaluates on its test images.
  TRAIN_ARGS=()
  TRAIN_SET=$DATA:train
  if [ -e "$DATA" ]; then
    TRAIN_ARGS=(--val-data "$DATA")
    TRAIN_SET=$DATA
  elif [ "$DATA" = mnist-mini ]; then
    # The embedded set has 2,000 test images only: hold out 500 of them
    # (tiny-ae's recipe holds out 10,000).
    TRAIN_SET=$DATA
    TRAIN_ARGS=(--val-split 500)
  fi
  mkdir -p "$OUT/runs" "$OUT/models" "$OUT/figures" "$OUT/eval" "$OUT/reports"
  echo "== $notebook on $DATA -> $OUT (runs named $RUN)"
}

# say CMD...: prints the command, then runs it.
say() {
  printf '$ %s\n' "$*"
  "$@"
}

# run_status DIR: the status in DIR/run.json (empty when there is none).
run_status() {
  [ -f "$1/run.json" ] || return 0
  sed -n 's/^  "status": "\([a-z-]*\)",*$/\1/p' "$1/run.json"
}

# train MODEL [FLAGS...]: trains MODEL with its recipe on DATA into OUT/runs/MODEL/RUN,
# skipping a finished run and resuming an interrupted one.
train() {
  local model=$1 dir=$OUT/runs/$1/$RUN status
  shift
  status=$(run_status "$dir")
  case $status in
    finished | early-stopped)
      echo "$model: run $dir is $status; skipped" ;;
    "")
      rm -rf "$dir"
      say "$ZOO" train "$model" --data "$DATA" --out "$OUT/runs" --name "$RUN" \
        "${TRAIN_ARGS[@]}" "${EPOCH_ARGS[@]}" "$@" ;;
    *)
      say "$ZOO" train "$model" --resume "$dir" ;;
  esac
}

# stale A B: true when A does not exist or is older than B.
stale() {
  [ ! -e "$1" ] || [ "$2" -nt "$1" ]
}

# export_run MODEL: exports OUT/runs/MODEL/RUN to OUT/models/MODEL unless the export is newer.
export_run() {
  local model=$1 dir=$OUT/runs/$1/$RUN
  if stale "$OUT/models/$model/model.onnx" "$dir/run.json"; then
    say "$ZOO" export "$dir" --out "$OUT/models" --force
  fi
}

# figure NAME FILE [FLAGS...]: draws a figure to OUT/figures/FILE.png.
figure() {
  local name=$1 file=$OUT/figures/$2.png
  shift 2
  say "$ZOO" figure "$name" --out "$file" --force "$@"
}

# evaluate MODEL: zoo eval on DATA's test images into OUT/eval/MODEL (eval.json and its figures).
evaluate() {
  say "$ZOO" eval "$OUT/models/$1" "$DATA" --out "$OUT/eval/$1" --force
}

# report MODEL [FLAGS...]: writes OUT/reports/MODEL/report.html from the run folder.
report() {
  local model=$1
  shift
  say "$ZOO" report "$OUT/runs/$model/$RUN" --data "$DATA" --out "$OUT/reports/$model" --force "$@"
}

# done_message: where the results are.
done_message() {
  echo "== done: figures in $OUT/figures, reports in $OUT/reports/*/report.html"
}
