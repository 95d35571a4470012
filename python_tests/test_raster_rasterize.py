"""rasterize: golden cases, the numpy twin, watertightness, perspective correctness, errors."""
import numpy as np
import pytest

from handraster import dr
from handraster._reference import raster as ref
from _raster_util import grid_mesh, perspective, random_clip_mesh, sphere_mesh


def ndc(px, res):  # NDC of pixel centre index px
    return (2 * np.asarray(px, np.float64) + 1) / res - 1


def test_single_triangle_coverage_golden():
    # Pixel-space vertices (0.8, 0.8), (7.2, 0.8), (0.8, 7.2) on 8x8: centres (px+.5, py+.5)
    # are inside iff px, py >= 1 and px + py < 7 (x + y == 8 lies on the right edge: excluded).
    pos = np.array([[[-0.8, -0.8, 0, 1], [0.8, -0.8, 0, 1], [-0.8, 0.8, 0, 1]]], np.float32)
    rast, _ = dr.rasterize(pos, np.array([[0, 1, 2]], np.int32), (8, 8))
    py, px = np.mgrid[0:8, 0:8]
    expect = (px >= 1) & (py >= 1) & (px + py < 7)
    np.testing.assert_array_equal(rast[0, ..., 3] > 0, expect)
    assert set(np.unique(rast[0, ..., 3])) == {0.0, 1.0}
    bg = rast[0][~expect]
    assert np.all(bg == 0)


def test_square_on_pixel_centres_tie_rule_golden():
    # A square whose edges and diagonal run through pixel centres: with the top-left rule
    # (y up) it covers columns 2..4 (left edge in, right out) and rows 2..4 (top in, bottom
    # out), each pixel exactly once across the two triangles.
    x0, x1, y0, y1 = ndc(2, 8), ndc(5, 8), ndc(1, 8), ndc(4, 8)
    pos = np.array([[x0, y0, 0, 1], [x1, y0, 0, 1], [x1, y1, 0, 1], [x0, y1, 0, 1]], np.float32)
    tri = np.array([[0, 1, 2], [0, 2, 3]], np.int32)
    ranges = np.array([[0, 1], [1, 1], [0, 2]], np.int32)
    rast, _ = dr.rasterize(pos, tri, (8, 8), ranges=ranges)
    cov = rast[..., 3] > 0
    expect = np.zeros((8, 8), bool)
    expect[2:5, 2:5] = True
    np.testing.assert_array_equal(cov[2], expect)
    np.testing.assert_array_equal(cov[0].astype(int) + cov[1], expect.astype(int))


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_two_overlapping_triangles_depth_order(order):
    near = [[-0.9, -0.9, -0.5, 1], [0.9, -0.9, -0.5, 1], [0.0, 0.9, -0.5, 1]]
    far = [[-0.9, 0.9, 0.5, 1], [0.9, 0.9, 0.5, 1], [0.0, -0.9, 0.5, 1]]
    tris = [near, far]
    pos = np.array([tris[order[0]] + tris[order[1]]], np.float32)
    tri = np.array([[0, 1, 2], [3, 4, 5]], np.int32)
    rast, _ = dr.rasterize(pos, tri, (16, 16))
    near_id = 1 + order.index(0)
    ids, z = rast[0, ..., 3], rast[0, ..., 2]
    centre = ids[7:9, 7:9]
    assert np.all(centre == near_id)
    np.testing.assert_allclose(z[ids == near_id], -0.5, atol=1e-6)
    np.testing.assert_allclose(z[ids == 3 - near_id], 0.5, atol=1e-6)
    assert (ids == 3 - near_id).sum() > 10  # the far one shows where the near one is absent


