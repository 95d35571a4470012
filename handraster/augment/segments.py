"""Real arm and object segments composed over renders (the synthetic-to-real gap paper, Eq. 2):

    I = (1 - M_obj - M_arm) * I_syn + M_obj * I_real_j + M_arm * I_real_k

with the labels updated to the composed occluders. Masks are soft alphas in [0, 1] (or
thresholded at 0.5 with ``binary=True``); where both overlap the object is in front
(M_arm <- min(M_arm, 1 - M_obj)), so the weights always sum to 1. Batched, in the render's
array library and device (numpy, or torch CPU/CUDA).

Pairing of render b (with global index g = ids[b], i.e. sample i of batch k of size N has
g = k * N + i) to bank triples, M = len(bank):
  "sequential"  j = k = g mod M: object and arm from the same real frame, cycling the bank;
  "random"      j and k independent, uniform, a function of (seed, g) only;
  explicit      obj_index / arm_index arrays [B] override both.
Variant "color": the arm region is painted with the hand's mean colour (mean over the render's
hand-part pixels, labels 1-6; the whole image when no mask is given) and the object region with
a random colour drawn from (seed, g) - the paper's control for real textures.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from handraster._native import asarray, lib_of
from handraster._reference.rng import philox4x32_10, u32_to_uniform
from handraster.augment.segment_bank import SegmentBank

SEGMENT_STREAM = 0x5345474D  # "SEGM"
ARM_LABEL, OBJECT_LABEL = 7, 8
HAND_PARTS = 6  # labels 1..6: palm, thumb, index, middle, ring, pinky


def pair_indices(ids: np.ndarray, M: int, pairing: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(obj_index, arm_index) int64 [B] into a bank of M triples (see module docstring)."""
    ids = np.asarray(ids, dtype=np.int64)
    if pairing == "sequential":
        j = ids % M
        return j, j.copy()
    if pairing == "random":
        w = philox4x32_10(seed, ids & 0xFFFFFFFF, ids >> 32, 0, SEGMENT_STREAM)
        return w[0].astype(np.int64) % M, w[1].astype(np.int64) % M
    raise ValueError(f"composite_segments: pairing must be 'sequential' or 'random', got {pairing!r}")


def _random_colours(ids: np.ndarray, seed: int) -> np.ndarray:
    w = philox4x32_10(seed, ids & 0xFFFFFFFF, ids >> 32, 1, SEGMENT_STREAM)
    return np.stack([u32_to_uniform(w[c]) for c in range(3)], axis=-1)  # [B, 3] in (0, 1]


