"""Linear skin texture models (NIMBLE-style): texture(a) = mean + sum_k a_k basis_k.

A model file is an .npz in the skin UV space of the hand model being rendered:
  mean   float [H, W, 3]               sRGB texture, 0..1 (or 0..255: see ``scale``)
  basis  float [K, H, W, 3] or [K, H*W*3]   one principal direction per row
  std    float [K], optional           standard deviation of each coefficient (default 1)
  scale  float, optional               value of white (default: 255 if mean's max > 1.5, else 1)

The renderer does not evaluate the model per sample (K x H x W x 3 multiply-adds at 1024^2
is several ms); SceneAssets draws a fixed pool of ``count`` textures from it once, with
coefficients a_k ~ N(0, std_k) truncated to +-2.5 std_k from TEXTURE_MODEL_SEED, and samples
pick pool entries like textures from a folder. The pool is the same for every run seed, so
texture id t always means the same coefficients (``coefficients[t]``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

TEXTURE_MODEL_SEED = 20261122
TRUNCATE_STD = 2.5


class TextureModelError(ValueError):
    """A texture model file that cannot be used; the message names the file and the problem."""


def load_texture_model(path) -> dict:
    """{'mean' float32 [H, W, 3] in 0..1, 'basis' float32 [K, H*W*3] in the same units,
    'std' float32 [K]} from an .npz (see the module docstring)."""
    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as z:
            d = {k: np.asarray(z[k]) for k in z.files}
    except Exception as e:  # missing, not a zip, pickled content
        raise TextureModelError(f"{p}: not a readable texture model .npz ({type(e).__name__}: {e})") from None
    for key in ("mean", "basis"):
        if key not in d:
            raise TextureModelError(f"{p}: missing key '{key}' (have {sorted(d)}); expected mean [H, W, 3] "
                                    "and basis [K, H, W, 3] or [K, H*W*3]")
    mean = d["mean"].astype(np.float32)
    if mean.ndim != 3 or mean.shape[2] != 3 or min(mean.shape[:2]) < 1:
        raise TextureModelError(f"{p}: 'mean' must have shape [H, W, 3], got {list(mean.shape)}")
    n = mean.size
    basis = d["basis"].astype(np.float32)
    if basis.ndim == 4 and basis.shape[1:] == mean.shape:
        basis = basis.reshape(basis.shape[0], n)
    if basis.ndim != 2 or basis.shape[1] != n:
        raise TextureModelError(f"{p}: 'basis' must have shape [K, {', '.join(map(str, mean.shape))}] or "
                                f"[K, {n}], got {list(d['basis'].shape)}")
    K = basis.shape[0]
    std = d["std"].astype(np.float32).reshape(-1) if "std" in d else np.ones(K, np.float32)
    if std.shape != (K,) or not np.all(np.isfinite(std)) or (std < 0).any():
        raise TextureModelError(f"{p}: 'std' must be [K] = [{K}] finite values >= 0, got {list(d['std'].shape)}")
    scale = float(d["scale"]) if "scale" in d else (255.0 if float(mean.max(initial=0.0)) > 1.5 else 1.0)
    if not (np.isfinite(scale) and scale > 0):
        raise TextureModelError(f"{p}: 'scale' must be a positive number, got {scale}")
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(basis))):
        raise TextureModelError(f"{p}: 'mean' and 'basis' must be finite")
    return {"mean": mean / scale, "basis": basis / scale, "std": std}


def texture_model_pool(path, count: int, seed: int = TEXTURE_MODEL_SEED):
    """(textures: list of uint8 [H, W, 3] sRGB, coefficients float32 [count, K]) drawn from the
    model at ``path``: a_k ~ N(0, std_k) truncated to +-2.5 std_k, texture = clip(mean + a basis)."""
    m = load_texture_model(path)
    K = m["basis"].shape[0]
    rng = np.random.default_rng(seed)
    a = np.clip(rng.standard_normal((count, K)), -TRUNCATE_STD, TRUNCATE_STD).astype(np.float32) * m["std"]
    shape = m["mean"].shape
    out = []
    for k in range(count):
        t = m["mean"].reshape(-1) + a[k] @ m["basis"]
        out.append(np.clip(np.rint(t * 255.0), 0, 255).astype(np.uint8).reshape(shape))
    return out, a
