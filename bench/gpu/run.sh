#!/bin/bash
# Measures zoo infer on the GPU machine: images/s of the CUDA provider, the CPU provider and
# PyTorch CUDA eager for relu-ae-30, deep-ae and cnn at batch 256, 4096 and 65536 over a
# 1,000,000-image IDX file, and the largest output difference of CUDA against the CPU.
# Needs bench/gpu/carry/ from pack.sh (run here, carried by the device tool). Results, one JSON
# file per run and results.md, go to $OUT (the device tool's folder) or ./gpu-results.
#   bench/gpu/run.sh [setup|cuda|cpu|torch|diff|interrupt|report|all]...   (default: all)
# Each stage sets up what it needs (idempotent), so stages can go in separate calls of under
# 10 minutes each: `run.sh setup cuda torch diff interrupt report`, then `run.sh cpu report`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
W=${ZOO_GPU_WORK:-/tmp/zoo-gpu}
OUT=${OUT:-$PWD/gpu-results}
PY=${PYTHON:-python3}
MODELS=${MODELS:-"relu-ae-30 deep-ae cnn"}
BATCHES=${BATCHES:-"256 4096 65536"}
IMAGES=${IMAGES:-1000000}
mkdir -p "$W" "$OUT"
log() { echo "== $*" >&2; }

setup() {
	if [ ! -x "$W/zoo" ]; then
		xz -dc "$here/carry/zoo.xz" > "$W/zoo.tmp" && chmod +x "$W/zoo.tmp" && mv "$W/zoo.tmp" "$W/zoo" || exit 1
	fi
	# The core library and the CUDA provider must be one onnxruntime version, in one folder:
	# the core loads libonnxruntime_providers_{shared,cuda}.so from its own folder.
	mkdir -p "$W/ort"
	if [ ! -f "$W/ort/libonnxruntime.so.1" ]; then
		xz -dc "$here/carry/libonnxruntime.so.1.xz" > "$W/ort/libonnxruntime.so.1" || exit 1
	fi
	capi=$("$PY" -c 'import onnxruntime, os; print(os.path.join(os.path.dirname(onnxruntime.__file__), "capi"))' 2>/dev/null)
	pyver=$("$PY" -c 'import onnxruntime; print(onnxruntime.__version__)' 2>/dev/null)
	if [ -n "$capi" ]; then
		for f in "$capi"/libonnxruntime_providers_*.so; do
			[ -e "$f" ] && ln -sf "$f" "$W/ort/"
		done
	fi
	if [ "$pyver" != "$(cat "$here/carry/ORT_VERSION")" ]; then
		echo "run.sh: Python onnxruntime is ${pyver:-missing}, the carried core $(cat "$here/carry/ORT_VERSION"): rerun pack.sh $pyver" >&2
	fi
	# cuDNN, cuBLAS and the CUDA runtime, as pip installed them for PyTorch, and torch's own.
	libs=$("$PY" - <<'PY'
import glob, os, sys
dirs = []
for s in sys.path:
    if s.endswith("site-packages"):
        dirs += sorted(glob.glob(os.path.join(s, "nvidia", "*", "lib")))
        dirs += sorted(glob.glob(os.path.join(s, "nvidia", "cu*", "lib")))
        if os.path.isdir(os.path.join(s, "torch", "lib")):
            dirs.append(os.path.join(s, "torch", "lib"))
print(":".join(dict.fromkeys(dirs)))
PY
)
	export LD_LIBRARY_PATH="$W/ort${libs:+:$libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	export ZOO_ORT_LIB="$W/ort/libonnxruntime.so.1"
	for m in $MODELS; do
		[ -f "$W/models/$m/model.onnx" ] || "$W/zoo" export "$m" --init --seed 0 --out "$W/models" >/dev/null || exit 1
	done
	if [ ! -f "$W/big.idx" ]; then
		"$PY" - "$root/fixtures/mnist-512/t10k-images-idx3-ubyte.gz" "$W" "$IMAGES" <<'PY' || exit 1
import gzip, struct, sys
import numpy as np
src, w, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
px = np.frombuffer(gzip.open(src).read(), np.uint8, offset=16).reshape(-1, 784)
for name, count in (("big.idx", n), ("small.idx", 65536)):
    with open(f"{w}/{name}.tmp", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, count, 28, 28))
        reps = -(-count // len(px))
        f.write(np.tile(px, (reps, 1))[:count].tobytes())
import os
for name in ("big.idx", "small.idx"):
    os.replace(f"{w}/{name}.tmp", f"{w}/{name}")
PY
	fi
}

# zoo_run NAME ARGS...: one zoo infer run, its --json report kept as $OUT/NAME.json.
zoo_run() {
	name=$1; shift
	log "zoo infer $* ($name)"
	timeout 540 "$W/zoo" infer "$@" --json "$OUT/$name.json" --force -v > "$OUT/$name.log" 2>&1
	rc=$?
	tail -3 "$OUT/$name.log" >&2
	[ $rc = 0 ] || echo "run.sh: $name exited $rc" >&2
}

cuda() {
	for m in $MODELS; do
		for b in $BATCHES; do zoo_run "zoo-cuda-$m-$b" "$W/models/$m" "$W/big.idx" --device cuda --batch "$b"; done
		zoo_run "zoo-cuda-iobinding-$m-4096" "$W/models/$m" "$W/big.idx" --device cuda --batch 4096 --io-binding
	done
}

cpu() {
	for m in $MODELS; do
		for b in $BATCHES; do zoo_run "zoo-cpu-$m-$b" "$W/models/$m" "$W/big.idx" --device cpu --batch "$b"; done
	done
}

