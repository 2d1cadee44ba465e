#!/usr/bin/python3
"""Train one registry model with PyTorch, for comparison with zoo's trainer.

The network is the notebook's own class (bench/torch_models.py, from fixtures/torch/notebooks.py);
the recipe is zoo's (`zoo show MODEL`'s recipe line, or --recipe JSON): optimizer, learning rate,
batch size, loss, input noise, sparsity penalty, early stopping. Prints one JSON object per epoch
on stdout, then a summary line with "final": true. See bench/README.md.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

import torch
from torch import nn

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402

FMNIST = "/usr/share/datasets/fashion-mnist"


def zoo_recipe(zoo, model):
    """The recipe of `zoo show MODEL`."""
    out = subprocess.run([zoo, "show", model], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^recipe (\{.*\})$", out, re.M)
    if not m:
        sys.exit(f"torch_train.py: no recipe line in zoo show {model}")
    return json.loads(m.group(1))


def optimizer(r, params):
    """The recipe's optimizer, as torch.optim's, with its defaults."""
    if r["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=r["lr"], momentum=r.get("momentum", 0), nesterov=r.get("nesterov", False))
    return torch.optim.Adam(params, lr=r["lr"])


def loss_fn(kind, out, target, labels, reduction="mean"):
    """The recipe's loss: cross-entropy on labels, the mean squared error over all elements ("mse"),
    or the squared error summed per example and averaged over the batch ("mse-sum").
    reduction="sum" sums over the examples instead of averaging."""
    n = len(out) if reduction == "mean" else 1
    if kind == "cross-entropy":
        return nn.functional.cross_entropy(out, labels, reduction=reduction)
    if kind == "mse-sum":
        return nn.functional.mse_loss(out, target, reduction="sum") / n
    per = target[0].numel() if reduction == "sum" else 1
    return nn.functional.mse_loss(out, target, reduction=reduction) / per


def corrupt(x, noise, gen):
    """x with the recipe's input noise (a copy), drawn from gen."""
    kind, level = noise.get("kind", ""), noise.get("level", 0.0)
    if kind == "gaussian":
        return x + level * torch.randn(x.shape, generator=gen)
    if kind == "salt-and-pepper":
        hit = torch.rand(x.shape, generator=gen) < level
        return torch.where(hit, torch.randint(0, 2, x.shape, generator=gen).to(x.dtype), x)
    return x


