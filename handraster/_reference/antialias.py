"""Slow numpy twin of handraster.raster.antialias (see csrc/kernels/antialias.h), float64,
one pixel pair at a time."""
from __future__ import annotations

import numpy as np


def _neighbours(tri: np.ndarray) -> dict:
    """{undirected edge: [triangles]}"""
    edges: dict = {}
    for t, f in enumerate(tri):
        for k in range(3):
            a, b = int(f[k]), int(f[(k + 1) % 3])
            edges.setdefault((min(a, b), max(a, b)), []).append(t)
    return edges


def _facing(P: np.ndarray) -> float:
    return np.sign(np.linalg.det(P[:, [0, 1, 3]].T))


def _crossing(P, t, tri, edges, W, H, near, far):
    """Where a silhouette edge of triangle t crosses near->far centre segment, or None."""
    V = P[tri[t]].astype(np.float64)
    if np.any(V[:, 3] <= 0):
        return None
    X = (V[:, 0] / V[:, 3] + 1) * 0.5 * W - 0.5
    Y = (V[:, 1] / V[:, 3] + 1) * 0.5 * H - 0.5
    horizontal = near[1] == far[1]
    for k in range(3):
        k1 = (k + 1) % 3
        dx, dy = X[k1] - X[k], Y[k1] - Y[k]
        if horizontal and not (abs(dy) >= abs(dx) and abs(dy) > 0):
            continue
        if not horizontal and not abs(dx) > abs(dy):
            continue
        a, b = int(tri[t][k]), int(tri[t][k1])
        others = [o for o in edges[(min(a, b), max(a, b))] if o != t]
        if len(others) == 1 and _facing(P[tri[others[0]]]) == _facing(V):
            continue  # interior edge
        if horizontal:
            s = (near[1] - Y[k]) / dy
            tt = (X[k] + s * dx - near[0]) / (far[0] - near[0])
        else:
            s = (near[0] - X[k]) / dx
            tt = (Y[k] + s * dy - near[1]) / (far[1] - near[1])
        if 0 <= s <= 1 and 0 <= tt <= 1:
            return tt
    return None


def antialias(color, rast, pos, tri) -> np.ndarray:
    color, rast = np.asarray(color, np.float64), np.asarray(rast)
    tri = np.asarray(tri)
    edges = _neighbours(tri)
    B, H, W, _ = color.shape
    out = color.copy()
    for b in range(B):
        P = pos[b] if np.ndim(pos) == 3 else pos
        for y in range(H):
            for x in range(W):
                for x2, y2 in ((x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)):
                    if not (0 <= x2 < W and 0 <= y2 < H):
                        continue
                    i1, i2 = int(rast[b, y, x, 3]), int(rast[b, y2, x2, 3])
                    if i1 == i2:
                        continue
                    z1, z2 = rast[b, y, x, 2], rast[b, y2, x2, 2]
                    self_near = i2 == 0 or (i1 != 0 and (z1 < z2 or (z1 == z2 and i1 < i2)))
                    if self_near:
                        t = _crossing(P, i1 - 1, tri, edges, W, H, (x, y), (x2, y2))
                        w = 0.5 - t if t is not None and t < 0.5 else 0.0
                    else:
                        t = _crossing(P, i2 - 1, tri, edges, W, H, (x2, y2), (x, y))
                        w = t - 0.5 if t is not None and t > 0.5 else 0.0
                    out[b, y, x] += w * (color[b, y2, x2] - color[b, y, x])
    return out.astype(np.float32)
