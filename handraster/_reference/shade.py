"""Slow, obviously-correct numpy twins of csrc/kernels/vertex_stage.h and shade.h: one
Python loop iteration per vertex / pixel, float64, written from the header formulas."""
from __future__ import annotations

import numpy as np

from handraster._reference import shadow

# Parameter indices (csrc/kernels/shade_common.h)
BACK, PALM, NAIL, BAMP, BFREQ, SEED, ROUGH, SPEC, WRAP, CREASE = 0, 3, 6, 9, 10, 11, 12, 13, 14, 15
FMODE, SLA, SLB, SLPAT, SLFREQ, FCUT, OBA, OBB, OBPAT, OBFREQ, OBROUGH, EXPO, TINT = (
    16, 17, 20, 23, 24, 25, 26, 29, 32, 33, 34, 35, 36)


def vertex_stage(p_world, extr, K, nf, H, W):
    B, V, _ = p_world.shape
    p_cam = np.zeros((B, V, 3))
    clip = np.zeros((B, V, 4))
    for b in range(B):
        n, f = nf[b]
        Kb = K[b].astype(np.float64)
        for v in range(V):
            pc = extr[b, :, :3].astype(np.float64) @ p_world[b, v] + extr[b, :, 3]
            p_cam[b, v] = pc
            x, y, z = pc
            # NDC from the pixel position: x_ndc = (2u + 1)/W - 1, y_ndc = 1 - (2v + 1)/H
            u = (Kb[0, 0] * x + Kb[0, 1] * y) / z + Kb[0, 2]
            vv = Kb[1, 1] * y / z + Kb[1, 2]
            clip[b, v] = [((2 * u + 1) / W - 1) * z, (1 - (2 * vv + 1) / H) * z,
                          (f + n) / (f - n) * z - 2 * f * n / (f - n), z]
    return p_cam, clip


def vertex_blotch(vattr, mat, n_blotch=None):
    """[B, V] skin blotch factor per vertex: 1 + amp (2 fbm(rest * freq, seed) - 1) for the
    first n_blotch vertices (all by default), 1 for the rest."""
    B, V = mat.shape[0], vattr.shape[0]
    out = np.ones((B, V))
    for b in range(B):
        seed = int(mat[b, SEED]) & 0xFFFFFFFF
        for v in range(V if n_blotch is None else n_blotch):
            out[b, v] = 1 + mat[b, BAMP] * (2 * fbm2(vattr[v, 0:3].astype(np.float64) * mat[b, BFREQ], seed) - 1)
    return out


def vertex_normals(pos, faces, sign=None, keep=(0, 0)):
    """Area-weighted unit vertex normals [B, V, 3], times sign[b] except vertices keep[0]..keep[1]-1."""
    B, V, _ = pos.shape
    out = np.zeros((B, V, 3))
    for b in range(B):
        acc = np.zeros((V, 3))
        for f in faces:
            a, c1, c2 = pos[b, f[0]], pos[b, f[1]], pos[b, f[2]]
            n = np.cross(c1 - a, c2 - a)
            for k in f:
                acc[k] += n
        for v in range(V):
            ln = np.linalg.norm(acc[v])
            out[b, v] = acc[v] / ln if ln > 0 else acc[v]
        if sign is not None:
            s = np.full(V, float(sign[b]))
            s[keep[0]:keep[1]] = 1.0
            out[b] *= s[:, None]
    return out


def _hash3(x, y, z, seed):
    m = 0xFFFFFFFF
    h = (seed * 0x9E3779B1) & m
    h ^= (x * 0x85EBCA77) & m
    h ^= (y * 0xC2B2AE3D) & m
    h ^= (z * 0x27D4EB2F) & m
    h ^= h >> 15; h = (h * 0x2C1B3C6D) & m
    h ^= h >> 12; h = (h * 0x297A2D39) & m
    h ^= h >> 15
    return h


