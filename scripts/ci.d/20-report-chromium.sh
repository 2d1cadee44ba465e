#!/bin/bash
# zoo report in Debian's headless Chromium: for an autoencoder and a
# classifier exported with seeded weights, the report on the committed
# fixture (fixtures/mnist-512) loads every image (none broken) and renders
# to a non-blank screenshot. A page with a broken image must fail the same
# check. Idempotent; installs chromium, fonts and python3-pil when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
need=()
command -v chromium >/dev/null || need+=(chromium)
dpkg -s fonts-liberation >/dev/null 2>&1 || need+=(fonts-liberation)
/usr/bin/python3 -c 'import PIL' 2>/dev/null || need+=(python3-pil)
if [ ${#need[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/zoo" ./cmd/zoo
zoo=$tmp/zoo
check=scripts/report_check.py
images=fixtures/mnist-512/t10k-images-idx3-ubyte.gz
labels=fixtures/mnist-512/t10k-labels-idx1-ubyte.gz

chrome() {
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --no-first-run --user-data-dir="$tmp/profile" "$@" 2>>"$tmp/chromium.log"
}

# page_ok HTML: every image decodes, and the screenshot is not blank.
page_ok() {
  local html=$1 name
  name=$(basename "$(dirname "$html")")
  /usr/bin/python3 $check inject "$html" "$tmp/$name-check.html"
  chrome --virtual-time-budget=3000 --dump-dom "file://$tmp/$name-check.html" >"$tmp/$name-dom.html"
  /usr/bin/python3 $check dom "$tmp/$name-dom.html" "$html" || return 1
  chrome --window-size=1280,2400 --screenshot="$tmp/$name.png" "file://$(realpath "$html")" >/dev/null
  /usr/bin/python3 $check blank "$tmp/$name.png"
}

$zoo export relu-ae-30 --init --seed 0 --out "$tmp/models" >/dev/null
$zoo export cnn --init --seed 0 --out "$tmp/models" >/dev/null
$zoo report "$tmp/models/relu-ae-30" --data $images --labels $labels --train $images --k 2,30 --out "$tmp/ae"
$zoo report "$tmp/models/cnn" --data $images --labels $labels --out "$tmp/cnn"
page_ok "$tmp/ae/report.html"
page_ok "$tmp/cnn/report.html"

# The check must catch a broken image.
mkdir -p "$tmp/broken"
sed '0,/base64,[A-Za-z0-9+\/]\{40\}/s//base64,AAAAnotapng/' "$tmp/ae/report.html" >"$tmp/broken/report.html"
if page_ok "$tmp/broken/report.html" >/dev/null 2>&1; then
  echo "report check passed a page with a broken image" >&2
  exit 1
fi
echo "report-chromium: ok"
