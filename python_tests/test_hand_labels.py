"""The hand_labels op (csrc/kernels/hand_labels.h) against its numpy twin
(handraster/_reference/hand_labels.py), bit for bit, plus golden cases and bad input."""
import numpy as np
import pytest

from handraster import _C
from handraster._reference import hand_labels as ref


def _inputs(rng, B=3, V=200, nh=150, H=20, W=24, J=21, skew=False):
    # points in front of a camera, some behind the image edges, some nearly on pixel centres
    p = np.stack([rng.uniform(-0.3, 0.3, (B, V)), rng.uniform(-0.3, 0.3, (B, V)),
                  rng.uniform(0.5, 1.5, (B, V))], -1).astype(np.float32)
    p[:, :10, 2] = rng.uniform(-0.1, 1e-6, (B, 10))  # at or behind the camera: z clamped
    nrm = rng.normal(size=(B, V, 3)).astype(np.float32)
    K = np.tile(np.array([[20, 0, W / 2 - 0.5], [0, 21, H / 2 - 0.5], [0, 0, 1]], np.float32), (B, 1, 1))
    if skew:
        K[:, 0, 1] = rng.uniform(-2, 2, B).astype(np.float32)
    # depth near the points' own depths so that every branch is taken
    depth = np.where(rng.random((B, H, W)) < 0.2, 0, rng.uniform(0.4, 1.6, (B, H, W))).astype(np.float32)
    mask = rng.integers(0, 9, (B, H, W)).astype(np.uint8)
    vpart = rng.integers(0, 8, nh).astype(np.uint8)
    joints = p[:, rng.integers(0, V, J)].copy()
    jrad = rng.uniform(0.05, 0.3, J).astype(np.float32)
    return p, nrm, K, depth, mask, vpart, joints, jrad


def _native(p, nrm, K, depth, mask, vpart, joints, jrad, skew, eps):
    B, J = len(p), joints.shape[1]
    box, counts = np.empty((B, 4), np.float32), np.empty((B, 3, 6), np.int32)
    j2d, vis = np.empty((B, J, 2), np.float32), np.empty((B, J), np.uint8)
    _C.hand_labels(p, nrm, K, depth, mask, vpart, skew, eps, box, counts, joints, jrad, j2d, vis)
    return box, counts, j2d, vis.view(bool)


@pytest.mark.parametrize("skew", [False, True])
@pytest.mark.parametrize("with_normals", [False, True])
def test_hand_labels_match_reference_bit_for_bit(skew, with_normals):
    rng = np.random.default_rng(3 + skew + 2 * with_normals)
    p, nrm, K, depth, mask, vpart, joints, jrad = _inputs(rng, skew=skew)
    nrm = nrm if with_normals else None
    box, counts, j2d, vis = _native(p, nrm, K, depth, mask, vpart, joints, jrad, skew, 0.004)
    rbox, rcounts = ref.hand_labels(p, nrm, K, depth, mask, vpart, skew, 0.004)
    rj2d, rvis = ref.joint_labels(joints, jrad, K, depth, mask, skew)
    np.testing.assert_array_equal(box, rbox)
    np.testing.assert_array_equal(counts, rcounts)
    np.testing.assert_array_equal(j2d, rj2d)
    np.testing.assert_array_equal(vis, rvis)
    # the inputs exercise every outcome
    assert counts[:, 0].sum() > counts[:, 1].sum() > counts[:, 2].sum() > 0
    assert 0 < vis.sum() < vis.size


def test_hand_labels_golden():
    # one vertex on pixel (col 3, row 2) at z = 1: K maps (x, y) = ((3 - 5) / 10, (2 - 4) / 10)
    H, W = 8, 10
    K = np.array([[[10, 0, 5], [0, 10, 4], [0, 0, 1]]], np.float32)
    p = np.array([[[-0.2, -0.2, 1.0], [0.0, 0.0, 1.0], [5.0, 0.0, 1.0]]], np.float32)
    nrm = np.array([[[0, 0, -1], [0, 0, -1], [0, 0, -1]]], np.float32)  # facing the camera
    depth = np.zeros((1, H, W), np.float32)
    mask = np.zeros((1, H, W), np.uint8)
    depth[0, 2, 3], mask[0, 2, 3] = 0.9, 8      # an object 10 cm in front of vertex 0
    depth[0, 4, 5], mask[0, 4, 5] = 0.999, 3    # vertex 1's own surface (within eps)
    vpart = np.array([0, 1, 1], np.uint8)       # vertex 2 projects outside the image
    joints = p[:, :2].copy()
    jrad = np.array([0.05, 0.05], np.float32)
    box, counts, j2d, vis = _native(p, nrm, K, depth, mask, vpart, joints, jrad, False, 0.004)
    np.testing.assert_array_equal(box[0], [3, 2, 55, 4])
    np.testing.assert_array_equal(counts[0, :, :2], [[1, 1], [1, 0], [1, 0]])
    np.testing.assert_array_equal(j2d[0], [[3, 2], [5, 4]])
    # joint 0: only the object at its pixel -> hidden; joint 1: hand (label 3) at its depth
    np.testing.assert_array_equal(vis[0], [False, True])
    # the object hides vertex 0 only while the vertex faces the camera
    nrm[0, 0, 2] = 1
    assert _native(p, nrm, K, depth, mask, vpart, joints, jrad, False, 0.004)[1][0, 2, 0] == 0


def test_hand_labels_rejects_bad_input():
    rng = np.random.default_rng(0)
    p, nrm, K, depth, mask, vpart, joints, jrad = _inputs(rng)
    with pytest.raises(ValueError, match="hand_labels.*mask"):
        _native(p, nrm, K, depth, mask[:, :-1], vpart, joints, jrad, False, 0.004)
    with pytest.raises(ValueError, match="hand_labels.*vpart"):
        _native(p, nrm, K, depth, mask, np.zeros(p.shape[1] + 1, np.uint8), joints, jrad, False, 0.004)
    with pytest.raises(ValueError, match="hand_labels.*jradius"):
        _native(p, nrm, K, depth, mask, vpart, joints, jrad[:-1], False, 0.004)
