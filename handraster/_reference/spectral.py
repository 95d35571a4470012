"""Slow, obviously correct numpy twin of amplitude-spectrum augmentation (PASTA).

Written straight from PASTA's reference implementation: full complex fft2 per channel,
amplitude and phase, the frequency grid built literally and fftshift-ed, A' = A (1 + sigma z),
recombined with exp(i P), real part of ifft2, clipped to [0, 1]. Float64 throughout. Used by the
tests (against handraster.augment.amplitude_spectrum) and as the peer in bench/bench_augment.py.
"""
from __future__ import annotations

import numpy as np

from handraster._reference.rng import normal4

SPECTRAL_STREAM = 0x50415354  # kernels/spectral.h kSpectralStream


def pasta_axis_grid(n: int) -> np.ndarray:
    """PASTA's per-axis frequency range: odd n: -(n//2)..n//2; even n: [-n/2+1..0] ++ [0..n/2-1]."""
    if n % 2 == 1:
        return np.arange(-(n // 2), n // 2 + 1)
    return np.concatenate([np.arange(-(n // 2) + 1, 1), np.arange(0, n // 2)])


def pasta_sigma(H: int, W: int, alpha: float, beta: float, k: float) -> np.ndarray:
    """sigma [H, W] float64 in fft2 layout (after fftshift), as PASTA builds it.

    PASTA divides by max(r), which is 0 for H, W <= 2; then r / max(r) is taken as 0."""
    XX, YY = np.meshgrid(pasta_axis_grid(W), pasta_axis_grid(H))
    r = np.sqrt(np.square(XX) + np.square(YY)).astype(np.float64)
    r = r * (alpha / r.max()) if r.max() > 0 else np.zeros_like(r)
    sigma = np.power(r, k) + beta
    return np.fft.fftshift(sigma, axes=[-2, -1])


def spectral_z(B: int, Cz: int, H: int, W: int, seed: int, ids=None) -> np.ndarray:
    """The draws z [B, Cz, H, W] float32 that the native op makes from Philox:
    z[b, c, u, v] = normal4(seed, u * ceil(W/4) + v // 4, c, ids[b], STREAM)[v % 4]."""
    ids = np.arange(B, dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
    b, c, u, v = np.meshgrid(np.arange(B), np.arange(Cz), np.arange(H), np.arange(W), indexing="ij")
    nqf = (W + 3) // 4
    blocks = normal4(seed, u * nqf + v // 4, c, ids[b], SPECTRAL_STREAM)
    return np.take_along_axis(blocks, (v % 4)[..., None], axis=-1)[..., 0].astype(np.float32)


def amplitude_spectrum(images: np.ndarray, z: np.ndarray, alpha: float = 3.0, beta: float = 0.25,
                       k: float = 2.0, mode: str = "per_channel") -> np.ndarray:
    """PASTA on images [B, C, H, W] in [0, 1] with the given draws z ([B, C, H, W] per_channel,
    [B, 1, H, W] const). Returns float64 [B, C, H, W] in [0, 1]. One image at a time."""
    images = np.asarray(images, dtype=np.float64)
    B, C, H, W = images.shape
    sigma = pasta_sigma(H, W, alpha, beta, k)
    out = np.empty_like(images)
    for b in range(B):
        F = np.fft.fft2(images[b], axes=(-2, -1))
        amp, pha = np.abs(F), np.angle(F)
        zb = np.broadcast_to(z[b].astype(np.float64), (C, H, W)) if mode == "const" else z[b]
        amp = amp * (1.0 + sigma[None] * zb)  # = np.random.normal(1, sigma) with the draw z
        aug = np.fft.ifft2(amp * np.exp(1j * pha), axes=(-2, -1))
        out[b] = np.clip(np.real(aug), 0.0, 1.0)
    return out


def amplitude_spectrum_pasta_style(image: np.ndarray, alpha: float = 3.0, beta: float = 0.25,
                                   k: float = 2.0, rng: np.random.Generator | None = None) -> np.ndarray:
    """One image [C, H, W], exactly PASTA's per-image recipe with numpy's own normal draws
    (the benchmark's peer: what a data pipeline without handraster runs per sample)."""
    rng = np.random.default_rng() if rng is None else rng
    C, H, W = image.shape
    F = np.fft.fft2(image, axes=(-2, -1))
    amp, pha = np.abs(F), np.angle(F)
    sigma = np.tile(pasta_sigma(H, W, alpha, beta, k), (C, 1, 1))
    amp = amp * rng.normal(np.ones(sigma.shape), sigma)
    aug = np.real(np.fft.ifft2(amp * np.exp(1j * pha), axes=(-2, -1)))
    return np.clip(aug, 0.0, 1.0)
