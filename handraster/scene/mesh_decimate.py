"""Reducing a user mesh to a face budget: trimesh's quadric decimation when the optional
fast_simplification package is installed, else a dependency-free vertex clustering (vertices
snapped to the cells of a uniform grid and merged; coarser grids until the budget is met).
Clustering is crude (thin parts may collapse) but adequate for occluders."""
from __future__ import annotations

import numpy as np


def cluster_vertices(vertices, faces, grid: int):
    """Merge vertices per cell of a grid x grid x grid lattice over the bounding box ->
    (vertices float64 [V', 3] = cell means, faces int64 [F', 3] without degenerate/duplicate)."""
    v = np.asarray(vertices, np.float64)
    f = np.asarray(faces, np.int64)
    lo, hi = v.min(0), v.max(0)
    cell = np.floor((v - lo) / (np.maximum(hi - lo, 1e-12)) * (grid - 1e-9)).astype(np.int64)
    key = (cell[:, 0] * grid + cell[:, 1]) * grid + cell[:, 2]
    uniq, inv = np.unique(key, return_inverse=True)
    cnt = np.bincount(inv, minlength=len(uniq)).astype(np.float64)
    nv = np.stack([np.bincount(inv, v[:, k], len(uniq)) for k in range(3)], 1) / cnt[:, None]
    nf = inv[f]
    keep = (nf[:, 0] != nf[:, 1]) & (nf[:, 1] != nf[:, 2]) & (nf[:, 0] != nf[:, 2])
    nf = nf[keep]
    _, first = np.unique(np.sort(nf, axis=1), axis=0, return_index=True)  # drop duplicates
    nf = nf[np.sort(first)]
    used = np.unique(nf)
    remap = np.full(len(nv), -1, np.int64)
    remap[used] = np.arange(len(used))
    return nv[used], remap[nf]


def decimate_mesh(tm, max_faces: int):
    """trimesh.Trimesh -> a trimesh.Trimesh with at most max_faces faces (see module doc)."""
    import trimesh

    try:
        import fast_simplification  # noqa: F401

        out = tm.simplify_quadric_decimation(face_count=max_faces)
        if 0 < len(out.faces) <= max_faces:
            return out
    except Exception:  # not installed, or it failed: fall back to clustering
        pass
    lo, hi = 4, 256
    best = None
    while lo <= hi:  # largest grid whose result fits the budget
        g = (lo + hi) // 2
        v, f = cluster_vertices(tm.vertices, tm.faces, g)
        if len(f) <= max_faces:
            best, lo = (v, f), g + 1
        else:
            hi = g - 1
    if best is None:
        best = cluster_vertices(tm.vertices, tm.faces, 4)
    return trimesh.Trimesh(best[0], best[1], process=False)
