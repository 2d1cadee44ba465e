#!/usr/bin/python3
"""Train one of zoo's convolutional models with PyTorch, for comparison with zoo's trainer.

The models and recipes mirror zoo/convmodels.go (state_dict names included). Prints one JSON
object per epoch on stdout, then a summary line with "final": true. See bench/README.md.
"""

import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
from torch import nn


def cnn():
    return dict(
        features=nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2), nn.MaxPool2d(2), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 16, 5, padding=2), nn.MaxPool2d(2), nn.BatchNorm2d(16), nn.ReLU()),
        classifier=nn.Sequential(nn.Flatten(), nn.Linear(784, 10)))


def conv_ae():
    return dict(
        encoder=nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10)),
        decoder=nn.Sequential(
            nn.Linear(10, 128), nn.ReLU(), nn.Linear(128, 1568), nn.ReLU(), nn.Unflatten(1, (32, 7, 7)),
            nn.ConvTranspose2d(32, 16, 2, stride=2), nn.ReLU(), nn.ConvTranspose2d(16, 1, 2, stride=2), nn.Sigmoid()))


def conv_ae_deconv():
    return dict(
        encoder=nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)),
        decoder=nn.Sequential(
            nn.ConvTranspose2d(16, 16, 3, stride=2), nn.ReLU(),
            nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(8, 1, 4, stride=2, padding=1), nn.ReLU()))


def unpool_ae(up):
    """conv-ae-unpool (up="conv") and conv-ae-deconv-unpool (up="deconv"): the
    pooling encoder keeps its indices; each MaxUnpool names the pool whose
    indices it uses (Unpool below) and the size it restores."""
    def pool():
        return nn.MaxPool2d(2, return_indices=True)

    def upconv(i, o):
        return nn.Conv2d(i, o, 3, padding=1) if up == "conv" else nn.ConvTranspose2d(i, o, 3, padding=1)
    return dict(
        encoder=nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), pool(),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), pool(),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), pool()),
        # The notebooks' UnpoolAutoencoder has no convolution after the first unpooling
        # (its decoder_conv1 is an Identity); DeconvUnpoolAutoencoder has one after each.
        # Both end in a ReLU (fixtures/torch/notebooks.py).
        decoder=nn.Sequential(
            *([Unpool("encoder.8", 7)] if up == "conv" else [Unpool("encoder.8", 7), upconv(16, 16), nn.ReLU()]),
            Unpool("encoder.5", 14), upconv(16, 8), nn.ReLU(),
            Unpool("encoder.2", 28), upconv(8, 1), nn.ReLU()))


def mlp_cifar():
    return dict(classifier=nn.Sequential(
        nn.Flatten(), nn.Linear(3072, 256), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(256, 100), nn.ReLU(), nn.Dropout(0.25), nn.Linear(100, 10)))


def cnn_cifar():
    return dict(
        features=nn.Sequential(
            nn.Conv2d(3, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2)),
        classifier=nn.Sequential(nn.Flatten(), nn.Linear(400, 256), nn.ReLU(), nn.Linear(256, 10)))


