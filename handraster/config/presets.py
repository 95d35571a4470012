"""Named presets: partial configs merged under a user's file (``preset: anyhand-like`` in the
YAML, or ``--preset`` on the command line). Each ablation preset flips one factor of the
synthetic-to-real gap paper so its ablations can be re-made by changing one key."""
from __future__ import annotations

import copy
from typing import Dict

PRESETS: Dict[str, dict] = {
    # The built-in defaults (GenerateConfig()).
    "default": {},
    # AnyHand: RGB-D, two views per scene, FOV + distance camera sampling, 1-5 coloured
    # lights, forearm attached at the wrist, objects, depth and masks.
    "anyhand-like": {
        "camera": {"sampler": "anyhand", "fov_deg": [30.0, 40.0], "distance_means": [0.6, 0.7, 1.0],
                   "distance_std": 0.1, "views": 2},
        "lights": {"count": [1, 5], "vivid_prob": 0.5},
        "forearm": {"enabled": True, "sleeve_prob": 0.5},
        "objects": {"prob": 0.3},
        "output": {"depth": True, "mask": True},
    },
    # SynFrei-like (gap paper): FreiHAND-matched intrinsics and poses from a FreiHAND-format
    # file; set camera.K_file and pose.file to FreiHAND's training_K.json / training_mano.json.
    "synfrei-like": {
        "resolution": [224, 224],
        "camera": {"sampler": "dataset", "views": 1},
        "pose": {"source": "file", "file_format": "freihand", "file_flat_hand_mean": False},
        "forearm": {"enabled": True},
        "objects": {"prob": 0.3},
        "augment": {"enabled": True},
    },
    # Ablations (gap paper): one factor each.
    "ablation-no-forearm": {"forearm": {"enabled": False}},
    "ablation-no-objects": {"objects": {"prob": 0.0}},
    "ablation-no-augment": {"augment": {"enabled": False}},
    "ablation-bg-5": {"background": {"diversity": 0.05}},
    "ablation-bg-25": {"background": {"diversity": 0.25}},
    "ablation-bg-50": {"background": {"diversity": 0.5}},
    "ablation-tex-5": {"skin": {"diversity": 0.05}},
    "ablation-tex-25": {"skin": {"diversity": 0.25}},
    "ablation-tex-50": {"skin": {"diversity": 0.5}},
}


def preset_names() -> list:
    return list(PRESETS)


def get_preset(name: str) -> dict:
    """A deep copy of preset ``name``'s overrides (KeyError lists the known names)."""
    if name not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; known presets: {', '.join(PRESETS)}")
    return copy.deepcopy(PRESETS[name])


def deep_merge(base: dict, over: dict) -> dict:
    """base updated by over, recursively for nested dicts (over wins; neither is modified)."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out
