"""Slow numpy twins of handraster.raster.rasterize and interpolate (see csrc/kernels/raster.h).

Coverage and depth follow the kernel operation for operation (double clipping and snapping,
exact integer edge functions with the top-left rule, the float32 depth plane), so the
visible triangle matches bit for bit; barycentrics are computed independently in float64
from q = M^-1 (Xn, Yn, 1), so they agree with the kernel to float tolerance.
"""
from __future__ import annotations

import numpy as np

SUB = 256  # 1/256 px


def _guard(W: int, H: int) -> float:
    return float((1 << 22) // max(W, H)) - 1.0


def _plane(v, k: int, g: float) -> float:
    x, y, z, w = v
    return (z + w, w - z, g * w + x, g * w - x, g * w + y, g * w - y)[k]


def _clip(poly: list, k: int, g: float) -> list:
    out = []
    n = len(poly)
    for i in range(n):
        S, E = poly[(i + n - 1) % n], poly[i]
        dS, dE = _plane(S, k, g), _plane(E, k, g)
        s_in, e_in = dS >= 0.0, dE >= 0.0
        if s_in != e_in:
            A, B, dA, dB = (S, E, dS, dE) if s_in else (E, S, dE, dS)
            t = dA / (dA - dB)
            out.append(tuple(A[c] + t * (B[c] - A[c]) for c in range(4)))
        if e_in:
            out.append(E)
    return out


def _centre_range(a: int, b: int) -> tuple[int, int]:
    return -((SUB // 2 - a) // SUB), (b - SUB // 2) // SUB


def facing_drawn(mode: int, ccw: bool) -> bool:
    """Draw mode (0 none, 1 both sides, 2 counter-clockwise only, 3 clockwise only) test."""
    return mode == 1 or (mode == 2 and ccw) or (mode == 3 and not ccw)


def setup(P: np.ndarray, W: int, H: int, mode: int = 1):
    """Snapped clipped polygon [(X, Y)], pixel bbox and float32 depth plane of one triangle
    (P: float32 [3, 4] clip space), or None when it can cover nothing or its draw mode
    culls it (orientation: the snapped area's sign, or det's when it needs clipping)."""
    if mode == 0:
        return None
    P = [tuple(float(c) for c in p) for p in P]
    if not all(np.isfinite(c) for p in P for c in p):
        return None
    for k in range(6):
        c = k >> 1
        if all(((p[3] - p[c]) if k & 1 else (p[3] + p[c])) < 0.0 for p in P):
            return None
    a, b, cc = [0.0] * 3, [0.0] * 3, [0.0] * 3
    for i in range(3):
        j, k = (i + 1) % 3, (i + 2) % 3
        a[i] = P[j][1] * P[k][3] - P[k][1] * P[j][3]
        b[i] = P[k][0] * P[j][3] - P[j][0] * P[k][3]
        cc[i] = P[j][0] * P[k][1] - P[k][0] * P[j][1]
    det = P[0][0] * a[0] + P[1][0] * a[1] + P[2][0] * a[2]
    if det == 0.0 or not np.isfinite(det):
        return None
    g = _guard(W, H)
    needs_clip = any(_plane(v, k, g) < 0.0 for v in P for k in range(6)) or any(not v[3] > 0.0 for v in P)
    poly = list(P)
    for k in range(6):
        if any(_plane(v, k, g) < 0.0 for v in poly):
            poly = _clip(poly, k, g)
            if len(poly) < 3:
                return None
    verts = []
    for x, y, z, w in poly:
        if not w > 0.0:
            return None
        X = float(np.rint((x / w + 1.0) * (W * (SUB // 2))))
        Y = float(np.rint((y / w + 1.0) * (H * (SUB // 2))))
        if not (np.isfinite(X) and np.isfinite(Y)):
            return None
        verts.append((int(X), int(Y)))
    if mode != 1:
        if needs_clip:
            ccw = det > 0.0
        else:
            (X0, Y0), (X1, Y1), (X2, Y2) = verts
            area = (X1 - X0) * (Y2 - Y0) - (Y1 - Y0) * (X2 - X0)
            if area == 0:
                return None
            ccw = area > 0
        if not facing_drawn(mode, ccw):
            return None
    xs, ys = [v[0] for v in verts], [v[1] for v in verts]
    bx0, bx1 = _centre_range(min(xs), max(xs))
    by0, by1 = _centre_range(min(ys), max(ys))
    bx0, by0, bx1, by1 = max(bx0, 0), max(by0, 0), min(bx1, W - 1), min(by1, H - 1)
    if bx0 > bx1 or by0 > by1:
        return None
    Xo, Yo = (2.0 * bx0 + 1.0) / W - 1.0, (2.0 * by0 + 1.0) / H - 1.0
    zx = zy = zc = 0.0
    q = []
    inv = 1.0 / det
    sx, sy = inv * (2.0 / W), inv * (2.0 / H)
    for i in range(3):
        qx, qy = a[i] * sx, b[i] * sy
        qc = (a[i] * Xo + b[i] * Yo + cc[i]) * inv
        q += [np.float32(qx), np.float32(qy), np.float32(qc)]
        zx += qx * P[i][2]
        zy += qy * P[i][2]
        zc += qc * P[i][2]
    zplane = np.array([zx, zy, zc]).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        if not (np.all(np.isfinite(zplane)) and np.all(np.isfinite(np.array(q, np.float32)))):
            return None
    return verts, (bx0, by0, bx1, by1), zplane


def _fan_coverage(X, Y, bbox):
    """Boolean coverage of one fan triangle over its bbox window (rows py, cols px)."""
    area = (X[1] - X[0]) * (Y[2] - Y[0]) - (Y[1] - Y[0]) * (X[2] - X[0])
    if area == 0:
        return None
    sg = 1 if area > 0 else -1
    bx0, by0, bx1, by1 = bbox
    px = np.arange(bx0, bx1 + 1, dtype=np.int64)[None, :] * SUB + SUB // 2
    py = np.arange(by0, by1 + 1, dtype=np.int64)[:, None] * SUB + SUB // 2
    inside = np.ones((by1 - by0 + 1, bx1 - bx0 + 1), dtype=bool)
    for i in range(3):
        j, m = (i + 1) % 3, (i + 2) % 3
        dx, dy = sg * (X[m] - X[j]), sg * (Y[m] - Y[j])
        owned = dy < 0 or (dy == 0 and dx < 0)
        e = dx * (py - Y[j]) - dy * (px - X[j])
        inside &= (e >= 0) if owned else (e > 0)
    return inside


def rasterize(pos: np.ndarray, tri: np.ndarray, resolution, ranges=None, mask=None):
    """(rast, rast_db) float32 [B, H, W, 4] for float32 pos [B, V, 4] (or [V, 4] + ranges);
    mask: optional uint8 [B, T] draw modes (instanced mode)."""
    H, W = resolution
    pos, tri = np.asarray(pos, np.float32), np.asarray(tri, np.int64)
    if ranges is None:
        jobs = [(pos[b], 0, len(tri)) for b in range(pos.shape[0])]
    else:
        jobs = [(pos, int(s), int(n)) for s, n in np.asarray(ranges)]
    B = len(jobs)
    rast = np.zeros((B, H, W, 4), np.float32)
    db = np.zeros((B, H, W, 4), np.float32)
    for b, (P, first, count) in enumerate(jobs):
        zbuf = np.full((H, W), np.inf, np.float32)
        ibuf = np.zeros((H, W), np.int64)
        for t in range(first, first + count):
            s = setup(P[tri[t]], W, H, 1 if mask is None else int(mask[b, t]))
            if s is None:
                continue
            verts, (bx0, by0, bx1, by1), (zx, zy, zc) = s
            for k in range(1, len(verts) - 1):
                X = [verts[0][0], verts[k][0], verts[k + 1][0]]
                Y = [verts[0][1], verts[k][1], verts[k + 1][1]]
                fb0, fb1 = _centre_range(min(X), max(X))
                gb0, gb1 = _centre_range(min(Y), max(Y))
                box = (max(fb0, bx0), max(gb0, by0), min(fb1, bx1), min(gb1, by1))
                if box[0] > box[2] or box[1] > box[3]:
                    continue
                cov = _fan_coverage(X, Y, box)
                if cov is None:
                    continue
                fx = np.arange(box[0], box[2] + 1).astype(np.float32) - np.float32(bx0)
                fy = np.arange(box[1], box[3] + 1).astype(np.float32) - np.float32(by0)
                zrow = zc + zy * fy  # float32 ops, as the kernel
                z = zrow[:, None] + zx * fx[None, :]
                win = (slice(box[1], box[3] + 1), slice(box[0], box[2] + 1))
                nearer = cov & (z < zbuf[win])
                zbuf[win] = np.where(nearer, z, zbuf[win])
                ibuf[win] = np.where(nearer, t + 1, ibuf[win])
        ys, xs = np.nonzero(ibuf)
        for y, x in zip(ys, xs):
            t = ibuf[y, x] - 1
            u, v, d = barycentrics(P[tri[t]].astype(np.float64), x, y, W, H)
            rast[b, y, x] = (u, v, zbuf[y, x], t + 1)
            db[b, y, x] = d
    return rast, db


def barycentrics(P: np.ndarray, px: int, py: int, W: int, H: int):
    """Clamped perspective-correct (u, v) of pixel centre (px, py) in triangle P [3, 4] and
    (du/dX, du/dY, dv/dX, dv/dY) per pixel, in float64."""
    M = P[:, [0, 1, 3]].T  # rows x, y, w; columns = vertices
    Minv = np.linalg.inv(M)
    q = Minv @ np.array([(2 * px + 1) / W - 1, (2 * py + 1) / H - 1, 1.0])
    qx, qy = Minv[:, 0] * 2.0 / W, Minv[:, 1] * 2.0 / H
    S, Sx, Sy = q.sum(), qx.sum(), qy.sum()
    u, v = q[0] / S, q[1] / S
    d = [(qx[0] * S - q[0] * Sx) / S**2, (qy[0] * S - q[0] * Sy) / S**2,
         (qx[1] * S - q[1] * Sx) / S**2, (qy[1] * S - q[1] * Sy) / S**2]
    u, v = min(max(u, 0.0), 1.0), min(max(v, 0.0), 1.0)
    if u + v > 1.0:
        u, v = u / (u + v), v / (u + v)
    return u, v, d


def interpolate(attr: np.ndarray, rast: np.ndarray, tri: np.ndarray, rast_db=None, diff_attrs=None):
    """(out [B, H, W, A], out_da [B, H, W, 2 N]) as handraster.raster.interpolate."""
    rast = np.asarray(rast, np.float64)
    attr = np.asarray(attr, np.float64)
    B, H, W, _ = rast.shape
    if attr.ndim == 2:
        attr = attr[None]
    attr = np.broadcast_to(attr, (B,) + attr.shape[1:])
    A = attr.shape[-1]
    diff = list(range(A)) if diff_attrs == "all" else list(diff_attrs or [])
    out = np.zeros((B, H, W, A))
    out_da = np.zeros((B, H, W, 2 * len(diff)))
    for b in range(B):
        for y in range(H):
            for x in range(W):
                u, v, _, idf = rast[b, y, x]
                if idf == 0:
                    continue
                a0, a1, a2 = attr[b][tri[int(idf) - 1]]
                out[b, y, x] = u * a0 + v * a1 + (1 - u - v) * a2
                for j, k in enumerate(diff):
                    d = rast_db[b, y, x]
                    out_da[b, y, x, 2 * j] = d[0] * (a0[k] - a2[k]) + d[2] * (a1[k] - a2[k])
                    out_da[b, y, x, 2 * j + 1] = d[1] * (a0[k] - a2[k]) + d[3] * (a1[k] - a2[k])
    return out.astype(np.float32), out_da.astype(np.float32)
