"""Per-sample annotations in the three written forms, and back.

- ours (``{key}.json`` / folder ann/*.json): every non-image field of the schema, exact
  (float32 values survive the JSON round trip bit for bit), plus seed, model_name, params,
  image_size [H, W] and depth_scale.
- HaMeR (``{key}.data.pyd``): a pickled list with one dict per hand, the keys HaMeR's
  ImageDataset.load_tars_as_webdataset reads (see docs/data_format.md):
    keypoints_2d float32 [21,3]  pixels + confidence (1, or visibility; config
                                 output.hamer_keypoint_conf), OpenPose order
    keypoints_3d float32 [21,4]  camera frame metres + confidence 1
    center float32 [2]           box centre, pixels
    scale float32 [2]            box size / 200 (x, y); HaMeR multiplies by 200
    hand_pose float32 [48]       global_orient (camera frame) + hand_pose, axis-angle,
                                 relative to the flat hand (HaMeR's MANOLayer applies rotation
                                 matrices without hands_mean)
    betas float32 [10]; right, has_hand_pose, has_betas float32 scalars (1.0 / 0.0)
- FreiHAND: K, xyz [21,3] and mano [1,61] = pose 48 (camera frame, relative to hands_mean
  when output.freihand_mean_relative), shape 10, uv_root 2 (wrist in pixels), scale 1
  (focal / wrist depth: FreiHAND's recover_root gives xyz_root = [uv - pp, f] / scale).
"""
from __future__ import annotations

import json
import pickle
from typing import List, Optional

import numpy as np

from handraster.models.rotations import rodrigues  # noqa: F401  (re-exported)

from handraster.data.schema import ARRAY_FIELDS

IMAGE_FIELDS = ("rgb", "depth", "mask")
LABEL_FIELDS = tuple(k for k in ARRAY_FIELDS if k not in IMAGE_FIELDS)


def _jsonable(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"not JSON-serialisable: {type(o).__name__}")


def sample_json(sample: dict, depth_scale: float) -> bytes:
    """The sample's labels as compact UTF-8 JSON (deterministic key order)."""
    d = {k: np.asarray(sample[k]).tolist() for k in LABEL_FIELDS}
    H, W = sample["rgb"].shape[:2]
    d.update(image_size=[int(H), int(W)], depth_scale=float(depth_scale), seed=int(sample["seed"]),
             model_name=str(sample["model_name"]), params=sample.get("params") or {})
    return json.dumps(d, separators=(",", ":"), default=_jsonable).encode()


def batch_json(batch, depth_scale: float) -> List[bytes]:
    """sample_json of every sample of a RenderBatch (the same bytes), with each label field
    turned into Python lists once per batch instead of once per sample."""
    cols = {k: getattr(batch, k).tolist() for k in LABEL_FIELDS}
    H, W = batch.rgb.shape[1:3]
    tail = dict(image_size=[int(H), int(W)], depth_scale=float(depth_scale), seed=int(batch.seed),
                model_name=str(batch.model_name))
    # no circular-reference bookkeeping: the labels are plain trees (same output, ~6% faster)
    dumps = json.JSONEncoder(separators=(",", ":"), default=_jsonable, check_circular=False).encode
    out = []
    for b in range(len(batch)):
        d = {k: c[b] for k, c in cols.items()}
        d.update(tail, params=(batch.params[b] if batch.params else None) or {})
        out.append(dumps(d).encode())
    return out


def labels_from_json(data: bytes) -> dict:
    """Inverse of sample_json: arrays with the schema's dtypes, plus the extra keys."""
    d = json.loads(data)
    out = {k: np.asarray(d[k], dtype=ARRAY_FIELDS[k][0]) for k in LABEL_FIELDS if k in d}
    for k in ("image_size", "depth_scale", "seed", "model_name", "params"):
        if k in d:
            out[k] = d[k]
    return out


def log_rotation(R: np.ndarray) -> np.ndarray:
    """Rotation matrix [3,3] -> axis-angle [3] (float64), stable near 0 and pi."""
    R = np.asarray(R, np.float64)
    cos = np.clip((np.trace(R) - 1) / 2, -1.0, 1.0)
    th = np.arccos(cos)
    if th < 1e-7:
        return np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]]) / 2
    if np.pi - th < 1e-4:  # axis from the symmetric part
        B = (R + np.eye(3)) / 2
        i = int(np.argmax(np.diag(B)))
        axis = B[:, i] / np.sqrt(max(B[i, i], 1e-12))
        return axis * th
    w = np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]])
    return w * th / (2 * np.sin(th))


def global_orient_camera(global_orient: np.ndarray, extrinsics: np.ndarray) -> np.ndarray:
    """World-frame axis-angle [3] -> camera frame (R_cam = R_ext @ R), float32 [3]."""
    return log_rotation(np.asarray(extrinsics, np.float64)[:3, :3] @ rodrigues(global_orient)).astype(np.float32)


