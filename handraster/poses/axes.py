"""Anatomical joint axes of a MANO-format hand: (flexion, abduction, twist) per joint.

Each of the 15 finger joints gets an orthonormal frame, columns (flex, abd, twist), in the
model's rest (canonical) axes, computed from the geometry rather than assumed:
  twist  d = the bone from this joint toward the next joint (or the fingertip);
  flex   d x p, where p is the direction the finger pad faces, made perpendicular to d:
         the palm side (-y, from the index-pinky plane) for index..pinky, and the opposite
         of the thumbnail's normal for the thumb. A positive flexion angle turns the bone
         toward p: it curls the finger toward the palm (the thumb toward the fingers);
  abd    -p, the back of the finger. A positive abduction angle turns the bone toward the
         flex axis: toward the thumb side for index..pinky (radial deviation), away from the
         palm plane (palmar abduction) for the thumb.
For the default hand: fingers along -x, palm facing -y, so finger flexion is a rotation
about +z (tilted by each finger's spread), as in MANO.

``angles_to_pose`` turns angles [..., 15, 3] (radians, MANO joint order: index, middle,
pinky, ring, thumb; proximal -> distal) into the 45 axis-angle values of ``hand_pose``:
the rotation vector flex * f + abd * a + twist * t (exact for a single angle; for combined
angles it is the rotation about their weighted axis).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

# MANO finger order of the 15 pose joints (3 each): index, middle, pinky, ring, thumb.
FINGERS = ("index", "middle", "pinky", "ring", "thumb")
_TIP_OF_FINGER = {"index": 1, "middle": 2, "pinky": 4, "ring": 3, "thumb": 0}   # tip_ids order
_PART_OF_FINGER = {"index": 3, "middle": 4, "pinky": 6, "ring": 5, "thumb": 2}


def _unit(v):
    return v / np.linalg.norm(v)


def _thumbnail_normal(model) -> np.ndarray:
    """Mean outward normal of the thumbnail vertices (nail_mask > 0.5, part 2)."""
    from handraster.models.ortho_preview import vertex_normals
    v = model.v_template.astype(np.float64)
    n = vertex_normals(v, model.faces)
    sel = (model.nail_mask > 0.5) & (model.vertex_parts == _PART_OF_FINGER["thumb"])
    if not sel.any():
        raise ValueError(f"model '{model.name}' has no thumbnail vertices (nail_mask) to orient the thumb")
    return _unit(n[sel].sum(0))


def joint_frames(model) -> np.ndarray:
    """Frames [16,3,3] float64 (row 0, the wrist, is the identity): frames[j][:, k] is the
    flex (k=0), abduction (k=1) and twist (k=2) axis of joint j in the rest axes."""
    if model.side == "left":
        # a mirrored pose is (x, -y, -z) of the right one (models/mirror.py): the same
        # angles give the mirror image of the right hand's pose
        F = joint_frames(model.mirrored())
        F[1:] = np.diag([1.0, -1.0, -1.0]) @ F[1:]
        return F
    v = model.v_template.astype(np.float64)
    J = model.J_regressor.astype(np.float64) @ v
    tips = v[model.tip_ids]
    volar = _unit(np.cross(J[1] - J[0], J[7] - J[0]))       # index x pinky: the palm side
    thumb_pad = -_thumbnail_normal(model)
    F = np.tile(np.eye(3), (16, 1, 1))
    for f, name in enumerate(FINGERS):
        first = 1 + 3 * f
        pad = thumb_pad if name == "thumb" else volar
        chain = [J[first], J[first + 1], J[first + 2], tips[_TIP_OF_FINGER[name]]]
        for k in range(3):
            d = _unit(chain[k + 1] - chain[k])
            p = _unit(pad - (pad @ d) * d)
            flex = np.cross(d, p)
            F[first + k] = np.stack([flex, -p, d], axis=1)
    return F


@lru_cache(maxsize=4)
def _default_frames(side: str) -> np.ndarray:
    from handraster.models.loaders import load_model
    return joint_frames(load_model("default", side=side))


def default_frames(side: str = "right") -> np.ndarray:
    """joint_frames of the built-in hand (cached)."""
    return _default_frames(side)


def angles_to_pose(angles, frames=None) -> np.ndarray:
    """(flex, abd, twist) angles [..., 15, 3] or [..., 45] in radians -> hand_pose
    [..., 45] float32 axis-angle for the model whose ``joint_frames`` are given (default:
    the built-in right hand)."""
    a = np.asarray(angles, np.float64)
    shape = a.shape[:-2] if a.shape[-2:] == (15, 3) else a.shape[:-1]
    a = a.reshape(shape + (15, 3))
    F = default_frames() if frames is None else np.asarray(frames, np.float64)
    aa = np.einsum("jab,...jb->...ja", F[1:], a)
    return aa.reshape(shape + (45,)).astype(np.float32)
