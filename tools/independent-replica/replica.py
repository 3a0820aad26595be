#!/usr/bin/env python3
"""Independent SeedFlow replica (update-log format versions 1 to 4), written from docs/update-log-spec.md alone.

Python 3 + NumPy only. Parses the safetensors snapshot and the Avro object container file itself,
regenerates every direction z with Philox4x32-10 + the float32 Gaussian transform of spec section 3,
and applies every record per spec section 5 with an emulated, correctly rounded binary32 fma: masks (6.2), the
subspace correction with its binary64 basis procedure (6.3) and the exact head delta (6.4). Format-4 (compact) logs are
resolved against the log contexts their records carry inline (4.1) into the same records first.

usage: python3 replica.py --snapshot FILE --log FILE [--expect-weights-sha256 HEX] [--snapshot-id HEX] [--base FILE]
                          [--verify-key PEM --seal HEX [--chain-head HEX]]
                          [--rollback HEX [--rollback-snapshot PATH]]

With --verify-key the log must be signed (spec 10): the records are chained, and applied only up to the step of the
seal given with --seal, only if its Ed25519 signature verifies and the chain there equals its chainHead.
A snapshot of a LoRA model (spec 1) names its frozen base (spec 2.1, seedflow.frozen-base): the base file is
<base id>.safetensors beside the snapshot, or --base FILE; it is checked (SHA-256, its tensors = the base the model
spec declares) but not applied to: records and the printed weights digest cover the snapshot's own tensors only.
With --rollback (spec 11) the log's last entry is that ModelRollback (Avro body, hex), after the records of --log (if
any): it is checked and chained like a record, and applied by loading the snapshot it names (--rollback-snapshot).

exit codes: 0 = applied, digest printed (and equal to the expected one if given);
            3 = expected digest differs;
            2 = the snapshot or the log was refused (integrity, format, order, validation, verification errors).
"""
from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import json
import math
import os
import re
import struct
import sys
import time
import zlib

import numpy as np

F32 = np.float32
F64 = np.float64
U32 = np.uint32
U64 = np.uint64
MASK32 = 0xFFFFFFFF


# ----------------------------------------------------------------------------------------------
# Errors (names follow spec section 8)
# ----------------------------------------------------------------------------------------------
class ReplicaError(Exception):
    pass


class SnapshotIntegrityError(ReplicaError):
    pass


class UnsupportedFormatVersionError(ReplicaError):
    pass


class UpdateLogGapError(ReplicaError):
    pass


class UpdateOrderError(ReplicaError):
    pass


class TensorShapeMismatchError(ReplicaError):
    pass


class InvalidUpdateRecordError(ReplicaError):
    pass


class UnknownLogContextError(InvalidUpdateRecordError):
    pass


class LogVerificationError(InvalidUpdateRecordError):
    """Spec 10 / 8: a seal whose signature does not verify, records that do not end in the seal's chain link."""
    pass


# ----------------------------------------------------------------------------------------------
# binary32 helpers
# ----------------------------------------------------------------------------------------------
def f32_from_bits(bits: int) -> np.float32:
    return np.array([bits], dtype=U32).view(F32)[0]


def bits_of(x) -> np.ndarray:
    return np.asarray(x, dtype=F32).view(U32)


_TWO128 = math.ldexp(1.0, 128)


def fma32(a, b, c) -> np.ndarray:
    """Correctly rounded binary32 fma(a, b, c) (round to nearest, ties to even), elementwise.

    a*b of two binary32 values is exact in binary64 (<= 48 significant bits, exponent in range).
    s = fl64(p + c) may round; TwoSum gives the exact error err with p + c = s + err.
    Rounding s to binary32 is then correct unless s lies exactly halfway between two adjacent
    binary32 values while err != 0 (double rounding); then the exact value is on err's side.
    """
    a = np.asarray(a, dtype=F32)
    b = np.asarray(b, dtype=F32)
    c = np.asarray(c, dtype=F32)
    a, b, c = np.broadcast_arrays(a, b, c)
    shape = a.shape
    a, b, c = a.reshape(-1), b.reshape(-1), c.reshape(-1)
    return _fma32_flat(a, b, c).reshape(shape)


def _fma32_flat(a, b, c) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        p = a.astype(F64) * b.astype(F64)
        c64 = c.astype(F64)
        s = p + c64
        bb = s - p
        err = (p - (s - bb)) + (c64 - bb)
        r = s.astype(F32)
        fix = np.isfinite(s) & (err != 0)
        if not fix.any():
            return r
        idx = np.nonzero(fix)
        sf = s[idx]
        rf = r[idx]
        ef = err[idx]
        r64 = rf.astype(F64)
        up = r64 < sf  # the binary32 rounding went down -> other neighbour is above
        other = np.where(up, np.nextafter(rf, F32(np.inf)), np.nextafter(rf, F32(-np.inf)))
        lo = np.where(up, rf, other)
        hi = np.where(up, other, rf)
        lo64 = lo.astype(F64)
        hi64 = hi.astype(F64)
        # beyond FLT_MAX the next "value" for rounding purposes is 2^128
        lo64 = np.where(np.isneginf(lo64), -_TWO128, lo64)
        hi64 = np.where(np.isposinf(hi64), _TWO128, hi64)
        mid = (lo64 + hi64) * 0.5  # exact: adjacent binary32 values, at most 26 significant bits
        at_mid = (sf == mid) & (r64 != sf)
        res = np.where(at_mid & (ef > 0), hi, np.where(at_mid & (ef < 0), lo, rf))
        r = r.copy()
        r[idx] = res
        return r


# ----------------------------------------------------------------------------------------------
# Philox4x32-10 (spec 3.1)
# ----------------------------------------------------------------------------------------------
M0 = 0xD2511F53
M1 = 0xCD9E8D57
W0 = 0x9E3779B9
W1 = 0xBB67AE85


def philox4x32_10(c0, c1, c2, c3, k0: int, k1: int):
    """Vectorized over the counter words (array-likes of u32 values). Returns four uint32 arrays."""
    c0 = np.asarray(c0, dtype=U64) & U64(MASK32)
    c1 = np.asarray(c1, dtype=U64) & U64(MASK32)
    c2 = np.asarray(c2, dtype=U64) & U64(MASK32)
    c3 = np.asarray(c3, dtype=U64) & U64(MASK32)
    c0, c1, c2, c3 = np.broadcast_arrays(c0, c1, c2, c3)
    k0 &= MASK32
    k1 &= MASK32
    m0 = U64(M0)
    m1 = U64(M1)
    mask = U64(MASK32)
    sh = U64(32)
    for rnd in range(10):
        if rnd > 0:
            k0 = (k0 + W0) & MASK32
            k1 = (k1 + W1) & MASK32
        p0 = m0 * c0  # < 2^64: exact
        p1 = m1 * c2
        hi0 = p0 >> sh
        lo0 = p0 & mask
        hi1 = p1 >> sh
        lo1 = p1 & mask
        c0, c1, c2, c3 = (hi1 ^ c1 ^ U64(k0), lo1, hi0 ^ c3 ^ U64(k1), lo0)
    return (c0.astype(U32), c1.astype(U32), c2.astype(U32), c3.astype(U32))


# ----------------------------------------------------------------------------------------------
# Gaussian transform (spec 3.3)
# ----------------------------------------------------------------------------------------------
SQRT2 = f32_from_bits(0x3FB504F3)
LN2 = f32_from_bits(0x3F317218)
L1 = f32_from_bits(0x3F2AAAAB)
L2 = f32_from_bits(0x3ECCCCCD)
L3 = f32_from_bits(0x3E924925)
L4 = f32_from_bits(0x3E638E39)
L5 = f32_from_bits(0x3E3A2E8C)
S1 = f32_from_bits(0x3FC90FDB)
S3 = f32_from_bits(0xBF255DE7)
S5 = f32_from_bits(0x3DA335E3)
S7 = f32_from_bits(0xBB996966)
S9 = f32_from_bits(0x39283C1A)
C2 = f32_from_bits(0xBF9DE9E6)
C4 = f32_from_bits(0x3E81E0F8)
C6 = f32_from_bits(0xBCAAE9E4)
C8 = f32_from_bits(0x3A70FA83)
C10 = f32_from_bits(0xB7D368F9)
ONE = F32(1.0)
TWO = F32(2.0)
HALF = F32(0.5)
FOUR = F32(4.0)
MINUS_TWO = F32(-2.0)
TWO_M24 = F32(2.0 ** -24)


def _chk(x):
    assert x.dtype == F32, x.dtype
    return x


def uniform(x) -> np.ndarray:
    x = np.asarray(x, dtype=U32)
    n = (x >> U32(9)).astype(np.int64) * 2 + 1  # odd, < 2^24
    u = n.astype(F32)  # exact
    return _chk(u * TWO_M24)  # exact


def flog(u) -> np.ndarray:
    u = _chk(np.asarray(u, dtype=F32))
    bits = u.view(U32)
    e = ((bits >> U32(23)) & U32(0xFF)).astype(np.int32) - 127
    m = ((bits & U32(0x007FFFFF)) | U32(0x3F800000)).view(F32)
    big = m > SQRT2
    m = np.where(big, m * HALF, m)
    e = e + big.astype(np.int32)
    f = _chk(m - ONE)
    s = _chk(f / _chk(TWO + f))
    w = _chk(s * s)
    p = fma32(L5, w, L4)
    p = fma32(p, w, L3)
    p = fma32(p, w, L2)
    p = fma32(p, w, L1)
    t = _chk(w * p)
    lnm = fma32(s, t, _chk(TWO * s))
    return _chk(fma32(e.astype(F32), LN2, lnm))


