"""The VAE occlusion prior of the gap paper (supplement): a pose prior on 21 3D joints that
fills in occluded joints and generates new poses.

Network (``JointVAE``): encoder Linear(63,512)-ReLU, Linear(512,512)-ReLU, Linear(512,512)-ReLU,
Linear(512, 2z) (mean and log-variance); decoder Linear(z,512)-ReLU, 4 x Linear(512,512)-ReLU,
Linear(512,63). z = 64 by default (the authors' released code used 32; ``latent_dim``).

Data convention: joints [B, 21, 3] float, metres, any joint order that is the same in training
and use, with the wrist at index ``root`` (0 in both the internal and the OpenPose order); the
order is recorded as ``joint_order`` ("internal", "openpose", or "other") so that poses made
from samples (poses/ik.py, the renderer's 'prior' pose source) read the joints right. The
network sees right-hand, root-relative joints divided by one fixed scalar ``scale`` (the RMS
coordinate of the training set, stored with the weights) - a pure scaling, so a zeroed input
joint is still "at the wrist" - and left hands are mirrored (x -> -x) in and out.
Training (train.py): each joint zeroed with probability 0.5 in the input, the target unmasked;
random in-plane rotation (about the camera z axis); loss = sum of squared errors over the 63
scaled coordinates + kl_weight (0.01) x KL, batch mean; Adam lr 1e-4, batch 128.
"""
from __future__ import annotations

import os
from typing import Optional

import numpy as np
import torch
from torch import nn


class JointVAE(nn.Module):
    """The encoder / decoder MLPs; inputs and outputs are [B, 3 * num_joints] scaled coordinates."""

    def __init__(self, latent_dim: int = 64, num_joints: int = 21, hidden: int = 512):
        super().__init__()
        d = 3 * num_joints
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                     nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent_dim))
        dec = [nn.Linear(latent_dim, hidden), nn.ReLU()]
        for _ in range(4):
            dec += [nn.Linear(hidden, hidden), nn.ReLU()]
        dec.append(nn.Linear(hidden, d))
        self.decoder = nn.Sequential(*dec)

    def encode(self, x):
        """x [B, D] -> (mean [B, z], log-variance [B, z])."""
        h = self.encoder(x)
        return h[:, : self.latent_dim], h[:, self.latent_dim:]

    def forward(self, x, sample: bool = True):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if sample else mu
        return self.decoder(z), mu, logvar


def _mirror(j: np.ndarray, left) -> np.ndarray:
    """Mirror (x -> -x) the samples flagged left; left is a bool or [B] bools."""
    flip = np.where(np.broadcast_to(np.asarray(left, bool), j.shape[:1]), -1.0, 1.0)
    out = j.copy()
    out[..., 0] *= flip[:, None]
    return out


