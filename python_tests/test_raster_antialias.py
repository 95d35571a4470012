"""antialias: analytic coverage on a straight edge, interior edges untouched, the numpy
twin, determinism, errors."""
import numpy as np
import pytest

from handraster import dr
from handraster._reference import antialias as ref
from _raster_util import perspective, random_clip_mesh, sphere_mesh


def quad(x_right: float, W: int = 8, H: int = 8):
    """A quad covering x < x_right (pixel units, centres on integers) over the full height."""
    xr = (x_right + 0.5) / (W / 2) - 1
    pos = np.array([[[-2, -2, 0, 1], [xr, -2, 0, 1], [xr, 2, 0, 1], [-2, 2, 0, 1]]], np.float32)
    return pos, np.array([[0, 1, 2], [0, 2, 3]], np.int32)


@pytest.mark.parametrize("edge, pixel, coverage", [(3.2, 3, 0.7), (3.7, 4, 0.2), (3.5, 3, 1.0)])
def test_straight_edge_blends_by_covered_fraction(edge, pixel, coverage):
    pos, tri = quad(edge)
    rast, _ = dr.rasterize(pos, tri, (8, 8))
    color = np.where(rast[..., 3:] > 0, 1.0, 0.0).astype(np.float32)  # white quad on black
    out = dr.antialias(color, rast, pos, tri)
    np.testing.assert_allclose(out[0, :, pixel, 0], coverage, atol=1e-5)
    others = [x for x in range(8) if x != pixel]
    np.testing.assert_array_equal(out[0][:, others], color[0][:, others])


def test_interior_edges_and_constant_scene_unchanged_away_from_silhouette():
    verts, tri = sphere_mesh(8, 12)
    pos = perspective(verts * 0.9 + np.array([0.0, 0.0, -3.0]))[None]
    rast, _ = dr.rasterize(pos, tri, (48, 48))
    normals, _ = dr.interpolate(verts.astype(np.float32), rast, tri)  # smooth shading
    color = np.concatenate([normals, np.ones_like(normals[..., :1])], -1)
    out = dr.antialias(color, rast, pos, tri)
    cov = rast[0, ..., 3] > 0
    pad = np.pad(cov, 1, mode="edge")
    boundary = (pad[1:-1, :-2] != cov) | (pad[1:-1, 2:] != cov) | (pad[:-2, 1:-1] != cov) | (pad[2:, 1:-1] != cov)
    ids = rast[0, ..., 3]
    interior_id_edges = cov & ~boundary & ((np.roll(ids, 1, 1) != ids) | (np.roll(ids, 1, 0) != ids))
    assert interior_id_edges.sum() > 50  # many pixels next to a different triangle of the mesh
    np.testing.assert_array_equal(out[0][~boundary], color[0][~boundary])
    assert np.abs(out[0][boundary] - color[0][boundary]).max() > 0.05  # the silhouette blends
    again = dr.antialias(color, rast, pos, tri)
    np.testing.assert_array_equal(again, out)  # deterministic


@pytest.mark.parametrize("seed", [0, 1])
def test_matches_reference(seed):
    rng = np.random.default_rng(seed)
    pos, tri = random_clip_mesh(rng, B=2, V=16, T=14, near_cross=False)
    verts, stri = sphere_mesh(5, 7)
    sph = perspective(verts * 0.5 + np.array([0.2, 0.1, -2.5]))
    pos = np.concatenate([pos, np.repeat(sph[None], 2, 0)], 1)
    tri = np.concatenate([tri, stri + 16]).astype(np.int32)
    rast, _ = dr.rasterize(pos, tri, (20, 24))
    color = rng.uniform(size=(2, 20, 24, 3)).astype(np.float32)
    topo = dr.antialias_construct_topology_hash(tri)
    out = dr.antialias(color, rast, pos, tri, topology_hash=topo)
    expect = ref.antialias(color, rast, pos, tri)
    assert np.abs(out - color).max() > 0.05
    np.testing.assert_allclose(out, expect, atol=1e-4)


def test_range_mode_pos_and_torch():
    torch = pytest.importorskip("torch")
    pos, tri = quad(3.2)
    rast, _ = dr.rasterize(pos[0], tri, (8, 8), ranges=np.array([[0, 2], [0, 1]], np.int32))
    color = (rast[..., 3:] > 0).astype(np.float32)
    out = dr.antialias(torch.from_numpy(color), torch.from_numpy(rast), torch.from_numpy(pos[0]), torch.from_numpy(tri))
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy()[0, :, 3, 0], 0.7, atol=1e-5)


def test_topology_neighbours():
    tri = np.array([[0, 1, 2], [2, 1, 3], [1, 4, 3], [1, 3, 5]], np.int32)
    nbr = dr.antialias_construct_topology_hash(tri).nbr
    assert nbr[0].tolist() == [-1, 1, -1]  # (0,1) and (2,0) are boundary edges, (1,2) borders tri 1
    assert nbr[1, 1] == -2  # edge (1,3) shared by three triangles


def test_bad_input():
    pos, tri = quad(3.2)
    rast, _ = dr.rasterize(pos, tri, (8, 8))
    color = np.zeros((1, 8, 8, 3), np.float32)
    bad = rast.copy()
    bad[0, 0, 0, 3] = 9.0
    with pytest.raises(ValueError, match="triangle id"):
        dr.antialias(color, bad, pos, tri)
    with pytest.raises(ValueError, match="color"):
        dr.antialias(color[:, :4], rast, pos, tri)
    with pytest.raises(ValueError, match="pos"):
        dr.antialias(color, rast, pos[..., :3], tri)
    with pytest.raises(ValueError, match="int32"):
        dr.antialias_construct_topology_hash(tri.astype(np.int64))
