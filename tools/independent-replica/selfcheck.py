#!/usr/bin/env python3
"""Self-checks of the independent replica's building blocks.

1. Philox4x32-10 against the known-answer vectors of the spec (section 3.1).
2. The emulated binary32 fma against exact rational arithmetic (fractions.Fraction), on random and
   adversarial inputs (double-rounding midpoints, binade edges, subnormals, overflow threshold, cancellation).
3. The Gaussian transform: accuracy claims of spec 3.3 (log within 2e-7 relative, normals within ~1e-6 of exact
   Box-Muller), moments; the vectorized per-tensor generator against the per-element one.
4. z values against core/src/test/resources/golden/gaussian-v1.csv, if that file exists (skipped, with a notice,
   if not).
5. Refusals of bad snapshots and records (spec sections 4, 5, 8).
6. The model-spec rules of spec section 1.
7. The hex fixtures of spec section 9, applied to the weights of model-update-weights.safetensors.
8. Signed logs (spec section 10): Ed25519 against RFC 8032 7.1 and malformed input; the root, canonical bytes, links
   and seal of log-seal-v1.txt recomputed from model-update-v4.hex; altered seals, keys and records refused;
   replica.py --verify-key end to end on the replay-v4-compact log, sealed with the replica's own test key.
9. Rollbacks (spec 11): the snapshot encoder of spec 2 against the golden snapshots; log-rollback-v1.txt (the weights
   of version 8, the snapshot of step 11 holding them, the rollback record, link(11), the seal of step 11); the
   rollback applied at version 10 and refused (toVersion, model, order, the snapshot's file, step, model, tensors and
   weights digest); replica.py --rollback end to end on replay-v4-compact, plain and with --verify-key.
10. Frozen bases (spec 1 LoRA, spec 2.1): a base file and a LoRA snapshot naming it, written by the replica's snapshot
   encoder; replica.py accepts them (empty log, two records, --base) and refuses each case of 2.1's list; a rollback
   to a LoRA snapshot. (The LoRA model-spec facts and refusals are in section 6.)

usage: python3 selfcheck.py [--n N] [--gaussian-csv FILE]      exit 0 iff every check that ran passed
"""
import argparse
import glob
import math
import os
import random
import sys
from fractions import Fraction

import numpy as np

import replica as R

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CSV = os.path.normpath(os.path.join(HERE, "../../core/src/test/resources/golden/gaussian-v1.csv"))
F32, U32 = np.float32, np.uint32

failures = []


def check(cond, msg):
    print(("PASS  " if cond else "FAIL  ") + msg)
    if not cond:
        failures.append(msg)


