"""Finger-level occlusion labels and occlusion levels (the gap paper's protocol).

For one image: the hand mesh in the camera frame, its faces, K, a per-vertex part label and the
observed hand mask. Every vertex that projects inside the image (z > 0, pixel centre inside)
gets one status, decided in this order:

1. self-occluded: the hand's own surface is in front of it. The hand-only depth map Zh is
   ``hand_depth`` when given (e.g. a hand-only pass of our renderer), else rasterised here
   (zbuffer.py). Test: z_v > max(Zh over the (2r+1)^2 pixels around v) + depth_tol, empty
   pixels counting as +inf - so a vertex is self-occluded only if the hand covers its whole
   neighbourhood and lies in front of it there (silhouette vertices count as visible).
2. object-occluded: not self-occluded, but no hand pixel of ``mask`` within radius r of its
   pixel, or (when a scene ``depth`` is given) something is in front of it:
   z_v > max(depth over the neighbourhood, empty = +inf) + depth_tol. This is render-and-compare:
   visible in the hand alone, not visible in the observed image.
3. visible otherwise.

Vertices outside the image or behind the camera get status -1 and are counted nowhere.

Parts are the six hand labels of DESIGN.md: 1 palm, 2 thumb, 3 index, 4 middle, 5 ring,
6 pinky (other labels - forearm 7 - are ignored). A part is occluded when its object-occluded
count is greater than ``threshold`` (default 40 vertices, as in the gap paper); the occlusion
level is the number of occluded parts, 0-6. Self-occlusion is counted separately (every finger
hides its own back, so it is not part of the level); ``self_level`` and ``any_level`` use the
same threshold on the self and self+object counts.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handraster.analysis.zbuffer import max_filter, project, rasterize_depth

PART_LABELS = (1, 2, 3, 4, 5, 6)
PART_NAMES = ("palm", "thumb", "index", "middle", "ring", "pinky")
OUTSIDE, VISIBLE, SELF, OBJECT = -1, 0, 1, 2


@dataclass
class OcclusionLabels:
    """Per-part counts [6] int64 in PART_NAMES order; occluded [6] bool; levels 0-6;
    vertex_status [V] int8 (-1 outside the image, 0 visible, 1 self-, 2 object-occluded)."""
    in_image: np.ndarray
    visible: np.ndarray
    self_occluded: np.ndarray
    object_occluded: np.ndarray
    occluded: np.ndarray
    level: int
    self_level: int
    any_level: int
    threshold: int
    vertex_status: np.ndarray

    def to_dict(self) -> dict:
        """JSON-ready labels (no per-vertex array)."""
        return {"parts": list(PART_NAMES), "in_image": self.in_image.tolist(),
                "visible": self.visible.tolist(), "self_occluded": self.self_occluded.tolist(),
                "object_occluded": self.object_occluded.tolist(),
                "occluded": [bool(x) for x in self.occluded], "level": self.level,
                "self_level": self.self_level, "any_level": self.any_level, "threshold": self.threshold}


def _hand_pixels(mask, hand_labels) -> np.ndarray:
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"occlusion_labels: mask must be [H, W], got {m.shape}")
    if m.dtype == bool:
        return m
    return np.isin(m, np.asarray(hand_labels))


def vertex_status(verts_cam, faces, K, mask, depth=None, hand_depth=None, radius: int = 1,
                  depth_tol: float = 0.005, hand_labels=PART_LABELS, pixel_offset: float = 0.0) -> np.ndarray:
    """Status of every vertex, int8 [V] (see the module docstring). verts_cam [V, 3] metres,
    faces [F, 3], K [3, 3]; mask [H, W] bool (hand pixels) or uint8 part labels (pixels whose
    label is in hand_labels are hand); depth / hand_depth [H, W] float metres, 0 = empty."""
    hand = _hand_pixels(mask, hand_labels)
    H, W = hand.shape
    uv, z = project(verts_cam, K)
    col = np.round(uv[:, 0] - pixel_offset).astype(np.int64)
    row = np.round(uv[:, 1] - pixel_offset).astype(np.int64)
    inside = (z > 0) & (col >= 0) & (col < W) & (row >= 0) & (row < H)
    status = np.full(len(z), OUTSIDE, np.int8)
    if hand_depth is None:
        hand_depth = rasterize_depth(verts_cam, faces, K, H, W, pixel_offset)
    for name, a in (("hand_depth", hand_depth), ("depth", depth)):
        if a is not None and np.shape(a) != (H, W):
            raise ValueError(f"occlusion_labels: {name} must be [H={H}, W={W}] like the mask, got {np.shape(a)}")

    def far_surface(d):  # farthest surface near each pixel; empty pixels never occlude
        d = np.asarray(d, np.float64)
        return max_filter(np.where(d > 0, d, np.inf), radius)

    r, c, zi = row[inside], col[inside], z[inside]
    self_occ = zi > far_surface(hand_depth)[r, c] + depth_tol
    near_hand = max_filter(hand.astype(np.float64), radius)[r, c] > 0
    obj = ~near_hand
    if depth is not None:
        obj |= zi > far_surface(depth)[r, c] + depth_tol
    st = np.where(self_occ, SELF, np.where(obj, OBJECT, VISIBLE)).astype(np.int8)
    status[inside] = st
    return status


def occlusion_labels(verts_cam, faces, K, vertex_parts, mask, depth=None, threshold: int = 40,
                     hand_depth=None, radius: int = 1, depth_tol: float = 0.005,
                     hand_labels=PART_LABELS, pixel_offset: float = 0.0) -> OcclusionLabels:
    """Finger-level occlusion labels for one image.

    verts_cam [V, 3] float metres (camera frame, OpenCV axes); faces [F, 3] int; K [3, 3] px;
    vertex_parts [V] int part labels (1 palm .. 6 pinky; others ignored); mask [H, W] bool or
    uint8 part labels (the observed hand: our renderer's part mask, or a real image's mask);
    depth [H, W] float32 metres or None: the scene's depth buffer (hand and occluders, 0 = empty);
    hand_depth [H, W] or None: a hand-only depth buffer (rasterised here when None);
    threshold: a part is occluded when more than this many of its vertices are object-occluded;
    radius (px) and depth_tol (metres): the tolerances of the tests in the module docstring;
    pixel_offset: 0 = OpenCV pixel centres (integer coordinates), 0.5 = corner at 0.
    """
    parts = np.asarray(vertex_parts).reshape(-1)
    if len(parts) != len(np.asarray(verts_cam)):
        raise ValueError(f"occlusion_labels: vertex_parts has {len(parts)} labels for "
                         f"{len(np.asarray(verts_cam))} vertices")
    st = vertex_status(verts_cam, faces, K, mask, depth, hand_depth, radius, depth_tol,
                       hand_labels, pixel_offset)

    def count(code):
        return np.array([int(((parts == lab) & (st == code)).sum()) for lab in PART_LABELS], np.int64)

    vis, slf, obj = count(VISIBLE), count(SELF), count(OBJECT)
    occluded = obj > threshold
    return OcclusionLabels(in_image=vis + slf + obj, visible=vis, self_occluded=slf, object_occluded=obj,
                           occluded=occluded, level=int(occluded.sum()),
                           self_level=int((slf > threshold).sum()),
                           any_level=int((slf + obj > threshold).sum()), threshold=int(threshold),
                           vertex_status=st)


def occlusion_labels_batch(verts_cam, faces, K, vertex_parts, masks, depths=None, **kw) -> list:
    """occlusion_labels for B images: verts_cam [B, V, 3], K [3, 3] or [B, 3, 3], masks
    [B, H, W], depths [B, H, W] or None; other arguments as occlusion_labels. A list of B."""
    v = np.asarray(verts_cam)
    Ks = np.broadcast_to(np.asarray(K, np.float64), (len(v), 3, 3))
    return [occlusion_labels(v[i], faces, Ks[i], vertex_parts, masks[i],
                             None if depths is None else depths[i], **kw) for i in range(len(v))]
