"""glibc allocator settings for rendering processes (Renderer calls tune_malloc once).

A render batch allocates and frees tens of MB of arrays (images, depth, per-vertex buffers,
label temporaries). With glibc's defaults every free of a block above the dynamic mmap
threshold, or at the top of the heap beyond the trim threshold, hands the pages back to the
kernel, and the next batch faults them in again, zero-filled (often as 2 MB transparent huge
pages): ~14 page faults and ~0.3-0.45 ms of kernel time per 256x256 sample, about a fifth of
the whole render. Fixing the mmap threshold at 32 MiB (glibc's maximum; larger blocks are still
mapped and unmapped) and raising the trim threshold to 1 GiB keeps the freed memory for reuse:
2.6 faults per sample, peak RSS unchanged (the heap only stops shrinking between batches).

Process-wide, so opt-out: HANDRASTER_MALLOC_TUNING=0. No effect (and no error) where the C
library is not glibc.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 1 << 30
_done = False


def tune_malloc() -> bool:
    """Apply the settings above once per process; True when glibc accepted them."""
    global _done
    if _done or os.environ.get("HANDRASTER_MALLOC_TUNING", "1") == "0":
        return False
    _done = True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
