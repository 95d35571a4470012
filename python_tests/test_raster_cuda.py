"""The CUDA module and the nvdiffrast backend against the CPU module (skipped without a GPU)."""
import numpy as np
import pytest

from handraster import dr
from _raster_util import random_clip_mesh, sphere_mesh, perspective

torch = pytest.importorskip("torch")


def _cuda_ready() -> bool:
    if not torch.cuda.is_available():
        return False
    try:
        from handraster import _native
        return _native.native("cuda").device_count() > 0
    except Exception:
        return False


def _nvdiffrast_ready() -> bool:
    from handraster.raster import _nvdiffrast
    return torch.cuda.is_available() and _nvdiffrast.available()


cuda = pytest.mark.skipif(not _cuda_ready(), reason="needs a CUDA device and handraster._C_cuda")
nvdr = pytest.mark.skipif(not _nvdiffrast_ready(), reason="needs nvdiffrast and a CUDA device")


def scene(B=3):
    rng = np.random.default_rng(0)
    pos, tri = random_clip_mesh(rng, B=B, V=60, T=90)
    verts, stri = sphere_mesh(10, 14)
    sph = np.repeat(perspective(verts * 0.6 + np.array([0.1, 0.0, -2.5]))[None], B, 0)
    return np.concatenate([pos, sph], 1), np.concatenate([tri, stri + 60]).astype(np.int32), verts


def _agree(a_rast, b_rast, frac=0.999):
    same = a_rast[..., 3] == b_rast[..., 3]
    assert same.mean() >= frac
    np.testing.assert_allclose(a_rast[..., :3][same], b_rast[..., :3][same], atol=1e-4)


@cuda
def test_cuda_matches_cpu_all_ops():
    pos, tri, _ = scene()
    rast, db = dr.rasterize(pos, tri, (48, 40))
    g = lambda a: torch.from_numpy(a).cuda()  # noqa: E731
    grast, gdb = dr.rasterize(g(pos), g(tri), (48, 40))
    assert grast.is_cuda
    _agree(grast.cpu().numpy(), rast)
    ranges = np.array([[0, 50], [60, 100], [0, 0]], np.int32)
    r2, _ = dr.rasterize(pos[0], tri, (48, 40), ranges=ranges)
    g2, _ = dr.rasterize(g(pos[0]), g(tri), (48, 40), ranges=torch.from_numpy(ranges))
    _agree(g2.cpu().numpy(), r2)
    attr = np.random.default_rng(1).normal(size=pos.shape[:2] + (3,)).astype(np.float32)
    out, da = dr.interpolate(attr, rast, tri, rast_db=db, diff_attrs="all")
    gout, gda = dr.interpolate(g(attr), g(rast), g(tri), rast_db=g(db), diff_attrs="all")
    np.testing.assert_allclose(gout.cpu().numpy(), out, atol=1e-4)
    keep = np.random.default_rng(2).random((len(pos), len(tri))) < 0.7
    depth = dr.rasterize_depth(pos, tri, (48, 40), mask=keep)       # depth-only mode
    gdepth = dr.rasterize_depth(g(pos), g(tri), (48, 40), mask=g(keep)).cpu().numpy()
    fin = np.isfinite(depth)
    assert (fin == np.isfinite(gdepth)).mean() >= 0.999
    both = fin & np.isfinite(gdepth)
    np.testing.assert_allclose(gdepth[both], depth[both], atol=1e-4)
    np.testing.assert_allclose(gda.cpu().numpy(), da, atol=1e-3, rtol=1e-3)
    tex = np.random.default_rng(2).uniform(size=(1, 32, 32, 3)).astype(np.float32)
    uv = np.random.default_rng(3).uniform(size=(3, 48, 40, 2)).astype(np.float32)
    uv_da = np.full((3, 48, 40, 4), 0.02, np.float32)
    t = dr.texture(tex, uv, uv_da=uv_da)
    gt = dr.texture(g(tex), g(uv), uv_da=g(uv_da))
    np.testing.assert_allclose(gt.cpu().numpy(), t, atol=1e-4)
    color = out
    aa = dr.antialias(color, rast, pos, tri)
    gaa = dr.antialias(g(color), g(rast), g(pos), g(tri))
    np.testing.assert_allclose(gaa.cpu().numpy(), aa, atol=1e-4)


@nvdr
def test_nvdiffrast_backend_agrees_with_native():
    pos, tri, verts = scene(B=2)
    g = lambda a: torch.from_numpy(a).cuda()  # noqa: E731
    rast, db = dr.rasterize(pos, tri, (64, 64))
    nrast, ndb = dr.rasterize(g(pos), g(tri), (64, 64), backend="nvdiffrast")
    _agree(nrast.cpu().numpy(), rast, frac=0.99)
    attr = np.random.default_rng(1).normal(size=pos.shape[:2] + (3,)).astype(np.float32)
    out, _ = dr.interpolate(attr, rast, tri)
    nout, _ = dr.interpolate(g(attr), g(rast), g(tri), backend="nvdiffrast")
    np.testing.assert_allclose(nout.cpu().numpy(), out, atol=1e-4)
    tex = np.random.default_rng(2).uniform(size=(1, 16, 16, 3)).astype(np.float32)
    uv = np.random.default_rng(3).uniform(size=(2, 8, 8, 2)).astype(np.float32)
    for mode in ("nearest", "linear"):
        np.testing.assert_allclose(dr.texture(g(tex), g(uv), filter_mode=mode, backend="nvdiffrast").cpu().numpy(),
                                   dr.texture(tex, uv, filter_mode=mode), atol=1e-4)
