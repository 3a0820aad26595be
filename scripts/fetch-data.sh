#!/usr/bin/env bash
# Fetches the real data sets SeedFlow uses into ${SEEDFLOW_DATA_DIR:-<repo>/data} (idempotent).
# Fashion-MNIST comes from the Debian package dataset-fashion-mnist (no root needed: apt-get download + dpkg -x).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
data="${SEEDFLOW_DATA_DIR:-$repo/data}"
fm="$data/fashion-mnist"
files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)

have_all() { for f in "${files[@]}"; do [[ -s "$fm/$f" ]] || return 1; done; }

if have_all; then
  echo "fetch-data: Fashion-MNIST already in $fm"
  exit 0
fi
mkdir -p "$fm"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "fetch-data: downloading Debian package dataset-fashion-mnist ..."
if ! apt-get download dataset-fashion-mnist >/dev/null 2>&1; then
  # a fresh machine may have no package lists yet
  if [[ $(id -u) -eq 0 ]]; then apt-get update -qq >/dev/null; else sudo apt-get update -qq >/dev/null; fi
  apt-get download dataset-fashion-mnist
fi
dpkg -x dataset-fashion-mnist_*.deb x
cp x/usr/share/datasets/fashion-mnist/*-ubyte.gz "$fm/"
cp x/usr/share/doc/dataset-fashion-mnist/benchmark/baselines.json "$fm/" 2>/dev/null || true
have_all || { echo "fetch-data: Fashion-MNIST files missing after extraction" >&2; exit 1; }
echo "fetch-data: Fashion-MNIST in $fm"
