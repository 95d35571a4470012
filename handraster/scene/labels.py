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


def _project(p, K):
    z = np.maximum(p[..., 2], 1e-6)
    u = K[:, None, 0, 0] * p[..., 0] / z + K[:, None, 0, 1] * p[..., 1] / z + K[:, None, 0, 2]
    v = K[:, None, 1, 1] * p[..., 1] / z + K[:, None, 1, 2]
    return np.stack([u, v], -1)


def _lookup(img, uv):
    """img [B, H, W] at rounded pixel positions uv [B, N, 2]; (values, inside mask)."""
    B, H, W = img.shape
    x = np.rint(uv[..., 0]).astype(np.int64)
    y = np.rint(uv[..., 1]).astype(np.int64)
    inside = (x >= 0) & (x < W) & (y >= 0) & (y < H)
    xc, yc = np.clip(x, 0, W - 1), np.clip(y, 0, H - 1)
    return img[np.arange(B)[:, None], yc, xc], inside


def compute_labels(mesh, joints_world, p_cam, K, E, depth, mask, right, normals=None) -> dict:
    B = p_cam.shape[0]
    H, W = depth.shape[1:]
    R, t = E[:, :3, :3], E[:, :3, 3]
    j_cam = np.einsum("bij,bnj->bni", R, joints_world) + t[:, None]
    j_cam = j_cam[:, to_openpose()].astype(np.float32)
    j2d = _project(j_cam, K).astype(np.float32)
    _, inside = _lookup(depth, j2d)
    vis = np.zeros(inside.shape, bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            uv = j2d + np.array([dx, dy], np.float32)
            d_at, ok = _lookup(depth, uv)
            m_at, _ = _lookup(mask, uv)
            vis |= ok & (m_at >= 1) & (m_at <= 7) & (np.abs(d_at - j_cam[..., 2]) < JOINT_RADII)
    vis &= inside
    hand = p_cam[:, : mesh.n_hand]
    labels = mesh.hand_labels
    uv = _project(hand[:, mesh.hand_ids], K)
    x0 = np.clip(uv[..., 0].min(1), 0, W - 1)
    y0 = np.clip(uv[..., 1].min(1), 0, H - 1)
    x1 = np.clip(uv[..., 0].max(1), 0, W - 1)
    y1 = np.clip(uv[..., 1].max(1), 0, H - 1)
    bbox = np.stack([x0, y0, x1, y1], 1).astype(np.float32)
    center = np.stack([(x0 + x1) / 2, (y0 + y1) / 2], 1).astype(np.float32)
    scale = (np.maximum(x1 - x0, y1 - y0) / 200.0).astype(np.float32)
    vuv = _project(hand, K)
    dv, vin = _lookup(depth, vuv)
    mv, _ = _lookup(mask, vuv)
    hidden = vin & (dv > 0) & (dv < hand[..., 2] - SURFACE_EPS)
    by_object = hidden & (mv == 8)
    if normals is not None:
        # render-and-compare (the gap paper; analysis/occlusion.py): a vertex counts for the
        # object only if the hand alone would show it; back-facing vertices are hidden by the
        # hand itself (a stand-in for that module's hand-only depth pass)
        by_object &= np.einsum("bvk,bvk->bv", normals[:, : mesh.n_hand], -hand) > 0
    thr = max(1, int(round(MANO_THRESHOLD * mesh.n_hand / 778)))
    frac = np.zeros((B, 6), np.float32)
    level = np.zeros(B, np.int32)
    for k, lab in enumerate(PART_ORDER):
        sel = labels == lab
        n_in = np.maximum((vin[:, sel]).sum(1), 1)
        frac[:, k] = hidden[:, sel].sum(1) / n_in
        level += (by_object[:, sel].sum(1) > thr).astype(np.int32)
    return dict(joints3d=j_cam, joints2d=j2d, visibility=vis, bbox=bbox, center=center, scale=scale,
                finger_occlusion=frac, occlusion_level=level)
