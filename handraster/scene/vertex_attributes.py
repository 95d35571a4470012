"""Static per-vertex attributes the shader needs (csrc/kernels/shade_common.h, VAttr), derived
once per hand model from its rest pose, skinning weights and joints.

  rest (3)     rest-pose position: noise coordinates that move with the skin
  palm         0..1 palm-side weight: the vertex normal against the palm normal
  crease       signed distance (m) along the finger to the nearest flexion crease
  nail         0..1 nail mask (the model's, or near the fingertip on the back side)
  forearm      distance (m) from the wrist along the forearm axis (0 on the hand)
  uv (2)       pattern coordinates (objects; 0 on the hand)

Part labels come from the model's vertex_parts, or for models without them (MANO) from the
joint with the largest skinning weight.
"""
from __future__ import annotations

import numpy as np

N_VATTR = 9
# MANO joint -> part label (1 palm, 2 thumb, 3 index, 4 middle, 5 ring, 6 pinky)
_JOINT_PART = np.array([1, 3, 3, 3, 4, 4, 4, 6, 6, 6, 5, 5, 5, 2, 2, 2], np.uint8)
# (joint, child-or-tip) pairs whose joint carries a flexion crease; the MCP crease of the
# fingers sits distal of the joint (palmar digital crease), at `shift` of the segment.
_CREASES = [(1, 2, 0.3), (2, 3, 0.0), (3, None, 0.0), (4, 5, 0.3), (5, 6, 0.0), (6, None, 0.0),
            (7, 8, 0.3), (8, 9, 0.0), (9, None, 0.0), (10, 11, 0.3), (11, 12, 0.0), (12, None, 0.0),
            (14, 15, 0.0), (15, None, 0.0)]
_TIP_OF = {3: 1, 6: 2, 9: 4, 12: 3, 15: 0}  # distal joint -> index into tip_ids (thumb, index, middle, ring, pinky)


def vertex_normals_np(v: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals [V, 3] (float64)."""
    fn = np.cross(v[faces[:, 1]] - v[faces[:, 0]], v[faces[:, 2]] - v[faces[:, 0]])
    n = np.zeros_like(v, dtype=np.float64)
    for k in range(3):
        np.add.at(n, faces[:, k], fn)
    return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


def part_labels(model) -> np.ndarray:
    """uint8 [V] part labels (DESIGN.md): the model's own, else from the dominant joint."""
    if model.vertex_parts is not None:
        return model.vertex_parts.astype(np.uint8)
    if model.num_joints == 16:
        return _JOINT_PART[np.argmax(model.weights, axis=1)]
    return np.ones(model.num_vertices, np.uint8)


def palm_normal(joints: np.ndarray) -> np.ndarray:
    """Unit normal of the palm plane (wrist, index MCP, pinky MCP) pointing to the palm side:
    the side of the thumb's base."""
    n = np.cross(joints[1] - joints[0], joints[7] - joints[0])
    n /= np.linalg.norm(n)
    if np.dot(joints[13] - joints[0], n) < 0:
        n = -n
    return n


def vertex_attributes(model) -> np.ndarray:
    """float32 [V, 9] attributes of `model` (see the module docstring)."""
    v = model.v_template.astype(np.float64)
    V = len(v)
    J = model.J_regressor.astype(np.float64) @ v
    out = np.zeros((V, N_VATTR), np.float32)
    out[:, 0:3] = v
    labels = part_labels(model)
    n = vertex_normals_np(v, model.faces)
    if model.num_joints != 16:
        out[:, 4] = 1.0
        return out
    pn = palm_normal(J)
    out[:, 3] = np.clip((n @ pn + 0.15) / 0.6, 0.0, 1.0)
    # creases: distance along each finger segment to its crease point, nearest one wins
    crease = np.full(V, 1.0)
    tips = v[model.tip_ids]
    on_hand = labels <= 6
    for j, child, shift in _CREASES:
        end = J[child] if child is not None else tips[_TIP_OF[j]]
        seg = end - J[j]
        L = np.linalg.norm(seg)
        axis = seg / L
        centre = J[j] + shift * seg
        d = (v - centre) @ axis
        radial = np.linalg.norm((v - centre) - d[:, None] * axis, axis=1)
        near = on_hand & (radial < 0.02) & (np.abs(d) < np.abs(crease))
        crease[near] = d[near]
    out[:, 4] = crease
    # nails: the model's mask, else a soft patch on the back of each fingertip
    if model.nail_mask is not None:
        out[:, 5] = np.clip(model.nail_mask, 0, 1)
    else:
        nail = np.zeros(V)
        for t in range(5):
            dist = np.linalg.norm(v - tips[t], axis=1)
            nail = np.maximum(nail, np.clip(1.5 - dist / 0.006, 0, 1) * np.clip(-(n @ pn) * 2, 0, 1))
        out[:, 5] = nail
    # forearm: distance from the wrist along the arm
    fore = labels == 7
    if fore.any():
        axis = v[fore].mean(0) - J[0]
        axis /= np.linalg.norm(axis)
        out[fore, 6] = np.maximum(0.0, (v[fore] - J[0]) @ axis)
    return out


def vertex_face_adjacency(faces: np.ndarray, V: int):
    """CSR adjacency (ptr [V+1] int32, face ids [3F] int32) of the faces around each vertex."""
    f = faces.reshape(-1)
    order = np.argsort(f, kind="stable")
    counts = np.bincount(f, minlength=V)
    ptr = np.zeros(V + 1, np.int32)
    np.cumsum(counts, out=ptr[1:])
    return ptr, (order // 3).astype(np.int32)
