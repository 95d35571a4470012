"""rasterize: clip-space triangles -> (rast, rast_db) with nvdiffrast's conventions.

See csrc/kernels/raster.h for the exact rules (pixel centres, clipping, the top-left tie
rule, the depth test).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from handraster import _native
from handraster.raster._common import contiguous, pick_backend, pooled_empty, split_context


def rasterize(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """``rasterize([glctx,] pos, tri, resolution, ranges=None, grad_db=True, backend=None, mask=None)``.

    Args:
        glctx: optional, as in nvdiffrast (a ``RasterizeContext``, an nvdiffrast context or None).
        pos: float32 clip-space positions, [B, V, 4] (instanced mode) or [V, 4] (range mode).
        tri: int32 [T, 3] vertex indices.
        resolution: (height, width) in pixels.
        ranges: range mode only, int32 [B, 2] (first triangle, triangle count) per image,
            host array.
        grad_db: also return rast_db (else an empty [B, H, W, 0] array).
        backend: "native" (default) or "nvdiffrast" (torch CUDA tensors only).
        mask: instanced mode only, not in nvdiffrast: uint8 (or bool) [B, T] draw mode of
            each triangle in each image, same device as pos: 0 not drawn, 1 drawn, 2 drawn
            only where counter-clockwise on screen (y up; back-face culling of an
            outward-wound mesh), 3 only where clockwise (the mirrored mesh). Orientation rule:
            csrc/kernels/raster.h.

    Returns:
        rast: float32 [B, H, W, 4] = (u, v, z/w, triangle_id + 1), zero on background; row 0
            is the bottom of the image (y = -1 in NDC).
        rast_db: float32 [B, H, W, 4] = (du/dX, du/dY, dv/dX, dv/dY) per pixel, or [B, H, W, 0].
        Same library and device as ``pos``; no autograd.
    """
    glctx, args = split_context(args, kwargs)
    return _rasterize(glctx, *args, **kwargs)


def _resolution(resolution: Sequence[int]) -> tuple[int, int]:
    try:
        h, w = (int(r) for r in resolution)
        ok = all(float(r) == int(r) for r in resolution)
    except (TypeError, ValueError):
        ok = False
    if not ok or h < 1 or w < 1:
        raise ValueError(f"handraster.rasterize: resolution must be (height, width) with positive "
                         f"integers, got {resolution!r}")
    return h, w


def _draw_modes(mask: Any) -> Any:
    """A draw-mode mask for the native op: contiguous uint8 (bool reinterpreted: 0 / 1)."""
    mask = contiguous(mask)
    if _native.is_torch(mask):
        import torch
        return mask.view(torch.uint8) if mask.dtype == torch.bool else mask
    return mask.view(np.uint8) if mask.dtype == np.bool_ else mask  # numpy or cupy: free


def _rasterize(glctx: Any, pos: Any, tri: Any, resolution: Sequence[int], ranges: Any = None,
               grad_db: bool = True, backend: str | None = None, mask: Any = None) -> tuple[Any, Any]:
    if pick_backend("rasterize", backend, glctx, pos, tri) == "nvdiffrast":
        if mask is not None:
            raise ValueError("handraster.rasterize: 'mask' (draw modes) is not available with backend='nvdiffrast'")
        from handraster.raster import _nvdiffrast
        ctx = _nvdiffrast.context(glctx, pos.device)
        return _nvdiffrast.module().rasterize(ctx, pos, tri, resolution, ranges=ranges, grad_db=grad_db)
    h, w = _resolution(resolution)
    pos, tri = contiguous(pos), contiguous(tri)
    ndim = len(getattr(pos, "shape", ()))
    if ranges is not None:
        if _native.is_torch(ranges):
            ranges = ranges.detach().cpu().numpy()
        ranges = np.ascontiguousarray(ranges)
        B = int(ranges.shape[0]) if ranges.ndim == 2 else 0
    else:
        B = int(pos.shape[0]) if ndim == 3 else 0
    mod = _native.module_for(pos)
    rast = pooled_empty((B, h, w, 4), like=pos)
    rast_db = pooled_empty((B, h, w, 4 if grad_db else 0), like=pos)
    scratch = None
    if _native.device_of(pos) == "cuda":
        tcap = int(tri.shape[0]) if ranges is None else int(max(ranges[:, 1].max(initial=0), 0))
        nbytes = mod.raster_scratch_bytes(B, tcap, h, w)
        scratch = _native.empty((max(nbytes, 1),), like=pos, dtype=np.uint8)
    mod.rasterize_forward(_native.for_native(pos), _native.for_native(tri), ranges,
                          _native.for_native(rast),
                          _native.for_native(rast_db) if grad_db else None,
                          _native.for_native(scratch), _native.stream_of(pos), None,
                          _native.for_native(_draw_modes(mask)) if mask is not None else None)
    return rast, rast_db


def rasterize_spans(pos: np.ndarray, tri: np.ndarray, resolution: Sequence[int],
                    mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """CPU rasterize for the scene renderer: (rast float32 [B, H, W, 4], spans int32 [B, H, 2]).
    spans[b, y] = [x0, x1] is the column range of rast row y (row 0 at the bottom) that may be
    covered (x0 > x1: none). rast is exact inside the spans and NOT written outside them (stale
    memory): the renderer's shade op reads the spans only, so the rasterizer skips clearing
    and the shader skips reading the ~90 % of a hand image that is empty. pos float32 numpy
    [B, V, 4] (instanced mode), tri int32 [T, 3], mask optional uint8 [B, T] draw modes (as
    rasterize's: 0 none, 1 both sides, 2 counter-clockwise only, 3 clockwise only)."""
    h, w = _resolution(resolution)
    pos, tri = np.ascontiguousarray(pos, np.float32), np.ascontiguousarray(tri, np.int32)
    B = int(pos.shape[0])
    rast = pooled_empty((B, h, w, 4), like=pos)
    spans = np.empty((B, h, 2), np.int32)
    _native.native("cpu").rasterize_forward(pos, tri, None, rast, None, None, 0, spans,
                                            None if mask is None else _draw_modes(mask))
    return rast, spans


def rasterize_depth(pos: Any, tri: Any, resolution: Sequence[int], mask: Any = None) -> Any:
    """Depth-only rasterization (shadow maps): float32 [B, H, W], the nearest z/w of each pixel
    and +inf where no triangle covers it. Coverage, clipping and depth are those of
    ``rasterize`` exactly: wherever ``rast[..., 3] > 0`` the value equals ``rast[..., 2]``
    bit for bit. No barycentrics, ids or derivatives (cheaper: no resolve pass).

    Args:
        pos: float32 clip-space positions [B, V, 4] (instanced mode).
        tri: int32 [T, 3] vertex indices.
        resolution: (height, width); row 0 of the output is the bottom, as rast.
        mask: optional bool or uint8 [B, T] draw modes, as rasterize's (bool: draw triangle t
            in image b only where set).
    """
    h, w = _resolution(resolution)
    pos, tri = contiguous(pos), contiguous(tri)
    if len(getattr(pos, "shape", ())) != 3:
        raise ValueError(f"handraster.rasterize_depth: argument 'pos' must be [B, V, 4], got shape "
                         f"{tuple(getattr(pos, 'shape', ()))}")
    if mask is not None:
        mask = _draw_modes(mask)
    B = int(pos.shape[0])
    mod = _native.module_for(pos)
    depth = pooled_empty((B, h, w), like=pos)
    scratch = None
    if _native.device_of(pos) == "cuda":
        nbytes = mod.raster_scratch_bytes(B, int(tri.shape[0]), h, w)
        scratch = _native.empty((max(nbytes, 1),), like=pos, dtype=np.uint8)
    mod.rasterize_depth_forward(_native.for_native(pos), _native.for_native(tri),
                                _native.for_native(mask) if mask is not None else None,
                                _native.for_native(depth), _native.for_native(scratch),
                                _native.stream_of(pos))
    return depth
