"""Disk cache for the built-in asset pools (procedural backgrounds, environment maps).

Building the built-in pools costs ~1.7 s of CPU per process (48 procedural backgrounds, 8
procedural skies, their SH), which every generator worker and test process paid at start-up.
The pools are deterministic functions of their parameters and of the code and libraries that
draw them, so they are written once to the cache folder (models/default_hand.py cache_dir:
$HANDRASTER_CACHE, $XDG_CACHE_HOME/handraster or ~/.cache/handraster) under a key that hashes
the parameters, the source files of the generating modules and the numpy / Pillow /
scikit-image versions: any change to those makes a new file instead of reusing a stale one.
An unwritable or corrupt cache only costs the rebuild.
"""
from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path
from typing import Callable, Dict, Sequence

import numpy as np


def _key(modules: Sequence[str], params: tuple) -> str:
    h = hashlib.sha256(repr(params).encode())
    for name in modules:
        h.update(Path(importlib.import_module(name).__file__).read_bytes())
    for lib in ("numpy", "PIL", "skimage"):
        try:
            h.update(f"{lib}={importlib.import_module(lib).__version__}".encode())
        except ImportError:
            h.update(f"{lib}=none".encode())
    return h.hexdigest()[:20]


def cached_arrays(name: str, modules: Sequence[str], params: tuple,
                  build: Callable[[], Dict[str, np.ndarray]]) -> Dict[str, np.ndarray]:
    """build()'s arrays, read from ``<cache>/<name>-<key>.npz`` when present, else built and
    written there (atomically: a temporary name, then a rename). Set HANDRASTER_NO_ASSET_CACHE=1
    to always build."""
    from handraster.models.default_hand import cache_dir
    if os.environ.get("HANDRASTER_NO_ASSET_CACHE"):
        return build()
    path = cache_dir() / f"{name}-{_key(modules, params)}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except Exception:  # truncated or corrupt: rebuild and overwrite
            pass
    arrays = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except OSError:
        pass  # read-only or full cache folder: keep the built arrays
    return arrays
