"""Overlap of the renderer's serial Python with its longest native call.

Why: on a 2-core machine a batch costs about (serial Python) + (native work) / 2 of wall time.
The native ops release the GIL and use every core through OpenMP, but the Python between them
(sampling the next scenes, framing the cameras, describing the samples) runs on one core while
the others wait. The shade op is the longest native call of a batch (~40 % of its CPU), so the
renderer runs it on a worker thread and meanwhile does Python work that does not depend on its
output: this batch's parameter records and the front half (sampling, skinning, framing) of the
batch it expects next. All Python stays on the calling thread; the worker runs one native call.

FrontPrefetch decides which batch to expect: the continuation of a run of consecutive indices
(the benchmark's and the generator's pattern). A batch is a pure function of (config, seed,
indices), so a prefetched front half is used only for exactly those indices and seed, and a
wrong guess costs CPU, never a different result. No guess is made until two calls in a row
continue each other, so callers with other index patterns pay nothing.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np


class NativeOverlap:
    """One worker thread that runs one GIL-releasing native call at a time."""

    def __init__(self, enabled: bool = True):
        self._pool: ThreadPoolExecutor | None = None
        self._pid = None
        self.enabled = enabled

    def start(self, fn, *args) -> Future:
        """Runs fn(*args) on the worker and returns once the worker holds the call: without the
        wait, the caller's Python would keep the GIL for up to a switch interval (5 ms) before
        the worker could even enter the native op. Disabled: runs it here, now."""
        if not self.enabled:
            fut = Future()
            try:
                fut.set_result(fn(*args))
            except BaseException as e:  # noqa: BLE001 - handed to the caller by result()
                fut.set_exception(e)
            return fut
        if self._pool is None or self._pid != os.getpid():
            # (re)made in this process: a pool inherited through fork has no thread behind it,
            # and a job queued on it would never start
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="handraster-shade")
            self._pid = os.getpid()
        entered = threading.Event()

        def job():
            entered.set()  # the caller wakes once the native call has released the GIL
            return fn(*args)

        fut = self._pool.submit(job)
        entered.wait()
        return fut


class FrontPrefetch:
    """The front half of the batch expected next (see the module docstring)."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._end = None    # (seed, index after the last call's last index) of a consecutive run
        self._key = None    # (seed, first index, count) of the prefetched batch
        self._front = None
        self.expected = None  # int64 [B]: the indices take() expects next, or None

    @staticmethod
    def _run(idx: np.ndarray):
        """(first, count) when idx is first, first + 1, ..., else None."""
        if len(idx) == 0 or not np.array_equal(idx, np.arange(idx[0], idx[0] + len(idx))):
            return None
        return int(idx[0]), len(idx)

    def take(self, idx: np.ndarray, seed: int):
        """The prefetched front half for (idx, seed), or None; records the call for next()."""
        run = self._run(idx)
        hit = run is not None and self._key == (int(seed), *run)
        front = self._front if hit else None
        self._key = self._front = None
        self.expected = None
        if self.enabled and run is not None and self._end == (int(seed), run[0]):
            self.expected = np.arange(run[0] + run[1], run[0] + 2 * run[1], dtype=np.int64)
        self._end = (int(seed), run[0] + run[1]) if run is not None else None
        return front

    def store(self, idx: np.ndarray, seed: int, front) -> None:
        self._key = (int(seed), int(idx[0]), len(idx))
        self._front = front