def global_orient_camera_batch(global_orient: np.ndarray, extrinsics: np.ndarray) -> np.ndarray:
    """global_orient_camera for [B,3] and [B,4,4] at once (float32 [B,3]): the same float64
    operations, row by row, as the per-sample function (the rare near-pi rows use it)."""
    R = np.asarray(extrinsics, np.float64)[:, :3, :3] @ rodrigues(global_orient)
    cos = np.clip((np.trace(R, axis1=1, axis2=2) - 1) / 2, -1.0, 1.0)
    th = np.arccos(cos)
    w = np.stack([R[:, 2, 1] - R[:, 1, 2], R[:, 0, 2] - R[:, 2, 0], R[:, 1, 0] - R[:, 0, 1]], 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = w * th[:, None] / (2 * np.sin(th))[:, None]
    small = th < 1e-7
    out[small] = w[small] / 2
    for b in np.flatnonzero(~small & (np.pi - th < 1e-4)).tolist():
        out[b] = log_rotation(R[b])
    return out.astype(np.float32)


def hamer_record(sample: dict, conf: str = "all") -> dict:
    """One hand's dict for HaMeR's ``data.pyd`` (see the module docstring)."""
    vis = np.asarray(sample["visibility"], np.float32)
    c2 = np.ones(21, np.float32) if conf == "all" else vis
    s = np.float32(sample["scale"])
    pose = np.concatenate([global_orient_camera(sample["global_orient"], sample["extrinsics"]),
                           np.asarray(sample["hand_pose"], np.float32)]).astype(np.float32)
    return {
        "keypoints_2d": np.concatenate([sample["joints2d"], c2[:, None]], 1).astype(np.float32),
        "keypoints_3d": np.concatenate([sample["joints3d"], np.ones((21, 1), np.float32)], 1).astype(np.float32),
        "center": np.asarray(sample["center"], np.float32),
        "scale": np.array([s, s], np.float32),
        "hand_pose": pose,
        "betas": np.asarray(sample["betas"], np.float32)[:10],
        "right": np.float32(1.0 if bool(sample["right"]) else 0.0),
        "has_hand_pose": np.float32(1.0),
        "has_betas": np.float32(1.0),
    }


def hamer_pickles(batch, conf: str = "all", protocol: int = 4) -> List[bytes]:
    """pickle.dumps([hamer_record(sample)]) of every sample of a RenderBatch (the same bytes):
    the keypoint, centre, scale and betas arrays are built once for the batch."""
    B = len(batch)
    c2 = np.ones((B, 21), np.float32) if conf == "all" else batch.visibility.astype(np.float32)
    kp2 = np.concatenate([batch.joints2d, c2[:, :, None]], 2).astype(np.float32)
    kp3 = np.concatenate([batch.joints3d, np.ones((B, 21, 1), np.float32)], 2).astype(np.float32)
    center = np.ascontiguousarray(batch.center, np.float32)
    s = batch.scale.astype(np.float32)
    scale = np.stack([s, s], 1)
    betas = np.ascontiguousarray(np.asarray(batch.betas, np.float32)[:, :10])
    hand_pose = np.asarray(batch.hand_pose, np.float32)
    right = batch.right.tolist()
    pose = np.concatenate([global_orient_camera_batch(batch.global_orient, batch.extrinsics), hand_pose], 1)
    out = []
    for b in range(B):
        rec = {"keypoints_2d": kp2[b], "keypoints_3d": kp3[b], "center": center[b], "scale": scale[b],
               "hand_pose": pose[b], "betas": betas[b],
               "right": np.float32(1.0 if right[b] else 0.0),
               "has_hand_pose": np.float32(1.0), "has_betas": np.float32(1.0)}  # two objects: pickle memoises shared ones
        out.append(pickle.dumps([rec], protocol=protocol))
    return out


def freihand_mano(sample: dict, hands_mean: Optional[np.ndarray] = None) -> list:
    """FreiHAND's 61 MANO values [[pose 48, shape 10, uv_root 2, scale 1]] for one sample.

    hands_mean [45] (subtracted from hand_pose) makes the pose mean-relative; None = flat."""
    hp = np.asarray(sample["hand_pose"], np.float64)
    if hands_mean is not None:
        hp = hp - np.asarray(hands_mean, np.float64)
    go = global_orient_camera(sample["global_orient"], sample["extrinsics"]).astype(np.float64)
    K = np.asarray(sample["K"], np.float64)
    focal = 0.5 * (K[0, 0] + K[1, 1])
    root = np.asarray(sample["joints3d"], np.float64)[0]
    uv_root = np.asarray(sample["joints2d"], np.float64)[0]
    scale = focal / max(root[2], 1e-9)
    vals = np.concatenate([go, hp, np.asarray(sample["betas"], np.float64)[:10], uv_root, [scale]])
    return [np.asarray(vals, np.float32).tolist()]
