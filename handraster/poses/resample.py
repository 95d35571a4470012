"""New poses from real ones (sources.py's PoseSet convention throughout):

* ``interpolate`` - DARTset style: random pairs of real poses, each joint's rotation slerped
  (quaternions, shortest arc) at a random t; betas / transl linearly.
* ``PosePCA`` - a Gaussian in PCA space: fit on real poses, sample coefficients
  N(0, (scale * std)^2) on the first C components.
* ``prior_poses`` - the VAE occlusion prior's samples (joint positions) turned into MANO
  parameters by closed-form IK (poses/ik.py) or by fitting a model to them (analysis.fitting,
  joints only).
All sampling is seeded (numpy default_rng(seed)) and deterministic.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from handraster.poses.sources import PoseSet


def aa_to_quat(aa: np.ndarray) -> np.ndarray:
    """Axis-angle [..., 3] -> unit quaternions [..., 4] (w, x, y, z)."""
    aa = np.asarray(aa, np.float64)
    th = np.linalg.norm(aa, axis=-1, keepdims=True)
    s = np.where(th > 1e-12, np.sin(th / 2) / np.maximum(th, 1e-12), 0.5 - th * th / 48)
    return np.concatenate([np.cos(th / 2), aa * s], -1)


def quat_to_aa(q: np.ndarray) -> np.ndarray:
    """Unit quaternions [..., 4] (w, x, y, z) -> axis-angle [..., 3], angle in [0, pi]."""
    q = np.where(q[..., :1] < 0, -q, q)
    v = q[..., 1:]
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    ang = 2 * np.arctan2(n, q[..., :1])
    return np.where(n > 1e-12, v / np.maximum(n, 1e-300) * ang, 2 * v)


def slerp_aa(a, b, t) -> np.ndarray:
    """Per-rotation slerp between axis-angle arrays a, b [..., 3] at t (broadcast to [...])."""
    qa, qb = aa_to_quat(a), aa_to_quat(b)
    dot = (qa * qb).sum(-1, keepdims=True)
    qb = np.where(dot < 0, -qb, qb)                                   # shortest arc
    dot = np.abs(dot).clip(-1, 1)
    t = np.asarray(t, np.float64)[..., None]
    om = np.arccos(dot)
    so = np.sin(om)
    lin = so < 1e-6
    wa = np.where(lin, 1 - t, np.sin((1 - t) * om) / np.where(lin, 1, so))
    wb = np.where(lin, t, np.sin(t * om) / np.where(lin, 1, so))
    q = wa * qa + wb * qb
    return quat_to_aa(q / np.linalg.norm(q, axis=-1, keepdims=True))


def interpolate(poses: PoseSet, n: int, seed: int = 0, t_range=(0.0, 1.0)) -> PoseSet:
    """n poses between random pairs (i != j) of ``poses``: every joint rotation (and the global
    orientation) slerped at t ~ U(t_range), betas and transl blended linearly. The rotations are
    the stored values exp(hand_pose): convert a mean-relative set with to_flat first to blend
    absolute joint rotations. extra holds the pair indices and t."""
    N = len(poses)
    if N < 2:
        raise ValueError("interpolate: need at least 2 poses")
    rng = np.random.default_rng(seed)
    i = rng.integers(0, N, n)
    j = (i + rng.integers(1, N, n)) % N
    t = rng.uniform(t_range[0], t_range[1], n)
    hp = slerp_aa(poses.hand_pose[i].reshape(n, 15, 3), poses.hand_pose[j].reshape(n, 15, 3), t[:, None])
    go = slerp_aa(poses.global_orient[i], poses.global_orient[j], t)
    lerp = lambda a: None if a is None else (1 - t[:, None]) * a[i] + t[:, None] * a[j]  # noqa: E731
    return PoseSet(hand_pose=hp.reshape(n, 45), global_orient=go, betas=lerp(poses.betas), transl=lerp(poses.transl),
                   mean_relative=poses.mean_relative, source=f"interpolate({poses.source})",
                   extra={"pair": np.stack([i, j], 1), "t": t})


class PosePCA:
    """PCA of hand poses [N, 45]: mean [45], components [C, 45] (orthonormal rows), std [C]
    (per-component standard deviation of the data), plus the PoseSet's mean_relative flag."""

    def __init__(self, mean, components, std, mean_relative: bool = False):
        self.mean = np.asarray(mean, np.float64)
        self.components = np.asarray(components, np.float64)
        self.std = np.asarray(std, np.float64)
        self.mean_relative = mean_relative

    @classmethod
    def fit(cls, poses, n_components: Optional[int] = None) -> "PosePCA":
        """From a PoseSet or an array [N, 45]."""
        X = np.asarray(poses.hand_pose if isinstance(poses, PoseSet) else poses, np.float64).reshape(-1, 45)
        mu = X.mean(0)
        _, s, Vt = np.linalg.svd(X - mu, full_matrices=False)
        C = n_components or len(s)
        std = s[:C] / np.sqrt(max(len(X) - 1, 1))
        return cls(mu, Vt[:C], std, bool(getattr(poses, "mean_relative", False)))

    @classmethod
    def from_model(cls, model, std=None, n_components: Optional[int] = None) -> "PosePCA":
        """MANO's own pose PCA (hands_components), centred on zero mean-relative pose; std
        defaults to 1 per component (MANO ships no variances)."""
        if model.hands_components is None:
            raise ValueError(f"model '{model.name}' has no hands_components")
        comps = model.hands_components[:n_components] if n_components else model.hands_components
        std = np.ones(len(comps)) if std is None else np.asarray(std, np.float64)[: len(comps)]
        return cls(np.zeros(45), comps, std, mean_relative=model.hands_mean is not None)

    def encode(self, hand_pose) -> np.ndarray:
        return (np.asarray(hand_pose, np.float64) - self.mean) @ self.components.T

    def decode(self, coeffs) -> np.ndarray:
        return (self.mean + np.asarray(coeffs, np.float64) @ self.components).astype(np.float32)

    def sample(self, n: int, seed: int = 0, scale: float = 1.0) -> PoseSet:
        """n poses with coefficients ~ N(0, (scale * std)^2); zero global orientation."""
        z = np.random.default_rng(seed).standard_normal((n, len(self.std))) * self.std * scale
        return PoseSet(hand_pose=self.decode(z), global_orient=None, mean_relative=self.mean_relative,
                       source="pca", extra={"coeffs": z})


