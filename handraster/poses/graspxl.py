"""GraspXL recordings: the hand's MANO parameters and the grasped object's rigid pose per frame,
and where the object's mesh lives.

Format (GraspXL's dataset README and its viewer, github.com/zdchan/GraspXL_visualization; we
could not download the dataset itself, so this follows the viewer's code): a recording is an
.npy holding a dict with
  * "right_hand": {"rot" [T, 3] axis-angle (global orient), "pose" [T, 45] axis-angle,
    "trans" [T, 3] metres} (other entries, e.g. "points", are ignored);
  * one more key, the object id, with {"rot" [T, 3] axis-angle, "trans" [T, 3] metres}.
Hand and object share one world frame (metres, MANO's default shape: betas = 0):
  * convention "original" (visualizer_mano.py; e.g. recorded/WineGlass.npy): hand vertices =
    MANO(global_orient=rot, hand_pose=pose, flat_hand_mean=False) + trans (smplx semantics:
    the global rotation acts about the rest root joint, then trans is added), so the root
    joint sits at MANO_RIGHT_ROOT + trans; hand_pose is relative to MANO's hands_mean;
  * convention "tabletop" (visualizer_*_table_top.py; collections named <hand>_tabletop):
    hand vertices = MANO(..., flat_hand_mean=True) - MANO_RIGHT_ROOT + trans, so the root
    joint sits at trans; hand_pose is relative to the flat hand;
  * object vertices = Rodrigues(rot_o) @ v + trans_o for mesh vertices v (metres, as stored).
"auto" picks "tabletop" when a folder of the recording's path ends in "_tabletop".

Layout: motions <collection>/<size>/<object_id>/mano_<k>.npy, meshes
<mesh root>/<size>/<object_id>/<object_id>.obj (size: small | medium | large); the viewer's
single-recording example keeps <object_id>.obj in one flat folder.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

MANO_RIGHT_ROOT = np.array([0.09566994, 0.00638343, 0.0061863], np.float32)  # rest wrist, betas 0 (m)
SIZES = ("small", "medium", "large")
CONVENTIONS = ("auto", "original", "tabletop")


def graspxl_convention(path, convention: str = "auto") -> str:
    """'original' or 'tabletop' for a recording path (see the module docstring)."""
    if convention not in CONVENTIONS:
        raise ValueError(f"GraspXL convention {convention!r}: expected one of {CONVENTIONS}")
    if convention != "auto":
        return convention
    return "tabletop" if any(p.endswith("_tabletop") for p in Path(path).resolve().parent.parts) else "original"


def _object_key(d: dict, path) -> Optional[str]:
    """The object id of a recording dict: its one key besides right_hand whose value holds
    rot and trans (None: a hand-only recording)."""
    keys = [k for k, v in d.items() if k != "right_hand" and isinstance(v, dict) and "rot" in v and "trans" in v]
    if len(keys) > 1:
        raise ValueError(f"{path}: GraspXL recording with several objects {sorted(keys)}; expected one")
    return keys[0] if keys else None


def read_graspxl(path, convention: str = "auto"):
    """A GraspXL recording -> PoseSet of its T frames: hand_pose [T, 45], global_orient [T, 3],
    transl [T, 3] (the recorded hand trans, metres), mean_relative (True for the "original"
    convention, False for "tabletop"), and ``extra`` (per frame, sliced with the set):
    object_id str [T] ('' without an object), object_rot float32 [T, 3] axis-angle,
    object_trans float32 [T, 3] metres, root float32 [T, 3] (the hand's root joint position
    in the recording's world frame, metres: MANO_RIGHT_ROOT + trans or trans, per the
    convention), frame int64 [T], recording str [T] (the file's path)."""
    from handraster.poses.sources import PoseSet
    conv = graspxl_convention(path, convention)
    try:
        d = np.load(path, allow_pickle=True).item()
    except (OSError, ValueError, AttributeError, EOFError) as e:
        raise ValueError(f"{path}: not a GraspXL recording (an .npy holding a dict): {e}") from None
    if not isinstance(d, dict) or "right_hand" not in d:
        raise ValueError(f"{path}: not a GraspXL recording (no 'right_hand')")
    r = d["right_hand"]
    for k in ("rot", "pose"):
        if k not in r:
            raise ValueError(f"{path}: right_hand has no {k!r}")
    hp = np.asarray(r["pose"], np.float32).reshape(-1, 45)
    T = len(hp)
    tr = np.asarray(r["trans"], np.float32).reshape(T, 3) if "trans" in r else np.zeros((T, 3), np.float32)
    oid = _object_key(d, path)
    if oid is None:
        orot, otr = np.zeros((T, 3), np.float32), np.zeros((T, 3), np.float32)
    else:
        orot = np.asarray(d[oid]["rot"], np.float32).reshape(-1, 3)
        otr = np.asarray(d[oid]["trans"], np.float32).reshape(-1, 3)
        if len(orot) != T or len(otr) != T:
            raise ValueError(f"{path}: object {oid!r} has {len(orot)}/{len(otr)} rot/trans frames, the hand {T}")
    root = tr + MANO_RIGHT_ROOT if conv == "original" else tr.copy()
    extra = dict(object_id=np.full(T, "" if oid is None else str(oid)), object_rot=orot, object_trans=otr,
                 root=root, frame=np.arange(T, dtype=np.int64), recording=np.full(T, str(path)))
    return PoseSet(hand_pose=hp, global_orient=np.asarray(r["rot"], np.float32).reshape(T, 3), transl=tr,
                   mean_relative=conv == "original", source=f"graspxl:{Path(path).name}", extra=extra)


def load_graspxl(path, convention: str = "auto", hands_mean=None):
    """One PoseSet of a recording or of every .npy under a folder (sorted), extras concatenated.
    Recordings of both conventions in one folder are made flat-relative with hands_mean [45]
    (ValueError without it). ValueError for a folder without recordings."""
    from handraster.poses.sources import PoseSet
    p = Path(path)
    files = sorted(p.glob("**/*.npy")) if p.is_dir() else [p]
    if not files:
        raise ValueError(f"{p}: no GraspXL .npy recordings")
    sets = [read_graspxl(f, convention) for f in files]
    if len({s.mean_relative for s in sets}) > 1:
        if hands_mean is None:
            raise ValueError(f"{p}: recordings of both conventions (original and tabletop) need hands_mean")
        sets = [s.to_flat(hands_mean) for s in sets]
    cat = lambda k: np.concatenate([getattr(s, k) for s in sets])  # noqa: E731
    extra = {k: np.concatenate([s.extra[k] for s in sets]) for k in sets[0].extra}
    return PoseSet(hand_pose=cat("hand_pose"), global_orient=cat("global_orient"), transl=cat("transl"),
                   mean_relative=sets[0].mean_relative, source=f"graspxl:{p.name}", extra=extra)


def graspxl_mesh_candidates(recording, object_id: str, objects_root=None) -> list:
    """Paths tried, in order, for the mesh of `object_id` used by `recording`: under
    objects_root <id>.obj, <id>/<id>.obj, <size>/<id>/<id>.obj (the recording's own <size>
    folder first); then <id>.obj next to the recording."""
    rec = Path(recording)
    name = f"{object_id}.obj"
    out = []
    if objects_root is not None:
        root = Path(objects_root)
        sizes = [rec.parent.parent.name] if rec.parent.parent.name in SIZES else []
        sizes += [s for s in SIZES if s not in sizes]
        out += [root / name, root / object_id / name] + [root / s / object_id / name for s in sizes]
    out.append(rec.parent / name)
    return out


def find_graspxl_mesh(recording, object_id: str, objects_root=None) -> Path:
    """The first existing path of graspxl_mesh_candidates; FileNotFoundError naming the
    recording, the object and every path tried."""
    cands = graspxl_mesh_candidates(recording, object_id, objects_root)
    for c in cands:
        if c.is_file():
            return c
    raise FileNotFoundError(f"GraspXL recording {recording}: no mesh for object {object_id!r}; tried "
                            + ", ".join(str(c) for c in cands))
