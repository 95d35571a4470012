"""Fit a MANO-format model to other meshes or joints (the gap paper's NIMBLE -> MANO fitting).

Two stages, as in the paper's supplement, both batched (one parameter set per sample, losses
summed over samples so the samples do not interact) and both Adam:

  coarse  global rotation + translation;  loss = joint + 0.1 x vertex;  lr 1.0;
          2 epochs x 3,000 iterations.
  fine    hand pose, shape, rotation, translation;  loss = vertex + 50 x (pose + shape
          regularisers);  lr 1e-3 (pose, shape), 1e-2 (rotation, translation);
          4 epochs x 3,000 iterations.
  Both: lr / 10 every 1,000 iterations; each epoch starts a fresh optimiser (lr and moments
  reset).

Units, so that those learning rates mean something: losses are mean squared distances in
mm^2 (per point, averaged over points); the global rotation is optimised as an axis-angle in
degrees and the translation in millimetres (lr 1.0 = steps of about 1 degree / 1 mm; the model
itself stays in radians and metres); hand_pose in the model's own units (radians, or PCA
coefficients); regularisers are the mean squares of hand_pose (mean-relative unless the model
has flat_hand_mean) and of betas. Iteration counts, epochs, learning rates and weights are all
arguments. With correspondences (given joints, or a vertex map) the coarse stage starts from
the closed-form rigid alignment (Kabsch) of the model's rest joints (or matched vertices) to
them; in nearest-neighbour mode it starts from zero rotation and matched centroids, so pass
init_global_orient for sources rotated far from the model's rest orientation.

Correspondence between model vertices and the source mesh:
  an int array [V_model] (source vertex of each model vertex, -1 = unmatched), a matrix
  [V_model, V_source] (dense or scipy sparse; targets = M @ source, e.g. NIMBLE's barycentric
  MANO map from nimble.load_mano_map), "same" (the
  same topology), or None: nearest neighbours both ways (a symmetric chamfer between the model's
  vertices and the source's vertices plus face centroids when source_faces is given), found by
  brute-force torch.cdist every ``nearest_every`` iterations (10; ICP style, the pairs are
  kept in between) - O(V_model x V_source) memory per sample, meant for meshes of a few
  thousand vertices.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import torch

from handraster.analysis.procrustes import rotvec_from_matrix, similarity_transform

MM = 1000.0
DEG = 180.0 / np.pi


@dataclass
class FitResult:
    """Fitted parameters (numpy float32, batch first) in the target model's conventions:
    hand_pose [B, P], betas [B, S], global_orient [B, 3], transl [B, 3] metres; the fitted
    vertices [B, V, 3] and joints [B, J + 5, 3] metres; residual_mm [B] the mean distance of the
    model's vertices to their targets (correspondence) or the symmetric chamfer distance (nearest)
    in mm; joint_residual_mm [B] or None; history: stage -> per-epoch final loss."""
    hand_pose: np.ndarray
    betas: np.ndarray
    global_orient: np.ndarray
    transl: np.ndarray
    vertices: np.ndarray
    joints: np.ndarray
    residual_mm: Optional[np.ndarray]
    joint_residual_mm: Optional[np.ndarray]
    history: dict = field(default_factory=dict)

    def report(self) -> str:
        """Per-sample residual table plus a summary line."""
        lines = [f"{'sample':>6} {'vertex mm':>10} {'joint mm':>10}"]
        B = len(self.hand_pose)
        for i in range(B):
            v = "-" if self.residual_mm is None else f"{self.residual_mm[i]:.3f}"
            j = "-" if self.joint_residual_mm is None else f"{self.joint_residual_mm[i]:.3f}"
            lines.append(f"{i:>6} {v:>10} {j:>10}")
        for name, r in (("vertex", self.residual_mm), ("joint", self.joint_residual_mm)):
            if r is not None:
                lines.append(f"{name} residual mm: mean {r.mean():.3f}  median {np.median(r):.3f}  max {r.max():.3f}")
        return "\n".join(lines)


def _t(x, dtype=torch.float32):
    return None if x is None else (x.detach().to(dtype) if torch.is_tensor(x) else torch.as_tensor(np.asarray(x), dtype=dtype))


class _Targets:
    """Source data on the model's side: targets per model vertex, or point clouds for chamfer."""

    def __init__(self, model, verts, faces, correspondence, joints, joint_regressor, nearest_every=10):
        self.verts, self.joints, self.mode = verts, joints, None
        self.nearest_every = max(int(nearest_every), 1)
        self.regress = None
        self.joint_regressor = _t(joint_regressor)
        V = model.num_vertices
        if verts is not None:
            corr = correspondence
            if isinstance(corr, str):
                if corr != "same":
                    raise ValueError(f"fit_model: correspondence must be 'same', an index array, a matrix or None, got {corr!r}")
                corr = np.arange(V)
            if corr is None:
                self.mode = "nearest"
                pts = verts
                if faces is not None:
                    f = torch.as_tensor(np.asarray(faces, np.int64))
                    pts = torch.cat([verts, verts[:, f].mean(2)], 1)
                self.points = pts
            else:
                self.mode = "map"
                if hasattr(corr, "toarray"):      # scipy sparse matrix
                    corr = corr.toarray()
                c = corr if torch.is_tensor(corr) else np.asarray(corr)
                if c.ndim == 1:
                    if len(c) != V:
                        raise ValueError(f"fit_model: correspondence indices must have V_model={V} entries, got {len(c)}")
                    ci = torch.as_tensor(np.asarray(c), dtype=torch.int64)
                    self.valid = ci >= 0
                    self.target = verts[:, ci.clamp(min=0)]
                else:
                    M = _t(c)
                    if tuple(M.shape) != (V, verts.shape[1]):
                        raise ValueError(f"fit_model: correspondence matrix must be [V_model={V}, V_source="
                                         f"{verts.shape[1]}], got {tuple(M.shape)}")
                    self.valid = torch.ones(V, dtype=torch.bool)
                    self.target = torch.einsum("vs,bsk->bvk", M, verts)
                if self.joints is None and joint_regressor is None and bool(self.valid.all()):
                    # Joints of the mapped mesh by the model's own regressor applied to the posed
                    # mesh (+ fingertip vertices); the model side uses the same operator, so a
                    # perfect fit has zero joint residual.
                    Jr = torch.as_tensor(model.J_regressor)
                    tips = torch.as_tensor(model.tip_ids, dtype=torch.int64)
                    self.regress = lambda v: torch.cat([torch.einsum("jv,bvk->bjk", Jr, v), v[:, tips]], 1)
                    self.joints = self.regress(self.target)

    def vertex_loss(self, mv):
        """Per-sample mean squared distance, mm^2 [B]."""
        if self.mode == "map":
            d2 = ((mv - self.target) * MM).pow(2).sum(-1)
            return (d2 * self.valid).sum(-1) / self.valid.sum().clamp(min=1)
        i_ms, i_sm = self.nearest(mv)
        pts = self.points
        d_ms = ((mv - torch.gather(pts, 1, i_ms[..., None].expand(-1, -1, 3))) * MM).pow(2).sum(-1)
        d_sm = ((pts - torch.gather(mv, 1, i_sm[..., None].expand(-1, -1, 3))) * MM).pow(2).sum(-1)
        return d_ms.mean(-1) + d_sm.mean(-1)

    def nearest(self, mv):
        """Indices of the nearest source point of each model vertex [B, V] and of the nearest
        model vertex of each source point [B, Ns]: brute force, no gradient through the search,
        recomputed every ``nearest_every`` calls (ICP style) and reused in between."""
        self._calls = getattr(self, "_calls", -1) + 1
        if self._calls % self.nearest_every == 0 or getattr(self, "_idx", None) is None:
            with torch.no_grad():
                pairs = [torch.cdist(mv[b].detach(), self.points[b]) for b in range(len(mv))]
                self._idx = (torch.stack([D.argmin(1) for D in pairs]), torch.stack([D.argmin(0) for D in pairs]))
        return self._idx

    def model_joints(self, out):
        if self.regress is not None:
            return self.regress(out.vertices)
        if self.joint_regressor is not None:
            return torch.einsum("jv,bvk->bjk", self.joint_regressor, out.vertices)
        J = out.joints
        return J if self.joints.shape[1] == J.shape[1] else J[:, : self.joints.shape[1]]

    def joint_loss(self, out):
        return ((self.model_joints(out) - self.joints) * MM).pow(2).sum(-1).mean(-1)


