"""antialias: analytic silhouette antialiasing (nvdiffrast's antialias), deterministic on
CPU. Rules: csrc/kernels/antialias.h."""
from __future__ import annotations

from typing import Any

import numpy as np

from handraster import _native
from handraster.raster._common import check_cpu_flag, contiguous, pick_backend, pooled_empty


class TopologyHash:
    """Edge adjacency of a triangle list: nbr int32 [T, 3], the triangle across edge
    (tri[t, k], tri[t, (k+1) % 3]), -1 on a boundary edge, -2 on an edge of 3+ triangles."""

    def __init__(self, nbr: np.ndarray, num_triangles: int):
        self.nbr, self.num_triangles = nbr, num_triangles
        self._on: dict = {}

    def like(self, x: Any) -> Any:
        """nbr in x's library and device (cached)."""
        key = (_native.lib_of(x), str(getattr(x, "device", "cpu")))
        if key not in self._on:
            self._on[key] = _native.asarray(self.nbr, like=x, dtype=np.int32)
        return self._on[key]


def edge_neighbours(tri: np.ndarray) -> np.ndarray:
    """nbr int32 [T, 3] of TopologyHash, by sorting undirected edge keys."""
    tri = np.asarray(tri, dtype=np.int64).reshape(-1, 3)
    T = len(tri)
    a, b = tri, tri[:, [1, 2, 0]]
    key = (np.minimum(a, b) << 32 | np.maximum(a, b)).ravel()  # edge k of t at 3 t + k
    order = np.argsort(key, kind="stable")
    sk = key[order]
    start = np.ones(len(sk), dtype=bool)
    start[1:] = sk[1:] != sk[:-1]
    gid = np.cumsum(start) - 1
    size = np.bincount(gid)[gid]
    nbr = np.full(3 * T, -1, dtype=np.int64)
    nbr[order[size > 2]] = -2
    first = np.nonzero(start & (size == 2))[0]
    e1, e2 = order[first], order[first + 1]
    nbr[e1], nbr[e2] = e2 // 3, e1 // 3
    return nbr.reshape(T, 3).astype(np.int32)


def antialias_construct_topology_hash(tri: Any) -> TopologyHash:
    """Topology of tri (int32 [T, 3]) for antialias; build once per mesh and reuse."""
    host = tri.detach().cpu().numpy() if _native.is_torch(tri) else np.asarray(tri)
    if host.ndim != 2 or host.shape[1] != 3 or host.dtype != np.int32:
        raise ValueError(f"handraster.antialias: argument 'tri' must be int32 with shape [T, 3], "
                         f"got {host.dtype} with shape {list(host.shape)}")
    return TopologyHash(edge_neighbours(host), len(host))


def antialias(color: Any, rast: Any, pos: Any, tri: Any, topology_hash: Any = None,
              pos_gradient_boost: float = 1.0, backend: str | None = None) -> Any:
    """Blend colours across silhouette edges, as nvdiffrast.torch.antialias.

    Args:
        color: float32 [B, H, W, C] shaded image.
        rast: float32 [B, H, W, 4] from rasterize (same pos and tri).
        pos: float32 [B, V, 4] or [V, 4] (range mode) clip-space positions.
        tri: int32 [T, 3].
        topology_hash: from antialias_construct_topology_hash (built here when None).
        pos_gradient_boost: accepted for compatibility; no effect (no gradients yet).

    Returns: float32 [B, H, W, C] in color's library and device.
    """
    if pick_backend("antialias", backend, None, color, rast) == "nvdiffrast":
        from handraster.raster import _nvdiffrast
        return _nvdiffrast.module().antialias(color, rast, pos, tri, topology_hash=topology_hash,
                                              pos_gradient_boost=pos_gradient_boost)
    color, rast, pos, tri = contiguous(color), contiguous(rast), contiguous(pos), contiguous(tri)
    if topology_hash is None:
        topology_hash = antialias_construct_topology_hash(tri)
    if not isinstance(topology_hash, TopologyHash):
        raise ValueError("handraster.antialias: topology_hash must come from "
                         "antialias_construct_topology_hash")
    mod = _native.module_for(color)
    out = pooled_empty(tuple(color.shape), like=color)
    bad = _native.zeros((1,), like=color, dtype=np.int32)
    mod.antialias_forward(_native.for_native(color), _native.for_native(rast),
                          _native.for_native(pos), _native.for_native(tri),
                          _native.for_native(topology_hash.like(color)), _native.for_native(out),
                          _native.for_native(bad), _native.stream_of(color))
    check_cpu_flag("antialias", bad, "rast holds a triangle id that is not in tri")
    return out