class OcclusionPrior:
    """The trained prior plus its data convention. See the module docstring."""

    def __init__(self, latent_dim: int = 64, num_joints: int = 21, root: int = 0, hidden: int = 512,
                 kl_weight: float = 0.01, device: str = "cpu", seed: int = 0, joint_order: str = "internal"):
        if joint_order not in ("internal", "openpose", "other"):
            raise ValueError(f"OcclusionPrior: joint_order must be internal, openpose or other, got {joint_order!r}")
        torch.manual_seed(seed)
        self.config = dict(latent_dim=latent_dim, num_joints=num_joints, root=root, hidden=hidden,
                           kl_weight=kl_weight, joint_order=joint_order)
        self.net = JointVAE(latent_dim, num_joints, hidden).to(device)
        self.device = torch.device(device)
        self.scale = 1.0
        self.history: list = []

    @property
    def root(self) -> int:
        return self.config["root"]

    @property
    def num_joints(self) -> int:
        return self.config["num_joints"]

    @property
    def joint_order(self) -> str:
        """Order of the joints the prior was trained on: internal | openpose | other (files
        written before the order was recorded load as internal, the CLI's default)."""
        return self.config.get("joint_order", "internal")

    # ----- data convention -----------------------------------------------------------------
    def _check(self, joints, name="joints") -> np.ndarray:
        j = np.asarray(joints.detach().cpu() if torch.is_tensor(joints) else joints, np.float64)
        if j.ndim == 2:
            j = j[None]
        if j.ndim != 3 or j.shape[1:] != (self.num_joints, 3):
            raise ValueError(f"OcclusionPrior: {name} must be [B, {self.num_joints}, 3] metres, got {j.shape}")
        return j

    def to_network(self, joints, right=True) -> np.ndarray:
        """[B, J, 3] metres -> right-hand, root-relative, scaled, float32 [B, J, 3]."""
        j = self._check(joints)
        j = _mirror(j - j[:, self.root: self.root + 1], ~np.asarray(right, bool))
        return (j / self.scale).astype(np.float32)

    # ----- training ------------------------------------------------------------------------
    def fit(self, joints, epochs: int = 100, batch_size: int = 128, lr: float = 1e-4,
            right=True, mask_prob: float = 0.5, rotate: bool = True, seed: int = 0,
            progress: bool = True) -> list:
        """Train on joints [N, J, 3] metres (right: bool or [N] bools; left hands are mirrored).
        Sets ``scale`` from this data when the prior is untrained. Returns the per-epoch mean
        losses (also appended to ``history``). A progress bar shows unless progress=False."""
        from handraster.prior.train import train_vae
        j = self._check(joints)
        rr = _mirror(j - j[:, self.root: self.root + 1], ~np.asarray(right, bool))
        if not self.history:
            self.scale = float(np.sqrt(np.mean(rr ** 2))) or 1.0
        x = torch.as_tensor((rr / self.scale).astype(np.float32))
        losses = train_vae(self.net, x, epochs=epochs, batch_size=batch_size, lr=lr, mask_prob=mask_prob,
                           rotate=rotate, kl_weight=self.config["kl_weight"], seed=seed, progress=progress,
                           device=self.device)
        self.history += losses
        return losses

    # ----- use -----------------------------------------------------------------------------
    @torch.no_grad()
    def refine(self, joints, visible, right=True):
        """Fill in invisible joints. joints [B, J, 3] metres (any frame; the wrist ``root``
        defines it and is always kept); visible [B, J] bool. The invisible joints are zeroed,
        the input encoded, the posterior mean (no sampling) decoded, and only the invisible
        joints replaced; visible ones come back bit-identical. numpy in -> numpy out, torch in
        -> torch out (float64 numpy / input dtype torch)."""
        j = self._check(joints)
        vis = np.asarray(visible.detach().cpu() if torch.is_tensor(visible) else visible, bool)
        vis = vis.reshape(j.shape[:2]) if vis.size == j.shape[0] * j.shape[1] else vis
        if vis.shape != j.shape[:2]:
            raise ValueError(f"OcclusionPrior.refine: visible must be [B, {self.num_joints}], got {vis.shape}")
        x = self.to_network(j, right)
        x[~vis] = 0.0
        self.net.eval()
        mu, _ = self.net.encode(torch.as_tensor(x.reshape(len(x), -1), device=self.device))
        y = self.net.decoder(mu).cpu().numpy().reshape(j.shape).astype(np.float64) * self.scale
        y = _mirror(y, ~np.asarray(right, bool)) + j[:, self.root: self.root + 1]
        out = np.where(vis[..., None], j, y)
        out[:, self.root] = j[:, self.root]
        if torch.is_tensor(joints):
            res = torch.as_tensor(out, dtype=joints.dtype, device=joints.device)
            return res if joints.ndim == 3 else res[0]
        return out if np.ndim(joints) == 3 else out[0]

    @torch.no_grad()
    def sample(self, n: int, seed: Optional[int] = None, temperature: float = 1.0) -> np.ndarray:
        """n new poses: z ~ N(0, temperature^2 I) decoded -> joints [n, J, 3] float32 metres,
        right hand, wrist at the origin (with the training data's in-plane rotations)."""
        g = torch.Generator().manual_seed(seed) if seed is not None else None
        z = torch.randn(n, self.config["latent_dim"], generator=g) * temperature
        self.net.eval()
        y = self.net.decoder(z.to(self.device)).cpu().numpy().reshape(n, self.num_joints, 3) * self.scale
        y -= y[:, self.root: self.root + 1]
        return y.astype(np.float32)

    # ----- files ---------------------------------------------------------------------------
    def save(self, path) -> str:
        """Write weights, config, scale and history (torch.save; written atomically)."""
        path = os.fspath(path)
        tmp = path + ".tmp"
        torch.save({"format": "handraster-occlusion-prior-1", "config": self.config, "scale": self.scale,
                    "history": self.history, "state_dict": self.net.state_dict()}, tmp)
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path, device: str = "cpu") -> "OcclusionPrior":
        d = torch.load(os.fspath(path), map_location=device, weights_only=False)
        if not isinstance(d, dict) or d.get("format") != "handraster-occlusion-prior-1":
            raise ValueError(f"{path}: not a handraster occlusion prior file")
        p = cls(device=device, **d["config"])
        p.net.load_state_dict(d["state_dict"])
        p.scale, p.history = float(d["scale"]), list(d["history"])
        return p