def _kabsch_axis_angle(src, dst):
    """Proper rotation R [B, 3, 3] minimising |R src_c - dst_c| (centred [B, N, 3] inputs), as
    axis-angle [B, 3]."""
    R = similarity_transform(src.double().numpy(), dst.double().numpy(), allow_reflection=False).R
    return torch.as_tensor(rotvec_from_matrix(R), dtype=torch.float32)


def _initial_rigid(m, tg, verts, joints, B):
    """Starting global_orient [B, 3] and transl [B, 3] metres (see the module docstring)."""
    with torch.no_grad():
        rest = m.forward(torch.zeros(B, m.pose_dim), differentiable=True)
        root = rest.joints[:, 0]
        if tg.joints is not None:
            src, dst = tg.model_joints(rest), tg.joints
        elif tg.mode == "map":                      # matched vertices
            src, dst = rest.vertices[:, tg.valid], tg.target[:, tg.valid]
        else:
            src, dst = rest.vertices, verts
        cs, cd = src.mean(1), dst.mean(1)
        if tg.joints is not None or tg.mode == "map":
            go = _kabsch_axis_angle(src - cs[:, None], dst - cd[:, None])
        else:
            go = torch.zeros(B, 3)
        from handraster.models.skinning_torch import rodrigues_torch
        R = rodrigues_torch(go)
        # forward(go, T) maps a rest point x to R (x - root) + root + T; match x -> R x + (cd - R cs)
        T = cd - (R @ cs[..., None])[..., 0] + (R @ root[..., None])[..., 0] - root
    return go, T


