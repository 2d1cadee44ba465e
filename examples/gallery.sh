#!/usr/bin/env bash
# Copies the key figure(s) of each notebook, drawn by the notebook scripts on DATA (default
# fashion-mnist), into docs/gallery/, as docs/gallery.md shows them. A figure not drawn yet
# is named and skipped.
#
#   examples/gallery.sh [DATA]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-fashion-mnist}
mkdir -p docs/gallery
# notebook/figure (under out/examples/NOTEBOOK/DATA/figures) -> docs/gallery/NOTEBOOK-FIGURE.png
figures=(
  mnist-cnn-deep-ae/deep-ae-manifold mnist-cnn-deep-ae/deep-ae-grid mnist-cnn-deep-ae/deep-ae-class-map
  classic-conv-ae/montage classic-conv-ae/conv-ae-latent-pca
  tiny-ae/montage tiny-ae/tiny-ae-2-grid tiny-ae/tiny-ae-4-class-means
  pca-and-variants/relu-ae-30-vs-pca/compare-pca pca-and-variants/sparse-ae-filters
  pca-and-variants/denoise-ae-noise pca-and-variants/conv-montage pca-and-variants/curves
)
for f in "${figures[@]}"; do
  nb=${f%%/*} name=${f#*/}
  src=out/examples/$nb/$data/figures/$name.png
  if [ ! -f "$src" ]; then
    echo "not drawn yet: $src (run examples/$nb.sh $data)" >&2
    continue
  fi
  cp "$src" "docs/gallery/$nb-$(basename "$name").png"
done
du -ch docs/gallery/*.png | tail -1