def composite_segments(render: Any, segments: SegmentBank, *, ids: Any = None,
                       obj_index: Any = None, arm_index: Any = None, pairing: str = "sequential",
                       seed: int = 0, binary: bool = False, variant: str = "real",
                       use_arm: bool = True, use_obj: bool = True) -> dict:
    """Compose real arm/object segments over a batch of renders and update its labels.

    render: a dict with "rgb" [B, H, W, 3] (uint8, or float in [0, 1]) and optionally
      "mask" uint8 [B, H, W] part labels (0 bg, 1 palm, 2-6 thumb..pinky, 7 forearm, 8 object),
      "joints2d" float [B, 21, 2] pixels (x right, y down) and "visibility" bool [B, 21];
      or the rgb array alone. numpy or torch (CPU/CUDA); outputs keep library and device.
    segments: the SegmentBank; ids: int [B] global sample indices (default 0..B-1).
    Returns a dict: "rgb" (input dtype), "obj_alpha" and "arm_alpha" float32 [B, H, W] (the
    weights used), "obj_index"/"arm_index" int64 [B] (numpy), and when given: "mask" with
    object pixels (alpha >= 0.5) set to 8 and arm pixels to 7; "visibility" with joints whose
    pixel is covered (alpha >= 0.5) set False (joints outside the image keep their value);
    "part_pixels" and "part_covered" int64 [B, 6]: pixels of parts 1-6 in the input mask
    and how many of them the occluders cover (finger-level occlusion), and "occlusion" float64
    [B]: the covered fraction of all hand pixels (0 where the render has none).
    """
    if variant not in ("real", "color"):
        raise ValueError(f"composite_segments: variant must be 'real' or 'color', got {variant!r}")
    r = dict(render) if isinstance(render, Mapping) else {"rgb": render}
    rgb = r.get("rgb")
    if rgb is None or rgb.ndim != 4 or rgb.shape[-1] != 3:
        raise ValueError("composite_segments: rgb must be [B, H, W, 3], got "
                         f"{None if rgb is None else list(rgb.shape)}")
    B, H, W = (int(s) for s in rgb.shape[:3])
    lib = lib_of(rgb)
    is_uint8 = str(rgb.dtype).endswith("uint8")
    ids = np.arange(B, dtype=np.int64) if ids is None else _host(ids).astype(np.int64).reshape(-1)
    if ids.shape != (B,):
        raise ValueError(f"composite_segments: ids must have shape [B] = [{B}], got {list(ids.shape)}")
    j, k = pair_indices(ids, len(segments), pairing, seed)
    if obj_index is not None:
        j = _host(obj_index).astype(np.int64).reshape(-1)
    if arm_index is not None:
        k = _host(arm_index).astype(np.int64).reshape(-1)
    for name, idx in (("obj_index", j), ("arm_index", k)):
        if idx.shape != (B,) or (idx < 0).any() or (idx >= len(segments)).any():
            raise ValueError(f"composite_segments: {name} must be [B] = [{B}] values in "
                             f"[0, {len(segments)}), got {idx.tolist()}")
    mask = r.get("mask")
    if mask is not None and tuple(mask.shape) != (B, H, W):
        raise ValueError(f"composite_segments: mask must be [B, H, W] = {[B, H, W]}, got {list(mask.shape)}")
    obj_img, obj_a, arm_img, arm_a = segments.batch(j, k, H, W)
    if binary:
        obj_a, arm_a = (obj_a >= 0.5).astype(np.float32), (arm_a >= 0.5).astype(np.float32)
    if not use_obj:
        obj_a[:] = 0
    if not use_arm:
        arm_a[:] = 0
    np.minimum(arm_a, 1.0 - obj_a, out=arm_a)  # object in front where both cover
    syn = asarray(rgb, like=rgb, dtype=np.float32)
    if is_uint8:
        syn = syn / 255.0
    if variant == "color":
        hand_rgb = _hand_mean_colour(syn, mask)  # [B, 3] in the render's library
        arm_img = hand_rgb[:, None, None, :]
        obj_img = asarray(_random_colours(ids, seed), like=rgb)[:, None, None, :]
    else:
        arm_img, obj_img = asarray(arm_img, like=rgb), asarray(obj_img, like=rgb)
    oa, aa = asarray(obj_a, like=rgb), asarray(arm_a, like=rgb)
    # I = I_syn + M_obj (I_obj - I_syn) + M_arm (I_arm - I_syn): Eq. 2 with fewer temporaries
    out = obj_img - syn
    out *= oa[..., None]
    tmp = arm_img - syn
    tmp *= aa[..., None]
    out += tmp
    out += syn
    del tmp
    if is_uint8:
        out *= 255.0
        out += 0.5
        out = out.clip(0, 255)
        out = out.to(rgb.dtype) if lib == "torch" else out.astype(np.uint8)
    else:
        out = out.to(rgb.dtype) if lib == "torch" else out.astype(rgb.dtype, copy=False)
    result = {"rgb": out, "obj_alpha": oa, "arm_alpha": aa, "obj_index": j, "arm_index": k}
    obj_cov, arm_cov = oa >= 0.5, aa >= 0.5
    if mask is not None:
        result["mask"] = _relabel(mask, obj_cov, arm_cov)
        result["part_pixels"], result["part_covered"] = _part_counts(mask, obj_cov | arm_cov)
        total = result["part_pixels"].sum(1)
        result["occlusion"] = result["part_covered"].sum(1) / np.maximum(total, 1)
    if r.get("visibility") is not None:
        if r.get("joints2d") is None:
            raise ValueError("composite_segments: visibility needs joints2d [B, J, 2] to be updated")
        result["visibility"] = _update_visibility(r["joints2d"], r["visibility"], obj_cov | arm_cov)
    return result


