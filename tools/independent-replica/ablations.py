#!/usr/bin/env python3
"""How discriminating is the golden replay fixture? Replays it with deliberately wrong readings of the spec
and reports which of them still give the golden digest. Diagnostic only; not needed to run the replica.

usage: python3 ablations.py [--snapshot FILE --log FILE --expect HEX]   (defaults: the replay-v1 fixture)
"""
import argparse
import glob
import os
import sys

import numpy as np

import replica as R

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.normpath(os.path.join(HERE, "../../tests/src/test/resources/golden/replay-v1"))
F32, F64 = np.float32, np.float64

_orig = {name: getattr(R, name) for name in ("fma32", "pair", "seed_words", "flog")}


def fma_naive(a, b, c):  # fl32(fl64(a*b + c)): double rounding not corrected
    a, b, c = (np.asarray(x, dtype=F32) for x in (a, b, c))
    return (a.astype(F64) * b.astype(F64) + c.astype(F64)).astype(F32)


def fma_unfused(a, b, c):  # two binary32 roundings
    a, b, c = (np.asarray(x, dtype=F32) for x in (a, b, c))
    return (a * b + c).astype(F32)


def replay(snapshot, log, patch=None, apply_patch=None):
    for k, v in _orig.items():
        setattr(R, k, v)
    if patch:
        patch()
    snap = R.read_snapshot(snapshot)
    _, recs = R.read_avro_container(log)
    rep = R.Replica(snap)
    if apply_patch:
        apply_patch(rep)
    for rec in recs:
        rep.apply(rec)
    for k, v in _orig.items():
        setattr(R, k, v)
    return R.weights_digest(rep.weights)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--snapshot", default=(glob.glob(os.path.join(GOLDEN, "*.safetensors")) or [None])[0])
    ap.add_argument("--log", default=os.path.join(GOLDEN, "updates.avro"))
    ap.add_argument("--expect", default=None)
    a = ap.parse_args()
    expect = a.expect or open(os.path.join(GOLDEN, "weights.sha256")).read().split()[0]

    # count how often the double-rounding correction of fma32 actually fires during the golden replay
    fired = [0, 0]

    def counting_fma(x, y, z):
        r = _orig["fma32"](x, y, z)
        n = fma_naive(x, y, z)
        fired[0] += int(np.count_nonzero(r.view(np.uint32) != n.view(np.uint32)))
        fired[1] += r.size
        return r

    def p_count():
        R.fma32 = counting_fma

    def p_naive():
        R.fma32 = fma_naive

    def p_unfused():
        R.fma32 = fma_unfused

    def p_unfused_update_only(rep):
        # the Gaussian transform keeps its fmas; theta = fma(-c, z, theta) becomes two roundings
        gen_z, orig_apply = rep.zgen.z, rep.apply

        def z_fused(seed):
            R.fma32 = _orig["fma32"]
            try:
                return gen_z(seed)
            finally:
                R.fma32 = fma_unfused

        def apply(rec):
            R.fma32 = fma_unfused
            try:
                orig_apply(rec)
            finally:
                R.fma32 = _orig["fma32"]
        rep.zgen.z = z_fused
        rep.apply = apply

    def p_swap_words():
        R.seed_words = lambda s: ((s >> 32) & R.MASK32, s & R.MASK32)

    def p_pair_swapped():
        orig = _orig["pair"]
        R.pair = lambda a, b: orig(b, a)

    def p_sincos_swapped():
        orig = _orig["pair"]

        def pr(a, b):
            x, y = orig(a, b)
            return y, x
        R.pair = pr

    def decay_all(rep):
        rep.ranks = [2 for _ in rep.ranks]

    def decay_none(rep):
        rep.ranks = [1 for _ in rep.ranks]

    def plus_c(rep):
        orig_apply = rep.apply

        def apply(rec):
            rec = dict(rec)
            rec["perturbations"] = [dict(p, coefficient=-p["coefficient"]) for p in rec["perturbations"]]
            orig_apply(rec)
        rep.apply = apply

    def reversed_terms(rep):
        orig_apply = rep.apply

        def apply(rec):
            rec = dict(rec)
            rec["perturbations"] = list(reversed(rec["perturbations"]))
            orig_apply(rec)
        rep.apply = apply

    cases = [
        ("as specified", None, None),
        ("fma emulated without the double-rounding fix (fl32(fl64(a*b+c)))", p_naive, None),
        ("no fma anywhere (a*b rounded, then +c rounded)", p_unfused, None),
        ("fused in the Gaussian transform, unfused in the update", None, p_unfused_update_only),
        ("key words swapped (hi, lo)", p_swap_words, None),
        ("pair(b, a) instead of pair(a, b)", p_pair_swapped, None),
        ("(r*s, r*c) instead of (r*c, r*s)", p_sincos_swapped, None),
        ("decay applied to every tensor (biases too)", None, decay_all),
        ("no decay at all", None, decay_none),
        ("theta + c*z instead of theta - c*z", None, plus_c),
        ("terms applied in reverse order", None, reversed_terms),
    ]
    d = replay(a.snapshot, a.log, p_count)
    print(f"double-rounding correction fired {fired[0]} times in {fired[1]} fma evaluations")
    bad = 0
    for name, patch, ap_patch in cases:
        d = replay(a.snapshot, a.log, patch, ap_patch)
        same = d == expect
        print(f"{'GOLDEN ' if same else 'differs'}  {name}")
        if name == "as specified" and not same:
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
