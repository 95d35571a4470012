"""Shared plumbing of the raster ops: nvdiffrast-style context objects, the optional leading
``glctx`` argument, backend choice, and handing arrays to the native module.

Every op accepts numpy arrays or torch tensors (CPU, or CUDA with the CUDA module) and
returns results in the caller's library. There is no autograd: torch outputs are plain
tensors (the ops are forward-only for now).
"""
from __future__ import annotations

import sys
from typing import Any

import numpy as np

from handraster import _native

BACKENDS = ("native", "nvdiffrast")


class RasterizeContext:
    """Stand-in for nvdiffrast's ``RasterizeGLContext`` / ``RasterizeCudaContext``.

    The native rasterizer keeps no state, so the context only records which backend the ops
    called with it should use: ``"native"`` (handraster's CPU/CUDA kernels, the default) or
    ``"nvdiffrast"`` (forward to nvdiffrast.torch; CUDA tensors only).
    """

    def __init__(self, device: Any = None, output_db: bool = True, backend: str = "native", **_: Any):
        if backend not in BACKENDS:
            raise ValueError(f"handraster.raster: backend must be one of {BACKENDS}, got {backend!r}")
        self.device = device
        self.output_db = output_db
        self.backend = backend

    def __repr__(self) -> str:
        return f"RasterizeContext(backend={self.backend!r})"


# nvdiffrast spellings, so `dr.RasterizeCudaContext()` runs unchanged.
RasterizeCPUContext = RasterizeContext
RasterizeCudaContext = RasterizeContext
RasterizeGLContext = RasterizeContext


def is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) or _native.lib_of(x) in ("torch", "cupy")


def is_nvdiffrast_context(x: Any) -> bool:
    return type(x).__module__.startswith("nvdiffrast")


def split_context(args: tuple, kwargs: dict) -> tuple[Any, tuple]:
    """(glctx, remaining args): a leading positional that is not an array is the context."""
    if "glctx" in kwargs:
        return kwargs.pop("glctx"), args
    if args and (args[0] is None or isinstance(args[0], RasterizeContext)
                 or is_nvdiffrast_context(args[0]) or not is_array(args[0])):
        return args[0], args[1:]
    return None, args


def pick_backend(op: str, backend: str | None, glctx: Any, *arrays: Any) -> str:
    """'native' or 'nvdiffrast' from the explicit argument, else the context."""
    if backend is None:
        if isinstance(glctx, RasterizeContext):
            backend = glctx.backend
        elif glctx is not None and is_nvdiffrast_context(glctx):
            backend = "nvdiffrast"
        else:
            backend = "native"
    if backend not in BACKENDS:
        raise ValueError(f"handraster.{op}: backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "nvdiffrast":
        from handraster.raster import _nvdiffrast
        _nvdiffrast.require(op, *arrays)
    return backend


def contiguous(x: Any) -> Any:
    """C-contiguous version of an input (dtype untouched: a wrong dtype stays an error)."""
    if x is None:
        return None
    lib = _native.lib_of(x)
    if lib == "torch":
        return x.detach().contiguous()
    if lib == "cupy":
        import cupy
        return cupy.ascontiguousarray(x)
    return np.ascontiguousarray(x)


def check_cpu_flag(op: str, bad: Any, what: str) -> None:
    """Raise if a kernel raised its bad-input flag (CPU arrays only: on CUDA reading it back
    would synchronise; the kernels write NaN there instead)."""
    if _native.device_of(bad) == "cpu" and int(np.asarray(_native.for_native(bad))[0]):
        raise ValueError(f"handraster.{op}: {what}")


# --- output recycling --------------------------------------------------------------------
# A fresh multi-megabyte output costs the kernel a page fault and a zero fill per page, which
# for a 64 x 256 x 256 batch is as much time as rasterizing it. CPU outputs therefore come
# from a small pool: a buffer is handed out again only when nothing else references it (the
# caller dropped the previous result and every view of it), so results are never shared.
_POOL: dict = {}
_POOL_KEYS = 8           # distinct (shape, dtype) kinds kept
_POOL_PER_KEY = 2        # buffers per kind (double buffering: old result alive during a call)
_POOL_MAX_BYTES = 1 << 28


def pooled_empty(shape, like: Any, dtype=np.float32) -> Any:
    """Uninitialised output like _native.empty, recycled for numpy / torch CPU callers."""
    shape = tuple(int(s) for s in shape)
    lib = _native.lib_of(like)
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if _native.device_of(like) != "cpu" or lib == "cupy" or nbytes < (1 << 20) or nbytes > _POOL_MAX_BYTES:
        return _native.empty(shape, like, dtype)
    key = (shape, np.dtype(dtype).str)
    bufs = _POOL.pop(key, [])
    _POOL[key] = bufs  # most recently used last
    arr = None
    for b in bufs:
        if sys.getrefcount(b) <= 3:  # the list, the loop variable, getrefcount's argument
            arr = b
            break
    if arr is None:
        arr = np.empty(shape, dtype)
        if len(bufs) < _POOL_PER_KEY:
            bufs.append(arr)
    while len(_POOL) > _POOL_KEYS:
        _POOL.pop(next(iter(_POOL)))
    if lib == "torch":
        import torch
        return torch.from_numpy(arr)
    return arr
