"""Slow, obviously-correct numpy twin of csrc/kernels/skin.h (MANO-format skinning).

Written straight from the formula, in float64, one loop per step, on the model's own
(smplx-layout) arrays - no folded J_regressor, no per-vertex posedirs layout."""
from __future__ import annotations

import numpy as np


def rodrigues(r):
    r = np.asarray(r, np.float64)
    t = np.linalg.norm(r)
    if t < 1e-12:
        return np.eye(3)
    k = r / t
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(t) * K + (1 - np.cos(t)) * K @ K


def skin(model, full_pose, betas, transl=None):
    """full_pose [B, J, 3] (mean already added), betas [B, S] -> (vertices [B,V,3], joints
    [B,J,3]) in float64."""
    full_pose = np.asarray(full_pose, np.float64)
    betas = np.asarray(betas, np.float64)
    B, J = full_pose.shape[:2]
    V = model.num_vertices
    vs_all, js_all = [], []
    for b in range(B):
        v_shaped = model.v_template.astype(np.float64) + model.shapedirs.astype(np.float64) @ betas[b]
        Jrest = model.J_regressor.astype(np.float64) @ v_shaped
        Rs = [rodrigues(full_pose[b, j]) for j in range(J)]
        feat = np.concatenate([(Rs[j] - np.eye(3)).reshape(-1) for j in range(1, J)])
        v_posed = v_shaped.copy()
        if model.posedirs is not None:
            v_posed += (feat @ model.posedirs.astype(np.float64)).reshape(V, 3)
        A = []
        for j in range(J):
            p = model.parents[j]
            local = np.eye(4)
            local[:3, :3] = Rs[j]
            local[:3, 3] = Jrest[j] - (Jrest[p] if p >= 0 else 0)
            A.append(local if p < 0 else A[p] @ local)
        G = []
        for j in range(J):
            g = A[j].copy()
            g[:3, 3] -= A[j][:3, :3] @ Jrest[j]
            G.append(g)
        G = np.stack(G)
        T = np.einsum("vj,jrc->vrc", model.weights.astype(np.float64), G)
        verts = np.einsum("vrc,vc->vr", T[:, :3, :3], v_posed) + T[:, :3, 3]
        joints = np.stack([a[:3, 3] for a in A])
        if transl is not None:
            verts = verts + transl[b]
            joints = joints + transl[b]
        vs_all.append(verts)
        js_all.append(joints)
    return np.stack(vs_all), np.stack(js_all)
