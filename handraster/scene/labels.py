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


_WINDOW = np.array([(dx, dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1)], np.float32)  # [9, 2] pixel steps


def _project(p, K):
    """Pixel coordinates (u, v), float32 [B, N] each, of camera-frame points p [B, N, 3].
    In-place arithmetic on two buffers: with ~10^5 vertices a batch, every fresh temporary
    costs page faults (the allocator hands such sizes back to the OS)."""
    iz = np.maximum(p[..., 2], 1e-6)
    np.reciprocal(iz, out=iz)
    u = p[..., 0] * iz
    v = np.multiply(p[..., 1], iz, out=iz)
    u *= K[:, 0, 0, None]
    u += K[:, 0, 2, None]
    if K[:, 0, 1].any():  # skew (none for the renderer's own cameras)
        u += K[:, 0, 1, None] * v
    v *= K[:, 1, 1, None]
    v += K[:, 1, 2, None]
    return u, v


def _pixels(u, v, H: int, W: int):
    """The pixels nearest to (u, v) float32 [B, ...] (both OVERWRITTEN): (indices int64
    [B, ...] into img.reshape(-1) of image b, clamped to the image; inside the image, bool
    [B, ...]). Rounded, tested and clamped in float32 (exact: y * W + x < 2^24 for images
    up to 4096 x 4096), then one int cast."""
    x, y = np.rint(u, out=u), np.rint(v, out=v)
    inside = x >= 0
    inside &= x <= W - 1
    inside &= y >= 0
    inside &= y <= H - 1
    y = np.clip(y, 0, H - 1, out=y)
    y *= W
    y += np.clip(x, 0, W - 1, out=x)
    flat = y.astype(np.int64)
    flat += (np.arange(x.shape[0], dtype=np.int64) * (H * W)).reshape((-1,) + (1,) * (x.ndim - 1))
    return flat, inside


class _PartSegments:
    """Hand vertices sorted by part label: order int64 [n_hand] and, per PART_ORDER entry, the
    [start, end) range of its vertices in that order; counts per part become np.add.reduceat
    sums over contiguous runs (a float matmul would go through BLAS and its thread pool)."""

    def __init__(self, labels):
        self.order = np.argsort(labels, kind="stable")
        sl = labels[self.order]
        self.starts = np.searchsorted(sl, PART_ORDER, side="left")
        self.ends = np.searchsorted(sl, PART_ORDER, side="right")
        self.cuts = np.unique(np.concatenate([[0], self.starts, self.ends]))
        self.cuts = self.cuts[self.cuts < len(labels)]

    def counts(self, x) -> np.ndarray:
        """x [..., n_hand] (bool / uint8) -> int64 [..., 6]: sums over each part's vertices."""
        sums = np.add.reduceat(x[..., self.order], self.cuts, axis=-1, dtype=np.int64)
        k = np.searchsorted(self.cuts, self.starts)
        return np.where(self.ends > self.starts, sums[..., np.minimum(k, len(self.cuts) - 1)], 0)


def _segments(mesh) -> _PartSegments:
    seg = getattr(mesh, "_label_segments", None)
    if seg is None:
        seg = mesh._label_segments = _PartSegments(np.asarray(mesh.hand_labels))
    return seg


def compute_labels(mesh, joints_world, p_cam, K, E, depth, mask, right, normals=None) -> dict:
    """Labels of a batch (see the module docstring), vectorised over it: joints_world float32
    [B, 21, 3] (MANO order, world), p_cam float32 [B, V, 3] (camera frame, the hand's n_hand
    vertices first), K [B, 3, 3], E [B, 4, 4] world -> camera, depth float32 [B, H, W] (m, 0 =
    none), mask uint8 [B, H, W] (part labels), normals [B, V, 3] camera frame or None."""
    B, H, W = depth.shape
    d_flat, m_flat = depth.reshape(-1), mask.reshape(-1)
    R, t = E[:, :3, :3], E[:, :3, 3]
    j_cam = (np.einsum("bij,bnj->bni", R, joints_world[:, to_openpose()]) + t[:, None]).astype(np.float32)
    ju, jv = _project(j_cam, K)
    j2d = np.stack([ju, jv], -1).astype(np.float32)
    # the 3x3 window around each joint's pixel: [B, 21, 9] (entry 4: the joint's own pixel)
    wu, wv = np.rint(ju)[..., None] + _WINDOW[:, 0], np.rint(jv)[..., None] + _WINDOW[:, 1]
    f, ok = _pixels(wu, wv, H, W)
    m_at = m_flat[f]
    near = np.abs(d_flat[f] - j_cam[..., 2, None]) < JOINT_RADII[:, None]
    vis = (ok & (m_at >= 1) & (m_at <= 7) & near).any(-1) & ok[..., 4]
    hand = p_cam[:, : mesh.n_hand]
    u, v = _project(hand, K)
    bu, bv = u[:, mesh.hand_ids], v[:, mesh.hand_ids]
    x0, x1 = np.clip(bu.min(1), 0, W - 1), np.clip(bu.max(1), 0, W - 1)
    y0, y1 = np.clip(bv.min(1), 0, H - 1), np.clip(bv.max(1), 0, H - 1)
    bbox = np.stack([x0, y0, x1, y1], 1).astype(np.float32)
    center = np.stack([(x0 + x1) / 2, (y0 + y1) / 2], 1).astype(np.float32)
    scale = (np.maximum(x1 - x0, y1 - y0) / 200.0).astype(np.float32)
    fv, vin = _pixels(u, v, H, W)
    dv = d_flat[fv]
    hidden = dv > 0
    hidden &= vin
    hidden &= dv < hand[..., 2] - SURFACE_EPS
    by_object = m_flat[fv] == 8
    by_object &= hidden
    if normals is not None:
        # render-and-compare (the gap paper; analysis/occlusion.py): a vertex counts for the
        # object only if the hand alone would show it; back-facing vertices are hidden by the
        # hand itself (a stand-in for that module's hand-only depth pass). Only the few
        # object-hidden vertices need the test.
        b, k = np.nonzero(by_object)
        by_object[b, k] = np.einsum("nk,nk->n", normals[b, k], -hand[b, k]) > 0
    thr = max(1, int(round(MANO_THRESHOLD * mesh.n_hand / 778)))
    counts = _segments(mesh).counts(np.stack([vin, hidden, by_object]).view(np.uint8))  # [3, B, 6]
    frac = (counts[1] / np.maximum(counts[0], 1)).astype(np.float32)
    level = (counts[2] > thr).sum(1).astype(np.int32)
    return dict(joints3d=j_cam, joints2d=j2d, visibility=vis, bbox=bbox, center=center, scale=scale,
                finger_occlusion=frac, occlusion_level=level)
