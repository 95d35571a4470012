"""Philox4x32-10 (csrc/common/rng.h) and normal4 (csrc/kernels/philox.h) against the numpy
twin handraster/_reference/rng.py and Random123's known-answer vectors."""
import numpy as np
import pytest

from handraster._native import native
from handraster._reference import rng as ref

# Random123 kat_vectors, philox4x32_10: (key as 64-bit seed, counter) -> output words.
KAT = [
    (0, (0, 0, 0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    (0xFFFFFFFFFFFFFFFF, (0xFFFFFFFF,) * 4, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (0x299F31D0A4093822, (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


def native_blocks(counters, seed):
    counters = np.ascontiguousarray(counters, dtype=np.int64)
    words = np.empty_like(counters)
    normals = np.empty(counters.shape, np.float32)
    native("cpu").philox_blocks(counters, seed, words, normals)
    return words, normals


@pytest.mark.parametrize("seed,counter,expect", KAT)
def test_known_answers_twin_and_native(seed, counter, expect):
    assert tuple(int(w) for w in ref.philox4x32_10(seed, *counter)) == expect
    words, _ = native_blocks(np.array([counter]), seed)
    assert tuple(int(w) for w in words[0]) == expect


def test_native_matches_twin_bit_for_bit_and_normals_closely():
    rng = np.random.default_rng(0)
    counters = rng.integers(0, 2**32, size=(4096, 4), dtype=np.int64)
    seed = 0x1234_5678_9ABC_DEF0
    words, normals = native_blocks(counters, seed)
    twin = np.stack(ref.philox4x32_10(seed, *counters.T), axis=-1)
    np.testing.assert_array_equal(words, twin.astype(np.int64))
    np.testing.assert_allclose(normals, ref.normal4(seed, *counters.T), rtol=0, atol=1e-5)


def test_uniforms_never_zero():
    # Never 0 (log is safe). NB: the top word rounds to exactly 1.0 in float32
    # (1 - 2^-25 is a tie between 1 - 2^-24 and 1), so rng.h's "never 1" does not hold;
    # Box-Muller only needs u > 0 for its log.
    u = ref.u32_to_uniform(np.array([0, 255, 0xFFFFFFFF], dtype=np.uint32))
    assert u[0] == u[1] == np.float32(2.0**-25) and u[2] == 1.0


def test_normals_are_standard():
    counters = np.stack([np.arange(50_000), np.zeros(50_000), np.ones(50_000), np.full(50_000, 7)],
                        axis=-1)
    _, n = native_blocks(counters, 99)
    n = n.ravel()
    assert abs(n.mean()) < 0.01 and abs(n.std() - 1) < 0.01
    # the four words of a block are independent: neighbouring draws uncorrelated
    assert abs(np.corrcoef(n[0::4], n[1::4])[0, 1]) < 0.02
    assert abs(np.corrcoef(n[0::4], n[2::4])[0, 1]) < 0.02
    assert abs((np.abs(n) > 3).mean() - 0.0027) < 0.001  # tails of N(0, 1)


def test_counter_out_of_range_is_rejected():
    with pytest.raises(ValueError, match="philox_blocks.*counters.*2\\^32"):
        native_blocks(np.array([[2**32, 0, 0, 0]]), 1)
    with pytest.raises(ValueError, match="philox_blocks.*counters.*\\[N, 4\\]"):
        native_blocks(np.zeros((3, 3)), 1)


def _has_avx512():
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return all(f" {x}" in flags for x in ("avx512f", "avx512vl", "avx512bw", "avx512dq"))


@pytest.mark.skipif(not _has_avx512(), reason="needs an AVX-512 CPU to run both draw paths")
def test_avx512_draw_rows_equal_the_portable_ones(tmp_path):
    """cpu/spectral_rows.h draws with AVX-512 intrinsics at ISA level 3 and with the portable
    loops below it (HANDRASTER_CPU_ISA=2): the augmentations, hence the draws, must be equal
    bit for bit. Widths cover partial and multiple 32-block batches; (6, 10) the scipy path."""
    import os
    import subprocess
    import sys
    code = ("import numpy as np, sys; from handraster.augment import amplitude_spectrum;"
            "r = np.random.default_rng(0); outs = [];"
            "shapes = [(1, 2, 8, 512), (2, 3, 16, 16), (1, 2, 4, 4), (1, 1, 6, 10), (1, 2, 2, 200)];"
            "[outs.append(amplitude_spectrum(r.random(s, dtype=np.float32), seed=2**40 + 5, mode=m)"
            ".ravel()) for s in shapes for m in ('per_channel', 'const')];"
            "np.save(sys.argv[1], np.concatenate(outs))")
    outs = []
    for isa in ("2", "3"):
        path = str(tmp_path / f"isa{isa}.npy")
        subprocess.run([sys.executable, "-c", code, path], check=True,
                       env=dict(os.environ, HANDRASTER_CPU_ISA=isa))
        outs.append(np.load(path))
    np.testing.assert_array_equal(outs[0], outs[1])
