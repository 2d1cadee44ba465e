#!/usr/bin/python3
"""zoo's benchmark: training, inference and memory, zoo against PyTorch and a bare onnxruntime loop.

Run through bench/run.sh, which builds bin/zoo and bin/ortloop first. One section after the other,
on this machine, it measures and prints markdown tables (see bench/README.md):

  train   images/s of every registry model at its recipe's batch size, zoo train against
          PyTorch 1.13 (bench/torch_train.py on the notebooks' classes), each side at its fastest
          thread setting (calibrated), the training loss of both after the same steps from the same
          weights over several seeds, and the peak RSS of both processes;
  infer   images/s of zoo infer, of a bare onnxruntime loop (bench/ortloop) on the same ONNX
          file and images, and of PyTorch eager under no_grad (bench/torch_infer.py, the same
          weights), at batch 1, 64, 256 and 4096;
  memory  peak RSS of zoo infer over a generated 1,000,000-image IDX file and over the 10k test set.

Each figure is the median of --repeats runs, with the spread (min-max).
"""
import argparse
import datetime
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = "/usr/bin/python3"
FMNIST = "/usr/share/datasets/fashion-mnist"

# Training steps (batches) per epoch in the full mode, per model, meant to give a few seconds per
# epoch to the slower of zoo and PyTorch on a 2-core machine (set from rates taken on a busy
# machine: check the epoch times of a full run and adjust). One warm-up epoch, then --repeats timed
# epochs.
TRAIN_STEPS = {
    "cnn": 60, "cnn-cifar": 100, "conv-ae": 60, "conv-ae-cifar": 60, "conv-ae-deconv": 40,
    "conv-ae-deconv-unpool": 30, "conv-ae-unpool": 30, "deep-ae": 40, "denoise-ae": 60,
    "manifold-ae": 100, "mlp-ae": 100, "mlp-cifar": 100, "relu-ae-30": 60, "shallow-ae-128": 80,
    "shallow-ae-256": 60, "shallow-ae-64": 100, "sparse-ae": 30, "tiny-ae-2": 6, "tiny-ae-4": 6,
}
CIFAR_MODELS = {"mlp-cifar", "cnn-cifar", "conv-ae-cifar"}
CLASSIFIERS = {"cnn", "mlp-cifar", "cnn-cifar"}

INFER_BATCHES = [1, 64, 256, 4096]
INFER_ALL_BATCHES = ["relu-ae-30", "deep-ae", "cnn"]  # the rest at batch 256 only, unless --infer-all
MLP_AES = ["deep-ae", "denoise-ae", "manifold-ae", "mlp-ae", "relu-ae-30", "shallow-ae-128", "shallow-ae-256",
           "shallow-ae-64", "sparse-ae", "tiny-ae-2", "tiny-ae-4"]  # the MLP autoencoders of the int8 target


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, **kw):
    """Runs cmd, returning its stdout; on failure, exits with its stderr."""
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"harness: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return p.stdout


def timed(cmd, **kw):
    """Runs cmd under /usr/bin/time -v; returns (stdout, peak RSS in MB)."""
    fd, path = tempfile.mkstemp(suffix=".time")
    os.close(fd)
    try:
        out = run(["/usr/bin/time", "-v", "-o", path] + cmd, **kw)
        with open(path) as f:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
    finally:
        os.remove(path)
    return out, int(m.group(1)) / 1024 if m else float("nan")


def med(xs):
    return statistics.median(xs)


def spread(xs, fmt="{:.0f}"):
    """median (min-max)"""
    return f"{fmt.format(med(xs))} ({fmt.format(min(xs))}–{fmt.format(max(xs))})"


# ---------------------------------------------------------------- data


