"""generate(): plan the shards, skip the complete ones, make the rest (in this process, in
worker processes or on Ray), keep the manifest current, and turn every failure (disk full,
unwritable folder, bad asset, Ctrl-C) into a GenerateError with a clear message after
removing this run's temporary files, so the folder stays consistent and resumable."""
from __future__ import annotations

import errno
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Tuple

from handraster.config import check_paths, dump_yaml
from handraster.data.writers import writer_class
from handraster.data.writers_folder import write_atomic
from handraster.generate import manifest as mf
from handraster.generate.plan import plan_shards, select_part
from handraster.generate.progress import Progress
from handraster.generate.shard_job import STAGES, ShardTask, clear_cache, resolve_renderer


def _asset_errors() -> tuple:
    """The asset error types (one: scene/errors.py's, which data/assets.py re-exports)."""
    from handraster.scene.errors import AssetError
    return (AssetError,)


class GenerateError(RuntimeError):
    """A run that could not finish; the message says why and what to do."""


class GenerateInterrupted(GenerateError):
    """Ctrl-C: temporary files removed, manifest consistent."""


@dataclass
class GenerateResult:
    out_dir: Path
    num: int
    shards_total: int          # shards of the whole dataset
    shards_skipped: int        # of this run's part, already complete
    shards_written: int
    samples_written: int
    seconds: float
    complete: bool             # every shard of the dataset is complete
    renderer: str
    timings: Dict[str, float] = field(default_factory=dict)   # summed over shards, seconds

    @property
    def samples_per_second(self) -> float:
        return self.samples_written / max(self.seconds, 1e-9)


def prepare_out_dir(out) -> Path:
    """Create ``out`` if needed and check that files can be written there."""
    out = Path(out).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise GenerateError(f"cannot create output folder {out}: {e.strerror or e}") from None
    probe = out / f".handraster-write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as e:
        raise GenerateError(f"output folder {out} is not writable: {e.strerror or e}") from None
    return out


def _remove_temps(out: Path, cls, shards, token: str = "*") -> None:
    for s in shards:
        for pattern in cls.temp_globs(s):
            for p in out.glob(pattern.replace("tmp-*", f"tmp-{token}")):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def _header(cfg, num: int, renderer: str, old: Optional[dict]) -> dict:
    from handraster import __version__
    return {"handraster_version": __version__, "format": cfg.output.format, "config_hash": cfg.content_hash(),
            "seed": cfg.seed, "renderer": renderer, "num": num, "shard_size": cfg.output.shard_size,
            "resolution": list(cfg.resolution), "rgb": cfg.output.rgb, "depth_scale": cfg.output.depth_scale,
            "views": cfg.camera.views, "created": (old or {}).get("created") or mf.now(),
            "config": cfg.content_dict()}


def _check_compatible(out: Path, old: Optional[dict], header: dict) -> None:
    if not old:
        return
    for key, what in (("seed", "seed"), ("format", "output format"), ("config_hash", "config")):
        if old.get(key) != header[key]:
            raise GenerateError(
                f"{out} holds a dataset made with a different {what} ({key} {old.get(key)!r}, this run "
                f"{header[key]!r}); use another --out, or delete {out} to start over")


def _os_message(e: OSError, out: Path, done: int, total: int) -> str:
    where = f" ({e.filename})" if e.filename else ""
    state = f"{done} of {total} shards are complete; the unfinished shard's temporary files were removed"
    if e.errno == errno.ENOSPC:
        return (f"disk full while writing to {out}{where}: {state}. Free some space and re-run the same "
                f"command to resume.")
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write to {out}{where}: {e.strerror}. {state}."
    return f"I/O error while writing to {out}{where}: {e.strerror or e}. {state}."


def generate(cfg, num: int, out_dir, **kw) -> GenerateResult:
    """Write samples [0, num) of ``cfg`` (a GenerateConfig) to ``out_dir``; see the module doc.

    Keywords: seed / device override the config's; part=(i, n) makes the shards with
    index % n == i; workers > 1 uses that many processes; use_ray fans shards out over Ray
    (ray = its address, None = a local instance); verify re-hashes complete shards before
    skipping them; progress, progress_stream, progress_interval control the progress output."""
    try:
        return _generate(cfg, num, out_dir, **kw)
    except KeyboardInterrupt:  # before any shard started: nothing of this run's is on disk
        raise GenerateInterrupted(f"interrupted before any shard was started; re-run the same "
                                  f"command to generate {out_dir}") from None


