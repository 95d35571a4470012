"""Real-input 2-D FFTs over the last two axes in the caller's array library.

CPU arrays (numpy, and torch CPU tensors through zero-copy numpy views) go through scipy.fft
in float32 with one worker per core (pocketfft, the fastest CPU FFT measured here; numpy.fft
is single-threaded and promotes to complex128); without scipy numpy.fft is used. Torch CUDA
tensors use torch.fft (cuFFT), cupy arrays cupy.fft (cuFFT). The forward transform returns a
complex64 half spectrum [..., H, W // 2 + 1]; the inverse writes a float32 [..., H, W].
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from handraster._native import lib_of

try:  # scipy comes with scikit-image, a core dependency; numpy.fft is the fallback
    import scipy.fft as _sfft
except ImportError:  # pragma: no cover - depends on the environment
    _sfft = None


def pow2(n: int) -> bool:
    """n is a power of two >= 2 (the sizes the fused native CPU path handles)."""
    return n >= 2 and (n & (n - 1)) == 0


def cpu_workers() -> int:
    """Threads for CPU FFTs: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def rfft2(x: Any, backend: str = "auto") -> Any:
    """Half spectrum complex64 [..., H, W//2+1] of real float32 x [..., H, W]."""
    lib = lib_of(x)
    if lib == "torch":
        import torch
        return torch.fft.rfft2(x)
    if lib == "cupy":
        import cupy
        return cupy.fft.rfft2(x)
    if _sfft is not None and backend in ("auto", "scipy"):
        return _sfft.rfft2(x, workers=cpu_workers())
    return np.fft.rfft2(x).astype(np.complex64)


def irfft2(spec: Any, H: int, W: int, backend: str = "auto") -> Any:
    """Real float32 [..., H, W] from a complex64 half spectrum [..., H, W//2+1]; may destroy spec."""
    lib = lib_of(spec)
    if lib == "torch":
        import torch
        return torch.fft.irfft2(spec, s=(H, W))
    if lib == "cupy":
        import cupy
        return cupy.fft.irfft2(spec, s=(H, W)).astype(cupy.float32, copy=False)
    if _sfft is not None and backend in ("auto", "scipy"):
        w = cpu_workers()
        # Column transforms first, then the real row transforms: measured ~1.5x faster than
        # scipy's irfft2 on [64, 3, 256, 256] (the same arithmetic, better memory order).
        tmp = _sfft.ifft(spec, axis=-2, workers=w, overwrite_x=True)
        return _sfft.irfft(tmp, n=W, axis=-1, workers=w, overwrite_x=True)
    return np.fft.irfft2(spec, s=(H, W)).astype(np.float32)
