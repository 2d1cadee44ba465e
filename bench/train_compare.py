#!/usr/bin/python3
"""Trains models with zoo and with PyTorch, one after the other, on the same machine and data,
and prints a markdown table of test MSE and seconds per epoch.

    bench/train_compare.py relu-ae-30 shallow-ae-128 deep-ae      # recipes' epochs
    bench/train_compare.py --epochs 2 relu-ae-30                 # shorter
    bench/train_compare.py --out bench/results.json relu-ae-30

zoo: ./bin/zoo train MODEL --data fashion-mnist (test images validate, so the validation loss of
an MSE recipe is the test MSE). PyTorch: bench/torch_train.py (the notebook's class, zoo's recipe) with the same threads.
Seconds per epoch cover the training pass only, in both.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run_zoo(model, epochs, seed, data):
    out = tempfile.mkdtemp(prefix="zoo-bench-")
    cmd = [os.path.join(ROOT, "bin", "zoo"), "train", model, "--data", data, "--seed", str(seed),
           "--out", out, "--name", "bench", "--quiet"]
    if epochs:
        cmd += ["--epochs", str(epochs)]
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    with open(os.path.join(out, model, "bench", "run.json")) as f:
        info = json.load(f)
    eps = info["epochs"]
    final = eps[-1]
    if info["status"] == "early-stopped":  # the best epoch's weights were restored
        final = next(e for e in eps if e["epoch"] == info["best_epoch"])
    return {"epochs": len(eps), "test_mse": final["val_loss"], "test_accuracy": final.get("val_accuracy"),
            "seconds": [e["seconds"] for e in eps], "train_loss": eps[-1]["train_loss"]}


def run_torch(model, epochs, seed, data_dir, threads):
    cmd = ["/usr/bin/python3", os.path.join(HERE, "torch_train.py"), "--model", model, "--seed", str(seed),
           "--data-dir", data_dir, "--threads", str(threads)]
    if epochs:
        cmd += ["--epochs", str(epochs)]
    p = subprocess.run(cmd, check=True, capture_output=True, text=True)
    recs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    eps = [r for r in recs if not r.get("final")]
    final = [r for r in recs if r.get("final")][-1]
    return {"epochs": len(eps), "test_mse": final.get("test_loss"), "test_accuracy": final.get("test_accuracy"),
            "seconds": [e["seconds"] for e in eps], "train_loss": eps[-1]["train_loss"], "torch": eps[-1].get("torch")}


def spread(xs):
    return f"{statistics.median(xs):.2f} ({min(xs):.2f}-{max(xs):.2f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--epochs", type=int, help="default: each recipe's")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default="fashion-mnist", help="zoo data set name")
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist", help="the same files for PyTorch")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--out", help="also write the raw results as JSON")
    a = ap.parse_args()
    rows, raw = [], {}
    for m in a.models:
        print(f"== {m}: zoo", file=sys.stderr, flush=True)
        z = run_zoo(m, a.epochs, a.seed, a.data)
        print(f"== {m}: pytorch", file=sys.stderr, flush=True)
        t = run_torch(m, a.epochs, a.seed, a.data_dir, a.threads)
        raw[m] = {"zoo": z, "pytorch": t}
        zs, ts = statistics.median(z["seconds"]), statistics.median(t["seconds"])
        if t["test_accuracy"] is not None:
            za, ta = 100 * z["test_accuracy"], 100 * t["test_accuracy"]
            quality = f"acc {za:.2f}% | acc {ta:.2f}% | {za - ta:+.2f} pt"
        else:
            quality = (f"MSE {z['test_mse']:.5f} | MSE {t['test_mse']:.5f} | "
                       f"{100 * (z['test_mse'] / t['test_mse'] - 1):+.1f}%")
        rows.append(f"| {m} | {z['epochs']} / {t['epochs']} | {quality} | {spread(z['seconds'])} | "
                    f"{spread(t['seconds'])} | {ts / zs:.2f} |")
    print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}; PyTorch threads {a.threads}; data {a.data_dir}\n")
    print("| model | epochs zoo / PyTorch | zoo test | PyTorch test | diff | zoo s/epoch median (min-max) | "
          "PyTorch s/epoch median (min-max) | speed ratio (PyTorch s / zoo s) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(raw, f, indent=2)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
