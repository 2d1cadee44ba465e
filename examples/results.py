#!/usr/bin/python3
"""Prints the results table of docs/results.md from what the notebook scripts wrote.

    examples/results.py [--data fashion-mnist] [--torch out/torch]

For every 28x28 registry model: the test metric of zoo eval after the full recipe
(out/examples/NOTEBOOK/DATA/eval/MODEL/eval.json: MSE per pixel, or accuracy), the epochs the run
trained and how it ended (run.json), the training time (the sum of the epochs' seconds, and the
wall clock from the run's start to its last checkpoint), and PyTorch's test metric and training
time on the same data and recipe when --torch holds MODEL.jsonl, the output of bench/torch_train.py
or bench/torch_conv.py --model MODEL --threads 2 (whose last line has "final": true).
"""
import argparse
import datetime
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# notebook script -> its 28x28 models, in the order of the table
NOTEBOOKS = [
    ("mnist-cnn-deep-ae", ["cnn", "deep-ae"]),
    ("classic-conv-ae", ["mlp-ae", "conv-ae"]),
    ("tiny-ae", ["tiny-ae-2", "tiny-ae-4"]),
    ("pca-and-variants", ["relu-ae-30", "shallow-ae-64", "shallow-ae-128", "shallow-ae-256", "sparse-ae",
                          "denoise-ae", "manifold-ae", "conv-ae-deconv", "conv-ae-unpool", "conv-ae-deconv-unpool"]),
]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def when(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def zoo_row(out, model):
    info = load(os.path.join(out, "runs", model, "recipe", "run.json"))
    ev = load(os.path.join(out, "eval", model, "eval.json"))
    if info is None:
        return None
    train = sum(e["seconds"] for e in info.get("epochs") or [])
    wall = (when(info["updated"]) - when(info["started"])).total_seconds()
    metric = "not run"
    if ev is not None and info["status"] in ("finished", "early-stopped"):
        if ev.get("accuracy") is not None:
            metric = f"accuracy {100 * ev['accuracy']:.2f}%"
        elif ev.get("reconstruction"):
            metric = f"MSE {ev['reconstruction']['mse']:.5f}"
    ended = f"{info['status']} after {info['epoch']} of {info['recipe']['epochs']} epochs"
    if info.get("best_epoch") and info["status"] == "early-stopped":
        ended += f" (best {info['best_epoch']})"
    return metric, ended, train, wall


def torch_row(path):
    try:
        with open(path) as f:
            recs = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError):
        return None
    final = [r for r in recs if r.get("final")]
    if not final:
        return None
    f = final[-1]
    if f.get("test_accuracy") is not None:
        metric = f"accuracy {100 * f['test_accuracy']:.2f}%"
    else:
        metric = f"MSE {f.get('test_mse', f.get('test_loss')):.5f}"
    return metric, f.get("total_seconds") or sum(r["seconds"] for r in recs if not r.get("final"))


def minutes(s):
    return f"{s / 60:.1f} min" if s >= 60 else f"{s:.0f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="fashion-mnist")
    ap.add_argument("--torch", default=os.path.join(ROOT, "out", "torch"))
    ap.add_argument("--examples", default=os.path.join(ROOT, "out", "examples"))
    a = ap.parse_args()
    print("| model | notebook script | zoo: test metric | run | zoo: training time (epochs / wall) "
          "| notebook's figure | PyTorch: test metric | PyTorch: training time |")
    print("| --- | --- | --- | --- | ---: | --- | --- | ---: |")
    for nb, models in NOTEBOOKS:
        out = os.path.join(a.examples, nb, a.data)
        for m in models:
            z = zoo_row(out, m)
            t = torch_row(os.path.join(a.torch, m + ".jsonl"))
            zm, ended, zt = ("not run", "", "") if z is None else (z[0], z[1], f"{minutes(z[2])} / {minutes(z[3])}")
            tm, tt = ("not run", "") if t is None else (t[0], minutes(t[1]))
            print(f"| `{m}` | `examples/{nb}.sh` | {zm} | {ended} | {zt} | not given | {tm} | {tt} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
