"""The registry's networks in PyTorch, for the benchmark's PyTorch side.

Every model is the notebook's own class of fixtures/torch/notebooks.py (the same classes that
fix zoo's architectures and state_dict names, see docs/models.md), so PyTorch trains and runs
exactly the network zoo does, and weights move between the two by name. Also here: the input
shapes, reading IDX and CIFAR-10 files, and reading and writing safetensors files.
"""
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.join(ROOT, "fixtures", "torch"))
sys.path.insert(0, os.path.join(ROOT, "fixtures"))
import notebooks  # noqa: E402
from safetensors_file import read_safetensors, write_safetensors  # noqa: E402

# Models whose input is a flat [784] vector; the CIFAR-10 models take [3, 32, 32], the others [1, 28, 28].
FLAT = {"deep-ae", "mlp-ae", "relu-ae-30", "shallow-ae-64", "shallow-ae-128", "shallow-ae-256", "sparse-ae",
        "denoise-ae", "manifold-ae", "tiny-ae-2", "tiny-ae-4"}
CIFAR = {"mlp-cifar", "cnn-cifar", "conv-ae-cifar"}
# Models the notebook initialises as Keras does (Glorot-uniform weights, zero biases), as zoo's registry.
GLOROT = {"tiny-ae-2", "tiny-ae-4"}
NAMES = sorted(notebooks.MODELS)


def input_shape(name):
    """The shape of one input example of the model called name."""
    if name in FLAT:
        return (784,)
    if name in CIFAR:
        return (3, 32, 32)
    return (1, 28, 28)


def build(name):
    """The notebook's class of the model called name, initialised as the notebook does: PyTorch's
    defaults (from torch's global generator), Glorot-uniform and zero biases for the Keras ones."""
    if name not in notebooks.MODELS:
        raise KeyError(f"unknown model {name!r} (known: {', '.join(NAMES)})")
    model = notebooks.MODELS[name][1]()
    if name in GLOROT:
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
    return model


def code_of(model, x):
    """(output, code) of an autoencoder whose encoder and decoder are nn.Sequential attributes
    (the MLP autoencoders), for a sparsity penalty on the code."""
    h = model.encoder(x)
    return model.decoder(h), h


# ---------------------------------------------------------------- data


def load_idx(path):
    """An IDX u8 file, raw or gzip-compressed, as a numpy array of its shape."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    magic = struct.unpack(">I", data[:4])[0]
    if magic >> 8 != 0x08:
        raise ValueError(f"{path}: IDX magic {magic:#010x} is not u8 data")
    dims = struct.unpack(">" + "I" * (magic & 0xFF), data[4:4 + 4 * (magic & 0xFF)])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims))
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {arr.size} values, header says {dims}")
    return arr.reshape(dims)


def load_cifar(path):
    """A CIFAR-10 binary batch file (3073-byte records: label, then 3x32x32 pixels) as images
    [N, 3, 32, 32] u8 and labels [N] u8."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) % 3073:
        raise ValueError(f"{path}: size {len(data)} is not a multiple of 3073")
    rec = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3073)
    return rec[:, 1:].reshape(-1, 3, 32, 32), rec[:, 0]


def load(images, labels, shape):
    """Images scaled to [0, 1] as float32 [N, *shape] and labels as int64 (or None): images is an
    IDX file (labels then an IDX file or None) or a CIFAR-10 batch file, which carries its labels."""
    with open(images, "rb") as f:
        head = f.read(3)
    try:
        if head[:2] != b"\x1f\x8b" and head != b"\0\0\x08":
            raise ValueError(f"{images}: not IDX u8 data")
        x, y = load_idx(images), (load_idx(labels) if labels else None)
    except ValueError:
        if head[:2] == b"\x1f\x8b" or os.path.getsize(images) % 3073:
            raise
        x, y = load_cifar(images)  # a CIFAR-10 record may start like IDX by chance
    x = torch.from_numpy(x.astype(np.float32) / 255).reshape(-1, *shape)
    return x, None if y is None else torch.from_numpy(y.astype(np.int64))


# ---------------------------------------------------------------- safetensors

def save_state(model, path, metadata=None):
    """Writes model.state_dict() as a safetensors file (num_batches_tracked included, I64)."""
    write_safetensors(path, {k: v.detach().clone() for k, v in model.state_dict().items()}, metadata)


def load_state(model, path):
    """Loads a safetensors state_dict into model, strictly (every tensor named and shaped as the
    model's; a missing num_batches_tracked keeps the model's own)."""
    st = read_safetensors(path)
    own = model.state_dict()
    for k in own:
        if k.endswith(".num_batches_tracked") and k not in st:
            st[k] = own[k]
    for k, v in st.items():
        if k in own:
            st[k] = v.to(own[k].dtype)
    model.load_state_dict(st, strict=True)


# ---------------------------------------------------------------- OpenBLAS


def openblas_core():
    """The name of the OpenBLAS kernel this process runs (openblas_get_corename), or "" when no
    OpenBLAS is loaded."""
    import ctypes
    torch.ones(8, 8) @ torch.ones(8, 8)  # loads the BLAS
    libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line.split()[-1]})
    for p in libs:
        try:
            f = ctypes.CDLL(p).openblas_get_corename
        except (OSError, AttributeError):
            continue
        f.restype = ctypes.c_char_p
        return f().decode()
    return ""