torch_bench() {
	for m in $MODELS; do
		for b in $BATCHES; do
			log "torch eager $m batch $b"
			timeout 540 "$PY" "$here/torch_gpu.py" bench --model "$m" --onnx "$W/models/$m/model.onnx" \
				--data "$W/big.idx" --batch "$b" > "$OUT/torch-cuda-$m-$b.json" 2> "$OUT/torch-cuda-$m-$b.log"
			cat "$OUT/torch-cuda-$m-$b.json" >&2
		done
	done
}

# diff: outputs over the first 65536 images, CUDA (onnxruntime's defaults, then use_tf32=0)
# against the CPU provider.
diff_outputs() {
	for m in $MODELS; do
		flag=--out
		[ "$m" = cnn ] && flag=--logits
		zoo_run "out-cpu-$m" "$W/models/$m" "$W/small.idx" --device cpu $flag "$W/out-cpu-$m.idx"
		zoo_run "out-cuda-$m" "$W/models/$m" "$W/small.idx" --device cuda $flag "$W/out-cuda-$m.idx"
		zoo_run "out-cuda-notf32-$m" "$W/models/$m" "$W/small.idx" --device cuda --cuda-opt use_tf32=0 $flag "$W/out-cuda-notf32-$m.idx"
		for v in cuda cuda-notf32; do
			"$PY" "$here/torch_gpu.py" diff "$W/out-cpu-$m.idx" "$W/out-$v-$m.idx" > "$OUT/diff-$v-$m.json"
			cat "$OUT/diff-$v-$m.json" >&2
		done
	done
}

# interrupt: SIGINT to zoo infer --device cuda mid-run must end it with exit 130, a message,
# and no output or temporary file (the CUDA provider's signal handlers, onnxruntime_go #140).
interrupt() {
	d=$W/interrupt; rm -rf "$d"; mkdir -p "$d"
	"$W/zoo" infer "$W/models/relu-ae-30" "$W/big.idx" --device cuda --batch 4096 --out "$d/recon.idx" -v \
		> "$OUT/interrupt.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 3000); do
		ls -A "$d" | grep -q '^\.recon\.idx\.tmp-' && break
		sleep 0.01
	done
	sleep 1
	kill -INT $pid
	wait $pid
	rc=$?
	left=$(ls -A "$d" | tr '\n' ' ')
	ok=false
	[ $rc = 130 ] && [ -z "$left" ] && grep -q "interrupted by SIGINT" "$OUT/interrupt.log" && ok=true
	printf '{"test":"sigint-cuda","exit":%d,"files_left":"%s","ok":%s}\n' $rc "$left" $ok | tee "$OUT/interrupt.json" >&2
	cat "$OUT/interrupt.log" >&2
}

report() {
	"$PY" - "$OUT" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
def load(p):
    try:
        return json.load(open(p))
    except Exception:
        return None
rows = {}
for p in glob.glob(os.path.join(out, "*.json")):
    n = os.path.basename(p)[:-5]
    r = load(p)
    if r is None:
        continue
    for kind in ("zoo-cuda-iobinding", "zoo-cuda", "zoo-cpu", "torch-cuda"):
        if n.startswith(kind + "-"):
            m, b = n[len(kind) + 1:].rsplit("-", 1)
            rows.setdefault((m, int(b)), {})[kind] = r
            break
lines = ["| model | batch | zoo CUDA img/s (compute s) | zoo CUDA + IoBinding | zoo CPU img/s | PyTorch CUDA eager img/s |",
         "| --- | ---: | ---: | ---: | ---: | ---: |"]
def cell(r, compute=False):
    if not r:
        return "-"
    s = f"{r['images_per_second']:,.0f}"
    if compute and r.get("compute_seconds"):
        s += f" ({r['compute_seconds']:.2f})"
    return s
for (m, b) in sorted(rows):
    r = rows[(m, b)]
    lines.append(f"| {m} | {b} | {cell(r.get('zoo-cuda'), True)} | {cell(r.get('zoo-cuda-iobinding'), True)} | "
                 f"{cell(r.get('zoo-cpu'))} | {cell(r.get('torch-cuda'))} |")
lines += ["", "| model | max abs diff CUDA vs CPU (ORT defaults) | with use_tf32=0 |", "| --- | ---: | ---: |"]
for m in sorted({k[0] for k in rows} | {os.path.basename(p)[10:-5] for p in glob.glob(os.path.join(out, "diff-cuda-*.json")) if "notf32" not in p}):
    a, b = load(os.path.join(out, f"diff-cuda-{m}.json")), load(os.path.join(out, f"diff-cuda-notf32-{m}.json"))
    lines.append(f"| {m} | {a['max_abs_diff']:.3g} | {b['max_abs_diff']:.3g} |" if a and b else f"| {m} | - | - |")
i = load(os.path.join(out, "interrupt.json"))
if i:
    lines += ["", f"SIGINT during zoo infer --device cuda: exit {i['exit']}, files left: {i['files_left'] or 'none'}, ok: {i['ok']}"]
any_ = next((r for v in rows.values() for r in v.values() if "onnxruntime" in r), None)
if any_:
    lines += ["", f"onnxruntime {any_['onnxruntime']}"]
t = next((r for v in rows.values() for k, r in v.items() if k == "torch-cuda"), None)
if t:
    lines += [f"PyTorch {t['torch']} on {t['gpu']}"]
open(os.path.join(out, "results.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
}

stages=${*:-all}
[ "$stages" = all ] && stages="setup cuda torch diff interrupt cpu report"
setup
for s in $stages; do
	case $s in
	setup) ;;
	cuda) cuda ;;
	cpu) cpu ;;
	torch) torch_bench ;;
	diff) diff_outputs ;;
	interrupt) interrupt ;;
	report) report ;;
	*) echo "run.sh: unknown stage $s" >&2; exit 2 ;;
	esac
done
