#!/usr/bin/env bash
# The MNIST CNN and Hinton's deep autoencoder: the CNN classifier (cnn) and the 784-1000-500-250-2
# Tanh autoencoder (deep-ae) with their full recipes; the deep autoencoder's 2-D manifold (codes of
# the test set by class), its uniform-grid decoding and the CNN's class map of the code plane.
#
#   examples/mnist-cnn-deep-ae.sh [DATA]      DATA: fashion-mnist (default), mnist, kmnist, mnist-mini
#
# Resumable; see examples/lib.sh for OUT, ZOO_EPOCHS and the folders written.
source "$(dirname "$0")/lib.sh"
zoo_setup mnist-cnn-deep-ae fashion-mnist "${1:-}"

train cnn
train deep-ae
export_run cnn
export_run deep-ae
evaluate cnn
evaluate deep-ae

m=$OUT/models
figure latent-scatter deep-ae-manifold --model "$m/deep-ae" --data "$DATA"
figure latent-grid deep-ae-grid --model "$m/deep-ae" --data "$DATA"
figure class-map deep-ae-class-map --model "$m/deep-ae" --classifier "$m/cnn" --data "$DATA"
figure recon deep-ae-recon --model "$m/deep-ae" --data "$DATA"
figure filters cnn-filters --model "$m/cnn"
figure curves curves --run "$OUT/runs/cnn/$RUN" --run "$OUT/runs/deep-ae/$RUN"

report cnn
report deep-ae --classifier "$m/cnn"
done_message
