"""Pose sources for the gap paper's study: readers of real pose collections, DARTset-style
interpolation between them, PCA-space Gaussian sampling and VAE prior sampling.

Every source returns a ``PoseSet`` in one convention:
  * MANO's 15 hand joints (internal order) as axis-angle radians, ``hand_pose`` [N, 45]
    float32, plus ``global_orient`` [N, 3] (zeros when the source has none), ``betas`` [N, S]
    or None, ``transl`` [N, 3] metres or None;
  * right hands: left-hand entries are mirrored on reading (axis-angle (x, y, z) -> (x, -y, -z),
    transl x -> -x) and flagged in ``was_left`` [N] bool;
  * ``mean_relative`` says what hand_pose is relative to: False = the flat hand (absolute joint
    rotations), True = MANO's hands_mean (smplx's flat_hand_mean=False; FreiHAND,
    GraspXL's original recordings; its tabletop recordings are flat).
    ``to_flat(hands_mean)`` / ``to_mean_relative(hands_mean)`` convert; ``for_model(model)``
    gives the arguments for model.forward in the model's own convention.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

import numpy as np

_AA_MIRROR = np.array([1.0, -1.0, -1.0], np.float32)


@dataclass
class PoseSet:
    hand_pose: np.ndarray
    global_orient: np.ndarray
    betas: Optional[np.ndarray] = None
    transl: Optional[np.ndarray] = None
    was_left: Optional[np.ndarray] = None
    mean_relative: bool = False
    source: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        self.hand_pose = np.asarray(self.hand_pose, np.float32).reshape(-1, 45)
        n = len(self.hand_pose)
        self.global_orient = (np.zeros((n, 3), np.float32) if self.global_orient is None
                              else np.asarray(self.global_orient, np.float32).reshape(n, 3))
        if self.betas is not None:
            self.betas = np.asarray(self.betas, np.float32).reshape(n, -1)
        if self.transl is not None:
            self.transl = np.asarray(self.transl, np.float32).reshape(n, 3)
        self.was_left = np.zeros(n, bool) if self.was_left is None else np.asarray(self.was_left, bool).reshape(n)

    def __len__(self) -> int:
        return len(self.hand_pose)

    def subset(self, idx) -> "PoseSet":
        take = lambda a: None if a is None else a[idx]  # noqa: E731
        return replace(self, hand_pose=self.hand_pose[idx], global_orient=self.global_orient[idx],
                       betas=take(self.betas), transl=take(self.transl), was_left=self.was_left[idx],
                       extra={k: v[idx] for k, v in self.extra.items()})

    def to_flat(self, hands_mean) -> "PoseSet":
        """hand_pose relative to the flat hand (adds hands_mean [45] when mean-relative)."""
        if not self.mean_relative:
            return self
        return replace(self, hand_pose=self.hand_pose + np.asarray(hands_mean, np.float32).reshape(45),
                       mean_relative=False)

    def to_mean_relative(self, hands_mean) -> "PoseSet":
        if self.mean_relative:
            return self
        return replace(self, hand_pose=self.hand_pose - np.asarray(hands_mean, np.float32).reshape(45),
                       mean_relative=True)

    def for_model(self, model, hands_mean=None) -> dict:
        """hand_pose / global_orient / betas / transl for ``model.forward`` (a right-hand,
        45-value MANO-format HandModel), converted to its flat_hand_mean setting. hands_mean:
        the MANO mean a mean-relative set is relative to (default: the model's own)."""
        if model.pose_dim != 45:
            raise ValueError(f"PoseSet.for_model: model takes {model.pose_dim} pose values, PoseSet has 45")
        wants_mean_rel = not model.flat_hand_mean and model.hands_mean is not None
        mean = hands_mean if hands_mean is not None else model.hands_mean
        hp = self.hand_pose
        if self.mean_relative != wants_mean_rel:
            if mean is None:
                raise ValueError(f"PoseSet.for_model: the poses are relative to MANO's mean but model "
                                 f"'{model.name}' has no hands_mean; pass hands_mean")
            mean = np.asarray(mean, np.float32).reshape(45)
            hp = hp + mean if self.mean_relative else hp - mean
        out = dict(hand_pose=hp, global_orient=self.global_orient)
        if self.betas is not None:
            out["betas"] = self.betas[:, : model.num_betas]
        if self.transl is not None:
            out["transl"] = self.transl
        return out

    def save(self, path) -> Path:
        """An npz that read_mano_npz reads back (keys of this class)."""
        d = dict(hand_pose=self.hand_pose, global_orient=self.global_orient, was_left=self.was_left,
                 mean_relative=np.array(self.mean_relative), source=np.array(self.source))
        for k in ("betas", "transl"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        np.savez(path, **d)
        return Path(path)


def _mirror_left(hand_pose, global_orient, transl, left):
    left = np.asarray(left, bool)
    hp = np.asarray(hand_pose, np.float32).reshape(len(left), 15, 3).copy()
    go = np.asarray(global_orient, np.float32).copy()
    hp[left] *= _AA_MIRROR
    go[left] *= _AA_MIRROR
    tr = None
    if transl is not None:
        tr = np.asarray(transl, np.float32).copy()
        tr[left, 0] *= -1
    return hp.reshape(-1, 45), go, tr


# ----- readers -----------------------------------------------------------------------------
def read_freihand_mano(path) -> PoseSet:
    """FreiHAND training_mano.json: per sample 61 values = pose 48 (global 3 + hand 45,
    relative to MANO's mean), shape 10, uv_root 2, scale 1. Right hands; no translation
    (uv_root and scale go to ``extra``)."""
    a = np.asarray(json.loads(Path(path).read_text()), np.float32).reshape(-1, 61)
    return PoseSet(hand_pose=a[:, 3:48], global_orient=a[:, :3], betas=a[:, 48:58], mean_relative=True,
                   source=f"freihand:{Path(path).name}", extra={"uv_root": a[:, 58:60], "scale": a[:, 60]})


def _first(d, keys):
    for k in keys:
        if k in d:
            return np.asarray(d[k])
    return None


def read_mano_npz(path, mean_relative: Optional[bool] = None) -> PoseSet:
    """A generic npz of MANO parameters: hand_pose / pose / poses [N, 45] or [N, 48] (global
    first), global_orient / rot, betas / shape, transl / trans, right / is_right (or was_left),
    and mean_relative (or flat_hand_mean). When the file does not say which mean hand_pose is
    relative to, pass ``mean_relative`` (no guess is made)."""
    with np.load(path, allow_pickle=False) as z:
        d = {k: z[k] for k in z.files}
    hp = _first(d, ("hand_pose", "pose", "poses", "fullpose"))
    if hp is None:
        raise ValueError(f"{path}: no hand pose (keys hand_pose / pose / poses); found {sorted(d)}")
    hp = hp.reshape(len(hp), -1)
    go = _first(d, ("global_orient", "rot", "root_pose"))
    if hp.shape[1] == 48:
        go, hp = (hp[:, :3] if go is None else go), hp[:, 3:]
    if hp.shape[1] != 45:
        raise ValueError(f"{path}: hand pose must have 45 or 48 values per sample, got {hp.shape[1]}")
    if "mean_relative" in d:
        mr = bool(d["mean_relative"])
    elif "flat_hand_mean" in d:
        mr = not bool(d["flat_hand_mean"])
    elif mean_relative is not None:
        mr = bool(mean_relative)
    else:
        raise ValueError(f"{path}: the file does not say whether hand_pose is relative to the flat hand "
                         "or MANO's mean; pass mean_relative=True/False")
    right = _first(d, ("right", "is_right"))
    left = d["was_left"].astype(bool) if "was_left" in d else \
        (np.zeros(len(hp), bool) if right is None else ~right.astype(bool).reshape(-1))
    go = np.zeros((len(hp), 3), np.float32) if go is None else go
    tr = _first(d, ("transl", "trans"))
    hp, go, tr = _mirror_left(hp, go, tr, left & ("was_left" not in d))
    return PoseSet(hand_pose=hp, global_orient=go, betas=_first(d, ("betas", "shape")), transl=tr,
                   was_left=left, mean_relative=mr, source=f"npz:{Path(path).name}")


def read_hamer_npz(path, only_valid: bool = True) -> PoseSet:
    """HaMeR's dataset npz: hand_pose [N, 48] (global + hand), has_hand_pose, betas [N, 10],
    has_betas, right [N]. HaMeR feeds these rotations to its MANO layer without adding a mean,
    so they are read as relative to the flat hand. Left hands are mirrored; only_valid drops
    samples without has_hand_pose."""
    with np.load(path, allow_pickle=True) as z:
        d = {k: z[k] for k in z.files if k in ("hand_pose", "has_hand_pose", "betas", "has_betas", "right")}
    if "hand_pose" not in d:
        raise ValueError(f"{path}: not a HaMeR dataset file (no 'hand_pose')")
    hp = d["hand_pose"].astype(np.float32).reshape(-1, 48)
    keep = np.ones(len(hp), bool)
    if only_valid and "has_hand_pose" in d:
        keep = d["has_hand_pose"].reshape(-1) > 0
    left = ~(d["right"].reshape(-1) > 0) if "right" in d else np.zeros(len(hp), bool)
    betas = d.get("betas")
    h, g, _ = _mirror_left(hp[keep, 3:], hp[keep, :3], None, left[keep])
    return PoseSet(hand_pose=h, global_orient=g, betas=None if betas is None else betas[keep], was_left=left[keep],
                   mean_relative=False, source=f"hamer:{Path(path).name}")


def read_graspxl(path, convention: str = "auto") -> PoseSet:
    """A GraspXL recording (.npy holding a dict): the hand's frames plus the object's id and
    per-frame rigid pose in ``extra`` (handraster/poses/graspxl.py: format and conventions)."""
    from handraster.poses.graspxl import read_graspxl as _read
    return _read(path, convention)


def read_poses(path, mean_relative: Optional[bool] = None) -> PoseSet:
    """Any of the formats above, chosen by name and content (mean_relative is for generic
    npz files that do not say)."""
    p = Path(path)
    if p.suffix == ".json":
        return read_freihand_mano(p)
    if p.suffix == ".npy":
        return read_graspxl(p)
    with np.load(p, allow_pickle=True) as z:
        files = set(z.files)
    if "has_hand_pose" in files or "imgname" in files:
        return read_hamer_npz(p)
    return read_mano_npz(p, mean_relative=mean_relative)
