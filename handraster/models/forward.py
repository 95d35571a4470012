"""HandModel.forward: argument normalisation and dispatch to the native kernels (numpy /
torch without gradients, CPU or CUDA) or to the torch autograd path."""
from __future__ import annotations

import numpy as np

from handraster import _native


def _first(*xs):
    for x in xs:
        if x is not None:
            return x
    return None


def _batch(x, name, last, B):
    """Check x is [B, *last] (a missing batch axis is added when B is 1 or unknown)."""
    shape = tuple(x.shape)
    if len(shape) == len(last):
        x = x[None]
        shape = (1,) + shape
    if len(shape) != len(last) + 1 or any(l is not None and s != l for s, l in zip(shape[1:], last)):
        want = "[B, " + ", ".join("*" if l is None else str(l) for l in last) + "]"
        raise ValueError(f"HandModel.forward: '{name}' must have shape {want}, got {list(shape)}")
    if B is not None and shape[0] != B:
        raise ValueError(f"HandModel.forward: '{name}' has batch size {shape[0]}, expected {B} "
                         "(all inputs share the batch size)")
    return x


def full_pose(model, hand_pose, global_orient, like=None, B=None):
    """[B, J, 3] float32 axis-angle in ``like``'s library (see HandModel.full_pose)."""
    like = _first(like, hand_pose, global_orient, np.zeros(0, np.float32))
    J = model.num_joints
    d = model.derived_on(like)
    if hand_pose is None:
        B = B or (global_orient.shape[0] if global_orient is not None and global_orient.ndim == 2 else 1)
        hp = _native.zeros((B, (J - 1) * 3), like)
    else:
        hp = _native.asarray(hand_pose, like)
        if model.num_pca_comps:
            hp = _batch(hp, "hand_pose", (model.num_pca_comps,), B)
            hp = hp @ d["components"]
        else:
            if hp.ndim >= 2 and tuple(hp.shape[-2:]) == (J - 1, 3):
                hp = hp.reshape(hp.shape[:-2] + ((J - 1) * 3,))
            hp = _batch(hp, "hand_pose", ((J - 1) * 3,), B)
        B = hp.shape[0]
    if global_orient is None:
        go = _native.zeros((B, 3), like)
    else:
        go = _batch(_native.asarray(global_orient, like), "global_orient", (3,), B)
    lib = _native.lib_of(like)
    if lib == "torch":
        import torch
        pose = torch.cat([go, hp], dim=1) + d["pose_offset"]
    else:
        pose = np.concatenate([go, hp], axis=1)
        pose += d["pose_offset"]
    return pose.reshape(B, J, 3)


def _betas(model, betas, like, B):
    S = model.num_betas
    if betas is None:
        return _native.zeros((B, S), like)
    b = _batch(_native.asarray(betas, like), "betas", (None,), B)
    if b.shape[1] > S:
        raise ValueError(f"HandModel.forward: betas has {b.shape[1]} values; the model has {S} shape components")
    if b.shape[1] < S:
        pad = _native.zeros((B, S), like)
        pad[:, : b.shape[1]] = b
        b = pad
    return b


def _skin_native(model, d, betas, pose, transl, like):
    """Allocate outputs and scratch in ``like``'s library/device and run the native skinning
    ops on prepared arrays: betas [B, S], pose [B, J, 3], transl [B, 3] or None; d is
    model.derived_on(like)."""
    from handraster.models.hand_model import SkinOutput
    B, J = pose.shape[0], model.num_joints
    verts = _native.empty((B, model.num_vertices, 3), like)
    f = _native.for_native
    if _native.device_of(like) == "cpu":
        # The model's native SkinModel: constant arrays validated once, tips filled in C++.
        joints = _native.empty((B, J + len(d["tip_ids"]), 3), like)
        model._native_skin().skin(f(betas), f(pose), f(transl), f(joints), f(verts))
        return SkinOutput(vertices=verts, joints=joints)
    Q = d["dirs"].shape[2]
    BB = 8 if B >= 8 else 1  # the kernel's blocked scratch layout (kernels/skin.h)
    nblk = (B + BB - 1) // BB
    joints = _native.empty((B, J, 3), like)
    feat = _native.zeros((nblk, Q, BB), like) if B % BB else _native.empty((nblk, Q, BB), like)
    G = _native.empty((nblk, J, 12, BB), like)
    _native.module_for(like).skin_forward(
        f(betas), f(pose), f(d["j_template"]), f(d["j_shapedirs"]), f(d["parents"]),
        f(d["v_template"]), f(d["dirs"]), f(d["w_idx"]), f(d["w_val"]), f(transl),
        f(joints), f(feat), f(G), f(verts), _native.stream_of(like))
    tips = verts[:, d["tip_ids"]]
    if _native.lib_of(like) == "torch":
        import torch
        return SkinOutput(vertices=verts, joints=torch.cat([joints, tips], dim=1))
    return SkinOutput(vertices=verts, joints=np.concatenate([joints, tips], axis=1))


def forward(model, hand_pose, betas, global_orient, transl, differentiable):
    inputs = (hand_pose, betas, global_orient, transl)
    like = _first(*inputs)
    if like is None or not hasattr(like, "shape"):
        like = np.zeros(0, np.float32)
    if differentiable is None:
        differentiable = any(getattr(x, "requires_grad", False) for x in inputs)
    if differentiable:
        from handraster.models.skinning_torch import forward_torch
        return forward_torch(model, hand_pose, betas, global_orient, transl)

    B = None
    for x, name, nd in ((hand_pose, "hand_pose", None), (betas, "betas", 2), (global_orient, "global_orient", 2),
                        (transl, "transl", 2)):
        if x is not None and hasattr(x, "shape") and len(x.shape) == (nd or len(x.shape)) and len(x.shape) >= 2:
            B = x.shape[0]
            break
    pose = full_pose(model, hand_pose, global_orient, like, B)
    B = pose.shape[0]
    d = model.derived_on(like)
    b = _betas(model, betas, like, B)
    tr = None if transl is None else _batch(_native.asarray(transl, like), "transl", (3,), B)
    return _skin_native(model, d, b, pose, tr, like)
