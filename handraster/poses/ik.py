"""Closed-form inverse kinematics: 21 joint positions -> MANO-format pose parameters.

For joint sets that have no MANO parameters (the VAE prior's samples, triangulated or
predicted keypoints) this gives the model's pose in one batched pass, instead of the
iterative fit of analysis/fitting.py (thousands of Adam steps).

Method (twist-free "swing" IK along the kinematic chain), for a model with MANO's 16-joint
tree (parents[j] < j, one child per finger joint) and rest joints R (the shaped template's
regressed joints, tips from the tip vertices) against targets P [21, 3]:

  root   G_0 = argmin_R sum_k |R (R_k - R_0) - (P_k - P_0)|^2 over the joints k whose parent
         is the wrist (the palm: four MCPs + the thumb CMC), by Kabsch (SVD, det +1).
  joint  j = 1..15 in tree order, c its child (the next joint, or the finger's tip):
           a = unit(R_c - R_j)              rest bone (the model's rest frame)
           b = unit(G_p^T (P_c - P_j))      target bone in the parent's posed frame
           r_j = the shortest-arc rotation a -> b: axis unit(a x b), angle atan2(|a x b|, a.b)
           G_j = G_p rodrigues(r_j)
  so every bone points exactly along its target direction. Twist about a bone is not seen by
  joint positions and is set to zero; bone lengths are the model's (a target with other bone
  lengths keeps only its directions). Consequence, used by the tests: for targets made by the
  same model and shape, the 16 MANO joints come back exactly (up to float rounding), and the
  tips up to how far the pose blend shapes and skin weights move the tip vertices off the
  distal bone's rigid motion.

hand_pose is returned in the model's own convention: relative to the flat hand when
model.flat_hand_mean (or the model has no hands_mean), else hands_mean is subtracted.
"""
from __future__ import annotations

import numpy as np

from handraster.analysis.procrustes import rotvec_from_matrix
from handraster.models.joints import JOINT_FINGER, NUM_JOINTS, NUM_JOINTS_MANO, from_openpose
from handraster.models.rotations import rodrigues


def rest_joints(model, betas=None) -> np.ndarray:
    """The model's 21 rest joints float64 [21, 3] (metres, internal order): J_regressor @ the
    shaped template (betas [S] or None = zeros) for the 16 MANO joints, then the tip vertices."""
    v = np.asarray(model.v_template, np.float64)
    if betas is not None:
        b = np.asarray(betas, np.float64).reshape(-1)
        S = model.shapedirs.shape[2]
        if len(b) > S:
            raise ValueError(f"rest_joints: betas has {len(b)} values, the model has {S} shape directions")
        v = v + np.asarray(model.shapedirs, np.float64)[:, :, : len(b)] @ b
    J = np.asarray(model.J_regressor, np.float64) @ v
    return np.concatenate([J, v[np.asarray(model.tip_ids, np.int64)]])


def _chain(parents) -> list:
    """(joint, child) pairs for joints 1..15 in tree order; the child of a finger's last joint
    is its tip (16 + finger - 1 in the internal order)."""
    parents = [int(p) for p in parents]
    if len(parents) != NUM_JOINTS_MANO or parents[0] != -1 or any(p >= j for j, p in enumerate(parents) if j):
        raise ValueError(f"pose_from_joints: needs MANO's 16-joint tree (parents[j] < j), got parents {parents}")
    out = []
    for j in range(1, NUM_JOINTS_MANO):
        kids = [c for c in range(NUM_JOINTS_MANO) if parents[c] == j]
        if len(kids) > 1:
            raise ValueError(f"pose_from_joints: joint {j} has {len(kids)} children; finger joints have one")
        out.append((j, kids[0] if kids else NUM_JOINTS_MANO + JOINT_FINGER[j] - 1))
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 1e-12, n, 1.0)


