"""Amplitude-spectrum augmentation (PASTA), batched, on numpy, torch (CPU/CUDA) and cupy arrays.

PASTA (Chattopadhyay et al., ICCV 2023) multiplies the Fourier amplitude of every frequency bin
by 1 + sigma z, z ~ N(0, 1), with sigma growing with spatial frequency; the synthetic-to-real
gap paper (CVPR 2025) finds it one of the most important augmentations for hand pose. The
semantics are those of PASTA's reference code (see handraster/_reference/spectral.py, its
literal twin); the implementation does one real FFT, one fused native multiplier pass on the
half spectrum (kernels/spectral.h, Hermitian-symmetrised so the result equals the real part of
the full complex version) and one inverse real FFT. CPU images whose H and W are powers of two
take the fused native path (cpu/spectral_fused.cpp: own vectorised FFTs, multiplier, clip and
range check per image, in cache); other sizes use scipy's FFTs, CUDA arrays cuFFT.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from handraster import _native
from handraster._native import asarray, device_of, lib_of
from handraster.augment import _fft, _recycle

MODES = ("per_channel", "const")
FFT_BACKENDS = ("auto", "native", "scipy", "numpy", "torch")


def draw_seed(generator: Any = None, like: Any = None) -> int:
    """A 63-bit Philox seed drawn from ``generator``.

    generator: None (numpy's global RNG, or torch's for torch arrays, so np.random.seed /
    torch.manual_seed make runs repeatable), an int (used as the seed), a numpy
    ``np.random.Generator`` or a ``torch.Generator``."""
    if generator is None:
        if like is not None and lib_of(like) == "torch":
            import torch
            return int(torch.randint(0, 2**62, (1,)).item())
        return int(np.random.randint(0, 2**62, dtype=np.int64))
    if isinstance(generator, (int, np.integer)):
        return int(generator) & 0xFFFFFFFFFFFFFFFF
    if isinstance(generator, np.random.Generator):
        return int(generator.integers(0, 2**62))
    if type(generator).__module__.startswith("torch"):
        import torch
        return int(torch.randint(0, 2**62, (1,), generator=generator,
                                 device=generator.device).item())
    raise TypeError("handraster.amplitude_spectrum: generator must be None, an int, a "
                    f"numpy.random.Generator or a torch.Generator, got {type(generator).__name__}")


def _range_error(images: Any) -> ValueError:
    if lib_of(images) == "torch":
        import torch
        lo, hi = (float(v) for v in torch.aminmax(images.detach()))
    else:
        lo, hi = float(images.min()), float(images.max())
    return ValueError("handraster.amplitude_spectrum: images must lie in [0, 1], got values "
                      f"in [{lo}, {hi}] (pass check_range=False to skip this check)")


def _check_images(images: Any) -> None:
    if images.ndim not in (3, 4):
        raise ValueError("handraster.amplitude_spectrum: images must be [B, C, H, W] or [C, H, W], "
                         f"got shape {tuple(images.shape)}")
    lib = lib_of(images)
    if lib == "torch":
        if not images.dtype.is_floating_point:
            raise ValueError("handraster.amplitude_spectrum: images must be a float tensor in "
                             f"[0, 1], got {images.dtype} (uint8 images: divide by 255 first)")
    elif not np.issubdtype(np.dtype(images.dtype), np.floating):
        raise ValueError("handraster.amplitude_spectrum: images must be float in [0, 1], got "
                         f"{images.dtype} (uint8 images: divide by 255 first)")


def _check_range(images: Any) -> None:
    if min(images.shape) == 0:
        return
    if lib_of(images) == "torch":
        import torch
        lo, hi = (float(v) for v in torch.aminmax(images.detach()))
    else:
        lo, hi = float(images.min()), float(images.max())
    if not (lo >= 0.0 and hi <= 1.0):  # also catches NaN
        raise _range_error(images)


def amplitude_spectrum(images: Any, alpha: float = 3.0, beta: float = 0.25, k: float = 2.0,
                       mode: str = "per_channel", generator: Any = None, z: Any = None, *,
                       seed: int | None = None, ids: Any = None, check_range: bool = True,
                       fft_backend: str = "auto", out: Any = None) -> Any:
    """PASTA amplitude-spectrum augmentation of a batch of images.

    images: [B, C, H, W] or [C, H, W] float (any float dtype; computed in float32) in [0, 1];
      numpy (CPU), torch (CPU or CUDA) or cupy. The result has the same shape, dtype, library
      and device, values clipped to [0, 1]. Torch inputs are detached (not differentiable).
    alpha, beta, k: sigma = (alpha r / r_max)^k + beta, all >= 0 (PASTA's defaults 3, 0.25, 2).
    mode: "per_channel" (independent z per channel and bin) or "const" (one z map for all).
    z: optional draws, float [B, C, H, W] ("per_channel") or [B, 1, H, W] ("const") in the full
      fft2 layout (without B for a single image); then seed/generator are ignored and results
      are reproducible anywhere.
    seed: Philox key for the draws; if None one is drawn from ``generator`` (see draw_seed).
    ids: optional int [B] image ids in [0, 2^32) (default 0..B-1): image b's draws are a pure
      function of (seed, ids[b]), the same on every device and in any batch composition.
    check_range: verify 0 <= images <= 1 (free on the fused CPU path, else one reduction pass).
    fft_backend: for CPU arrays, "auto" (the fused native path when H and W are powers of two,
      else scipy), "native" (fused; powers of two only), "scipy", "numpy", or "torch" (torch.fft
      for torch CPU tensors). CUDA arrays always use cuFFT.
    out: optional float32 C-contiguous array like images (same library, device, shape) that
      receives the result, e.g. ``out=images`` to augment in place (saves allocating and
      page-faulting a new batch); the fused CPU path writes it directly.
    """
    if mode not in MODES:
        raise ValueError(f"handraster.amplitude_spectrum: mode must be one of {MODES}, got {mode!r}")
    for name, val in (("alpha", alpha), ("beta", beta), ("k", k)):
        if not (np.isfinite(val) and val >= 0):
            raise ValueError(f"handraster.amplitude_spectrum: {name} must be finite and >= 0, got {val}")
    if fft_backend not in FFT_BACKENDS:
        raise ValueError(f"handraster.amplitude_spectrum: fft_backend must be one of {FFT_BACKENDS}, "
                         f"got {fft_backend!r}")
    _check_images(images)
    lib, dev = lib_of(images), device_of(images)
    H, W = int(images.shape[-2]), int(images.shape[-1])
    # The fused native CPU path: FFTs, multiplier, clip and range check in one pass per image.
    fused = dev == "cpu" and fft_backend in ("auto", "native") and _fft.pow2(H) and _fft.pow2(W)
    if fft_backend == "native" and not fused:
        raise ValueError("handraster.amplitude_spectrum: fft_backend='native' needs CPU images whose "
                         f"H and W are powers of two >= 2, got shape {tuple(images.shape)} on {dev}")
    if check_range and not fused:
        _check_range(images)
    single = images.ndim == 3
    x = images[None] if single else images
    B, C, H, W = (int(s) for s in x.shape)
    torch_cpu = lib == "torch" and dev == "cpu" and fft_backend != "torch"
    xf = asarray(x.detach() if lib == "torch" else x, like=x, dtype=np.float32)
    if torch_cpu:
        xf = xf.numpy()  # zero-copy; computed with scipy, wrapped back at the end
    if z is not None:
        if single and z.ndim == 3:
            z = z[None]
        cz = 1 if mode == "const" else C
        if tuple(z.shape) != (B, cz, H, W):
            raise ValueError(f"handraster.amplitude_spectrum: z must have shape [B, {'1' if cz == 1 else 'C'}"
                             f", H, W] = {[B, cz, H, W]} for mode {mode!r}, got {list(z.shape)}")
        z = asarray(z, like=xf, dtype=np.float32)
    if ids is not None:
        ids = asarray(ids, like=xf, dtype=np.int64).reshape(-1)
    if seed is None:
        seed = 0 if z is not None else draw_seed(generator, like=x)
    out_view = _out_view(out, images, single, torch_cpu) if out is not None else None
    if B == 0 or C == 0 or H == 0 or W == 0:
        out = xf.copy() if lib_of(xf) != "torch" else xf.clone()
    elif fused:
        # a dead earlier result's memory when there is one: no 50 MB of kernel zero-fill
        dst = _recycle.empty_f32(xf.shape) if out_view is None else out_view
        if check_range and dst is not None and np.shares_memory(dst, xf):
            _check_range(xf)  # in place: refuse before anything is overwritten
        bad = np.zeros(B, np.int64)
        _native.native("cpu").pasta_fused(xf, dst, z, ids, int(seed), float(alpha), float(beta),
                                          float(k), mode, bad)
        if check_range and bad.any():
            raise _range_error(xf)
        res = dst
    else:
        res = _run(xf, H, W, z, ids, int(seed), float(alpha), float(beta), float(k), mode, fft_backend)
    if out is not None:
        if res is not out_view:
            out_view[...] = res
        return out
    if torch_cpu:
        import torch
        res = torch.from_numpy(res)
    if lib == "torch":
        res = res.to(images.dtype)
    elif res.dtype != images.dtype:
        res = res.astype(images.dtype)
    return res[0] if single else res


def _out_view(out: Any, images: Any, single: bool, torch_cpu: bool) -> Any:
    """The caller's ``out`` as the 4-D float32 array the computation writes (checked)."""
    ok = (lib_of(out) == lib_of(images) and device_of(out) == device_of(images)
          and tuple(out.shape) == tuple(images.shape) and "float32" in str(out.dtype)
          and (out.is_contiguous() if lib_of(out) == "torch" else out.flags.c_contiguous))
    if not ok:
        raise ValueError("handraster.amplitude_spectrum: out must be a C-contiguous float32 array of "
                         f"the images' library, device and shape {tuple(images.shape)}, got "
                         f"{type(out).__name__} {getattr(out, 'dtype', None)} {tuple(getattr(out, 'shape', ()))}")
    o = out[None] if single else out
    return o.detach().numpy() if torch_cpu else o


def _real_pairs(spec: Any) -> Any:
    """A complex64 [..., Wh] array as a float32 [..., Wh, 2] view (no copy)."""
    lib = lib_of(spec)
    if lib == "torch":
        import torch
        return torch.view_as_real(spec)
    return spec.view(np.float32).reshape(tuple(spec.shape) + (2,))


def _run(xf, H, W, z, ids, seed, alpha, beta, k, mode, fft_backend):
    spec = _fft.rfft2(xf, fft_backend)
    if lib_of(spec) != "torch" and not spec.flags.c_contiguous:  # pragma: no cover - defensive
        spec = spec.copy()
    mod = _native.module_for(xf)
    mod.spectral_multiply(_native.for_native(_real_pairs(spec)), W, _native.for_native(z),
                          _native.for_native(ids), seed, alpha, beta, k, mode,
                          _native.stream_of(xf))
    out = _fft.irfft2(spec, H, W, fft_backend)
    if lib_of(out) == "torch":
        return out.clamp_(0.0, 1.0)
    if lib_of(out) == "cupy":
        import cupy
        return cupy.clip(out, 0.0, 1.0, out=out)
    return np.clip(out, 0.0, 1.0, out=out)
