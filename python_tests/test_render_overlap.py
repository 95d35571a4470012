"""The renderer's overlap of Python with the shade op (scene/overlap.py): which batch is
prefetched, and that prefetched, guessed-wrong and plain batches are the same bytes."""
import numpy as np
import pytest

from _hand_util import hand_cache  # noqa: F401  (fixture)
from handraster.scene.config import SceneConfig
from handraster.scene.overlap import FrontPrefetch, NativeOverlap


def test_prefetch_expects_only_the_continuation_of_a_run():
    p = FrontPrefetch()
    assert p.take(np.arange(0, 4), 0) is None and p.expected is None  # one call: no run yet
    assert p.take(np.arange(4, 8), 0) is None
    np.testing.assert_array_equal(p.expected, np.arange(8, 12))      # 0..3, 4..7 -> 8..11
    p.store(p.expected, 0, "front")
    assert p.take(np.arange(8, 12), 1) is None  # another seed: not the prefetched batch
    assert p.expected is None                   # and the run is broken
    p.take(np.arange(12, 16), 1)
    p.store(p.expected, 1, "front2")
    assert p.take(np.arange(16, 20), 1) == "front2"
    assert p.take(np.array([20, 22, 21, 23]), 1) is None and p.expected is None  # not a run
    assert p.take(np.arange(24, 28), 1) is None and p.expected is None


def test_native_overlap_returns_the_call_result_and_errors():
    o = NativeOverlap()
    assert o.start(lambda a, b: a + b, 2, 3).result() == 5
    with pytest.raises(ZeroDivisionError):
        o.start(lambda: 1 / 0).result()


def _fields(b):
    return {k: v for k, v in vars(b).items() if isinstance(v, np.ndarray)}, b.params


@pytest.mark.parametrize("views", [1, 2])
def test_prefetched_batches_are_the_same_bytes(hand_cache, views):  # noqa: F811
    from handraster.scene.renderer import Renderer
    cfg = SceneConfig(resolution=(64, 64), object_prob=0.5, views=views)
    runs = [np.arange(0, 6), np.arange(6, 12), np.arange(12, 18), np.arange(18, 24)]
    r = Renderer(cfg)
    starts, front = [], r._front
    r._front = lambda idx, seed: starts.append(int(idx[0])) or front(idx, seed)
    seq = [r.render(i, seed=3) for i in runs]
    # calls 1 and 2 draw their own fronts; from then on each front is drawn (once) while the
    # previous batch shades, and calls 3 and 4 use them
    assert starts == [0, 6, 12, 18, 24]
    fresh = Renderer(cfg)
    for i, b in zip(runs[::-1], seq[::-1]):     # backwards: no run, nothing prefetched
        arrays, params = _fields(fresh.render(i, seed=3))
        ref_arrays, ref_params = _fields(b)
        assert arrays.keys() == ref_arrays.keys()
        for k in arrays:
            np.testing.assert_array_equal(arrays[k], ref_arrays[k], err_msg=k)
        assert params == ref_params
    assert fresh._prefetch._key is None
    # a wrong guess (the run continues with another seed) is discarded, not used
    other = r.render(np.arange(24, 30), seed=4)
    arrays, _ = _fields(other)
    expect, _ = _fields(fresh.render(np.arange(24, 30), seed=4))
    for k in arrays:
        np.testing.assert_array_equal(arrays[k], expect[k], err_msg=k)


def test_overlap_off_runs_everything_here():
    o = NativeOverlap(enabled=False)
    assert o.start(lambda a: a * 2, 4).result() == 8 and o._pool is None
    with pytest.raises(ZeroDivisionError):
        o.start(lambda: 1 / 0).result()
    p = FrontPrefetch(enabled=False)
    p.take(np.arange(0, 4), 0)
    p.take(np.arange(4, 8), 0)
    assert p.expected is None


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_overlap_works_in_a_forked_child():
    # a pool inherited through fork has no worker thread: the child must make its own
    import os
    o = NativeOverlap()
    assert o.start(lambda: 1).result() == 1
    pid = os.fork()
    if pid == 0:  # child: exit code 0 only if the call completes (SIGALRM ends a hang)
        import signal
        signal.alarm(20)
        try:
            os._exit(0 if o.start(lambda: 41 + 1).result(timeout=20) == 42 else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0  # not killed by the alarm, not 1 or 2
