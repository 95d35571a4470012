"""Finger-finger interpenetration of a posed hand, measured with capsules.

Each phalanx (index..pinky: proximal, middle, distal; thumb: metacarpal, proximal,
distal) is approximated by a capsule around its bone: the segment from its joint to the
next joint (to the fingertip, pulled back by the radius, for the distal one), radius =
RADIUS_SCALE x the median distance of the phalanx's shaft vertices (vertices whose
strongest weight is that joint, away from the knuckle and the tip) to the bone at rest.
The depth of a vertex of one finger inside the capsule of another finger measures how far
that finger passes through the other.
Contact with the palm is not measured (a fist's fingertips rest on the palm).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RADIUS_SCALE = 0.85     # slightly thinner than the median: skin of touching fingers is soft
_FINGER_PART = (3, 4, 6, 5, 2)   # part label of MANO finger chains index, middle, pinky, ring, thumb
_TIP = (1, 2, 4, 3, 0)           # fingertip (tip_ids order) of each chain


@dataclass
class Capsules:
    """Per phalanx (15, MANO pose-joint order): joint index, finger (0..4), radius [m];
    owner [V] the phalanx each vertex belongs to (-1 for palm / forearm)."""
    joint: np.ndarray
    finger: np.ndarray
    radius: np.ndarray
    owner: np.ndarray


def _bones(joints: np.ndarray, tips: np.ndarray, radius=None):
    """Segment endpoints a, b [..., 15, 3] of the phalanges from joints [..., 16, 3] and
    tips [..., 5, 3] (distal ends pulled back by the radius)."""
    a = joints[..., 1:, :]
    b = np.empty_like(a)
    for f in range(5):
        s = 3 * f
        b[..., s, :], b[..., s + 1, :] = joints[..., s + 2, :], joints[..., s + 3, :]
        t = tips[..., _TIP[f], :]
        if radius is not None:
            d = t - a[..., s + 2, :]
            d = d / np.linalg.norm(d, axis=-1, keepdims=True)
            t = t - radius[s + 2] * d
        b[..., s + 2, :] = t
    return a, b


def _seg_dist(p: np.ndarray, a: np.ndarray, b: np.ndarray, clip: bool = True):
    """Distances [..., N, M] of points p [..., N, 3] to segments a, b [..., M, 3] (and the
    position t along the segment of the nearest point; unclipped: distances to the lines)."""
    ab = b - a
    ap = p[..., :, None, :] - a[..., None, :, :]
    t = (ap * ab[..., None, :, :]).sum(-1) / np.maximum((ab * ab).sum(-1)[..., None, :], 1e-12)
    if clip:
        t = np.clip(t, 0, 1)
    return np.linalg.norm(ap - t[..., None] * ab[..., None, :, :], axis=-1), t


def build_capsules(model) -> Capsules:
    """Capsules of the model's rest shape (betas = 0)."""
    v = model.v_template.astype(np.float64)
    J = model.J_regressor.astype(np.float64) @ v
    tips = v[model.tip_ids]
    strongest = model.weights.argmax(1)
    owner = np.where((strongest > 0) & np.isin(model.vertex_parts, _FINGER_PART), strongest - 1, -1)
    a, b = _bones(J, tips)
    radius = np.empty(15)
    for k in range(15):
        sel = owner == k
        d, t = _seg_dist(v[sel], a[k:k + 1], b[k:k + 1], clip=False)
        mid = (t[:, 0] > 0.1) & (t[:, 0] < 0.7)          # the shaft, not the knuckle or the tip
        radius[k] = np.median(d[mid, 0]) * RADIUS_SCALE
    return Capsules(np.arange(1, 16), np.repeat(np.arange(5), 3), radius, owner)


def penetration_depth(model, vertices: np.ndarray, joints: np.ndarray, caps: Capsules = None) -> np.ndarray:
    """Deepest finger-into-other-finger penetration [B] in metres (0 when none).

    vertices [B,V,3] and joints [B,21,3] (model.forward outputs: 16 joints then the 5 tips)."""
    caps = caps or build_capsules(model)
    vertices = np.asarray(vertices, np.float64)
    joints = np.asarray(joints, np.float64)
    a, b = _bones(joints[:, :16], joints[:, 16:21], caps.radius)
    sel = np.flatnonzero(caps.owner >= 0)
    vf = caps.finger[caps.owner[sel]]                       # finger of each finger vertex
    out = np.zeros(len(vertices))
    for i in range(len(vertices)):
        d = caps.radius[None, :] - _seg_dist(vertices[i, sel], a[i], b[i])[0]   # [N, 15]
        d[vf[:, None] == caps.finger[None, :]] = -np.inf     # a finger never hits itself
        out[i] = max(float(d.max()), 0.0)
    return out