def value_noise(x, y, z, seed):
    fx, fy, fz = np.floor([x, y, z])
    ix, iy, iz = int(fx), int(fy), int(fz)
    s = lambda t: t * t * (3 - 2 * t)  # noqa: E731
    tx, ty, tz = s(x - fx), s(y - fy), s(z - fz)
    c = {}
    for dx in (0, 1):
        for dy in (0, 1):
            for dz in (0, 1):
                c[dx, dy, dz] = (_hash3((ix + dx) & 0xFFFFFFFF, (iy + dy) & 0xFFFFFFFF, (iz + dz) & 0xFFFFFFFF,
                                        seed) >> 8) / 16777216.0
    lerp = lambda a, b, t: a + (b - a) * t  # noqa: E731
    y0 = lerp(lerp(c[0, 0, 0], c[1, 0, 0], tx), lerp(c[0, 1, 0], c[1, 1, 0], tx), ty)
    y1 = lerp(lerp(c[0, 0, 1], c[1, 0, 1], tx), lerp(c[0, 1, 1], c[1, 1, 1], tx), ty)
    return lerp(y0, y1, tz)


def fbm2(p, seed):
    return 0.667 * value_noise(*p, seed) + 0.333 * value_noise(*(2.03 * np.asarray(p)), (seed + 17) & 0xFFFFFFFF)


def sh9(n):
    x, y, z = n
    return np.array([0.282095, 0.488603 * y, 0.488603 * z, 0.488603 * x, 1.092548 * x * y, 1.092548 * y * z,
                     0.315392 * (3 * z * z - 1), 1.092548 * x * z, 0.546274 * (x * x - y * y)])


def ggx(n, v, l, rough, f0):
    h = (v + l) / np.linalg.norm(v + l)
    nl, nv, nh, vh = n @ l, n @ v, n @ h, v @ h
    if nl <= 0 or nv <= 0:
        return 0.0
    a2 = rough ** 4
    D = a2 / (np.pi * (nh * nh * (a2 - 1) + 1) ** 2)
    k = rough * rough / 2
    G = nl / (nl * (1 - k) + k) * nv / (nv * (1 - k) + k)
    F = f0 + (1 - f0) * (1 - np.clip(vh, 0, 1)) ** 5
    return D * G * F / (4 * nv)


TEXMIX = 39


def bilinear_rgba8_fixed(img, xf, yf):
    """kernels/shade_common.h's fixed-point bilinear fetch, in Python integers: img [h, w, 4]
    uint8, (xf, yf) 16.16 pixel coordinates (clamped to the edge); returns 4 bytes."""
    h, w = img.shape[:2]
    xf = min(max(int(xf), 0), (w - 1) << 16)
    yf = min(max(int(yf), 0), (h - 1) << 16)
    x0, y0 = xf >> 16, yf >> 16
    x1, y1 = min(x0 + 1, w - 1), min(y0 + 1, h - 1)
    fx, fy = (xf >> 8) & 0xFF, (yf >> 8) & 0xFF
    out = []
    for ch in range(4):
        p00, p01, p10, p11 = (int(img[y0, x0, ch]), int(img[y0, x1, ch]), int(img[y1, x0, ch]), int(img[y1, x1, ch]))
        r0 = (p00 * (256 - fx) + p01 * fx) >> 8
        r1 = (p10 * (256 - fx) + p11 * fx) >> 8
        out.append((r0 * (256 - fy) + r1 * fy) >> 8)
    return out


def texture_albedo(args, tid, t, w):
    """Linear albedo of skin texture tid at triangle t's interpolated corner uv (shade.h)."""
    c = args["uv_tri"][t].astype(np.float32)
    u = np.float32(w[0] * c[0, 0] + w[1] * c[1, 0] + w[2] * c[2, 0])
    v = np.float32(w[0] * c[0, 1] + w[1] * c[1, 1] + w[2] * c[2, 1])
    u = u - np.floor(u)
    h, wd = (int(x) for x in args["tex_hw"][tid])
    o = int(args["tex_off"][tid])
    img = args["tex"].view(np.uint8).reshape(-1, 4)[o:o + h * wd].reshape(h, wd, 4)
    xf = np.floor((u * wd - 0.5) * 65536.0 + 0.5)
    yf = np.floor(((1 - v) * h - 0.5) * 65536.0 + 0.5)
    q = bilinear_rgba8_fixed(img, xf, yf)
    return args["srgb2lin"][q[:3]].astype(np.float64)


