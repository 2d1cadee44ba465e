#!/usr/bin/env bash
# The classic and convolutional autoencoders: the MLP autoencoder 784-512-512-10 (mlp-ae) and the
# convolutional one with a 10-value code (conv-ae) with their full recipes; reconstructions side by
# side, and the traversal of the principal directions of their codes (latent PCA).
#
#   examples/classic-conv-ae.sh [DATA]      DATA: fashion-mnist (default), mnist, kmnist, mnist-mini
#
# Resumable; see examples/lib.sh for OUT, ZOO_EPOCHS and the folders written.
source "$(dirname "$0")/lib.sh"
zoo_setup classic-conv-ae fashion-mnist "${1:-}"

for model in mlp-ae conv-ae; do
  train $model
  export_run $model
  evaluate $model
done

m=$OUT/models
figure montage montage --model "$m/mlp-ae" --model "$m/conv-ae" --data "$DATA"
for model in mlp-ae conv-ae; do
  figure latent-pca $model-latent-pca --model "$m/$model" --data "$DATA"
  figure latent-scatter $model-scatter --model "$m/$model" --data "$DATA"
done
figure curves curves --run "$OUT/runs/mlp-ae/$RUN" --run "$OUT/runs/conv-ae/$RUN"

for model in mlp-ae conv-ae; do
  report $model
done
done_message
