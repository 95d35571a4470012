"""Training loop of the VAE occlusion prior (see vae.py for the data convention).

Per batch: a random in-plane rotation (uniform angle about the camera z axis) of each target
pose, an input copy with each joint zeroed with probability mask_prob (the root is zero
anyway), then loss = sum over coordinates of (decoded - target)^2 + kl_weight * KL(q(z|x) ||
N(0, I)), averaged over the batch, minimised with Adam.
"""
from __future__ import annotations

import math

import torch


def _rotate_z(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """x [B, J, 3] rotated about z by angles uniform in [-pi, pi)."""
    a = (torch.rand(x.shape[0], generator=g) * 2 - 1) * math.pi
    c, s = torch.cos(a).to(x), torch.sin(a).to(x)
    xr = c[:, None] * x[..., 0] - s[:, None] * x[..., 1]
    yr = s[:, None] * x[..., 0] + c[:, None] * x[..., 1]
    return torch.stack([xr, yr, x[..., 2]], -1)


def vae_loss(recon, target, mu, logvar, kl_weight: float):
    """(total, reconstruction, KL), each a batch mean. recon / target [B, D] scaled units."""
    rec = ((recon - target) ** 2).sum(-1).mean()
    kl = (-0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(-1)).mean()
    return rec + kl_weight * kl, rec, kl


def train_vae(net, x: torch.Tensor, epochs: int, batch_size: int = 128, lr: float = 1e-4,
              mask_prob: float = 0.5, rotate: bool = True, kl_weight: float = 0.01, seed: int = 0,
              progress: bool = True, device="cpu") -> list:
    """Train ``net`` (a JointVAE) on x [N, J, 3] scaled, root-relative, right-hand joints.
    Returns the mean loss of each epoch."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    N, J = x.shape[0], x.shape[1]
    net.train()
    losses = []
    bar = range(epochs)
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(bar, desc="prior", unit="epoch")
    for _ in bar:
        perm = torch.randperm(N, generator=g)
        total, count = 0.0, 0
        for i in range(0, N, batch_size):
            tgt = x[perm[i: i + batch_size]]
            if rotate:
                tgt = _rotate_z(tgt, g)
            keep = (torch.rand(tgt.shape[0], J, 1, generator=g) >= mask_prob).to(tgt)
            inp = (tgt * keep).reshape(len(tgt), -1).to(device)
            tgt = tgt.reshape(len(tgt), -1).to(device)
            recon, mu, logvar = net(inp, sample=True)
            loss, _, _ = vae_loss(recon, tgt, mu, logvar, kl_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(tgt)
            count += len(tgt)
        losses.append(total / max(count, 1))
        if progress:
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
    net.eval()
    return losses
