"""Rotation helpers in numpy (float64), shared by the model builder, the renderer and the
writers. The torch twin for autograd is models/skinning_torch.rodrigues_torch."""
from __future__ import annotations

import numpy as np


def rodrigues(aa: np.ndarray) -> np.ndarray:
    """Axis-angle [..., 3] (radians) -> rotation matrices [..., 3, 3] (float64)."""
    aa = np.asarray(aa, np.float64)
    th = np.linalg.norm(aa, axis=-1, keepdims=True)
    k = aa / np.where(th > 1e-12, th, 1.0)
    x, y, z = k[..., 0], k[..., 1], k[..., 2]
    zero = np.zeros_like(x)
    Kx = np.stack([zero, -z, y, z, zero, -x, -y, x, zero], -1).reshape(aa.shape[:-1] + (3, 3))
    s, c = np.sin(th)[..., None], np.cos(th)[..., None]
    return np.eye(3) + s * Kx + (1 - c) * (Kx @ Kx)
