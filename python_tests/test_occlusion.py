"""Occlusion labels: the numpy z-buffer against a per-pixel reference and golden cases, then
self / object occlusion counts on the procedural tube hand."""
import numpy as np
import pytest

from _analysis_util import make_tube_hand
from handraster.analysis.occlusion import (OBJECT, OUTSIDE, SELF, VISIBLE, occlusion_labels,
                                           occlusion_labels_batch, vertex_status)
from handraster.analysis.zbuffer import project, rasterize_depth

K = np.array([[800.0, 0, 160], [0, 800.0, 120], [0, 0, 1]])
H, W = 240, 320


def reference_depth(verts, faces, K, h, w, off=0.0):
    """Per pixel, per triangle: barycentrics of the pixel centre, perspective-correct depth."""
    uv, z = project(verts, K)
    out = np.zeros((h, w))
    for r in range(h):
        for c in range(w):
            p = np.array([c + off, r + off])
            best = np.inf
            for f in faces:
                a, b, cc = uv[f]
                T = np.array([b - a, cc - a]).T
                if abs(np.linalg.det(T)) < 1e-12:
                    continue
                l1, l2 = np.linalg.solve(T, p - a)
                l0 = 1 - l1 - l2
                if min(l0, l1, l2) < -1e-9:
                    continue
                best = min(best, 1.0 / (l0 / z[f[0]] + l1 / z[f[1]] + l2 / z[f[2]]))
            out[r, c] = 0 if np.isinf(best) else best
    return out


def test_zbuffer_matches_reference_and_golden_cases():
    rng = np.random.default_rng(0)
    h, w = 24, 32
    Ks = np.array([[40.0, 0, 16], [0, 40.0, 12], [0, 0, 1]])
    verts = np.concatenate([rng.uniform(-0.3, 0.3, (12, 2)), rng.uniform(0.8, 1.5, (12, 1))], 1)
    faces = rng.integers(0, 12, (8, 3))
    for off in (0.0, 0.5):
        ours = rasterize_depth(verts, faces, Ks, h, w, pixel_offset=off)
        ref = reference_depth(verts, faces, Ks, h, w, off)
        assert ((ours > 0) == (ref > 0)).mean() > 0.995       # edge pixels may differ by rounding
        both = (ours > 0) & (ref > 0)
        np.testing.assert_allclose(ours[both], ref[both], rtol=1e-5)
    # golden: a far triangle (depth 2) covering pixels (2, 2) and (3, 3); a near one (depth 1)
    # covering (2, 2) but not (3, 3)
    far = np.array([[-1.0, -1.0, 2.0], [1.0, -1.0, 2.0], [0.0, 1.0, 2.0]])
    near = np.array([[-1.0, -1.0, 1.0], [0.0, -1.0, 1.0], [-1.0, 1.0, 1.0]])
    Kg = np.array([[2.0, 0, 3.0], [0, 2.0, 3.0], [0, 0, 1]])
    d = rasterize_depth(np.concatenate([far, near]), [[0, 1, 2], [3, 4, 5]], Kg, 7, 7)
    assert d[2, 2] == pytest.approx(1.0) and d[3, 3] == pytest.approx(2.0) and d[0, 0] == 0
    # perspective-correct: a slanted plane's depth at a pixel is the ray / plane intersection
    plane = np.array([[-1.0, -1.0, 1.0], [1.0, -1.0, 3.0], [0.0, 1.0, 2.0]])
    dp = rasterize_depth(plane, [[0, 1, 2]], Kg, 7, 7)
    n = np.cross(plane[1] - plane[0], plane[2] - plane[0])
    for r, c in ((3, 3), (2, 2), (4, 3)):
        ray = np.array([(c - 3) / 2.0, (r - 3) / 2.0, 1.0])
        assert dp[r, c] == pytest.approx(n @ plane[0] / (n @ ray), rel=1e-5)


@pytest.fixture(scope="module")
def hand():
    m = make_tube_hand(n_ring=12, n_rings=4)
    v = m.forward(np.zeros((1, 45), np.float32)).vertices[0].astype(np.float64)
    v = v - v.mean(0) + np.array([0.0, 0.0, 0.45])                 # fingers along +x, facing the camera
    depth = rasterize_depth(v, m.faces, K, H, W)
    return m, v, depth


