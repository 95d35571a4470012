"""A small self-contained numpy z-buffer for visibility labels (no native code, no GPU).

Triangles of a camera-frame mesh are projected with a pinhole K (OpenCV: x right, y down,
z forward) and rasterised into a depth map: depth[r, c] = the smallest perspective-correct
depth (metres) of any triangle covering the centre of pixel (r, c), 0 where nothing does.
Pixel centres sit at u = c + pixel_offset, v = r + pixel_offset: pixel_offset = 0 is OpenCV's
convention (integer coordinates are pixel centres), 0.5 the "corner at 0" convention of
OpenGL-style renderers. Coverage is inclusive on edges (a pixel on a shared edge is tested
against both triangles, harmless for a depth minimum). Triangles with any vertex at
z <= near are skipped rather than clipped - fine for hands in front of the camera.

This is for labelling (occlusion levels, vertex visibility), not for images: it does one
candidate test per pixel of each triangle's bounding box, vectorised in chunks.
"""
from __future__ import annotations

import numpy as np


def project(verts_cam, K):
    """Pinhole projection: verts_cam [V, 3] metres, K [3, 3] -> (uv [V, 2] px, z [V] metres)."""
    v = np.asarray(verts_cam, np.float64)
    K = np.asarray(K, np.float64)
    if v.ndim != 2 or v.shape[1] != 3 or K.shape != (3, 3):
        raise ValueError(f"project: expected verts [V, 3] and K [3, 3], got {v.shape} and {K.shape}")
    z = v[:, 2]
    zs = np.where(np.abs(z) > 1e-12, z, 1e-12)
    uv = np.stack([K[0, 0] * v[:, 0] / zs + K[0, 1] * v[:, 1] / zs + K[0, 2],
                   K[1, 1] * v[:, 1] / zs + K[1, 2]], -1)
    return uv, z


def rasterize_depth(verts_cam, faces, K, height: int, width: int, pixel_offset: float = 0.0,
                    near: float = 1e-4, chunk: int = 1 << 21) -> np.ndarray:
    """Depth map float32 [height, width] in metres (0 = empty) of the mesh verts_cam [V, 3]
    (camera frame, metres), faces [F, 3] int, seen through K [3, 3]. See the module docstring
    for the pixel convention."""
    uv, z = project(verts_cam, K)
    f = np.asarray(faces, np.int64)
    if f.ndim != 2 or f.shape[1] != 3 or (f.size and (f.min() < 0 or f.max() >= len(z))):
        raise ValueError(f"rasterize_depth: faces must be [F, 3] indexing {len(z)} vertices")
    depth = np.full(height * width, np.inf)
    keep = (z[f] > near).all(1)
    f = f[keep]
    if len(f) == 0:
        return np.zeros((height, width), np.float32)
    tu, tv, tz = uv[f, 0], uv[f, 1], z[f]                       # [F, 3] each
    x0 = np.maximum(np.ceil(tu.min(1) - pixel_offset), 0).astype(np.int64)
    x1 = np.minimum(np.floor(tu.max(1) - pixel_offset), width - 1).astype(np.int64)
    y0 = np.maximum(np.ceil(tv.min(1) - pixel_offset), 0).astype(np.int64)
    y1 = np.minimum(np.floor(tv.max(1) - pixel_offset), height - 1).astype(np.int64)
    nx, ny = np.maximum(x1 - x0 + 1, 0), np.maximum(y1 - y0 + 1, 0)
    area = (tu[:, 1] - tu[:, 0]) * (tv[:, 2] - tv[:, 0]) - (tv[:, 1] - tv[:, 0]) * (tu[:, 2] - tu[:, 0])
    live = np.nonzero((nx * ny > 0) & (area != 0))[0]
    counts = (nx * ny)[live]
    # Chunks of whole triangles, each with at most ~chunk candidate pixels.
    ends = np.cumsum(counts)
    start = 0
    while start < len(live):
        stop = int(np.searchsorted(ends, (ends[start - 1] if start else 0) + chunk, side="right"))
        stop = max(stop, start + 1)
        ids, cnt = live[start:stop], counts[start:stop]
        _raster_chunk(depth, ids, cnt, tu, tv, tz, x0, y0, nx, area, width, pixel_offset)
        start = stop
    depth[np.isinf(depth)] = 0.0
    return depth.reshape(height, width).astype(np.float32)


def _raster_chunk(depth, ids, cnt, tu, tv, tz, x0, y0, nx, area, width, off):
    tri = np.repeat(ids, cnt)
    first = np.repeat(np.cumsum(cnt) - cnt, cnt)
    k = np.arange(len(tri)) - first                               # index inside the bbox
    w = nx[tri]
    cx = x0[tri] + k % w
    cy = y0[tri] + k // w
    px, py = cx + off, cy + off
    u, v = tu[tri], tv[tri]

    def edge(a, b):  # signed area of (vertex a, vertex b, pixel centre)
        return (u[:, b] - u[:, a]) * (py - v[:, a]) - (v[:, b] - v[:, a]) * (px - u[:, a])

    A = area[tri]
    b0, b1, b2 = edge(1, 2) / A, edge(2, 0) / A, edge(0, 1) / A   # screen-space barycentrics
    inside = (b0 >= 0) & (b1 >= 0) & (b2 >= 0)
    zt = tz[tri]
    inv_z = b0 / zt[:, 0] + b1 / zt[:, 1] + b2 / zt[:, 2]         # 1/z is affine in screen space
    sel = inside & (inv_z > 0)
    pix = (cy * width + cx)[sel]
    np.minimum.at(depth, pix, 1.0 / inv_z[sel])


def max_filter(img: np.ndarray, radius: int) -> np.ndarray:
    """Maximum over the (2r+1)^2 neighbourhood of each pixel (edges padded with -inf)."""
    if radius <= 0:
        return img
    H, W = img.shape
    pad = np.pad(img, radius, mode="constant", constant_values=-np.inf)
    out = np.full_like(img, -np.inf)
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            np.maximum(out, pad[dy:dy + H, dx:dx + W], out=out)
    return out