@torch.no_grad()
def evaluate(model, x, y, kind, classify, batch=1000):
    """Mean loss per example (and accuracy) over x in eval mode, as zoo's validation; for "mse"
    the loss is the mean over all values."""
    model.eval()
    total = correct = 0.0
    for i in range(0, len(x), batch):
        xb = x[i:i + batch]
        yb = y[i:i + batch] if y is not None else None
        out = model(xb)
        total += loss_fn(kind, out, xb, yb, reduction="sum").item()
        if classify:
            correct += (out.argmax(1) == yb).sum().item()
    return total / len(x), correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, choices=torch_models.NAMES)
    ap.add_argument("--recipe", help="the recipe as JSON (default: `ZOO show MODEL`'s)")
    ap.add_argument("--zoo", default=os.path.join(torch_models.ROOT, "bin", "zoo"), help="zoo binary for the recipe")
    ap.add_argument("--epochs", type=int, help="default: the recipe's")
    ap.add_argument("--batch", type=int, help="default: the recipe's")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch.set_num_threads")
    ap.add_argument("--seed", type=int, default=0, help="initialisation (torch.manual_seed), shuffling and noise")
    ap.add_argument("--data-dir", default=FMNIST, help="Fashion-MNIST IDX files (28x28 models without --data)")
    ap.add_argument("--data", help="training images: an IDX u8 file or a CIFAR-10 batch file")
    ap.add_argument("--labels", help="IDX u8 labels of --data (classifiers)")
    ap.add_argument("--val-data", help="validation images (default: the test set of --data-dir)")
    ap.add_argument("--val-labels", help="IDX u8 labels of --val-data")
    ap.add_argument("--limit", type=int, help="use only the first N training images")
    ap.add_argument("--no-shuffle", action="store_true", help="the training images in file order every epoch")
    ap.add_argument("--init-from", help="start from this safetensors state_dict (as zoo train --init-from)")
    ap.add_argument("--save-init", help="write the initial state_dict to this safetensors file")
    args = ap.parse_args()

    r = json.loads(args.recipe) if args.recipe else zoo_recipe(args.zoo, args.model)
    epochs = args.epochs if args.epochs is not None else r["epochs"]
    batch = args.batch or r["batch_size"]
    kind = r["loss"]
    classify = kind == "cross-entropy"
    shape = torch_models.input_shape(args.model)
    torch.set_num_threads(args.threads)
    d = args.data_dir
    if shape != (1, 28, 28) and shape != (784,) and not (args.data and args.val_data):
        sys.exit(f"torch_train.py: {args.model} takes {shape} images: give --data and --val-data (CIFAR-10 batch files)")
    try:
        xtr, ytr = torch_models.load(args.data or os.path.join(d, "train-images-idx3-ubyte.gz"),
                                     args.labels if args.data else os.path.join(d, "train-labels-idx1-ubyte.gz"), shape)
        xte, yte = torch_models.load(args.val_data or os.path.join(d, "t10k-images-idx3-ubyte.gz"),
                                     args.val_labels if args.val_data else os.path.join(d, "t10k-labels-idx1-ubyte.gz"),
                                     shape)
    except (OSError, ValueError) as e:
        sys.exit(f"torch_train.py: {e}")
    if classify and (ytr is None or yte is None):
        sys.exit(f"torch_train.py: {args.model} is a classifier: give --labels and --val-labels with IDX images")
    if args.limit:
        xtr = xtr[:args.limit]
        ytr = ytr[:args.limit] if ytr is not None else None
    if r.get("val_split") and not args.val_data:
        g = torch.Generator().manual_seed(r.get("split_seed", 0))
        perm = torch.randperm(len(xtr), generator=g)
        held, kept = perm[:r["val_split"]], perm[r["val_split"]:]
        xte, yte = xtr[held], (ytr[held] if ytr is not None else None)
        xtr, ytr = xtr[kept], (ytr[kept] if ytr is not None else None)

    torch.manual_seed(args.seed)
    model = torch_models.build(args.model)
    if args.init_from:
        try:
            torch_models.load_state(model, args.init_from)
        except (OSError, ValueError, RuntimeError) as e:
            sys.exit(f"torch_train.py: {args.init_from}: {e}")
    if args.save_init:
        torch_models.save_state(model, args.save_init, {"model": args.model, "seed": str(args.seed)})
    opt = optimizer(r, model.parameters())
    lam, noise = r.get("sparsity", 0.0), r.get("noise", {})
    gen = torch.Generator().manual_seed(args.seed)  # shuffling and noise
    base = dict(framework="pytorch", torch=torch.__version__, model=args.model, threads=torch.get_num_threads(),
                openblas_threads=os.environ.get("OPENBLAS_NUM_THREADS", ""), openblas_core=torch_models.openblas_core(),
                batch=batch)
    n = len(xtr)
    times, best, best_state, bad, stopped = [], None, None, 0, False
    patience = r.get("patience", 0)
    for epoch in range(1, epochs + 1):
        perm = torch.arange(n) if args.no_shuffle else torch.randperm(n, generator=gen)
        model.train()
        loss_sum = correct = 0.0
        t0 = time.perf_counter()
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            target = xtr[idx]
            yb = ytr[idx] if ytr is not None else None
            x = corrupt(target, noise, gen)
            opt.zero_grad()
            if lam:
                out, h = torch_models.code_of(model, x)
            else:
                out = model(x)
            loss = loss_fn(kind, out, target, yb)
            if lam:
                loss = loss + lam * h.abs().sum()
            if classify:
                correct += (out.argmax(1) == yb).sum().item()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
        sec = time.perf_counter() - t0
        times.append(sec)
        val_loss, val_acc = evaluate(model, xte, yte, kind, classify)
        rec = dict(base, epoch=epoch, train_loss=loss_sum / n, val_loss=val_loss, seconds=sec,
                   images_per_second=n / sec)
        if classify:
            rec.update(train_accuracy=correct / n, val_accuracy=val_acc)
        print(json.dumps(rec), flush=True)
        if best is None or val_loss < best:
            best, bad = val_loss, 0
            if patience:
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            bad += 1
            if patience and bad >= patience:
                stopped = True
                break
    if stopped:  # as zoo: early stopping restores the best epoch's weights
        model.load_state_dict(best_state)
    test_loss, test_acc = evaluate(model, xte, yte, kind, classify)
    final = dict(base, final=True, early_stopped=stopped, epochs=len(times), train_images=n, total_seconds=sum(times),
                 median_seconds=statistics.median(times), test_loss=test_loss)
    if classify:
        final["test_accuracy"] = test_acc
    print(json.dumps(final), flush=True)


if __name__ == "__main__":
    main()