def pair(a, b):
    """(r*c, r*s) for the words a (radius) and b (angle). Returns two float32 arrays."""
    lg = flog(uniform(a))
    r = _chk(np.sqrt(_chk(MINUS_TWO * lg)))
    u2 = uniform(b)
    t = _chk(u2 * FOUR)
    q = np.floor(t).astype(np.int32)
    x = _chk(t - q.astype(F32))
    adj = x > HALF
    x = np.where(adj, x - ONE, x)
    q = q + adj.astype(np.int32)
    x = _chk(x)
    x2 = _chk(x * x)
    sp = fma32(S9, x2, S7)
    sp = fma32(sp, x2, S5)
    sp = fma32(sp, x2, S3)
    sp = fma32(sp, x2, S1)
    sin = _chk(x * sp)
    cp = fma32(C10, x2, C8)
    cp = fma32(cp, x2, C6)
    cp = fma32(cp, x2, C4)
    cp = fma32(cp, x2, C2)
    cos = fma32(cp, x2, ONE)
    qm = q & 3
    c = np.select([qm == 0, qm == 1, qm == 2, qm == 3], [cos, -sin, -cos, sin])
    s_ = np.select([qm == 0, qm == 1, qm == 2, qm == 3], [sin, cos, -sin, -cos])
    c = _chk(c.astype(F32, copy=False))
    s_ = _chk(s_.astype(F32, copy=False))
    return _chk(r * c), _chk(r * s_)


def seed_words(seed: int):
    return seed & MASK32, (seed >> 32) & MASK32


def z_values(seed: int, tensor, element) -> np.ndarray:
    """z(s, t, e) for arrays of tensor indices and element indices (arbitrary, up to 2^64-1)."""
    tensor = np.asarray(tensor, dtype=U64)
    element = np.asarray(element, dtype=U64)
    tensor, element = np.broadcast_arrays(tensor, element)
    b = element >> U64(2)
    lane = (element & U64(3)).astype(np.int64)
    k0, k1 = seed_words(seed)
    x0, x1, x2, x3 = philox4x32_10(b & U64(MASK32), b >> U64(32), tensor, np.zeros_like(b), k0, k1)
    n0, n1 = pair(x0, x1)
    n2, n3 = pair(x2, x3)
    return np.select([lane == 0, lane == 1, lane == 2, lane == 3], [n0, n1, n2, n3]).astype(F32)


class ZGenerator:
    """Precomputes the counters of every block of every tensor; one Philox call per seed."""

    def __init__(self, sizes):
        self.sizes = list(sizes)
        blocks_t = []
        blocks_b = []
        self.block_ranges = []
        start = 0
        for t, n in enumerate(self.sizes):
            nb = (n + 3) // 4
            blocks_t.append(np.full(nb, t, dtype=U64))
            blocks_b.append(np.arange(nb, dtype=U64))
            self.block_ranges.append((start, start + nb))
            start += nb
        self.t = np.concatenate(blocks_t)
        self.b = np.concatenate(blocks_b)
        self.lo = self.b & U64(MASK32)
        self.hi = self.b >> U64(32)
        self.zero = np.zeros_like(self.b)

    def z(self, seed: int):
        k0, k1 = seed_words(seed)
        x0, x1, x2, x3 = philox4x32_10(self.lo, self.hi, self.t, self.zero, k0, k1)
        n0, n1 = pair(x0, x1)
        n2, n3 = pair(x2, x3)
        lanes = np.stack([n0, n1, n2, n3], axis=1)  # (blocks, 4): z[4b + lane]
        out = []
        for (a, bnd), n in zip(self.block_ranges, self.sizes):
            out.append(_chk(lanes[a:bnd].reshape(-1)[:n]))
        return out


# ----------------------------------------------------------------------------------------------
# Snapshot (spec section 2)
# ----------------------------------------------------------------------------------------------
class Snapshot:
    def __init__(self, names, shapes, tensors, metadata, snapshot_id):
        self.names = names
        self.shapes = shapes
        self.tensors = tensors  # flat float32 arrays, canonical order
        self.metadata = metadata
        self.snapshot_id = snapshot_id


MAX_HEADER = 100 * 1024 * 1024


def read_snapshot(path: str, expected_id: str | None = None) -> Snapshot:
    with open(path, "rb") as fh:
        data = fh.read()
    sid = hashlib.sha256(data).hexdigest()
    if expected_id is None:
        m = re.fullmatch(r"([0-9a-fA-F]{64})\.safetensors", os.path.basename(path))
        if not m:
            raise SnapshotIntegrityError(
                f"snapshot file name {os.path.basename(path)!r} is not <sha256>.safetensors and no --snapshot-id given")
        expected_id = m.group(1)
    if sid != expected_id.lower():
        raise SnapshotIntegrityError(f"snapshot SHA-256 {sid} != announced id {expected_id}")
    return parse_snapshot(data, sid)


def parse_snapshot(data: bytes, sid: str, with_data: bool = True) -> Snapshot:
    """The checks of spec 2 ("Reading") on a file's bytes whose SHA-256 sid was already compared. With
    with_data=False the tensors are not copied out (names, shapes and metadata only; tensors is None)."""
    if len(data) < 8:
        raise SnapshotIntegrityError("file shorter than 8 bytes")
    n = struct.unpack_from("<Q", data, 0)[0]
    if n < 2 or n > MAX_HEADER or 8 + n > len(data):
        raise SnapshotIntegrityError(f"bad header length {n}")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as ex:
        raise SnapshotIntegrityError(f"header is not valid UTF-8 JSON: {ex}")
    if not isinstance(header, dict):
        raise SnapshotIntegrityError("header is not a JSON object")
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise SnapshotIntegrityError("__metadata__ must be an object of strings")
    fv = metadata.get("seedflow.format-version")
    if fv is not None and fv != "1":
        if not re.fullmatch(r"-?[0-9]{1,9}", fv):
            raise SnapshotIntegrityError(f"snapshot format version {fv!r} is not an integer")
        raise UnsupportedFormatVersionError(f"snapshot format version {fv!r}")
    body = data[8 + n:]
    entries = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict) or info.get("dtype") != "F32":
            raise SnapshotIntegrityError(f"tensor {name}: dtype must be F32")
        shape = info.get("shape")
        offs = info.get("data_offsets")
        if (not isinstance(shape, list) or not all(type(d) is int and d > 0 for d in shape)):
            raise SnapshotIntegrityError(f"tensor {name}: bad shape {shape}")
        if (not isinstance(offs, list) or len(offs) != 2 or not all(type(o) is int and o >= 0 for o in offs)):
            raise SnapshotIntegrityError(f"tensor {name}: bad data_offsets {offs}")
        count = math.prod(shape)
        if offs[1] - offs[0] != 4 * count:
            raise SnapshotIntegrityError(f"tensor {name}: end-begin != 4*numel")
        entries[name] = (shape, offs[0], offs[1])
    pos = 0
    for name, (shape, b, e) in sorted(entries.items(), key=lambda kv: kv[1][1]):
        if b != pos:
            raise SnapshotIntegrityError(f"tensor {name}: hole or overlap at {b} (expected {pos})")
        pos = e
    if pos != len(body):
        raise SnapshotIntegrityError(f"data section ends at {pos}, file data is {len(body)} bytes")
    order = metadata.get("seedflow.tensor-order")
    if order is None:
        names = [k for k, _ in sorted(entries.items(), key=lambda kv: kv[1][1])]
    else:
        names = order.split(",") if order else []
        if len(set(names)) != len(names):
            raise SnapshotIntegrityError("duplicate name in seedflow.tensor-order")
        for nm in names:
            if nm not in entries:
                raise SnapshotIntegrityError(f"tensor-order names unknown tensor {nm}")
        if set(names) != set(entries):
            raise SnapshotIntegrityError("a tensor is missing from seedflow.tensor-order")
    shapes = [entries[nm][0] for nm in names]
    if not with_data:
        return Snapshot(names, shapes, None, metadata, sid)
    tensors = [np.frombuffer(body, dtype="<f4", count=math.prod(entries[nm][0]),
                             offset=entries[nm][1]).astype(F32).copy() for nm in names]
    return Snapshot(names, shapes, tensors, metadata, sid)


_NUMBER = "([0-9]+)"  # spec 1: ASCII digits only (Python's \\d would also match other scripts' digits)
_MLP = re.compile(r"mlp:([0-9]+(?:x[0-9]+)+):([A-Za-z]+)")
_LINEAR = re.compile(rf"linear:{_NUMBER}x{_NUMBER}")
_ENCODER = re.compile(rf"encoder:(all-minilm-l6-v2|bert-L{_NUMBER}-H{_NUMBER}-A{_NUMBER}-F{_NUMBER}-V{_NUMBER}"
                      rf"-P{_NUMBER}):{_NUMBER}(?::{_NUMBER})?(?::cosine)?")
_MINILM = (6, 384, 12, 1536, 30522, 512)
_ENCODER_LAYER = ["query.weight", "query.bias", "key.weight", "key.bias", "value.weight", "value.bias",
                  "attention_out.weight", "attention_out.bias", "attention_norm.weight", "attention_norm.bias",
                  "ffn_in.weight", "ffn_in.bias", "ffn_out.weight", "ffn_out.bias", "ffn_norm.weight", "ffn_norm.bias"]