def _compare(rast, db, rr, rdb):
    np.testing.assert_array_equal(rast[..., 3], rr[..., 3])  # same visible triangle
    np.testing.assert_array_equal(rast[..., 2], rr[..., 2])  # same float32 depth
    np.testing.assert_allclose(rast[..., :2], rr[..., :2], atol=2e-4)
    scale = np.maximum(1.0, np.abs(rdb))
    np.testing.assert_allclose(db / scale, rdb / scale, atol=2e-3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_reference_instanced(seed):
    rng = np.random.default_rng(seed)
    pos, tri = random_clip_mesh(rng, B=3, V=40, T=60)
    rast, db = dr.rasterize(pos, tri, (24, 32))
    rr, rdb = ref.rasterize(pos, tri, (24, 32))
    assert 0.3 < (rast[..., 3] > 0).mean() < 1.0
    _compare(rast, db, rr, rdb)


def test_matches_reference_range_mode_and_batch_paths():
    rng = np.random.default_rng(7)
    pos, tri = random_clip_mesh(rng, B=1, V=50, T=80)
    ranges = np.array([[0, 80], [10, 30], [79, 1], [40, 0]], np.int32)
    rast, db = dr.rasterize(pos[0], tri, (20, 28), ranges=ranges)
    rr, rdb = ref.rasterize(pos[0], tri, (20, 28), ranges=ranges)
    _compare(rast, db, rr, rdb)
    assert np.all(rast[3] == 0)
    ids = rast[1, ..., 3]
    assert np.all((ids == 0) | ((ids >= 11) & (ids <= 40)))
    # one image alone (band-parallel path) equals the same image in a batch (image path)
    alone, _ = dr.rasterize(pos, tri, (20, 28))
    batch, _ = dr.rasterize(np.repeat(pos, 5, 0), tri, (20, 28))
    np.testing.assert_array_equal(alone[0], batch[3])
    np.testing.assert_array_equal(alone[0], rast[0])


def test_large_triangles_and_band_path_match_reference():
    rng = np.random.default_rng(3)
    pos, tri = random_clip_mesh(rng, B=1, V=12, T=10, near_cross=True)
    rast, db = dr.rasterize(pos, tri, (150, 130))
    rr, rdb = ref.rasterize(pos, tri, (150, 130))
    _compare(rast, db, rr, rdb)


@pytest.mark.parametrize("jitter", [0.0, 0.03])
def test_grid_no_crack_no_double_coverage(jitter):
    rng = np.random.default_rng(1)
    pos, tri = grid_mesh(6, 32, jitter=jitter, rng=rng)
    T = len(tri)
    ranges = np.stack([np.arange(T), np.ones(T)], 1).astype(np.int32)
    per_tri, _ = dr.rasterize(pos, tri, (32, 32), ranges=ranges)
    count = (per_tri[..., 3] > 0).sum(0)
    assert count.max() == 1  # never covered twice
    whole, _ = dr.rasterize(pos, tri, (32, 32), ranges=np.array([[0, T]], np.int32))
    np.testing.assert_array_equal(count, whole[0, ..., 3] > 0)
    # the grid interior has no holes: the covered set is one solid block without gaps
    cov = count.astype(bool)
    rows, cols = np.nonzero(cov)
    block = cov[rows.min() + 1:rows.max(), cols.min() + 1:cols.max()]
    assert block.all()


def test_closed_mesh_every_ray_enters_and_leaves_once():
    verts, tri = sphere_mesh(7, 11)
    xyz = verts * 0.8 + np.array([0.1, -0.05, -3.0])
    pos = perspective(xyz)
    T = len(tri)
    ranges = np.stack([np.arange(T), np.ones(T)], 1).astype(np.int32)
    per_tri, _ = dr.rasterize(pos, tri, (40, 40), ranges=ranges)
    P = pos[tri].astype(np.float64)
    front = np.linalg.det(P[:, :, [0, 1, 3]]) > 0
    cov = per_tri[..., 3] > 0
    nf, nb = cov[front].sum(0), cov[~front].sum(0)
    whole, _ = dr.rasterize(pos[None], tri, (40, 40))
    inside = whole[0, ..., 3] > 0
    assert inside.sum() > 200
    np.testing.assert_array_equal(nf, inside.astype(int))
    np.testing.assert_array_equal(nb, inside.astype(int))
    assert np.all(front[whole[0, ..., 3][inside].astype(int) - 1])  # nearest surface faces us


def test_perspective_correct_barycentrics_reproduce_the_pixel_ray():
    rng = np.random.default_rng(5)
    pos, tri = random_clip_mesh(rng, B=2, V=30, T=40)
    H, W = 24, 20
    rast, _ = dr.rasterize(pos, tri, (H, W))
    clip, _ = dr.interpolate(pos, rast, tri)
    u, v = rast[..., 0], rast[..., 1]
    interior = (rast[..., 3] > 0) & (u > 1e-3) & (v > 1e-3) & (1 - u - v > 1e-3)
    assert interior.sum() > 100
    py, px = np.mgrid[0:H, 0:W]
    xn = np.broadcast_to(ndc(px, W), rast.shape[:3])
    yn = np.broadcast_to(ndc(py, H), rast.shape[:3])
    w = np.where(rast[..., 3] > 0, clip[..., 3], 1.0)
    np.testing.assert_allclose((clip[..., 0] / w)[interior], xn[interior], atol=2e-4)
    np.testing.assert_allclose((clip[..., 1] / w)[interior], yn[interior], atol=2e-4)
    np.testing.assert_allclose((clip[..., 2] / w)[interior], rast[..., 2][interior], atol=2e-4)


def test_near_plane_crossing_triangle_is_clipped_not_dropped():
    # vertex 2 lies in front of the near plane (z < -w): the rest still covers pixels
    pos = np.array([[[-0.5, -0.5, 0.0, 1.0], [0.5, -0.5, 0.0, 1.0], [0.0, 1.0, -1.5, 0.2]]], np.float32)
    tri = np.array([[0, 1, 2]], np.int32)
    rast, db = dr.rasterize(pos, tri, (16, 16))
    cov = rast[0, ..., 3] > 0
    assert cov.sum() > 20
    assert np.all(rast[0, ..., 2][cov] >= -1 - 1e-6) and np.all(rast[0, ..., 2][cov] <= 1 + 1e-6)
    rr, rdb = ref.rasterize(pos, tri, (16, 16))
    _compare(rast, db, rr, rdb)
    behind = pos.copy()
    behind[..., 2], behind[..., 3] = -2.0, 1.0  # wholly in front of the near plane: nothing
    assert np.all(dr.rasterize(behind, tri, (16, 16))[0] == 0)


def test_rast_db_matches_finite_differences():
    xyz = np.array([[-1.0, -0.8, -2.0], [1.2, -0.6, -4.0], [0.1, 1.0, -3.0]])
    pos = perspective(xyz)[None]
    rast, db = dr.rasterize(pos, np.array([[0, 1, 2]], np.int32), (64, 64))
    r = rast[0].astype(np.float64)
    ok = (r[1:-1, 1:-1, 3] > 0) & (r[1:-1, 2:, 3] > 0) & (r[1:-1, :-2, 3] > 0) & (r[2:, 1:-1, 3] > 0) & (r[:-2, 1:-1, 3] > 0)
    dudx = (r[1:-1, 2:, 0] - r[1:-1, :-2, 0]) / 2
    dvdy = (r[2:, 1:-1, 1] - r[:-2, 1:-1, 1]) / 2
    assert ok.sum() > 200
    np.testing.assert_allclose(db[0, 1:-1, 1:-1, 0][ok], dudx[ok], atol=2e-4)
    np.testing.assert_allclose(db[0, 1:-1, 1:-1, 3][ok], dvdy[ok], atol=2e-4)
    assert np.all(db[0][rast[0, ..., 3] == 0] == 0)


def test_torch_in_torch_out_and_nvdiffrast_call_forms():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    pos, tri = random_clip_mesh(rng, B=2, V=20, T=20)
    ref_rast, ref_db = dr.rasterize(pos, tri, (12, 10))
    glctx = dr.RasterizeCudaContext()
    for rast, db in (dr.rasterize(glctx, torch.from_numpy(pos), torch.from_numpy(tri), resolution=[12, 10]),
                     dr.rasterize(None, torch.from_numpy(pos), torch.from_numpy(tri), (12, 10)),
                     dr.rasterize(glctx, pos=torch.from_numpy(pos), tri=torch.from_numpy(tri), resolution=(12, 10))):
        assert isinstance(rast, torch.Tensor) and rast.dtype == torch.float32
        np.testing.assert_array_equal(rast.numpy(), ref_rast)
        np.testing.assert_array_equal(db.numpy(), ref_db)
    rast, db = dr.rasterize(pos, tri, (12, 10), grad_db=False)
    assert db.shape == (2, 12, 10, 0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(pos=np.zeros((1, 3, 4), np.float64)), "float32"),
    (dict(pos=np.zeros((1, 3, 3), np.float32)), r"\[B, V, 4\]"),
    (dict(pos=np.zeros((3,), np.float32)), "instanced mode"),
    (dict(tri=np.array([[0, 1, 2]], np.int64)), "int32"),
    (dict(tri=np.array([[0, 1, -1]], np.int32)), "tri"),
    (dict(tri=np.array([[0, 1, 3]], np.int32)), r"\[0, 3\)"),
    (dict(resolution=(0, 8)), "resolution"),
    (dict(resolution=(8, -1)), "resolution"),
    (dict(resolution=(8, 20000)), "resolution"),
    (dict(ranges=np.array([[0, 1]], np.int32)), "range mode"),
    (dict(pos=np.zeros((3, 4), np.float32)), "ranges"),
    (dict(pos=np.zeros((3, 4), np.float32), ranges=np.array([[0, 2]], np.int32)), "start"),
    (dict(pos=np.zeros((3, 4), np.float32), ranges=np.array([[-1, 1]], np.int32)), "start"),
    (dict(pos=np.zeros((3, 4), np.float32), ranges=np.array([[0, 1]], np.int64)), "int32"),
])
def test_bad_input_is_a_clear_error(kwargs, match):
    args = dict(pos=np.zeros((1, 3, 4), np.float32), tri=np.array([[0, 1, 2]], np.int32),
                resolution=(8, 8), ranges=None)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        dr.rasterize(args["pos"], args["tri"], args["resolution"], ranges=args["ranges"])


