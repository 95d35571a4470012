"""RowDraws: one counter-based random stream per batch row, drawn for the whole batch at once.

The scene samplers are vectorised over a batch, yet sample i must stay a pure function of
(config, seed, i) (DESIGN.md "Determinism"). RowDraws gives row r its own stream: slot s of
row r is word s % 4 of the Philox4x32-10 block (key = seed; counter = (id_lo, id_hi, s // 4,
stream)) - the project's counter-based generator (csrc/common/rng.h, its numpy twin
handraster/_reference/rng.py). Draw calls hand out slots in call order, the same for every
row, so a row's values depend only on (seed, its id, its stream) and on the code path, which
depends only on the config - never on the other rows of the batch.

The methods mirror numpy's Generator (random, uniform, normal, integers, choice) with the
batch as the first axis of `size`, so a sampler written for "n rows" takes either a RowDraws
of n rows or a plain Generator (tests: many draws from one stream). Every row draws every value
a code path may need (e.g. all five lights, the object's parameters even without an object):
skipping draws per row would make the slot layout depend on the data.

uniform u = (w + 0.5) / 2^32 in (0, 1) from one 32-bit word; normals by Box-Muller on pairs.
"""
from __future__ import annotations

import math

import numpy as np

from handraster._reference.rng import philox4x32_10

SCENE_STREAM = 0x53434E45  # "SCNE": scene-level draws (hand, pose, skin, forearm, object)
VIEW_STREAM = 0x56570000   # "VW" + view number: view-level draws (camera, lights, background)
_CHUNK = 64                # default slots generated per refill


class RowDraws:
    """Independent streams for rows with ids int [n] (scene numbers) and stream words
    (int or int [n]). See the module docstring; float64 results of shape `size`. chunk: slots
    generated per refill (about what the caller draws: one Philox call instead of several);
    it changes no value."""

    def __init__(self, seed: int, ids, stream, chunk: int = _CHUNK):
        ids = np.asarray(ids, np.int64).reshape(-1)
        self.n = len(ids)
        self._seed = int(seed)
        self._lo = (ids & 0xFFFFFFFF)[:, None]
        self._hi = (ids >> 32)[:, None]
        self._stream = np.broadcast_to(np.asarray(stream, np.int64), (self.n,))[:, None]
        self._buf = np.empty((self.n, 0))
        self._used = 0   # slots of _buf already handed out
        self._block = 0  # next Philox block to generate
        self._chunk = int(chunk)

    def _uniforms(self, k: int) -> np.ndarray:
        """The next k slots of every row: float64 [n, k] in (0, 1)."""
        while self._buf.shape[1] - self._used < k:
            nb = max(self._chunk, k) // 4 + 1
            blocks = np.arange(self._block, self._block + nb, dtype=np.int64)[None, :]
            w = philox4x32_10(self._seed, self._lo, self._hi, blocks, self._stream)
            u = (np.stack(w, -1).reshape(self.n, 4 * nb) + 0.5) * (1.0 / 4294967296.0)
            self._buf = np.concatenate([self._buf[:, self._used:], u], 1)
            self._used = 0
            self._block += nb
        out = self._buf[:, self._used:self._used + k]
        self._used += k
        return out

    def _shape(self, size) -> tuple:
        if size is None:
            return (self.n,)
        size = (int(size),) if np.isscalar(size) else tuple(int(s) for s in size)
        if size[0] != self.n:
            raise ValueError(f"RowDraws: size {size} must start with the row count {self.n}")
        return size

    def random(self, size=None) -> np.ndarray:
        shape = self._shape(size)
        return self._uniforms(math.prod(shape[1:])).reshape(shape)

    def uniform(self, low=0.0, high=1.0, size=None) -> np.ndarray:
        u = self.random(size)
        return low + u * (np.asarray(high) - low)

    def normal(self, loc=0.0, scale=1.0, size=None) -> np.ndarray:
        shape = self._shape(size)
        k = math.prod(shape[1:])
        u = self._uniforms(2 * ((k + 1) // 2)).reshape(self.n, -1, 2)
        r = np.sqrt(-2.0 * np.log(u[..., 0]))
        th = 2.0 * np.pi * u[..., 1]
        z = np.stack([r * np.cos(th), r * np.sin(th)], -1).reshape(self.n, -1)[:, :k]
        return loc + scale * z.reshape(shape)

    def integers(self, low, high=None, size=None) -> np.ndarray:
        """Uniform integers in [low, high) (or [0, low)); low/high may be arrays of rows."""
        if high is None:
            low, high = 0, low
        u = self.random(size)
        return (np.asarray(low) + np.floor(u * (np.asarray(high) - low))).astype(np.int64)

    def choice(self, a: int, size=None, p=None) -> np.ndarray:
        """Indices in [0, a) with probabilities p (uniform without)."""
        if p is None:
            return self.integers(a, size=size)
        cdf = np.cumsum(np.asarray(p, np.float64))
        return np.minimum(np.searchsorted(cdf / cdf[-1], self.random(size), side="right"), a - 1)


def gamma15(rng, size) -> np.ndarray:
    """Gamma(shape 1.5, scale 1) without rejection: Exp(1) + Z^2 / 2 (= Gamma(1) + Gamma(0.5))."""
    return -np.log(rng.random(size)) + 0.5 * rng.normal(size=size) ** 2
