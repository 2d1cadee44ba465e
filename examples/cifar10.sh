#!/usr/bin/env bash
# The CIFAR-10 baselines: the MLP (mlp-cifar) and ConvNet (cnn-cifar) classifiers and the
# convolutional autoencoder (conv-ae-cifar) with their full recipes; its reconstructions and its
# interpolations between two test images in code space against pixel space.
#
#   examples/cifar10.sh [DATA]   DATA: cifar-10 (default; zoo data fetch cifar-10), or a CIFAR-10
#                                batch file or archive (trains and validates on that file)
#
# Resumable; see examples/lib.sh for OUT, ZOO_EPOCHS and the folders written.
source "$(dirname "$0")/lib.sh"
zoo_setup cifar10 cifar-10 "${1:-}"

for model in mlp-cifar cnn-cifar conv-ae-cifar; do
  train $model
  export_run $model
  evaluate $model
done

m=$OUT/models
figure recon conv-ae-cifar-recon --model "$m/conv-ae-cifar" --data "$DATA"
figure interpolate conv-ae-cifar-interpolate --model "$m/conv-ae-cifar" --data "$DATA"
figure filters cnn-cifar-filters --model "$m/cnn-cifar"
figure curves curves --run "$OUT/runs/mlp-cifar/$RUN" --run "$OUT/runs/cnn-cifar/$RUN"

for model in mlp-cifar cnn-cifar conv-ae-cifar; do
  report $model
done
done_message
