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
            nn.ConvTranspose2d(8, 1, 4, stride=2, padding=1), nn.Sigmoid()))


# name -> (builder, task, recipe)
MODELS = {
    "cnn": (cnn, "classify", dict(lr=1e-3, batch=128, epochs=25, patience=5)),
    "conv-ae": (conv_ae, "reconstruct", dict(lr=1e-3, batch=64, epochs=5)),
    "conv-ae-deconv": (conv_ae_deconv, "reconstruct", dict(lr=1e-3, batch=256, epochs=5)),
}


class Net(nn.Module):
    def __init__(self, parts):
        super().__init__()
        self.names = list(parts)
        for k, v in parts.items():
            setattr(self, k, v)

    def forward(self, x):
        for k in self.names:
            x = getattr(self, k)(x)
        return x


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    dims = struct.unpack(">" + "I" * (magic & 0xFF), data[4:4 + 4 * (magic & 0xFF)])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims))
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {arr.size} values, header says {dims}")
    return arr.reshape(dims)


@torch.no_grad()
def evaluate(model, x, y, task, batch=1000):
    """Mean loss (and accuracy) over x in eval mode, as zoo's validation."""
    model.eval()
    loss = correct = 0.0
    for i in range(0, len(x), batch):
        xb = x[i:i + batch]
        out = model(xb)
        if task == "classify":
            yb = y[i:i + batch]
            loss += nn.functional.cross_entropy(out, yb, reduction="sum").item()
            correct += (out.argmax(1) == yb).sum().item()
        else:
            loss += nn.functional.mse_loss(out, xb, reduction="sum").item() / xb[0].numel()
    return loss / len(x), correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--epochs", type=int, help="default: the recipe's")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--limit", type=int, help="use only the first N training images")
    args = ap.parse_args()

    build, task, r = MODELS[args.model]
    epochs = args.epochs if args.epochs is not None else r["epochs"]
    batch = r["batch"]
    torch.set_num_threads(args.threads)
    d = args.data_dir
    try:
        xtr = torch.from_numpy(load_idx(os.path.join(d, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255).unsqueeze(1)
        xte = torch.from_numpy(load_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255).unsqueeze(1)
        ytr = torch.from_numpy(load_idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64))
        yte = torch.from_numpy(load_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    except (OSError, ValueError) as e:
        sys.exit(f"torch_conv.py: {e}")
    if args.limit:
        xtr, ytr = xtr[:args.limit], ytr[:args.limit]

    torch.manual_seed(args.seed)
    model = Net(build())
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
            opt.zero_grad()
            out = model(xb)
            if task == "classify":
                yb = ytr[idx]
                loss = nn.functional.cross_entropy(out, yb)
                correct += (out.argmax(1) == yb).sum().item()
            else:
                loss = nn.functional.mse_loss(out, xb)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
        sec = time.perf_counter() - t0
        times.append(sec)
        val_loss, val_acc = evaluate(model, xte, yte, task)
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
    test_loss, test_acc = evaluate(model, xte, yte, task)
    final = dict(base, final=True, early_stopped=stopped, epochs=len(times), train_images=n, total_seconds=sum(times),
                 median_seconds=statistics.median(times), test_loss=test_loss)
    if task == "classify":
        final["test_accuracy"] = test_acc
    else:
        final["test_mse"] = test_loss
    print(json.dumps(final), flush=True)


if __name__ == "__main__":
    main()
