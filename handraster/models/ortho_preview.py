"""A tiny numpy orthographic z-buffer renderer for previews (no native code, no GPU).

Smooth-shaded Lambert with a head light plus a fill light, per-vertex colours; used by
``python -m handraster.models.show`` until the real rasterizer is wired in. Slow (a Python
loop over triangles, ~0.1 s for a 3.5k-triangle hand at 400 px) but obviously correct.
"""
from __future__ import annotations

import numpy as np

# View rotations (rows = image right, image up, toward the viewer) in the canonical frame
# of the default hand (fingers -x, back of the hand +y, thumb +z).
VIEWS = {
    "palm": np.array([[0.0, 0, 1], [-1, 0, 0], [0, -1, 0]]),   # palm toward the viewer, fingers up
    "back": np.array([[0.0, 0, -1], [-1, 0, 0], [0, 1, 0]]),   # back of the hand, fingers up
    "side": np.array([[0.0, 1, 0], [-1, 0, 0], [0, 0, 1]]),    # from the thumb side, fingers up
}


def vertex_normals(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals [V,3] of a triangle mesh."""
    fn = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    n = np.zeros_like(v)
    for k in range(3):
        np.add.at(n, f[:, k], fn)
    return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


def render(v: np.ndarray, f: np.ndarray, colors: np.ndarray, view: np.ndarray,
           size: int = 400, center=None, extent=None, background=(255, 255, 255)) -> np.ndarray:
    """Render one view -> uint8 [size, size, 3] (row 0 at the top).

    v [V,3] metres, f [F,3] counter-clockwise outward triangles, colors [V,3] in [0,1],
    view [3,3] rotation (rows: image right, image up, toward the viewer).
    center [2] / extent (metres across the image) default to fitting the mesh."""
    p = v @ view.T
    if center is None:
        center = (p[:, :2].min(0) + p[:, :2].max(0)) / 2
    if extent is None:
        extent = (p[:, :2].max(0) - p[:, :2].min(0)).max() * 1.1
    s = size / extent
    px = (p[:, 0] - center[0]) * s + size / 2
    py = size / 2 - (p[:, 1] - center[1]) * s
    n = vertex_normals(v, f) @ view.T
    light = np.array([0.3, 0.5, 1.0])
    light /= np.linalg.norm(light)
    fill = np.array([-0.5, -0.3, 0.6])
    fill /= np.linalg.norm(fill)
    shade = 0.25 + 0.65 * np.clip(n @ light, 0, 1) + 0.2 * np.clip(n @ fill, 0, 1)
    col = np.clip(colors * shade[:, None], 0, 1)
    zbuf = np.full((size, size), -np.inf)
    img = np.empty((size, size, 3))
    img[:] = np.asarray(background, np.float64) / 255
    for a, b, c in f:
        x0, x1 = int(max(np.floor(min(px[a], px[b], px[c])), 0)), int(min(np.ceil(max(px[a], px[b], px[c])), size - 1))
        y0, y1 = int(max(np.floor(min(py[a], py[b], py[c])), 0)), int(min(np.ceil(max(py[a], py[b], py[c])), size - 1))
        if x1 < x0 or y1 < y0:
            continue
        gx, gy = np.meshgrid(np.arange(x0, x1 + 1) + 0.5, np.arange(y0, y1 + 1) + 0.5)
        d = (px[b] - px[a]) * (py[c] - py[a]) - (px[c] - px[a]) * (py[b] - py[a])
        if abs(d) < 1e-12:
            continue
        w1 = ((gx - px[a]) * (py[c] - py[a]) - (px[c] - px[a]) * (gy - py[a])) / d
        w2 = ((px[b] - px[a]) * (gy - py[a]) - (gx - px[a]) * (py[b] - py[a])) / d
        w0 = 1 - w1 - w2
        inside = (w0 >= 0) & (w1 >= 0) & (w2 >= 0)
        if not inside.any():
            continue
        z = w0 * p[a, 2] + w1 * p[b, 2] + w2 * p[c, 2]
        sub = zbuf[y0:y1 + 1, x0:x1 + 1]
        upd = inside & (z > sub)
        if not upd.any():
            continue
        sub[upd] = z[upd]
        rgb = w0[..., None] * col[a] + w1[..., None] * col[b] + w2[..., None] * col[c]
        img[y0:y1 + 1, x0:x1 + 1][upd] = rgb[upd]
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)
