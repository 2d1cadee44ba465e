#!/usr/bin/python3
"""Train one zoo MLP autoencoder with PyTorch, for comparison with zoo's trainer.

The models and recipes mirror zoo/models.go. Prints one JSON object per epoch
on stdout, then a final summary line with "final": true. See bench/README.md.
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

# name -> (encoder widths, encoder code activation, decoder widths,
#          hidden activation, decoder output activation, init, recipe)
# Activations are nn.Module classes or None; the hidden activation follows
# every Linear except the last of each part, as zoo's dense() does.
ADAM_256_10 = dict(lr=3e-4, batch=256, epochs=10)
TINY = dict(lr=1e-3, batch=8192, epochs=800, val_split=10000, split_seed=123)


def spec(enc, code, dec, hidden, out, recipe, init="torch"):
    return dict(enc=enc, code=code, dec=dec, hidden=hidden, out=out,
                recipe=recipe, init=init)


MODELS = {
    "deep-ae": spec([784, 1000, 500, 250, 2], nn.Tanh, [2, 250, 500, 1000, 784],
                    nn.Tanh, nn.Sigmoid, dict(lr=1e-3, batch=128, epochs=50)),
    "mlp-ae": spec([784, 512, 512, 10], None, [10, 512, 512, 784],
                   nn.ReLU, nn.Sigmoid, dict(lr=1e-3, batch=64, epochs=5)),
    "relu-ae-30": spec([784, 512, 256, 128, 30], nn.ReLU, [30, 128, 256, 784],
                       nn.ReLU, nn.ReLU, ADAM_256_10),
    "sparse-ae": spec([784, 1156], nn.ReLU, [1156, 784], nn.ReLU, nn.ReLU,
                      dict(ADAM_256_10, sparsity=1.5e-6)),
    "denoise-ae": spec([784, 256], nn.ReLU, [256, 784], nn.ReLU, nn.ReLU,
                       dict(ADAM_256_10, noise=0.3)),
    "manifold-ae": spec([784, 64, 8], nn.ReLU, [8, 64, 784], nn.ReLU, nn.ReLU,
                        ADAM_256_10),
}
for _h in (64, 128, 256):
    MODELS[f"shallow-ae-{_h}"] = spec([784, _h], nn.ReLU, [_h, 784],
                                      nn.ReLU, nn.ReLU, ADAM_256_10)
for _b in (2, 4):
    MODELS[f"tiny-ae-{_b}"] = spec([784, 50, _b], nn.ReLU, [_b, 784],
                                   nn.ReLU, nn.ReLU, TINY, init="glorot")


def dense(hidden, last, widths):
    """Linear layers through widths, each followed by hidden() except the
    last, which is followed by last() (None for no activation)."""
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        act = last if i + 2 == len(widths) else hidden
        if act is not None:
            layers.append(act())
    return nn.Sequential(*layers)


class AutoEncoder(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.encoder = dense(s["hidden"], s["code"], s["enc"])
        self.decoder = dense(s["hidden"], s["out"], s["dec"])
        if s["init"] == "glorot":  # Keras Dense defaults
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    nn.init.xavier_uniform_(m.weight)
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        h = self.encoder(x)
        return self.decoder(h), h


def load_idx_images(path):
    """Reads an IDX3 image file, raw or gzip-compressed, as float32 [N, 784] in [0, 1]."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x00000803:
        raise ValueError(f"{path}: bad IDX magic {magic:#010x}, want 0x00000803")
    want = 16 + n * rows * cols
    if len(data) != want:
        raise ValueError(f"{path}: {len(data)} bytes, want {want}")
    px = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols)
    return torch.from_numpy(px.astype(np.float32) / 255.0)


@torch.no_grad()
def eval_mse(model, x, batch=1000):
    """Mean squared error over all pixels of x, reconstructing x."""
    model.eval()
    total = 0.0
    for i in range(0, len(x), batch):
        xb = x[i:i + batch]
        y, _ = model(xb)
        total += torch.nn.functional.mse_loss(y, xb, reduction="sum").item()
    return total / x.numel()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--epochs", type=int, help="default: the recipe's")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--batch", type=int, help="default: the recipe's")
    ap.add_argument("--limit", type=int, help="use only the first N training images")
    ap.add_argument("--data", help="training images, an IDX file (default: DATA_DIR's train images)")
    ap.add_argument("--val-data", help="test images, an IDX file (default: DATA_DIR's t10k images); "
                    "given, the recipe's validation split is not made, as zoo train --val-data")
    args = ap.parse_args()

    s = MODELS[args.model]
    r = s["recipe"]
    epochs = args.epochs if args.epochs is not None else r["epochs"]
    batch = args.batch or r["batch"]
    torch.set_num_threads(args.threads)

    try:
        train = load_idx_images(args.data or os.path.join(args.data_dir, "train-images-idx3-ubyte.gz"))
        test = load_idx_images(args.val_data or os.path.join(args.data_dir, "t10k-images-idx3-ubyte.gz"))
    except (OSError, ValueError) as e:
        sys.exit(f"torch_train.py: {e}")
    if args.limit:
        train = train[:args.limit]
    val = None
    if r.get("val_split") and not args.val_data:
        if r["val_split"] >= len(train):
            sys.exit(f"need more than {r['val_split']} training images for the validation split")
        g = torch.Generator().manual_seed(r["split_seed"])
        perm = torch.randperm(len(train), generator=g)
        val = train[perm[:r["val_split"]]].contiguous()
        train = train[perm[r["val_split"]:]].contiguous()

    torch.manual_seed(args.seed)
    model = AutoEncoder(s)
    opt = torch.optim.Adam(model.parameters(), lr=r["lr"])
    mse = nn.MSELoss()
    lam = r.get("sparsity", 0.0)
    noise = r.get("noise", 0.0)
    gen = torch.Generator().manual_seed(args.seed)  # shuffling and noise

    base = dict(framework="pytorch", torch=torch.__version__, model=args.model,
                threads=torch.get_num_threads(), batch=batch)
    n = len(train)
    times, test_mse = [], None
    for epoch in range(1, epochs + 1):
        perm = torch.randperm(n, generator=gen)
        model.train()
        loss_sum = mse_sum = 0.0
        t0 = time.perf_counter()
        for i in range(0, n, batch):
            target = train[perm[i:i + batch]]
            x = target
            if noise:
                x = target + noise * torch.randn(target.shape, generator=gen)
            opt.zero_grad()
            y, h = model(x)
            rec = mse(y, target)
            loss = rec + lam * h.abs().sum() if lam else rec
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(target)
            mse_sum += rec.item() * len(target)
        sec = time.perf_counter() - t0
        times.append(sec)
        test_mse = eval_mse(model, test)
        rec = dict(base, epoch=epoch, train_loss=loss_sum / n, train_mse=mse_sum / n)
        if val is not None:
            rec["val_mse"] = eval_mse(model, val)
        rec.update(test_mse=test_mse, seconds=sec, images_per_second=n / sec)
        print(json.dumps(rec), flush=True)

    final = dict(base, final=True, epochs=epochs, train_images=n,
                 total_seconds=sum(times),
                 median_seconds=statistics.median(times) if times else None,
                 test_mse=test_mse)
    print(json.dumps(final), flush=True)


if __name__ == "__main__":
    main()
