"""Batch-1 skinning split with the helper thread (csrc/cpu/skin_pair.cpp): results equal the
single-thread path bit for bit, whichever thread computes which tiles; Python threads calling
at once get their own results; a forked child makes its own helper."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from handraster import _native
from _model_util import random_model

C = _native.native("cpu")


def _calls(n, seed):
    r = np.random.default_rng(seed)
    return [tuple(r.normal(size=(1, k)).astype(np.float32) for k in (45, 10, 3, 3)) for _ in range(n)]


def _single_thread(sm, calls):
    sm.threads_b1 = 1
    try:
        return [tuple(np.copy(x) for x in sm.forward(*a)) for a in calls]
    finally:
        sm.threads_b1 = 2


@pytest.mark.parametrize("V", [120, 778])
def test_pair_equals_single_thread(V):
    m = random_model(V=V, seed=V)
    sm = m._native_skin()
    assert sm.threads_b1 == 2  # the default
    calls = _calls(300, V)
    want = _single_thread(sm, calls)
    for a, (v, j) in zip(calls, want):  # helper, take-back or caller alone (a busy machine)
        got = sm.forward(*a)
        np.testing.assert_array_equal(got[0], v)
        np.testing.assert_array_equal(got[1], j)


# Run in a subprocess: mode 1 makes the caller wait for the helper however long it takes (a
# broken helper would hang: the timeout catches it), the helper there keeps the normal
# scheduling policy, and fork() is best kept out of pytest.
_SCRIPT = r"""
import os, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from _model_util import random_model
from handraster import _native
C = _native.native("cpu")
m = random_model(V=778, seed=3)
sm = m._native_skin()
r = np.random.default_rng(0)
calls = [tuple(r.normal(size=(1, k)).astype(np.float32) for k in (45, 10, 3, 3)) for _ in range(50)]
sm.threads_b1 = 1
want = [np.copy(sm.forward(*a)[0]) for a in calls]
sm.threads_b1 = 2

def check(tag):
    C._skin_pair_test_mode(1)  # the helper computes its whole half every call
    before = C._skin_pair_stats()[1]
    for a, w in zip(calls, want):
        assert np.array_equal(sm.forward(*a)[0], w), tag
    C._skin_pair_test_mode(0)
    assert C._skin_pair_stats()[1] - before >= 2 * len(calls), (tag, C._skin_pair_stats())
    for a, w in zip(calls, want):  # normal mode: helper, take-back or caller alone, same result
        assert np.array_equal(sm.forward(*a)[0], w), tag

check("parent")
pid = os.fork()
if pid == 0:
    try:
        check("child")  # the parent's helper thread is gone: the child makes its own
        os._exit(0)
    except BaseException as e:
        print("child failed:", repr(e), flush=True)
        os._exit(1)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, "child failed"
check("parent after fork")
print("ok")
"""


@pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="needs fork and 2 CPUs")
def test_helper_results_and_fork():
    env = dict(os.environ, HANDRASTER_SKIN_HELPER_IDLE="0")  # not starved by a busy machine
    r = subprocess.run([sys.executable, "-c", _SCRIPT, os.path.dirname(__file__)],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stdout + r.stderr


def test_concurrent_python_threads():
    """Threads share one helper: one owns it per call, the others run alone; every result is
    the caller's own. A batch-3 caller (the OpenMP path) runs alongside."""
    m = random_model(V=778, seed=5)
    sm = m._native_skin()
    per_thread = [_calls(150, 100 + t) for t in range(4)]
    want = [_single_thread(sm, c) for c in per_thread]
    r = np.random.default_rng(9)
    big = tuple(r.normal(size=(3, k)).astype(np.float32) for k in (45, 10, 3, 3))
    big_want = [np.copy(x) for x in sm.forward(*big)]
    errors = []

    def worker(t):
        try:
            for _ in range(3):
                for a, (v, j) in zip(per_thread[t], want[t]):
                    got = m.forward(*a)
                    if not (np.array_equal(got.vertices, v) and np.array_equal(got.joints, j)):
                        errors.append(t)
                        return
                b = m.forward(*big)
                if not np.array_equal(b.vertices, big_want[0]):
                    errors.append(t)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
