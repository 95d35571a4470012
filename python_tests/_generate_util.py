"""Helpers for the generate/data tests: a small, fast config (fake renderer), running the CLI
in a subprocess, and comparing output folders byte for byte."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from handraster.config import load_config



def small_config(**sections):
    """64x64 images, 10-sample shards, 4-sample batches, fake renderer, no augmentation; ``sections`` are
    dotted overrides, e.g. small_config(**{"output.format": "folder"})."""
    over = ["renderer=fake", "resolution=[64, 64]", "output.shard_size=10", "output.batch_size=4",
            "augment.enabled=false"]  # the tests compare against un-augmented renders
    over += [f"{k}={v}" for k, v in sections.items()]
    return load_config(overrides=over)


def write_config(path: Path, cfg) -> Path:
    from handraster.config import dump_yaml
    path.write_text(dump_yaml(cfg))
    return path


def tree_bytes(root: Path, skip=("manifest.json",)) -> dict:
    """relative path -> bytes of every file under root (manifest.json holds timestamps)."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name not in skip}


def temp_files(root: Path) -> list:
    return sorted(p.name for p in Path(root).rglob("*") if ".tmp-" in p.name)


def cli_env(**extra) -> dict:
    env = dict(os.environ)
    # the package the tests imported (installed, or the in-place dev build), never blindly the
    # source tree: in a clean clone the sources have no compiled module
    import handraster
    pkg_parent = str(Path(handraster.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = pkg_parent + os.pathsep + env.get("PYTHONPATH", "")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_cli(*args, env=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "handraster.cli.main", *map(str, args)],
                          env=env or cli_env(), capture_output=True, text=True, timeout=300, **kw)


def popen_cli(*args, env=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "handraster.cli.main", *map(str, args)],
                            env=env or cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_labels_equal(sample: dict, batch, b: int) -> None:
    """Every label field of the read-back sample equals the in-memory batch's, exactly."""
    from handraster.data.labels import LABEL_FIELDS
    for k in LABEL_FIELDS:
        want = getattr(batch, k)[b]
        got = sample[k]
        assert got.dtype == want.dtype and got.shape == want.shape, k
        assert np.array_equal(got, want), k
    assert sample["params"] == batch.params[b]
