"""The sample schema (DESIGN.md "The sample"): what the renderer produces and the writers
write. One RenderBatch holds B samples as numpy arrays (CPU); ``params`` holds the per-sample
parameters that produced each sample (JSON-serialisable dicts).

Conventions: metres in 3D, pixels in 2D, OpenCV camera (x right, y down, z forward), image
row 0 at the top, joints in the OpenPose/FreiHAND order (wrist, thumb 1-4, index 1-4,
middle 1-4, ring 1-4, pinky 1-4), part labels 0 background, 1 palm, 2 thumb, 3 index,
4 middle, 5 ring, 6 pinky, 7 forearm, 8 object.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import List, Optional

import numpy as np

# Per-sample array fields: name -> (dtype, shape after the batch axis; H/W symbolic).
ARRAY_FIELDS = {
    "rgb": (np.uint8, ("H", "W", 3)),           # sRGB
    "depth": (np.float32, ("H", "W")),          # camera z in metres, 0 = no surface
    "mask": (np.uint8, ("H", "W")),             # part labels
    "K": (np.float32, (3, 3)),                  # intrinsics, pixels
    "extrinsics": (np.float32, (4, 4)),         # world -> camera
    "joints3d": (np.float32, (21, 3)),          # camera frame, metres, OpenPose order
    "joints2d": (np.float32, (21, 2)),          # pixels (x right, y down), OpenPose order
    "visibility": (np.bool_, (21,)),            # joint visible in the image (not occluded)
    "bbox": (np.float32, (4,)),                 # hand bbox x0, y0, x1, y1 in pixels
    "center": (np.float32, (2,)),               # HaMeR box centre, pixels
    "scale": (np.float32, ()),                  # HaMeR scale = box size / 200
    "right": (np.bool_, ()),                    # True for a right hand
    "global_orient": (np.float32, (3,)),        # model params (axis-angle, world frame)
    "hand_pose": (np.float32, (45,)),           # axis-angle, relative to the flat hand
    "betas": (np.float32, (10,)),
    "transl": (np.float32, (3,)),               # metres, world frame
    "finger_occlusion": (np.float32, (6,)),     # hidden fraction: thumb, index, middle, ring, pinky, palm
    "occlusion_level": (np.int32, ()),          # 0-6 occluded parts among five fingers and palm
    "index": (np.int64, ()),                    # global sample index
}


@dataclass
class RenderBatch:
    """B rendered samples; every array's first axis is the batch (see ARRAY_FIELDS)."""
    rgb: np.ndarray
    depth: np.ndarray
    mask: np.ndarray
    K: np.ndarray
    extrinsics: np.ndarray
    joints3d: np.ndarray
    joints2d: np.ndarray
    visibility: np.ndarray
    bbox: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    right: np.ndarray
    global_orient: np.ndarray
    hand_pose: np.ndarray
    betas: np.ndarray
    transl: np.ndarray
    finger_occlusion: np.ndarray
    occlusion_level: np.ndarray
    index: np.ndarray
    seed: int = 0
    model_name: str = "default"
    params: List[dict] = field(default_factory=list)   # per-sample parameters (JSON-able)
    vertices: Optional[np.ndarray] = None              # [B, V, 3] camera frame, on request
    faces: Optional[np.ndarray] = None                 # [F, 3] for the vertices

    def __len__(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def resolution(self):
        """(H, W) in pixels."""
        return int(self.rgb.shape[1]), int(self.rgb.shape[2])

    def sample(self, i: int) -> dict:
        """Sample i as a dict of per-sample values (arrays without the batch axis)."""
        d = {f.name: getattr(self, f.name)[i] for f in fields(self) if f.name in ARRAY_FIELDS}
        d["seed"] = self.seed
        d["model_name"] = self.model_name
        d["params"] = self.params[i] if self.params else {}
        if self.vertices is not None:
            d["vertices"] = self.vertices[i]
        return d

    def validate(self) -> None:
        """Raise ValueError naming the field whose dtype or shape breaks the schema."""
        B = len(self)
        H, W = self.resolution
        for name, (dt, shp) in ARRAY_FIELDS.items():
            a = getattr(self, name)
            want = (B,) + tuple(H if s == "H" else W if s == "W" else s for s in shp)
            if not isinstance(a, np.ndarray) or a.dtype != np.dtype(dt) or a.shape != want:
                got = (a.dtype, a.shape) if isinstance(a, np.ndarray) else type(a).__name__
                raise ValueError(f"RenderBatch.{name}: expected {np.dtype(dt)} {want}, got {got}")
        if self.params and len(self.params) != B:
            raise ValueError(f"RenderBatch.params: expected {B} dicts, got {len(self.params)}")


def concat(batches: List[RenderBatch]) -> RenderBatch:
    """Concatenate batches along the batch axis (same resolution and seed)."""
    first = batches[0]
    kw = {n: np.concatenate([getattr(b, n) for b in batches]) for n in ARRAY_FIELDS}
    verts = None if first.vertices is None else np.concatenate([b.vertices for b in batches])
    return RenderBatch(**kw, seed=first.seed, model_name=first.model_name,
                       params=[p for b in batches for p in b.params], vertices=verts, faces=first.faces)