def _plain_spec_tensors(spec: str):
    """(names, shapes) in canonical order of an mlp, linear or encoder spec (spec 1), or SnapshotIntegrityError."""
    def number(text):
        digits = text.lstrip("0") or "0"
        if len(digits) > 10 or int(digits) > 2 ** 31 - 1:
            raise SnapshotIntegrityError(f"model spec {spec!r}: number {text} above 2^31 - 1")
        return int(digits)

    def need(ok, what):
        if not ok:
            raise SnapshotIntegrityError(f"model spec {spec!r}: {what}")

    if m := _MLP.fullmatch(spec):
        widths = [number(w) for w in m.group(1).split("x")]
        act = m.group(2)
        need(act.isascii() and act.lower() in ("relu", "gelu"), f"activation {act!r} is not relu or gelu")
        need(all(w >= 1 for w in widths) and widths[-1] >= 2, "widths must be >= 1, the class count >= 2")
        names, shapes = [], []
        for lyr in range(len(widths) - 1):
            names += [f"layers.{lyr}.weight", f"layers.{lyr}.bias"]
            shapes += [[widths[lyr + 1], widths[lyr]], [widths[lyr + 1]]]
        return names, shapes
    if m := _LINEAR.fullmatch(spec):
        inputs, classes = number(m.group(1)), number(m.group(2))
        need(inputs >= 1 and classes >= 2, "need inputs >= 1 and classes >= 2")
        return ["weight", "bias"], [[classes, inputs], [classes]]
    if m := _ENCODER.fullmatch(spec):
        lyrs, h, heads, f, v, p = _MINILM if m.group(1) == "all-minilm-l6-v2" else \
            tuple(number(m.group(k)) for k in range(2, 8))
        c = number(m.group(8))
        max_tokens = number(m.group(9)) if m.group(9) is not None else min(128, p)
        need(lyrs >= 1 and h >= 1 and f >= 1 and v >= 2 and p >= 1 and c >= 2, "a size out of range")
        need(heads >= 1 and h % heads == 0, f"heads {heads} must be >= 1 and divide hidden {h}")
        need(1 <= max_tokens <= p, f"maxTokens {max_tokens} not in 1..{p}")
        names = ["embeddings.word", "embeddings.position", "embeddings.type", "embeddings.norm.weight",
                 "embeddings.norm.bias"]
        shapes = [[v, h], [p, h], [2, h], [h], [h]]
        layer_shapes = [[h, h], [h], [h, h], [h], [h, h], [h], [h, h], [h], [h], [h], [h, f], [f], [f, h], [h], [h],
                        [h]]
        for lyr in range(lyrs):
            names += [f"layers.{lyr}.{n}" for n in _ENCODER_LAYER]
            shapes += layer_shapes
        return names + ["head.weight", "head.bias"], shapes + [[h, c], [c]]
    raise SnapshotIntegrityError(f"model spec {spec!r} is not an mlp, linear, encoder or lora spec")


def _lora_spec(spec: str):
    """Spec 1, LoRA: lora:<r>:<targets>:<inner>. Returns (names, shapes, base_names, base_shapes): the model's
    tensors (for each chosen body matrix of the inner model, in the inner canonical order, <m>.lora_a [d0, r] then
    <m>.lora_b [r, d1]; then the inner head) and its frozen base (every inner tensor but the head, inner order)."""
    def need(ok, what):
        if not ok:
            raise SnapshotIntegrityError(f"model spec {spec!r}: {what}")

    parts = spec.split(":", 3)  # only the first three pieces are split off; the rest is the inner spec
    need(len(parts) == 4 and all(parts), "need lora:<r>:<targets>:<inner>, no piece empty")
    _, r_text, target_text, inner = parts
    need(re.fullmatch(_NUMBER, r_text) is not None, f"r {r_text!r} is not a number")
    need(len(r_text.lstrip("0")) <= 10 and int(r_text) <= 2 ** 31 - 1, f"r {r_text} above 2^31 - 1")
    r = int(r_text)
    need(r >= 1, f"r {r} must be >= 1")
    targets = target_text.split("+")
    need(all(targets), f"targets {target_text!r}: an empty name")
    need(len(set(targets)) == len(targets), f"targets {target_text!r}: a name given twice")
    family = inner.split(":", 1)[0]
    need(family != "lora", f"inner spec {inner!r} is itself lora")
    try:
        inner_names, inner_shapes = _plain_spec_tensors(inner)
    except SnapshotIntegrityError as ex:
        raise SnapshotIntegrityError(f"model spec {spec!r}: inner spec: {ex}")
    need(family != "linear", f"inner spec {inner!r} is a linear model: all head, nothing to adapt")
    body_names, body_shapes = inner_names[:-2], inner_shapes[:-2]  # mlp: the last layer; encoder: head.*
    matrices = []  # (name, shape, target name) of the body matrices, inner canonical order
    for name, shape in zip(body_names, body_shapes):
        if len(shape) == 2 and name.endswith(".weight"):
            matrices.append((name, shape, name[:-len(".weight")].rsplit(".", 1)[-1]))
    known = {tn for _, _, tn in matrices}
    for t in targets:
        need(t in known, f"target {t!r} is the target name of no body matrix of {inner!r} "
                         f"(those are {sorted(known)})")
    names, shapes = [], []
    for name, (d0, d1), tn in matrices:
        if tn not in targets:
            continue
        need(r <= min(d0, d1), f"r {r} > min(d0, d1) = {min(d0, d1)} of {name} [{d0}, {d1}]")
        m = name[:-len(".weight")]
        names += [f"{m}.lora_a", f"{m}.lora_b"]
        shapes += [[d0, r], [r, d1]]
    return names + inner_names[-2:], shapes + inner_shapes[-2:], body_names, body_shapes


def model_spec_tensors(spec: str):
    """(names, shapes) in canonical order of a model spec (spec 1), or SnapshotIntegrityError if it is not one. For a
    lora spec these are its trainable tensors (the adapters, then the inner head); its base: frozen_base_tensors."""
    if spec.split(":", 1)[0] == "lora":
        return _lora_spec(spec)[:2]
    return _plain_spec_tensors(spec)


def frozen_base_tensors(spec: str):
    """(names, shapes) of the frozen base a model spec declares (spec 1, 2.1): for a lora spec every inner tensor
    but the inner head, in the inner canonical order; ([], []) for the other families (and for an absent or empty
    spec, which declares nothing). An invalid spec raises SnapshotIntegrityError."""
    if not spec:
        return [], []
    if spec.split(":", 1)[0] == "lora":
        return _lora_spec(spec)[2:]
    _plain_spec_tensors(spec)
    return [], []


def check_model_spec(snap: Snapshot):
    """Spec 1: an absent or empty model spec is not checked; an invalid one refuses the snapshot (integrity), a valid
    one must name exactly the snapshot's tensors (names and shapes, canonical order)."""
    spec = snap.metadata.get("seedflow.model-spec")
    if not spec:
        return
    want_names, want_shapes = model_spec_tensors(spec)
    if snap.names != want_names or snap.shapes != want_shapes:
        raise TensorShapeMismatchError(
            f"snapshot tensors {list(zip(snap.names, snap.shapes))} do not match {spec}")


FROZEN_BASE_KEY = "seedflow.frozen-base"


def check_frozen_base(snap: Snapshot, snapshot_path: str, base_path: str | None = None, loaded: dict | None = None):
    """Spec 2.1, after the checks of spec 1 (check_model_spec), in the spec's order; each failure a
    SnapshotIntegrityError naming the snapshot and (where there is one) the base id: a spec declaring a base and no
    seedflow.frozen-base; the key and a spec declaring none (an absent or empty spec declares none); a value that is not
    64 lowercase hex digits; the base file missing or unreadable (base_path, else <base id>.safetensors beside
    snapshot_path); its bytes not hashing to the base id; the file naming a base of its own; its tensors (names,
    shapes, order) not the declared base. `loaded` (base id -> (names, shapes)) keeps each base file read once.
    The base's tensor data is not read out (records never touch it). Returns the base id, or None."""
    spec = snap.metadata.get("seedflow.model-spec")
    want_names, want_shapes = frozen_base_tensors(spec)
    key = snap.metadata.get(FROZEN_BASE_KEY)
    who = f"snapshot {snap.snapshot_id}"
    if want_names and key is None:
        raise SnapshotIntegrityError(f"{who}: its model spec {spec!r} declares a frozen base but the snapshot names no "
                                     f"frozen base ({FROZEN_BASE_KEY} absent)")
    if key is None:
        return None
    if not want_names:
        raise SnapshotIntegrityError(f"{who} names frozen base {key!r} ({FROZEN_BASE_KEY}) but its model spec "
                                     f"{spec!r} declares none")
    if not re.fullmatch(r"[0-9a-f]{64}", key):
        raise SnapshotIntegrityError(f"{who}: {FROZEN_BASE_KEY} {key!r} is not 64 lowercase hex digits")
    if loaded is not None and key in loaded:
        names, shapes = loaded[key]
    else:
        path = base_path if base_path is not None else \
            os.path.join(os.path.dirname(os.path.abspath(snapshot_path)), key + ".safetensors")
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as ex:
            raise SnapshotIntegrityError(f"{who}: its frozen base {key} is missing or unreadable ({path}: "
                                         f"{ex.strerror or ex})")
        got = hashlib.sha256(data).hexdigest()
        if got != key:
            raise SnapshotIntegrityError(f"{who}: frozen base {key}: SHA-256 mismatch, the file {path} hashes to {got}")
        try:
            base = parse_snapshot(data, got, with_data=False)
        except ReplicaError as ex:  # a malformed base file: the reading rules of spec 2, their own error types
            raise type(ex)(f"{who}: frozen base {key} ({path}): {ex}")
        if FROZEN_BASE_KEY in base.metadata:
            raise SnapshotIntegrityError(f"{who}: frozen base {key} names a frozen base of its own "
                                         f"({base.metadata[FROZEN_BASE_KEY]!r})")
        names, shapes = base.names, base.shapes
        if loaded is not None:
            loaded[key] = (names, shapes)
    if names != want_names or shapes != want_shapes:
        raise SnapshotIntegrityError(f"{who}: frozen base {key} holds {list(zip(names, shapes))}, not the base its "
                                     f"model spec {spec!r} declares: {list(zip(want_names, want_shapes))}")
    return key


def weights_digest(tensors) -> str:
    h = hashlib.sha256()
    for t in tensors:
        h.update(np.ascontiguousarray(t, dtype="<f4").tobytes())
    return h.hexdigest()


