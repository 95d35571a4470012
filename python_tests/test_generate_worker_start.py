"""Worker processes: forked on CPU runs (spawned for CUDA or when asked), one OpenMP thread
each even when the parent's OpenMP team is already running, and the same bytes either way."""
import numpy as np
import pytest

from _generate_util import small_config, tree_bytes
from handraster import _native
from handraster.generate import generate
from handraster.generate.workers import WorkerPool, start_method

N = 30


def _threads_in_worker():
    return _native.native("cpu").get_num_threads()


def _run_parallel_region_here():
    """Load the CPU module and run a kernel on a 2-thread team in this (parent) process."""
    C = _native.native("cpu")
    C.set_num_threads(2)
    imgs = np.zeros((8, 16, 16), np.uint8)
    C.png_deflate(imgs, 0, 1.0, np.empty((8, C.png_deflate_bound(16 * 17)), np.uint8), np.empty(8, np.int64))


def test_start_method_choice(monkeypatch):
    monkeypatch.delenv("HANDRASTER_WORKER_START", raising=False)
    assert start_method("cuda") == "spawn"
    assert start_method("cpu") in ("fork", "spawn")
    monkeypatch.setenv("HANDRASTER_WORKER_START", "spawn")
    assert start_method("cpu") == "spawn"


@pytest.mark.skipif(start_method("cpu") != "fork", reason="no fork on this platform")
def test_forked_workers_run_one_thread_after_the_parent_used_openmp():
    _run_parallel_region_here()
    pool = WorkerPool(2, start_method="fork")
    try:
        got = [pool._ex.submit(_threads_in_worker).result(timeout=60) for _ in range(4)]
    finally:
        pool.close()
    assert got == [1, 1, 1, 1]
    assert _native.native("cpu").get_num_threads() == 2     # the parent's own setting stays
    with pytest.raises(ValueError, match="set_num_threads"):
        _native.native("cpu").set_num_threads(0)


def test_fork_and_spawn_workers_write_the_same_bytes(tmp_path, monkeypatch):
    _run_parallel_region_here()
    cfg = small_config()
    generate(cfg, N, tmp_path / "one", progress=False)
    monkeypatch.setenv("HANDRASTER_WORKER_START", "fork")
    generate(cfg, N, tmp_path / "fork", workers=2, progress=False)
    monkeypatch.setenv("HANDRASTER_WORKER_START", "spawn")
    generate(cfg, N, tmp_path / "spawn", workers=2, progress=False)
    ref = tree_bytes(tmp_path / "one")
    assert tree_bytes(tmp_path / "fork") == ref and tree_bytes(tmp_path / "spawn") == ref
