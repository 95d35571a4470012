"""Making one shard: the unit of work that every backend (this process, worker processes,
Ray tasks) runs. Render in batches -> (augment) -> encode -> write to a temporary name ->
rename -> record. Anything that goes wrong removes the temporary files and re-raises.

Renderer contract: ``.render(indices int64 [B], seed) -> RenderBatch``. The real one is
handraster.scene.renderer.Renderer(SceneConfig) (the config mapped by config/scene_map.py);
the stand-in is scene/fake.py's FakeRenderer(GenerateConfig). Augmentation: augment_hook.py.
"""
from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional

import numpy as np

from handraster.generate.manifest import write_record
from handraster.generate.plan import ShardSpec, batches

STAGES = ("render", "augment", "encode", "write")
_REAL_MODULE = "handraster.scene.renderer"
_cache: dict = {}  # per process: renderers, hands_mean, augmenter by config hash


def clear_cache() -> None:
    """Forget this process's renderers (and their asset caches): a new run sees files anew."""
    _cache.clear()


def real_renderer_available() -> bool:
    try:
        return importlib.util.find_spec(_REAL_MODULE) is not None
    except ImportError:
        return False


def resolve_renderer(choice: str) -> str:
    """'auto' -> 'real' when handraster.scene.renderer exists, else 'fake'."""
    if choice == "auto":
        return "real" if real_renderer_available() else "fake"
    if choice == "real" and not real_renderer_available():
        raise RuntimeError("renderer: 'real' requested but handraster.scene.renderer is not available")
    return choice


def make_renderer(cfg):
    """The renderer cfg.renderer names (resolved), built once per process and config."""
    key = ("renderer", cfg.content_hash(), cfg.device)
    if key not in _cache:
        if resolve_renderer(cfg.renderer) == "real":
            from handraster.config.scene_map import to_scene_config
            from handraster.scene.renderer import Renderer
            _cache[key] = Renderer(to_scene_config(cfg))
        else:
            from handraster.scene.fake import FakeRenderer
            _cache[key] = FakeRenderer(cfg)
    return _cache[key]


def hands_mean_for(cfg) -> Optional[np.ndarray]:
    """MANO's hands_mean [45] for the FreiHAND export (None: flat, or the model has none)."""
    if cfg.output.format != "freihand" or not cfg.output.freihand_mean_relative:
        return None
    key = ("hands_mean", cfg.model.name)
    if key not in _cache:
        from handraster.models import ModelError, load_model
        try:
            _cache[key] = load_model(cfg.model.name).hands_mean
        except (ModelError, ImportError):
            _cache[key] = None  # the built-in hand (or no model here): its mean pose is flat
    return _cache[key]


def augmenter_for(cfg, seed: int) -> Optional[Callable]:
    """The augmentation stage for (cfg, seed), built once per process; None when off."""
    key = ("augment", cfg.content_hash(), seed)
    if key not in _cache:
        from handraster.generate.augment_hook import build_augmenter
        _cache[key] = build_augmenter(cfg, seed)[0]
    return _cache[key]


@dataclass
class ShardTask:
    """Everything a process needs to make one shard (picklable)."""
    cfg: object          # GenerateConfig
    seed: int
    shard: ShardSpec
    out_dir: str
    token: str           # names this run's temporary files


@dataclass
class ShardResult:
    record: dict
    timings: Dict[str, float] = field(default_factory=dict)


def run_shard(task: ShardTask, on_progress: Optional[Callable[[int], None]] = None) -> ShardResult:
    """Make ``task.shard`` and write its record; returns the record and per-stage seconds."""
    from handraster.data.writers import writer_class
    cfg = task.cfg
    t = dict.fromkeys(STAGES, 0.0)
    clock = time.perf_counter
    renderer = make_renderer(cfg)
    augment = augmenter_for(cfg, task.seed)
    cls = writer_class(cfg.output.format)
    writer = cls(task.out_dir, task.shard, cfg, task.token, hands_mean=hands_mean_for(cfg))
    try:
        for a, b in batches(task.shard, cfg.output.batch_size):
            t0 = clock()
            batch = renderer.render(np.arange(a, b, dtype=np.int64), task.seed)
            batch.validate()
            t1 = clock()
            if augment is not None:
                batch = augment(batch)
            t2 = clock()
            members = writer.encode(batch)
            t3 = clock()
            writer.write(members)
            t4 = clock()
            for k, dt in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                t[k] += dt
            if on_progress is not None:
                on_progress(b - a)
        t0 = clock()
        record = writer.commit()
        write_record(task.out_dir, record, task.token)
        t["write"] += clock() - t0
    except BaseException:
        writer.abort()
        raise
    return ShardResult(record, t)