def idx_u8(path, arr):
    """Writes arr (uint8, [N, ...]) as a raw IDX u8 file, atomically."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(bytes([0, 0, 8, arr.ndim]))
        for d in arr.shape:
            f.write(int(d).to_bytes(4, "big"))
        f.write(np.ascontiguousarray(arr, dtype=np.uint8).tobytes())
    os.replace(tmp, path)


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    nd = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * nd).reshape(dims)


class Data:
    """Generated input files, made once under the cache folder."""

    def __init__(self, cache):
        self.dir = os.path.join(cache, "data")
        os.makedirs(self.dir, exist_ok=True)
        self._train = None

    def path(self, name):
        return os.path.join(self.dir, name)

    def fmnist_train(self):
        if self._train is None:
            self._train = read_idx(os.path.join(FMNIST, "train-images-idx3-ubyte.gz"))
        return self._train

    def train(self, n):
        """The first n Fashion-MNIST training images and labels, raw IDX (quicker to load for both sides
        than the whole gzip file, of which they would use as much)."""
        im, lb = self.path(f"fmnist-train-{n}-images.idx"), self.path(f"fmnist-train-{n}-labels.idx")
        if not (os.path.exists(im) and os.path.exists(lb)):
            idx_u8(im, self.fmnist_train()[:n])
            idx_u8(lb, read_idx(os.path.join(FMNIST, "train-labels-idx1-ubyte.gz"))[:n])
        return im, lb

    def val(self, n):
        """The first n Fashion-MNIST test images and labels, raw IDX."""
        im, lb = self.path(f"fmnist-val-{n}-images.idx"), self.path(f"fmnist-val-{n}-labels.idx")
        if not (os.path.exists(im) and os.path.exists(lb)):
            idx_u8(im, read_idx(os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz"))[:n])
            idx_u8(lb, read_idx(os.path.join(FMNIST, "t10k-labels-idx1-ubyte.gz"))[:n])
        return im, lb

    def cifar(self, name, n, seed):
        """A CIFAR-10 binary batch file of n records of uniform random pixels and labels."""
        p = self.path(f"cifar-random-{name}-{n}.bin")
        if not os.path.exists(p):
            r = np.random.default_rng(seed)
            rec = np.empty((n, 3073), np.uint8)
            rec[:, 0] = r.integers(0, 10, n)
            rec[:, 1:] = r.integers(0, 256, (n, 3072))
            rec.tofile(p + ".tmp")
            os.replace(p + ".tmp", p)
        return p

    def images(self, shape, n):
        """n images of shape as raw IDX u8: Fashion-MNIST training images repeated for
        [1, 28, 28] or [784], uniform random pixels (seed 1) for [3, 32, 32]."""
        tag = "x".join(map(str, shape))
        p = self.path(f"images-{tag}-{n}.idx")
        if os.path.exists(p):
            return p
        if int(np.prod(shape)) == 784:
            src = self.fmnist_train().reshape(-1, 784)
            reps = -(-n // len(src))
            arr = np.tile(src, (reps, 1))[:n].reshape(n, *shape)
        else:
            arr = np.random.default_rng(1).integers(0, 256, (n, *shape), dtype=np.uint8)
        idx_u8(p, arr)
        return p

    def big(self, n):
        """n Fashion-MNIST training images repeated, [n, 28, 28] raw IDX u8, written in chunks."""
        p = self.path(f"big-{n}.idx")
        if os.path.exists(p):
            return p
        src = self.fmnist_train()
        with open(p + ".tmp", "wb") as f:
            f.write(bytes([0, 0, 8, 3]) + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2)
            left = n
            while left:
                k = min(left, len(src))
                f.write(src[:k].tobytes())
                left -= k
        os.replace(p + ".tmp", p)
        return p


# ---------------------------------------------------------------- machine


def machine(a):
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1))
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    torch_info = json.loads(run([PY, "-c", (
        "import json, sys, torch; sys.path.insert(0, sys.argv[1]); import torch_models; "
        "core = torch_models.openblas_core(); "
        "libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.split()[-1]}); "
        "print(json.dumps(dict(version=torch.__version__, blas=libs, core=core)))"), HERE]))
    try:
        commit = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).strip()
        if run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"]).strip():
            commit += " (with uncommitted changes)"
    except SystemExit:
        commit = "unknown"
    return dict(nproc=os.cpu_count(), cpu=cpu, memory=mem, torch=torch_info["version"], torch_core=torch_info["core"],
                torch_blas=", ".join(os.path.basename(x) for x in torch_info["blas"]) or "none found",
                commit=commit, threads=a.threads, load_start=os.getloadavg(),
                date=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                mode="quick" if a.quick else "full")


# ---------------------------------------------------------------- training


def recipe(zoo, model):
    out = run([zoo, "show", model])
    m = re.search(r"^recipe (\{.*\})$", out, re.M)
    if not m:
        sys.exit(f"harness: no recipe line in zoo show {model}")
    return json.loads(m.group(1))


def train_data(data, model, quick, batch, steps):
    """(zoo flags, PyTorch flags) naming the training and validation files."""
    nval = 200 if quick else 2000
    if model in CIFAR_MODELS:
        tr = data.cifar("train", batch * steps, 0)
        va = data.cifar("val", nval, 2)
        return ["--data", tr, "--val-data", va], ["--data", tr, "--val-data", va]
    vim, vlb = data.val(nval)
    tr, trl = data.train(batch * steps)
    z, t = ["--data", tr, "--val-data", vim], ["--data", tr, "--val-data", vim]
    if model in CLASSIFIERS:
        z += ["--labels", trl, "--val-labels", vlb]
        t += ["--labels", trl, "--val-labels", vlb]
    return z, t


# The environment of every benchmark command: the caller's, without the settings that pin OpenBLAS
# to an older kernel or cache size (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE), which a user's machine
# does not have. Tests and CI keep them; the benchmark runs each engine as a user would.
PINNED = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def bench_env(extra):
    """The benchmark's environment with extra set (a value None unsets the variable)."""
    env = {k: v for k, v in os.environ.items() if k not in PINNED}
    for k, v in extra.items():
        env.pop(k, None)
        if v is not None:
            env[k] = v
    return env


def configs(a):
    """The thread settings each side is calibrated over: (name, environment, extra flags), and
    PyTorch's default one. PyTorch: torch.set_num_threads 1 and all CPUs, crossed with
    OPENBLAS_NUM_THREADS=1 and unset (OpenBLAS's own pool, one thread per CPU), and all CPUs with
    both pools and OMP_WAIT_POLICY=PASSIVE (OpenMP's threads sleep at once instead of spinning on
    the CPUs OpenBLAS's need). zoo: GOMAXPROCS 1 and all CPUs (its goroutines) crossed with
    OPENBLAS_NUM_THREADS=1 and unset."""
    n = str(a.threads)
    zoo, torch = [], []
    for t in sorted({"1", n}):
        for obt in ("1", None):
            label = f"OPENBLAS_NUM_THREADS={obt or 'unset'}"
            zoo.append((f"GOMAXPROCS={t}, {label}", {"GOMAXPROCS": t, "OPENBLAS_NUM_THREADS": obt}, []))
            torch.append((f"set_num_threads({t}), {label}", {"OPENBLAS_NUM_THREADS": obt, "OMP_WAIT_POLICY": None},
                          ["--threads", t]))
    if n != "1":
        torch.append((f"set_num_threads({n}), OPENBLAS_NUM_THREADS=unset, OMP_WAIT_POLICY=PASSIVE",
                      {"OPENBLAS_NUM_THREADS": None, "OMP_WAIT_POLICY": "PASSIVE"}, ["--threads", n]))
    default = next(c for c in torch if c[0] == f"set_num_threads({n}), OPENBLAS_NUM_THREADS=unset")
    return zoo, torch, default


