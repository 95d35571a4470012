"""Slow numpy twin of handraster.raster.texture (see csrc/kernels/texture.h), float64."""
from __future__ import annotations

import math

import numpy as np


def mip_pyramid(tex: np.ndarray, max_mip_level: int | None = None) -> list:
    """[level0, level1, ...] each [Bt, h, w, C]: 2x2 averages; stops at 1x1, an odd side > 1
    or after max_mip_level levels."""
    levels = [np.asarray(tex, np.float64)]
    while max_mip_level is None or len(levels) <= max_mip_level:
        t = levels[-1]
        h, w = t.shape[1:3]
        if (h == 1 and w == 1) or (h > 1 and h % 2) or (w > 1 and w % 2) or len(levels) >= 16:
            break
        if h > 1:
            t = 0.5 * (t[:, 0::2] + t[:, 1::2])
        if w > 1:
            t = 0.5 * (t[:, :, 0::2] + t[:, :, 1::2])
        levels.append(t)
    return levels


def _index(i: int, n: int, boundary: str):
    if 0 <= i < n:
        return i
    if boundary == "wrap":
        return i % n
    if boundary == "clamp":
        return min(max(i, 0), n - 1)
    return None


def _bilinear(level: np.ndarray, u: float, v: float, boundary: str) -> np.ndarray:
    h, w = level.shape[:2]
    s, t = u * w - 0.5, v * h - 0.5
    x0, y0 = math.floor(s), math.floor(t)
    ax, ay = s - x0, t - y0
    acc = np.zeros(level.shape[2])
    for dy, wy in ((0, 1 - ay), (1, ay)):
        for dx, wx in ((0, 1 - ax), (1, ax)):
            X, Y = _index(x0 + dx, w, boundary), _index(y0 + dy, h, boundary)
            if X is not None and Y is not None:
                acc += wy * wx * level[Y, X]
    return acc


def texture(tex, uv, uv_da=None, mip_level_bias=None, filter_mode="auto", boundary_mode="wrap",
            max_mip_level=None) -> np.ndarray:
    if filter_mode == "auto":
        filter_mode = "linear-mipmap-linear" if uv_da is not None or mip_level_bias is not None else "linear"
    uv = np.asarray(uv, np.float64)
    B, H, W, _ = uv.shape
    levels = mip_pyramid(tex, max_mip_level) if "mipmap" in filter_mode else [np.asarray(tex, np.float64)]
    out = np.zeros((B, H, W, levels[0].shape[-1]))
    for b in range(B):
        lv = [lev[b if lev.shape[0] > 1 else 0] for lev in levels]
        h0, w0 = lv[0].shape[:2]
        for y in range(H):
            for x in range(W):
                u, v = uv[b, y, x]
                if filter_mode == "nearest":
                    X = _index(math.floor(u * w0), w0, boundary_mode)
                    Y = _index(math.floor(v * h0), h0, boundary_mode)
                    out[b, y, x] = 0 if X is None or Y is None else lv[0][Y, X]
                    continue
                lod = 0.0
                if "mipmap" in filter_mode:
                    if uv_da is not None:
                        d = uv_da[b, y, x].astype(np.float64)
                        J = np.array([[d[0] * w0, d[1] * w0], [d[2] * h0, d[3] * h0]])
                        lam = np.linalg.eigvalsh(J @ J.T).max()
                        lod = 0.5 * math.log2(lam) if lam > 0 else -math.inf
                    if mip_level_bias is not None:
                        lod += float(mip_level_bias[b, y, x])
                    lod = min(max(lod, 0.0), len(lv) - 1)
                if filter_mode == "linear-mipmap-nearest":
                    out[b, y, x] = _bilinear(lv[int(math.floor(lod + 0.5))], u, v, boundary_mode)
                elif filter_mode == "linear-mipmap-linear":
                    l0 = int(math.floor(lod))
                    f = lod - l0
                    c = _bilinear(lv[l0], u, v, boundary_mode)
                    if f > 0 and l0 + 1 < len(lv):
                        c = (1 - f) * c + f * _bilinear(lv[l0 + 1], u, v, boundary_mode)
                    out[b, y, x] = c
                else:
                    out[b, y, x] = _bilinear(lv[0], u, v, boundary_mode)
    return out.astype(np.float32)