def encode_snapshot(model_id: str, model_spec: str, step: int, names, shapes, tensors,
                    frozen_base: str | None = None) -> bytes:
    """Spec 2: the safetensors bytes SeedFlow writes. Metadata keys in the order of the table, tensors and their data
    in canonical order, the header padded with spaces so that 8 + N is a multiple of 8. The JSON layout (no
    whitespace, "__metadata__" first, each tensor's keys dtype, shape, data_offsets) is not spelled out by the spec;
    it is the one of the golden snapshots (snapshot-v1.safetensors, model-update-weights.safetensors), which
    selfcheck.py re-encodes byte for byte. frozen_base (a base id, spec 2.1) adds seedflow.frozen-base, the table's
    last key."""
    header = {"__metadata__": {"seedflow.format-version": "1", "seedflow.model-id": model_id,
                               "seedflow.model-spec": model_spec, "seedflow.step": str(step),
                               "seedflow.tensor-order": ",".join(names)}}
    if frozen_base is not None:
        header["__metadata__"][FROZEN_BASE_KEY] = frozen_base
    data, pos = [], 0
    for name, shape, t in zip(names, shapes, tensors):
        b = np.ascontiguousarray(t, dtype="<f4").tobytes()
        if len(b) != 4 * math.prod(shape):
            raise ReplicaError(f"tensor {name}: {len(b) // 4} elements for shape {shape}")
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [pos, pos + len(b)]}
        data.append(b)
        pos += len(b)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(data)


# ----------------------------------------------------------------------------------------------
# Avro object container file (generic, driven by the writer schema embedded in the file)
# ----------------------------------------------------------------------------------------------
class AvroReader:
    def __init__(self, buf: bytes, pos: int = 0):
        self.buf = buf
        self.pos = pos

    def read(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.buf):
            raise ReplicaError("Avro: truncated data")
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def varlong(self) -> int:
        shift = 0
        acc = 0
        while True:
            if self.pos >= len(self.buf):
                raise ReplicaError("Avro: truncated varint")
            byte = self.buf[self.pos]
            self.pos += 1
            acc |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
            if shift >= 70:
                raise ReplicaError("Avro: varint too long")
        return (acc >> 1) ^ -(acc & 1)


PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


class AvroSchema:
    def __init__(self, schema_json):
        self.named = {}
        self.root = self._resolve(schema_json, None)

    def _fullname(self, name, ns):
        if "." in name:
            return name
        return f"{ns}.{name}" if ns else name

    def _resolve(self, s, ns):
        if isinstance(s, str):
            if s in PRIMITIVES:
                return s
            full = self._fullname(s, ns)
            if full in self.named:
                return self.named[full]
            if s in self.named:
                return self.named[s]
            raise ReplicaError(f"Avro: unknown type {s}")
        if isinstance(s, list):
            return {"type": "union", "branches": [self._resolve(x, ns) for x in s]}
        t = s["type"]
        if t in ("record", "error", "enum", "fixed"):
            nns = s.get("namespace", ns)
            if "." in s["name"]:
                nns = s["name"].rsplit(".", 1)[0]
            full = self._fullname(s["name"], nns)
            node = {"type": t, "name": full}
            self.named[full] = node
            if t in ("record", "error"):
                node["fields"] = [(f["name"], self._resolve(f["type"], nns)) for f in s["fields"]]
            elif t == "enum":
                node["symbols"] = list(s["symbols"])
            else:
                node["size"] = int(s["size"])
            return node
        if t == "array":
            return {"type": "array", "items": self._resolve(s["items"], ns)}
        if t == "map":
            return {"type": "map", "values": self._resolve(s["values"], ns)}
        if isinstance(t, (dict, list)) or t in PRIMITIVES:
            return self._resolve(t, ns)  # {"type": "long", "logicalType": ...}, {"type":"string",...}
        return self._resolve(t, ns)


def avro_decode(sch, r: AvroReader):
    if isinstance(sch, str):
        if sch == "null":
            return None
        if sch == "boolean":
            return r.read(1) != b"\x00"
        if sch in ("int", "long"):
            v = r.varlong()
            if sch == "int" and not -2 ** 31 <= v < 2 ** 31:
                raise ReplicaError("Avro: int out of range")
            if not -2 ** 63 <= v < 2 ** 63:
                raise ReplicaError("Avro: long out of range")
            return v
        if sch == "float":
            return np.frombuffer(r.read(4), dtype="<f4")[0].astype(F32)  # raw bits kept
        if sch == "double":
            return np.frombuffer(r.read(8), dtype="<f8")[0]
        if sch == "bytes":
            return r.read(r.varlong())
        if sch == "string":
            return r.read(r.varlong()).decode("utf-8")
        raise ReplicaError(sch)
    t = sch["type"]
    if t in ("record", "error"):
        return {name: avro_decode(fs, r) for name, fs in sch["fields"]}
    if t == "enum":
        i = r.varlong()
        if not 0 <= i < len(sch["symbols"]):
            raise ReplicaError("Avro: enum index out of range")
        return sch["symbols"][i]
    if t == "fixed":
        return r.read(sch["size"])
    if t == "union":
        i = r.varlong()
        if not 0 <= i < len(sch["branches"]):
            raise ReplicaError("Avro: union index out of range")
        return avro_decode(sch["branches"][i], r)
    if t in ("array", "map"):
        out = [] if t == "array" else {}
        while True:
            n = r.varlong()
            if n == 0:
                break
            if n < 0:
                n = -n
                r.varlong()  # block size in bytes
            for _ in range(n):
                if t == "array":
                    out.append(avro_decode(sch["items"], r))
                else:
                    k = r.read(r.varlong()).decode("utf-8")
                    out[k] = avro_decode(sch["values"], r)
        return out
    raise ReplicaError(f"Avro: unsupported type {t}")


def read_avro_container(path: str):
    with open(path, "rb") as fh:
        buf = fh.read()
    r = AvroReader(buf)
    if r.read(4) != b"Obj\x01":
        raise ReplicaError("Avro: bad magic")
    meta = avro_decode({"type": "map", "values": "bytes"}, r)
    sync = r.read(16)
    codec = meta.get("avro.codec", b"null").decode()
    schema = AvroSchema(json.loads(meta["avro.schema"].decode("utf-8")))
    records = []
    while r.pos < len(buf):
        count = r.varlong()
        size = r.varlong()
        block = r.read(size)
        if r.read(16) != sync:
            raise ReplicaError("Avro: sync marker mismatch")
        if codec == "null":
            data = block
        elif codec == "deflate":
            data = zlib.decompress(block, -15)
        else:
            raise ReplicaError(f"Avro: unsupported codec {codec}")
        br = AvroReader(data)
        for _ in range(count):
            records.append(avro_decode(schema.root, br))
        if br.pos != len(data):
            raise ReplicaError("Avro: trailing bytes in block")
    return schema, records


# ----------------------------------------------------------------------------------------------
# Format 4: compact records and their log contexts (spec 4.1)
# ----------------------------------------------------------------------------------------------
COMPACT_RECORD = "io.seedflow.schemas.CompactModelUpdate"
FULL_RECORD = "io.seedflow.schemas.ModelUpdate"


def schema_full_name(node) -> str:
    """The full name of a named schema (record, enum, fixed), else its type name ("string", "union", "array")."""
    if isinstance(node, str):
        return node
    return node.get("name", node["type"])


def _zigzag(v: int) -> bytes:
    u = ((v << 1) ^ (v >> 63)) & 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while True:
        b = u & 0x7F
        u >>= 7
        if u:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _avro_string(s: str) -> bytes:
    b = s.encode("utf-8")
    return _zigzag(len(b)) + b


def context_id(ctx) -> bytes:
    """First 4 bytes of the SHA-256 of the context's Avro binary encoding (arrays as one block)."""
    enc = _avro_string(ctx["modelId"]) + _avro_string(ctx["baseSnapshotId"])
    if ctx["sources"]:
        enc += _zigzag(len(ctx["sources"])) + b"".join(_avro_string(x) for x in ctx["sources"])
    enc += _zigzag(0) + _zigzag(ctx["originMillis"])
    return hashlib.sha256(enc).digest()[:4]


class CompactLog:
    """Resolves the compact records of one log, in log order, into the records of formats 1-3 (spec 4.1)."""

    def __init__(self):
        self.contexts = {}

    def resolve(self, rec):
        step, cid, x = rec["step"], rec["context"], rec["extension"]
        if x is not None and x["context"] is not None:
            if context_id(x["context"]) != cid:
                raise InvalidUpdateRecordError(
                    f"step {step}: names context {cid.hex()} but carries context {context_id(x['context']).hex()}")
            self.contexts[cid] = x["context"]
        ctx = self.contexts.get(cid)
        if ctx is None:
            raise UnknownLogContextError(f"step {step}: log context {cid.hex()} was not defined by an earlier record")
        terms = rec["terms"]
        if len(terms) % 12:
            raise InvalidUpdateRecordError(f"step {step}: terms field of {len(terms)} bytes, not a multiple of 12")
        perturbations = [{"seed": int.from_bytes(terms[i:i + 8], "little", signed=True),
                          "coefficient": np.frombuffer(terms[i + 8:i + 12], dtype="<f4")[0].astype(F32)}
                         for i in range(0, len(terms), 12)]
        lineage = []
        for rng in rec["lineage"]:
            if not 0 <= rng["source"] < len(ctx["sources"]) or rng["count"] < 0 \
                    or rng["fromOffset"] + rng["count"] > 2 ** 63 - 1:
                raise InvalidUpdateRecordError(f"step {step}: lineage range {rng} out of range")
            lineage.append({"source": ctx["sources"][rng["source"]], "partition": rng["partition"],
                            "fromOffset": rng["fromOffset"], "untilOffset": rng["fromOffset"] + rng["count"]})
        mask, sub, head = (None, None, None) if x is None else (x["mask"], x["subspace"], x["headDelta"])
        return {"formatVersion": 3 if head is not None else 2 if (mask is not None or sub is not None) else 1,
                "modelId": ctx["modelId"], "baseSnapshotId": ctx["baseSnapshotId"], "step": step,
                "status": "SKIPPED_NON_FINITE" if x is not None and x["skipped"] else "APPLIED",
                "decayFactor": ONE if x is None else x["decayFactor"], "perturbations": perturbations,
                "lineage": lineage, "trainerTimeMillis": ctx["originMillis"] + rec["timeOffsetMillis"],
                "mask": mask, "subspace": sub, "headDelta": head}