def test_unoccluded_hand(hand):
    m, v, depth = hand
    lab = occlusion_labels(v, m.faces, K, m.vertex_parts, depth > 0)
    assert lab.level == 0 and (lab.object_occluded <= 5).all()
    assert (lab.self_occluded > 20).all()                         # every tube hides its back half
    assert (lab.visible > 20).all()
    np.testing.assert_array_equal(lab.in_image, lab.visible + lab.self_occluded + lab.object_occluded)
    assert lab.any_level >= lab.level and lab.self_level == int((lab.self_occluded > 40).sum())
    # passing the hand-only depth gives the same labels as rasterising it here
    lab2 = occlusion_labels(v, m.faces, K, m.vertex_parts, depth > 0, hand_depth=depth)
    np.testing.assert_array_equal(lab.vertex_status, lab2.vertex_status)
    # the back-facing vertices are the self-occluded ones: farther than the ring centre
    st = lab.vertex_status
    assert v[st == SELF, 2].mean() > v[st == VISIBLE, 2].mean() + 0.005


def _object_over(v, m, part, radius=3):
    """A mask (bool) with disks around the projected vertices of ``part`` removed."""
    uv, _ = project(v, K)
    rr, cc = np.mgrid[0:H, 0:W]
    hole = np.zeros((H, W), bool)
    for u, w_ in uv[m.vertex_parts == part]:
        hole |= (cc - u) ** 2 + (rr - w_) ** 2 <= radius ** 2
    return hole


def test_object_occluding_one_finger(hand):
    m, v, depth = hand
    hole = _object_over(v, m, 3)                                  # an object over the index finger
    mask = (depth > 0) & ~hole
    lab = occlusion_labels(v, m.faces, K, m.vertex_parts, mask, threshold=20)
    names = ["palm", "thumb", "index", "middle", "ring", "pinky"]
    occ = dict(zip(names, lab.object_occluded))
    assert occ["index"] > 30 and lab.occluded.tolist() == [False, False, True, False, False, False]
    assert lab.level == 1
    assert max(occ[k] for k in names if k != "index") < 10
    # the same scene from our renderer: a part-label mask (8 = object) plus the scene depth
    parts = np.where(depth > 0, 1, 0).astype(np.uint8)
    parts[hole & (depth > 0)] = 8
    scene = np.where(hole & (depth > 0), 0.30, depth)            # the object is in front
    lab_p = occlusion_labels(v, m.faces, K, m.vertex_parts, parts, depth=scene, threshold=20)
    np.testing.assert_array_equal(lab_p.object_occluded, lab.object_occluded)
    # the depth test alone finds it too (mask says hand everywhere, depth says something is in front)
    lab_d = occlusion_labels(v, m.faces, K, m.vertex_parts, depth > 0, depth=scene, threshold=20)
    assert lab_d.occluded.tolist() == lab.occluded.tolist()
    # an object behind the hand occludes nothing
    behind = np.where(depth > 0, depth, 0.9)
    assert occlusion_labels(v, m.faces, K, m.vertex_parts, depth > 0, depth=behind).object_occluded.sum() <= 5


def test_levels_count_parts_over_threshold(hand):
    m, v, depth = hand
    hole = _object_over(v, m, 3) | _object_over(v, m, 4) | _object_over(v, m, 5)
    lab = occlusion_labels(v, m.faces, K, m.vertex_parts, (depth > 0) & ~hole, threshold=20)
    assert lab.level == 3 and lab.occluded[2:5].all()
    hi = occlusion_labels(v, m.faces, K, m.vertex_parts, (depth > 0) & ~hole, threshold=10_000)
    assert hi.level == 0 and hi.to_dict()["threshold"] == 10_000


def test_outside_image_and_batch(hand):
    m, v, depth = hand
    K2 = K.copy()
    K2[0, 2] -= 200                                               # move the hand half out of the image
    st = vertex_status(v, m.faces, K2, depth > 0)
    uv, _ = project(v, K2)
    assert ((st == OUTSIDE) == ((np.round(uv[:, 0]) < 0) | (np.round(uv[:, 0]) >= W))).all()
    assert (st == OUTSIDE).any() and (st != OUTSIDE).any()
    labs = occlusion_labels_batch(np.stack([v, v]), m.faces, K, m.vertex_parts, np.stack([depth > 0] * 2))
    assert len(labs) == 2 and (labs[0].vertex_status == labs[1].vertex_status).all()
    assert OBJECT == 2


def test_bad_inputs(hand):
    m, v, depth = hand
    with pytest.raises(ValueError, match="mask"):
        occlusion_labels(v, m.faces, K, m.vertex_parts, np.zeros((2, H, W), bool))
    with pytest.raises(ValueError, match="depth"):
        occlusion_labels(v, m.faces, K, m.vertex_parts, depth > 0, depth=np.zeros((10, 10)))
    with pytest.raises(ValueError, match="vertex_parts"):
        occlusion_labels(v, m.faces, K, m.vertex_parts[:-1], depth > 0)
