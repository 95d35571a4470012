"""Backends that run shard tasks: in this process, or in W worker processes. Workers are forked
on Linux when the run is on the CPU (they start without re-importing the package: ~0.3 s of CPU
and wall each on the 2-core VM) and spawned otherwise, so CUDA stays usable (environment
HANDRASTER_WORKER_START=spawn|fork overrides). Either way each worker sets its own OpenMP team
(one thread by default). Each yields ShardResults as shards finish
and reports per-batch sample counts through ``on_progress``. Worker processes ignore Ctrl-C:
the parent decides, terminates them and removes their temporary files (runner.py). A worker
that dies (killed, out of memory, cannot start) fails the run instead of hanging it."""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterator, List, Optional

from handraster.generate.shard_job import ShardResult, ShardTask, run_shard

_progress_queue = None  # set in each worker process


class WorkerError(RuntimeError):
    """A worker process died or could not start."""


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
        native = sys.modules.get("handraster._C")
        if native is not None:  # forked after the parent loaded it: libgomp read its env already
            native.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))


def _report(n: int) -> None:
    _progress_queue.put(n)


def _work(task: ShardTask) -> ShardResult:
    return run_shard(task, _report)


def start_method(device: str) -> str:
    """'fork' for CPU runs where the platform has it, else 'spawn' (see the module doc)."""
    env = os.environ.get("HANDRASTER_WORKER_START", "")
    if env in ("spawn", "fork"):
        return env
    cpu = not str(device or "cpu").startswith("cuda")
    return "fork" if cpu and "fork" in mp.get_all_start_methods() else "spawn"


class WorkerPool:
    """W worker processes (start_method: fork or spawn) running shard tasks. ``terminate()``
    stops them at once (Ctrl-C, first error); ``close()`` waits for them to exit."""

    def __init__(self, workers: int, threads_per_worker: Optional[int] = 1, start_method: str = "spawn"):
        ctx = mp.get_context(start_method)
        self._queue = ctx.Queue()
        self._ex = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                       initargs=(self._queue, threads_per_worker))
        self._open = True

    def run(self, tasks: List[ShardTask], on_progress: Callable[[int], None]) -> Iterator[ShardResult]:
        pending = {self._ex.submit(_work, t) for t in tasks}
        while pending:
            done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            self._drain(on_progress)
            for fut in done:
                try:
                    yield fut.result()   # re-raises a worker's exception here
                except BrokenProcessPool:
                    raise WorkerError("a worker process died or could not start (killed, out of memory, "
                                      "or the main module cannot be re-imported by a spawned process, "
                                      "e.g. a script read from stdin)") from None
        self._drain(on_progress)

    def _drain(self, on_progress) -> None:
        try:
            while True:
                on_progress(self._queue.get_nowait())
        except queue.Empty:
            pass

    def terminate(self) -> None:
        if self._open:
            self._open = False
            procs = list((getattr(self._ex, "_processes", None) or {}).values())
            self._ex.shutdown(wait=False, cancel_futures=True)
            for p in procs:   # running shards are abandoned: the runner removes their temp files
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join(5)

    def close(self) -> None:
        if self._open:
            self._open = False
            self._ex.shutdown(wait=True)
