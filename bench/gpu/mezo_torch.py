#!/usr/bin/env python3
"""Straightforward PyTorch MeZO (Malladi et al. 2023, the reference trainer's loop) on the GPU, as the speed peer of
SeedFlow's GPU backend (docs/benchmarks.md section 5): per step, torch.manual_seed(seed); perturb every parameter
in place with torch.normal (+eps z), forward, perturb -2 eps z, forward, restore +eps z, update -lr*g*z, regenerating
z from the seed each time. Same MLP shapes and batch as `seedflow-gpu.jar bench`; random data (speed only).

usage: mezo_torch.py [--models mlp:784x64x10;mlp:784x4096x4096x4096x10] [--batches 64,256,1024] [--steps 50]
prints CSV: model,batch,step_ms,steps_s,peak_mem_mb
"""
import argparse
import time

import torch


def mlp(widths, device):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers).to(device)


def perturb(params, seed, scale):
    torch.manual_seed(seed)
    for p in params:
        z = torch.normal(mean=0, std=1, size=p.data.size(), device=p.data.device, dtype=p.data.dtype)
        p.data = p.data + scale * z


@torch.no_grad()
def mezo_step(model, params, x, y, seed, eps, lr):
    loss = torch.nn.functional.cross_entropy
    perturb(params, seed, eps)
    lp = loss(model(x), y)
    perturb(params, seed, -2 * eps)
    lm = loss(model(x), y)
    perturb(params, seed, eps)
    g = ((lp - lm) / (2 * eps)).item()
    torch.manual_seed(seed)
    for p in params:
        z = torch.normal(mean=0, std=1, size=p.data.size(), device=p.data.device, dtype=p.data.dtype)
        p.data = p.data - lr * g * z
    return g


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="mlp:784x64x10;mlp:784x4096x4096x4096x10")
    ap.add_argument("--batches", default="64,256,1024")
    ap.add_argument("--steps", type=int, default=50)
    a = ap.parse_args()
    device = "cuda"
    print("model,batch,step_ms,steps_s,peak_mem_mb")
    for m in a.models.split(";"):
        widths = [int(w) for w in m.split(":")[1].split("x")]
        for b in [int(v) for v in a.batches.split(",")]:
            model = mlp(widths, device)
            params = [p for p in model.parameters()]
            x = torch.randn(b, widths[0], device=device)
            y = torch.randint(0, widths[-1], (b,), device=device)
            torch.cuda.reset_peak_memory_stats()
            for s in range(3):
                mezo_step(model, params, x, y, s, 1e-3, 1e-4)
            torch.cuda.synchronize()
            times = []
            for s in range(a.steps):
                t0 = time.perf_counter()
                mezo_step(model, params, x, y, 100 + s, 1e-3, 1e-4)
                torch.cuda.synchronize()
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            ms = times[len(times) // 2]
            print(f"{m},{b},{ms:.3f},{1000 / ms:.1f},{torch.cuda.max_memory_allocated() / 1e6:.1f}", flush=True)


if __name__ == "__main__":
    main()
