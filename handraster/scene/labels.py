"""Labels of rendered samples, from the geometry and the rendered depth and mask.

joints3d   camera frame (m), OpenPose order; joints2d their projection (px, x right y down).
visibility a joint is visible when it projects inside the image and, at its pixel or one of
           the 8 around it, the image shows the hand or forearm (not background, not an
           object) at a depth within the joint's radius of the joint's own depth: joints lie
           about one finger radius under the skin, so a surface much nearer is an occluder
           (another finger, an object) and one much farther means the joint's own finger is
           not what the pixel shows. Radii (m): wrist 0.03, thumb base 0.02, finger bases
           0.018, other joints 0.013.
bbox       tight box of the projected hand vertices (forearm excluded), clipped to the image;
           center its centre, scale = its longer side / 200 (HaMeR's convention).
finger_occlusion  per part (thumb, index, middle, ring, pinky, palm): fraction of the part's
           vertices that project inside the image but are hidden (the rendered surface at
           their pixel is nearer than the vertex by more than SURFACE_EPS).
occlusion_level   number of parts (five fingers and palm) with more than `threshold` vertices
           hidden by an object (mask label 8 at the vertex's pixel, the vertex facing the
           camera), the gap paper's definition with its 40-vertex threshold scaled by the
           model's vertex count relative to MANO's 778. analysis/occlusion.py applies the
           protocol to external data with a hand-only depth pass; on rendered samples the two
           levels agree to within about one part (python_tests/test_renderer.py).
"""
from __future__ import annotations

import numpy as np

from handraster.models.joints import to_openpose

JOINT_RADIUS = 0.03  # the largest of JOINT_RADII
# per joint, OpenPose order: wrist; thumb 1-4; index, middle, ring, pinky 1-4
JOINT_RADII = np.array([0.03, 0.02, 0.013, 0.013, 0.013] + [0.018, 0.013, 0.013, 0.013] * 4, np.float32)
SURFACE_EPS = 0.004
PART_ORDER = (2, 3, 4, 5, 6, 1)  # labels of thumb, index, middle, ring, pinky, palm
MANO_THRESHOLD = 40


def _vertex_parts(mesh) -> np.ndarray:
    """uint8 [n_hand] for the hand_labels op: the hand vertex's index in PART_ORDER (0..5), 6
    for another label of the hand proper (in the box, not counted), 7 for the forearm."""
    vp = getattr(mesh, "_label_vparts", None)
    if vp is None:
        labels = np.asarray(mesh.hand_labels)
        vp = np.where(labels <= 6, 6, 7).astype(np.uint8)
        for k, lab in enumerate(PART_ORDER):
            vp[labels == lab] = k
        mesh._label_vparts = vp
    return vp


def compute_labels(mesh, joints_world, p_cam, K, E, depth, mask, right, normals=None) -> dict:
    """Labels of a batch (see the module docstring), vectorised over it: joints_world float32
    [B, 21, 3] (MANO order, world), p_cam float32 [B, V, 3] (camera frame, the hand's n_hand
    vertices first), K [B, 3, 3], E [B, 4, 4] world -> camera, depth float32 [B, H, W] (m, 0 =
    none), mask uint8 [B, H, W] (part labels), normals [B, V, 3] camera frame or None."""
    B, H, W = depth.shape
    R, t = E[:, :3, :3], E[:, :3, 3]
    j_cam = np.ascontiguousarray(np.einsum("bij,bnj->bni", R, joints_world[:, to_openpose()]) + t[:, None], np.float32)
    # everything that reads the images - joint visibility, the hand vertices' box and
    # per-part counts - is one native pass per sample on every core (kernels/hand_labels.h;
    # the numpy twin is handraster/_reference/hand_labels.py)
    from handraster import _native
    raw = np.empty((B, 4), np.float32)
    counts = np.empty((B, 3, 6), np.int32)
    j2d = np.empty((B, len(JOINT_RADII), 2), np.float32)
    vis = np.empty((B, len(JOINT_RADII)), np.uint8)
    _native.native("cpu").hand_labels(p_cam, normals, K, depth, mask,
                                      _vertex_parts(mesh), bool(K[:, 0, 1].any()), SURFACE_EPS, raw, counts,
                                      j_cam, JOINT_RADII, j2d, vis)
    vis = vis.view(bool)
    x0, x1 = np.clip(raw[:, 0], 0, W - 1), np.clip(raw[:, 2], 0, W - 1)
    y0, y1 = np.clip(raw[:, 1], 0, H - 1), np.clip(raw[:, 3], 0, H - 1)
    bbox = np.stack([x0, y0, x1, y1], 1).astype(np.float32)
    center = np.stack([(x0 + x1) / 2, (y0 + y1) / 2], 1).astype(np.float32)
    scale = (np.maximum(x1 - x0, y1 - y0) / 200.0).astype(np.float32)
    thr = max(1, int(round(MANO_THRESHOLD * mesh.n_hand / 778)))
    frac = (counts[:, 1] / np.maximum(counts[:, 0], 1)).astype(np.float32)
    level = (counts[:, 2] > thr).sum(1).astype(np.int32)
    return dict(joints3d=j_cam, joints2d=j2d, visibility=vis, bbox=bbox, center=center, scale=scale,
                finger_occlusion=frac, occlusion_level=level)
