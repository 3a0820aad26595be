#!/usr/bin/env bash
# Compiles the CUDA kernels to PTX when nvcc is on the PATH; otherwise keeps the checked-in PTX, so a machine without
# nvcc still builds and a machine with only a driver runs. -fmad=false: no contraction where bits matter (the kernels
# also use explicitly rounded intrinsics). sm_90 PTX (.version 9.0) needs a CUDA 13 driver (the GPU hosts: 580).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/src/main/cuda/seedflow_kernels.cu"
out="$here/src/main/resources/io/seedflow/gpu/seedflow_kernels.ptx"
if ! command -v nvcc >/dev/null 2>&1; then
  echo "gpu-ops: nvcc not found, using the checked-in $(basename "$out")"
  exit 0
fi
if [[ -f "$out" && "$out" -nt "$src" ]]; then
  exit 0
fi
mkdir -p "$(dirname "$out")"
nvcc -arch=sm_90 --ptx -fmad=false -o "$out.tmp" "$src"
mv "$out.tmp" "$out"
echo "gpu-ops: compiled $(basename "$src") -> $(basename "$out") ($(nvcc --version | tail -1))"
