"""Differentiable MANO-format skinning in plain torch (for fitting and training).

The same formula as csrc/kernels/skin.h; python_tests/test_skin.py checks that both give
the same numbers. Inputs are torch tensors (numpy is converted); outputs keep autograd.
"""
from __future__ import annotations

import numpy as np


def rodrigues_torch(r):
    """Axis-angle [..., 3] -> rotation matrices [..., 3, 3], smooth at zero (Taylor series)."""
    import torch
    t2 = (r * r).sum(-1, keepdim=True)
    small = t2 < 1e-8
    t2s = torch.where(small, torch.ones_like(t2), t2)
    t = torch.sqrt(t2s)
    s = torch.where(small, 1 - t2 / 6, torch.sin(t) / t)
    c1 = torch.where(small, 0.5 - t2 / 24, (1 - torch.cos(t)) / t2s)
    x, y, z = r.unbind(-1)
    s, c1 = s[..., 0], c1[..., 0]
    R = torch.stack([
        1 - c1 * (y * y + z * z), -s * z + c1 * x * y, s * y + c1 * x * z,
        s * z + c1 * x * y, 1 - c1 * (x * x + z * z), -s * x + c1 * y * z,
        -s * y + c1 * x * z, s * x + c1 * y * z, 1 - c1 * (x * x + y * y)], -1)
    return R.reshape(r.shape[:-1] + (3, 3))


def forward_torch(model, hand_pose, betas=None, global_orient=None, transl=None):
    import torch
    from handraster.models.forward import _batch, full_pose
    from handraster.models.hand_model import SkinOutput
    like = next((x for x in (hand_pose, betas, global_orient, transl) if torch.is_tensor(x)), None)
    if like is None:
        like = torch.zeros(0)
    like = like if like.dtype == torch.float32 else like.float()

    def T(x):
        return None if x is None else (x if torch.is_tensor(x) else torch.as_tensor(np.asarray(x)))

    hand_pose, betas, global_orient, transl = map(T, (hand_pose, betas, global_orient, transl))
    pose = full_pose(model, hand_pose, global_orient, like)  # [B, J, 3], keeps grad
    B, J = pose.shape[0], model.num_joints
    d = model.derived_on(like)
    S = model.num_betas
    if betas is None:
        b = torch.zeros(B, S, device=like.device)
    else:
        b = _batch(betas.to(like.device, torch.float32), "betas", (None,), B)
        if b.shape[1] < S:
            b = torch.cat([b, torch.zeros(B, S - b.shape[1], device=like.device)], 1)
    Jrest = d["j_template"][None] + torch.einsum("jks,bs->bjk", d["j_shapedirs"], b)
    R = rodrigues_torch(pose)  # [B, J, 3, 3]
    parents = model.parents.tolist()
    A = [None] * J
    for j in range(J):
        t = Jrest[:, j] if parents[j] < 0 else Jrest[:, j] - Jrest[:, parents[j]]
        local = torch.cat([R[:, j], t[..., None]], -1)  # [B, 3, 4]
        if parents[j] < 0:
            A[j] = local
        else:
            P = A[parents[j]]
            A[j] = torch.cat([P[:, :, :3] @ local[:, :, :3],
                              P[:, :, :3] @ local[:, :, 3:] + P[:, :, 3:]], -1)
    A = torch.stack(A, 1)  # [B, J, 3, 4]
    G = torch.cat([A[..., :3], A[..., 3:] - A[..., :3] @ Jrest[..., None]], -1)
    v = d["v_template"][None] + torch.einsum("vks,bs->bvk", d["shapedirs"], b)
    if d["posedirs_v"] is not None:
        eye = torch.eye(3, device=like.device)
        feat = (R[:, 1:] - eye).reshape(B, -1)
        v = v + torch.einsum("vkp,bp->bvk", d["posedirs_v"], feat)
    Tm = torch.einsum("vj,bjrc->bvrc", d["weights"], G)
    verts = (Tm[..., :3] @ v[..., None])[..., 0] + Tm[..., 3]
    joints = A[..., 3]
    if transl is not None:
        tr = _batch(transl.to(like.device, torch.float32), "transl", (3,), B)
        verts = verts + tr[:, None]
        joints = joints + tr[:, None]
    tips = verts[:, d["tip_ids"]]
    return SkinOutput(vertices=verts, joints=torch.cat([joints, tips], 1))
