"""Ray backend: one Ray task per shard (``pip install handraster[ray]``).

Every task writes its shard and record straight into the output folder, so the folder must be
visible at the same path on every node (a shared filesystem: NFS, Lustre, a mounted bucket);
the driver only collects records and rebuilds the manifest. Progress is counted per shard.
``address``: None/'local' starts a local instance (bound to 127.0.0.1), 'auto' joins the
cluster this machine belongs to, 'ray://host:10001' or 'host:6379' a remote one.
"""
from __future__ import annotations

from typing import Callable, Iterator, List, Optional

from handraster.generate.shard_job import ShardResult, ShardTask, run_shard


def _require_ray():
    try:
        import ray
    except ImportError:
        raise RuntimeError("--ray needs the 'ray' package: pip install 'handraster[ray]'") from None
    return ray


def _run_shard_remote(task: ShardTask) -> ShardResult:
    return run_shard(task, None)


class RayBackend:
    """Connects on construction (unless Ray is already initialised), runs shard tasks with
    ``run``, cancels them with ``terminate``; ``close`` disconnects if it connected."""

    def __init__(self, address: Optional[str] = None, num_cpus: Optional[int] = None,
                 cpus_per_task: float = 1.0, num_gpus_per_task: float = 0.0):
        ray = self.ray = _require_ray()
        self._owns = False
        if not ray.is_initialized():
            kw = dict(include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
            if address in (None, "", "local"):
                kw.update(address="local", _node_ip_address="127.0.0.1", num_cpus=num_cpus)
            else:
                kw.update(address=address)
            ray.init(**kw)
            self._owns = True
        self._remote = ray.remote(num_cpus=cpus_per_task, num_gpus=num_gpus_per_task,
                                  max_retries=0)(_run_shard_remote)
        self._refs: list = []

    def run(self, tasks: List[ShardTask], on_progress: Callable[[int], None]) -> Iterator[ShardResult]:
        ray = self.ray
        self._refs = [self._remote.remote(t) for t in tasks]
        pending = list(self._refs)
        while pending:
            ready, pending = ray.wait(pending, num_returns=1, timeout=0.5)
            for ref in ready:
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayTaskError as e:  # re-raise the task's own exception
                    cause = getattr(e, "cause", None)
                    raise (cause if isinstance(cause, BaseException) else e.as_instanceof_cause()) from None
                on_progress(result.record["count"])
                yield result

    def terminate(self) -> None:
        for ref in self._refs:
            try:
                self.ray.cancel(ref, force=True)
            except Exception:  # already finished
                pass
        self._refs = []

    def close(self) -> None:
        if self._owns and self.ray.is_initialized():
            self.ray.shutdown()
            self._owns = False