def albedo(label, a, blotch, m, tex=None):
    seed = int(m[SEED]) & 0xFFFFFFFF
    skin = label <= 6 or (label == 7 and m[FMODE] < 0.5)
    if skin:
        pw = np.clip(a[3], 0, 1)
        pw = pw * pw * (3 - 2 * pw)
        alb = m[BACK:BACK + 3] * (1 - pw) + m[PALM:PALM + 3] * pw
        alb = alb * blotch
        if tex is not None:
            alb = alb * (1 - m[TEXMIX]) + tex * m[TEXMIX]
        d = a[4] / 0.0012
        if d * d < 16:  # the kernel skips the negligible tail (exp(-16) ~ 1e-7)
            alb = alb * (1 - m[CREASE] * np.exp(-d * d) * (0.35 + 0.65 * pw) * (label <= 6))
        nm = np.clip(a[5], 0, 1)
        alb = alb * (1 - nm) + m[NAIL:NAIL + 3] * nm
        return alb, m[ROUGH] * (1 - nm) + 0.25 * nm, m[SPEC] * (1 - nm) + nm, 0.028, True
    obj = label == 8
    A = m[OBA:OBA + 3] if obj else m[SLA:SLA + 3]
    Bc = m[OBB:OBB + 3] if obj else m[SLB:SLB + 3]
    pat = int(m[OBPAT] if obj else m[SLPAT])
    fr = m[OBFREQ] if obj else m[SLFREQ]
    s = a[7] * fr if obj else a[6] * fr
    t = a[8] * fr if obj else (a[0] + a[2]) * fr
    w = 0.0
    if pat == 1:
        w = float(np.sin(2 * np.pi * s) > 0)
    elif pat == 2:
        w = float((int(np.floor(s)) + int(np.floor(t))) & 1)
    elif pat == 3:
        w = fbm2(np.array([s, t, 0.37]), (seed + 5) & 0xFFFFFFFF)
    return A * (1 - w) + Bc * w, (m[OBROUGH] if obj else 0.85), (1.0 if obj else 0.3), 0.04, False


def soft_clip(c):
    return np.where(c <= 0.8, np.maximum(c, 0), 0.8 + 0.2 * (1 - np.exp(-(c - 0.8) * 5)))


def shade_pixel(args, b, pos, n, label, a, blotch, tex=None):
    m = args["mat"][b].astype(np.float64)
    alb, rough, specw, f0, skin = albedo(label, a, blotch, m, tex)
    v = -pos / np.linalg.norm(pos)
    if n @ v < 0:
        n = -n
    wrap = m[WRAP] if skin else 0.0
    tint = m[TINT:TINT + 3] if skin else np.zeros(3)
    diff, spec = np.zeros(3), np.zeros(3)
    for k in range(min(int(args["nlights"][b]), 5)):
        L = args["lights"][b, k].astype(np.float64)
        E = L[1:4].copy()
        if int(L[0]) == 0:
            l = -L[7:10]
        else:
            d = L[4:7] - pos
            d2 = d @ d
            l = d / np.sqrt(max(d2, 1e-12))
            E = E / max(d2, 0.01)
            if int(L[0]) == 2:
                t = np.clip((-(l @ L[7:10]) - L[10]) / (L[11] - L[10] + 1e-6), 0, 1)
                E = E * t * t * (3 - 2 * t)
        ndl = n @ l
        if "shadow_map" in args and k == int(args["shadow"][b, 16]) and ndl > 0:  # key light (shadow.h)
            E = E * shadow.visibility(args["shadow_map"][b], args["shadow"][b], pos, n, l)
        lam = max(ndl, 0.0)
        wr = max((ndl + wrap) / (1 + wrap), 0.0)
        diff += E * (lam + tint * (wr - lam))
        spec += E * specw * ggx(n, v, l, rough, f0)
    amb = np.maximum(sh9(args["sh_rot"][b] @ n) @ args["sh"][b], 0)
    return (alb / np.pi * (diff + amb) + spec) * m[EXPO]


def encode(lin, lut):
    k = np.minimum((soft_clip(np.asarray(lin)) * 4095 + 0.5).astype(np.int64), 4095)
    return lut[k]


