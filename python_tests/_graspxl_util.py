"""A tiny synthetic GraspXL recording (no licensed data): a box object in <id>.obj and a
recording dict in mano_0.npy laid out as GraspXL's <size>/<id>/ folders."""
from __future__ import annotations

import itertools

import numpy as np

from handraster.models.rotations import rodrigues
from handraster.poses.graspxl import MANO_RIGHT_ROOT

BOX_HALF = np.array([0.03, 0.02, 0.015])   # a 6 x 4 x 3 cm box ...
BOX_CENTRE = np.array([0.01, 0.0, -0.005])  # ... whose centre is off the object frame's origin
OBJECT_ID = "0a1b2c3d"


def box_vertices() -> np.ndarray:
    """float64 [8, 3]: the box corners in the object's frame (metres)."""
    return BOX_CENTRE + np.array(list(itertools.product((-1, 1), repeat=3))) * BOX_HALF


def write_box_obj(path) -> None:
    """A closed box as an OBJ (12 outward triangles)."""
    v = box_vertices()
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    lines = [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in v]
    for a, b, c, d in quads:
        lines += [f"f {a + 1} {b + 1} {c + 1}", f"f {a + 1} {c + 1} {d + 1}"]
    path.write_text("\n".join(lines) + "\n")


def make_recording(T: int = 4, seed: int = 0, palm_point=(-0.07, -0.05, 0.0)) -> dict:
    """A GraspXL-style dict ("original" convention): hand rot/pose/trans and the object's
    rot/trans chosen so that the box centre sits at `palm_point` of the (rotated) hand's frame,
    i.e. object centre - hand root = Rodrigues(rot) @ palm_point."""
    rng = np.random.default_rng(seed)
    rot = rng.normal(size=(T, 3)) * 0.8
    pose = rng.normal(size=(T, 45)) * 0.1
    trans = rng.normal(size=(T, 3)) * 0.2 + np.array([0.0, 0.0, 0.5])
    orot = rng.normal(size=(T, 3))
    root = trans + MANO_RIGHT_ROOT
    want = root + np.einsum("tij,j->ti", rodrigues(rot.astype(np.float32)).astype(np.float64), palm_point)
    otrans = want - np.einsum("tij,j->ti", rodrigues(orot.astype(np.float32)).astype(np.float64), BOX_CENTRE)
    return {"right_hand": {"rot": rot, "pose": pose, "trans": trans},
            OBJECT_ID: {"rot": orot, "trans": otrans}}


def write_dataset(root, T: int = 4, seed: int = 0, with_mesh: bool = True):
    """(recording path, objects root) under root: motions/large/<id>/mano_0.npy and
    objects/large/<id>/<id>.obj (the GraspXL layout)."""
    rec_dir = root / "motions" / "large" / OBJECT_ID
    rec_dir.mkdir(parents=True)
    rec = rec_dir / "mano_0.npy"
    np.save(rec, make_recording(T, seed), allow_pickle=True)
    obj_root = root / "objects"
    (obj_root / "large" / OBJECT_ID).mkdir(parents=True)
    if with_mesh:
        write_box_obj(obj_root / "large" / OBJECT_ID / f"{OBJECT_ID}.obj")
    return rec, obj_root