# ----------------------------------------------------------------------------------------------
# Signed logs (spec 10): canonical bytes, the hash chain, statements, Ed25519
# ----------------------------------------------------------------------------------------------
# The Avro types of CompactModelUpdate.avsc, LogContext.avsc, LogSeal.avsc and the sections of ModelUpdate.avsc,
# transcribed (names, field order and types only; selfcheck.py compares them with the .avsc files).
_SECTIONS = [
    {"type": "record", "name": "UpdateMask", "namespace": "io.seedflow.schemas", "fields": [
        {"name": "tensors", "type": {"type": "array", "items": {"type": "record", "name": "TensorMask", "fields": [
            {"name": "tensor", "type": "int"}, {"name": "maxMagnitude", "type": "float"},
            {"name": "keepSeed", "type": "long"}, {"name": "keepFraction", "type": "float"}]}}}]},
    {"type": "record", "name": "SubspaceCorrection", "namespace": "io.seedflow.schemas", "fields": [
        {"name": "tensors", "type": {"type": "array", "items": "int"}},
        {"name": "windowSeeds", "type": {"type": "array", "items": "long"}},
        {"name": "windowCoefficients", "type": {"type": "array", "items": "float"}},
        {"name": "removed", "type": {"type": "array", "items": "float"}}]},
    {"type": "record", "name": "HeadDelta", "namespace": "io.seedflow.schemas", "fields": [
        {"name": "tensors", "type": {"type": "array", "items": {"type": "record", "name": "TensorDelta", "fields": [
            {"name": "tensor", "type": "int"}, {"name": "values", "type": "bytes"}]}}}]},
]
LOG_CONTEXT_SCHEMA = {"type": "record", "name": "LogContext", "namespace": "io.seedflow.schemas", "fields": [
    {"name": "modelId", "type": "string"}, {"name": "baseSnapshotId", "type": "string"},
    {"name": "sources", "type": {"type": "array", "items": "string"}}, {"name": "originMillis", "type": "long"}]}
COMPACT_SCHEMA = {"type": "record", "name": "CompactModelUpdate", "namespace": "io.seedflow.schemas", "fields": [
    {"name": "context", "type": {"type": "fixed", "name": "LogContextId", "size": 4}},
    {"name": "step", "type": "long"},
    {"name": "terms", "type": "bytes"},
    {"name": "timeOffsetMillis", "type": "long"},
    {"name": "lineage", "type": {"type": "array", "items": {"type": "record", "name": "CompactLineageRange", "fields": [
        {"name": "source", "type": "int"}, {"name": "partition", "type": "int"},
        {"name": "fromOffset", "type": "long"}, {"name": "count", "type": "long"}]}}},
    {"name": "extension", "type": ["null", {"type": "record", "name": "CompactUpdateExtension", "fields": [
        {"name": "context", "type": ["null", "LogContext"]},
        {"name": "skipped", "type": "boolean"},
        {"name": "decayFactor", "type": "float"},
        {"name": "mask", "type": ["null", "UpdateMask"]},
        {"name": "subspace", "type": ["null", "SubspaceCorrection"]},
        {"name": "headDelta", "type": ["null", "HeadDelta"]}]}]}]}
LOG_SEAL_SCHEMA = {"type": "record", "name": "LogSeal", "namespace": "io.seedflow.schemas", "fields": [
    {"name": "modelId", "type": "string"}, {"name": "step", "type": "long"},
    {"name": "chainHead", "type": "bytes"}, {"name": "signature", "type": "bytes"}]}
MODEL_ROLLBACK_SCHEMA = {"type": "record", "name": "ModelRollback", "namespace": "io.seedflow.schemas", "fields": [
    {"name": "modelId", "type": "string"}, {"name": "step", "type": "long"}, {"name": "toVersion", "type": "long"},
    {"name": "weightsSha256", "type": "string"}, {"name": "snapshotUri", "type": "string"},
    {"name": "snapshotSha256", "type": "string"}, {"name": "snapshotSizeBytes", "type": "long"},
    {"name": "createdMillis", "type": "long"}, {"name": "reason", "type": "string"}]}
SIGNED_SCHEMAS = AvroSchema(_SECTIONS + [LOG_CONTEXT_SCHEMA, COMPACT_SCHEMA, LOG_SEAL_SCHEMA, MODEL_ROLLBACK_SCHEMA])
_NS = "io.seedflow.schemas."


def avro_encode(sch, value, out: bytearray) -> bytearray:
    """Avro binary encoding of value (as avro_decode returns it) under an AvroSchema node. Arrays and maps are written
    as one block (count, items, then 0; an empty one is the single byte 0); a union takes its "null" branch for None,
    else its first non-null branch (every union here is [null, X])."""
    if isinstance(sch, str):
        if sch == "null":
            if value is not None:
                raise ReplicaError(f"Avro encode: {value!r} for null")
        elif sch == "boolean":
            out.append(1 if value else 0)
        elif sch in ("int", "long"):
            v = int(value)
            if not (-2 ** 31 <= v < 2 ** 31 if sch == "int" else -2 ** 63 <= v < 2 ** 63):
                raise ReplicaError(f"Avro encode: {v} out of range for {sch}")
            out += _zigzag(v)
        elif sch == "float":
            out += np.asarray(value, dtype=F32).astype("<f4").tobytes()  # raw bits of a float32 kept
        elif sch == "double":
            out += struct.pack("<d", float(value))
        elif sch == "bytes":
            out += _zigzag(len(value)) + bytes(value)
        elif sch == "string":
            out += _avro_string(value)
        else:
            raise ReplicaError(sch)
        return out
    t = sch["type"]
    if t in ("record", "error"):
        for name, fs in sch["fields"]:
            avro_encode(fs, value.get(name), out)
    elif t == "enum":
        out += _zigzag(sch["symbols"].index(value))
    elif t == "fixed":
        if len(value) != sch["size"]:
            raise ReplicaError(f"Avro encode: {len(value)} bytes for fixed({sch['size']})")
        out += bytes(value)
    elif t == "union":
        names = [schema_full_name(b) for b in sch["branches"]]
        i = names.index("null") if value is None else next(k for k, nm in enumerate(names) if nm != "null")
        out += _zigzag(i)
        avro_encode(sch["branches"][i], value, out)
    elif t == "array":
        if value:
            out += _zigzag(len(value))
            for v in value:
                avro_encode(sch["items"], v, out)
        out += _zigzag(0)
    elif t == "map":
        if value:
            out += _zigzag(len(value))
            for k, v in value.items():
                out += _avro_string(k)
                avro_encode(sch["values"], v, out)
        out += _zigzag(0)
    else:
        raise ReplicaError(f"Avro encode: unsupported type {t}")
    return out


def canonical_compact(rec) -> dict:
    """Spec 10: the compact (format 4) record of a resolved record, with its own context inline: context (modelId,
    baseSnapshotId, the record's distinct lineage sources in order of appearance, originMillis = trainerTimeMillis),
    timeOffsetMillis 0, extension always present."""
    sources = []
    for rng in rec["lineage"]:
        if rng["source"] not in sources:
            sources.append(rng["source"])
    ctx = {"modelId": rec["modelId"], "baseSnapshotId": rec["baseSnapshotId"], "sources": sources,
           "originMillis": rec["trainerTimeMillis"]}
    terms = b"".join(struct.pack("<q", p["seed"]) + np.asarray(p["coefficient"], dtype=F32).astype("<f4").tobytes()
                     for p in rec["perturbations"])
    lineage = [{"source": sources.index(rng["source"]), "partition": rng["partition"], "fromOffset": rng["fromOffset"],
                "count": rng["untilOffset"] - rng["fromOffset"]} for rng in rec["lineage"]]
    ext = {"context": ctx, "skipped": rec["status"] == "SKIPPED_NON_FINITE",
           "decayFactor": rec.get("decayFactor", ONE),  # a version-1 writer without the field: reader default 1.0
           "mask": rec.get("mask"), "subspace": rec.get("subspace"), "headDelta": rec.get("headDelta")}
    return {"context": context_id(ctx), "step": rec["step"], "terms": terms, "timeOffsetMillis": 0,
            "lineage": lineage, "extension": ext}


def is_rollback(entry) -> bool:
    """A log entry is either a rollback (spec 11: a decoded ModelRollback) or a resolved update record."""
    return "toVersion" in entry


def canonical_bytes(rec) -> bytes:
    """Spec 10 for a record; for a rollback (spec 11) the Avro binary body of the ModelRollback."""
    if is_rollback(rec):
        return bytes(avro_encode(SIGNED_SCHEMAS.named[_NS + "ModelRollback"], rec, bytearray()))
    return bytes(avro_encode(SIGNED_SCHEMAS.named[_NS + "CompactModelUpdate"], canonical_compact(rec), bytearray()))


def _be64(v: int) -> bytes:
    return struct.pack(">q", v)


def chain_root(model_id: str, step: int, snapshot_id: str) -> bytes:
    return hashlib.sha256(b"seedflow-log-chain-root-v1\x00" + model_id.encode("utf-8") + b"\x00" + _be64(step)
                          + snapshot_id.lower().encode("ascii")).digest()


def chain_link(previous: bytes, rec) -> bytes:
    return hashlib.sha256(previous + canonical_bytes(rec)).digest()


def seal_statement(model_id: str, step: int, link: bytes) -> bytes:
    return b"seedflow-log-seal-v1\x00" + model_id.encode("utf-8") + b"\x00" + _be64(step) + link