def background(args, b, row, col):
    mode = int(args["bg_mode"][b])
    bp = args["bg_param"][b]
    if mode == 0:
        A = args["bg_affine"][b].astype(np.float64)
        i = int(args["bg_id"][b])
        h, w = args["pool_hw"][i]
        o = args["pool_off"][i]  # pixel offset into packed RGBA words
        img = args["pool"].view(np.uint8).reshape(-1, 4)[o:o + h * w, :3].reshape(h, w, 3).astype(np.float64)
        x = np.clip(A[0] @ [col, row, 1], 0, w - 1)
        y = np.clip(A[1] @ [col, row, 1], 0, h - 1)
        x0, y0 = int(x), int(y)
        x1, y1 = min(x0 + 1, w - 1), min(y0 + 1, h - 1)
        tx, ty = x - x0, y - y0
        c = (img[y0, x0] * (1 - tx) + img[y0, x1] * tx) * (1 - ty) + (img[y1, x0] * (1 - tx) + img[y1, x1] * tx) * ty
        return (c + 0.5).astype(np.uint8)
    if mode == 1:
        i = int(args["bg_id"][b])
        h, w = args["env_hw"][i]
        o = args["env_off"][i]
        env = args["env"][o:o + h * w * 3].reshape(h, w, 3).astype(np.float64)
        ray = args["Kinv"][b] @ [col, row, 1.0]
        d = args["env_rot"][b] @ (ray / np.linalg.norm(ray))
        x = (np.arctan2(d[0], -d[2]) / (2 * np.pi) + 0.5) * w - 0.5
        y = np.clip(np.arccos(np.clip(d[1], -1, 1)) / np.pi * h - 0.5, 0, h - 1)
        fx = np.floor(x)
        x0 = int(fx) % w
        x1 = (x0 + 1) % w
        y0 = int(y)
        y1 = min(y0 + 1, h - 1)
        tx, ty = x - fx, y - y0
        c = (env[y0, x0] * (1 - tx) + env[y0, x1] * tx) * (1 - ty) + (env[y1, x0] * (1 - tx) + env[y1, x1] * tx) * ty
        return encode(c * bp[3], args["lin2srgb"])
    return bp[:3].astype(np.uint8)


def shade(args, H, W):
    """rgb [B,H,W,3] uint8, depth [B,H,W], mask [B,H,W] uint8 (see csrc/kernels/shade.h)."""
    rast, tri = args["rast"], args["tri"]
    B = rast.shape[0]
    rgb = np.zeros((B, H, W, 3), np.uint8)
    depth = np.zeros((B, H, W), np.float32)
    mask = np.zeros((B, H, W), np.uint8)
    for b in range(B):
        for row in range(H):
            for col in range(W):
                R = rast[b, H - 1 - row, col].astype(np.float64)
                t = int(R[3]) - 1
                if t >= 0:
                    f = tri[t]
                    w = np.array([R[0], R[1], 1 - R[0] - R[1]])
                    k = int(np.argmax(w)) if not (w[0] == w[1] or w[1] == w[2] or w[0] == w[2]) else \
                        (0 if w[0] >= w[1] and w[0] >= w[2] else (1 if w[1] >= w[2] else 2))
                    label = int(args["vlabel"][f[k]])
                    a = w @ args["vattr"][f].astype(np.float64)
                    if not a[6] > args["mat"][b, FCUT]:
                        pos = w @ args["p_cam"][b, f].astype(np.float64)
                        n = w @ args["nrm"][b, f].astype(np.float64)
                        n = n / np.linalg.norm(n)
                        blotch = w @ args["vblotch"][b, f].astype(np.float64)
                        tid = int(args["tex_id"][b]) if "tex" in args and len(args["tex_off"]) else -1
                        tex = texture_albedo(args, tid, t, w) if tid >= 0 and label <= 7 else None
                        rgb[b, row, col] = encode(shade_pixel(args, b, pos, n, label, a, blotch, tex),
                                                  args["lin2srgb"])
                        depth[b, row, col] = pos[2]
                        mask[b, row, col] = label
                        continue
                rgb[b, row, col] = background(args, b, row, col)
                depth[b, row, col] = args["bg_param"][b, 4]
    return rgb, depth, mask
