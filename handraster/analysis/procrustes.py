"""Procrustes alignment with scale (the "PA" in PA-MPJPE), numpy or torch, batched.

Two definitions are in use and differ only for mirrored predictions:

* ``allow_reflection=True`` (default) matches FreiHAND's official evaluation
  (lmb-freiburg/freihand, eval.py ``align_w_scale``): both point sets are centred and divided
  by their Frobenius norms (+1e-8), the orthogonal matrix comes from
  ``scipy.linalg.orthogonal_procrustes(gt, pred)`` - an SVD with no determinant check, so a
  reflection is accepted when it fits better - and the scale is the sum of singular values.
* ``allow_reflection=False`` matches HaMeR's ``compute_similarity_transform`` (inherited from
  HMR / 4D-Humans): the rotation is V diag(1, 1, sign det(U V^T)) U^T, always proper, and the
  scale is trace(R K) / |pred - mean|^2.

For predictions that are not mirrored both give the same alignment (up to the 1e-8 guard).
One deliberate difference from HaMeR: a prediction collapsed to a point (all points equal) gets
scale 0 instead of HaMeR's 0/0 = NaN, so it aligns to the ground truth's centroid as in FreiHAND.
The arithmetic runs in float64 (numpy) or the input's dtype promoted to float64 (torch, with
autograd kept) and results come back in the input's dtype, library and device.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Similarity(NamedTuple):
    """aligned = scale * points @ R^T + t.  scale [...], R [..., 3, 3], t [..., 3]."""
    scale: object
    R: object
    t: object


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch")


def _check(pred, gt):
    if tuple(pred.shape) != tuple(gt.shape):
        raise ValueError(f"procrustes: pred and gt must have the same shape, got {tuple(pred.shape)} "
                         f"and {tuple(gt.shape)}")
    if pred.ndim < 2 or pred.shape[-1] != 3:
        raise ValueError(f"procrustes: points must be [..., N, 3], got {tuple(pred.shape)}")


def similarity_transform(pred, gt, allow_reflection: bool = True) -> Similarity:
    """The similarity transform taking ``pred`` [..., N, 3] closest to ``gt`` [..., N, 3]
    (same units in, same units out). See the module docstring for the two definitions."""
    _check(pred, gt)
    if _is_torch(pred):
        import torch
        lib, P, G = torch, pred.double(), torch.as_tensor(gt).to(pred.device).double()
        T = lambda a: a.transpose(-1, -2)  # noqa: E731
        svd = lambda a: torch.linalg.svd(a)  # noqa: E731
    else:
        lib, P, G = np, np.asarray(pred, np.float64), np.asarray(gt, np.float64)
        T = lambda a: np.swapaxes(a, -1, -2)  # noqa: E731
        svd = np.linalg.svd
    mu_p = P.mean(-2, keepdims=True) if lib is np else P.mean(-2, keepdim=True)
    mu_g = G.mean(-2, keepdims=True) if lib is np else G.mean(-2, keepdim=True)
    Pc, Gc = P - mu_p, G - mu_g
    if allow_reflection:
        # FreiHAND align_w_scale: normalise, orthogonal_procrustes(gt_n, pred_n) = svd(gt_n^T pred_n).
        s_p = lib.sqrt((Pc * Pc).sum((-2, -1))) + 1e-8
        s_g = lib.sqrt((Gc * Gc).sum((-2, -1))) + 1e-8
        M = T(Gc / s_g[..., None, None]) @ (Pc / s_p[..., None, None])
        U, w, Vt = svd(M)
        R = U @ Vt                                   # gt_n @ R ~ pred_n, so pred_n @ R^T ~ gt_n
        scale = w.sum(-1) * s_g / s_p
    else:
        # HaMeR compute_similarity_transform: K = X1 X2^T with X = points^T (3 x N).
        K = T(Pc) @ Gc
        U, _, Vt = svd(K)
        V = T(Vt)
        d = lib.sign(lib.linalg.det(U @ Vt))
        Z = lib.ones_like(U[..., 0, :])              # diag(1, 1, d)
        Z[..., -1] = d
        R = (V * Z[..., None, :]) @ T(U)             # V diag(Z) U^T
        var = (Pc * Pc).sum((-2, -1))
        var = var + (var == 0)                       # a collapsed prediction gets scale 0, not NaN
        scale = (R * T(K)).sum((-2, -1)) / var       # trace(R K)
    t = mu_g[..., 0, :] - scale[..., None] * (mu_p @ T(R))[..., 0, :]
    if lib is np:
        dt = np.result_type(pred.dtype, np.float32) if hasattr(pred, "dtype") else np.float64
        return Similarity(scale.astype(dt), R.astype(dt), t.astype(dt))
    return Similarity(scale.to(pred.dtype), R.to(pred.dtype), t.to(pred.dtype))


def apply_similarity(points, tf: Similarity):
    """scale * points @ R^T + t for points [..., N, 3] (tf batched like the points' leading axes)."""
    R = tf.R
    Rt = R.transpose(-1, -2) if _is_torch(R) else np.swapaxes(R, -1, -2)
    return tf.scale[..., None, None] * (points @ Rt) + tf.t[..., None, :]


def procrustes_align(pred, gt, allow_reflection: bool = True, return_transform: bool = False):
    """``pred`` [..., N, 3] aligned to ``gt`` [..., N, 3] by the best similarity transform
    (rotation or - with allow_reflection=True, FreiHAND's default - reflection, uniform scale,
    translation). Units are kept (metres in, metres out). Returns the aligned points, and the
    Similarity too when return_transform is set."""
    tf = similarity_transform(pred, gt, allow_reflection)
    out = apply_similarity(pred, tf)
    if not _is_torch(pred):
        out = np.asarray(out, tf.scale.dtype)
    return (out, tf) if return_transform else out


def rotvec_from_matrix(R: np.ndarray) -> np.ndarray:
    """Rotation matrices [..., 3, 3] -> axis-angle [..., 3] (angle in [0, pi]), via the
    quaternion of the largest-pivot (Shepperd) branch, so it is stable near 180 degrees."""
    R = np.asarray(R, np.float64)
    tr = np.trace(R, axis1=-2, axis2=-1)
    diag = np.stack([tr, R[..., 0, 0], R[..., 1, 1], R[..., 2, 2]], -1)
    k = diag.argmax(-1)
    q = np.empty(R.shape[:-2] + (4,))
    w = 1 + 2 * diag.max(-1) - tr  # 4 * (the largest quaternion component)^2
    s = np.sqrt(np.maximum(w, 1e-300))
    r = R
    cand = [
        np.stack([s, (r[..., 2, 1] - r[..., 1, 2]) / s, (r[..., 0, 2] - r[..., 2, 0]) / s, (r[..., 1, 0] - r[..., 0, 1]) / s], -1),
        np.stack([(r[..., 2, 1] - r[..., 1, 2]) / s, s, (r[..., 0, 1] + r[..., 1, 0]) / s, (r[..., 0, 2] + r[..., 2, 0]) / s], -1),
        np.stack([(r[..., 0, 2] - r[..., 2, 0]) / s, (r[..., 0, 1] + r[..., 1, 0]) / s, s, (r[..., 1, 2] + r[..., 2, 1]) / s], -1),
        np.stack([(r[..., 1, 0] - r[..., 0, 1]) / s, (r[..., 0, 2] + r[..., 2, 0]) / s, (r[..., 1, 2] + r[..., 2, 1]) / s, s], -1),
    ]
    for i in range(4):
        q = np.where((k == i)[..., None], cand[i], q) if i else np.where((k == 0)[..., None], cand[0], 0.0)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    q = np.where(q[..., :1] < 0, -q, q)               # w >= 0: angle in [0, pi]
    v = q[..., 1:]
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    angle = 2 * np.arctan2(n, q[..., :1])
    return np.where(n > 1e-12, v / np.maximum(n, 1e-300) * angle, 2 * v)
