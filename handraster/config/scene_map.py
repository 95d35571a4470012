"""GenerateConfig (the YAML) -> the scene renderer's SceneConfig (handraster/scene/config.py).

The one place where YAML keys meet renderer fields: SCENE_KEYS maps each SceneConfig field to
the YAML key it comes from, so the renderer's own range errors are reported under the user's
key. YAML keys that the renderer does not implement yet are accepted at their default value
and refused (ConfigError naming the key) when changed, rather than silently ignored.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from handraster.config.io import ConfigError

# SceneConfig field -> YAML key
SCENE_KEYS = {
    "resolution": "resolution", "model": "model.name", "right_ratio": "model.side_ratio_right",
    "pose_source": "pose.source", "pose_file": "pose.file", "pose_file_format": "pose.file_format",
    "pose_file_flat_hand_mean": "pose.file_flat_hand_mean", "pose_file_order": "pose.file_order",
    "pose_weights": "pose.weights", "pose_jitter_deg": "pose.jitter_deg",
    "pose_prior_checkpoint": "pose.prior_checkpoint", "pose_prior_pool": "pose.prior_pool",
    "pose_prior_temperature": "pose.prior_temperature",
    "graspxl_objects": "pose.graspxl_objects", "graspxl_render_object": "pose.graspxl_render_object",
    "graspxl_convention": "pose.graspxl_convention", "graspxl_max_faces": "pose.graspxl_max_faces",
    "shape_std": "shape.std", "shape_dist": "shape.dist", "shape_clip": "shape.clip", "camera": "camera.sampler",
    "fov_deg": "camera.fov_deg", "distance_means": "camera.distance_means",
    "distance_std": "camera.distance_std", "distance_weights": "camera.distance_weights",
    "view_spread_deg": "camera.view_spread_deg", "dataset_K": "camera.K_file", "views": "camera.views",
    "near": "camera.near", "far": "camera.far", "center_jitter": "camera.center_jitter",
    "lights": "lights.count", "light_types": "lights.types", "vivid_light_prob": "lights.vivid_prob",
    "light_intensity": "lights.intensity", "ambient": "lights.ambient", "exposure": "lights.exposure",
    "blotch_amp": "skin.blotch_amp", "crease": "skin.crease", "skin_roughness": "skin.roughness",
    "skin_tone_range": "skin.tone_range", "skin_diversity": "skin.diversity",
    "skin_texture_dir": "skin.texture_dir", "skin_procedural": "skin.procedural",
    "skin_texture_model": "skin.texture_model", "skin_texture_model_count": "skin.texture_model_count",
    "forearm": "forearm.enabled", "sleeve_prob": "forearm.sleeve_prob", "forearm_length": "forearm.length",
    "forearm_mean_color_prob": "forearm.mean_color_prob", "object_prob": "objects.prob",
    "object_size": "objects.size", "object_random_color_prob": "objects.random_color_prob",
    "object_primitives": "objects.primitives", "object_mesh_dir": "objects.mesh_dir",
    "background_weights": "background.sources", "background_folder": "background.folder",
    "hdri_folder": "background.hdri_dir", "background_diversity": "background.diversity",
    "background_depth": "background.depth",
    "on_bad_asset": "on_bad_asset", "antialias": "antialias", "write_vertices": "output.write_vertices",
    "shadows": "lights.shadows", "shadow_map_size": "lights.shadow_map_size",
}

# YAML keys the renderer does not read yet (their defaults describe what it does anyway).
NOT_YET = ("model.flat_hand_mean", "objects.max_count")
RENDERER_POSE_SOURCES = ("anatomical", "library", "random", "file", "graspxl", "prior", "mixture")


def _get(d: dict, dotted: str):
    for k in dotted.split("."):
        d = d[k]
    return d


def load_K_file(path) -> np.ndarray:
    """A JSON list of 3x3 intrinsics (FreiHAND's training_K.json) -> float32 [N, 3, 3]."""
    try:
        K = np.asarray(json.loads(Path(path).read_text()), np.float32)
    except (OSError, ValueError) as e:
        raise ConfigError(f"camera.K_file: value {str(path)!r} cannot be read as a JSON list of 3x3 "
                          f"matrices ({e})") from None
    if K.ndim != 3 or K.shape[1:] != (3, 3) or len(K) == 0:
        raise ConfigError(f"camera.K_file: value {str(path)!r} holds shape {K.shape}, expected [N, 3, 3]")
    return K


def scene_kwargs(cfg) -> dict:
    """SceneConfig keyword arguments for ``cfg`` (a GenerateConfig); ConfigError for YAML keys
    the renderer cannot honour."""
    from handraster.config.schema import GenerateConfig
    d, default = cfg.model_dump(), GenerateConfig().model_dump()
    changed = [k for k in NOT_YET if _get(d, k) != _get(default, k)]
    problems = [f"{k}: value {_get(d, k)!r} is not supported by the scene renderer yet (leave the "
                f"default {_get(default, k)!r})" for k in changed]
    if cfg.pose.source not in RENDERER_POSE_SOURCES:
        problems.append(f"pose.source: value {cfg.pose.source!r} is not supported by the scene renderer "
                        f"yet; supported: {', '.join(RENDERER_POSE_SOURCES)}")
    if cfg.pose.source in ("file", "graspxl") or (cfg.pose.source == "mixture" and (
            cfg.pose.weights.get("file", 0) > 0 or cfg.pose.weights.get("graspxl", 0) > 0)):
        if cfg.pose.file is None:
            problems.append(f"pose.file: a pose file is required for pose.source {cfg.pose.source!r}"
                            + (" with a 'file'/'graspxl' weight" if cfg.pose.source == "mixture" else ""))
    if cfg.camera.sampler == "dataset" and cfg.camera.K_file is None:
        problems.append("camera.K_file: a JSON list of 3x3 intrinsics is required when camera.sampler "
                        "is 'dataset' (e.g. FreiHAND's training_K.json)")
    if problems:
        raise ConfigError("\n".join(problems))
    kw = {f: _get(d, k) for f, k in SCENE_KEYS.items()}
    kw["pose_weights"] = dict(cfg.pose.weights) if cfg.pose.source == "mixture" else None
    if kw["pose_file_order"] == "auto":  # dataset-matched poses go with dataset-matched cameras
        kw["pose_file_order"] = "sequential" if cfg.camera.sampler == "dataset" else "random"
    if kw["distance_weights"] is not None:
        kw["distance_weights"] = tuple(float(w) for w in kw["distance_weights"])
    src = cfg.background.sources
    kw["background_weights"] = tuple(float(src.get(n, 0.0)) for n in ("photo", "environment", "solid"))
    kw["dataset_K"] = load_K_file(cfg.camera.K_file) if cfg.camera.sampler == "dataset" else None
    for f in ("resolution", "fov_deg", "distance_means", "lights", "light_intensity", "ambient", "exposure",
              "blotch_amp", "crease", "skin_roughness", "forearm_length", "object_size", "light_types",
              "skin_tone_range", "object_primitives"):
        kw[f] = tuple(kw[f])
    return kw


def to_scene_config(cfg):
    """The renderer's SceneConfig for ``cfg``; its range errors come back under the YAML key."""
    from handraster.scene.config import ConfigError as SceneConfigError
    from handraster.scene.config import SceneConfig
    kw = scene_kwargs(cfg)
    try:
        return SceneConfig(**kw)
    except SceneConfigError as e:
        msg = str(e)
        field = msg.split(":", 1)[0].strip()
        key = SCENE_KEYS.get(field) or ("camera.near/far" if field == "near/far" else field)
        raise ConfigError(f"{key}: {msg.split(':', 1)[1].strip() if ':' in msg else msg} "
                          f"(scene renderer's range)") from None
