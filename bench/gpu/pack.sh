#!/bin/sh
# Builds what travels to the GPU machine into bench/gpu/carry/ (git-ignored; the device
# tool carries at most 64 MiB): the zoo binary (pure-Go gonum build, no OpenBLAS, which
# the GPU machine may lack) and the onnxruntime core library of the same version as the
# CUDA provider there, from the npm package onnxruntime-node, both xz-compressed.
#   bench/gpu/pack.sh [ORT_VERSION]      (default 1.30.0, the GPU image's Python onnxruntime)
set -eu
ver=${1:-1.30.0}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
carry=$here/carry
mkdir -p "$carry"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$root" && CGO_ENABLED=1 go build -trimpath -ldflags=-s -o "$tmp/zoo" ./cmd/zoo)
xz -T0 -6 -c "$tmp/zoo" > "$carry/zoo.xz"

(cd "$tmp" && npm pack --silent "onnxruntime-node@$ver" >/dev/null)
tar xzf "$tmp/onnxruntime-node-$ver.tgz" -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
xz -T0 -6 -c "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" > "$carry/libonnxruntime.so.1.xz"
echo "$ver" > "$carry/ORT_VERSION"

total=$(du -cb "$carry"/* | tail -1 | cut -f1)
ls -l "$carry"
echo "total $total bytes"
if [ "$total" -gt 62914560 ]; then
	echo "pack.sh: $total bytes is over 60 MiB; the device tool carries 64 MiB in all" >&2
	exit 1
fi