def _generate(cfg, num: int, out_dir, *, seed: Optional[int] = None, part: Optional[Tuple[int, int]] = None,
              workers: int = 1, ray: Optional[str] = None, use_ray: bool = False, device: Optional[str] = None,
              progress: bool = True, progress_stream=None, progress_interval: float = 10.0,
              verify: bool = False) -> GenerateResult:
    t_start = time.monotonic()
    clear_cache()
    cfg = cfg.model_copy(deep=True)
    if seed is not None:
        cfg.seed = int(seed)
    if device is not None:
        cfg.device = device
    check_paths(cfg)
    try:
        cfg.renderer = resolve_renderer(cfg.renderer)
    except RuntimeError as e:
        raise GenerateError(str(e)) from None
    if cfg.renderer == "real":   # the renderer's config errors up front, under the YAML keys
        from handraster.config.scene_map import to_scene_config
        to_scene_config(cfg)
    augment_status = _augment_status(cfg)
    out = prepare_out_dir(out_dir)
    plan = plan_shards(num, cfg.output.shard_size)
    mine = select_part(plan, part)
    cls = writer_class(cfg.output.format)
    try:
        old = mf.load_manifest(out)
    except ValueError as e:
        raise GenerateError(str(e)) from None
    header = _header(cfg, num, cfg.renderer, old)
    header["augment"] = augment_status
    _check_compatible(out, old, header)

    def complete_records(check_all: bool) -> dict:
        recs = mf.load_records(out)
        return {s.name: recs[s.name] for s in plan
                if mf.record_complete(out, recs.get(s.name), s, cfg.output.format, verify and check_all)}

    done = complete_records(check_all=True)
    pending = [s for s in mine if s.name not in done]
    skipped = len(mine) - len(pending)
    _remove_temps(out, cls, pending)                   # partial shards of killed runs: redone
    mf.write_manifest(out, header, plan, done)
    write_atomic(out / "config.yaml", dump_yaml(cfg).encode())

    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    tasks = [ShardTask(cfg, cfg.seed, s, str(out), token) for s in pending]
    prog = Progress(sum(s.count for s in mine), initial=sum(s.count for s in mine if s.name in done),
                    stream=progress_stream, interval=progress_interval, enabled=progress)
    timings = dict.fromkeys(STAGES, 0.0)
    written = samples = 0
    backend = _make_backend(use_ray, ray, workers, len(tasks), cfg.device)
    try:
        run = backend.run if backend else _inline
        last_manifest = time.monotonic()
        for res in run(tasks, prog.update):
            done[res.record["name"]] = res.record
            written, samples = written + 1, samples + res.record["count"]
            for k, v in res.timings.items():
                timings[k] += v
            if time.monotonic() - last_manifest > 5.0:
                mf.write_manifest(out, header, plan, done)
                last_manifest = time.monotonic()
    except BaseException as e:
        if backend is not None:
            backend.terminate()
        _remove_temps(out, cls, pending, token)
        try:  # from the records on disk: a worker may have finished a shard as it was stopped
            done = complete_records(check_all=False)
            mf.write_manifest(out, header, plan, done)
        except OSError:
            pass  # e.g. still no space: the records remain the truth; the next run rebuilds it
        n_done = sum(1 for s in mine if s.name in done)
        if isinstance(e, KeyboardInterrupt):
            raise GenerateInterrupted(f"interrupted: {n_done} of {len(mine)} shards are complete in {out}; "
                                      f"re-run the same command to resume") from None
        if isinstance(e, OSError):
            raise GenerateError(_os_message(e, out, n_done, len(mine))) from None
        if type(e).__name__ == "WorkerError":
            raise GenerateError(f"{e}; {n_done} of {len(mine)} shards are complete in {out}") from None
        if isinstance(e, _asset_errors()):
            raise GenerateError(f"bad asset {e.path}: {e.reason}. Fix or remove the file, or set "
                                f"'on_bad_asset: skip' to skip unreadable files.") from None
        raise
    finally:
        prog.close()
        if backend is not None:
            backend.close()

    done = complete_records(check_all=False)   # shards other processes finished meanwhile
    complete = len(done) == len(plan)
    if complete:
        header["finalized_files"] = cls.finalize(out, list(done.values()), cfg)
    mf.write_manifest(out, header, plan, done)
    return GenerateResult(out, num, len(plan), skipped, written, samples, time.monotonic() - t_start,
                          complete, cfg.renderer, timings)


def _augment_status(cfg) -> str:
    """Build the augmentation stage once here, so its problems show before anything is written."""
    from handraster.config import ConfigError
    from handraster.generate.augment_hook import build_augmenter
    try:
        return build_augmenter(cfg, cfg.seed)[1]
    except (ValueError, OSError) as e:
        raise ConfigError(f"augment.segments.source_dir: value {cfg.augment.segments.source_dir!r}: {e}") from None


def _make_backend(use_ray: bool, address: Optional[str], workers: int, n_tasks: int, device: str = "cpu"):
    """None (this process), a WorkerPool or a RayBackend."""
    if use_ray:
        from handraster.generate.ray_runner import RayBackend
        try:
            return RayBackend(address, num_cpus=workers if workers > 1 else None)
        except RuntimeError as e:   # ray not installed
            raise GenerateError(str(e)) from None
        except Exception as e:      # ray.init failed: bad address, cluster unreachable
            raise GenerateError(f"cannot start or reach Ray at {address or 'a local instance'}: "
                                f"{type(e).__name__}: {e}") from None
    if workers > 1 and n_tasks > 1:
        from handraster.generate.workers import WorkerPool, start_method
        return WorkerPool(min(workers, n_tasks), start_method=start_method(device))
    return None


def _inline(tasks, on_progress):
    from handraster.generate.workers import run_inline
    return run_inline(tasks, on_progress)