def prior_poses(prior, model, n: int, seed: int = 0, method: str = "ik", temperature: float = 1.0,
                **fit_kw) -> PoseSet:
    """The VAE prior's third pose source: n joint sets sampled from ``prior`` (root-relative,
    in the prior's recorded joint_order) turned into ``model``'s parameters, by
    method "ik" (closed-form swing IK, poses/ik.py: every bone along its sampled direction,
    zero twist, the model's bone lengths; milliseconds) or "fit" (analysis.fitting on the
    joints, ``fit_kw`` passed on: pose and shape regularised, slow). extra holds the sampled
    joints and the joint residual of the result (mm, per sample: the mean distance of the
    model's joints to the samples after the fit; for "ik" it measures bone-length mismatch)."""
    if model.pose_dim != 45:
        raise ValueError(f"prior_poses: the model must take 45 axis-angle pose values, not {model.pose_dim}")
    if method not in ("ik", "fit"):
        raise ValueError(f"prior_poses: method must be 'ik' or 'fit', got {method!r}")
    mr = not model.flat_hand_mean and model.hands_mean is not None
    if method == "ik" and fit_kw:
        raise ValueError(f"prior_poses: {sorted(fit_kw)} apply to method 'fit' only")
    if prior.joint_order not in ("internal", "openpose"):
        raise ValueError(f"prior_poses: the prior's joints are in order {prior.joint_order!r}; "
                         "only 'internal' or 'openpose' can be posed")
    sampled = prior.sample(n, seed=seed, temperature=temperature)
    joints = sampled
    if prior.joint_order == "openpose":
        from handraster.models.joints import from_openpose
        joints = sampled[:, from_openpose()]
    if method == "ik":
        from handraster.poses.ik import pose_from_joints
        out = pose_from_joints(model, joints)
        J = np.asarray(model.forward(out["hand_pose"], global_orient=out["global_orient"],
                                     transl=out["transl"]).joints, np.float64)
        return PoseSet(hand_pose=out["hand_pose"], global_orient=out["global_orient"], betas=None,
                       transl=out["transl"], mean_relative=mr, source="vae-prior",
                       extra={"joints": sampled, "fit_mm": 1000 * np.linalg.norm(J - joints, axis=-1).mean(1)})
    from handraster.analysis.fitting import fit_model
    res = fit_model(None, model, source_joints=joints, **fit_kw)
    return PoseSet(hand_pose=res.hand_pose, global_orient=res.global_orient, betas=res.betas, transl=res.transl,
                   mean_relative=mr, source="vae-prior", extra={"joints": sampled, "fit_mm": res.joint_residual_mm})
