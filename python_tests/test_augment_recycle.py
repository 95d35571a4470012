"""Recycled result buffers of the fused PASTA path (handraster/augment/_recycle.py)."""
import numpy as np
import pytest

from handraster.augment import _recycle, amplitude_spectrum

torch = pytest.importorskip("torch")

SHAPE = (2, 3, 512, 512)  # 6 MB: above _recycle.MIN_BYTES


def _ptr(a):
    return a.__array_interface__["data"][0]


def test_dead_result_memory_is_reused_live_one_never():
    _recycle._pool.clear()
    x = np.random.default_rng(0).random(SHAPE, dtype=np.float32)
    a = amplitude_spectrum(x, seed=1)
    want = a.copy()
    b = amplitude_spectrum(x, seed=1)  # a is alive: b must get other memory
    assert _ptr(a) != _ptr(b) and not np.shares_memory(a, b)
    np.testing.assert_array_equal(b, want)
    pa = _ptr(a)
    view = a[1]
    del a
    assert _recycle.pooled_bytes() == 0  # a view still holds it
    del view
    assert _recycle.pooled_bytes() == 4 * int(np.prod(SHAPE))
    c = amplitude_spectrum(x, seed=2)  # takes a's old buffer, fully overwritten
    assert _ptr(c) == pa and _recycle.pooled_bytes() == 0
    np.testing.assert_array_equal(c, amplitude_spectrum(x, seed=2))
    assert c.flags.writeable and c.flags.c_contiguous and c.dtype == np.float32


def test_torch_results_keep_their_buffer_alive():
    _recycle._pool.clear()
    x = torch.rand(SHAPE)
    t = amplitude_spectrum(x, seed=3)
    want = t.clone()
    del x
    _ = amplitude_spectrum(torch.rand(SHAPE), seed=4)  # must not reuse t's memory
    assert t.data_ptr() != _.data_ptr()
    assert torch.equal(t, want)
    ptr = t.data_ptr()
    del t
    assert amplitude_spectrum(want, seed=5).data_ptr() == ptr


def test_pool_limits_and_opt_out(monkeypatch):
    _recycle._pool.clear()
    arrays = [_recycle.empty_f32(SHAPE) for _ in range(_recycle.KEEP_PER_SIZE + 2)]
    del arrays
    assert _recycle.pooled_bytes() == _recycle.KEEP_PER_SIZE * 4 * int(np.prod(SHAPE))
    small = _recycle.empty_f32((4, 4))
    assert small.base is None  # small arrays: plain np.empty
    monkeypatch.setenv("HANDRASTER_RECYCLE_OUTPUTS", "0")
    assert _recycle.empty_f32(SHAPE).base is None


def test_recycled_results_are_line_aligned_and_equal_unaligned_out():
    """Recycled buffers are 64-byte aligned, so the native writer streams whole lines
    (AVX-512 streaming stores); an unaligned out= takes the plain loop: same bits."""
    _recycle._pool.clear()
    x = np.random.default_rng(1).random(SHAPE, dtype=np.float32)
    a = amplitude_spectrum(x, seed=6)
    assert _ptr(a) % 64 == 0
    b = np.empty(x.size + 1, np.float32)[1:].reshape(SHAPE)
    assert _ptr(b) % 64 != 0
    amplitude_spectrum(x, seed=6, out=b)
    np.testing.assert_array_equal(a, b)
    c = amplitude_spectrum(x, seed=6, mode="const")
    amplitude_spectrum(x, seed=6, mode="const", out=b)
    np.testing.assert_array_equal(c, b)
