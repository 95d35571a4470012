"""Left from right (and back): the mirror x -> -x of every spatial quantity.

If a right-hand model maps pose theta to vertices X, the mirrored model maps the mirrored
pose theta' (axis-angle (x, y, z) -> (x, -y, -z)) to the mirrored vertices X' (x -> -x).
With M = diag(-1, 1, 1): v_template, shapedirs and joint positions flip their x row;
rotations conjugate, R' = M R M, so a pose blend coefficient on element (r, c) of R_j - I
flips sign by s_r * s_c, and its output row k by s_k. Faces are re-wound so normals keep
pointing out.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

_S = np.array([-1.0, 1.0, 1.0], np.float32)
_AA = np.array([1.0, -1.0, -1.0], np.float32)  # mirrored axis-angle


def mirror_pose(pose: np.ndarray) -> np.ndarray:
    """Axis-angle [..., 3k] or [..., k, 3] mirrored through the x = 0 plane."""
    p = np.asarray(pose, np.float32)
    shape = p.shape
    return (p.reshape(-1, 3) * _AA).reshape(shape)


def mirror_model(m, shapedirs_x_fix: bool = False):
    """m mirrored (side flipped). shapedirs_x_fix is unused here; see loaders for MANO_LEFT."""
    V = m.num_vertices
    J = m.num_joints
    posedirs = None
    if m.posedirs is not None:
        rc = np.outer(_S, _S).reshape(9)                      # s_r * s_c per element of R - I
        coef = np.tile(rc, J - 1)[:, None] * np.tile(_S, V)[None, :]  # [P, V*3]
        posedirs = m.posedirs * coef
    hc = None if m.hands_components is None else m.hands_components * np.tile(_AA, J - 1)[None]
    hm = None if m.hands_mean is None else m.hands_mean * np.tile(_AA, J - 1)
    faces = m.faces[:, [0, 2, 1]].copy()
    faces_uv = None if m.faces_uv is None else m.faces_uv[:, [0, 2, 1]].copy()
    return replace(
        m,
        v_template=m.v_template * _S,
        shapedirs=m.shapedirs * _S[None, :, None],
        posedirs=posedirs,
        hands_components=hc,
        hands_mean=hm,
        faces=faces,
        faces_uv=faces_uv,
        side="left" if m.side == "right" else "right",
        name=m.name.replace("right", "left") if m.side == "right" else m.name.replace("left", "right"),
    )
