#!/usr/bin/env python3
"""PyTorch CUDA eager throughput on the weights of a zoo export, and output differences.

    torch_gpu.py bench --model relu-ae-30 --onnx models/relu-ae-30/model.onnx \\
        --data big.idx --batch 4096 [--device cuda] [--images N]
    torch_gpu.py diff A.idx B.idx

bench: builds the zoo model in PyTorch (the notebook's class, bench/torch_models.py), copies the
ONNX file's initializers into it (read here without the onnx package, which the GPU machine may
lack), checks it against the export folder's test_data_set_0, then times model(x) under
torch.inference_mode() over the IDX u8 file, BATCH at a time, the images uploaded to the device
once beforehand (so the time is the model's alone), synchronising at the end. Prints one JSON
line. diff: the largest absolute difference of two IDX float32 files, as one JSON line.
"""
import argparse
import json
import os
import struct
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import torch_models  # noqa: E402


def varint(b, i):
    v, s = 0, 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def fields(b):
    """The (field number, wire type, value) of a protobuf message."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        f, w = key >> 3, key & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 1:
            v, i = b[i:i + 8], i + 8
        elif w == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif w == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError(f"protobuf wire type {w}")
        yield f, w, v


def tensor(b):
    """name, numpy array of an ONNX TensorProto (float32 only)."""
    dims, dtype, name, raw, floats = [], None, "", None, []
    for f, w, v in fields(b):
        if f == 1:  # dims, packed or not
            if w == 2:
                j = 0
                while j < len(v):
                    d, j = varint(v, j)
                    dims.append(d)
            else:
                dims.append(v)
        elif f == 2:
            dtype = v
        elif f == 4:  # float_data
            floats.append(np.frombuffer(v, dtype="<f4"))  # packed, or one fixed32
        elif f == 8:
            name = bytes(v).decode()
        elif f == 9:
            raw = v
    if dtype != 1:
        return name, None  # not a weight (a shape, say)
    a = np.frombuffer(raw, dtype="<f4") if raw is not None else np.concatenate(floats or [np.zeros(0, "<f4")])
    return name, a.reshape(dims).copy()


def initializers(path):
    """The initializers of an ONNX model file, by name."""
    with open(path, "rb") as f:
        m = memoryview(f.read())
    out = {}
    for f, _, v in fields(m):
        if f == 7:  # ModelProto.graph
            for g, _, t in fields(v):
                if g == 5:  # GraphProto.initializer
                    name, a = tensor(t)
                    if a is not None:
                        out[name] = a
    return out


def build(name):
    try:
        return torch_models.build(name)
    except KeyError as e:
        sys.exit(f"torch_gpu.py: {e}")


def load_weights(model, path):
    inits = initializers(path)
    new = {}
    for name, v in model.state_dict().items():
        if name.endswith("num_batches_tracked"):
            continue
        if name not in inits or tuple(inits[name].shape) != tuple(v.shape):
            sys.exit(f"torch_gpu.py: {path}: no initializer {name} shaped {tuple(v.shape)}")
        new[name] = torch.from_numpy(inits[name])
    model.load_state_dict(new, strict=False)


def test_data(folder):
    d = os.path.join(folder, "test_data_set_0")
    return [tensor(memoryview(open(os.path.join(d, f), "rb").read()))[1] for f in ("input_0.pb", "output_0.pb")]


def read_idx(path):
    with open(path, "rb") as f:
        head = f.read(4)
        nd = head[3]
        dims = struct.unpack(">" + "I" * nd, f.read(4 * nd))
    dtype = {0x08: np.uint8, 0x0D: ">f4"}[head[2]]
    a = np.memmap(path, dtype=dtype, mode="r", offset=4 + 4 * nd, shape=tuple(dims))
    return a


def bench(a):
    dev = torch.device(a.device)
    model = build(a.model)
    load_weights(model, a.onnx)
    model.eval().to(dev)
    x0, want = test_data(os.path.dirname(os.path.abspath(a.onnx)))
    with torch.inference_mode():
        got = model(torch.from_numpy(x0).to(dev)).cpu().numpy()
    check = float(np.abs(got - want).max())
    if check > 1e-3:
        sys.exit(f"torch_gpu.py: {a.model} differs from the export's test output by {check:g}")

    px = read_idx(a.data)
    n = len(px) if not a.images else min(a.images, len(px))
    shape = x0.shape[1:]
    # Upload as u8 (a quarter of the float32 bytes), scale on the device.
    xs = torch.from_numpy(np.array(px[:n])).to(dev)
    with torch.inference_mode():
        for i in range(min(3, (n + a.batch - 1) // a.batch)):  # warm-up, cuDNN autotune
            model(xs[i * a.batch:(i + 1) * a.batch].float().div_(255).reshape(-1, *shape))
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for i in range(0, n, a.batch):
            model(xs[i:i + a.batch].float().div_(255).reshape(-1, *shape))
        if dev.type == "cuda":
            torch.cuda.synchronize()
        sec = time.perf_counter() - t0
    print(json.dumps(dict(engine="torch-eager", device=str(dev), gpu=torch.cuda.get_device_name(dev) if dev.type == "cuda" else "",
                          torch=torch.__version__, model=a.model, batch=a.batch, images=n, seconds=sec,
                          images_per_second=n / sec, test_data_max_diff=check,
                          tf32=torch.backends.cuda.matmul.allow_tf32, cudnn_tf32=torch.backends.cudnn.allow_tf32)))


def diff(a):
    x, y = read_idx(a.a), read_idx(a.b)
    if x.shape != y.shape:
        sys.exit(f"torch_gpu.py: {a.a} is {x.shape}, {a.b} is {y.shape}")
    m, step = 0.0, 65536
    for i in range(0, len(x), step):
        m = max(m, float(np.abs(x[i:i + step].astype(np.float64) - y[i:i + step].astype(np.float64)).max()))
    print(json.dumps(dict(a=a.a, b=a.b, examples=len(x), max_abs_diff=m)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--model", required=True)
    b.add_argument("--onnx", required=True)
    b.add_argument("--data", required=True)
    b.add_argument("--batch", type=int, default=4096)
    b.add_argument("--images", type=int, default=0)
    b.add_argument("--device", default="cuda")
    d = sub.add_parser("diff")
    d.add_argument("a")
    d.add_argument("b")
    a = ap.parse_args()
    bench(a) if a.cmd == "bench" else diff(a)


if __name__ == "__main__":
    main()
