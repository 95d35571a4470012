"""The disk cache of the built-in asset pools (scene/builtin_cache.py)."""
import numpy as np

from handraster.scene import builtin_cache
from handraster.scene.env_maps import _build_builtin_env, _builtin_env
from handraster.scene.image_pool import _build_builtin_pool, _builtin_pool


def test_cached_pools_equal_freshly_built_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDRASTER_CACHE", str(tmp_path))
    monkeypatch.delenv("HANDRASTER_NO_ASSET_CACHE", raising=False)
    for fn, build, args in ((_builtin_env, _build_builtin_env, (3, 2, 64)),
                            (_builtin_pool, _build_builtin_pool, (3, 2, 64))):
        fn.cache_clear()
        first = fn(*args)             # builds and writes the cache file
        fn.cache_clear()
        again = fn(*args)             # reads it back
        fresh = build(*args)
        for a in (first, again):
            np.testing.assert_array_equal(a.data, fresh.data)
            np.testing.assert_array_equal(a.offsets, fresh.offsets)
            np.testing.assert_array_equal(a.sizes, fresh.sizes)
            assert a.names == fresh.names and not a.data.flags.writeable
        fn.cache_clear()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2 and files[0].startswith("builtin_env-") and files[1].startswith("builtin_photos-")


def test_corrupt_cache_is_rebuilt_and_key_follows_parameters(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDRASTER_CACHE", str(tmp_path))
    monkeypatch.delenv("HANDRASTER_NO_ASSET_CACHE", raising=False)
    calls = []

    def build():
        calls.append(1)
        return {"x": np.arange(5)}
    mods = ("handraster.scene.builtin_cache",)
    a = builtin_cache.cached_arrays("t", mods, (1,), build)
    path = next(tmp_path.glob("t-*.npz"))
    b = builtin_cache.cached_arrays("t", mods, (1,), build)
    assert len(calls) == 1 and np.array_equal(a["x"], b["x"])
    path.write_bytes(b"garbage")
    c = builtin_cache.cached_arrays("t", mods, (1,), build)
    assert len(calls) == 2 and np.array_equal(c["x"], a["x"])
    builtin_cache.cached_arrays("t", mods, (2,), build)  # other parameters: another file
    assert len(calls) == 3 and len(list(tmp_path.glob("t-*.npz"))) == 2
    monkeypatch.setenv("HANDRASTER_NO_ASSET_CACHE", "1")
    builtin_cache.cached_arrays("t", mods, (1,), build)
    assert len(calls) == 4