def snapshot_statement(model_id: str, step: int, link: bytes, file_sha256: str) -> bytes:
    return (b"seedflow-snapshot-v1\x00" + model_id.encode("utf-8") + b"\x00" + _be64(step) + link
            + file_sha256.lower().encode("ascii"))


def _decode_whole(body: bytes, schema: str, what: str, error) -> dict:
    """The Avro body of record `schema`, every byte of it (else `error`, naming `what`)."""
    try:
        r = AvroReader(body)
        value = avro_decode(SIGNED_SCHEMAS.named[_NS + schema], r)
    except (ReplicaError, UnicodeDecodeError) as ex:
        raise error(f"{what} is not a {schema} Avro body: {ex}")
    if r.pos != len(body):
        raise error(f"{what} has {len(body) - r.pos} trailing bytes")
    return value


def decode_seal(body: bytes) -> dict:
    """A LogSeal Avro body; chainHead must be 32 bytes and signature 64 (else LogVerificationError)."""
    seal = _decode_whole(body, "LogSeal", "seal", LogVerificationError)
    if len(seal["chainHead"]) != 32 or len(seal["signature"]) != 64:
        raise LogVerificationError(f"seal of step {seal['step']}: chainHead of {len(seal['chainHead'])} bytes, "
                                   f"signature of {len(seal['signature'])} (need 32 and 64)")
    return seal


def decode_rollback(body: bytes) -> dict:
    """A ModelRollback Avro body (spec 11), entirely (else InvalidUpdateRecordError)."""
    return _decode_whole(body, "ModelRollback", "rollback", InvalidUpdateRecordError)


def rollback_snapshot_path(rb, where: str | None) -> str:
    """Where the snapshot a rollback names is (spec 11: "from its URI, or by its file SHA-256 from a snapshot store of
    its own"): WHERE if it is a file; <WHERE>/<snapshotSha256>.safetensors if it is a folder; else the rollback's
    snapshotUri if it is a file: URI. A snapshot that cannot be found cannot be fetched: SnapshotIntegrityError."""
    if where is not None and os.path.isdir(where):
        path = os.path.join(where, rb["snapshotSha256"].lower() + ".safetensors")
    elif where is not None:
        path = where
    elif rb["snapshotUri"].startswith("file:"):
        from urllib.parse import unquote, urlparse
        path = unquote(urlparse(rb["snapshotUri"]).path)
    else:
        path = None
    if path is None or not os.path.isfile(path):
        raise SnapshotIntegrityError(f"rollback of step {rb['step']}: its snapshot {rb['snapshotSha256']} "
                                     f"({rb['snapshotUri']}) cannot be fetched" + (f" from {path}" if path else ""))
    return path


# Ed25519 (RFC 8032, section 5.1), pure Python integers, extended twisted Edwards coordinates (X, Y, Z, T).
_P = 2 ** 255 - 19
_L = 2 ** 252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_ED_ID = (0, 1, 1, 0)


def _ed_add(p, q):
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % _P
    b = (y1 + x1) * (y2 + x2) % _P
    c = 2 * t1 * t2 * _D % _P
    d = 2 * z1 * z2 % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _ed_mul(k: int, p):
    q = _ED_ID
    while k:
        if k & 1:
            q = _ed_add(q, p)
        p = _ed_add(p, p)
        k >>= 1
    return q


def _ed_equal(p, q) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % _P == 0 and (p[1] * q[2] - q[1] * p[2]) % _P == 0


def _ed_recover_x(y: int, sign: int):
    """RFC 8032 5.1.3 steps 2-4; None if there is no such point."""
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    return _P - x if (x & 1) != sign else x


def _ed_decode(s: bytes):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= _P:
        return None  # non-canonical encoding
    x = _ed_recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


def _ed_encode(p) -> bytes:
    zi = pow(p[2], _P - 2, _P)
    x, y = p[0] * zi % _P, p[1] * zi % _P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


_ED_B = (lambda y: (_ed_recover_x(y, 0), y, 1, _ed_recover_x(y, 0) * y % _P))(4 * pow(5, _P - 2, _P) % _P)


def _sha512_int(*parts) -> int:
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little")


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032 5.1.7: rejects a malformed A or R, and S >= L; checks [8][S]B = [8]R + [8][k]A."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a, r = _ed_decode(public_key), _ed_decode(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    k = _sha512_int(signature[:32], public_key, message) % _L
    return _ed_equal(_ed_mul(8, _ed_mul(s, _ED_B)), _ed_mul(8, _ed_add(r, _ed_mul(k, a))))


def _ed_secret_scalar(secret_key: bytes):
    h = hashlib.sha512(secret_key).digest()
    a = int.from_bytes(h[:32], "little")
    a = (a & ((1 << 254) - 8)) | (1 << 254)
    return a, h[32:]


def ed25519_public_key(secret_key: bytes) -> bytes:
    return _ed_encode(_ed_mul(_ed_secret_scalar(secret_key)[0], _ED_B))


def ed25519_sign(secret_key: bytes, message: bytes) -> bytes:
    """RFC 8032 5.1.6. For tests only (not constant time)."""
    a, prefix = _ed_secret_scalar(secret_key)
    pub = _ed_encode(_ed_mul(a, _ED_B))
    r = _sha512_int(prefix, message) % _L
    big_r = _ed_encode(_ed_mul(r, _ED_B))
    s = (r + _sha512_int(big_r, pub, message) % _L * a) % _L
    return big_r + s.to_bytes(32, "little")


# SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (32 bytes) }
_ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def read_public_key_pem(text: str) -> bytes:
    """The 32-byte Ed25519 key of a PEM "PUBLIC KEY" (X.509 SubjectPublicKeyInfo, RFC 8410)."""
    m = re.search(r"-----BEGIN PUBLIC KEY-----(.*?)-----END PUBLIC KEY-----", text, re.S)
    if not m:
        raise LogVerificationError("verify key: no PEM PUBLIC KEY block")
    try:
        der = base64.b64decode("".join(m.group(1).split()), validate=True)
    except ValueError as ex:
        raise LogVerificationError(f"verify key: bad base64: {ex}")
    if len(der) != 44 or der[:12] != _ED25519_SPKI_PREFIX:
        raise LogVerificationError("verify key: not an Ed25519 SubjectPublicKeyInfo (44 bytes, OID 1.3.101.112)")
    return der[12:]


def public_key_pem(public_key: bytes) -> str:
    b64 = base64.b64encode(_ED25519_SPKI_PREFIX + public_key).decode("ascii")
    return f"-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n"


def verified_prefix(records, model_id: str, version: int, start_link: bytes, seal, public_key: bytes, check=None):
    """Spec 10, steps 2-4, for one seal: the records to apply (those up to the seal's step), or LogVerificationError.

    records are resolved records in log order, the first expected at version + 1; check(rec), if given, runs the
    other read-time checks of 5 (validation, base snapshot) on each record read. The chain starts at start_link."""
    stmt = seal_statement(seal["modelId"], seal["step"], seal["chainHead"])
    if not ed25519_verify(public_key, stmt, seal["signature"]):
        raise LogVerificationError(f"seal of step {seal['step']}: the signature does not verify with the key")
    if seal["modelId"] != model_id:
        raise LogVerificationError(f"seal of model {seal['modelId']!r}, not {model_id!r}")
    if seal["step"] <= version:
        return []  # a seal of a step verified already is ignored
    link, held, at = start_link, [], version
    for rec in records:
        step = rec["step"]
        if step > at + 1:
            raise UpdateLogGapError(f"missing steps {at + 1}..{step - 1}")
        if step <= at:
            raise UpdateOrderError(f"record step {step} at or below version {at}")
        if check is not None:
            check(rec)
        link, at = chain_link(link, rec), step
        held.append(rec)
        if step == seal["step"]:
            if link != seal["chainHead"]:
                raise LogVerificationError(f"chain at step {step} is {link.hex()}, the seal's chainHead is "
                                           f"{seal['chainHead'].hex()}")
            return held
    raise LogVerificationError(f"the log ends at step {at}, before the seal's step {seal['step']}")


