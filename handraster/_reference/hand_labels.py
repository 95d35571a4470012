"""numpy twin of the hand_labels op (csrc/kernels/hand_labels.h): per sample, the box of the
projected hand vertices and per-part counts of the vertices inside the image, hidden by a
nearer rendered surface, and hidden by an object; and the joints' projections and visibility
(joint_labels). float32 op by op, as the kernel."""
from __future__ import annotations

import numpy as np

N_PARTS = 6


def _project(p, K, skew):
    """(u, v) float32 [B, N] of camera-frame points p float32 [B, N, 3]."""
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    iz = np.float32(1) / np.maximum(z, np.float32(1e-6))
    u = (x * iz) * K[:, 0, 0, None] + K[:, 0, 2, None]
    if skew:
        u = u + K[:, 0, 1, None] * (y * iz)
    v = (y * iz) * K[:, 1, 1, None] + K[:, 1, 2, None]
    return u, v


def _inside(px, py, H, W):
    return (px >= 0) & (px <= W - 1) & (py >= 0) & (py <= H - 1)


def joint_labels(joints, jradius, K, depth, mask, skew: bool):
    """joints float32 [B, J, 3] camera frame; jradius float32 [J] -> (j2d float32 [B, J, 2],
    visible bool [B, J]): inside the image and, at its pixel or one of the 8 around it, the
    mask shows the hand (1..7) at a depth within jradius of the joint's."""
    B, H, W = depth.shape
    u, v = _project(joints, K, skew)
    px, py = np.rint(u), np.rint(v)
    bi = np.arange(B)[:, None]
    any_ = np.zeros(u.shape, bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            x, y = px + np.float32(dx), py + np.float32(dy)
            ok = _inside(x, y, H, W)
            xi = np.clip(x, 0, W - 1).astype(np.int64)
            yi = np.clip(y, 0, H - 1).astype(np.int64)
            m = mask[bi, yi, xi]
            near = np.abs(depth[bi, yi, xi] - joints[..., 2]) < jradius
            any_ |= ok & (m >= 1) & (m <= 7) & near
    return np.stack([u, v], -1), any_ & _inside(px, py, H, W)


def hand_labels(p_cam, nrm, K, depth, mask, vpart, skew: bool, eps: float):
    """p_cam float32 [B, V, 3] (m, camera frame, the hand's n_hand vertices first); nrm float32
    [B, V, 3] or None; K float32 [B, 3, 3]; depth float32 [B, H, W] (m, 0 = none); mask uint8
    [B, H, W]; vpart uint8 [n_hand]: 0..5 counted part (and in the box), 6 box only, 7+ neither;
    skew: add K[0, 1] * y / z to u; eps: float (m). Returns (box float32 [B, 4]: min u, min v,
    max u, max v over vpart <= 6; counts int32 [B, 3, 6]: inside, hidden, hidden by an object)."""
    B, H, W = depth.shape
    nh = len(vpart)
    p = p_cam[:, :nh].astype(np.float32)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    u, v = _project(p, K, skew)
    in_box = vpart <= N_PARTS
    box = np.stack([u[:, in_box].min(1), v[:, in_box].min(1), u[:, in_box].max(1), v[:, in_box].max(1)], 1)
    px, py = np.rint(u), np.rint(v)
    inside = _inside(px, py, H, W)
    xi = np.clip(px, 0, W - 1).astype(np.int64)
    yi = np.clip(py, 0, H - 1).astype(np.int64)
    bi = np.arange(B)[:, None]
    d = depth[bi, yi, xi]
    hidden = inside & (d > 0) & (d < z - np.float32(eps))
    obj = hidden & (mask[bi, yi, xi] == 8)
    if nrm is not None:
        n = nrm[:, :nh]
        facing = ((n[..., 0] * -x + n[..., 1] * -y) + n[..., 2] * -z) > 0
        obj &= facing
    counts = np.zeros((B, 3, N_PARTS), np.int32)
    for k in range(N_PARTS):
        sel = vpart == k
        for q, flag in enumerate((inside, hidden, obj)):
            counts[:, q, k] = flag[:, sel].sum(1)
    return box.astype(np.float32), counts
