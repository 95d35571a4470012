"""texture: texel centres, boundary modes, mip pyramid, the numpy twin, errors."""
import numpy as np
import pytest

from handraster import dr
from handraster._reference import texture as ref


def centres(h, w):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([(x + 0.5) / w, (y + 0.5) / h], -1)[None].astype(np.float32)


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_texel_centre_returns_that_texel(mode):
    tex = np.random.default_rng(0).normal(size=(1, 5, 7, 3)).astype(np.float32)
    out = dr.texture(tex, centres(5, 7), filter_mode=mode)
    np.testing.assert_allclose(out, tex, atol=1e-6)


def test_bilinear_halfway_and_boundaries_golden():
    tex = np.array([[[[0.0], [1.0], [2.0], [3.0]]]], np.float32)  # 1 x 4
    uv = np.array([[[[0.25, 0.5], [0.0, 0.5], [1.0, 0.5], [-0.125, 0.5]]]], np.float32)
    # u=0.25 -> s=0.5 -> halfway texels 0,1; u=0 -> s=-0.5 -> halfway texel -1 and 0
    wrap = dr.texture(tex, uv, boundary_mode="wrap")[0, 0, :, 0]
    clamp = dr.texture(tex, uv, boundary_mode="clamp")[0, 0, :, 0]
    zero = dr.texture(tex, uv, boundary_mode="zero")[0, 0, :, 0]
    np.testing.assert_allclose(wrap, [0.5, 1.5, 1.5, 3.0], atol=1e-6)
    np.testing.assert_allclose(clamp, [0.5, 0.0, 3.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(zero, [0.5, 0.0, 1.5, 0.0], atol=1e-6)


def test_mip_pyramid_averages_2x2():
    tex = np.random.default_rng(1).uniform(size=(2, 8, 4, 2)).astype(np.float32)
    mip = dr.texture_construct_mip(tex)
    assert mip.sizes == [(8, 4), (4, 2), (2, 1), (1, 1)]
    lvl1 = mip.packed[:, 32:40].reshape(2, 4, 2, 2)
    np.testing.assert_allclose(lvl1, tex.reshape(2, 4, 2, 2, 2, 2).mean(axis=(2, 4)), atol=1e-6)
    np.testing.assert_allclose(mip.packed[:, -1], tex.mean(axis=(1, 2)), atol=1e-6)
    assert dr.texture_construct_mip(tex, max_mip_level=1).sizes == [(8, 4), (4, 2)]
    assert dr.texture_construct_mip(np.zeros((1, 6, 4, 1), np.float32)).sizes == [(6, 4), (3, 2)]


@pytest.mark.parametrize("filter_mode", ["nearest", "linear", "linear-mipmap-nearest", "linear-mipmap-linear"])
@pytest.mark.parametrize("boundary_mode", ["wrap", "clamp", "zero"])
def test_matches_reference(filter_mode, boundary_mode):
    rng = np.random.default_rng(2)
    tex = rng.uniform(size=(1, 16, 8, 3)).astype(np.float32)
    uv = rng.uniform(-0.3, 1.3, size=(2, 5, 6, 2)).astype(np.float32)
    uv_da = (rng.normal(size=(2, 5, 6, 4)) * rng.choice([0.01, 0.1, 0.5], size=(2, 5, 6, 1))).astype(np.float32)
    bias = rng.uniform(-1, 1, size=(2, 5, 6)).astype(np.float32)
    kw = dict(filter_mode=filter_mode, boundary_mode=boundary_mode)
    if "mipmap" in filter_mode:
        kw.update(uv_da=uv_da, mip_level_bias=bias)
    out = dr.texture(tex, uv, **kw)
    np.testing.assert_allclose(out, ref.texture(tex, uv, **kw), atol=2e-5)


def test_mip_level_from_bias_only_and_reuse():
    tex = np.random.default_rng(3).uniform(size=(2, 8, 8, 1)).astype(np.float32)
    uv = np.full((2, 1, 1, 2), 0.5, np.float32)
    top = dr.texture(tex, uv, mip_level_bias=np.full((2, 1, 1), 10.0, np.float32))  # clamped to 1x1
    np.testing.assert_allclose(top[:, 0, 0], tex.mean(axis=(1, 2)), atol=1e-6)
    mip = dr.texture_construct_mip(tex)
    again = dr.texture(tex, uv, mip=mip, mip_level_bias=np.full((2, 1, 1), 10.0, np.float32))
    np.testing.assert_array_equal(again, top)
    const = dr.texture(np.full((1, 8, 8, 2), 0.25, np.float32), np.random.default_rng(0).uniform(size=(1, 4, 4, 2)).astype(np.float32),
                       uv_da=np.full((1, 4, 4, 4), 0.3, np.float32))
    np.testing.assert_allclose(const, 0.25, atol=1e-6)


def test_torch_and_errors():
    torch = pytest.importorskip("torch")
    tex = np.ones((1, 4, 4, 3), np.float32)
    out = dr.texture(torch.from_numpy(tex), torch.zeros(1, 2, 2, 2))
    assert isinstance(out, torch.Tensor) and out.shape == (1, 2, 2, 3)
    nan = dr.texture(tex, np.full((1, 1, 1, 2), np.nan, np.float32))
    assert np.isnan(nan).all()
    with pytest.raises(ValueError, match="float32"):
        dr.texture(tex.astype(np.float64), np.zeros((1, 2, 2, 2), np.float32))
    with pytest.raises(ValueError, match="uv"):
        dr.texture(tex, np.zeros((1, 2, 2, 3), np.float32))
    with pytest.raises(ValueError, match="batch"):
        dr.texture(np.ones((2, 4, 4, 3), np.float32), np.zeros((3, 2, 2, 2), np.float32))
    with pytest.raises(ValueError, match="boundary_mode"):
        dr.texture(tex, np.zeros((1, 2, 2, 2), np.float32), boundary_mode="cube")
    with pytest.raises(ValueError, match="filter_mode"):
        dr.texture(tex, np.zeros((1, 2, 2, 2), np.float32), filter_mode="cubic")
    with pytest.raises(ValueError, match="tex"):
        dr.texture(np.ones((4, 4, 3), np.float32), np.zeros((1, 2, 2, 2), np.float32))
