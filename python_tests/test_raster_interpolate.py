"""interpolate: the numpy twin, broadcasting, derivatives, background, errors."""
import numpy as np
import pytest

from handraster import dr
from handraster._reference import raster as ref
from _raster_util import random_clip_mesh


@pytest.fixture(scope="module")
def scene():
    rng = np.random.default_rng(11)
    pos, tri = random_clip_mesh(rng, B=2, V=30, T=40)
    rast, db = dr.rasterize(pos, tri, (16, 18))
    attr = rng.normal(size=(2, 30, 5)).astype(np.float32)
    return pos, tri, rast, db, attr


@pytest.mark.parametrize("shape", ["batched", "shared2d", "shared3d"])
def test_matches_reference(scene, shape):
    pos, tri, rast, db, attr = scene
    a = {"batched": attr, "shared2d": attr[0], "shared3d": attr[:1]}[shape]
    out, out_da = dr.interpolate(a, rast, tri, rast_db=db, diff_attrs="all")
    ro, rda = ref.interpolate(a, rast, tri, rast_db=db, diff_attrs="all")
    assert (rast[..., 3] > 0).mean() > 0.3
    np.testing.assert_allclose(out, ro, atol=1e-5)
    np.testing.assert_allclose(out_da, rda, atol=1e-4, rtol=1e-4)
    assert out.shape == rast.shape[:3] + (5,) and out_da.shape == rast.shape[:3] + (10,)


def test_diff_attr_subset_and_background_zero(scene):
    pos, tri, rast, db, attr = scene
    out, out_da = dr.interpolate(attr, rast, tri, rast_db=db, diff_attrs=[3, 1])
    full, full_da = dr.interpolate(attr, rast, tri, rast_db=db, diff_attrs="all")
    np.testing.assert_array_equal(out_da[..., 0:2], full_da[..., 6:8])
    np.testing.assert_array_equal(out_da[..., 2:4], full_da[..., 2:4])
    bg = rast[..., 3] == 0
    assert bg.any() and np.all(out[bg] == 0) and np.all(out_da[bg] == 0)
    out2, da2 = dr.interpolate(attr, rast, tri)
    np.testing.assert_array_equal(out2, out)
    assert da2.shape == rast.shape[:3] + (0,)


def test_vertex_values_at_vertices():
    # a pixel centre exactly on vertex 0 reads attr[0]; constant attributes stay constant
    pos = np.array([[[-0.625, -0.625, 0, 1], [0.9, -0.9, 0, 1], [-0.9, 0.9, 0, 1]]], np.float32)
    tri = np.array([[0, 1, 2]], np.int32)
    rast, _ = dr.rasterize(pos, tri, (8, 8))
    attr = np.array([[1.0, 7.0], [2.0, 7.0], [3.0, 7.0]], np.float32)
    out, _ = dr.interpolate(attr, rast, tri)
    assert rast[0, 1, 1, 3] == 1 and abs(out[0, 1, 1, 0] - 1.0) < 1e-6
    cov = rast[0, ..., 3] > 0
    np.testing.assert_allclose(out[0, ..., 1][cov], 7.0, rtol=1e-6)


def test_torch_in_torch_out(scene):
    torch = pytest.importorskip("torch")
    pos, tri, rast, db, attr = scene
    out, _ = dr.interpolate(torch.from_numpy(attr), torch.from_numpy(rast), torch.from_numpy(tri))
    assert isinstance(out, torch.Tensor)
    np.testing.assert_array_equal(out.numpy(), dr.interpolate(attr, rast, tri)[0])


def test_bad_input(scene):
    pos, tri, rast, db, attr = scene
    bad = rast.copy()
    bad[0, 3, 3, 3] = 1000.0  # names no triangle
    with pytest.raises(ValueError, match="triangle id"):
        dr.interpolate(attr, bad, tri)
    bad[0, 3, 3, 3] = 1.5
    with pytest.raises(ValueError, match="triangle id"):
        dr.interpolate(attr, bad, tri)
    with pytest.raises(ValueError, match="attr"):
        dr.interpolate(np.zeros((3, 30, 5), np.float32), rast, tri)
    with pytest.raises(ValueError, match="float32"):
        dr.interpolate(attr.astype(np.float64), rast, tri)
    with pytest.raises(ValueError, match="tri"):
        dr.interpolate(attr[:, :10], rast, tri)  # indices beyond V
    with pytest.raises(ValueError, match="rast_db"):
        dr.interpolate(attr, rast, tri, diff_attrs="all")
    with pytest.raises(ValueError, match="diff_attrs"):
        dr.interpolate(attr, rast, tri, rast_db=db, diff_attrs=[7])
    with pytest.raises(ValueError, match="rast"):
        dr.interpolate(attr, rast[..., :3], tri)
