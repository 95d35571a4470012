"""Backends that run shard tasks: in this process, or in W worker processes (spawn context, so
no state is shared by fork and CUDA stays usable). Each yields ShardResults as shards finish
and reports per-batch sample counts through ``on_progress``. Worker processes ignore Ctrl-C:
the parent decides, terminates them and removes their temporary files (runner.py)."""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
from typing import Callable, Iterator, List, Optional

from handraster.generate.shard_job import ShardResult, ShardTask, run_shard

_progress_queue = None  # set in each worker process


def run_inline(tasks: List[ShardTask], on_progress: Callable[[int], None]) -> Iterator[ShardResult]:
    """One shard after the other in this process."""
    for task in tasks:
        yield run_shard(task, on_progress)


def _init_worker(q, threads: Optional[int]) -> None:
    global _progress_queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _progress_queue = q
    if threads:  # one OpenMP (and torch, which reads it at import) thread per worker by default
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))


def _report(n: int) -> None:
    _progress_queue.put(n)


def _work(task: ShardTask) -> ShardResult:
    return run_shard(task, _report)


class WorkerPool:
    """W spawned processes running shard tasks; use as a context manager. ``terminate()``
    stops them at once (used on Ctrl-C and on the first error)."""

    def __init__(self, workers: int, threads_per_worker: Optional[int] = 1):
        ctx = mp.get_context("spawn")
        self._queue = ctx.Queue()
        self._pool = ctx.Pool(workers, initializer=_init_worker, initargs=(self._queue, threads_per_worker))
        self._open = True

    def run(self, tasks: List[ShardTask], on_progress: Callable[[int], None]) -> Iterator[ShardResult]:
        pending = [self._pool.apply_async(_work, (t,)) for t in tasks]
        while pending:
            self._drain(on_progress, timeout=0.1)
            still = []
            for r in pending:
                if r.ready():
                    self._drain(on_progress)
                    yield r.get()  # re-raises a worker's exception here
                else:
                    still.append(r)
            pending = still
        self._drain(on_progress)

    def _drain(self, on_progress, timeout: float = 0.0) -> None:
        try:
            n = self._queue.get(timeout=timeout) if timeout else self._queue.get_nowait()
            on_progress(n)
            while True:
                on_progress(self._queue.get_nowait())
        except queue.Empty:
            pass

    def terminate(self) -> None:
        if self._open:
            self._open = False
            self._pool.terminate()
            self._pool.join()

    def close(self) -> None:
        if self._open:
            self._open = False
            self._pool.close()
            self._pool.join()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.terminate()
        return False