def shortest_arc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Axis-angle [..., 3] of the smallest rotation taking unit a [..., 3] to unit b [..., 3];
    opposite vectors turn by pi about an axis perpendicular to a; a zero b gives no rotation."""
    cross = np.cross(a, b)
    s, c = np.linalg.norm(cross, axis=-1), np.einsum("...i,...i->...", a, b)
    axis = _unit(cross)
    flip = (s < 1e-9) & (c < 0)
    if flip.any():  # any axis perpendicular to a: a x (the basis vector least aligned with a)
        e = np.eye(3)[np.argmin(np.abs(a[flip]), axis=-1)]
        axis[flip] = _unit(np.cross(a[flip], e))
    return axis * np.arctan2(s, c)[..., None]


def _kabsch(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Rotations [N, 3, 3] minimising sum_k |R src_k - dst_k|^2; src [K, 3], dst [N, K, 3].
    Not analysis.procrustes.similarity_transform: that one centres both sets, this keeps the
    wrist (the origin of both) fixed."""
    H = np.einsum("ki,nkj->nij", src, dst)
    U, _, Vt = np.linalg.svd(H)
    d = np.sign(np.linalg.det(np.swapaxes(Vt, 1, 2) @ np.swapaxes(U, 1, 2)))
    D = np.zeros_like(H)
    D[:, 0, 0] = D[:, 1, 1] = 1.0
    D[:, 2, 2] = np.where(d == 0, 1.0, d)
    return np.swapaxes(Vt, 1, 2) @ D @ np.swapaxes(U, 1, 2)


def pose_from_joints(model, joints, order: str = "internal", betas=None) -> dict:
    """MANO-format parameters whose joints follow ``joints``.

    joints: float [N, 21, 3] or [21, 3], metres, any frame (the wrist is the origin of the
    answer's transl); order "internal" (MANO's 16 + tips, models/joints.py) or "openpose".
    betas: [S] shape used for the model's rest joints (None = the template).
    Returns dict of float32 arrays: global_orient [N, 3], hand_pose [N, 45] (the model's
    convention, see the module docstring) and transl [N, 3] (so that model.forward(**out,
    betas=betas) puts the wrist where the target's wrist is), unbatched for a [21, 3] input.
    """
    J = np.asarray(joints, np.float64)
    single = J.ndim == 2
    J = J[None] if single else J
    if J.ndim != 3 or J.shape[1:] != (NUM_JOINTS, 3):
        raise ValueError(f"pose_from_joints: joints must be [N, {NUM_JOINTS}, 3] metres, got {np.shape(joints)}")
    if order not in ("internal", "openpose"):
        raise ValueError(f"pose_from_joints: order must be 'internal' or 'openpose', got {order!r}")
    if not np.isfinite(J).all():
        raise ValueError("pose_from_joints: joints hold NaN or inf")
    if order == "openpose":
        J = J[:, from_openpose()]
    if model.pose_dim != 45:
        raise ValueError(f"pose_from_joints: the model must take 45 axis-angle pose values, not {model.pose_dim}")
    rest = rest_joints(model, betas)
    parents = np.asarray(model.parents, np.int64)
    palm = np.flatnonzero(parents == 0)
    n = len(J)
    G = np.empty((n, NUM_JOINTS_MANO, 3, 3))
    G[:, 0] = _kabsch(rest[palm] - rest[0], J[:, palm] - J[:, :1])
    hand_pose = np.zeros((n, 45))
    for j, c in _chain(parents):
        Gp = G[:, parents[j]]
        a = _unit(rest[c] - rest[j])
        b = _unit(np.einsum("nji,nj->ni", Gp, J[:, c] - J[:, j]))
        r = shortest_arc(np.broadcast_to(a, b.shape), b)
        G[:, j] = Gp @ rodrigues(r)
        hand_pose[:, 3 * (j - 1): 3 * j] = r
    if not model.flat_hand_mean and model.hands_mean is not None:
        hand_pose -= np.asarray(model.hands_mean, np.float64).reshape(45)
    # MANO rotates about the rest wrist: posed wrist = rest wrist + transl
    out = dict(global_orient=rotvec_from_matrix(G[:, 0]).astype(np.float32), hand_pose=hand_pose.astype(np.float32),
               transl=(J[:, 0] - rest[0]).astype(np.float32))
    return {k: v[0] for k, v in out.items()} if single else out