def _run_stage(params, groups, loss_fn, epochs, iters, decay_every, progress, desc):
    finals = []
    total = epochs * iters
    bar = None
    if progress and total:
        from tqdm.auto import tqdm
        bar = tqdm(total=total, desc=desc, unit="it")
    for _ in range(epochs):
        opt = torch.optim.Adam([{"params": [params[k] for k in ks], "lr": lr} for ks, lr in groups])
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=decay_every, gamma=0.1)
        for _ in range(iters):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn().sum()
            loss.backward()
            opt.step()
            sched.step()
            if bar is not None:
                bar.update(1)
        finals.append(float(loss.detach()))
    if bar is not None:
        bar.close()
    return finals


def fit_model(source_meshes, target_model, *, source_joints=None, source_faces=None, correspondence=None,
              joint_regressor=None, coarse_epochs: int = 2, coarse_iters: int = 3000, fine_epochs: int = 4,
              fine_iters: int = 3000, decay_every: int = 1000, coarse_lr: float = 1.0,
              pose_lr: float = 1e-3, shape_lr: float = 1e-3, global_lr: float = 1e-2,
              vertex_weight_coarse: float = 0.1, pose_reg: float = 50.0, shape_reg: float = 50.0,
              init_global_orient=None, init_transl=None, nearest_every: int = 10,
              progress: bool = False) -> FitResult:
    """Fit ``target_model`` (a HandModel) to source_meshes [B, Vs, 3] metres (or None) and/or
    source_joints [B, Jt, 3] metres, in two stages (see the module docstring).

    source_joints are compared with the model's output joints (its J joints + 5 tips, the first
    Jt of them) or, with joint_regressor [Jt, V_model], with that regressor applied to the model's
    vertices (e.g. a regressor to NIMBLE's 25 joints, see regressor.py). Without source_joints
    but with a correspondence map, the joints of the mapped source mesh under the model's own
    J_regressor (+ tip vertices) are used. With joints only (no meshes), both stages use the
    joint loss. init_global_orient [B, 3] / init_transl [B, 3] metres start the coarse stage
    (default: zero rotation and the translation that matches centroids).
    """
    verts = _t(source_meshes)
    joints = _t(source_joints)
    if verts is None and joints is None:
        raise ValueError("fit_model: give source_meshes and/or source_joints")
    for name, a in (("source_meshes", verts), ("source_joints", joints)):
        if a is not None and (a.ndim != 3 or a.shape[-1] != 3):
            raise ValueError(f"fit_model: {name} must be [B, N, 3] metres, got {tuple(a.shape)}")
    B = (verts if verts is not None else joints).shape[0]
    tg = _Targets(target_model, verts, source_faces, correspondence, joints, joint_regressor, nearest_every)
    m = target_model
    P = m.pose_dim
    go0, tr0 = _initial_rigid(m, tg, verts, joints, B)
    if init_global_orient is not None:
        go0 = _t(init_global_orient)
    if init_transl is not None:
        tr0 = _t(init_transl)
    params = {
        "hand_pose": torch.zeros(B, P, requires_grad=True),
        "betas": torch.zeros(B, m.num_betas, requires_grad=True),
        "global_orient_deg": (go0 * DEG).clone().requires_grad_(True),
        "transl_mm": (tr0 * MM).clone().requires_grad_(True),
    }

    def forward():
        return m.forward(params["hand_pose"], betas=params["betas"], global_orient=params["global_orient_deg"] / DEG,
                         transl=params["transl_mm"] / MM, differentiable=True)

    def coarse_loss():
        out = forward()
        if tg.joints is None:
            return tg.vertex_loss(out.vertices)
        loss = tg.joint_loss(out)
        return loss + vertex_weight_coarse * tg.vertex_loss(out.vertices) if verts is not None else loss

    def fine_loss():
        out = forward()
        data = tg.vertex_loss(out.vertices) if verts is not None else tg.joint_loss(out)
        reg = pose_reg * params["hand_pose"].pow(2).mean(-1) + shape_reg * params["betas"].pow(2).mean(-1)
        return data + reg

    hist = {}
    hist["coarse"] = _run_stage(params, [(("global_orient_deg", "transl_mm"), coarse_lr)], coarse_loss,
                                coarse_epochs, coarse_iters, decay_every, progress, "fit coarse")
    hist["fine"] = _run_stage(params, [(("hand_pose",), pose_lr), (("betas",), shape_lr),
                                       (("global_orient_deg", "transl_mm"), global_lr)], fine_loss,
                              fine_epochs, fine_iters, decay_every, progress, "fit fine")
    with torch.no_grad():
        out = forward()
        res = jres = None
        if verts is not None:
            if tg.mode == "map":
                d = (out.vertices - tg.target).norm(dim=-1) * MM
                res = ((d * tg.valid).sum(-1) / tg.valid.sum().clamp(min=1)).numpy()
            else:
                D = torch.cdist(out.vertices, tg.points) * MM
                res = (0.5 * (D.min(2).values.mean(-1) + D.min(1).values.mean(-1))).numpy()
        if tg.joints is not None:
            jres = ((tg.model_joints(out) - tg.joints).norm(dim=-1) * MM).mean(-1).numpy()
    f = lambda k: params[k].detach().numpy().astype(np.float32)  # noqa: E731
    return FitResult(hand_pose=f("hand_pose"), betas=f("betas"),
                     global_orient=(params["global_orient_deg"].detach() / DEG).numpy().astype(np.float32),
                     transl=(params["transl_mm"].detach() / MM).numpy().astype(np.float32),
                     vertices=out.vertices.numpy(), joints=out.joints.numpy(),
                     residual_mm=None if res is None else res.astype(np.float64),
                     joint_residual_mm=None if jres is None else jres.astype(np.float64), history=hist)
