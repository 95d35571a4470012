"""Rasterizer draw modes (back-face culling, kernels/raster.h) and the scene's use of them."""
import numpy as np
import pytest

from handraster import dr
from handraster._reference import raster as ref
from handraster.raster import rasterize_depth
from handraster.raster.rasterize import rasterize_spans
from _raster_util import perspective, random_clip_mesh, sphere_mesh

CCW = np.array([[[-0.6, -0.6, 0.2, 1], [0.6, -0.6, 0.2, 1], [-0.6, 0.6, 0.2, 1]]], np.float32)  # y up


def _ids(pos, tri, res, mode):
    rast, _ = dr.rasterize(pos, tri, res, grad_db=False, mask=np.full((len(pos), len(tri)), mode, np.uint8))
    return rast[..., 3]


@pytest.mark.parametrize("winding", ["ccw", "cw"])
def test_single_triangle_golden(winding):
    tri = np.array([[0, 1, 2]] if winding == "ccw" else [[0, 2, 1]], np.int32)
    full = _ids(CCW, tri, (8, 8), 1)
    assert (full > 0).sum() >= 6
    front, back = (2, 3) if winding == "ccw" else (3, 2)
    np.testing.assert_array_equal(_ids(CCW, tri, (8, 8), front), full)
    assert not _ids(CCW, tri, (8, 8), back).any() and not _ids(CCW, tri, (8, 8), 0).any()
    # the same modes in the span and depth-only entry points
    rast, spans = rasterize_spans(CCW, tri, (8, 8), mask=np.full((1, 1), back, np.uint8))
    assert (spans[..., 0] > spans[..., 1]).all()
    assert np.isinf(rasterize_depth(CCW, tri, (8, 8), mask=np.full((1, 1), back, np.uint8))).all()
    depth = rasterize_depth(CCW, tri, (8, 8), mask=np.full((1, 1), front, np.uint8))
    np.testing.assert_array_equal(np.isfinite(depth[0]), full[0] > 0)


@pytest.mark.parametrize("seed,B,res", [(0, 3, (24, 32)), (1, 3, (20, 28)), (2, 1, (150, 130))])
def test_random_modes_match_the_twin(seed, B, res):
    # random triangles (some crossing the near plane: clipped, oriented by det) with random
    # draw modes; B = 1 runs the band-parallel path
    rng = np.random.default_rng(seed)
    pos, tri = random_clip_mesh(rng, B=B, V=40 if B > 1 else 12, T=60 if B > 1 else 12)
    mask = rng.integers(0, 4, (B, len(tri))).astype(np.uint8)
    rast, _ = dr.rasterize(pos, tri, res, grad_db=False, mask=mask)
    rr, _ = ref.rasterize(pos, tri, res, mask=mask)
    np.testing.assert_array_equal(rast[..., 3], rr[..., 3])
    np.testing.assert_array_equal(rast[..., 2], rr[..., 2])
    np.testing.assert_allclose(rast[..., :2], rr[..., :2], atol=2e-4)
    # modes 2 and 3 split what mode 1 draws: each triangle lands in exactly one of them
    both = np.ones_like(mask)
    alone = [dr.rasterize(pos, tri, res, grad_db=False, mask=np.where(np.arange(len(tri)) == t, m, 0)
                          .astype(np.uint8)[None].repeat(B, 0))[0][..., 3] > 0
             for t in range(min(len(tri), 12)) for m in (1, 2, 3)]
    for t in range(min(len(tri), 12)):
        a1, a2, a3 = alone[3 * t: 3 * t + 3]
        np.testing.assert_array_equal(a1, a2 | a3)
        assert not (a2 & a3).any()
    assert (dr.rasterize(pos, tri, res, grad_db=False, mask=both)[0] == dr.rasterize(pos, tri, res, grad_db=False)[0]).all()


def test_closed_mesh_culled_shows_the_same_front_surface():
    # a closed outward sphere in front of a perspective camera: culling back faces changes
    # nothing visible; culling the front faces instead shows the inside (the far half)
    v, tri = sphere_mesh(10, 16)
    pos = perspective(v * 0.8 + [0.1, -0.05, -3.0])[None]
    full = _ids(pos, tri, (64, 64), 1)
    np.testing.assert_array_equal(_ids(pos, tri, (64, 64), 2), full)
    inside = _ids(pos, tri, (64, 64), 3)
    np.testing.assert_array_equal(inside > 0, full > 0)
    assert (inside != full)[full > 0].mean() > 0.9


def test_clipped_triangle_is_oriented_by_its_visible_part():
    # one vertex behind the camera (w < 0): the clipped remainder keeps the winding it has on
    # screen; its camera-space normal faces the camera, so it is a front face (mode 2)
    cam = np.array([[-0.5, -0.4, -2.0], [0.6, -0.3, -2.0], [0.0, 0.4, 1.0]])
    n = np.cross(cam[1] - cam[0], cam[2] - cam[0])
    assert np.dot(n, -cam[0]) > 0  # faces the camera (at the origin, looking down -z)
    pos = perspective(cam)[None]
    assert pos[0, 2, 3] < 0
    tri = np.array([[0, 1, 2]], np.int32)
    full = _ids(pos, tri, (32, 32), 1)
    assert (full > 0).sum() > 50
    np.testing.assert_array_equal(_ids(pos, tri, (32, 32), 2), full)
    assert not _ids(pos, tri, (32, 32), 3).any()
    np.testing.assert_array_equal(ref.rasterize(pos, tri, (32, 32), mask=np.full((1, 1), 3, np.uint8))[0], 0)


def test_bad_draw_modes_are_clear_errors():
    pos, tri = random_clip_mesh(np.random.default_rng(0), B=2, V=10, T=5)
    bad = np.ones((2, 5), np.uint8)
    bad[1, 3] = 4
    with pytest.raises(ValueError, match=r"rasterize: mask\[1, 3\] = 4: draw modes are 0"):
        dr.rasterize(pos, tri, (8, 8), mask=bad)
    with pytest.raises(ValueError, match=r"rasterize_depth: mask\[1, 3\] = 4"):
        rasterize_depth(pos, tri, (8, 8), mask=bad)
    with pytest.raises(ValueError, match="rasterize.*'mask'"):
        dr.rasterize(pos, tri, (8, 8), mask=np.ones((2, 4), np.uint8))
    with pytest.raises(ValueError, match="only valid in instanced mode"):
        dr.rasterize(pos[0], tri, (8, 8), ranges=np.array([[0, 5]], np.int32), mask=np.ones((1, 5), np.uint8))