# ------------------------------------------------------------------ 1. Philox
def check_philox():
    kats = [
        ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
        ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
        ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
         (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
    ]
    for ctr, key, want in kats:
        got = tuple(int(x[()]) for x in R.philox4x32_10(*ctr, *key))
        check(got == want, "philox %s / %s -> %s" % (
            " ".join("%08x" % v for v in ctr), " ".join("%08x" % v for v in key),
            " ".join("%08x" % v for v in got)))
    # vectorized == scalar
    rng = np.random.default_rng(1)
    ctr = rng.integers(0, 2 ** 32, size=(4, 64), dtype=np.uint64)
    vec = R.philox4x32_10(*ctr, 0x12345678, 0x9ABCDEF0)
    ok = all(tuple(int(v[i]) for v in vec) ==
             tuple(int(x[()]) for x in R.philox4x32_10(*(int(c[i]) for c in ctr), 0x12345678, 0x9ABCDEF0))
             for i in range(64))
    check(ok, "philox vectorized evaluation equals element-by-element evaluation")


# ------------------------------------------------------------------ 2. fma vs Fraction
TWO128 = Fraction(2) ** 128


def exact_round_f32(q: Fraction, zero_negative: bool) -> int:
    """binary32 bits of q rounded to nearest, ties to even (IEEE overflow rule); zero sign supplied."""
    if q == 0:
        return 0x80000000 if zero_negative else 0
    neg = q < 0
    q = -q if neg else q
    e = q.numerator.bit_length() - q.denominator.bit_length()
    if Fraction(2) ** e > q:
        e -= 1
    # now 2^e <= q < 2^(e+1)
    quantum = Fraction(2) ** (max(e, -126) - 23)
    n = round(q / quantum)  # Fraction.__round__ rounds half to even
    val = n * quantum
    if val >= TWO128:
        bits = 0x7F800000
    else:
        bits = int(np.array([float(val)], dtype=np.float64).astype(F32).view(U32)[0])  # val exact in f32
    return bits | (0x80000000 if neg else 0)


def fma_reference_bits(a, b, c) -> int:
    fa, fb, fc = (Fraction(float(x)) for x in (a, b, c))
    exact = fa * fb + fc
    sign_p = (np.signbit(a) != np.signbit(b))
    zero_neg = bool(sign_p and np.signbit(c) and fa * fb == 0 and fc == 0)
    return exact_round_f32(exact, zero_neg)


def f32bits(bits):
    return np.asarray(bits, dtype=np.uint32).view(F32)


def random_finite_f32(rng, n, emin=-149, emax=127):
    """float32 values with log-uniform-ish exponents in [emin, emax], random mantissa and sign."""
    exp = rng.integers(max(emin, -126) + 127, emax + 128, size=n).astype(np.uint32)
    exp[rng.random(n) < 0.03] = 0  # some subnormals
    mant = rng.integers(0, 1 << 23, size=n, dtype=np.uint32)
    sign = rng.integers(0, 2, size=n, dtype=np.uint32) << np.uint32(31)
    return f32bits(sign | (exp << np.uint32(23)) | mant)


def adversarial_cases(rng, n):
    """Exact results just off a binary32 midpoint, such that fl64(a*b+c) lands exactly on the midpoint."""
    A, B, C = [], [], []
    one_plus = F32(1 + 2.0 ** -23)
    one_minus = F32(1 - 2.0 ** -23)
    for i in range(n):
        kind = i % 4
        if kind == 3:
            x = F32(np.finfo(F32).max) * (F32(1) if rng.random() < .5 else F32(-1))
        else:
            ebits = int(rng.integers(1, 254))
            if kind == 2:
                mant = 0  # power of two: binade edge below
            else:
                mant = int(rng.integers(0, 1 << 23))
            if rng.random() < 0.1:
                ebits = 0
                mant = int(rng.integers(1, 1 << 23))  # subnormal X
            x = f32bits(np.uint32((ebits << 23) | mant | (int(rng.integers(0, 2)) << 31)))
        x = F32(x)
        ax = abs(float(x))
        ulp_up = float(np.nextafter(F32(ax), F32(np.inf))) - ax if ax < float(np.finfo(F32).max) else 2.0 ** 104
        ulp_dn = ax - float(np.nextafter(F32(ax), F32(0)))
        up = rng.random() < 0.5
        half = (ulp_up if up else ulp_dn) / 2  # distance to the midpoint on that side, a power of two
        if half == 0 or half < 2.0 ** -148:
            continue
        # p = +-half*(1 - 2^-46) = (2^k (1+2^-23)) * (+-(1-2^-23)): exact sum is the midpoint minus a tiny
        # amount (towards x), far below the binary64 ulp of the sum -> fl64 rounds onto the midpoint.
        k = math.frexp(half)[1] - 1
        a_ = F32(math.ldexp(float(one_plus), k))
        if not np.isfinite(a_) or float(a_) == 0 or k < -149:
            continue
        s = 1.0 if (up == (float(x) > 0)) else -1.0
        b_ = F32(s * float(one_minus))
        if rng.random() < 0.5:
            a_, b_ = b_, a_
        A.append(a_), B.append(b_), C.append(x)
    return np.array(A, F32), np.array(B, F32), np.array(C, F32)


def check_fma(n):
    rng = np.random.default_rng(20240611)
    families = []
    # (a) uniformly random finite bit patterns over the full exponent range
    families.append(("random full range", random_finite_f32(rng, n), random_finite_f32(rng, n),
                     random_finite_f32(rng, n)))
    # (b) magnitudes that interact: a*b and c of comparable size
    a = random_finite_f32(rng, n, -20, 20)
    b = random_finite_f32(rng, n, -20, 20)
    c = (a.astype(np.float64) * b.astype(np.float64) * rng.uniform(-4, 4, n)).astype(F32)
    families.append(("comparable magnitudes", a, b, c))
    # (c) near-total cancellation: c = -fl32(a*b) +- a few ulps
    a = random_finite_f32(rng, n, -60, 60)
    b = random_finite_f32(rng, n, -60, 60)
    c = -(a * b)
    c = np.where(rng.random(n) < .5, np.nextafter(c, F32(np.inf)), c)
    families.append(("cancellation", a, b, c.astype(F32)))
    # (d) tiny results: subnormal range
    a = random_finite_f32(rng, n, -80, -60)
    b = random_finite_f32(rng, n, -80, -60)
    c = random_finite_f32(rng, n, -149, -120)
    families.append(("subnormal results", a, b, c))
    # (e) overflow edge
    a = random_finite_f32(rng, n // 4, 60, 64)
    b = random_finite_f32(rng, n // 4, 60, 64)
    c = random_finite_f32(rng, n // 4, 126, 127)
    families.append(("overflow edge", a, b, c))
    # (f) adversarial double-rounding midpoints
    a, b, c = adversarial_cases(rng, n)
    families.append(("double-rounding midpoints", a, b, c))
    # (g) the operations the replica actually performs: theta + (-c)*z with realistic magnitudes
    a = (rng.standard_normal(n) * 3e-3).astype(F32)
    b = rng.standard_normal(n).astype(F32)
    c = (rng.standard_normal(n) * 0.05).astype(F32)
    families.append(("update-like magnitudes", a, b, c))
    # (h) signed zeros
    z = np.array([0.0, -0.0], F32)
    a = np.repeat(np.array([0.0, -0.0, 1.0, -1.0, 2.0 ** -149], F32), 8)
    b = np.tile(np.repeat(np.array([0.0, -0.0, 1.0, -1.0], F32), 2), 5)
    c = np.tile(z, 20)
    c = np.where((a * b != 0), -(a * b), c).astype(F32)
    families.append(("signed zeros", a, b, c))

    total_fixed = 0
    for name, a, b, c in families:
        got = R.fma32(a, b, c).view(np.uint32)
        with np.errstate(over="ignore", invalid="ignore"):
            naive = (a.astype(np.float64) * b.astype(np.float64) + c.astype(np.float64)).astype(F32).view(U32)
        bad = 0
        for i in range(len(a)):
            want = fma_reference_bits(a[i], b[i], c[i])
            if int(got[i]) != want:
                bad += 1
                if bad <= 5:
                    print(f"   mismatch a={a[i]!r} b={b[i]!r} c={c[i]!r}: got {int(got[i]):08x} want {want:08x}")
        fixed = int(np.count_nonzero(got != naive))
        total_fixed += fixed
        check(bad == 0, f"fma vs Fraction, {name}: {len(a)} cases, {bad} mismatches "
                        f"({fixed} where naive fl32(fl64(a*b+c)) is wrong)")
    check(total_fixed > 0, f"the adversarial inputs exercise the double-rounding fix ({total_fixed} cases)")
    # scalar (0-d) path, including inputs that need the double-rounding fix
    a, b, c = adversarial_cases(np.random.default_rng(5), 400)
    ok = all(int(R.fma32(a[i], b[i], c[i]).view(U32)) == fma_reference_bits(a[i], b[i], c[i])
             for i in range(len(a)))
    fm = F32(np.finfo(F32).max)
    ok &= int(R.fma32(F32(2.0 ** 103 * (1 + 2 ** -23)), F32(1 - 2 ** -23), fm).view(U32)) == 0x7F7FFFFF
    check(ok, "fma32 on 0-d scalars, incl. FLT_MAX + just-below-half-ulp (must stay FLT_MAX, naive gives inf)")
    # python scalar path
    x = R.fma32(F32(3.0), F32(1 / 3), F32(-1.0))
    check(x.dtype == F32 and int(x.view(U32)) == fma_reference_bits(F32(3.0), F32(1 / 3), F32(-1.0)),
          "fma32 on scalars returns a correctly rounded float32")


# ------------------------------------------------------------------ 3. transform sanity
def check_transform():
    rng = np.random.default_rng(7)
    x = rng.integers(0, 2 ** 32, size=200000, dtype=np.uint64).astype(U32)
    x[:4] = [0, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF]
    u = R.uniform(x)
    check(u.dtype == F32 and float(u.min()) >= 2.0 ** -24 and float(u.max()) <= 1 - 2.0 ** -24,
          "uniform() is float32 in [2^-24, 1-2^-24]")
    lg = R.flog(u)
    true = np.log(u.astype(np.float64))
    rel = np.abs(lg.astype(np.float64) - true) / np.abs(true)
    check(float(rel.max()) < 2e-7, f"log within 2e-7 relative (max {float(rel.max()):.3g})")
    y = rng.integers(0, 2 ** 32, size=x.size, dtype=np.uint64).astype(U32)
    n0, n1 = R.pair(x, y)
    u1 = u.astype(np.float64)
    u2 = R.uniform(y).astype(np.float64)
    r = np.sqrt(-2 * np.log(u1))
    e0 = np.abs(n0 - r * np.cos(2 * np.pi * u2))
    e1 = np.abs(n1 - r * np.sin(2 * np.pi * u2))
    err = float(max(e0.max(), e1.max()))
    check(err < 5e-6, f"normals within a few 1e-6 of exact Box-Muller (max abs err {err:.3g})")
    allz = np.concatenate([n0, n1]).astype(np.float64)
    check(abs(allz.mean()) < 0.01 and abs(allz.var() - 1) < 0.01,
          f"z moments: mean {allz.mean():.4f}, var {allz.var():.4f}")
    # the per-tensor generator used by the replica == per-element z_values
    sizes = [12544, 16, 160, 10]
    gen = R.ZGenerator(sizes)
    ok = True
    for seed in (0, 1, -1, 1358315708888132665, -5575084562871451426, 2 ** 63 - 1, -2 ** 63):
        zs = gen.z(seed)
        for t, n in enumerate(sizes):
            ok &= np.array_equal(zs[t].view(U32), R.z_values(seed, t, np.arange(n)).view(U32))
    check(ok, "ZGenerator (all blocks at once) equals per-element z_values")


# ------------------------------------------------------------------ 4. golden gaussian CSV
def parse_int(s):
    s = s.strip()
    return int(s, 0) if s.lower().lstrip("-+").startswith("0x") else int(s)


def check_gaussian_csv(path):
    if not os.path.exists(path):
        print(f"SKIP  {path} is absent: z values not compared against the gaussian golden file")
        return
    rows = []
    with open(path) as fh:
        for ln, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cols = [c.strip() for c in line.split(",")]
            if cols[0] == "seed":
                continue  # header line
            rows.append((ln, parse_int(cols[0]), parse_int(cols[1]), parse_int(cols[2]),
                         int(cols[3], 16), cols[4] if len(cols) > 4 else None))
    bad = 0
    big = 0
    for ln, seed, t, e, bits, value in rows:
        z = R.z_values(seed, t, np.array([e], dtype=np.uint64))[0]
        got = int(z.view(U32))
        big += e >= 2 ** 33
        if got != bits:
            bad += 1
            if bad <= 10:
                print(f"   line {ln}: seed={seed} t={t} e={e}: got {got:08x} ({float(z)!r}), want {bits:08x}")
        if value is not None:
            try:
                if float(np.float32(float(value))) != float(f32bits(np.uint32(bits))) and not math.isnan(float(value)):
                    print(f"   line {ln}: value column {value} does not match float_bits_hex {bits:08x}")
            except ValueError:
                pass
    check(len(rows) > 0 and bad == 0,
          f"gaussian-v1.csv: {len(rows)} rows ({big} with element >= 2^33), {bad} mismatches")


# ------------------------------------------------------------------ 5. refusals (spec sections 2, 5, 8)
GOLDEN = os.path.normpath(os.path.join(HERE, "../../tests/src/test/resources/golden/replay-v1"))


def check_refusals():
    import copy
    import shutil
    import tempfile
    snaps = glob.glob(os.path.join(GOLDEN, "*.safetensors"))
    if not snaps:
        print("SKIP  refusal checks: golden replay fixture absent")
        return
    snap = R.read_snapshot(snaps[0])
    _, recs = R.read_avro_container(os.path.join(GOLDEN, "updates.avro"))
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "0" * 64 + ".safetensors")
        shutil.copyfile(snaps[0], bad)
        try:
            R.read_snapshot(bad)
            ok = False
        except R.SnapshotIntegrityError:
            ok = True
        check(ok, "snapshot whose bytes do not hash to its file name is refused")

    def refused(mutate, exc, start=0):
        rep = R.Replica(snap)
        for r in recs[:start]:
            rep.apply(r)
        before = [w.copy() for w in rep.weights]
        rec = copy.deepcopy(recs[start])
        mutate(rec)
        try:
            rep.apply(rec)
            return False
        except exc:
            return rep.version == start and all(np.array_equal(a.view(U32), b.view(U32))
                                                for a, b in zip(before, rep.weights))

    def setk(k, v):
        return lambda r: r.__setitem__(k, v)
    check(refused(setk("formatVersion", 4), R.UnsupportedFormatVersionError), "formatVersion 4 refused")
    check(refused(setk("formatVersion", 2), R.InvalidUpdateRecordError), "formatVersion 2 without sections refused")
    check(refused(setk("formatVersion", 3), R.InvalidUpdateRecordError), "formatVersion 3 without head delta refused")
    n_w1 = snap.tensors[3].size

    def head(values, tensor=3, fv=3):
        return lambda r: r.update(formatVersion=fv, headDelta={"tensors": [
            {"tensor": tensor, "values": np.asarray(values, dtype="<f4").tobytes()}]})
    check(refused(head(np.zeros(n_w1), fv=1), R.InvalidUpdateRecordError), "head delta under formatVersion 1 refused")
    check(refused(head(np.zeros(n_w1 - 1)), R.InvalidUpdateRecordError), "head delta of the wrong length refused")
    check(refused(head(np.zeros(4), tensor=4), R.InvalidUpdateRecordError), "head delta tensor out of range refused")
    check(refused(head(np.full(n_w1, np.nan)), R.InvalidUpdateRecordError), "non-finite head delta refused")
    check(refused(lambda r: (head(np.zeros(n_w1))(r), r.update(status="SKIPPED_NON_FINITE", perturbations=[])),
                  R.InvalidUpdateRecordError), "SKIPPED_NON_FINITE with a head delta refused")
    check(refused(setk("modelId", "other"), R.InvalidUpdateRecordError), "wrong modelId refused")
    check(refused(setk("decayFactor", F32(0.0)), R.InvalidUpdateRecordError), "decayFactor 0 refused")
    check(refused(setk("decayFactor", F32(1.0000001)), R.InvalidUpdateRecordError), "decayFactor > 1 refused")
    check(refused(setk("decayFactor", F32(np.nan)), R.InvalidUpdateRecordError), "decayFactor NaN refused")
    check(refused(lambda r: r["perturbations"][1].__setitem__("coefficient", F32(np.inf)),
                  R.InvalidUpdateRecordError), "infinite coefficient refused")
    check(refused(setk("status", "SKIPPED_NON_FINITE"), R.InvalidUpdateRecordError),
          "SKIPPED_NON_FINITE with terms refused")
    check(refused(lambda r: r["lineage"][0].__setitem__("fromOffset", -600), R.InvalidUpdateRecordError),
          "lineage range with a negative fromOffset refused")
    check(refused(lambda r: r["lineage"][0].__setitem__("untilOffset", r["lineage"][0]["fromOffset"] - 1),
                  R.InvalidUpdateRecordError), "lineage range ending before it starts refused")
    check(refused(setk("step", 3), R.UpdateLogGapError), "gap (step 3 at version 0) refused")
    check(refused(setk("step", 1), R.UpdateOrderError, start=1), "duplicate (step 1 at version 1) refused")
    rep = R.Replica(snap)
    w0 = [w.copy() for w in rep.weights]
    rep.apply({**recs[0], "status": "SKIPPED_NON_FINITE", "perturbations": []})
    check(rep.version == 1 and all(np.array_equal(a, b) for a, b in zip(w0, rep.weights)),
          "SKIPPED_NON_FINITE without terms advances the version and changes no weight")


# ------------------------------------------------------------------ 6. model specs (spec section 1)
def check_model_specs():
    valid = {"mlp:0784x10:RELU": 2, "linear:784x10": 2, "encoder:bert-L1-H8-A2-F16-V50-P16:2:16": 23,
             "encoder:all-minilm-l6-v2:2": 103, "encoder:all-minilm-l6-v2:2:64:cosine": 103,
             "encoder:all-minilm-l6-v2:2:cosine": 103, "lora:8:query:encoder:all-minilm-l6-v2:2:cosine": 14}
    for spec, count in valid.items():
        check(len(R.model_spec_tensors(spec)[0]) == count, f"model spec {spec} has {count} tensors")
    invalid = ["mlp:784x10:tanh", "mlp:784x10", "mlp:784x10:relu:", "mlp:784x+10:relu", "mlp:784x1:relu",
               "mlp:784x\u0663:relu", "mlp:784x2147483648:relu", "linear:784x10x2", "linear:784x1", "cnn:3x3",
               "encoder:bert-L1-H8-A3-F16-V50-P16:2", "encoder:bert-L1-H8-A2-F16-V50-P16:2:17",
               "encoder:all-minilm-l6-v2:2:513", "encoder:bert-L1-H8-A2-F16-V1-P16:2",
               # the cosine flag (spec 1): last, lower case, once
               "encoder:all-minilm-l6-v2:2:cosine:64", "encoder:all-minilm-l6-v2:2:COSINE",
               "encoder:all-minilm-l6-v2:2:64:cosine:cosine", "encoder:all-minilm-l6-v2:2:64:cos",
               # LoRA (spec 1): r 0, r > min(d0, d1) = 8, a target matching no body matrix, a target given twice,
               # an inner linear (nothing to adapt), an inner lora, an empty target list, an invalid inner spec,
               # the head's or an embedding's name as a target, r not a number, a trailing ':', no inner spec
               "lora:0:query:encoder:bert-L1-H8-A2-F16-V50-P16:2", "lora:9:query:encoder:bert-L1-H8-A2-F16-V50-P16:2",
               "lora:2:quarry:encoder:bert-L1-H8-A2-F16-V50-P16:2",
               "lora:2:query+query:encoder:bert-L1-H8-A2-F16-V50-P16:2", "lora:2:weight:linear:6x3",
               "lora:1:query:lora:2:query:encoder:bert-L1-H8-A2-F16-V50-P16:2",
               "lora:2::encoder:bert-L1-H8-A2-F16-V50-P16:2", "lora:2:query+:encoder:bert-L1-H8-A2-F16-V50-P16:2",
               "lora:2:query:encoder:bert-L1-H8-A3-F16-V50-P16:2", "lora:2:head:encoder:bert-L1-H8-A2-F16-V50-P16:2",
               "lora:2:word:encoder:bert-L1-H8-A2-F16-V50-P16:2", "lora:2:1:mlp:6x10x3:relu",
               "lora:2:0:mlp:6x3:relu", "lora:11:0:mlp:6x10x3:relu", "lora:7:0:mlp:6x10x3:relu",
               "lora:+2:0:mlp:6x10x3:relu", "lora:2147483648:0:mlp:6x10x3:relu", "lora:2:0:mlp:6x10x3:relu:",
               "lora:2:0", "lora:2:0:", "LORA:2:0:mlp:6x10x3:relu"]
    for spec in invalid:
        try:
            R.model_spec_tensors(spec)
            ok = False
        except R.SnapshotIntegrityError:
            ok = True
        check(ok, f"model spec {spec!r} refused")


    # LoRA (spec 1): the facts the Java implementation computes
    def count(shapes):
        return sum(math.prod(sh) for sh in shapes)
    n, sh = R.model_spec_tensors("lora:8:query+value:encoder:all-minilm-l6-v2:2")
    bn, bs = R.frozen_base_tensors("lora:8:query+value:encoder:all-minilm-l6-v2:2")
    check((len(n), count(sh), len(bn), count(bs)) == (26, 74498, 101, 22565376),
          f"lora:8:query+value:encoder:all-minilm-l6-v2:2: {len(n)} tensors, {count(sh):,} parameters over a base of "
          f"{len(bn)} tensors, {count(bs):,} parameters (spec: 26, 74,498, 101, 22,565,376)")
    mini_names, mini_shapes = R.model_spec_tensors("encoder:all-minilm-l6-v2:2")
    check(bn == mini_names[:-2] and bs == mini_shapes[:-2], "its base is the inner model but its head, inner order")
    check(R.model_spec_tensors("lora:8:query+value:encoder:all-minilm-l6-v2:2:64") == (n, sh),
          "lora:8:query+value:encoder:all-minilm-l6-v2:2:64: the inner spec keeps its ':64'")
    spec = "lora:2:query+value:encoder:bert-L2-H16-A2-F32-V60-P16:2:12"
    want = [(f"layers.{lyr}.{m}.lora_{ab}", [16, 2] if ab == "a" else [2, 16])
            for lyr in (0, 1) for m in ("query", "value") for ab in ("a", "b")] + [("head.weight", [16, 2]),
                                                                                  ("head.bias", [2])]
    check(list(zip(*R.model_spec_tensors(spec))) == want, f"{spec}: {len(want)} tensors, adapters then the head")
    check(list(zip(*R.model_spec_tensors("lora:2:value+query:encoder:bert-L2-H16-A2-F32-V60-P16:2:12"))) == want,
          "targets value+query give the same tensors (the inner canonical order decides)")
    want = [("layers.0.lora_a", [10, 3]), ("layers.0.lora_b", [3, 6]), ("layers.1.weight", [3, 10]),
            ("layers.1.bias", [3])]
    check(list(zip(*R.model_spec_tensors("lora:3:0:mlp:6x10x3:relu"))) == want
          and list(zip(*R.frozen_base_tensors("lora:3:0:mlp:6x10x3:relu"))) == [("layers.0.weight", [10, 6]),
                                                                                ("layers.0.bias", [10])],
          "lora:3:0:mlp:6x10x3:relu: layers.0.lora_a [10, 3], lora_b [3, 6], the last layer; base layers.0.*")
    check(list(zip(*R.model_spec_tensors("lora:02:1+0:mlp:6x10x8x3:GELU"))) ==
          [("layers.0.lora_a", [10, 2]), ("layers.0.lora_b", [2, 6]), ("layers.1.lora_a", [8, 2]),
           ("layers.1.lora_b", [2, 10]), ("layers.2.weight", [3, 8]), ("layers.2.bias", [3])],
          "lora:02:1+0:mlp:6x10x8x3:GELU: r 2, both hidden layers adapted")
    check(R.frozen_base_tensors("mlp:6x10x3:relu") == ([], []) and R.frozen_base_tensors("") == ([], []),
          "an mlp spec and the empty spec declare no frozen base")


# ------------------------------------------------------------------ 7. the hex fixtures of spec section 9
FIXTURES = os.path.normpath(os.path.join(HERE, "../../connectors/src/test/resources/golden"))
SCHEMAS = os.path.normpath(os.path.join(HERE, "../../schemas/src/main/avro"))


def check_hex_fixtures():
    """Spec 9: the records of model-update-v3.hex and model-update-v4.hex, applied to the weights of
    model-update-weights.safetensors, give the .weights.sha256 beside them (from files alone)."""
    import json
    weights = os.path.join(FIXTURES, "model-update-weights.safetensors")
    if not os.path.exists(weights) or not os.path.isdir(SCHEMAS):
        print("SKIP  hex fixtures: connectors' golden files or the Avro schemas absent")
        return
    with open(weights, "rb") as fh:
        snap = R.read_snapshot(weights, R.hashlib.sha256(fh.read()).hexdigest())
    R.check_model_spec(snap)
    parts = []
    for name in ("LineageRange", "Perturbation", "ModelUpdate", "LogContext", "CompactModelUpdate"):
        with open(os.path.join(SCHEMAS, name + ".avsc")) as fh:
            parts.append(json.load(fh))
    schema = R.AvroSchema(parts)  # one union, so that later files can name the types of earlier ones

    def bodies(fixture, record):
        out = []
        with open(os.path.join(FIXTURES, fixture)) as fh:
            for line in fh.read().split():
                r = R.AvroReader(bytes.fromhex(line))
                out.append(R.avro_decode(schema.named["io.seedflow.schemas." + record], r))
                if r.pos != len(r.buf):
                    raise R.ReplicaError(f"{fixture}: trailing bytes")
        return out

    def expected(fixture):
        with open(os.path.join(FIXTURES, fixture)) as fh:
            return fh.read().strip()

    rep = R.Replica(snap)
    for rec in bodies("model-update-v3.hex", "ModelUpdate"):
        rep.apply(rec)
    check(R.weights_digest(rep.weights) == expected("model-update-v3.weights.sha256"),
          "model-update-v3.hex on model-update-weights.safetensors gives model-update-v3.weights.sha256")
    rep, log = R.Replica(snap), R.CompactLog()
    for rec in bodies("model-update-v4.hex", "CompactModelUpdate"):
        rep.apply(log.resolve(rec))
    check(R.weights_digest(rep.weights) == expected("model-update-v4.weights.sha256") and rep.version == 10,
          "model-update-v4.hex on model-update-weights.safetensors gives model-update-v4.weights.sha256")


# ------------------------------------------------------------------ 8. signed logs (spec section 10)
def _flip(b: bytes, bit: int) -> bytes:
    out = bytearray(b)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _schema_shape(node, seen=None):
    """A comparable form of an AvroSchema node: names, field order and types (docs and defaults dropped)."""
    seen = set() if seen is None else seen
    if isinstance(node, str):
        return node
    t = node["type"]
    if t in ("record", "error", "enum", "fixed"):
        if node["name"] in seen:
            return node["name"]
        seen.add(node["name"])
        rest = ([(n, _schema_shape(f, seen)) for n, f in node["fields"]] if t in ("record", "error")
                else node.get("symbols", node.get("size")))
        return (t, node["name"], rest)
    if t == "union":
        return ("union", [_schema_shape(b, seen) for b in node["branches"]])
    if t == "array":
        return ("array", _schema_shape(node["items"], seen))
    return ("map", _schema_shape(node["values"], seen))


def check_ed25519():
    """RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte), and refusals of malformed input."""
    vectors = [
        ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
         "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
         "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ]
    for n, (sk, pk, msg, sig) in enumerate(vectors, 1):
        sk, pk, msg, sig = (bytes.fromhex(x) for x in (sk, pk, msg, sig))
        check(R.ed25519_public_key(sk) == pk and R.ed25519_sign(sk, msg) == sig and R.ed25519_verify(pk, msg, sig),
              f"Ed25519 RFC 8032 7.1 TEST {n}: public key, signature and verification")
    pk, sig = bytes.fromhex(vectors[0][1]), bytes.fromhex(vectors[0][3])
    s = int.from_bytes(sig[32:], "little")
    bad = {
        "S + L (non-canonical S)": (pk, sig[:32] + (s + R._L).to_bytes(32, "little")),
        "S = L": (pk, sig[:32] + R._L.to_bytes(32, "little")),
        "R with y = p (non-canonical point)": (pk, R._P.to_bytes(32, "little") + sig[32:]),
        "R not on the curve": (pk, (2).to_bytes(32, "little") + sig[32:]),
        "A with y = p + 1": ((R._P + 1).to_bytes(32, "little"), sig),
        "A = x 0 with sign bit 1": ((1 | 1 << 255).to_bytes(32, "little"), sig),
        "a bit of R flipped": (pk, _flip(sig, 3)),
        "a bit of S flipped": (pk, _flip(sig, 300)),
        "a signature of 63 bytes": (pk, sig[:63]),
    }
    check(R._ed_decode((2).to_bytes(32, "little")) is None, "y = 2 is not the y of a curve point")
    for what, (k, sg) in bad.items():
        check(not R.ed25519_verify(k, b"", sg), f"Ed25519 verify rejects {what}")
    check(not R.ed25519_verify(pk, b"x", sig), "Ed25519 verify rejects another message")



def replay_v4_compact(what):
    """The replay-v4-compact golden log: (folder, snapshot files, base snapshot, model id, resolved records), or None
    (printing a SKIP for `what`) when the fixture is absent."""
    gdir = os.path.normpath(os.path.join(HERE, "../../tests/src/test/resources/golden/replay-v4-compact"))
    snaps = glob.glob(os.path.join(gdir, "*.safetensors"))
    if not snaps:
        print(f"SKIP  {what}: replay-v4-compact absent")
        return None
    snap = R.read_snapshot(snaps[0])
    _, log_recs = R.read_avro_container(os.path.join(gdir, "updates.avro"))
    cl = R.CompactLog()
    return gdir, snaps, snap, snap.metadata.get("seedflow.model-id"), [cl.resolve(x) for x in log_recs]

def check_signed_log():
    """The golden chain and seal of spec 10 (log-seal-v1.txt), recomputed from the decoded v4 records."""
    import contextlib
    import io
    import json
    import tempfile
    seal_file = os.path.join(FIXTURES, "log-seal-v1.txt")
    if not os.path.exists(seal_file) or not os.path.isdir(SCHEMAS):
        print("SKIP  signed-log checks: log-seal-v1.txt or the Avro schemas absent")
        return
    parts = []
    for name in ("LineageRange", "Perturbation", "ModelUpdate", "LogContext", "CompactModelUpdate", "LogSeal"):
        with open(os.path.join(SCHEMAS, name + ".avsc")) as fh:
            parts.append(json.load(fh))
    files = R.AvroSchema(parts)
    for name in ("CompactModelUpdate", "LogContext", "LogSeal"):
        check(_schema_shape(files.named[R._NS + name]) == _schema_shape(R.SIGNED_SCHEMAS.named[R._NS + name]),
              f"the replica's transcription of {name} equals {name}.avsc (names, field order, types)")

    def bodies(fixture, record):
        with open(os.path.join(FIXTURES, fixture)) as fh:
            return [R.avro_decode(files.named[R._NS + record], R.AvroReader(bytes.fromhex(x)))
                    for x in fh.read().split()]

    log = R.CompactLog()
    compact = bodies("model-update-v4.hex", "CompactModelUpdate")
    with open(os.path.join(FIXTURES, "model-update-v4.hex")) as fh:
        lines_v4 = fh.read().split()
    check(all(R.avro_encode(files.named[R._NS + "CompactModelUpdate"], c, bytearray()).hex() == x
              for c, x in zip(compact, lines_v4)), "the Avro encoder re-encodes model-update-v4.hex byte for byte")
    recs = [log.resolve(c) for c in compact]
    with open(seal_file) as fh:
        rows = [ln.split() for ln in fh.read().splitlines() if ln.strip()]
    root_row = next(r for r in rows if r[0] == "root")
    model_id, step0, snap_id = root_row[1], int(root_row[2]), root_row[3]
    root = R.chain_root(model_id, step0, snap_id)
    check(root.hex() == root_row[4], f"chain root({model_id}, {step0}, {snap_id[:8]}...) = {root.hex()[:16]}...")
    want_rec = {int(r[1]): r[2] for r in rows if r[0] == "record"}
    want_link = {int(r[1]): r[2] for r in rows if r[0] == "link"}
    link, links = root, {}
    for rec in recs:
        cb = R.canonical_bytes(rec)
        check(cb.hex() == want_rec.get(rec["step"]),
              f"canonical bytes of step {rec['step']} ({len(cb)} bytes) equal the fixture's record line")
        again = R.avro_decode(files.named[R._NS + "CompactModelUpdate"], R.AvroReader(cb))
        check(R.canonical_bytes(R.CompactLog().resolve(again)) == cb and
              again["extension"]["context"] is not None and again["timeOffsetMillis"] == 0,
              f"step {rec['step']}: the canonical bytes decode (with CompactModelUpdate.avsc) to a record with its "
              f"context inline and time offset 0, whose canonical bytes are the same")
        link = R.chain_link(link, rec)
        links[rec["step"]] = link
        check(link.hex() == want_link.get(rec["step"]), f"link({rec['step']}) = {link.hex()[:16]}...")
    ctx = recs[0]
    enc = R.avro_encode(files.named[R._NS + "LogContext"], R.canonical_compact(ctx)["extension"]["context"],
                        bytearray())
    check(R.hashlib.sha256(enc).digest()[:4] == R.canonical_compact(ctx)["context"],
          "context id of 4.1 = first 4 bytes of SHA-256 of the LogContext encoded with the generic encoder")
    full = bodies("model-update-v3.hex", "ModelUpdate")[0]
    check(R.canonical_bytes(full).hex() == want_rec.get(full["step"]),
          "the format-3 record of model-update-v3.hex has the same canonical bytes as its compact form (step 8)")

    seal_hex = next(r for r in rows if r[0] == "seal")[1]
    seal = R.decode_seal(bytes.fromhex(seal_hex))
    with open(os.path.join(FIXTURES, "log-signing-test-key.pub.pem")) as fh:
        key = R.read_public_key_pem(fh.read())
    last = recs[-1]["step"]
    check(seal["modelId"] == model_id and seal["step"] == last and seal["chainHead"] == links[last],
          f"the seal names {seal['modelId']} step {seal['step']} and chainHead = the computed link({last})")

    def verifies(s, k=key):
        return R.ed25519_verify(k, R.seal_statement(s["modelId"], s["step"], s["chainHead"]), s["signature"])
    check(verifies(seal), "the seal's signature verifies with log-signing-test-key.pub.pem")
    priv = os.path.join(FIXTURES, "log-signing-test-key.pem")
    if os.path.exists(priv):
        with open(priv) as fh:
            der = R.base64.b64decode("".join(x for x in fh.read().splitlines() if not x.startswith("-----")))
        seed = der[-32:]  # PKCS#8 OneAsymmetricKey, RFC 8410: the 32-byte seed is last
        check(R.ed25519_public_key(seed) == key and
              R.ed25519_sign(seed, R.seal_statement(model_id, last, links[last])) == seal["signature"],
              "log-signing-test-key.pem gives the public key, and re-signing the seal statement gives the seal's "
              "signature byte for byte (Ed25519 is deterministic)")
    own_secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    own_key = R.ed25519_public_key(own_secret)
    negatives = {
        "one bit of chainHead flipped": (dict(seal, chainHead=_flip(seal["chainHead"], 77)), key),
        "one bit of the signature flipped": (dict(seal, signature=_flip(seal["signature"], 5)), key),
        "one bit of the signature's S flipped": (dict(seal, signature=_flip(seal["signature"], 400)), key),
        "the step changed to 9": (dict(seal, step=last - 1), key),
        "the model id changed": (dict(seal, modelId=model_id + "x"), key),
        "a key with one bit flipped": (seal, _flip(key, 9)),
        "another valid key (RFC 8032 TEST 1)": (seal, own_key),
    }
    for what, (s, k) in negatives.items():
        check(not verifies(s, k), f"seal with {what} does not verify")

    # a record whose coefficient has one bit flipped gives another link, and the seal refuses the log
    import copy
    bad = copy.deepcopy(recs)
    c = bad[1]["perturbations"][0]["coefficient"]
    bad[1]["perturbations"][0]["coefficient"] = (np.array([c], F32).view(U32) ^ U32(1)).view(F32)[0]
    link_bad = R.chain_link(links[bad[1]["step"] - 1], bad[1])
    check(link_bad != links[bad[1]["step"]], f"step {bad[1]['step']} with one coefficient bit flipped: link "
                                             f"{link_bad.hex()[:16]}... != {links[bad[1]['step']].hex()[:16]}...")

    def refusal(records, s=seal, start=root, k=key):
        try:
            R.verified_prefix(records, model_id, step0, start, s, k)
            return None
        except R.LogVerificationError as ex:
            return str(ex)
    held = R.verified_prefix(recs, model_id, step0, root, seal, key)
    rep = R.Replica(R.read_snapshot(os.path.join(FIXTURES, "model-update-weights.safetensors"),
                                    R.hashlib.sha256(open(os.path.join(FIXTURES, "model-update-weights.safetensors"),
                                                          "rb").read()).hexdigest()))
    for rec in held:
        rep.apply(rec)
    with open(os.path.join(FIXTURES, "model-update-v4.weights.sha256")) as fh:
        want_digest = fh.read().strip()
    check(len(held) == 3 and R.weights_digest(rep.weights) == want_digest,
          "verified_prefix: the golden seal releases steps 8-10, which give model-update-v4.weights.sha256")
    for what, args in {"the record with the flipped coefficient bit": dict(records=bad),
                       "a wrong chain start": dict(records=recs, start=_flip(root, 0)),
                       "the log ending at step 9": dict(records=recs[:2]),
                       "a seal with a flipped chainHead bit": dict(records=recs, s=dict(seal, chainHead=_flip(
                           seal["chainHead"], 1)))}.items():
        why = refusal(**args)
        check(why is not None, f"verified_prefix refuses {what}: {why}")
    check(R.verified_prefix(recs, model_id, last, links[last], seal, key) == [],
          "verified_prefix ignores a seal of a step at or below the snapshot's")

    # end to end: replica.py --verify-key on the replay-v4-compact golden log, sealed with the replica's own key
    golden = replay_v4_compact("replica.py --verify-key end to end")
    if golden is None:
        return
    gdir, snaps, snap, mid, log_recs = golden
    start = R.chain_root(mid, int(snap.metadata.get("seedflow.step", "0")), snap.snapshot_id)
    chain, link = {}, start
    for rec in log_recs:
        link = R.chain_link(link, rec)
        chain[rec["step"]] = link
    with open(os.path.join(gdir, "weights.sha256")) as fh:
        full_digest = fh.read().strip()
    part = R.Replica(snap)
    for rec in log_recs[:40]:
        part.apply(rec)
    part_digest = R.weights_digest(part.weights)

    def seal_hex_of(step, head=None, model=mid, secret=own_secret):
        head = chain[step] if head is None else head
        s = {"modelId": model, "step": step, "chainHead": head,
             "signature": R.ed25519_sign(secret, R.seal_statement(model, step, head))}
        return bytes(R.avro_encode(R.SIGNED_SCHEMAS.named[R._NS + "LogSeal"], s, bytearray())).hex()

    with tempfile.TemporaryDirectory() as d:
        pem = os.path.join(d, "key.pub.pem")
        with open(pem, "w") as fh:
            fh.write(R.public_key_pem(own_key))
        other = os.path.join(d, "other.pub.pem")
        with open(other, "w") as fh:
            fh.write(R.public_key_pem(_flip(own_key, 2)))

        def run(*extra):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rc = R.main(["--snapshot", snaps[0], "--log", os.path.join(gdir, "updates.avro"), *extra])
            return rc, out.getvalue().strip(), err.getvalue().strip().splitlines()[-1:]
        cases = [
            ("seal of step 100", ["--verify-key", pem, "--seal", seal_hex_of(100), "--expect-weights-sha256",
                                  full_digest], 0, f"weights-sha256={full_digest}"),
            ("seal of step 40", ["--verify-key", pem, "--seal", seal_hex_of(40)], 0, f"weights-sha256={part_digest}"),
            ("seal of step 40, --chain-head = root", ["--verify-key", pem, "--seal", seal_hex_of(40), "--chain-head",
                                                      start.hex()], 0, f"weights-sha256={part_digest}"),
            ("another key", ["--verify-key", other, "--seal", seal_hex_of(100)], 2, ""),
            ("a chainHead that is not the chain's", ["--verify-key", pem, "--seal", seal_hex_of(100, chain[99])], 2,
             ""),
            ("a wrong --chain-head", ["--verify-key", pem, "--seal", seal_hex_of(40), "--chain-head",
                                      _flip(start, 8).hex()], 2, ""),
            ("a seal beyond the log (step 101)", ["--verify-key", pem, "--seal", seal_hex_of(101, chain[100])], 2, ""),
            ("a seal of another model", ["--verify-key", pem, "--seal", seal_hex_of(100, model="other")], 2, ""),
        ]
        for what, extra, rc_want, out_want in cases:
            rc, out, err = run(*extra)
            ok = rc == rc_want and out == out_want and (rc != 2 or "LogVerificationError" in (err or [""])[0])
            check(ok, f"replica.py --verify-key, {what}: exit {rc}" + (f", {err[0]}" if rc == 2 and err else
                                                                       f", {out[:30]}..."))


# ------------------------------------------------------------------ 9. rollbacks (spec 11)
def check_rollback():
    """The golden rollback of spec 11 (log-rollback-v1.txt) on the golden signed log of log-seal-v1.txt; the
    snapshot encoder of spec 2; rollbacks applied and refused; replica.py --rollback end to end."""
    import contextlib
    import io
    import json
    import tempfile
    rb_file, seal_file = (os.path.join(FIXTURES, f) for f in ("log-rollback-v1.txt", "log-seal-v1.txt"))
    if not all(os.path.exists(f) for f in (rb_file, seal_file)) or not os.path.isdir(SCHEMAS):
        print("SKIP  rollback checks: log-rollback-v1.txt, log-seal-v1.txt or the Avro schemas absent")
        return
    parts = []
    for name in ("LineageRange", "Perturbation", "ModelUpdate", "LogContext", "CompactModelUpdate", "LogSeal",
                 "ModelRollback"):
        with open(os.path.join(SCHEMAS, name + ".avsc")) as fh:
            parts.append(json.load(fh))
    files = R.AvroSchema(parts)
    rb_schema = files.named[R._NS + "ModelRollback"]
    check(_schema_shape(rb_schema) == _schema_shape(R.SIGNED_SCHEMAS.named[R._NS + "ModelRollback"]),
          "the replica's transcription of ModelRollback equals ModelRollback.avsc (names, field order, types)")

    # spec 2: the snapshot encoder gives the golden snapshots' bytes back
    goldens = [os.path.join(FIXTURES, "model-update-weights.safetensors"),
               os.path.normpath(os.path.join(HERE, "../../core/src/test/resources/golden/snapshot-v1.safetensors"))]
    goldens += glob.glob(os.path.normpath(os.path.join(HERE, "../../tests/src/test/resources/golden/"
                                                             "replay-v4-compact/*.safetensors")))

    def encode(snap, step=None, tensors=None, model_id=None, spec=None):
        md = snap.metadata
        return R.encode_snapshot(md["seedflow.model-id"] if model_id is None else model_id,
                                 md["seedflow.model-spec"] if spec is None else spec,
                                 int(md["seedflow.step"]) if step is None else step, snap.names, snap.shapes,
                                 snap.tensors if tensors is None else tensors)
    for path in goldens:
        if os.path.exists(path):
            with open(path, "rb") as fh:
                raw = fh.read()
            snap = R.read_snapshot(path, R.hashlib.sha256(raw).hexdigest())
            check(encode(snap) == raw, f"encode_snapshot (spec 2) re-encodes {os.path.basename(path)[:24]} "
                                       f"byte for byte ({len(raw)} bytes)")

    with open(rb_file) as fh:
        rows = {(r[0], r[1]) if r[0] != "seal" else ("seal", ""): r
                for r in (ln.split() for ln in fh.read().splitlines() if ln.strip())}
    with open(seal_file) as fh:
        seal_rows = [ln.split() for ln in fh.read().splitlines() if ln.strip()]
    need = [("weights", "8"), ("snapshot", "11"), ("rollback", "11"), ("link", "11"), ("seal", "")]
    if not all(k in rows for k in need) or not any(r[:2] == ["link", "10"] for r in seal_rows):
        check(False, f"log-rollback-v1.txt has the lines {[' '.join(k).strip() for k in need]} and log-seal-v1.txt "
                     f"a 'link 10' line")
        return
    want_w8 = rows[("weights", "8")][2]
    want_snap_sha, want_snap_size = rows[("snapshot", "11")][2], int(rows[("snapshot", "11")][3])
    body = bytes.fromhex(rows[("rollback", "11")][2])
    want_link11 = bytes.fromhex(rows[("link", "11")][2])
    seal11_body = bytes.fromhex(rows[("seal", "")][1])
    link10 = bytes.fromhex(next(r[2] for r in seal_rows if r[:2] == ["link", "10"]))
    root_row = next(r for r in seal_rows if r[0] == "root")
    seal10 = R.decode_seal(bytes.fromhex(next(r[1] for r in seal_rows if r[0] == "seal")))

    wpath = goldens[0]
    with open(wpath, "rb") as fh:
        snap7 = R.read_snapshot(wpath, R.hashlib.sha256(fh.read()).hexdigest())
    log = R.CompactLog()
    with open(os.path.join(FIXTURES, "model-update-v4.hex")) as fh:
        recs = [log.resolve(R.avro_decode(files.named[R._NS + "CompactModelUpdate"], R.AvroReader(bytes.fromhex(x))))
                for x in fh.read().split()]
    rep8 = R.Replica(snap7)
    rep8.apply(recs[0])
    w8 = [w.copy() for w in rep8.weights]
    check(rep8.version == 8 and R.weights_digest(w8) == want_w8,
          f"model-update-weights.safetensors (version 7) + the record of step 8 gives the 'weights 8' line "
          f"{want_w8[:16]}...")
    snap11 = R.encode_snapshot("elastic-head", "mlp:4x3x2:relu", 11, snap7.names, snap7.shapes, w8)
    sha11 = R.hashlib.sha256(snap11).hexdigest()
    check(sha11 == want_snap_sha and len(snap11) == want_snap_size,
          f"the snapshot (spec 2) of elastic-head, step 11, mlp:4x3x2:relu holding those weights has the 'snapshot "
          f"11' line's SHA-256 {sha11[:16]}... and size {len(snap11)}")

    # the rollback record
    r = R.AvroReader(body)
    rb = R.avro_decode(rb_schema, r)
    check(r.pos == len(body) and R.decode_rollback(body) == rb,
          f"the rollback line decodes with ModelRollback.avsc ({len(body)} bytes, none left over): {rb['modelId']}, "
          f"step {rb['step']}, toVersion {rb['toVersion']}, {rb['snapshotUri']}, createdMillis {rb['createdMillis']}, "
          f"reason {rb['reason']!r}")
    check(rb["modelId"] == "elastic-head" and rb["step"] == 11 and rb["toVersion"] == 8 and
          rb["weightsSha256"] == want_w8 and rb["snapshotSha256"] == want_snap_sha and
          rb["snapshotSizeBytes"] == want_snap_size,
          "the rollback: elastic-head, step 11, toVersion 8, weightsSha256 = the 'weights 8' line, snapshotSha256 and "
          "snapshotSizeBytes = the 'snapshot 11' line")
    check(R.canonical_bytes(rb) == body, "the replica's Avro encoder re-encodes the rollback byte for byte")
    link11 = R.hashlib.sha256(link10 + body).digest()
    check(link11 == want_link11, f"link(11) = SHA-256(link(10) of log-seal-v1.txt || rollback body) = "
                                 f"{link11.hex()[:16]}... = the 'link 11' line")
    root = R.chain_root(root_row[1], int(root_row[2]), root_row[3])
    link = root
    for e in recs + [rb]:
        link = R.chain_link(link, e)
    check(link == want_link11, "the chain from root(elastic-head, 7, efef...) over the v4 records and the rollback "
                               "(R.chain_link) ends at the 'link 11' line")
    seal11 = R.decode_seal(seal11_body)
    with open(os.path.join(FIXTURES, "log-signing-test-key.pub.pem")) as fh:
        key = R.read_public_key_pem(fh.read())
    check(R.ed25519_verify(key, R.seal_statement(seal11["modelId"], seal11["step"], seal11["chainHead"]),
                           seal11["signature"]),
          "the seal of step 11 verifies with log-signing-test-key.pub.pem")
    check(seal11["modelId"] == "elastic-head" and seal11["step"] == 11 and seal11["chainHead"] == want_link11,
          "the seal names elastic-head, step 11, chainHead = link(11)")
    check(not R.ed25519_verify(key, R.seal_statement("elastic-head", 11, _flip(want_link11, 3)), seal11["signature"]),
          "the seal's signature does not verify over another link(11)")

    # applying it (spec 11)
    def at_version_10():
        rep = R.Replica(snap7)
        for rec in recs:
            rep.apply(rec)
        return rep
    with open(os.path.join(FIXTURES, "model-update-v4.weights.sha256")) as fh:
        want_w10 = fh.read().strip()
    with tempfile.TemporaryDirectory() as d:
        def store(data, name=None):
            path = os.path.join(d, (name or R.hashlib.sha256(data).hexdigest()) + ".safetensors")
            with open(path, "wb") as fh:
                fh.write(data)
            return path
        store(snap11)
        rep = at_version_10()
        check(rep.version == 10 and R.weights_digest(rep.weights) == want_w10, "a replica at version 10 (the three "
                                                                               "v4 records applied)")
        rep.apply_rollback(rb, R.rollback_snapshot_path(rb, d))
        check(rep.version == 11 and R.weights_digest(rep.weights) == want_w8 and
              all(np.array_equal(a.view(U32), b.view(U32)) for a, b in zip(rep.weights, w8)),
              "the rollback, applied with its snapshot (found by its SHA-256 in a snapshot folder), makes version 11 "
              "with the weights of version 8, bit for bit")

        held = R.verified_prefix(recs + [rb], "elastic-head", 7, root, seal11, key)
        rep = R.Replica(snap7)
        for e in held:
            rep.apply_rollback(e, R.rollback_snapshot_path(e, d)) if R.is_rollback(e) else rep.apply(e)
        check(len(held) == 4 and rep.version == 11 and R.weights_digest(rep.weights) == want_w8,
              "verified_prefix: the seal of step 11 releases steps 8-10 and the rollback; applied from version 7 "
              "they give version 11 with the weights of version 8")
        held = R.verified_prefix(recs + [rb], "elastic-head", 7, root, seal10, key)
        check(len(held) == 3 and not any(R.is_rollback(e) for e in held),
              "verified_prefix: the seal of step 10 releases the three records and holds the rollback back")
        try:
            R.verified_prefix(recs + [dict(rb, reason=rb["reason"] + ".")], "elastic-head", 7, root, seal11, key)
            why = None
        except R.LogVerificationError as ex:
            why = str(ex)
        check(why is not None, f"verified_prefix refuses the rollback with its reason altered: {why}")

        # refusals: each leaves the replica at version 10 with its weights
        # another snapshot file, named by the rollback (its SHA-256 and size), that breaks one of 11's conditions
        other_files = {
            "a snapshot holding other weights (version 10's)":
                encode(snap7, 11, at_version_10().weights, "elastic-head", "mlp:4x3x2:relu"),
            "a snapshot of step 10": encode(snap7, 10, w8, "elastic-head", "mlp:4x3x2:relu"),
            "a snapshot of another model": encode(snap7, 11, w8, "other-head", "mlp:4x3x2:relu"),
            "a snapshot with tensors of other shapes (mlp:4x3x3:relu)":
                R.encode_snapshot("elastic-head", "mlp:4x3x3:relu", 11, snap7.names,
                                  snap7.shapes[:2] + [[3, 3], [3]], w8[:2] + [np.zeros(9, F32), np.zeros(3, F32)]),
        }
        cases = {what: (dict(rb, snapshotSha256=R.hashlib.sha256(data).hexdigest(), snapshotSizeBytes=len(data)),
                        store(data), R.SnapshotIntegrityError) for what, data in other_files.items()}
        cases.update({
            "toVersion = step - 1 = 10": (dict(rb, toVersion=10), store(snap11), R.InvalidUpdateRecordError),
            "toVersion = -1": (dict(rb, toVersion=-1), store(snap11), R.InvalidUpdateRecordError),
            "another model": (dict(rb, modelId="other-head"), store(snap11), R.InvalidUpdateRecordError),
            "step 12 (a gap)": (dict(rb, step=12), store(snap11), R.UpdateLogGapError),
            "step 10 (at the version)": (dict(rb, step=10), store(snap11), R.UpdateOrderError),
            "a file that is not the one it names (another SHA-256)":
                (rb, store(encode(snap7, 11, at_version_10().weights, "elastic-head", "mlp:4x3x2:relu"), "x"),
                 R.SnapshotIntegrityError),
            "weightsSha256 not the snapshot's weights digest": (dict(rb, weightsSha256=want_w10), store(snap11),
                                                                R.SnapshotIntegrityError),
        })
        for what, (bad, path, exc) in cases.items():
            rep = at_version_10()
            before = [w.copy() for w in rep.weights]
            try:
                rep.apply_rollback(bad, path)
                why = None
            except exc as ex:
                why = f"{type(ex).__name__}: {ex}"
            check(why is not None and rep.version == 10 and all(np.array_equal(a.view(U32), b.view(U32))
                                                                for a, b in zip(before, rep.weights)),
                  f"rollback refused, nothing changed: {what}: {(why or 'applied')[:150]}")
        ok = True
        with tempfile.TemporaryDirectory() as empty:
            for where in (empty, None):  # None: its snapshotUri, file:///golden/..., which is not here
                try:
                    R.rollback_snapshot_path(rb, where)
                    ok = False
                except R.SnapshotIntegrityError:
                    pass
        check(ok, "a rollback whose snapshot is not in the snapshot folder (nor at its file: URI) cannot be fetched: "
                  "SnapshotIntegrityError")

    # end to end: replica.py --rollback on the replay-v4-compact log (version 100), rolled back to version 40
    golden = replay_v4_compact("replica.py --rollback end to end")
    if golden is None:
        return
    gdir, snaps, snap, mid, log_recs = golden
    part = R.Replica(snap)
    for rec in log_recs[:40]:
        part.apply(rec)
    w40 = R.weights_digest(part.weights)
    full = R.Replica(snap)
    for rec in log_recs:
        full.apply(rec)
    w100 = R.weights_digest(full.weights)
    snap101 = encode(snap, 101, part.weights)
    own_secret = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
    own_key = R.ed25519_public_key(own_secret)
    rb101 = {"modelId": mid, "step": 101, "toVersion": 40, "weightsSha256": w40,
             "snapshotUri": "file:///nowhere/" + R.hashlib.sha256(snap101).hexdigest() + ".safetensors",
             "snapshotSha256": R.hashlib.sha256(snap101).hexdigest(), "snapshotSizeBytes": len(snap101),
             "createdMillis": 1700000000000, "reason": "selfcheck"}
    link = R.chain_root(mid, 0, snap.snapshot_id)
    chain = {}
    for e in log_recs + [rb101]:
        link = R.chain_link(link, e)
        chain[e["step"]] = link

    def seal_hex(step, head=None):
        head = chain[step] if head is None else head
        s = {"modelId": mid, "step": step, "chainHead": head,
             "signature": R.ed25519_sign(own_secret, R.seal_statement(mid, step, head))}
        return bytes(R.avro_encode(R.SIGNED_SCHEMAS.named[R._NS + "LogSeal"], s, bytearray())).hex()

    def rb_hex(x):
        return bytes(R.avro_encode(R.SIGNED_SCHEMAS.named[R._NS + "ModelRollback"], x, bytearray())).hex()
    with tempfile.TemporaryDirectory() as d:
        path101 = os.path.join(d, rb101["snapshotSha256"] + ".safetensors")
        with open(path101, "wb") as fh:
            fh.write(snap101)
        other = encode(snap, 101, full.weights)
        other_path = os.path.join(d, R.hashlib.sha256(other).hexdigest() + ".safetensors")
        with open(other_path, "wb") as fh:
            fh.write(other)
        pem = os.path.join(d, "key.pub.pem")
        with open(pem, "w") as fh:
            fh.write(R.public_key_pem(own_key))

        def run(*extra, log=True):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rc = R.main(["--snapshot", snaps[0], *(["--log", os.path.join(gdir, "updates.avro")] if log else []),
                             *extra])
            return rc, out.getvalue().strip(), err.getvalue().strip().splitlines()[-1:]
        verify = ["--verify-key", pem]
        cases = [
            ("the rollback, snapshot folder", ["--rollback", rb_hex(rb101), "--rollback-snapshot", d,
                                               "--expect-weights-sha256", w40], 0, w40, ""),
            ("the rollback, snapshot file", ["--rollback", rb_hex(rb101), "--rollback-snapshot", path101], 0, w40, ""),
            ("verified, seal of step 101", [*verify, "--seal", seal_hex(101), "--rollback", rb_hex(rb101),
                                            "--rollback-snapshot", d], 0, w40, ""),
            ("verified, seal of step 100 (rollback held back)", [*verify, "--seal", seal_hex(100), "--rollback",
                                                                 rb_hex(rb101), "--rollback-snapshot", d], 0, w100, ""),
            ("verified, the rollback's reason altered", [*verify, "--seal", seal_hex(101), "--rollback",
                                                         rb_hex(dict(rb101, reason="other")), "--rollback-snapshot",
                                                         d], 2, "", "LogVerificationError"),
            ("its snapshot not in the folder (nor at its URI)", ["--rollback", rb_hex(rb101), "--rollback-snapshot",
                                                                 os.path.join(d, "empty")], 2, "",
             "SnapshotIntegrityError"),
            ("toVersion 100 = step - 1", ["--rollback", rb_hex(dict(rb101, toVersion=100)), "--rollback-snapshot", d],
             2, "", "InvalidUpdateRecordError"),
            ("a snapshot of other weights", ["--rollback", rb_hex(dict(
                rb101, snapshotSha256=R.hashlib.sha256(other).hexdigest(), snapshotSizeBytes=len(other))),
                "--rollback-snapshot", d], 2, "", "SnapshotIntegrityError"),
            ("the rollback without the log (step 101 at version 0)", ["--rollback", rb_hex(rb101),
                                                                      "--rollback-snapshot", d], 2, "",
             "UpdateLogGapError"),
        ]
        os.mkdir(os.path.join(d, "empty"))
        for what, extra, rc_want, digest, err_want in cases:
            rc, out, err = run(*extra, log="without the log" not in what)
            ok = rc == rc_want and (out == f"weights-sha256={digest}" if rc == 0 else err_want in (err or [""])[0])
            check(ok, f"replica.py --rollback, {what}: exit {rc}" + (f", {err[0][:120]}" if rc == 2 and err else
                                                                     f", {out[:30]}..."))


# ------------------------------------------------------------------ 10. frozen bases (spec 2.1)
def _compact_log(records) -> bytes:
    """An Avro object container file (null codec) of CompactModelUpdate records (spec 4.1, 7), written with the
    replica's encoder; the embedded schema is the replica's transcription with its named types inlined."""
    import copy
    import json
    schema = copy.deepcopy(R.COMPACT_SCHEMA)
    defs = {"LogContext": R.LOG_CONTEXT_SCHEMA, "UpdateMask": R._SECTIONS[0], "SubspaceCorrection": R._SECTIONS[1],
            "HeadDelta": R._SECTIONS[2]}
    for field in schema["fields"][-1]["type"][1]["fields"]:
        if isinstance(field["type"], list):
            field["type"] = [defs.get(b, b) if isinstance(b, str) else b for b in field["type"]]
    meta = {"avro.schema": json.dumps(schema).encode(), "avro.codec": b"null"}
    out = bytearray(b"Obj\x01")
    R.avro_encode({"type": "map", "values": "bytes"}, meta, out)
    sync = bytes(range(16))
    out += sync
    if records:
        block = bytearray()
        for rec in records:
            R.avro_encode(R.SIGNED_SCHEMAS.named[R._NS + "CompactModelUpdate"], R.canonical_compact(rec), block)
        out += R._zigzag(len(records)) + R._zigzag(len(block)) + block + sync
    return bytes(out)


def check_frozen_bases():
    """Spec 1 (LoRA) and 2.1 end to end, with files written by the replica's snapshot encoder (spec 2): a base file
    and a snapshot of lora:2:0:mlp:6x10x3:relu naming it; accepted with an empty log and with two records (the
    digest covers the snapshot's tensors only), with --base, after the base file is gone once it was read (by id);
    refused (SnapshotIntegrityError) in each case of 2.1's list; a rollback to a snapshot naming the base."""
    import contextlib
    import io
    import tempfile
    spec = "lora:2:0:mlp:6x10x3:relu"
    names, shapes = R.model_spec_tensors(spec)
    base_names, base_shapes = R.frozen_base_tensors(spec)
    rng = np.random.default_rng(7)

    def rand(shape):
        return rng.standard_normal(math.prod(shape)).astype(F32)
    base_tensors = [rand(sh) for sh in base_shapes]
    tensors = [rand(sh) for sh in shapes]
    tensors[1] = np.zeros(math.prod(shapes[1]), dtype=F32)  # B starts at 0
    mid = "lora-model"

    def write(folder, data, name=None):
        path = os.path.join(folder, (name or R.hashlib.sha256(data).hexdigest()) + ".safetensors")
        with open(path, "wb") as fh:
            fh.write(data)
        return path

    def run(snapshot, *extra, log=None):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = R.main(["--snapshot", snapshot, "--log", log, *extra])
        return rc, out.getvalue().strip(), (err.getvalue().strip().splitlines() or [""])[-1]

    base = R.encode_snapshot("frozen-base", "", 0, base_names, base_shapes, base_tensors)
    base_id = R.hashlib.sha256(base).hexdigest()
    snap_bytes = R.encode_snapshot(mid, spec, 0, names, shapes, tensors, frozen_base=base_id)
    with tempfile.TemporaryDirectory() as d:
        store, lone, other = (os.path.join(d, x) for x in ("store", "lone", "other"))
        for x in (store, lone, other):
            os.mkdir(x)
        base_path = write(store, base)
        snap_path = write(store, snap_bytes)
        lone_path = write(lone, snap_bytes)  # the same snapshot without its base beside it
        snap = R.read_snapshot(snap_path)
        keys = list(snap.metadata)
        check(keys == ["seedflow.format-version", "seedflow.model-id", "seedflow.model-spec", "seedflow.step",
                       "seedflow.tensor-order", "seedflow.frozen-base"] and snap.metadata["seedflow.frozen-base"]
              == base_id, "encode_snapshot writes seedflow.frozen-base after seedflow.tensor-order (spec 2)")
        check(R.read_snapshot(base_path).metadata == {
            "seedflow.format-version": "1", "seedflow.model-id": "frozen-base", "seedflow.model-spec": "",
            "seedflow.step": "0", "seedflow.tensor-order": "layers.0.weight,layers.0.bias"},
            "the base file: model id frozen-base, spec \"\", step 0, no seedflow.frozen-base, the base's tensors")
        check(R.check_frozen_base(snap, snap_path) == base_id, "check_frozen_base accepts the snapshot and its base")

        # logs: none and two records of the LoRA model (they touch its 4 tensors only)
        empty_log = os.path.join(d, "empty.avro")
        with open(empty_log, "wb") as fh:
            fh.write(_compact_log([]))
        records = [{"formatVersion": 1, "modelId": mid, "baseSnapshotId": snap.snapshot_id, "step": k,
                    "status": "APPLIED", "decayFactor": R.ONE,
                    "perturbations": [{"seed": 1000 * k + j, "coefficient": F32(0.01 * (j + 1) * (-1) ** k)}
                                      for j in range(2)],
                    "lineage": [{"source": "events", "partition": 0, "fromOffset": 10 * k, "untilOffset": 10 * k + 10}],
                    "trainerTimeMillis": 1700000000000 + k, "mask": None, "subspace": None, "headDelta": None}
                   for k in (1, 2)]
        two_log = os.path.join(d, "two.avro")
        with open(two_log, "wb") as fh:
            fh.write(_compact_log(records))
        direct = R.Replica(snap)
        for rec in records:
            direct.apply(rec)
        start, after = R.weights_digest(tensors), R.weights_digest(direct.weights)
        rc, out, err = run(snap_path, log=empty_log)
        check(rc == 0 and out == f"weights-sha256={start}",
              f"replica.py accepts the LoRA snapshot with an empty log; the digest is its 4 tensors' ({start[:12]}...)")
        rc, out, err = run(snap_path, log=two_log)
        check(rc == 0 and out == f"weights-sha256={after}" and after != start and len(direct.weights) == 4,
              f"replica.py applies two records to the LoRA snapshot's own tensors ({after[:12]}...)")
        moved = write(other, base, "any-name")
        rc, out, err = run(lone_path, "--base", moved, log=two_log)
        check(rc == 0 and out == f"weights-sha256={after}", "replica.py --base FILE: the base given explicitly")
        loaded = {}
        R.check_frozen_base(snap, snap_path, loaded=loaded)
        try:
            R.check_frozen_base(snap, lone_path, loaded=loaded)
            ok = True
        except R.SnapshotIntegrityError:
            ok = False
        check(ok and list(loaded) == [base_id], "a base is read once, by id, and kept for every snapshot naming it")

        # refusals, in the order of spec 2.1 (each a SnapshotIntegrityError; exit 2)
        def refused(label, snapshot, phrase, *extra, exc="SnapshotIntegrityError", named=()):
            rc, out, err = run(snapshot, *extra, log=empty_log)
            ok = rc == 2 and err.startswith(f"refused: {exc}: ") and phrase in err and all(x in err for x in named)
            check(ok, f"refused, {label}: exit {rc}, " + (f"{exc} saying {phrase!r}" if ok else err[:200]))

        def snapshot_of(folder, model_spec=spec, key=base_id, t_names=names, t_shapes=shapes, t=tensors):
            return write(folder, R.encode_snapshot(mid, model_spec, 0, t_names, t_shapes, t, frozen_base=key))
        refused("the base missing (the message names the snapshot and the base id)", lone_path,
                "missing or unreadable", named=(snap.snapshot_id, base_id))
        refused("--base FILE missing", snap_path, "missing or unreadable", "--base", os.path.join(other, "nothing"))
        cuckoo = os.path.join(d, "cuckoo")
        os.mkdir(cuckoo)
        write(cuckoo, base[:-4] + b"\0\0\x80\x3f", base_id)  # other bytes (one float changed) under the base's name
        refused("a base file of other bytes under its name", snapshot_of(cuckoo), "SHA-256 mismatch")
        refused("--base FILE of other bytes", snap_path, "SHA-256 mismatch", "--base",
                os.path.join(cuckoo, base_id + ".safetensors"))
        refused("a LoRA snapshot without seedflow.frozen-base", snapshot_of(store, key=None), "names no frozen base")
        full_names, full_shapes = R.model_spec_tensors("mlp:6x10x3:relu")
        refused("a non-LoRA snapshot with seedflow.frozen-base",
                snapshot_of(store, "mlp:6x10x3:relu", base_id, full_names, full_shapes,
                            base_tensors + tensors[2:]), "declares none")
        refused("seedflow.frozen-base with an empty model spec", snapshot_of(store, ""), "declares none")
        refused("a non-LoRA snapshot with a key in upper case ('declares none' comes first)",
                snapshot_of(store, "mlp:6x10x3:relu", base_id.upper(), full_names, full_shapes,
                            base_tensors + tensors[2:]), "declares none")
        refused("a base id in upper case", snapshot_of(store, key=base_id.upper()), "64 lowercase hex")
        refused("a base id of 63 digits", snapshot_of(store, key=base_id[:63]), "64 lowercase hex")
        refused("an empty base id", snapshot_of(store, key=""), "64 lowercase hex")
        refused("a LoRA snapshot of other tensors (spec 1 first)", snapshot_of(store, key=base_id.upper(),
                t_names=names[:3], t_shapes=shapes[:3], t=tensors[:3]), "do not match",
                exc="TensorShapeMismatchError")
        wrong = R.encode_snapshot("frozen-base", "", 0, base_names[:1], base_shapes[:1], base_tensors[:1])
        write(store, wrong)
        refused("a base without layers.0.bias", snapshot_of(store, key=R.hashlib.sha256(wrong).hexdigest()),
                "not the base its model spec")
        wrong = R.encode_snapshot("frozen-base", "", 0, base_names[::-1], base_shapes[::-1], base_tensors[::-1])
        write(store, wrong)
        refused("a base of its tensors in another order", snapshot_of(store, key=R.hashlib.sha256(wrong).hexdigest()),
                "not the base its model spec")
        wrong = R.encode_snapshot("frozen-base", "", 0, base_names, [[6, 10], [10]],
                                  [base_tensors[0].copy(), base_tensors[1]])
        write(store, wrong)
        refused("a base of layers.0.weight [6, 10]", snapshot_of(store, key=R.hashlib.sha256(wrong).hexdigest()),
                "not the base its model spec")
        junk = b"not a safetensors file"
        write(store, junk)
        refused("a base file that is not a snapshot (spec 2's reading rules)",
                snapshot_of(store, key=R.hashlib.sha256(junk).hexdigest()), "bad header length")
        nested = R.encode_snapshot("frozen-base", "", 0, base_names, base_shapes, base_tensors, frozen_base=base_id)
        write(store, nested)
        refused("a base naming a base of its own", snapshot_of(store, key=R.hashlib.sha256(nested).hexdigest()),
                "of its own")

        # a rollback (spec 11) to a snapshot of the LoRA model: its base is checked as any snapshot's (2.1)
        rb_bytes = R.encode_snapshot(mid, spec, 3, names, shapes, tensors, frozen_base=base_id)
        rb_path = write(lone, rb_bytes)
        rb = {"modelId": mid, "step": 3, "toVersion": 0, "weightsSha256": start, "snapshotUri": "",
              "snapshotSha256": R.hashlib.sha256(rb_bytes).hexdigest(), "snapshotSizeBytes": len(rb_bytes),
              "createdMillis": 0, "reason": ""}

        def rollback(known_base):
            rep = R.Replica(snap)
            if known_base:
                R.check_frozen_base(snap, snap_path, loaded=rep.bases)
            for rec in records:
                rep.apply(rec)
            try:
                rep.apply_rollback(rb, rb_path)
                return rep.version == 3 and R.weights_digest(rep.weights) == start
            except R.SnapshotIntegrityError as ex:
                return str(ex)
        check(rollback(True) is True, "a rollback to a LoRA snapshot whose base the replica already read (by id)")
        got = rollback(False)
        check(isinstance(got, str) and "missing or unreadable" in got,
              f"a rollback to a LoRA snapshot whose base is nowhere is refused: {str(got)[:90]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000, help="cases per fma family")
    ap.add_argument("--gaussian-csv", default=DEFAULT_CSV)
    a = ap.parse_args()
    random.seed(0)
    check_philox()
    check_fma(a.n)
    check_transform()
    check_gaussian_csv(a.gaussian_csv)
    check_refusals()
    check_model_specs()
    check_hex_fixtures()
    check_ed25519()
    check_signed_log()
    check_rollback()
    check_frozen_bases()
    print(f"\n{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
