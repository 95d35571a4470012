"""Numpy twin of csrc/common/rng.h (Philox4x32-10) and csrc/kernels/philox.h (normal4).

Vectorised uint64 arithmetic: every function takes broadcastable integer arrays of counter
words and returns arrays of the same shape. The Philox words match the native generator bit for
bit; the uniforms too (float32 arithmetic on exact integers); the normals agree to float32
rounding of log/sqrt/cos/sin (numpy's and the C library's may differ in the last ulp).
"""
from __future__ import annotations

import numpy as np

_MASK = np.uint64(0xFFFFFFFF)
_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = 0x9E3779B9, 0xBB67AE85


def philox4x32_10(seed: int, c0, c1, c2, c3) -> tuple[np.ndarray, ...]:
    """Philox4x32-10 with key (seed_lo, seed_hi) on counters (c0, c1, c2, c3): four uint32 arrays."""
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    k0, k1 = seed & 0xFFFFFFFF, seed >> 32
    c = np.broadcast_arrays(*(np.asarray(w, dtype=np.int64) for w in (c0, c1, c2, c3)))
    c0, c1, c2, c3 = (w.astype(np.uint64) & _MASK for w in c)
    for _ in range(10):
        p0 = _M0 * c0  # products of two 32-bit values fit in uint64
        p1 = _M1 * c2
        hi0, lo0 = p0 >> np.uint64(32), p0 & _MASK
        hi1, lo1 = p1 >> np.uint64(32), p1 & _MASK
        c0, c1, c2, c3 = hi1 ^ c1 ^ np.uint64(k0), lo1, hi0 ^ c3 ^ np.uint64(k1), lo0
        k0 = (k0 + _W0) & 0xFFFFFFFF
        k1 = (k1 + _W1) & 0xFFFFFFFF
    return tuple(w.astype(np.uint32) for w in (c0, c1, c2, c3))


def u32_to_uniform(u) -> np.ndarray:
    """(u >> 8) * 2^-24 + 2^-25 in float32: in (0, 1), never 0 or 1."""
    u = np.asarray(u, dtype=np.uint32)
    return ((u >> np.uint32(8)).astype(np.float32) * np.float32(1.0 / 16777216.0)
            + np.float32(1.0 / 33554432.0))


def normal2(w0, w1) -> tuple[np.ndarray, np.ndarray]:
    """Box-Muller on two words, as rng.h's normal2: sqrt(-2 ln u0) * (cos, sin)(2 pi u1)."""
    u1, u2 = u32_to_uniform(w0), u32_to_uniform(w1)
    rad = np.sqrt(np.float32(-2.0) * np.log(u1))
    th = np.float32(6.283185307179586) * u2
    return rad * np.cos(th), rad * np.sin(th)


def normal4(seed: int, c0, c1, c2, c3) -> np.ndarray:
    """philox.h's normal4: four N(0, 1) float32 per block, stacked on a new last axis."""
    r = philox4x32_10(seed, c0, c1, c2, c3)
    n0, n1 = normal2(r[0], r[1])
    n2, n3 = normal2(r[2], r[3])
    return np.stack([n0, n1, n2, n3], axis=-1)