def cpu_flags():
    """The instruction-set flags of /proc/cpuinfo (empty when it cannot be read)."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def kernels():
    """The OpenBLAS kernels each engine is calibrated over: None (OPENBLAS_CORETYPE unset: OpenBLAS
    detects the CPU, as on a user's machine) and each AVX kernel this CPU runs. OpenBLAS 0.3.21 does
    not know every CPU: on some it falls back to Prescott (SSE3), several times slower; a user who
    tunes PyTorch sets OPENBLAS_CORETYPE, so the benchmark tries it."""
    flags = cpu_flags()
    ks = [None]
    if "avx2" in flags:
        ks.append("Haswell")
    if "avx512f" in flags:
        ks.append("SkylakeX")
    if "avx512_bf16" in flags:
        ks.append("Cooperlake")
    return ks


def kernel_choices(torch):
    """The kernel settings of one engine's first calibration stage, as (label, environment), the
    default first: each OpenBLAS kernel of kernels(), and for PyTorch each of them with ATen's own
    kernels at AVX-512 too (ATEN_CPU_CAPABILITY=avx512: PyTorch 1.13 runs its AVX2 kernels on an
    AVX-512 CPU unless told)."""
    ks = [(f"OPENBLAS_CORETYPE={k}" if k else "OPENBLAS_CORETYPE unset", {"OPENBLAS_CORETYPE": k}) for k in kernels()]
    if torch and "avx512f" in cpu_flags():
        ks += [(f"{label}, ATEN_CPU_CAPABILITY=avx512", {**env, "ATEN_CPU_CAPABILITY": "avx512"}) for label, env in ks]
    return ks


def zoo_run(a, model, flags, env, epochs, limit, seed, init=None):
    """One zoo train run: (its epochs from run.json, the BLAS it records, peak RSS MB)."""
    with tempfile.TemporaryDirectory(prefix="zoo-bench-") as tmp:
        cmd = [a.zoo, "train", model, "--seed", str(seed), "--epochs", str(epochs), "--limit", str(limit),
               "--set", "shuffle=false", "--out", tmp, "--name", "bench", "--quiet"] + flags
        if init:
            cmd += ["--init-from", init]
        _, rss = timed(cmd, cwd=tmp, env=env)
        with open(os.path.join(tmp, model, "bench", "run.json")) as f:
            info = json.load(f)
    if info["train_data"]["n"] != limit:
        sys.exit(f"harness: zoo trained {model} on {info['train_data']['n']} images, want {limit}")
    return info["epochs"], info["versions"].get("blas", ""), rss


def torch_run(a, model, flags, env, epochs, limit, seed, rec, save_init=None):
    """One PyTorch run of bench/torch_train.py: (its epoch records, the final record, peak RSS MB)."""
    cmd = [PY, os.path.join(HERE, "torch_train.py"), "--model", model, "--recipe", json.dumps(rec), "--seed", str(seed),
           "--epochs", str(epochs), "--limit", str(limit), "--no-shuffle"] + flags
    if save_init:
        cmd += ["--save-init", save_init]
    out, rss = timed(cmd, env=env)
    recs = [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]
    eps = [r for r in recs if not r.get("final")]
    if len(eps) != epochs or eps[0]["batch"] != rec["batch_size"]:
        sys.exit(f"harness: PyTorch ran {len(eps)} epochs of batch {eps[0]['batch']}, want {epochs} of {rec['batch_size']}")
    return eps, recs[-1], rss


def with_kernel(config, choice):
    """A setting of configs() run under a kernel choice of kernel_choices()."""
    name, env, extra = config
    label, kenv = choice
    return (f"{name}, {label}", {**env, **kenv}, extra)


def calibrate(a, model, rec, zflags, tflags, limit):
    """The fastest setting of each side, in two stages, each setting training one warm-up and one
    timed epoch, the two sides' settings interleaved (so that a change of the machine's load hits
    both alike): first each kernel choice of kernel_choices() under each side's default threads (zoo:
    GOMAXPROCS and OpenBLAS's pool at all CPUs; PyTorch: set_num_threads at all CPUs and OpenBLAS's
    pool), then every thread setting of configs() under each side's fastest kernel,
    --calibrate-rounds times; the best median images/s wins. Returns (zoo's, PyTorch's, PyTorch's
    default rates, zoo's rates, PyTorch's rates), the settings as (name, environment, flags)."""
    zc, tc, default = configs(a)
    zdefault = next(c for c in zc if c[0] == f"GOMAXPROCS={a.threads}, OPENBLAS_NUM_THREADS=unset")

    def interleave(zsets, tsets, rounds):
        z_rates, t_rates = {c[0]: [] for c in zsets}, {c[0]: [] for c in tsets}
        for _ in range(rounds):
            for i in range(max(len(zsets), len(tsets))):
                if i < len(zsets):
                    name, env, extra = zsets[i]
                    eps, _, _ = zoo_run(a, model, zflags + extra, bench_env(env), 2, limit, 0)
                    z_rates[name].append(eps[-1]["images_per_second"])
                if i < len(tsets):
                    name, env, extra = tsets[i]
                    eps, _, _ = torch_run(a, model, tflags + extra, bench_env(env), 2, limit, 0, rec)
                    t_rates[name].append(eps[-1]["images_per_second"])
        return z_rates, t_rates

    zks, tks = kernel_choices(False), kernel_choices(True)
    zk, tk = interleave([with_kernel(zdefault, k) for k in zks], [with_kernel(default, k) for k in tks], 1)
    zkernel = max(zks, key=lambda k: med(zk[with_kernel(zdefault, k)[0]]))
    tkernel = max(tks, key=lambda k: med(tk[with_kernel(default, k)[0]]))
    zsets, tsets = [with_kernel(c, zkernel) for c in zc], [with_kernel(c, tkernel) for c in tc]
    z_rates, t_rates = interleave(zsets, tsets, a.calibrate_rounds)
    zbest = max(zsets, key=lambda c: med(z_rates[c[0]]))
    tbest = max(tsets, key=lambda c: med(t_rates[c[0]]))
    log(f"train {model}: kernels zoo " + ", ".join(f"[{k}] {med(v):.0f}" for k, v in zk.items()))
    log(f"train {model}: kernels PyTorch " + ", ".join(f"[{k}] {med(v):.0f}" for k, v in tk.items()))
    log(f"train {model}: calibration zoo " + ", ".join(f"[{k}] {med(v):.0f}" for k, v in z_rates.items()))
    log(f"train {model}: calibration PyTorch " + ", ".join(f"[{k}] {med(v):.0f}" for k, v in t_rates.items()))
    return zbest, tbest, tk[with_kernel(default, tks[0])[0]], {**zk, **z_rates}, {**tk, **t_rates}


def train_one(a, data, model):
    rec = recipe(a.zoo, model)
    batch = rec["batch_size"]
    steps = TRAIN_STEPS[model] if not a.quick else 2
    if model in CIFAR_MODELS and not a.quick:
        steps = min(steps, 50000 // batch)
    limit = batch * steps
    epochs = 1 + a.repeats
    zflags, tflags = train_data(data, model, a.quick, batch, steps)
    cal_steps = max(2, steps // 2)
    log(f"train {model}: batch {batch}; calibrating on {cal_steps} steps")
    zbest, tbest, tdefault, z_cal, t_cal = calibrate(a, model, rec, zflags, tflags, batch * cal_steps)

    log(f"train {model}: {len(a.seeds)} seeds, {steps} steps x {epochs} epochs; zoo [{zbest[0]}], PyTorch [{tbest[0]}]")
    z, t = dict(per_second=[], train_loss=[], val_loss=[], rss_mb=[]), dict(per_second=[], train_loss=[], val_loss=[], rss_mb=[])
    with tempfile.TemporaryDirectory(prefix="zoo-bench-") as tmp:
        for seed in a.seeds:
            init = os.path.join(tmp, f"init-{seed}.safetensors")
            teps, _, trss = torch_run(a, model, tflags + tbest[2], bench_env(tbest[1]), epochs, limit, seed, rec,
                                      save_init=init)
            zeps, blas, zrss = zoo_run(a, model, zflags + zbest[2], bench_env(zbest[1]), epochs, limit, seed, init=init)
            for side, eps, rss in ((z, zeps, zrss), (t, teps, trss)):
                side["per_second"] += [e["images_per_second"] for e in eps[1:]]
                side["train_loss"].append(eps[-1]["train_loss"])
                side["val_loss"].append(eps[-1]["val_loss"])
                side["rss_mb"].append(rss)
            t["core"] = teps[0].get("openblas_core", "")
    z.update(config=zbest[0], blas=blas, calibration={k: med(v) for k, v in z_cal.items()})
    t.update(config=tbest[0], default_per_second=tdefault, calibration={k: med(v) for k, v in t_cal.items()})
    return dict(model=model, batch=batch, steps=steps, epochs=epochs, images=limit, seeds=a.seeds, zoo=z, torch=t)


def mean_spread(xs):
    """mean ± half the range"""
    m = statistics.fmean(xs)
    return f"{m:.5g} ± {(max(xs) - min(xs)) / 2:.2g}"


def loss_diff(r):
    """The relative difference of the mean final training losses, zoo against PyTorch, and whether
    it stands out of the noise: more than 5% and more than the two spreads together."""
    z, t = r["zoo"]["train_loss"], r["torch"]["train_loss"]
    d = statistics.fmean(z) / statistics.fmean(t) - 1
    noise = ((max(z) - min(z)) + (max(t) - min(t))) / 2 / statistics.fmean(t)
    return d, abs(d) > 0.05 and abs(d) > noise


def train_table(rows):
    out = ["| model | batch | steps | zoo img/s median (min–max) | PyTorch at its best | ratio zoo/PyTorch | "
           "PyTorch, default threads | ratio | zoo setting | PyTorch setting | train loss zoo (mean ± spread) | PyTorch | "
           "diff | peak RSS zoo MB | PyTorch MB |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        z, t = r["zoo"], r["torch"]
        zr = med(z["per_second"])
        d, flag = loss_diff(r)
        out.append(f"| {r['model']} | {r['batch']} | {r['steps']} x {r['epochs']} | {spread(z['per_second'])} | "
                   f"{spread(t['per_second'])} | {zr / med(t['per_second']):.2f} | {med(t['default_per_second']):.0f} | "
                   f"{zr / med(t['default_per_second']):.2f} | {z['config']} | {t['config']} | "
                   f"{mean_spread(z['train_loss'])} | {mean_spread(t['train_loss'])} | {100 * d:+.1f}%{' **' if flag else ''} | "
                   f"{max(z['rss_mb']):.0f} | {max(t['rss_mb']):.0f} |")
    return "\n".join(out)


# ---------------------------------------------------------------- inference


def export(a, model):
    d = os.path.join(a.cache, "models")
    folder = os.path.join(d, model)
    if not os.path.exists(os.path.join(folder, "model.int8.onnx")):
        run([a.zoo, "export", model, "--init", "--seed", "0", "--out", d, "--force", "--quantize", "int8"])
    return os.path.join(folder, "model.onnx")


def int8_path(onnx_path):
    return onnx_path[:-len(".onnx")] + ".int8.onnx"


def onnx_input_shape(path):
    out = run([PY, "-c", "import onnx, sys, json; g = onnx.load(sys.argv[1]).graph; "
               "print(json.dumps([d.dim_value for d in g.input[0].type.tensor_type.shape.dim][1:]))", path])
    return json.loads(out)


def infer_one(a, data, model, onnx_path, shape, batch):
    cap = 65536 if int(np.prod(shape)) <= 784 else 32768
    base = data.images(shape, cap)
    cal = json.loads(run([a.ortloop, "-model", onnx_path, "-data", base, "-batch", str(batch),
                          "-threads", str(a.threads), "-calibrate", str(a.calibrate)]))
    want = cal["images_per_second"] * a.target
    n = max(4 * batch, 1024)
    while n < want and n < cap:
        n *= 2
    n = min(n, cap)
    path = data.images(shape, n)
    log(f"infer {model} batch {batch}: {n} images")
    ol, zr, zcompute, ol8 = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="zoo-bench-") as tmp:
        for i in range(a.repeats):  # alternately, so that a change of the machine's load hits both alike
            ol += json.loads(run([a.ortloop, "-model", onnx_path, "-data", path, "-batch", str(batch),
                                  "-threads", str(a.threads), "-repeats", "1"]))["images_per_second"]
            ol8 += json.loads(run([a.ortloop, "-model", int8_path(onnx_path), "-data", path, "-batch", str(batch),
                                   "-threads", str(a.threads), "-repeats", "1"]))["images_per_second"]
            j = os.path.join(tmp, f"{i}.json")
            run([a.zoo, "infer", onnx_path, path, "--batch", str(batch), "--threads", str(a.threads), "--json", j])
            with open(j) as f:
                rep = json.load(f)
            if rep["images"] != n:
                sys.exit(f"harness: zoo infer ran {rep['images']} images, want {n}")
            zr.append(rep["images_per_second"])
            zcompute.append(rep["compute_seconds"] / rep["seconds"])
    tr = torch_best(a, model, onnx_path, path, batch)
    return dict(model=model, batch=batch, images=n, ortloop=ol, ortloop_int8=ol8, zoo=zr,
                zoo_compute_share=zcompute, **tr)


def torch_best(a, model, onnx_path, path, batch):
    """PyTorch eager inference at its best: a short pass under each kernel choice of kernel_choices()
    with the default thread setting, then under each thread setting of the training calibration with the
    fastest kernel, then the timed passes under the fastest of all."""
    torch_cmd = [PY, os.path.join(HERE, "torch_infer.py"), "--model", model, "--onnx", onnx_path, "--data", path,
                 "--batch", str(batch)]
    _, tconfigs, tdefault = configs(a)

    def short(env, flags):
        r = json.loads(run(torch_cmd + flags + ["--repeats", "1", "--target", str(a.calibrate)], env=bench_env(env)))
        return med(r["images_per_second"])

    choices = kernel_choices(True)
    kcal = {label: short({**tdefault[1], **kenv}, tdefault[2]) for label, kenv in choices}
    label, kenv = max(choices, key=lambda c: kcal[c[0]])
    cal = {}
    for name, env, flags in tconfigs:
        cal[name] = short({**env, **kenv}, flags)
    best = max(cal, key=cal.get)
    _, env, flags = next(c for c in tconfigs if c[0] == best)
    tr = json.loads(run(torch_cmd + flags + ["--repeats", str(a.repeats), "--target", str(a.target)],
                        env=bench_env({**env, **kenv})))
    return dict(torch=tr["images_per_second"], torch_images=tr["images"], torch_check=tr["check_max_abs_diff"],
                torch_setting=f"{best}, {label}", torch_default=kcal[choices[0][0]], torch_calibration=cal,
                torch_kernels=kcal)


def infer_table(rows):
    out = ["| model | batch | images | zoo infer img/s median (min–max) | bare ORT loop img/s | PyTorch eager img/s | "
           "zoo / ORT | zoo / PyTorch | PyTorch setting | PyTorch, default threads img/s | "
           "int8 bare ORT loop img/s | int8 / float32 bare loop |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    for r in rows:
        z, o, t, q = med(r["zoo"]), med(r["ortloop"]), med(r["torch"]), med(r["ortloop_int8"])
        out.append(f"| {r['model']} | {r['batch']} | {r['images']} | {spread(r['zoo'])} | {spread(r['ortloop'])} | "
                   f"{spread(r['torch'])} | {z / o:.3f} | {z / t:.2f} | {r.get('torch_setting', '')} | "
                   f"{r.get('torch_default', float('nan')):.0f} | {spread(r['ortloop_int8'])} | {q / o:.2f} |")
    return "\n".join(out)


# ---------------------------------------------------------------- memory


def memory(a, data):
    rows = []
    n = 100_000 if a.quick else 1_000_000
    big = data.big(n)
    t10k = os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz")
    cases = [("relu-ae-30", t10k, "Fashion-MNIST test (10,000, gzip)", 256),
             ("relu-ae-30", big, f"generated IDX ({n:,} images, raw)", 256),
             ("relu-ae-30", big, f"generated IDX ({n:,} images, raw)", 4096),
             ("cnn", t10k, "Fashion-MNIST test (10,000, gzip)", 256)]
    with tempfile.TemporaryDirectory(prefix="zoo-bench-") as tmp:
        for model, path, desc, batch in cases:
            onnx_path = export(a, model)
            rss, rate, share = [], [], []
            log(f"memory {model} on {desc}, batch {batch}")
            for i in range(a.repeats):
                j = os.path.join(tmp, f"{i}.json")
                _, r = timed([a.zoo, "infer", onnx_path, path, "--batch", str(batch), "--threads", str(a.threads),
                              "--json", j, "--force"])
                with open(j) as f:
                    rep = json.load(f)
                rss.append(r)
                rate.append(rep["images_per_second"])
                share.append(rep["compute_seconds"] / rep["seconds"])
            rows.append(dict(model=model, data=desc, images=rep["images"], batch=batch, rss_mb=rss, per_second=rate,
                             compute_share=share))
    return rows


def memory_table(rows, train_rows):
    out = ["| zoo infer | data | batch | peak RSS MB median (min–max) | img/s | onnxruntime share of the stream time |",
           "| --- | --- | ---: | ---: | ---: | ---: |"]
    for r in rows:
        out.append(f"| {r['model']} | {r['data']} | {r['batch']} | {spread(r['rss_mb'], '{:.1f}')} | "
                   f"{med(r['per_second']):.0f} | {100 * med(r['compute_share']):.0f}% |")
    if train_rows:
        out += ["", "Training peak RSS is in the training table (whole process, one run each: the warm-up and timed "
                "epochs, with data loading and validation)."]
    return "\n".join(out)


# ---------------------------------------------------------------- targets


def targets(res):
    lines = []
    tr = res.get("train", [])
    if tr:
        ratios = [(r["model"], med(r["zoo"]["per_second"]) / med(r["torch"]["per_second"])) for r in tr]
        bad = [(m, x) for m, x in ratios if x < 1.0]
        lines.append("- training images/s >= PyTorch's at its best for every model: "
                     + ("met" if not bad else "MISSED for " + ", ".join(f"{m} ({x:.2f}, gap {100 * (1 - x):.0f}%)"
                                                                       for m, x in bad)) + f" ({len(tr)} models)")
        mr = med([x for _, x in ratios])
        lines.append(f"- median ratio >= 1.3: " + ("met" if mr >= 1.3 else "MISSED") + f" ({mr:.2f})")
        far = [(r["model"], 100 * loss_diff(r)[0]) for r in tr if loss_diff(r)[1]]
        lines.append("- same training loss after the same steps from the same weights (mean over the seeds differing "
                     "by more than 5% and more than the spreads): "
                     + ("met" if not far else "differs for " + ", ".join(f"{m} ({d:+.1f}%)" for m, d in far)))
        heavy = [r["model"] for r in tr if max(r["zoo"]["rss_mb"]) >= max(r["torch"]["rss_mb"])]
        lines.append("- peak RSS below PyTorch's: " + ("met" if not heavy else "MISSED for " + ", ".join(heavy)))
    every = res.get("infer", [])
    inf = [r for r in every if r["batch"] == 256]
    if inf:
        slow = [(f"{r['model']} batch {r['batch']}", med(r["zoo"]) / med(r["ortloop"])) for r in every]
        slow = [(m, x) for m, x in slow if x < 1.0]
        lines.append("- zoo infer >= 1.0x the bare onnxruntime loop at every batch measured: "
                     + ("met" if not slow else "MISSED for " + ", ".join(f"{m} ({x:.2f})" for m, x in slow))
                     + f" ({len(every)} rows)")
        weak = [(r["model"], med(r["zoo"]) / med(r["torch"])) for r in inf]
        weak = [(m, x) for m, x in weak if x < 2]
        lines.append("- zoo infer >= 2x PyTorch eager at batch 256: "
                     + ("met" if not weak else "MISSED for " + ", ".join(f"{m} ({x:.2f}x)" for m, x in weak)))
        mlp = [(r["model"], med(r["ortloop_int8"]) / med(r["ortloop"])) for r in inf if r["model"] in MLP_AES]
        short = [(m, x) for m, x in mlp if x < 2]
        if mlp:
            lines.append(f"- int8 >= 2x the float32 bare loop on the MLP autoencoders at batch 256: "
                         + ("met" if not short else "MISSED for " + ", ".join(f"{m} ({x:.2f}x)" for m, x in short))
                         + f" ({len(mlp)} models)")
    mem = res.get("memory", [])
    if mem:
        big = [r for r in mem if r["images"] >= 100_000 and r["batch"] == 256]
        small = [r for r in mem if r["images"] < 100_000 and r["model"] == "relu-ae-30"]
        peak = max(max(r["rss_mb"]) for r in big)
        lines.append(f"- zoo infer peak RSS < 150 MB on the {big[0]['images']:,}-image file (batch 256): "
                     + ("met" if peak < 150 else "MISSED") + f" (largest {peak:.1f} MB)")
        if small:
            d = med(big[0]["rss_mb"]) - med(small[0]["rss_mb"])
            lines.append(f"- independent of the file size: relu-ae-30 batch 256, {big[0]['images']:,} images vs "
                         f"{small[0]['images']:,}: {d:+.1f} MB")
    return "\n".join(lines)


def zoo_kernel(res):
    """The OpenBLAS kernels zoo train ran (from run.json's versions.blas), or a note when none."""
    blas = sorted({r["zoo"].get("blas", "") for r in res.get("train", [])})
    kernels = sorted({k for b in blas for k in re.findall(r"kernel (\w+)", b)})
    if kernels:
        return ", ".join(kernels)
    return "none (" + (", ".join(b for b in blas if b) or "no training run") + ")"


def report(m, res, a):
    parts = [f"# zoo benchmark ({m['mode']} mode)", "",
             f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']}; load average at start "
             f"{m['load_start'][0]:.2f}, at end {m.get('load_end', (float('nan'),))[0]:.2f}. "
             f"Threads: {m['threads']} (onnxruntime intra-op, PyTorch inference's torch.set_num_threads; training "
             f"calibrates each side's, below). PyTorch {m['torch']} (BLAS: {m['torch_blas']}; OpenBLAS kernel "
             f"{m['torch_core'] or 'none'}); zoo train's OpenBLAS kernel {zoo_kernel(res)}. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset in every command but where a calibration tries setting the kernel (below). "
             f"zoo {m['commit']}, {m['date']}.", ""]
    if res.get("train"):
        tr = res["train"]
        cores = sorted({r["torch"].get("core", "") for r in tr})
        parts += ["## Training", "",
                  f"Recipe batch size; images/s of the training steps only (zoo's run.json `seconds`, PyTorch's "
                  f"timer around its batches). Each engine runs at its best: before the timed runs, a calibration "
                  f"trains one warm-up and one timed epoch of half the steps under each setting, the two sides "
                  f"interleaved, in two stages. First the OpenBLAS kernel: `OPENBLAS_CORETYPE` unset (PyTorch's OpenBLAS "
                  f"then runs the kernel it detects; zoo replaces OpenBLAS's SSE3 fallback by the kernel the CPU allows) "
                  f"and set to each AVX kernel this CPU runs ({', '.join(k for k in kernels() if k)}), for PyTorch each "
                  f"also with `ATEN_CPU_CAPABILITY=avx512` where the CPU has AVX-512 (PyTorch 1.13 runs its own kernels "
                  f"at AVX2 there unless told), under each side's default threads. Then, under each side's fastest kernel, the threads (PyTorch: `torch.set_num_threads` 1 and {m['threads']} crossed with "
                  f"`OPENBLAS_NUM_THREADS` 1 and unset, and {m['threads']} with OpenBLAS's pool and `OMP_WAIT_POLICY=PASSIVE`; zoo: `GOMAXPROCS` 1 and {m['threads']} crossed with the same). "
                  f"The fastest setting of each side (columns 'setting') trains the timed runs: for each of the "
                  f"seeds {', '.join(map(str, a.seeds))}, PyTorch then zoo, one warm-up epoch and {a.repeats} timed epochs "
                  f"of the given steps (median and spread over all timed epochs). 'PyTorch, default threads' is "
                  f"PyTorch's calibration rate with `set_num_threads({m['threads']})`, OpenBLAS's default pool and the "
                  f"kernel OpenBLAS detects, as a user runs it without tuning. Both sides start each seed from the same weights (PyTorch's "
                  f"initialisation of the notebook's class, `zoo train --init-from`) and train on the same batches in "
                  f"the same order (shuffling off on both: the file's order); loss: the mean training loss of the last "
                  f"epoch, mean ± half the range over the seeds (denoise-ae's noise and mlp-cifar's dropout are drawn "
                  f"by each side's own generator); ** marks a difference of more than 5% and more than the spreads. "
                  f"OpenBLAS: `OPENBLAS_L2_SIZE` unset for every command of the benchmark, `OPENBLAS_CORETYPE` unset but where a setting names it; "
                  f"zoo's BLAS in the timed runs: {'; '.join(sorted({r['zoo']['blas'] for r in tr}))}; PyTorch's OpenBLAS kernel in the timed runs: {', '.join(cores)}. 28x28 models "
                  f"train on Fashion-MNIST; the CIFAR-10 models on a CIFAR-10 binary file of uniform random images "
                  f"and labels (generated, seed 0). Peak RSS: the largest over the seeds' runs, whole process.", "",
                  train_table(tr), ""]
    if res.get("infer"):
        parts += ["## Inference", "",
                  f"Weights of `zoo export MODEL --init --seed 0`; PyTorch loads the same weights from the ONNX file "
                  f"and matches the export's test output (max difference "
                  f"{max(r['torch_check'] for r in res['infer']):.1e}). zoo infer: the images/s of its --json report "
                  f"(the stream from the first read to the last output, session start-up excluded; u8 IDX "
                  f"decoding and the MSE or class counting included, no output file). Bare ORT loop: bench/ortloop, "
                  f"float32 tensors made before timing; the int8 columns run the same loop on `model.int8.onnx` of "
                  f"`zoo export --quantize int8` (same float32 input and output). PyTorch: eager, no_grad, eval mode, at "
                  f"its best: a short pass under each OpenBLAS kernel this CPU runs (OPENBLAS_CORETYPE unset, and set to "
                  f"each AVX kernel: OpenBLAS 0.3.21 falls back to Prescott on CPUs it does not know; each also with "
                  f"ATEN_CPU_CAPABILITY=avx512 where the CPU has AVX-512) with the "
                  f"default threads, then under each thread setting of the training calibration (set_num_threads 1 "
                  f"and {m['threads']} crossed with OPENBLAS_NUM_THREADS 1 and unset, and OMP_WAIT_POLICY=PASSIVE), "
                  f"the timed passes under the fastest (column 'PyTorch setting'); 'default threads' is the short "
                  f"pass with set_num_threads({m['threads']}), OpenBLAS's own pool and its detected kernel. zoo infer "
                  f"and the bare loop both run onnxruntime with the same settings, {m['threads']} intra-op threads and "
                  f"1 inter-op thread, not calibrated (onnxruntime's MLAS picks its AVX-512 kernels itself). 28x28 inputs are "
                  f"Fashion-MNIST training images; CIFAR inputs uniform random.", "",
                  infer_table(res["infer"]), ""]
    if res.get("memory"):
        parts += ["## Memory", "", memory_table(res["memory"], res.get("train")), ""]
    parts += ["## Targets", "", targets(res), ""]
    return "\n".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, to check the harness works")
    ap.add_argument("--out", default=os.path.join(HERE, "results.md"), help="markdown file to write (and .json beside)")
    ap.add_argument("--sections", default="train,infer,memory")
    ap.add_argument("--models", help="comma-separated models (default: all registry models)")
    ap.add_argument("--infer-all", action="store_true", help="every model at every inference batch size")
    ap.add_argument("--repeats", type=int, help="repeats per figure (default 3)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="inference threads of every engine; training calibrates 1 and this many")
    ap.add_argument("--seeds", default="0,1,2", help="training: the seeds of the timed runs (at least 3 for a spread)")
    ap.add_argument("--calibrate-rounds", type=int, default=1, help="training: rounds of the thread calibration")
    ap.add_argument("--zoo", default=os.path.join(ROOT, "bin", "zoo"))
    ap.add_argument("--ortloop", default=os.path.join(ROOT, "bin", "ortloop"))
    ap.add_argument("--cache", default=os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                                                    "zoo", "bench"))
    a = ap.parse_args()
    a.repeats = a.repeats or (2 if a.quick else 3)
    a.target = 0.25 if a.quick else 1.5  # seconds per timed inference pass
    a.calibrate = 0.1 if a.quick else 0.3
    a.seeds = [int(s) for s in a.seeds.split(",")]
    for k in PINNED:  # every command of the benchmark runs as on a user's machine
        os.environ.pop(k, None)
    sections = set(a.sections.split(","))
    if sections - {"train", "infer", "memory"}:
        sys.exit(f"harness: unknown sections {sorted(sections - {'train', 'infer', 'memory'})}")
    for tool in (a.zoo, a.ortloop):
        if not os.access(tool, os.X_OK):
            sys.exit(f"harness: {tool} not found; run bench/run.sh, which builds it")
    for tool in ("/usr/bin/time", PY):
        if not os.access(tool, os.X_OK):
            sys.exit(f"harness: {tool} not found (apt-get install time python3-torch python3-onnx)")
    models = sorted(TRAIN_STEPS)
    if a.models:
        models = a.models.split(",")
        unknown = [m for m in models if m not in TRAIN_STEPS]
        if unknown:
            sys.exit(f"harness: unknown models {unknown}")
    data = Data(a.cache)
    m = machine(a)
    log(f"bench: {m['mode']} mode, {m['nproc']} CPUs, load {m['load_start'][0]:.2f}; cache {a.cache}")
    res = {"machine": m}
    t0 = time.time()
    if "train" in sections:
        res["train"] = [train_one(a, data, model) for model in models]
    if "infer" in sections:
        res["infer"] = []
        if a.quick:
            plan = [(mm, b) for mm in ("relu-ae-30", "cnn") if mm in models for b in (1, 256)]
        else:
            plan = [(mm, b) for mm in models for b in (INFER_BATCHES if a.infer_all or mm in INFER_ALL_BATCHES else [256])]
        for model, batch in plan:
            onnx_path = export(a, model)
            res["infer"].append(infer_one(a, data, model, onnx_path, onnx_input_shape(onnx_path), batch))
    if "memory" in sections:
        res["memory"] = memory(a, data)
    m["load_end"] = os.getloadavg()
    m["seconds"] = time.time() - t0
    text = report(m, res, a)
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    for path, body in ((a.out, text), (os.path.splitext(a.out)[0] + ".json", json.dumps(res, indent=1))):
        with open(path + ".tmp", "w") as f:
            f.write(body)
        os.replace(path + ".tmp", path)
    log(f"bench: {m['seconds']:.0f} s; wrote {a.out} and {os.path.splitext(a.out)[0]}.json")


if __name__ == "__main__":
    main()