def test_non_finite_positions_draw_nothing():
    pos = np.array([[[np.nan, 0, 0, 1], [0.5, -0.5, 0, 1], [0, 0.5, 0, 1],
                     [np.inf, -1, 0, 1], [1, -1, 0, 1], [0, 1, 0, 1]]], np.float32)
    rast, _ = dr.rasterize(pos, np.array([[0, 1, 2], [3, 4, 5]], np.int32), (8, 8))
    assert np.all(rast == 0)


@pytest.mark.parametrize("B,res", [(3, (24, 32)), (1, (150, 130))])  # image path; band path
def test_rasterize_depth_is_the_z_channel_of_rasterize(B, res):
    from handraster.raster import rasterize_depth
    rng = np.random.default_rng(11)
    pos, tri = random_clip_mesh(rng, B=B, V=40, T=60)
    rast, _ = dr.rasterize(pos, tri, res, grad_db=False)
    expect = np.where(rast[..., 3] > 0, rast[..., 2], np.float32(np.inf))
    depth = rasterize_depth(pos, tri, res)
    assert depth.shape == (B,) + res and depth.dtype == np.float32
    np.testing.assert_array_equal(depth, expect)
    # a per-image mask draws exactly what range mode draws with the kept triangles
    keep = rng.random((B, len(tri))) < 0.5
    keep[0] = False                                                    # nothing at all
    bi, ti = np.nonzero(keep)
    counts = np.bincount(bi, minlength=B)
    ranges = np.stack([np.cumsum(counts) - counts, counts], 1).astype(np.int32)
    sub = (tri[ti] + (bi * pos.shape[1])[:, None]).astype(np.int32)
    r2, _ = dr.rasterize(pos.reshape(-1, 4), sub, res, ranges=ranges, grad_db=False)
    for mask in (keep, keep.astype(np.uint8)):
        np.testing.assert_array_equal(rasterize_depth(pos, tri, res, mask=mask),
                                      np.where(r2[..., 3] > 0, r2[..., 2], np.float32(np.inf)))
    assert np.isinf(rasterize_depth(pos, tri, res, mask=keep)[0]).all()


