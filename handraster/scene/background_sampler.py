"""Random background crops as 2x3 affine maps from output pixels to source pixels, and the slow
numpy reference of how the compositing kernel samples a pool image through such a map.

Convention (OpenCV style, integer = pixel centre): output pixel (x, y), x in [0, W-1], samples
the source image at

    [xs, ys] = A @ [x, y, 1],   A = [ s R F | c - s R F [(W-1)/2, (H-1)/2] ]    (float32 [2, 3])

where s is source pixels per output pixel, R the rotation by `angle` (counter-clockwise in
x-right/y-down pixel axes, i.e. clockwise on screen), F = diag(-1, 1) for a horizontal flip
(else I) and c = (cx, cy) the window centre in source pixel coordinates. The window's aspect
is the output's; its size is `scale` times the largest unrotated window of that aspect that fits
the source (= scale x the shorter side for a square output and source). After rotation the
window's bounding box must lie inside the source's area [-0.5, Ws-0.5] x [-0.5, Hs-0.5]: the
window is shrunk if needed, and its centre drawn uniformly among the positions that fit.

Sampling: bilinear, clamp-to-edge, in float32; uint8 results round half up.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BackgroundCrop:
    """One crop's parameters (what annotations record). centre: source px; scale: source px per
    output px; angle_deg: rotation; flip: horizontal mirror."""
    centre: tuple[float, float]
    scale: float
    angle_deg: float
    flip: bool

    def affine(self, out_hw) -> np.ndarray:
        """float32 [2, 3] map from output pixel (x, y, 1) to source pixel (xs, ys)."""
        H, W = out_hw
        a = math.radians(self.angle_deg)
        f = -1.0 if self.flip else 1.0
        M = self.scale * np.array([[math.cos(a) * f, -math.sin(a)], [math.sin(a) * f, math.cos(a)]])
        t = np.asarray(self.centre, np.float64) - M @ np.array([(W - 1) / 2, (H - 1) / 2])
        return np.concatenate([M, t[:, None]], axis=1).astype(np.float32)


def _check_crop_args(src_hw, out_hw, scale_range):
    if min(min(src_hw), min(out_hw)) < 1:
        raise ValueError(f"sample_background_crop: sizes must be >= 1, got src {src_hw}, out {out_hw}")
    lo, hi = scale_range
    if not 0 < lo <= hi:
        raise ValueError(f"sample_background_crop: scale_range must satisfy 0 < lo <= hi, got {scale_range}")


def crops_from_uniforms(u, src_hw, out_hw, scale_range=(0.5, 1.0), max_rotation_deg: float = 15.0,
                        flip_prob: float = 0.5):
    """The crop geometry for uniforms u [n, 5] in (0, 1) (scale, angle, flip, centre x, centre y)
    and source sizes src_hw [n, 2]: (centre [n, 2], scale [n], angle_deg [n], flip bool [n]),
    float64 (see the module docstring)."""
    u = np.asarray(u, np.float64)
    src = np.asarray(src_hw, np.float64).reshape(-1, 2)
    Hs, Ws = src[:, 0], src[:, 1]
    H, W = (float(v) for v in out_hw)
    lo, hi = scale_range
    scale = lo + u[:, 0] * (hi - lo)
    angle = (2 * u[:, 1] - 1) * max_rotation_deg
    flip = u[:, 2] < flip_prob
    s = scale * np.minimum(Ws / W, Hs / H)
    c, sn = np.abs(np.cos(np.radians(angle))), np.abs(np.sin(np.radians(angle)))
    bw, bh = s * (W * c + H * sn), s * (W * sn + H * c)  # the rotated window's bounding box
    shrink = np.minimum(1.0, np.minimum(Ws / bw, Hs / bh))
    s, bw, bh = s * shrink, bw * shrink, bh * shrink
    cx = -0.5 + bw / 2 + u[:, 3] * np.maximum(0.0, Ws - bw)
    cy = -0.5 + bh / 2 + u[:, 4] * np.maximum(0.0, Hs - bh)
    return np.stack([cx, cy], 1), s, angle, flip


def crop_affines(centre, scale, angle_deg, flip, out_hw) -> np.ndarray:
    """float32 [n, 2, 3] maps from output pixel (x, y, 1) to source pixel for n crops."""
    H, W = out_hw
    a = np.radians(angle_deg)
    f = np.where(flip, -1.0, 1.0)
    M = scale[:, None, None] * np.stack([np.stack([np.cos(a) * f, -np.sin(a)], 1),
                                         np.stack([np.sin(a) * f, np.cos(a)], 1)], 1)
    t = centre - M @ np.array([(W - 1) / 2, (H - 1) / 2])
    return np.concatenate([M, t[:, :, None]], axis=2).astype(np.float32)


def sample_background_crop(rng: np.random.Generator, src_hw, out_hw, scale_range=(0.5, 1.0),
                           max_rotation_deg: float = 15.0, flip_prob: float = 0.5) -> BackgroundCrop:
    """Draw one crop (see the module docstring). scale ~ U(scale_range), angle ~
    U(-max_rotation_deg, max_rotation_deg), flip ~ Bernoulli(flip_prob), centre ~ uniform."""
    _check_crop_args(src_hw, out_hw, scale_range)
    c, s, a, f = crops_from_uniforms(rng.random((1, 5)), [src_hw], out_hw, scale_range, max_rotation_deg, flip_prob)
    return BackgroundCrop((float(c[0, 0]), float(c[0, 1])), float(s[0]), float(a[0]), bool(f[0]))


def sample_background_affine(rng: np.random.Generator, src_hw, out_hw, scale_range=(0.5, 1.0),
                             max_rotation_deg: float = 15.0, flip_prob: float = 0.5) -> np.ndarray:
    """float32 [2, 3] affine A: source pixel = A @ [x, y, 1] for output pixel centre (x, y)."""
    crop = sample_background_crop(rng, src_hw, out_hw, scale_range, max_rotation_deg, flip_prob)
    return crop.affine(out_hw)


def sample_backgrounds(rng: np.random.Generator, pool, count: int, out_hw, **kw):
    """count draws: (image indices int32 [count], affines float32 [count, 2, 3]); the image is
    uniform over the pool, the crop as in sample_background_affine(**kw)."""
    idx = rng.integers(0, len(pool), count).astype(np.int32)
    A = np.stack([sample_background_affine(rng, pool.sizes[i], out_hw, **kw) for i in idx]) \
        if count else np.zeros((0, 2, 3), np.float32)
    return idx, A.astype(np.float32)


def bilinear_sample_reference(pool, n: int, A, H: int, W: int, as_float: bool = False) -> np.ndarray:
    """Slow reference of the kernel's background lookup: image n of `pool` sampled through A.

    Returns uint8 [H, W, 3] (round half up), or float32 [H, W, 3] in [0, 255] with as_float.
    All arithmetic float32: xs = A00*x + A01*y + A02 (same for ys); x0 = floor(xs), fx = xs-x0;
    the 4 taps' indices are clamped to [0, Ws-1] x [0, Hs-1] (clamp-to-edge)."""
    img = pool.image(n).astype(np.float32)
    Hs, Ws = img.shape[:2]
    A = np.asarray(A, np.float32)
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    xs = A[0, 0] * x + A[0, 1] * y + A[0, 2]
    ys = A[1, 0] * x + A[1, 1] * y + A[1, 2]
    x0, y0 = np.floor(xs), np.floor(ys)
    fx, fy = (xs - x0)[..., None], (ys - y0)[..., None]
    ix0, iy0 = np.clip(x0, 0, Ws - 1).astype(np.int64), np.clip(y0, 0, Hs - 1).astype(np.int64)
    ix1, iy1 = np.clip(x0 + 1, 0, Ws - 1).astype(np.int64), np.clip(y0 + 1, 0, Hs - 1).astype(np.int64)
    top = img[iy0, ix0] * (1 - fx) + img[iy0, ix1] * fx
    bot = img[iy1, ix0] * (1 - fx) + img[iy1, ix1] * fx
    out = (top * (1 - fy) + bot * fy).astype(np.float32)
    if as_float:
        return out
    return np.clip(np.floor(out + np.float32(0.5)), 0, 255).astype(np.uint8)
