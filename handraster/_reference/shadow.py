"""Slow, obviously-correct numpy twin of csrc/kernels/shadow.h: the key light's shadow-map
visibility at one point at a time, float64, written from the header's formula block.

smap is one sample's light-space depth map, float32 [S, S] = nearest z/w (+inf where empty,
rasterize_depth), row 0 at the bottom; sp the sample's 24 shadow parameters (handraster/scene/shadows.py); positions
are camera-frame metres, normals and light directions unit vectors."""
from __future__ import annotations

import numpy as np

M, KEY, PERSP, NEAR, FAR, TEXEL0, TEXEL1, BIAS, SLOPE = 0, 16, 17, 18, 19, 20, 21, 22, 23
MIN_COS = 0.2   # kShadowMinCos
FADE = 0.3      # kShadowFade


def depth(sp, z: float) -> float:
    """Light-view depth (m) of NDC depth z."""
    n, f = float(sp[NEAR]), float(sp[FAR])
    if sp[PERSP] > 0.5:
        return 2 * f * n / ((f + n) - z * (f - n))
    return ((f - n) * z + (f + n)) / 2


def visibility(smap, sp, pos, n, l) -> float:
    """Visibility 0..1 of the key light at pos with normal n, direction to the light l."""
    S = smap.shape[0]
    nl = float(np.dot(n, l))
    c = np.asarray(sp[M:M + 16], np.float64).reshape(4, 4) @ np.append(np.asarray(pos, np.float64), 1.0)
    if nl <= 0 or c[3] <= 0:
        return 1.0
    z = c[2] / c[3]
    if not -1 <= z <= 1:
        return 1.0
    d = depth(sp, z)
    cs = min(max(nl, MIN_COS), 1.0)
    tan = np.sqrt(1 - cs * cs) / cs
    ref = d - (sp[TEXEL0] + sp[TEXEL1] * d) * (sp[BIAS] + sp[SLOPE] * tan)
    fx = (c[0] / c[3] + 1) * S / 2 - 0.5
    fy = (c[1] / c[3] + 1) * S / 2 - 0.5
    x0, y0 = int(np.floor(fx)), int(np.floor(fy))
    tx, ty = fx - x0, fy - y0
    wx = [1 - tx, 1, 1, tx]
    wy = [1 - ty, 1, 1, ty]
    occ = 0.0
    for j in range(4):
        for i in range(4):
            x, y = x0 - 1 + i, y0 - 1 + j
            if 0 <= x < S and 0 <= y < S and np.isfinite(smap[y, x]) and ref > depth(sp, float(smap[y, x])):
                occ += wx[i] * wy[j]
    if occ == 0:
        return 1.0
    t = min(nl / FADE, 1.0)
    return 1 - occ / 9 * (t * t * (3 - 2 * t))


def shadow_factor(smap, sp, pos, nrm, ldir) -> np.ndarray:
    """[B, N] visibility (ShadowFactorOp): smap [B, S, S], sp [B, 24], pos/nrm/ldir
    [B, N, 3]; 1 where the sample's key light is -1."""
    B, N = pos.shape[:2]
    out = np.ones((B, N))
    for b in range(B):
        if sp[b, KEY] < 0:
            continue
        for k in range(N):
            out[b, k] = visibility(smap[b], sp[b], pos[b, k], nrm[b, k], ldir[b, k])
    return out
