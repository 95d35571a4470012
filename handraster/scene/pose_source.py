"""Scene pose sources: the renderer's per-scene hand pose from the built-in samplers
(anatomical, library, random), a file of MANO parameters (FreiHAND training_mano.json, a MANO
npz, a HaMeR npz, GraspXL recordings), the VAE prior or a weighted mixture of these, plus
Gaussian jitter.

Conventions (what ScenePoses.draw returns): hand_pose [45] float32 axis-angle relative to the
FLAT hand of the right model (the renderer loads its model with flat_hand_mean=True), and, for
file poses, the file's global_orient [3] and (with a MANO model only) betas; None otherwise.

File poses (handraster.poses.read_poses; sources.py's PoseSet):
  * left-hand entries were mirrored into right-hand parameters on reading (was_left). With
    random draws the renderer's own side choice (right_ratio) decides the side; with
    sequential draws (dataset-matched) the entry's own side is kept.
  * which mean the poses are relative to: HaMeR npz (flat), GraspXL (MANO's mean; its tabletop
    recordings: flat, poses/graspxl.py) and npz
    files that carry mean_relative / flat_hand_mean say so themselves; FreiHAND json and npz
    files that do not say follow pose.file_flat_hand_mean (False = MANO's mean, FreiHAND's).
    Mean-relative poses are made flat by adding the renderer model's hands_mean. The built-in
    hand has no hands_mean: its mean is taken as the flat hand (zero), which is exactly the
    inverse of the FreiHAND export of that model (output.freihand_mean_relative writes flat
    poses for it); real FreiHAND poses then show MANO's mean curl missing (a relaxed hand
    renders slightly more open). Use a MANO model (model.name) for faithful FreiHAND poses.
  * betas from the file are used only with a MANO-format model file (the built-in hand's shape
    space is not MANO's); otherwise betas come from the shape.* distribution.
  * order "sequential": scene s uses entry s % N (dataset-matched, the synfrei-like preset);
    "random": an entry drawn from the scene's generator.
  * GraspXL recordings carry their object (poses/graspxl.py): with graspxl_render_object the
    renderer loads the objects' meshes (scene/grasp_objects.py) and a scene whose pose is a
    recording's frame shows that object in the recorded hand-relative pose, in place of the
    random occluder, with zero betas (GraspXL's MANO shape).

The VAE prior (source 'prior', prior/vae.py): pose_prior_pool joint sets are drawn once from
the prior (a fixed seed, latent std pose_prior_temperature) and turned into hand poses of the
renderer's model by closed-form IK (poses/ik.py: bone directions exact, zero twist); a scene
picks one pool entry. The pool is a function of the config alone, so sample i stays a function
of (config, seed, i); pose_jitter_deg adds per-scene variation on top.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

# a mixture's slot layout follows this order (new sources go last: old configs draw the same)
MIXTURE_SOURCES = ("anatomical", "library", "random", "file", "graspxl", "prior")
PRIOR_POOL_SEED = 0x50524952  # "PRIR": the prior pool's draw is fixed, not the run's seed


def load_pose_file(path, fmt: str = "auto", flat_hand_mean: bool = False, graspxl_convention: str = "auto",
                   hands_mean=None):
    """PoseSet of a pose file (see the module docstring for which mean applies). fmt: auto |
    freihand | npz | graspxl (a .npy recording or a folder of them; poses/graspxl.py, whose
    extras carry the grasped object per entry; hands_mean [45] converts mixed conventions).
    ValueError/OSError on a file that cannot be read."""
    from handraster.poses.graspxl import load_graspxl
    from handraster.poses.sources import read_freihand_mano, read_poses
    from dataclasses import replace
    p = Path(path)
    if fmt == "graspxl" or (fmt == "auto" and (p.is_dir() or p.suffix == ".npy")):
        return load_graspxl(p, graspxl_convention, hands_mean)
    if fmt == "freihand" or (fmt == "auto" and p.suffix == ".json"):
        ps = read_freihand_mano(p)
        return replace(ps, mean_relative=not flat_hand_mean)
    return read_poses(p, mean_relative=not flat_hand_mean)


class ScenePoses:
    """Per-scene pose draws for a SceneConfig and the renderer's (flat_hand_mean=True) model."""

    def __init__(self, cfg, model):
        self.cfg = cfg
        self.model = model
        self.file = None
        src = cfg.pose_source
        weights = dict(cfg.pose_weights or {}) if src == "mixture" else {src: 1.0}
        self.names = [k for k in MIXTURE_SOURCES if weights.get(k, 0) > 0]
        w = np.array([weights[k] for k in self.names], np.float64)
        self.p = w / w.sum()
        self.grasp = None  # GraspObjects of a GraspXL file (scene/grasp_objects.py)
        if "file" in self.names or "graspxl" in self.names:
            fmt = "graspxl" if src == "graspxl" else cfg.pose_file_format
            mean = model.hands_mean if model.hands_mean is not None else np.zeros(45, np.float32)
            try:
                ps = load_pose_file(cfg.pose_file, fmt, cfg.pose_file_flat_hand_mean, cfg.graspxl_convention, mean)
            except (OSError, ValueError, KeyError) as e:
                from handraster.scene.config import ConfigError
                raise ConfigError(f"pose_file: value {str(cfg.pose_file)!r} cannot be read as "
                                  f"{fmt} MANO parameters ({e})") from None
            if len(ps) == 0:
                from handraster.scene.config import ConfigError
                raise ConfigError(f"pose_file: value {str(cfg.pose_file)!r} holds no poses")
            self.file = ps.to_flat(mean)
            self.use_betas = ps.betas is not None and str(cfg.model) not in ("default", "default-left")
            if "object_id" in ps.extra:
                from handraster.scene.grasp_objects import GraspObjects
                self.grasp = GraspObjects(cfg, self.file, model)
        self._library = None
        self.prior_pool = self._prior_pool(cfg, model) if "prior" in self.names else None

    @staticmethod
    def _prior_pool(cfg, model) -> np.ndarray:
        """hand_pose float32 [pose_prior_pool, 45] (flat-relative) from the VAE prior file."""
        from handraster.scene.config import ConfigError
        try:
            from handraster.prior.vae import OcclusionPrior
            prior = OcclusionPrior.load(cfg.pose_prior_checkpoint)
        except Exception as e:  # torch.load raises many types on a bad file
            raise ConfigError(f"pose_prior_checkpoint: value {str(cfg.pose_prior_checkpoint)!r} cannot be "
                              f"read as a handraster VAE prior ({type(e).__name__}: {e})") from None
        if prior.num_joints != 21 or prior.joint_order not in ("internal", "openpose"):
            raise ConfigError(f"pose_prior_checkpoint: value {str(cfg.pose_prior_checkpoint)!r} is a prior "
                              f"over {prior.num_joints} joints in order {prior.joint_order!r}; the pose "
                              "source needs 21 joints in the internal or openpose order")
        from handraster.poses.resample import prior_poses
        ps = prior_poses(prior, model, int(cfg.pose_prior_pool), seed=PRIOR_POOL_SEED, method="ik",
                         temperature=float(cfg.pose_prior_temperature))
        return np.ascontiguousarray(ps.hand_pose, np.float32)

    def _library_table(self) -> np.ndarray:
        """hand_pose float32 [n_named, 45] of poses.POSES (built once)."""
        if self._library is None:
            from handraster import poses
            self._library = np.stack([np.asarray(poses.get_pose(n), np.float32).reshape(45) for n in poses.POSES])
        return self._library

    def _builtin(self, name: str, rng, n: int) -> np.ndarray:
        """hand_pose float32 [n, 45] from a built-in sampler; rng: RowDraws of n rows or a Generator."""
        if name == "random":
            return (rng.normal(size=(n, 45)) * 0.25).astype(np.float32)
        if name == "library":
            table = self._library_table()
            k = rng.integers(len(table), size=n)
            return table[k] + rng.normal(size=(n, 45)).astype(np.float32) * 0.05
        from handraster.poses.anatomical import sample_anatomical_angles
        from handraster.poses.axes import angles_to_pose, default_frames
        return angles_to_pose(sample_anatomical_angles(n, rng), default_frames("right"))

    def draw(self, rng, scene) -> dict:
        """Poses of the scenes ``scene`` (int [n]; an int: one scene, unbatched values, None
        where a value does not apply). Batched: dict(hand_pose [n, 45] f32 flat-relative,
        from_file bool [n] (the row's pose is a file entry), global_orient [n, 3] f32, betas
        [n, 10] f32 or None (no file betas), was_left bool [n], entry int64 [n] (-1: none)).
        rng: a RowDraws of n rows (scene/draws.py) or a Generator. With a mixture every row
        draws from every source (a fixed slot layout per row) and keeps its own source's pose."""
        single = np.isscalar(scene)
        scenes = np.atleast_1d(np.asarray(scene, np.int64))
        n = len(scenes)
        which = (np.zeros(n, np.int64) if len(self.names) == 1
                 else rng.choice(len(self.names), size=n, p=self.p))
        hand_pose = np.zeros((n, 45), np.float32)
        from_file = np.zeros(n, bool)
        entry = np.full(n, -1, np.int64)
        for j, name in enumerate(self.names):
            sel = which == j
            if name in ("file", "graspxl"):
                N = len(self.file)
                k = scenes % N if self.cfg.pose_file_order == "sequential" else rng.integers(N, size=n)
                entry = np.where(sel, k, entry)
                from_file |= sel
            elif name == "prior":
                hand_pose[sel] = self.prior_pool[rng.integers(len(self.prior_pool), size=n)][sel]
            else:
                hand_pose[sel] = self._builtin(name, rng, n)[sel]
        out = dict(from_file=from_file, entry=entry, global_orient=np.zeros((n, 3), np.float32),
                   was_left=np.zeros(n, bool), betas=None)
        if from_file.any():
            k = entry[from_file]
            hand_pose[from_file] = self.file.hand_pose[k]
            out["global_orient"][from_file] = self.file.global_orient[k]
            out["was_left"][from_file] = self.file.was_left[k]
            if self.use_betas:
                fb = np.asarray(self.file.betas, np.float32)[k][:, :10]
                out["betas"] = np.zeros((n, 10), np.float32)
                out["betas"][from_file, : fb.shape[1]] = fb
        if self.cfg.pose_jitter_deg > 0:
            hand_pose += (rng.normal(size=(n, 45)) * np.radians(self.cfg.pose_jitter_deg)).astype(np.float32)
        out["hand_pose"] = hand_pose
        if single:
            f = bool(from_file[0])
            return dict(hand_pose=hand_pose[0], global_orient=out["global_orient"][0] if f else None,
                        betas=out["betas"][0] if f and out["betas"] is not None else None,
                        was_left=bool(out["was_left"][0]) if f else None, entry=int(entry[0]) if f else None)
        return out


def pose_file_exists(path) -> bool:
    return path is not None and os.path.exists(os.fspath(path))
