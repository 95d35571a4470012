"""handraster.augment.amplitude_spectrum against the literal PASTA twin
(handraster/_reference/spectral.py) with the same draws z."""
import numpy as np
import pytest
import torch

from handraster.augment import AmplitudeSpectrum, amplitude_spectrum
from handraster.augment.transforms import coin_flips
from handraster._reference import spectral as ref

SHAPES = [(2, 3, 8, 8), (3, 3, 7, 9), (2, 2, 6, 5), (2, 1, 9, 6), (1, 3, 1, 4), (2, 1, 2, 2),
          (2, 2, 5, 1), (1, 1, 3, 3)]
ATOL = 2e-6


def images(shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


def has_cuda():
    if not torch.cuda.is_available():
        return False
    try:
        from handraster._native import native
        native("cuda")
        return True
    except Exception:
        return False


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mode", ["per_channel", "const"])
def test_matches_reference_with_given_z(shape, mode):
    B, C, H, W = shape
    x = images(shape)
    z = np.random.default_rng(1).standard_normal((B, 1 if mode == "const" else C, H, W)).astype(np.float32)
    out = amplitude_spectrum(x, alpha=2.5, beta=0.3, k=2.0, mode=mode, z=z)
    np.testing.assert_allclose(out, ref.amplitude_spectrum(x, z, 2.5, 0.3, 2.0, mode), atol=ATOL, rtol=0)


@pytest.mark.parametrize("k", [0.0, 1.0, 1.5, 3.0])
def test_general_exponent_matches_reference(k):
    x = images((2, 3, 10, 7))
    z = np.random.default_rng(2).standard_normal((2, 3, 10, 7)).astype(np.float32)
    np.testing.assert_allclose(amplitude_spectrum(x, alpha=1.2, beta=0.1, k=k, z=z),
                               ref.amplitude_spectrum(x, z, 1.2, 0.1, k), atol=ATOL, rtol=0)


@pytest.mark.parametrize("shape", [(2, 3, 8, 12), (3, 2, 9, 7)])
@pytest.mark.parametrize("mode", ["per_channel", "const"])
def test_seeded_draws_match_twin_rng(shape, mode):
    B, C, H, W = shape
    x = images(shape, 3)
    ids = np.array([11, 4, 2**32 - 1][:B])
    out = amplitude_spectrum(x, mode=mode, seed=987654321, ids=ids)
    z = ref.spectral_z(B, 1 if mode == "const" else C, H, W, 987654321, ids)
    np.testing.assert_allclose(out, ref.amplitude_spectrum(x, z, mode=mode), atol=5e-6, rtol=0)


@pytest.mark.parametrize("shape", [(2, 3, 8, 12), (2, 2, 7, 9), (1, 3, 6, 5), (2, 1, 5, 1)])
@pytest.mark.parametrize("mode", ["per_channel", "const"])
@pytest.mark.parametrize("given_z", [False, True])
def test_cuda_work_items_match_cpu_row_pairs(shape, mode, given_z):
    """The flat 4-bin work items CUDA runs (SpectralMultiplyOp::run, here through the CPU's
    generic launcher) agree with the CPU's row-pair launcher."""
    from handraster._native import native
    B, C, H, W = shape
    rng = np.random.default_rng(14)
    spec = np.fft.rfft2(rng.random(shape)).astype(np.complex64)
    z = rng.standard_normal((B, 1 if mode == "const" else C, H, W)).astype(np.float32) if given_z else None
    ids = np.array([9, 2**31 + 5][:B], dtype=np.int64)
    outs = []
    for flat in (False, True):
        s = spec.copy()
        native("cpu").spectral_multiply(s.view(np.float32).reshape(s.shape + (2,)), W, z, ids, 1234,
                                        2.0, 0.3, 1.7, mode, 0, flat)
        outs.append(s)
    np.testing.assert_allclose(outs[1], outs[0], rtol=2e-6, atol=1e-6)
    assert np.abs(outs[0] - spec).max() > 1e-3


@pytest.mark.parametrize("shape", [(2, 3, 16, 16), (2, 2, 32, 8), (1, 1, 4, 64), (3, 2, 2, 2), (2, 3, 64, 128), (1, 2, 512, 256)])
@pytest.mark.parametrize("mode", ["per_channel", "const"])
def test_fused_cpu_path_matches_library_path_and_reference(shape, mode):
    """Power-of-two sizes run the fused native path (own lane FFTs); it must agree with the
    scipy-FFT path and with the literal twin, for given and seeded draws."""
    B, C, H, W = shape
    x = images(shape, 15)
    ids = np.arange(B) + 40
    fused = amplitude_spectrum(x, mode=mode, seed=77, ids=ids, fft_backend="native")
    lib = amplitude_spectrum(x, mode=mode, seed=77, ids=ids, fft_backend="scipy")
    np.testing.assert_allclose(fused, lib, atol=3e-6, rtol=0)
    z = np.random.default_rng(16).standard_normal((B, 1 if mode == "const" else C, H, W)).astype(np.float32)
    np.testing.assert_allclose(amplitude_spectrum(x, mode=mode, z=z, alpha=4.0, beta=0.5),
                               ref.amplitude_spectrum(x, z, 4.0, 0.5, 2.0, mode), atol=3e-6, rtol=0)


def test_out_argument_in_place_and_preallocated():
    x = images((3, 3, 16, 16), 17)
    want = amplitude_spectrum(x, seed=3)
    buf = np.empty_like(x)
    assert amplitude_spectrum(x, seed=3, out=buf) is buf
    np.testing.assert_array_equal(buf, want)
    y = x.copy()
    amplitude_spectrum(y, seed=3, out=y)  # in place
    np.testing.assert_array_equal(y, want)
    odd = images((2, 3, 7, 9), 18)  # library path
    o = np.empty_like(odd)
    amplitude_spectrum(odd, seed=3, out=o)
    np.testing.assert_array_equal(o, amplitude_spectrum(odd, seed=3))
    t = torch.from_numpy(x.copy())
    amplitude_spectrum(t, seed=3, out=t)
    np.testing.assert_array_equal(t.numpy(), want)
    bad = x.copy()
    bad[2, 1, 3, 3] = 1.5
    with pytest.raises(ValueError, match="must lie in \\[0, 1\\]"):
        amplitude_spectrum(bad, seed=3, out=bad)
    assert bad[2, 1, 3, 3] == 1.5 and np.array_equal(bad[0], x[0])  # nothing overwritten
    single = x[1].copy()
    amplitude_spectrum(single, seed=3, ids=[1], out=single)
    np.testing.assert_array_equal(single, want[1])


def test_reference_is_pastas_recipe():
    """The twin with z equals PASTA's per-image recipe with numpy's normal(1, sigma) draws."""
    x = images((3, 9, 8), 4).astype(np.float64)
    got = ref.amplitude_spectrum_pasta_style(x, 3.0, 0.25, 2, rng=np.random.default_rng(5))
    z = np.random.default_rng(5).standard_normal((1, 3, 9, 8))
    np.testing.assert_allclose(got, ref.amplitude_spectrum(x[None], z)[0], atol=1e-12)


def test_pasta_grid_golden():
    # even 4: [-1, 0, 0, 1] -> fftshift [0, 1, -1, 0]; odd 5: [-2..2] -> [1, 2, -2, -1, 0]
    np.testing.assert_array_equal(np.fft.fftshift(ref.pasta_axis_grid(4)), [0, 1, -1, 0])
    np.testing.assert_array_equal(np.fft.fftshift(ref.pasta_axis_grid(5)), [1, 2, -2, -1, 0])
    s = ref.pasta_sigma(1, 5, alpha=2.0, beta=0.5, k=1.0)  # r_max = 2
    np.testing.assert_allclose(s[0], [1.5, 2.5, 2.5, 1.5, 0.5])


def test_ids_make_each_image_independent_of_the_batch():
    x = images((3, 3, 16, 16), 6)
    full = amplitude_spectrum(x, seed=42, ids=[7, 8, 9])
    alone = amplitude_spectrum(x[1:2], seed=42, ids=[8])
    np.testing.assert_array_equal(full[1:2], alone)
    other = amplitude_spectrum(x[1:2], seed=43, ids=[8])
    assert np.abs(other - alone).max() > 1e-3
    default = amplitude_spectrum(x, seed=42)  # ids default to 0..B-1
    np.testing.assert_array_equal(default, amplitude_spectrum(x, seed=42, ids=[0, 1, 2]))


def test_identity_when_alpha_and_beta_are_zero():
    x = images((2, 3, 12, 9), 7)
    np.testing.assert_allclose(amplitude_spectrum(x, alpha=0.0, beta=0.0, seed=1), x, atol=2e-6)


def test_output_range_dtype_and_single_image():
    x = images((3, 20, 20), 8).astype(np.float64)
    out = amplitude_spectrum(x, alpha=6.0, beta=1.0, seed=3)
    assert out.dtype == np.float64 and out.shape == x.shape
    assert out.min() >= 0.0 and out.max() <= 1.0 and (out == 0).any() and (out == 1).any()
    assert np.abs(out - x).mean() > 0.01  # it did something


def test_torch_cpu_numpy_and_torch_fft_agree():
    x = images((2, 3, 16, 12), 9)
    a = amplitude_spectrum(x, seed=5)
    t = amplitude_spectrum(torch.from_numpy(x), seed=5)
    tt = amplitude_spectrum(torch.from_numpy(x), seed=5, fft_backend="torch")
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32 and t.device.type == "cpu"
    np.testing.assert_allclose(t.numpy(), a, atol=1e-6)
    np.testing.assert_allclose(tt.numpy(), a, atol=2e-6)
    h = amplitude_spectrum(torch.from_numpy(x).to(torch.float64).requires_grad_(), seed=5)
    assert h.dtype == torch.float64 and not h.requires_grad
    n = amplitude_spectrum(x, seed=5, fft_backend="numpy")
    np.testing.assert_allclose(n, a, atol=2e-6)


def test_generator_and_global_seed_reproducible():
    x = images((2, 3, 8, 8), 10)
    a = amplitude_spectrum(x, generator=np.random.default_rng(3))
    b = amplitude_spectrum(x, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    g1, g2 = torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    np.testing.assert_array_equal(amplitude_spectrum(torch.from_numpy(x), generator=g1),
                                  amplitude_spectrum(torch.from_numpy(x), generator=g2))
    np.random.seed(1)
    c = amplitude_spectrum(x)
    np.random.seed(1)
    np.testing.assert_array_equal(c, amplitude_spectrum(x))


def test_transform_class_p_and_ids():
    x = images((4, 3, 8, 8), 11)
    t = AmplitudeSpectrum(alpha=3.0, beta=0.25, k=2.0, p=1.0, seed=9)
    np.testing.assert_array_equal(t(x, ids=[1, 2, 3, 4]), amplitude_spectrum(x, seed=9, ids=[1, 2, 3, 4]))
    np.testing.assert_array_equal(AmplitudeSpectrum(p=0.0, seed=9)(x), x)
    half = AmplitudeSpectrum(p=0.5, seed=9)
    out = half(x, ids=np.arange(4))
    changed = [not np.array_equal(out[i], x[i]) for i in range(4)]
    again = half(x[2:3], ids=[2])  # the coin of image 2 depends on (seed, id) only
    np.testing.assert_array_equal(again[0], out[2])
    assert changed == [not np.array_equal(half(x[i:i + 1], ids=[i])[0], x[i]) for i in range(4)]
    single = t(x[0], ids=[5])
    assert single.shape == x[0].shape
    assert "alpha=3.0" in repr(t)


def test_transform_on_generator_renders_hwc_uint8():
    rgb = (images((2, 12, 10, 3), 13) * 255).astype(np.uint8)
    t = AmplitudeSpectrum(seed=21, mode="const")
    out = t.apply_hwc(rgb, ids=[4, 5])
    assert out.dtype == np.uint8 and out.shape == rgb.shape
    chw = rgb.transpose(0, 3, 1, 2).astype(np.float32) / 255
    want = amplitude_spectrum(chw, mode="const", seed=21, ids=[4, 5]).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(out, (want * 255 + 0.5).astype(np.uint8))
    tout = t.apply_hwc(torch.from_numpy(rgb), ids=[4, 5])
    assert tout.dtype == torch.uint8 and np.abs(tout.numpy().astype(int) - out).max() <= 1
    cfg = AmplitudeSpectrum.from_config({"alpha": 2.0, "p": 0.5}, seed=3)
    assert (cfg.alpha, cfg.p, cfg.seed, cfg.beta) == (2.0, 0.5, 3, 0.25)
    with pytest.raises(ValueError, match="unknown keys \\['gamma'\\]"):
        AmplitudeSpectrum.from_config({"gamma": 1})


@pytest.mark.parametrize("mode", ["per_channel", "const"])
@pytest.mark.parametrize("shape", [(5, 16, 32, 3), (3, 8, 8, 1), (2, 64, 16, 4)])
def test_native_uint8_path_equals_float_path(mode, shape):
    """Power-of-two uint8 renders take pasta_fused_u8 (in place, only the coin-selected
    images): the bytes equal the float path's, up to one level at rounding ties."""
    rgb = (images((shape[0], shape[3], shape[1], shape[2]), 31) * 255).astype(np.uint8)
    rgb = np.ascontiguousarray(rgb.transpose(0, 2, 3, 1))
    ids = np.array([7, 3, 11, 2, 40][: shape[0]])
    t = AmplitudeSpectrum(seed=5, mode=mode, p=0.6)
    out = t.apply_hwc(rgb, ids=ids)
    assert out is not rgb and out.dtype == np.uint8 and out.shape == rgb.shape
    chw = rgb.transpose(0, 3, 1, 2).astype(np.float32) / 255
    want = (t(chw, ids=ids).transpose(0, 2, 3, 1) * 255 + 0.5).astype(np.uint8)  # the float path
    d = np.abs(out.astype(int) - want)
    assert d.max() <= 1 and (d == 0).mean() > 0.999
    sel = coin_flips(5, ids, 0.6)
    np.testing.assert_array_equal(out[~sel], rgb[~sel])  # not selected: untouched bytes
    assert all(not np.array_equal(out[i], rgb[i]) for i in np.flatnonzero(sel))
    again = rgb.copy()
    assert t.apply_hwc(again, ids=ids, inplace=True) is again
    np.testing.assert_array_equal(again, out)  # in place = out of place, deterministic
    one = t.apply_hwc(rgb[1], ids=ids[1:2])
    np.testing.assert_array_equal(one, out[1])  # batch composition does not matter


def test_native_uint8_path_rejects_bad_arguments():
    from handraster._native import native
    rgb = np.zeros((2, 8, 8, 3), np.uint8)
    mod = native("cpu")
    with pytest.raises(ValueError, match="which"):
        mod.pasta_fused_u8(rgb, np.array([0, 2]), None, 1, 3.0, 0.25, 2.0, "const")
    with pytest.raises(ValueError, match="powers of two"):
        mod.pasta_fused_u8(np.zeros((1, 6, 8, 3), np.uint8), None, None, 1, 3.0, 0.25, 2.0, "const")
    with pytest.raises(ValueError, match="rgb"):
        mod.pasta_fused_u8(rgb.astype(np.float32), None, None, 1, 3.0, 0.25, 2.0, "const")
    ro = rgb.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="rgb"):
        mod.pasta_fused_u8(ro, None, None, 1, 3.0, 0.25, 2.0, "const")


def test_bad_inputs_get_clear_errors():
    x = images((2, 3, 8, 8))
    with pytest.raises(ValueError, match="must be \\[B, C, H, W\\] or \\[C, H, W\\]"):
        amplitude_spectrum(x[0, 0])
    with pytest.raises(ValueError, match="float.*uint8"):
        amplitude_spectrum((x * 255).astype(np.uint8))
    with pytest.raises(ValueError, match="must lie in \\[0, 1\\]"):
        amplitude_spectrum(x * 2)
    bad = x.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="must lie in \\[0, 1\\]"):
        amplitude_spectrum(bad)
    with pytest.raises(ValueError, match="mode must be one of"):
        amplitude_spectrum(x, mode="global")
    with pytest.raises(ValueError, match="alpha must be finite and >= 0"):
        amplitude_spectrum(x, alpha=-1)
    with pytest.raises(ValueError, match="z must have shape \\[B, 1, H, W\\]"):
        amplitude_spectrum(x, mode="const", z=np.zeros((2, 3, 8, 8), np.float32))
    for backend, op in (("auto", "pasta_fused"), ("scipy", "spectral_multiply")):
        with pytest.raises(ValueError, match=op + ".*'ids'.*\\[0, 2\\^32\\)"):
            amplitude_spectrum(x, seed=1, ids=[-1, 0], fft_backend=backend)
        with pytest.raises(ValueError, match=op + ".*'ids'.*\\[B\\]"):
            amplitude_spectrum(x, seed=1, ids=[0, 1, 2], fft_backend=backend)
    odd = images((2, 3, 7, 9))  # the library path checks the range before its FFTs
    with pytest.raises(ValueError, match="must lie in \\[0, 1\\], got values in \\[-0\\.9"):
        amplitude_spectrum(odd - 1)
    with pytest.raises(ValueError, match="fft_backend='native' needs CPU images whose H and W are powers"):
        amplitude_spectrum(odd, fft_backend="native")
    with pytest.raises(ValueError, match="fft_backend must be one of"):
        amplitude_spectrum(x, fft_backend="fftw")
    with pytest.raises(ValueError, match="out must be a C-contiguous float32 array"):
        amplitude_spectrum(x, out=np.empty((2, 3, 8, 8), np.float64))
    with pytest.raises(TypeError, match="generator must be"):
        amplitude_spectrum(x, generator="seed")
    with pytest.raises(ValueError, match="p must be in \\[0, 1\\]"):
        AmplitudeSpectrum(p=2.0)


@pytest.mark.skipif(not has_cuda(), reason="needs a CUDA device and handraster._C_cuda")
def test_cuda_matches_cpu():
    x = images((3, 3, 16, 10), 12)
    cpu = amplitude_spectrum(x, seed=77, ids=[3, 4, 5])
    for mode in ("per_channel", "const"):
        cpu = amplitude_spectrum(x, seed=77, ids=[3, 4, 5], mode=mode)
        gpu = amplitude_spectrum(torch.from_numpy(x).cuda(), seed=77, ids=[3, 4, 5], mode=mode)
        assert gpu.is_cuda and gpu.dtype == torch.float32
        np.testing.assert_allclose(gpu.cpu().numpy(), cpu, atol=1e-5)
    z = np.random.default_rng(0).standard_normal((3, 3, 16, 10)).astype(np.float32)
    gpu = amplitude_spectrum(torch.from_numpy(x).cuda(), z=torch.from_numpy(z).cuda())
    np.testing.assert_allclose(gpu.cpu().numpy(), ref.amplitude_spectrum(x, z), atol=1e-5)
