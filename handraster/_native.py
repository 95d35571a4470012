"""Bridge between Python arrays and the native modules.

handraster._C (CPU, always built) reads numpy arrays through the buffer protocol;
handraster._C_cuda (built when nvcc was found) reads anything with
``__cuda_array_interface__`` (torch CUDA tensors, cupy). This module picks the module by the
arrays' device, turns torch CPU tensors into zero-copy numpy views, allocates outputs in the
caller's library and device, and finds the caller's CUDA stream. Results go back in the
caller's library: numpy in -> numpy out, torch in -> torch out, cupy in -> cupy out.

torch and cupy are never imported here unless the caller passed one of their arrays.
"""
from __future__ import annotations

import importlib
from typing import Any, Sequence

import numpy as np

_modules: dict[str, Any] = {}


class NativeUnavailableError(RuntimeError):
    """The native module for the requested device is missing or cannot run."""


def native(device: str = "cpu"):
    """The native module for ``device`` ("cpu" or "cuda"), imported once."""
    key = "cuda" if device.startswith("cuda") else "cpu"
    mod = _modules.get(key)
    if mod is not None:
        return mod
    name = "handraster._C_cuda" if key == "cuda" else "handraster._C"
    try:
        mod = importlib.import_module(name)
    except ImportError as e:  # pragma: no cover - depends on the build
        hint = ("handraster was built without CUDA (nvcc not found at build time); rebuild "
                "with HANDRASTER_CUDA=ON" if key == "cuda" else
                "the package's native build is missing; reinstall handraster")
        raise NativeUnavailableError(f"cannot import {name}: {e}. {hint}") from e
    if key == "cuda" and mod.device_count() == 0:
        raise NativeUnavailableError("handraster._C_cuda imported but no CUDA device is visible")
    _modules[key] = mod
    return mod


def lib_of(x: Any) -> str:
    """'numpy', 'torch' or 'cupy' for an array; 'numpy' for anything array-like."""
    mod = type(x).__module__
    if mod.startswith("torch"):
        return "torch"
    if mod.startswith("cupy"):
        return "cupy"
    return "numpy"


def device_of(x: Any) -> str:
    """'cpu' or 'cuda' (the CUDA device is the array's own; kernels launch on it)."""
    lib = lib_of(x)
    if lib == "torch":
        return "cuda" if x.is_cuda else "cpu"
    if lib == "cupy":
        return "cuda"
    return "cpu"


def is_torch(x: Any) -> bool:
    return lib_of(x) == "torch"


def for_native(x: Any) -> Any:
    """The object to hand to the native module: numpy arrays as they are, torch CPU tensors as
    zero-copy numpy views, CUDA arrays as they are (detached from autograd)."""
    if x is None:
        return None
    lib = lib_of(x)
    if lib == "torch":
        x = x.detach()
        return x if x.is_cuda else x.numpy()
    return x


def asarray(x: Any, like: Any, dtype=np.float32) -> Any:
    """``x`` as a C-contiguous array of ``dtype`` in ``like``'s library and device."""
    lib = lib_of(like)
    if lib == "torch":
        import torch
        tdt = {np.float32: torch.float32, np.int32: torch.int32, np.uint8: torch.uint8,
               np.int64: torch.int64}[np.dtype(dtype).type]
        if not torch.is_tensor(x):
            x = torch.as_tensor(np.asarray(x), device=like.device)
        return x.to(device=like.device, dtype=tdt).contiguous()
    if lib == "cupy":
        import cupy
        return cupy.ascontiguousarray(cupy.asarray(x, dtype=dtype))
    if lib_of(x) == "torch":
        x = x.detach().cpu().numpy()
    return np.ascontiguousarray(x, dtype=dtype)


def empty(shape: Sequence[int], like: Any, dtype=np.float32) -> Any:
    """Uninitialised output in ``like``'s library and device."""
    lib = lib_of(like)
    if lib == "torch":
        import torch
        tdt = {np.float32: torch.float32, np.int32: torch.int32, np.uint8: torch.uint8,
               np.int64: torch.int64}[np.dtype(dtype).type]
        return torch.empty(tuple(shape), dtype=tdt, device=like.device)
    if lib == "cupy":
        import cupy
        return cupy.empty(tuple(shape), dtype=dtype)
    return np.empty(tuple(shape), dtype=dtype)


def zeros(shape: Sequence[int], like: Any, dtype=np.float32) -> Any:
    out = empty(shape, like, dtype)
    out[...] = 0
    return out


def stream_of(x: Any) -> int:
    """The caller's current CUDA stream handle for ``x`` (0 for CPU arrays)."""
    lib = lib_of(x)
    if lib == "torch" and x.is_cuda:
        import torch
        return int(torch.cuda.current_stream(x.device).cuda_stream)
    if lib == "cupy":
        import cupy
        return int(cupy.cuda.get_current_stream().ptr)
    return 0


def module_for(x: Any):
    """Native module matching ``x``'s device."""
    return native(device_of(x))

