"""SceneConfig: every random factor of the scene renderer, with its range, validated before
anything is rendered. The dataset generator's YAML config maps onto this (config/ module)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Optional, Tuple

import numpy as np


class ConfigError(ValueError):
    """A configuration value is out of range; the message names the key, value and range."""


def _check(cond: bool, key: str, value, allowed: str):
    if not cond:
        raise ConfigError(f"{key}: value {value!r} is not allowed; expected {allowed}")


@dataclass
class SceneConfig:
    resolution: Tuple[int, int] = (256, 256)          # (H, W) pixels
    model: str = "default"                           # "default" or a MANO file/folder
    right_ratio: float = 0.5                         # probability of a right hand
    pose_source: str = "anatomical"                  # anatomical | library | random | file | graspxl | prior | mixture
    pose_file: Optional[str] = None                  # MANO params file (scene/pose_source.py)
    pose_file_format: str = "auto"                   # auto | freihand | npz | graspxl
    pose_file_flat_hand_mean: bool = False           # file poses relative to the flat hand (else MANO's mean)
    pose_file_order: str = "random"                  # random | sequential (scene s uses entry s % N)
    pose_weights: Optional[dict] = None              # source -> weight, for pose_source "mixture"
    pose_jitter_deg: float = 0.0                     # Gaussian jitter (std, deg) on every pose value
    pose_prior_checkpoint: Optional[str] = None      # VAE prior file (prior/vae.py) for the 'prior' source
    pose_prior_pool: int = 4096                      # poses drawn once from the prior (scene/pose_source.py)
    pose_prior_temperature: float = 1.0              # latent std of the prior's draws
    graspxl_objects: Optional[str] = None            # GraspXL object mesh root (poses/graspxl.py layout)
    graspxl_render_object: bool = True               # graspxl poses show their recorded object
    graspxl_convention: str = "auto"                 # auto | original | tabletop (poses/graspxl.py)
    graspxl_max_faces: int = 3000                    # larger object meshes are decimated to this
    shape_std: float = 1.0                           # betas ~ N(0, shape_std^2)
    shape_dist: str = "normal"                       # normal | uniform (half-width shape_std) | zero
    shape_clip: float = 3.0                          # betas clipped to [-clip, clip]
    # camera (AnyHand): FOV uniform in fov_deg, distance from a normal mixture, any direction
    camera: str = "anyhand"                          # anyhand | dataset
    fov_deg: Tuple[float, float] = (30.0, 40.0)
    distance_means: Tuple[float, ...] = (0.6, 0.7, 1.0)
    distance_std: float = 0.1
    distance_weights: Optional[Tuple[float, ...]] = None  # mixture weights of distance_means (None: equal)
    view_spread_deg: float = 180.0                   # views 1.. lie within this angle of view 0
    dataset_K: Optional[object] = None               # [N, 3, 3] intrinsics for camera="dataset"
    views: int = 1                                   # views per scene (AnyHand: 2)
    near: float = 0.05
    far: float = 10.0
    center_jitter: float = 0.25                      # hand centre offset, fraction of the free margin
    # lights
    lights: Tuple[int, int] = (1, 5)
    light_types: Tuple[str, ...] = ("point", "directional", "spot")  # + "ambient" (uniform light)
    vivid_light_prob: float = 0.15
    light_intensity: Tuple[float, float] = (1.5, 4.0)
    ambient: Tuple[float, float] = (0.3, 1.0)        # ambient strength (fraction of the background's)
    exposure: Tuple[float, float] = (0.8, 1.25)
    # skin
    blotch_amp: Tuple[float, float] = (0.03, 0.12)
    crease: Tuple[float, float] = (0.15, 0.45)
    skin_roughness: Tuple[float, float] = (0.35, 0.6)
    skin_tone_range: Tuple[float, float] = (0.0, 1.0)  # 0 lightest .. 1 darkest (ITA 72 .. -65 deg)
    skin_diversity: float = 1.0                      # < 1: a fixed pool of skin sets, first fraction used
    skin_texture_dir: Optional[str] = None           # UV skin textures (models with uvs + faces_uv)
    skin_texture_model: Optional[str] = None         # linear texture model .npz (scene/texture_model.py)
    skin_texture_model_count: int = 64               # textures drawn from it once (a fixed pool)
    skin_procedural: bool = True                     # False: every skin textured (needs textures)
    # forearm
    forearm: bool = True
    sleeve_prob: float = 0.3
    forearm_length: Tuple[float, float] = (0.06, 0.25)   # visible length from the wrist (m)
    forearm_mean_color_prob: float = 0.0             # gap paper variant: forearm painted hand-mean colour
    # objects (occluders)
    object_prob: float = 0.3
    object_size: Tuple[float, float] = (0.03, 0.08)  # metres
    object_random_color_prob: float = 1.0
    object_primitives: Tuple[str, ...] = ("box", "cylinder", "sphere", "capsule", "torus")
    object_mesh_dir: Optional[str] = None            # user meshes (scene/meshes.load_mesh) added to the set
    # backgrounds: weights of photo / environment / solid
    background_weights: Tuple[float, float, float] = (0.7, 0.25, 0.05)
    background_folder: Optional[str] = None
    hdri_folder: Optional[str] = None
    background_diversity: float = 1.0                # fraction of the photo / environment pools used
    background_depth: float = 0.0                    # constant background plane (m), 0 = none
    on_bad_asset: str = "error"                      # error | skip
    write_vertices: bool = False
    antialias: bool = False                          # silhouette antialiasing of the RGB (~+4 ms CPU/sample)
    shadows: bool = False                            # key-light shadow map (scene/shadows.py; ~+0.6 ms CPU/sample)
    shadow_map_size: int = 256                       # shadow map resolution (S x S texels; 128: ~+0.5 ms)

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        H, W = self.resolution
        _check(16 <= H <= 4096 and 16 <= W <= 4096, "resolution", self.resolution, "(H, W) with 16 <= H, W <= 4096")
        _check(0.0 <= self.right_ratio <= 1.0, "right_ratio", self.right_ratio, "a probability in [0, 1]")
        sources = ("anatomical", "library", "random", "file", "graspxl", "prior", "mixture")
        _check(self.pose_source in sources, "pose_source", self.pose_source, ", ".join(sources))
        w = self.pose_weights or {}
        _check(self.pose_source != "mixture" or (
            set(w) <= set(sources[:6]) and min(w.values(), default=-1) >= 0 and sum(w.values()) > 0),
            "pose_weights", self.pose_weights,
            f"non-negative weights of {', '.join(sources[:6])} with a positive sum (pose_source 'mixture')")
        needs_prior = self.pose_source == "prior" or (self.pose_source == "mixture" and w.get("prior", 0) > 0)
        _check(not needs_prior or (self.pose_prior_checkpoint is not None
                                   and os.path.isfile(os.fspath(self.pose_prior_checkpoint))),
               "pose_prior_checkpoint", self.pose_prior_checkpoint,
               "an existing VAE prior file (handraster prior train) for the 'prior' pose source")
        pp = self.pose_prior_pool
        _check(isinstance(pp, (int, np.integer)) and not isinstance(pp, (bool, np.bool_)) and 1 <= pp <= 1_000_000,
               "pose_prior_pool", pp, "an integer in [1, 1000000]")
        _check(0.0 < self.pose_prior_temperature <= 3.0, "pose_prior_temperature", self.pose_prior_temperature,
               "in (0, 3]")
        needs_file = self.pose_source in ("file", "graspxl") or (
            self.pose_source == "mixture" and (w.get("file", 0) > 0 or w.get("graspxl", 0) > 0))
        _check(not needs_file or (self.pose_file is not None and os.path.exists(os.fspath(self.pose_file))),
               "pose_file", self.pose_file, "an existing pose file or folder for the file/graspxl pose source")
        _check(self.pose_file_format in ("auto", "freihand", "npz", "graspxl"), "pose_file_format",
               self.pose_file_format, "auto, freihand, npz or graspxl")
        _check(self.pose_file_order in ("random", "sequential"), "pose_file_order", self.pose_file_order,
               "random or sequential")
        _check(self.graspxl_objects is None or os.path.isdir(os.fspath(self.graspxl_objects)), "graspxl_objects",
               self.graspxl_objects, "an existing folder of GraspXL object meshes (or None)")
        _check(isinstance(self.graspxl_render_object, (bool, np.bool_)), "graspxl_render_object",
               self.graspxl_render_object, "true or false")
        _check(self.graspxl_convention in ("auto", "original", "tabletop"), "graspxl_convention",
               self.graspxl_convention, "auto, original or tabletop")
        mf = self.graspxl_max_faces
        _check(isinstance(mf, (int, np.integer)) and not isinstance(mf, (bool, np.bool_)) and 12 <= mf <= 100_000,
               "graspxl_max_faces", mf, "an integer in [12, 100000]")
        _check(0.0 <= self.pose_jitter_deg <= 90.0, "pose_jitter_deg", self.pose_jitter_deg, "in [0, 90] degrees")
        _check(0.0 <= self.shape_std <= 3.0, "shape_std", self.shape_std, "in [0, 3]")
        _check(self.shape_dist in ("normal", "uniform", "zero"), "shape_dist", self.shape_dist,
               "normal, uniform or zero")
        _check(0.0 < self.shape_clip <= 10.0, "shape_clip", self.shape_clip, "in (0, 10]")
        dw = self.distance_weights
        _check(dw is None or (len(dw) == len(self.distance_means) and min(dw) >= 0 and sum(dw) > 0),
               "distance_weights", dw, "one non-negative weight per distance mean, positive sum")
        _check(0.0 <= self.view_spread_deg <= 180.0, "view_spread_deg", self.view_spread_deg, "in [0, 180] degrees")
        _check(len(self.light_types) > 0 and set(self.light_types) <= {"point", "directional", "spot", "ambient"}
               and set(self.light_types) != {"ambient"}, "light_types", self.light_types,
               "a non-empty subset of point, directional, spot, ambient with at least one non-ambient type")
        lo, hi = self.skin_tone_range
        _check(0.0 <= lo <= hi <= 1.0, "skin_tone_range", self.skin_tone_range, "0 <= min <= max <= 1")
        _check(self.skin_texture_dir is None or os.path.isdir(os.fspath(self.skin_texture_dir)),
               "skin_texture_dir", self.skin_texture_dir, "an existing folder of texture images")
        _check(self.skin_texture_model is None or os.path.isfile(os.fspath(self.skin_texture_model)),
               "skin_texture_model", self.skin_texture_model, "an existing texture model .npz file")
        _check(isinstance(self.skin_texture_model_count, int) and 1 <= self.skin_texture_model_count <= 4096,
               "skin_texture_model_count", self.skin_texture_model_count, "an integer in [1, 4096]")
        _check(self.skin_procedural or self.skin_texture_dir is not None or self.skin_texture_model is not None,
               "skin_procedural", self.skin_procedural,
               "True unless skin_texture_dir or skin_texture_model gives textures")
        for key in ("skin_diversity", "background_diversity"):
            v = getattr(self, key)
            _check(0.0 < v <= 1.0, key, v, "a fraction in (0, 1]")
        from handraster.scene.meshes import PRIMITIVES
        _check(set(self.object_primitives) <= set(PRIMITIVES) and len(set(self.object_primitives)) == len(
            self.object_primitives) and (len(self.object_primitives) > 0 or self.object_mesh_dir is not None),
            "object_primitives", self.object_primitives,
            f"distinct names from {PRIMITIVES} (may be empty only with object_mesh_dir)")
        _check(self.object_mesh_dir is None or os.path.isdir(os.fspath(self.object_mesh_dir)),
               "object_mesh_dir", self.object_mesh_dir, "an existing folder of meshes")
        _check(self.camera in ("anyhand", "dataset"), "camera", self.camera, "anyhand or dataset")
        _check(1.0 < self.fov_deg[0] <= self.fov_deg[1] < 170.0, "fov_deg", self.fov_deg,
               "increasing, within (1, 170) degrees")
        _check(all(0.1 <= m <= 20 for m in self.distance_means), "distance_means", self.distance_means,
               "metres in [0.1, 20]")
        _check(1 <= self.views <= 16, "views", self.views, "1..16")
        _check(0 < self.near < self.far, "near/far", (self.near, self.far), "0 < near < far")
        _check(1 <= self.lights[0] <= self.lights[1] <= 5, "lights", self.lights, "1 <= min <= max <= 5")
        for key in ("right_ratio", "vivid_light_prob", "sleeve_prob", "object_prob",
                    "forearm_mean_color_prob", "object_random_color_prob"):
            v = getattr(self, key)
            _check(0.0 <= v <= 1.0, key, v, "a probability in [0, 1]")
        for key in ("light_intensity", "ambient", "exposure", "blotch_amp", "crease", "skin_roughness",
                    "forearm_length", "object_size"):
            lo, hi = getattr(self, key)
            _check(0.0 <= lo <= hi, key, (lo, hi), "0 <= min <= max")
        _check(len(self.background_weights) == 3 and min(self.background_weights) >= 0
               and sum(self.background_weights) > 0, "background_weights", self.background_weights,
               "three non-negative weights (photo, environment, solid) with a positive sum")
        _check(self.camera != "dataset" or self.dataset_K is not None, "dataset_K", None,
               "an [N, 3, 3] array of intrinsics when camera is 'dataset'")
        _check(self.on_bad_asset in ("error", "skip"), "on_bad_asset", self.on_bad_asset, "error or skip")
        _check(self.background_depth >= 0, "background_depth", self.background_depth, ">= 0 metres")
        _check(isinstance(self.shadows, (bool, np.bool_)), "shadows", self.shadows, "true or false")
        sz = self.shadow_map_size
        _check(isinstance(sz, (int, np.integer)) and not isinstance(sz, (bool, np.bool_)) and 32 <= sz <= 4096,
               "shadow_map_size", sz, "an integer in [32, 4096]")

    def replace(self, **kw) -> "SceneConfig":
        names = {f.name for f in fields(self)}
        bad = [k for k in kw if k not in names]
        if bad:
            raise ConfigError(f"unknown scene config key(s) {bad}")
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d.update(kw)
        return SceneConfig(**d)
