"""Scene builders shared by the raster tests (random meshes, closed meshes, grids)."""
from __future__ import annotations

import numpy as np


def random_clip_mesh(rng: np.random.Generator, B: int, V: int, T: int, near_cross: bool = True):
    """pos float32 [B, V, 4] and tri int32 [T, 3]: random triangles, some crossing the near
    plane (w small, z < -w at a vertex), some degenerate (repeated vertex) or slivers."""
    xyz = rng.uniform(-1.2, 1.2, size=(B, V, 3))
    w = rng.uniform(0.6, 2.0, size=(B, V, 1))
    pos = np.concatenate([xyz * w, w], axis=-1)
    if near_cross:
        k = rng.choice(V, size=max(1, V // 6), replace=False)
        pos[:, k, 2] = -pos[:, k, 3] * rng.uniform(1.05, 3.0, size=(B, len(k)))  # behind near plane
    tri = rng.integers(0, V, size=(T, 3))
    tri[: max(1, T // 10), 2] = tri[: max(1, T // 10), 1]  # degenerate
    sl = slice(T // 10, T // 10 + max(1, T // 10))  # slivers: third vertex near the first
    pos[:, tri[sl, 2]] = pos[:, tri[sl, 0]] + rng.normal(0, 1e-3, size=(B, len(tri[sl]), 4))
    return pos.astype(np.float32), tri.astype(np.int32)


def grid_mesh(n: int, res: int, jitter: float = 0.0, rng=None, z: float = 0.0):
    """A flat (n x n)-cell grid of 2 n^2 triangles covering NDC [-0.75, 0.75]^2 with vertices
    on pixel centres of a res x res image (many exact edge ties), w = 1. Returns pos [V, 4],
    tri [T, 3] with mixed windings."""
    # pixel centres: (2 p + 1) / res - 1; choose lattice of pixel indices
    idx = np.round(np.linspace(res * 0.125, res * 0.875 - 1, n + 1)).astype(int)
    c = (2 * idx + 1) / res - 1
    X, Y = np.meshgrid(c, c)
    pos = np.stack([X.ravel(), Y.ravel(), np.full(X.size, z), np.ones(X.size)], -1)
    if jitter:
        inner = (np.abs(X.ravel()) < c.max()) & (np.abs(Y.ravel()) < c.max())
        pos[inner, :2] += rng.uniform(-jitter, jitter, size=(inner.sum(), 2))
    tris = []
    for i in range(n):
        for j in range(n):
            a, b, cc, d = i * (n + 1) + j, i * (n + 1) + j + 1, (i + 1) * (n + 1) + j, (i + 1) * (n + 1) + j + 1
            if (i + j) % 2:
                tris += [[a, b, d], [a, d, cc]]
            else:
                tris += [[a, b, cc], [b, cc, d][::-1]]
    return pos.astype(np.float32), np.array(tris, np.int32)


def sphere_mesh(n_lat: int = 8, n_lon: int = 12):
    """Closed UV sphere of unit radius: vertices [V, 3], tri int32 [T, 3] (outward CCW)."""
    verts = [(0.0, 0.0, 1.0)]
    for i in range(1, n_lat):
        th = np.pi * i / n_lat
        for j in range(n_lon):
            ph = 2 * np.pi * j / n_lon
            verts.append((np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)))
    verts.append((0.0, 0.0, -1.0))
    V = len(verts)
    tri = []
    for j in range(n_lon):
        tri.append([0, 1 + j, 1 + (j + 1) % n_lon])
    for i in range(n_lat - 2):
        r0, r1 = 1 + i * n_lon, 1 + (i + 1) * n_lon
        for j in range(n_lon):
            j1 = (j + 1) % n_lon
            tri += [[r0 + j, r1 + j, r1 + j1], [r0 + j, r1 + j1, r0 + j1]]
    last = 1 + (n_lat - 2) * n_lon
    for j in range(n_lon):
        tri.append([V - 1, last + (j + 1) % n_lon, last + j])
    return np.array(verts, np.float64), np.array(tri, np.int32)


def perspective(xyz: np.ndarray, near: float = 0.5, far: float = 10.0, f: float = 2.0) -> np.ndarray:
    """Camera-space points (looking down -z) to float32 clip space [..., 4]."""
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    a, b = (far + near) / (near - far), 2 * far * near / (near - far)
    return np.stack([f * x, f * y, a * z + b, -z], -1).astype(np.float32)
