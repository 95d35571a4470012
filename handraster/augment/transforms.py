"""Callable transform objects over batches, for data pipelines and the generator.

``AmplitudeSpectrum`` wraps handraster.augment.amplitude_spectrum like a torchvision
transform (call it on a batch or one image) and adds the two things a dataset generator needs:
an application probability ``p`` and per-image determinism. With a ``seed``, image i's coin
and draws are a pure function of (seed, id_i), so sample i of a generated dataset is augmented
identically whatever batch, order, device or machine makes it.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from handraster._native import lib_of
from handraster._reference.rng import philox4x32_10, u32_to_uniform
from handraster.augment.spectral import MODES, amplitude_spectrum, draw_seed

COIN_STREAM = 0x434F494E  # "COIN": Philox counter word that separates coins from draws


def coin_flips(seed: int, ids: np.ndarray, p: float) -> np.ndarray:
    """bool [B]: image ids[b] is augmented, with probability p, as a function of (seed, id)."""
    ids = np.asarray(ids, dtype=np.int64)
    if p >= 1.0:
        return np.ones(ids.shape, bool)
    if p <= 0.0:
        return np.zeros(ids.shape, bool)
    w = philox4x32_10(seed, ids & 0xFFFFFFFF, ids >> 32, 0, COIN_STREAM)[0]
    return u32_to_uniform(w) < np.float32(p)


class AmplitudeSpectrum:
    """PASTA amplitude-spectrum augmentation as a transform.

    AmplitudeSpectrum(alpha=3.0, beta=0.25, k=2.0, mode="per_channel", p=1.0, seed=None)
    t(images, ids=None) -> augmented images, same shape/dtype/library/device.

    images: [B, C, H, W] or [C, H, W] float in [0, 1] (numpy, torch CPU/CUDA, cupy).
    p: probability that an image is augmented (decided per image).
    seed: None draws a fresh seed per call from numpy's (or, for torch inputs, torch's) global
      RNG, like torchvision transforms. An int makes the result of image i a function of
      (seed, ids[i]); without ``ids`` a running counter numbers the images seen so far
      (0, 1, 2, ... across calls), so successive batches still differ.
    ids: int [B] image ids in [0, 2^32), e.g. the generator's sample indices. Pass them in
      multi-process pipelines (DataLoader workers): each process has its own running counter.
    """

    def __init__(self, alpha: float = 3.0, beta: float = 0.25, k: float = 2.0,
                 mode: str = "per_channel", p: float = 1.0, seed: int | None = None):
        if mode not in MODES:
            raise ValueError(f"AmplitudeSpectrum: mode must be one of {MODES}, got {mode!r}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"AmplitudeSpectrum: p must be in [0, 1], got {p}")
        for name, val in (("alpha", alpha), ("beta", beta), ("k", k)):
            if not (np.isfinite(val) and val >= 0):
                raise ValueError(f"AmplitudeSpectrum: {name} must be finite and >= 0, got {val}")
        self.alpha, self.beta, self.k, self.mode, self.p = float(alpha), float(beta), float(k), mode, float(p)
        self.seed = None if seed is None else int(seed)
        self._next_id = 0

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any], seed: int | None = None) -> "AmplitudeSpectrum":
        """From a config mapping with optional keys alpha, beta, k, mode, p (and seed)."""
        known = {"alpha", "beta", "k", "mode", "p", "seed"}
        extra = set(cfg) - known
        if extra:
            raise ValueError(f"AmplitudeSpectrum config: unknown keys {sorted(extra)}; known {sorted(known)}")
        kw = dict(cfg)
        kw.setdefault("seed", seed)
        return cls(**kw)

    def _seed_and_ids(self, B: int, ids: Any, like: Any):
        """(seed, int64 ids [B]) of a call on B images (see the class docstring)."""
        if self.seed is None:
            seed = draw_seed(None, like=like)
            ids = np.arange(B, dtype=np.int64) if ids is None else ids
        else:
            seed = self.seed
            if ids is None:
                ids = np.arange(self._next_id, self._next_id + B, dtype=np.int64)
                self._next_id += B
        ids = _host_ints(ids)
        if ids.shape != (B,):
            raise ValueError(f"AmplitudeSpectrum: ids must have shape [B] = [{B}], got {list(ids.shape)}")
        return seed, ids

    def __call__(self, images: Any, ids: Any = None) -> Any:
        single = images.ndim == 3
        x = images[None] if single else images
        B = int(x.shape[0])
        seed, ids = self._seed_and_ids(B, ids, like=x)
        apply = coin_flips(seed, ids, self.p)
        if apply.all():
            out = amplitude_spectrum(x, self.alpha, self.beta, self.k, self.mode, seed=seed, ids=ids)
        elif not apply.any():
            out = x
        else:
            sel = np.flatnonzero(apply)
            idx = sel
            if lib_of(x) == "torch":
                import torch
                idx = torch.as_tensor(sel, device=x.device)
            elif lib_of(x) == "cupy":
                import cupy
                idx = cupy.asarray(sel)
            out = x.clone() if lib_of(x) == "torch" else x.copy()
            out[idx] = amplitude_spectrum(x[idx], self.alpha, self.beta, self.k, self.mode,
                                          seed=seed, ids=ids[sel])
        return out[0] if single else out

    def apply_hwc(self, rgb: Any, ids: Any = None, inplace: bool = False) -> Any:
        """The transform on renders as the generator holds them: rgb [B, H, W, 3] (or
        [H, W, 3]) uint8, or float in [0, 1]; returns the same layout and dtype (uint8:
        byte / 255 in, (uint8)(clip(v) * 255 + 0.5) out). Computed in float32.

        C-contiguous numpy uint8 with power-of-two H and W takes the fused native path
        (cpu/spectral_fused.cpp: bytes in, bytes out, only the images whose coin says so, no
        float copies of the batch); its bytes equal the float path's except, rarely, by one
        level where v * 255 + 0.5 lands on an integer (fused multiply-add rounding).
        inplace: write into ``rgb`` (that path only; otherwise a new array as usual)."""
        single = rgb.ndim == 3
        x = rgb[None] if single else rgb
        is_uint8 = str(x.dtype).endswith("uint8")
        if (is_uint8 and lib_of(x) == "numpy" and _pow2(x.shape[1]) and _pow2(x.shape[2])
                and x.shape[0] > 0):
            out = x if inplace and x.flags.c_contiguous and x.flags.writeable else np.array(x, order="C")
            self._native_u8(out, ids)
            return out[0] if single else out
        if lib_of(x) == "torch":
            import torch
            chw = x.permute(0, 3, 1, 2).to(torch.float32)
        else:
            chw = np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)
        if is_uint8:
            chw = chw / 255.0
        out = self(chw, ids=ids)
        if lib_of(out) == "torch":
            out = out.permute(0, 2, 3, 1)
            out = (out * 255.0 + 0.5).to(x.dtype) if is_uint8 else out.to(x.dtype)
            out = out.contiguous()
        else:
            out = out.transpose(0, 2, 3, 1)
            out = (out * 255.0 + 0.5).astype(np.uint8) if is_uint8 else out.astype(x.dtype)
            out = np.ascontiguousarray(out)
        return out[0] if single else out

    def _native_u8(self, rgb: np.ndarray, ids: Any) -> None:
        """In place on uint8 [B, H, W, C]: seed, ids and coins exactly as __call__ uses them."""
        from handraster import _native
        B = int(rgb.shape[0])
        seed, ids = self._seed_and_ids(B, ids, like=rgb)
        which = np.flatnonzero(coin_flips(seed, ids, self.p)).astype(np.int64)
        if len(which):
            _native.native("cpu").pasta_fused_u8(rgb, which, ids, int(seed), self.alpha, self.beta,
                                                 self.k, self.mode)

    def __repr__(self) -> str:
        return (f"AmplitudeSpectrum(alpha={self.alpha}, beta={self.beta}, k={self.k}, "
                f"mode={self.mode!r}, p={self.p}, seed={self.seed})")


def _pow2(n: int) -> bool:
    return n >= 2 and (n & (n - 1)) == 0


def _host_ints(ids: Any) -> np.ndarray:
    if lib_of(ids) == "torch":
        ids = ids.detach().cpu().numpy()
    elif lib_of(ids) == "cupy":
        ids = ids.get()
    return np.asarray(ids, dtype=np.int64).reshape(-1)
