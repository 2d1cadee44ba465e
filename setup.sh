#!/usr/bin/env bash
# Sets zoo up on a Debian (or similar) machine and runs a demo of the main job:
#   - fetches the onnxruntime 1.24.1 shared library from npm's onnxruntime-node
#     package into ~/.cache/zoo/onnxruntime/1.24.1/ (skipped when ZOO_ORT_LIB is set),
#   - builds ./bin/zoo, with OpenBLAS for training (-tags openblas) when Debian's
#     libopenblas-dev is there (as root it is installed), with gonum's BLAS otherwise,
#   - unless --no-demo is given, exports relu-ae-30 and reconstructs MNIST test images.
# Needs Go >= 1.26, a C compiler (cgo) and npm; as root it installs gcc and npm with apt-get.
set -euo pipefail
cd "$(dirname "$0")"

ORT_VERSION=1.24.1
# SHA-256 of bin/napi-v6/linux/x64/libonnxruntime.so.1 in onnxruntime-node-1.24.1.tgz
ORT_SHA256_X64=53ef1ac028dd1b05554b8da28d9159eb3876f99868193d2aaa6e67f0243c23d4

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

need_pkgs=()
command -v gcc >/dev/null || need_pkgs+=(gcc libc6-dev)
command -v npm >/dev/null || need_pkgs+=(npm)
# OpenBLAS to link against: Debian's libopenblas-dev (zoo declares the two CBLAS functions it
# calls itself, so only the library matters).
have_openblas() { dpkg -s libopenblas-dev >/dev/null 2>&1 || ls /usr/lib/*/libopenblas.so /usr/lib/libopenblas.so >/dev/null 2>&1; }
if ! have_openblas && [ "$(id -u)" = 0 ]; then
  need_pkgs+=(libopenblas-dev)
fi
if ((${#need_pkgs[@]})); then
  if [ "$(id -u)" = 0 ]; then
    say "installing ${need_pkgs[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  else
    die "missing ${need_pkgs[*]}: install them (sudo apt-get install ${need_pkgs[*]}) and run again"
  fi
fi
command -v go >/dev/null || die "Go >= 1.26 is needed (https://go.dev/dl/); put it on PATH and run again"

fetch_ort() {
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/zoo/onnxruntime/$ORT_VERSION"
  local lib="$cache/libonnxruntime.so.1"
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no onnxruntime build for $(uname -m) in onnxruntime-node; set ZOO_ORT_LIB" ;;
  esac
  if [ -f "$lib" ] && { [ "$arch" != x64 ] || echo "$ORT_SHA256_X64  $lib" | sha256sum -c --status; }; then
    say "onnxruntime $ORT_VERSION: $lib"
    return
  fi
  say "fetching onnxruntime $ORT_VERSION (npm pack onnxruntime-node@$ORT_VERSION)"
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  (cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null) ||
    die "npm pack onnxruntime-node@$ORT_VERSION failed"
  tar -xzf "$tmp/onnxruntime-node-$ORT_VERSION.tgz" -C "$tmp" "package/bin/napi-v6/linux/$arch/libonnxruntime.so.1" ||
    die "onnxruntime-node@$ORT_VERSION has no linux/$arch library"
  local got="$tmp/package/bin/napi-v6/linux/$arch/libonnxruntime.so.1"
  if [ "$arch" = x64 ]; then
    echo "$ORT_SHA256_X64  $got" | sha256sum -c --status ||
      die "libonnxruntime.so.1 from npm does not match its recorded SHA-256"
  fi
  mkdir -p "$cache"
  cp "$got" "$cache/.libonnxruntime.so.1.tmp" && mv -f "$cache/.libonnxruntime.so.1.tmp" "$lib"
  say "onnxruntime $ORT_VERSION: $lib"
}

if [ -n "${ZOO_ORT_LIB:-}" ]; then
  [ -f "$ZOO_ORT_LIB" ] || die "ZOO_ORT_LIB=$ZOO_ORT_LIB does not exist"
  say "onnxruntime: $ZOO_ORT_LIB (ZOO_ORT_LIB)"
else
  fetch_ort
fi

tags=()
if have_openblas; then
  tags=(-tags openblas)
  say "building ./bin/zoo (training on OpenBLAS)"
else
  say "building ./bin/zoo (training on gonum's BLAS; install libopenblas-dev and run again for faster training)"
fi
go build "${tags[@]}" -o bin/zoo ./cmd/zoo

if [ "${1:-}" = --no-demo ]; then
  exit 0
fi
exec scripts/demo.sh