def test_rasterize_depth_bad_input_is_a_clear_error():
    from handraster.raster import rasterize_depth
    pos, tri = random_clip_mesh(np.random.default_rng(0), B=2, V=10, T=5)
    with pytest.raises(ValueError, match="rasterize_depth.*'pos' must be \\[B, V, 4\\]"):
        rasterize_depth(pos[0], tri, (8, 8))
    with pytest.raises(ValueError, match="rasterize_depth.*'mask'"):
        rasterize_depth(pos, tri, (8, 8), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="rasterize_depth.*'tri'"):
        rasterize_depth(pos, tri + 10, (8, 8))


def test_adversarial_vertices_match_reference():
    # the vectorised vertex snapping (cpu/raster.cpp) against the twin on the values where its
    # per-lane selects matter: w = 0 or -0, w < 0, beyond the guard band, inf and nan, exactly
    # on frustum planes, mixed into ordinary vertices (chunks of 64 hold all kinds)
    rng = np.random.default_rng(4)
    V = 150
    w = rng.uniform(0.5, 2.0, V)
    pos = np.concatenate([rng.uniform(-1.1, 1.1, (V, 3)) * w[:, None], w[:, None]], 1)
    odd = rng.choice(V, 60, replace=False)
    special = [(0, 0, 0, 0), (0.1, 0.2, 0.3, -0.0), (0.5, -0.5, 0.2, -1.0), (4e5, 0.0, 0.1, 0.5),
               (0.0, -3e5, 0.1, 0.5), (np.inf, 0, 0, 1), (0, np.nan, 0, 1), (1.0, 1.0, 1.0, 1.0),
               (-1.0, 0.2, -1.0, 1.0), (0.3, 0.3, 0.999, 1.0)]
    for k, i in enumerate(odd):
        pos[i] = special[k % len(special)]
    pos = pos.astype(np.float32)[None]
    tri = rng.integers(0, V, (200, 3)).astype(np.int32)
    rast, db = dr.rasterize(pos, tri, (20, 24))
    rr, rdb = ref.rasterize(pos, tri, (20, 24))
    _compare(rast, db, rr, rdb)
    assert (rast[..., 3] > 0).mean() > 0.3
