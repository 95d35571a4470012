"""Recycled float32 output buffers for the fused PASTA path (spectral.py).

Why: a 64 x 3 x 256 x 256 float32 result is 50 MB, above glibc's largest mmap threshold
(32 MiB), so every ``np.empty`` maps fresh pages and every free unmaps them: the kernel then
zero-fills 50 MB per call (clear_page, ~13% of the call's CPU time measured with perf) only for
the fused kernel to overwrite every byte. Here the memory of a dead result is kept and handed to
the next call of the same size instead.

How: each result array views a pooled raw buffer through a small owner object (numpy keeps the
object that provided ``__array_interface__`` as the array's base). When the result and all its
views (torch.from_numpy included) are gone, the owner's ``__del__`` puts the buffer back. So a
result never aliases a live array: the caller always gets fresh, fully written memory. At most
``KEEP_PER_SIZE`` buffers per byte size and ``KEEP_BYTES`` in all are kept (two per size covers
the usual loop, where the previous batch is still referenced while the next one is made);
buffers below ``MIN_BYTES`` come from malloc's heap anyway. HANDRASTER_RECYCLE_OUTPUTS=0 turns
this off (plain ``np.empty``).
"""
from __future__ import annotations

import os

import numpy as np

MIN_BYTES = 4 << 20
KEEP_PER_SIZE = 2
KEEP_BYTES = 512 << 20
_pool: dict[int, list[np.ndarray]] = {}  # nbytes -> idle 64-byte aligned uint8 buffers


def _give_back(raw: np.ndarray) -> None:
    """Keep a dead result's buffer for reuse, within the limits above."""
    kept = _pool.setdefault(raw.nbytes, [])
    if len(kept) < KEEP_PER_SIZE and sum(n * len(b) for n, b in _pool.items()) + raw.nbytes <= KEEP_BYTES:
        kept.append(raw)  # list.append / pop are atomic under the GIL: no lock needed


class _Owner:
    """Base object of one result array: exposes the raw buffer as float32 ``shape`` and
    returns it to the pool when the last array using it is collected."""

    __slots__ = ("_raw", "_iface")

    def __init__(self, raw: np.ndarray, shape: tuple[int, ...]):
        self._raw = raw
        self._iface = {"data": (raw.ctypes.data, False), "shape": shape, "typestr": "<f4",
                       "version": 3}

    @property
    def __array_interface__(self) -> dict:
        return self._iface

    def __del__(self) -> None:
        try:
            _give_back(self._raw)
        except Exception:  # pragma: no cover - interpreter shutdown: just let it be freed
            pass


def empty_f32(shape: tuple[int, ...]) -> np.ndarray:
    """An uninitialised, writable, C-contiguous float32 array of ``shape`` whose memory may be
    that of a dead earlier result (never of a live array). The caller must write every element."""
    shape = tuple(int(s) for s in shape)
    nbytes = 4 * int(np.prod(shape, dtype=np.int64))
    if nbytes < MIN_BYTES or os.environ.get("HANDRASTER_RECYCLE_OUTPUTS", "1") == "0":
        return np.empty(shape, np.float32)
    kept = _pool.get(nbytes)
    try:
        raw = kept.pop() if kept else None
    except IndexError:  # another thread took the last one
        raw = None
    if raw is None:  # numpy's allocator (huge-page advised), 64-byte aligned here: malloc gives
        big = np.empty(nbytes + 64, np.uint8)  # 16, and the native writer streams whole lines
        off = -big.ctypes.data % 64
        raw = big[off:off + nbytes]
    out = np.asarray(_Owner(raw, shape))
    assert out.flags.writeable and out.flags.c_contiguous
    return out


def pooled_bytes() -> int:
    """Bytes held by idle buffers (for tests and diagnostics)."""
    return sum(n * len(b) for n, b in _pool.items())