# ----------------------------------------------------------------------------------------------
# Replica (spec sections 4, 5, 7)
# ----------------------------------------------------------------------------------------------
# ----------------------------------------------------------------------------------------------
# Masks (spec 6.2) and the subspace basis (spec 6.3)
# ----------------------------------------------------------------------------------------------
def keep_words(tensor: int, n: int, keep_seed: int) -> np.ndarray:
    """Word x_(e mod 4) of the keep stream for elements e = 0..n-1: counter (lo(e/4), hi(e/4), t, 1)."""
    b = np.arange((n + 3) // 4, dtype=U64)
    k0, k1 = seed_words(keep_seed)
    x0, x1, x2, x3 = philox4x32_10(b & U64(MASK32), b >> U64(32), np.full_like(b, tensor), np.ones_like(b), k0, k1)
    return np.stack([x0, x1, x2, x3], axis=1).reshape(-1)[:n]


def trained_elements(theta: np.ndarray, tensor: int, entry) -> np.ndarray:
    """Boolean array: which elements a TensorMask entry trains, decided on the weights before the update."""
    h = F32(entry["maxMagnitude"])
    f = F32(entry["keepFraction"])
    if h == F32(np.inf) and f == ONE:
        return np.ones(theta.shape, dtype=bool)  # a dense entry trains every element, NaN included
    with np.errstate(invalid="ignore"):
        out = np.abs(theta) <= h  # False for NaN
    if f != ONE:
        limit = math.floor(float(f) * 16777216.0)  # f * 2^24 is exact in binary64
        out &= (keep_words(tensor, theta.size, entry["keepSeed"]) >> U32(8)) < limit
    return out


def _seq_sum0(terms: np.ndarray, axis: int) -> np.ndarray:
    """0 + t_0 + t_1 + ... strictly left to right along axis, in binary64 (np.sum would sum pairwise).

    np.add.accumulate is sequential; it starts from t_0 instead of 0 + t_0, which differs only when the result is
    a zero (then the sign); the final + 0.0 gives the +0 that 0 + ... gives.
    """
    return np.add.accumulate(terms, axis=axis).take(-1, axis=axis) + 0.0


def _total_order_compare(a: float, b: float) -> int:
    """IEEE 754 totalOrder on binary64 as spec 6.3 step 5 uses it: -0 below +0, NaN above +inf."""
    if a < b:
        return -1
    if a > b:
        return 1
    ka = (1 << 64) if math.isnan(a) else struct.unpack("<q", struct.pack("<d", a))[0]
    kb = (1 << 64) if math.isnan(b) else struct.unpack("<q", struct.pack("<d", b))[0]
    return (ka > kb) - (ka < kb)


def subspace_basis(z_of, sizes, tensors, seeds, coefficients):
    """The directions E_0 .. E_(m-1) (float32 arrays over the group vector) of spec 6.3, steps 1-6."""
    tau = len(seeds)
    hist = None
    rows = []
    for s in range(tau):
        zs = z_of(seeds[s])
        zg = np.concatenate([zs[t] for t in tensors]).astype(F64)
        c = float(F32(coefficients[s]))
        hist = (np.zeros_like(zg) if hist is None else hist) - c * zg
        rows.append(hist)
    x = np.stack(rows)  # (tau, d)
    mean = _seq_sum0(x, axis=0) / tau
    x = x - mean
    k = np.zeros((tau, tau), dtype=F64)
    for a in range(tau):
        for b in range(a, tau):
            k[a, b] = k[b, a] = _seq_sum0(x[a] * x[b], axis=0)
    v = np.eye(tau, dtype=F64)
    _jacobi(k, v)
    lam = [float(k[j, j]) for j in range(tau)]
    order = sorted(range(tau), key=functools.cmp_to_key(
        lambda p, q: _total_order_compare(lam[q], lam[p]) or (p > q) - (p < q)))
    lmax = lam[order[0]]
    dirs = []
    for j in order:
        if not lam[j] > lmax * 1e-12:
            break
        acc = np.zeros(x.shape[1], dtype=F64)
        for s in range(tau):
            acc = acc + float(v[s, j]) * x[s]
        dirs.append((acc / math.sqrt(lam[j])).astype(F32))
    return dirs


def _jacobi(a: np.ndarray, v: np.ndarray):
    n = a.shape[0]
    for _ in range(60):
        off = 0.0
        diag = 0.0
        for p in range(n):
            diag += float(a[p, p]) * float(a[p, p])
            for q in range(p + 1, n):
                off += float(a[p, q]) * float(a[p, q])
        if not off > diag * 1e-30:
            return
        for p in range(n - 1):
            for q in range(p + 1, n):
                apq = float(a[p, q])
                if apq == 0:
                    continue
                theta = (float(a[q, q]) - float(a[p, p])) / (2 * apq)
                t = 1 / (abs(theta) + math.sqrt(theta * theta + 1))
                if theta < 0:
                    t = -t
                c = 1 / math.sqrt(t * t + 1)
                s = t * c
                cp, cq = a[:, p].copy(), a[:, q].copy()
                a[:, p] = c * cp - s * cq
                a[:, q] = s * cp + c * cq
                rp, rq = a[p, :].copy(), a[q, :].copy()
                a[p, :] = c * rp - s * rq
                a[q, :] = s * rp + c * rq
                vp, vq = v[:, p].copy(), v[:, q].copy()
                v[:, p] = c * vp - s * vq
                v[:, q] = s * vp + c * vq


# ----------------------------------------------------------------------------------------------
# Replica (spec sections 4, 5, 6.2-6.4, 7)
# ----------------------------------------------------------------------------------------------
def _ascending(xs) -> bool:
    return all(b > a for a, b in zip(xs, xs[1:]))


class Replica:
    def __init__(self, snap: Snapshot):
        self.snap = snap
        self.model_id = snap.metadata.get("seedflow.model-id")
        step = snap.metadata.get("seedflow.step", "0")
        if not re.fullmatch(r"\d+", step):
            raise SnapshotIntegrityError(f"bad seedflow.step {step!r}")
        self.version = int(step)
        self.weights = [t.copy() for t in snap.tensors]
        self.ranks = [len(s) for s in snap.shapes]
        self.zgen = ZGenerator([t.size for t in self.weights])
        self._basis_key = None
        self._basis = None
        self.bases = {}  # frozen bases read so far (spec 2.1): base id -> (names, shapes)

    def validate(self, rec):
        fv = rec["formatVersion"]
        if fv not in (1, 2, 3):
            raise UnsupportedFormatVersionError(f"record formatVersion {fv}")
        mask, sub, head = rec.get("mask"), rec.get("subspace"), rec.get("headDelta")
        want = 3 if head is not None else 2 if (mask is not None or sub is not None) else 1
        if fv != want:
            raise InvalidUpdateRecordError(f"step {rec['step']}: formatVersion {fv} but its sections need {want}")
        if self.model_id is not None and rec["modelId"] != self.model_id:
            raise InvalidUpdateRecordError(f"modelId {rec['modelId']!r} != {self.model_id!r}")
        for rng in rec["lineage"]:  # offsets are never negative (spec 4)
            if not 0 <= rng["fromOffset"] <= rng["untilOffset"]:
                raise InvalidUpdateRecordError(
                    f"step {rec['step']}: lineage range [{rng['fromOffset']}, {rng['untilOffset']}) of "
                    f"{rng['source']!r} partition {rng['partition']}: need 0 <= fromOffset <= untilOffset")
        d = rec.get("decayFactor", ONE)  # reader-schema default 1.0 if the writer had no such field
        if not (np.isfinite(d) and F32(0) < d <= F32(1)):
            raise InvalidUpdateRecordError(f"decayFactor {d} out of (0, 1]")
        for p in rec["perturbations"]:
            if not np.isfinite(p["coefficient"]):
                raise InvalidUpdateRecordError(f"non-finite coefficient at step {rec['step']}")
        if rec["status"] == "SKIPPED_NON_FINITE" and (rec["perturbations"] or head is not None):
            raise InvalidUpdateRecordError("SKIPPED_NON_FINITE record carries terms or a head delta")
        if rec["status"] not in ("APPLIED", "SKIPPED_NON_FINITE"):
            raise InvalidUpdateRecordError(f"unknown status {rec['status']}")
        n = len(self.weights)
        if mask is not None:
            ts = [m["tensor"] for m in mask["tensors"]]
            if not ts or not _ascending(ts) or ts[0] < 0 or ts[-1] >= n:
                raise InvalidUpdateRecordError(f"mask tensors {ts}: need >= 1, strictly ascending, in [0, {n})")
            for m in mask["tensors"]:
                if not F32(m["maxMagnitude"]) >= 0 or not F32(0) < F32(m["keepFraction"]) <= ONE:
                    raise InvalidUpdateRecordError(f"mask entry {m} out of range")
        if sub is not None:
            ts, tau = sub["tensors"], len(sub["windowSeeds"])
            if not ts or not _ascending(ts) or ts[0] < 0 or ts[-1] >= n:
                raise InvalidUpdateRecordError(f"subspace tensors {ts}: need >= 1, strictly ascending, in [0, {n})")
            if tau < 2 or len(sub["windowCoefficients"]) != tau or len(sub["removed"]) >= tau:
                raise InvalidUpdateRecordError("subspace window: tau >= 2 seeds, as many coefficients, < tau removed")
            if not all(np.isfinite(b) for b in sub["removed"]):
                raise InvalidUpdateRecordError("non-finite removed coefficient")
            if len(rec["perturbations"]) > 1:
                raise InvalidUpdateRecordError("a subspace correction allows at most one perturbation term")
        if head is not None:
            ts = [e["tensor"] for e in head["tensors"]]
            if not ts or not _ascending(ts) or ts[0] < 0 or ts[-1] >= n:
                raise InvalidUpdateRecordError(f"head delta tensors {ts}: need >= 1, strictly ascending, in [0, {n})")
            for e in head["tensors"]:
                if len(e["values"]) != 4 * self.weights[e["tensor"]].size:
                    raise InvalidUpdateRecordError(
                        f"head delta of tensor {e['tensor']}: {len(e['values'])} bytes, "
                        f"need 4 x {self.weights[e['tensor']].size}")
                if not np.isfinite(np.frombuffer(e["values"], dtype="<f4")).all():
                    raise InvalidUpdateRecordError(f"head delta of tensor {e['tensor']}: non-finite value")

    def check_rollback(self, rb):
        """The checks of a rollback that need no snapshot (spec 11: check 1 of 5, model; the range of toVersion)."""
        if self.model_id is not None and rb["modelId"] != self.model_id:
            raise InvalidUpdateRecordError(f"rollback of model {rb['modelId']!r}, not {self.model_id!r}")
        if not 0 <= rb["toVersion"] <= rb["step"] - 2:
            raise InvalidUpdateRecordError(f"rollback of step {rb['step']} to version {rb['toVersion']}: need "
                                           f"0 <= toVersion <= step - 2 = {rb['step'] - 2}")

    def apply_rollback(self, rb, snapshot_path: str):
        """Spec 11: check model and order (5), the range of toVersion, then the snapshot the rollback names (read per
        2 with snapshotSha256 as its id, its model spec per 1, its frozen base per 2.1; model id, step, tensor names and shapes, weights
        digest); the weights become the snapshot's and the version the rollback's step. Any refusal changes
        nothing."""
        step = rb["step"]
        if self.model_id is not None and rb["modelId"] != self.model_id:  # check 1
            raise InvalidUpdateRecordError(f"rollback of model {rb['modelId']!r}, not {self.model_id!r}")
        if step > self.version + 1:  # check 2
            raise UpdateLogGapError(f"missing steps {self.version + 1}..{step - 1}")
        if step <= self.version:
            raise UpdateOrderError(f"rollback step {step} at or below version {self.version}")
        self.check_rollback(rb)  # toVersion in 0 .. step - 2 (spec 11 does not place it among 5's checks)
        snap = read_snapshot(snapshot_path, rb["snapshotSha256"])  # SHA-256 = snapshotSha256, and 2's checks
        check_model_spec(snap)
        check_frozen_base(snap, snapshot_path, loaded=self.bases)  # 2.1: a base already read is not read again
        why = []
        if snap.metadata.get("seedflow.model-id") != rb["modelId"]:
            why.append(f"seedflow.model-id {snap.metadata.get('seedflow.model-id')!r}")
        if snap.metadata.get("seedflow.step") is None or \
                not re.fullmatch(r"[0-9]+", snap.metadata["seedflow.step"]) or \
                int(snap.metadata["seedflow.step"]) != step:
            why.append(f"seedflow.step {snap.metadata.get('seedflow.step')!r}")
        if snap.names != self.snap.names or snap.shapes != self.snap.shapes:
            why.append(f"tensors {list(zip(snap.names, snap.shapes))}")
        elif weights_digest(snap.tensors) != rb["weightsSha256"].lower():
            why.append(f"weights digest {weights_digest(snap.tensors)}")
        elif snap.metadata.get("seedflow.frozen-base") != self.snap.metadata.get("seedflow.frozen-base"):  # check 7
            why.append(f"frozen base {snap.metadata.get('seedflow.frozen-base')} (the replica's: "
                       f"{self.snap.metadata.get('seedflow.frozen-base')})")
        if why:
            raise SnapshotIntegrityError(f"rollback of step {step}: its snapshot {snap.snapshot_id} has "
                                         + ", ".join(why) + f"; the rollback names model {rb['modelId']!r}, step "
                                         f"{step}, weights {rb['weightsSha256']}, and tensors "
                                         f"{list(zip(self.snap.names, self.snap.shapes))}")
        self.weights = [t.copy() for t in snap.tensors]
        self.version = step

    def _removed_directions(self, sub):
        key = (tuple(sub["tensors"]), tuple(sub["windowSeeds"]),
               tuple(int(F32(c).view(U32)) for c in sub["windowCoefficients"]))
        if key != self._basis_key:
            self._basis = subspace_basis(self.zgen.z, self.zgen.sizes, sub["tensors"], sub["windowSeeds"],
                                         sub["windowCoefficients"])
            self._basis_key = key
        m, r = len(self._basis), len(sub["removed"])
        if r > m:
            raise InvalidUpdateRecordError(f"{r} removed directions but the window's basis has only {m}")
        return [(F32(b), self._basis[m - r + j]) for j, b in enumerate(sub["removed"])]

    def apply(self, rec):
        self.validate(rec)
        step = rec["step"]
        if step > self.version + 1:
            raise UpdateLogGapError(f"missing steps {self.version + 1}..{step - 1}")
        if step <= self.version:
            raise UpdateOrderError(f"record step {step} at or below version {self.version}")
        if rec["status"] == "SKIPPED_NON_FINITE":
            self.version = step
            return
        mask, sub, head = rec.get("mask"), rec.get("subspace"), rec.get("headDelta")
        correction, offsets = [], {}
        if sub is not None:
            correction = self._removed_directions(sub)  # may refuse: before any weight changes
            off = 0
            for t in sub["tensors"]:
                offsets[t] = off
                off += self.weights[t].size
        entries = {m["tensor"]: m for m in mask["tensors"]} if mask is not None else None
        d = F32(rec.get("decayFactor", ONE))
        terms = [(p["seed"], F32(p["coefficient"])) for p in rec["perturbations"]]
        zs = [self.zgen.z(seed) for seed, _ in terms]
        new = []
        for t, old in enumerate(self.weights):
            if entries is not None and t not in entries:
                new.append(old)  # frozen
                continue
            keep = None if entries is None else trained_elements(old, t, entries[t])
            theta = old
            if d != ONE and self.ranks[t] >= 2:
                theta = _chk(theta * d)
            for (seed, c), z in zip(terms, zs):
                theta = fma32(-c, z[t], theta)
            if t in offsets:
                o = offsets[t]
                for b, e in correction:
                    theta = fma32(b, e[o:o + old.size], theta)
            new.append(_chk(theta if keep is None else np.where(keep, theta, old)))
        if head is not None:
            for e in head["tensors"]:
                t = e["tensor"]
                delta = np.frombuffer(e["values"], dtype="<f4").astype(F32)
                new[t] = _chk(new[t] + delta)
        self.weights = new
        self.version = step


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--snapshot", required=True)
    ap.add_argument("--log", help="update-log file (Avro object container of ModelUpdate or CompactModelUpdate)")
    ap.add_argument("--expect-weights-sha256")
    ap.add_argument("--snapshot-id", help="announced snapshot id (default: taken from the file name)")
    ap.add_argument("--base", metavar="FILE", help="the frozen base (spec 2.1) the snapshot names in "
                    "seedflow.frozen-base (default: <base id>.safetensors in the snapshot's folder); checked, "
                    "not applied to (records cover the snapshot's own tensors only)")
    ap.add_argument("--verify-key", metavar="PEM",
                    help="Ed25519 public key (PEM PUBLIC KEY): apply only what a seal verifies (spec 10)")
    ap.add_argument("--seal", metavar="HEX", help="with --verify-key: the Avro binary body of one LogSeal, hex")
    ap.add_argument("--chain-head", metavar="HEX", help="with --verify-key: the snapshot's announced chain link "
                    "(default: root(modelId, the snapshot's step, the snapshot's id))")
    ap.add_argument("--rollback", metavar="HEX", help="the Avro binary body of one ModelRollback, hex: the log entry "
                    "after the last record of --log (spec 11)")
    ap.add_argument("--rollback-snapshot", metavar="PATH", help="with --rollback: the snapshot it names, a file or a "
                    "folder holding <snapshotSha256>.safetensors (default: its snapshotUri, if a file: URI)")
    args = ap.parse_args(argv)
    if args.verify_key is None and (args.seal is not None or args.chain_head is not None):
        ap.error("--seal and --chain-head need --verify-key")
    if args.verify_key is not None and args.seal is None:
        ap.error("--verify-key needs --seal")
    if args.log is None and args.rollback is None:
        ap.error("give --log, --rollback or both")
    if args.rollback_snapshot is not None and args.rollback is None:
        ap.error("--rollback-snapshot needs --rollback")
    t0 = time.perf_counter()
    try:
        snap = read_snapshot(args.snapshot, args.snapshot_id)
        rep = Replica(snap)  # checks seedflow.step (spec 2, 8) before the model spec (spec 1)
        check_model_spec(snap)
        if check_frozen_base(snap, args.snapshot, args.base, rep.bases) is None and args.base is not None:
            print("note: --base ignored, the snapshot names no frozen base", file=sys.stderr)
        records = []
        if args.log is not None:
            schema, records = read_avro_container(args.log)
            kind = schema_full_name(schema.root)
            if kind == COMPACT_RECORD:
                log = CompactLog()
                records = [log.resolve(rec) for rec in records]
            elif kind != FULL_RECORD:
                raise UnsupportedFormatVersionError(
                    f"update log {args.log}: records of Avro schema {kind!r}, neither {FULL_RECORD} (format versions "
                    f"1 to 3) nor {COMPACT_RECORD} (format version 4)")
        if args.rollback is not None:
            try:
                body = bytes.fromhex(args.rollback)
            except ValueError as ex:
                raise InvalidUpdateRecordError(f"--rollback is not hex: {ex}")
            records.append(decode_rollback(body))

        def check_base(rec):
            if rec["baseSnapshotId"] != snap.snapshot_id:
                raise InvalidUpdateRecordError(
                    f"record step {rec['step']} names base snapshot {rec['baseSnapshotId']}, not {snap.snapshot_id}")

        def check_entry(entry):  # the checks of 5 that need no weights, as each entry is read
            if is_rollback(entry):
                rep.check_rollback(entry)
            else:
                check_base(entry)
                rep.validate(entry)

        if args.verify_key is not None:
            with open(args.verify_key) as fh:
                key = read_public_key_pem(fh.read())
            try:
                seal = decode_seal(bytes.fromhex(args.seal))
                start = None if args.chain_head is None else bytes.fromhex(args.chain_head)
            except ValueError as ex:
                raise LogVerificationError(f"--seal/--chain-head is not hex: {ex}")
            model_id = rep.model_id if rep.model_id is not None else seal["modelId"]
            if start is None:
                start = chain_root(model_id, rep.version, snap.snapshot_id)
            if len(start) != 32:
                raise LogVerificationError(f"--chain-head of {len(start)} bytes, need 32")
            held = verified_prefix(records, model_id, rep.version, start, seal, key, check=check_entry)
            print(f"seal of step {seal['step']} verified: applying {len(held)} of {len(records)} log entries",
                  file=sys.stderr)
            records = held
        for rec in records:
            if is_rollback(rec):
                rep.apply_rollback(rec, rollback_snapshot_path(rec, args.rollback_snapshot))
                print(f"rollback of step {rec['step']} to version {rec['toVersion']} applied", file=sys.stderr)
            else:
                check_base(rec)
                rep.apply(rec)
    except ReplicaError as ex:
        print(f"refused: {type(ex).__name__}: {ex}", file=sys.stderr)
        return 2
    digest = weights_digest(rep.weights)
    elapsed = time.perf_counter() - t0
    print(f"weights-sha256={digest}")
    print(f"records={len(records)} version={rep.version} elapsed={elapsed:.2f}s", file=sys.stderr)
    if args.expect_weights_sha256 and digest != args.expect_weights_sha256.strip().lower():
        print(f"MISMATCH: expected {args.expect_weights_sha256.strip().lower()}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
