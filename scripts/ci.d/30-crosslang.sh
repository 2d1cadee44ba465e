#!/usr/bin/env bash
# Cross-language matrix: every registry model (zoo list) exported with seeded
# weights, then checked by
#   Python      scripts/onnx_check.py: onnx.checker (full check), strict shape
#               inference against the declared shapes, zoo's metadata;
#   JavaScript  scripts/ort_check.mjs: onnxruntime-node runs test_data_set_0
#               (model.onnx, and encoder.onnx then decoder.onnx) against output_0.pb,
#               and model.int8.onnx within the tolerance its metadata gives;
#   Go          internal/onnxgo: onnx-go v0.5.0 (gorgonnx) runs what its operators
#               allow and matches onnxruntime; the rest must fail with an error.
# Prints the matrix (model x Python / JS / onnx-go) and exits non-zero when a
# check fails. Installs what it needs: Debian's python3-onnx, nodejs and npm, and
# onnxruntime-node (scripts/package-lock.json) into ~/.cache/zoo/crosslang.
set -euo pipefail
cd "$(dirname "$0")/../.."

apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
/usr/bin/python3 -c 'import onnx' 2>/dev/null || apt_install python3-onnx
{ command -v node && command -v npm; } >/dev/null 2>&1 || apt_install nodejs npm

cache="${XDG_CACHE_HOME:-$HOME/.cache}/zoo/crosslang"
mods="$cache/node"
if [ ! -f "$mods/node_modules/onnxruntime-node/package.json" ] || ! cmp -s scripts/package-lock.json "$mods/package-lock.json"; then
  rm -rf "$mods"
  mkdir -p "$mods"
  cp scripts/package.json scripts/package-lock.json "$mods/"
  # --ignore-scripts: the install script only fetches CUDA binaries from NuGet.
  (cd "$mods" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/zoo" ./cmd/zoo
models=$("$work/zoo" list | awk 'NR > 1 { print $1 }')
for m in $models; do
  "$work/zoo" export "$m" --init --seed 0 --out "$work/models" --quantize int8 >/dev/null
done

status=0
/usr/bin/python3 scripts/onnx_check.py "$work/models" >"$work/py.txt" || status=1
ZOO_NODE_MODULES="$mods" node scripts/ort_check.mjs "$work/models" >"$work/js.txt" || status=1
ZOO_ONNXGO_EXPORTS="$work/models" go test -count=1 -v -run 'TestMatrix|TestOpsAndInputShape' ./internal/onnxgo >"$work/go.txt" 2>&1 || status=1
if [ "$status" != 0 ]; then
  grep -h '^FAIL\|--- FAIL\|_test.go' "$work/py.txt" "$work/js.txt" "$work/go.txt" || true
fi

/usr/bin/python3 - "$work" $models <<'EOF'
import os, re, sys
work, models = sys.argv[1], sys.argv[2:]
root = os.path.join(work, "models") + os.sep
def lines(name):
    with open(os.path.join(work, name)) as f:
        return f.read().splitlines()
py, js, go = {}, {}, {}
for l in lines("py.txt"):
    m = re.match(r"(ok|FAIL) " + re.escape(root) + r"([^/]+)/(\S+?)(?::|$)(.*)", l)
    if m:
        py.setdefault(m[2], []).append((m[3], m[1] == "ok", m[4].strip()))
for l in lines("js.txt"):
    m = re.match(r"(ok|FAIL) " + re.escape(root) + r"([^/]+)/(\S+) on \S+(?: \(.*\))?(?::|$)(.*)", l)
    if m:
        js.setdefault(m[2], []).append((m[3], m[1] == "ok", m[4].strip()))
for l in lines("go.txt"):
    m = re.search(r"MATRIX ([^/]+)/(\S+): (pass|cannot run: [^(]*)", l)
    if m:
        go.setdefault(m[1], []).append((m[2], m[3] == "pass", m[3].replace("cannot run: ", "").strip()))
    m = re.search(r"--- FAIL: TestMatrix/([^/]+)/(\S+)", l)
    if m:
        go.setdefault(m[1], []).append((m[2], False, "FAILED (see go test output)"))
def cell(rs):
    if not rs:
        return "missing"
    if all(r[1] for r in rs):
        return "pass (%s)" % ", ".join(r[0] for r in rs)
    groups = {}
    for f, ok, why in rs:
        groups.setdefault("pass" if ok else (why or "fail"), []).append(f)
    return "; ".join("%s: %s" % (", ".join(fs), why) for why, fs in groups.items())
rows = [(m, cell(py.get(m)), cell(js.get(m)), cell(go.get(m))) for m in models]
head = ("model", "Python onnx.checker + shape inference", "JS onnxruntime-node", "Go onnx-go v0.5.0")
w = [max(len(r[i]) for r in rows + [head]) for i in range(3)]
print("cross-language matrix (%d models)" % len(models))
for r in [head] + rows:
    print("  ".join(r[i].ljust(w[i]) for i in range(3)) + "  " + r[3])
missing = [m for m in models if not py.get(m) or not js.get(m) or not go.get(m)]
if missing:
    print("no result for: " + ", ".join(missing))
    sys.exit(1)
EOF
exit "$status"
