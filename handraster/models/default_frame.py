"""The default hand's canonical frame and flat rest pose.

Canonical frame (the same axes as MANO's right-hand template, so MANO-space poses and
global orientations mean the same thing on both models):
  origin  the wrist joint (centre of MakeHuman's joint-r-hand helper);
  -x      from the wrist toward the middle finger's MCP joint (fingers point along -x,
          the forearm extends along +x);
  +y      the back of the hand (dorsal normal; the palm faces -y);
  +z      x cross y: toward the thumb for the right hand (the pinky is at -z).
Units are metres.

Flat rest pose: the MakeHuman A-pose fingers are slightly flexed (MCP 5-12 deg, PIP 8-13,
DIP 2-3). ``straightening_pose`` computes, per finger, the local rotations that lay the
proximal phalanx parallel to the palm plane (y = 0 direction) and the middle and distal
phalanges in line with it; ``pose_mesh`` applies them with linear blend skinning, and the
result is baked as the template (spread between fingers and the thumb are kept as modelled).
"""
from __future__ import annotations

import numpy as np

from handraster.models.rotations import rodrigues  # noqa: F401  (re-exported)

from handraster.models.joints import MANO_PARENTS

PARENTS = np.array(MANO_PARENTS)
# (first MANO joint of a finger chain, its tip in handraster's tip order thumb..pinky)
FINGER_CHAINS = ((1, 1), (4, 2), (7, 4), (10, 3))   # index, middle, pinky, ring
THUMB_CHAIN = (13, 0)


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation [3,3] taking direction a to direction b."""
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    ax = np.cross(a, b)
    s, c = np.linalg.norm(ax), float(a @ b)
    if s < 1e-12:
        return np.eye(3)
    return rodrigues(ax / s * np.arctan2(s, c))


def canonical_rotation(J: np.ndarray) -> np.ndarray:
    """Rotation R [3,3] (rows = canonical axes in the source frame) from MANO-order joints
    J [16,3]: canonical = (p - J[0]) @ R.T."""
    x = J[0] - J[4]
    x /= np.linalg.norm(x)
    volar = np.cross(J[1] - J[0], J[7] - J[0])   # index x pinky = palm side for a right hand
    y = -volar - (-volar @ x) * x
    y /= np.linalg.norm(y)
    return np.stack([x, y, np.cross(x, y)])


def forward_kinematics(local_R: np.ndarray, J: np.ndarray):
    """World transforms of the joints. local_R [16,3,3] rotations relative to the parent,
    J [16,3] rest joints -> (A [16,3,4] skinning transforms with the rest pose removed,
    Jp [16,3] posed joints)."""
    n = len(J)
    Rw = np.zeros((n, 3, 3))
    tw = np.zeros((n, 3))
    for j in range(n):
        p = PARENTS[j]
        if p < 0:
            Rw[j], tw[j] = local_R[j], J[j]
        else:
            Rw[j] = Rw[p] @ local_R[j]
            tw[j] = Rw[p] @ (J[j] - J[p]) + tw[p]
    A = np.concatenate([Rw, (tw - np.einsum("jab,jb->ja", Rw, J))[..., None]], axis=2)
    return A, tw


def skin(X: np.ndarray, weights: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Linear blend skinning of X [K,3] with weights [K,16] and transforms A [16,3,4]."""
    T = np.einsum("kj,jab->kab", weights, A)
    return np.einsum("kab,kb->ka", T[:, :, :3], X) + T[:, :, 3]


def straightening_pose(J: np.ndarray, tips: np.ndarray) -> np.ndarray:
    """Local rotations [16,3,3] that flatten each finger (index..pinky) in the canonical
    frame: the proximal phalanx is rotated into the y = 0 plane (keeping its spread) and
    each further phalanx into line with the one before it. The thumb and wrist are kept."""
    R = np.tile(np.eye(3), (16, 1, 1))
    for first, tip in FINGER_CHAINS:
        pts = [J[first], J[first + 1], J[first + 2], tips[tip]]
        u = [pts[i + 1] - pts[i] for i in range(3)]
        flat = u[0].copy()
        flat[1] = 0.0
        R[first] = rotation_between(u[0], flat)
        # in the parent's rest frame, each phalanx must point where its parent pointed
        R[first + 1] = rotation_between(u[1], u[0])
        R[first + 2] = rotation_between(u[2], u[1])
    return R


def pose_points(P: np.ndarray, owner: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Rigidly move points P [M,3] with the transform of joint owner[M] (e.g. joint helpers
    and fingertips carried by their bone)."""
    return np.einsum("mab,mb->ma", A[owner, :, :3], P) + A[owner, :, 3]


def straighten_forearm(X: np.ndarray, elbow: np.ndarray, forearm_weight: np.ndarray) -> np.ndarray:
    """Bend the wrist so that the forearm axis (wrist -> elbow) lies along +x: X [K,3] in the
    canonical frame (wrist at the origin) rotated about the wrist with the rig's smooth
    forearm weight [K] as blend weight (the A-pose wrist is extended ~14 deg)."""
    Rf = rotation_between(elbow, np.array([1.0, 0.0, 0.0]))
    return X + forearm_weight[:, None] * (X @ Rf.T - X)


def to_flat_canonical(X: np.ndarray, C: np.ndarray, weights: np.ndarray, forearm_weight: np.ndarray):
    """One shape of the piece: X [K,3] vertices and C [22,3] joint (16) + tip (5) + elbow
    helper centres, in metres in any rigid frame -> X [K,3] and the 21 joints + tips in the
    canonical frame, fingers flattened and forearm straightened.

    Joints are carried by their parent's transform, tips by their own chain's last joint."""
    R = canonical_rotation(C[:16])
    Xc = (X - C[0]) @ R.T
    Cc = (C - C[0]) @ R.T
    Xc = straighten_forearm(Xc, Cc[21], forearm_weight)
    Cc = Cc[:21]
    Rloc = straightening_pose(Cc[:16], Cc[16:])
    A, Jp = forward_kinematics(Rloc, Cc[:16])
    tip_owner = np.array([15, 3, 6, 12, 9])
    Cp = np.concatenate([Jp, pose_points(Cc[16:], tip_owner, A)])
    return skin(Xc, weights, A), Cp