def conv_ae_cifar():
    return dict(
        encoder=nn.Sequential(
            nn.Conv2d(3, 8, 4, 2, 1), nn.ReLU(), nn.Conv2d(8, 16, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(16, 32, 4, 2, 1)),  # no ReLU on the code, as the notebook's Encoder
        decoder=nn.Sequential(
            nn.ConvTranspose2d(32, 16, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(16, 8, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(8, 3, 4, 2, 1), nn.Sigmoid()))


class Unpool(nn.Module):
    """nn.MaxUnpool2d(2) with the indices of the pool named by pool (a
    state_dict-style name such as "encoder.8"), restoring size x size."""

    def __init__(self, pool, size):
        super().__init__()
        self.pool, self.size = pool, size
        self.unpool = nn.MaxUnpool2d(2)

    def forward(self, x, indices):
        return self.unpool(x, indices[self.pool], output_size=(self.size, self.size))


SGD = dict(optimizer="sgd", lr=1e-2, momentum=0.9, batch=128, epochs=10)

# name -> (builder, task, input shape, loss, recipe)
MODELS = {
    "cnn": (cnn, "classify", (1, 28, 28), "cross-entropy", dict(lr=1e-3, batch=128, epochs=25, patience=5)),
    "conv-ae": (conv_ae, "reconstruct", (1, 28, 28), "mse", dict(lr=1e-3, batch=64, epochs=5)),
    "conv-ae-deconv": (conv_ae_deconv, "reconstruct", (1, 28, 28), "mse", dict(lr=1e-3, batch=256, epochs=5)),
    "conv-ae-unpool": (lambda: unpool_ae("conv"), "reconstruct", (1, 28, 28), "mse",
                       dict(lr=1e-3, batch=256, epochs=5)),
    "conv-ae-deconv-unpool": (lambda: unpool_ae("deconv"), "reconstruct", (1, 28, 28), "mse",
                              dict(lr=1e-3, batch=256, epochs=5)),
    "mlp-cifar": (mlp_cifar, "classify", (3, 32, 32), "cross-entropy", SGD),
    "cnn-cifar": (cnn_cifar, "classify", (3, 32, 32), "cross-entropy", SGD),
    "conv-ae-cifar": (conv_ae_cifar, "reconstruct", (3, 32, 32), "mse-sum", dict(lr=1e-3, batch=128, epochs=48)),
}


class Net(nn.Module):
    def __init__(self, parts):
        super().__init__()
        self.names = list(parts)
        for k, v in parts.items():
            setattr(self, k, v)

    def forward(self, x):
        indices = {}  # pool name -> indices, for the unpooling models
        for k in self.names:
            for i, layer in enumerate(getattr(self, k)):
                if isinstance(layer, Unpool):
                    x = layer(x, indices)
                elif isinstance(layer, nn.MaxPool2d) and layer.return_indices:
                    x, indices[f"{k}.{i}"] = layer(x)
                else:
                    x = layer(x)
        return x


def build(name):
    """The model called name, as an nn.Module with zoo's state_dict names."""
    return Net(MODELS[name][0]())


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
    """A CIFAR-10 binary batch file (3073-byte records: label, then 3x32x32
    pixels) as images [N, 3, 32, 32] u8 and labels [N] u8."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) % 3073:
        raise ValueError(f"{path}: size {len(data)} is not a multiple of 3073")
    rec = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3073)
    return rec[:, 1:].reshape(-1, 3, 32, 32), rec[:, 0]


def load(images, labels, shape):
    """Images scaled to [0, 1] as float32 [N, *shape] and labels as int64 (or
    None): images is an IDX file (labels then an IDX file or None) or a
    CIFAR-10 batch file, which carries its labels."""
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


def loss_fn(kind, out, x, y, reduction="mean"):
    """The recipe's loss: cross-entropy on labels, the mean squared error
    over all elements ("mse"), or the squared error summed per example and
    averaged over the batch ("mse-sum"). reduction="sum" sums over examples
    instead of averaging."""
    n = len(out) if reduction == "mean" else 1
    if kind == "cross-entropy":
        return nn.functional.cross_entropy(out, y, reduction=reduction)
    if kind == "mse-sum":
        return nn.functional.mse_loss(out, x, reduction="sum") / n
    per = x[0].numel() if reduction == "sum" else 1
    return nn.functional.mse_loss(out, x, reduction=reduction) / per


@torch.no_grad()
def evaluate(model, x, y, task, loss, batch=1000):
    """Mean loss per example (and accuracy) over x in eval mode, as zoo's
    validation; for "mse" the loss is the mean over all pixels."""
    model.eval()
    total = correct = 0.0
    for i in range(0, len(x), batch):
        xb = x[i:i + batch]
        yb = y[i:i + batch] if y is not None else None
        out = model(xb)
        total += loss_fn(loss, out, xb, yb, reduction="sum").item()
        if task == "classify":
            correct += (out.argmax(1) == yb).sum().item()
    return total / len(x), correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--epochs", type=int, help="default: the recipe's")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist",
                    help="Fashion-MNIST IDX files (28x28 models without --data)")
    ap.add_argument("--data", help="training images: an IDX u8 file or a CIFAR-10 batch file")
    ap.add_argument("--labels", help="IDX u8 labels of --data (classifiers)")
    ap.add_argument("--val-data", help="validation images (default: the test set of --data-dir)")
    ap.add_argument("--val-labels", help="IDX u8 labels of --val-data")
    ap.add_argument("--limit", type=int, help="use only the first N training images")
    args = ap.parse_args()

    build_parts, task, shape, loss, r = MODELS[args.model]
    epochs = args.epochs if args.epochs is not None else r["epochs"]
    batch = r["batch"]
    torch.set_num_threads(args.threads)
    d = args.data_dir
    if shape != (1, 28, 28) and not (args.data and args.val_data):
        sys.exit(f"torch_conv.py: {args.model} takes {shape} images: give --data and --val-data (CIFAR-10 batch files)")
    try:
        xtr, ytr = load(args.data or os.path.join(d, "train-images-idx3-ubyte.gz"),
                        args.labels if args.data else os.path.join(d, "train-labels-idx1-ubyte.gz"), shape)
        xte, yte = load(args.val_data or os.path.join(d, "t10k-images-idx3-ubyte.gz"),
                        args.val_labels if args.val_data else os.path.join(d, "t10k-labels-idx1-ubyte.gz"), shape)
    except (OSError, ValueError) as e:
        sys.exit(f"torch_conv.py: {e}")
    if task == "classify" and (ytr is None or yte is None):
        sys.exit(f"torch_conv.py: {args.model} is a classifier: give --labels and --val-labels with IDX images")
    if args.limit:
        xtr = xtr[:args.limit]
        ytr = ytr[:args.limit] if ytr is not None else None

    torch.manual_seed(args.seed)
    model = Net(build_parts())
    if r.get("optimizer") == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=r["lr"], momentum=r["momentum"])
    else:
        opt = torch.optim.Adam(model.parameters(), lr=r["lr"])
    gen = torch.Generator().manual_seed(args.seed)
    base = dict(framework="pytorch", torch=torch.__version__, model=args.model,
                threads=torch.get_num_threads(), batch=batch)
    n = len(xtr)
    times, best, best_state, bad, stopped = [], None, None, 0, False
    patience = r.get("patience", 0)
    for epoch in range(1, epochs + 1):
        perm = torch.randperm(n, generator=gen)
        model.train()
        loss_sum = correct = 0.0
        t0 = time.perf_counter()
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb = xtr[idx]
            yb = ytr[idx] if ytr is not None else None
            opt.zero_grad()
            out = model(xb)
            lb = loss_fn(loss, out, xb, yb)
            if task == "classify":
                correct += (out.argmax(1) == yb).sum().item()
            lb.backward()
            opt.step()
            loss_sum += lb.item() * len(idx)
        sec = time.perf_counter() - t0
        times.append(sec)
        val_loss, val_acc = evaluate(model, xte, yte, task, loss)
        rec = dict(base, epoch=epoch, train_loss=loss_sum / n, val_loss=val_loss, seconds=sec,
                   images_per_second=n / sec)
        if task == "classify":
            rec.update(train_accuracy=correct / n, val_accuracy=val_acc)
        print(json.dumps(rec), flush=True)
        if best is None or val_loss < best:
            best, bad = val_loss, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            bad += 1
            if patience and bad >= patience:
                stopped = True
                break
    if stopped:  # as zoo: early stopping restores the best epoch's weights
        model.load_state_dict(best_state)
    test_loss, test_acc = evaluate(model, xte, yte, task, loss)
    final = dict(base, final=True, early_stopped=stopped, epochs=len(times), train_images=n, total_seconds=sum(times),
                 median_seconds=statistics.median(times), test_loss=test_loss)
    if task == "classify":
        final["test_accuracy"] = test_acc
    else:
        final["test_mse"] = test_loss
    print(json.dumps(final), flush=True)


if __name__ == "__main__":
    main()
