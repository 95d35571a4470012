"""Ambient irradiance SH from a background photograph, so a hand composited over a photo is lit
in that photo's tones (the photo has no known lighting: this is an approximation).

Approximation (documented, deliberately simple):
  1. sRGB -> linear; the photo is area-averaged to 32 x 32 (only its low frequencies matter).
  2. It is taken as the radiance of the FRONT hemisphere (z > 0) as seen from the hand, in the
     CAMERA frame (OpenCV: x right, y down, z forward): a direction d = (x, y, z) looks up the
     photo at  a = atan2(x, z) / (pi/2),  b = atan2(y, z) / (pi/2)  (both in [-1, 1]; a = -1 is
     the left edge, b = -1 the top row = up, i.e. camera -Y), so the photo is stretched over the
     whole hemisphere: its top rows light the hand from above, its left columns from the left.
  3. The back hemisphere (z < 0, behind the camera, unseen) mirrors the front: L(x, y, -z) =
     L(x, y, z).
  4. Solid-angle-weighted SH projection and clamped-cosine convolution as for env maps (sh.py).
Scale: photo values are used as radiance directly, so a uniform white photo gives E(n) = pi for
every normal (a Lambertian albedo rho then shades to exactly rho); the renderer scales it.
"""
from __future__ import annotations

import functools

import numpy as np
from PIL import Image

from handraster.scene.sh import irradiance_from_radiance_sh, project_radiance_sh

_GRID = 32  # photo resolution used for the projection


def srgb_to_linear(x):
    """sRGB-encoded values in [0, 1] -> linear (IEC 61966-2-1), same shape, float32."""
    x = np.asarray(x, np.float32)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(x):
    """Linear values in [0, 1] -> sRGB encoding, float32."""
    x = np.clip(np.asarray(x, np.float32), 0, 1)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _sphere_samples(n_theta: int = 24, n_phi: int = 48):
    """Camera-frame unit directions [N, 3], their solid angles [N], and where each looks up the
    (mirrored) photo: normalised coordinates (a, b) [N, 2] in [-1, 1]."""
    t = np.pi * np.arange(n_theta + 1) / n_theta
    theta = 0.5 * (t[:-1] + t[1:])
    phi = 2 * np.pi * (np.arange(n_phi) + 0.5) / n_phi
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    d = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], -1).reshape(-1, 3)
    w = np.repeat((2 * np.pi / n_phi) * (np.cos(t[:-1]) - np.cos(t[1:])), n_phi)
    zf = np.abs(d[:, 2])  # back hemisphere mirrored onto the front
    ab = np.stack([np.arctan2(d[:, 0], zf), np.arctan2(d[:, 1], zf)], -1) / (np.pi / 2)
    return d, w, ab


def photo_ambient_sh(image) -> np.ndarray:
    """uint8 [H, W, 3] sRGB photo -> irradiance SH float32 [9, 3] in the CAMERA frame (see the
    module docstring for the approximation); E(n) = sum_k sh[k] Y_k(n) for camera-frame n."""
    img = np.asarray(image)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"photo_ambient_sh: image must be uint8 [H, W, 3], got {img.dtype} {img.shape}")
    pil = Image.fromarray(img)
    if max(img.shape[:2]) > 4 * _GRID:  # cheap first reduction in sRGB, the rest in linear light
        pil = pil.resize((4 * _GRID, 4 * _GRID), Image.BOX)
    lin = srgb_to_linear(np.asarray(pil, np.float32) / 255)
    small = np.stack([np.asarray(Image.fromarray(lin[:, :, c], "F").resize((_GRID, _GRID), Image.BOX))
                      for c in range(3)], -1)
    d, w, ab = _sphere_samples()
    px = (ab[:, 0] + 1) / 2 * _GRID - 0.5  # bilinear, clamped at the photo's edges
    py = (ab[:, 1] + 1) / 2 * _GRID - 0.5
    x0, y0 = np.floor(px), np.floor(py)
    fx, fy = (px - x0)[:, None], (py - y0)[:, None]
    cl = lambda v: np.clip(v, 0, _GRID - 1).astype(np.int64)  # noqa: E731
    L = ((small[cl(y0), cl(x0)] * (1 - fx) + small[cl(y0), cl(x0 + 1)] * fx) * (1 - fy)
         + (small[cl(y0 + 1), cl(x0)] * (1 - fx) + small[cl(y0 + 1), cl(x0 + 1)] * fx) * fy)
    return irradiance_from_radiance_sh(project_radiance_sh(d, L, w)).astype(np.float32)
