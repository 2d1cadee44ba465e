#!/usr/bin/python3
"""PyTorch eager inference over pre-loaded images, the PyTorch side of zoo's inference benchmark.

Builds the zoo model NAME in PyTorch as the notebook's class (bench/torch_models.py, from
fixtures/torch/notebooks.py), loads the weights of an ONNX file that zoo exported (its
initializers carry the notebook's state_dict names), checks the model against the export folder's
test_data_set_0 (input_0.pb -> output_0.pb), then times model(x) under torch.no_grad() in eval
mode over the first IMAGES images of an IDX u8 file, BATCH at a time. Prints one JSON object:

    bench/torch_infer.py --model relu-ae-30 --onnx models/relu-ae-30/model.onnx \\
        --data images.idx --batch 256 --images 65536 --threads 2
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402


def build(name):
    """The notebook's class of the model called name."""
    try:
        return torch_models.build(name)
    except KeyError as e:
        sys.exit(f"torch_infer.py: {e}")


def load_onnx_weights(model, path):
    """Copies the initializers of the ONNX file at path into model's
    parameters and buffers, by state_dict name; every tensor of the model
    (but BatchNorm's num_batches_tracked, which zoo does not keep) must be
    there with its shape."""
    inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}
    state = model.state_dict()
    new = {}
    for name, v in state.items():
        if name.endswith("num_batches_tracked"):
            continue
        if name not in inits:
            sys.exit(f"torch_infer.py: {path} has no initializer {name}")
        a = inits[name]
        if tuple(a.shape) != tuple(v.shape):
            sys.exit(f"torch_infer.py: {path}: {name} is {a.shape}, the model wants {tuple(v.shape)}")
        new[name] = torch.from_numpy(a.copy())
    model.load_state_dict(new, strict=False)


def check(model, folder):
    """The largest difference between the model's output on the export
    folder's test input and the output stored with it."""
    d = os.path.join(folder, "test_data_set_0")
    tin, tout = onnx.TensorProto(), onnx.TensorProto()
    with open(os.path.join(d, "input_0.pb"), "rb") as f:
        tin.ParseFromString(f.read())
    with open(os.path.join(d, "output_0.pb"), "rb") as f:
        tout.ParseFromString(f.read())
    x, want = numpy_helper.to_array(tin), numpy_helper.to_array(tout)
    with torch.no_grad():
        got = model(torch.from_numpy(x.copy())).numpy()
    if got.shape != want.shape:
        sys.exit(f"torch_infer.py: output {got.shape}, the export folder's test output is {want.shape}")
    return float(np.abs(got - want).max())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="zoo model name")
    ap.add_argument("--onnx", required=True, help="model.onnx of a zoo export folder")
    ap.add_argument("--data", required=True, help="IDX u8 images (raw or gzip)")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--images", type=int, default=0, help="first N images (0: all), rounded down to whole batches")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=2, help="untimed batches first")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--target", type=float, default=0,
                    help="time passes of about this many seconds (fewer images), by the rate of the warm-up")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    model = build(a.model)
    load_onnx_weights(model, a.onnx)
    model.eval()
    diff = check(model, os.path.dirname(os.path.abspath(a.onnx)))
    if diff > 1e-4:
        sys.exit(f"torch_infer.py: {a.model} differs from {a.onnx}'s test output by {diff:g}")

    shape = [d.dim_value for d in onnx.load(a.onnx).graph.input[0].type.tensor_type.shape.dim][1:]
    try:
        px = torch_models.load_idx(a.data)
    except (OSError, ValueError) as e:
        sys.exit(f"torch_infer.py: {e}")
    n = len(px) if not a.images else min(a.images, len(px))
    nb = n // a.batch
    if nb == 0:
        sys.exit(f"torch_infer.py: {a.data}: {n} images, fewer than one batch of {a.batch}")
    n = nb * a.batch
    x = torch.from_numpy(px[:n].astype(np.float32) / 255).reshape(n, *shape)

    runs = []
    with torch.no_grad():
        t0, i = time.perf_counter(), 0
        while i < a.warmup or (a.target and time.perf_counter() - t0 < min(0.3, a.target / 2)):
            model(x[(i % nb) * a.batch:(i % nb + 1) * a.batch])
            i += 1
        if a.target:  # as many batches as take about target seconds
            rate = i / (time.perf_counter() - t0)
            nb = max(1, min(nb, round(rate * a.target)))
            n = nb * a.batch
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            for i in range(nb):
                model(x[i * a.batch:(i + 1) * a.batch])
            runs.append(time.perf_counter() - t0)
    rates = [n / s for s in runs]
    print(json.dumps(dict(framework="pytorch", torch=torch.__version__, model=a.model, images=n, batch=a.batch,
                          threads=torch.get_num_threads(), check_max_abs_diff=diff, seconds=runs,
                          images_per_second=rates, median_images_per_second=statistics.median(rates))))


if __name__ == "__main__":
    main()