def _relabel(mask: Any, obj_cov: Any, arm_cov: Any) -> Any:
    """mask with object-covered pixels set to 8 and arm-covered ones to 7 (a new array)."""
    if lib_of(mask) == "torch":
        import torch
        lab = lambda v: torch.tensor(v, dtype=mask.dtype, device=mask.device)  # noqa: E731
        return torch.where(obj_cov, lab(OBJECT_LABEL), torch.where(arm_cov, lab(ARM_LABEL), mask))
    return np.where(obj_cov, np.asarray(OBJECT_LABEL, mask.dtype),
                    np.where(arm_cov, np.asarray(ARM_LABEL, mask.dtype), mask))


def _part_counts(mask: Any, covered: Any) -> tuple[np.ndarray, np.ndarray]:
    """int64 [B, 6] pixels of parts 1..6 and how many are covered, by one bincount each."""
    m, cov = _host(mask).astype(np.int64), _host(covered)
    B = m.shape[0]
    keys = (np.arange(B, dtype=np.int64)[:, None, None] * 256 + m).reshape(-1)
    allp = np.bincount(keys, minlength=B * 256).reshape(B, 256)
    covp = np.bincount(keys[cov.reshape(-1)], minlength=B * 256).reshape(B, 256)
    return allp[:, 1:HAND_PARTS + 1], covp[:, 1:HAND_PARTS + 1]


def _hand_mean_colour(syn: Any, mask: Any) -> Any:
    """[B, 3] mean colour over hand-part pixels (labels 1..6), whole image if none."""
    B = syn.shape[0]
    if mask is None:
        return syn.reshape(B, -1, 3).mean(1)
    hand = ((mask >= 1) & (mask <= HAND_PARTS))
    hand = asarray(hand, like=syn, dtype=np.float32).reshape(B, -1, 1)
    flat = syn.reshape(B, -1, 3)
    n = hand.sum(1)  # [B, 1]
    denom = n.clamp(min=1) if lib_of(n) == "torch" else np.maximum(n, 1)
    mean_hand = (flat * hand).sum(1) / denom
    whole = flat.mean(1)
    has = n > 0
    if lib_of(syn) == "torch":
        import torch
        return torch.where(has, mean_hand, whole)
    return np.where(has, mean_hand, whole)


def _update_visibility(joints2d: Any, visibility: Any, covered: Any) -> Any:
    """visibility with joints on covered pixels set False (pixel = floor of the coordinate)."""
    B, H, W = covered.shape
    xy = _host(joints2d).astype(np.float64)
    vis = _host(visibility).astype(bool).copy()
    cov = _host(covered)
    x, y = np.floor(xy[..., 0]).astype(np.int64), np.floor(xy[..., 1]).astype(np.int64)
    inside = (x >= 0) & (x < W) & (y >= 0) & (y < H)
    b = np.broadcast_to(np.arange(B)[:, None], x.shape)
    hit = np.zeros_like(vis)
    hit[inside] = cov[b[inside], y[inside], x[inside]]
    vis &= ~hit
    return asarray(vis, like=visibility, dtype=np.uint8).bool() if lib_of(visibility) == "torch" else vis


def _host(a: Any) -> np.ndarray:
    if lib_of(a) == "torch":
        return a.detach().cpu().numpy()
    if lib_of(a) == "cupy":
        return a.get()
    return np.asarray(a)
