#!/usr/bin/env bash
# The tiny autoencoders: 784-50-b-784 with bottlenecks 2 and 4 (tiny-ae-2, tiny-ae-4), the full
# Keras recipe (800 epochs of batch 8192, a 50k/10k split); one image of each class through both
# (montage), their codes by class (scatter), the decoded mean code of each class, and the
# decoded plane of the 2-D code.
#
#   examples/tiny-ae.sh [DATA]      DATA: fashion-mnist (default), mnist, kmnist, mnist-mini
#
# Resumable; see examples/lib.sh for OUT, ZOO_EPOCHS and the folders written.
source "$(dirname "$0")/lib.sh"
zoo_setup tiny-ae fashion-mnist "${1:-}"

for model in tiny-ae-2 tiny-ae-4; do
  train $model
  export_run $model
  evaluate $model
done

m=$OUT/models
figure montage montage --model "$m/tiny-ae-2" --model "$m/tiny-ae-4" --data "$DATA"
for model in tiny-ae-2 tiny-ae-4; do
  figure latent-scatter $model-scatter --model "$m/$model" --data "$DATA"
  figure class-means $model-class-means --model "$m/$model" --data "$DATA"
done
figure latent-grid tiny-ae-2-grid --model "$m/tiny-ae-2" --data "$DATA"
figure curves curves --run "$OUT/runs/tiny-ae-2/$RUN" --run "$OUT/runs/tiny-ae-4/$RUN"

for model in tiny-ae-2 tiny-ae-4; do
  report $model
done
done_message
