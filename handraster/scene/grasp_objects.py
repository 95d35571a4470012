"""Grasped objects of GraspXL recordings: their meshes (metres, the object's own frame) and,
per pose entry, the object's rigid transform in the renderer's hand frame.

The renderer skins every hand with transl = 0 and zero betas for grasp rows, so its root
joint sits at J0 = the model's rest root joint (the built-in hand: the origin; a MANO file:
MANO_RIGHT_ROOT). The recording puts the hand's root joint at ``root`` (poses/graspxl.py:
trans + MANO_RIGHT_ROOT for the "original" convention, trans for "tabletop") and the object
at Rodrigues(rot_o) v + trans_o; moving both by J0 - root keeps their relative placement:

    object vertices (renderer frame) = Rodrigues(rot_o) @ v + (trans_o - root + J0)

With a MANO model this is exactly Rodrigues(rot_o) v + trans_o - trans_hand ("original"). With
the built-in hand the wrists coincide and the contact is approximate (its fingers are not
MANO's). A left-hand sample mirrors the object with the hand (x -> -x).
"""
from __future__ import annotations

import warnings

import numpy as np

TOTAL_FACES_WARN = 200_000  # every sample carries every grasp mesh (SceneMesh's superset)


def rest_root(model) -> np.ndarray:
    """float32 [3]: the model's root joint (metres) at zero pose, shape and translation."""
    z = lambda k: np.zeros((1, k), np.float32)  # noqa: E731
    return np.asarray(model.forward(z(model.pose_dim), z(10), z(3)).joints, np.float32)[0, 0].copy()


class GraspObjects:
    """Object meshes and per-entry transforms of a GraspXL PoseSet (poses/graspxl.py extras).

    meshes: list of scene.meshes.Mesh (vertices in metres, as stored); entry_mesh int64 [N]
    (index into meshes, -1: no object for entry n); rot float32 [N, 3] axis-angle and trans
    float32 [N, 3] metres (the transform above, renderer frame); names: object ids of meshes.
    A missing or unreadable mesh raises ConfigError naming the recording and the paths tried,
    or, with cfg.on_bad_asset 'skip', warns and leaves that recording's hand alone."""

    def __init__(self, cfg, poses, model):
        n = len(poses)
        self.meshes, self.names = [], []
        self.entry_mesh = np.full(n, -1, np.int64)
        ex = poses.extra
        if not cfg.graspxl_render_object or "object_id" not in ex:
            return
        self.rot = np.asarray(ex["object_rot"], np.float32)
        self.trans = (ex["object_trans"] - ex["root"] + rest_root(model)).astype(np.float32)
        rec, oid = np.asarray(ex["recording"]), np.asarray(ex["object_id"])
        by_path: dict = {}
        for r, o in sorted(set(zip(rec.tolist(), oid.tolist()))):
            if o:
                k = self._mesh_index(cfg, r, o, by_path)
                self.entry_mesh[(rec == r) & (oid == o)] = k
        total = sum(len(m.faces) for m in self.meshes)
        if total > TOTAL_FACES_WARN:
            warnings.warn(f"graspxl: {len(self.meshes)} object meshes with {total} faces in all; every sample "
                          "carries all of them (slower vertex stage): use fewer recordings per run or a lower "
                          "graspxl_max_faces")

    def _mesh_index(self, cfg, recording: str, object_id: str, by_path: dict) -> int:
        from handraster.poses.graspxl import find_graspxl_mesh
        from handraster.scene.config import ConfigError
        from handraster.scene.errors import AssetError
        from handraster.scene.meshes import load_mesh
        try:
            path = find_graspxl_mesh(recording, object_id, cfg.graspxl_objects)
        except FileNotFoundError as e:
            if cfg.on_bad_asset == "skip":
                warnings.warn(f"{e}; rendering its hands without the object")
                return -1
            raise ConfigError(f"graspxl_objects: {e}. Set graspxl_objects (YAML pose.graspxl_objects) to the "
                              "GraspXL object mesh folder, graspxl_render_object false (pose.graspxl_render_object) "
                              "for hands alone, or on_bad_asset 'skip'") from None
        key = str(path.resolve())
        if key not in by_path:
            try:
                m = load_mesh(path, max_faces=cfg.graspxl_max_faces, normalize=False)
            except AssetError as e:
                if cfg.on_bad_asset != "skip":
                    raise AssetError(e.path, f"{e.reason} (object of GraspXL recording {recording})", e.kind) from None
                warnings.warn(f"skipping {e}; rendering the hands of {recording} without the object")
                by_path[key] = -1
                return -1
            by_path[key] = len(self.meshes)
            self.meshes.append(m)
            self.names.append(object_id)
        return by_path[key]

    def __len__(self) -> int:
        return len(self.meshes)

    def attach(self, obj: dict, from_file, entry, right, n_occluders: int):
        """Put the grasped objects into the scenes' object row tree ``obj`` (sampling.py's
        _occluder: present bool [n], kind int64 [n], ...) for rows whose pose is file entry
        ``entry`` int64 [n] (from_file bool [n]); right bool [n]. Adds grasp bool [n],
        grasp_rot float32 [n, 3], grasp_trans float32 [n, 3], grasp_mirror bool [n],
        grasp_name str [n] ('' for others); such a row's kind is n_occluders + mesh index.
        Returns grasp bool [n]. Draws nothing: other rows keep their values."""
        n = len(entry)
        k = np.where(from_file, np.asarray(entry, np.int64), 0)
        mesh = np.where(from_file, self.entry_mesh[k] if len(self.entry_mesh) else -1, -1)
        grasp = mesh >= 0
        obj["present"] = obj["present"] | grasp
        obj["kind"] = np.where(grasp, n_occluders + mesh, obj["kind"])
        obj["grasp"] = grasp
        obj["grasp_rot"] = np.where(grasp[:, None], self.rot[k], 0.0).astype(np.float32)
        obj["grasp_trans"] = np.where(grasp[:, None], self.trans[k], 0.0).astype(np.float32)
        obj["grasp_mirror"] = grasp & ~np.asarray(right, bool)
        names = np.array(self.names + [""])
        obj["grasp_name"] = names[np.where(grasp, mesh, len(self.names))] if n else np.array([], str)
        return grasp
