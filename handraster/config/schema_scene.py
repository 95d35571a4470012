"""Config sections that describe the scene: model, pose, shape, camera, lights, skin,
forearm, objects, backgrounds. Every field carries a description (it becomes the comment in
``handraster config --print-default``) and a validator where a range applies; the messages
say what is allowed, and io.py prefixes them with the key path and the value."""
from __future__ import annotations

from typing import Dict, List, Literal, Optional, Tuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Section(BaseModel):
    """Base of every section: unknown keys are errors, assignments are validated."""
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def check_range(v, lo: float, hi: float, *, open_lo=True, open_hi=True, strict=False):
    """A [min, max] pair inside (lo, hi) (closed ends when open_lo/open_hi are False) with
    min <= max (min < max when strict)."""
    a, b = v

    def inside(x):
        return (x > lo if open_lo else x >= lo) and (x < hi if open_hi else x <= hi)

    if not (inside(a) and inside(b) and (a < b if strict else a <= b)):
        lb, rb = ("(" if open_lo else "["), (")" if open_hi else "]")
        order = "strictly increasing" if strict else "increasing ([min, max])"
        raise ValueError(f"must be {order}, within {lb}{lo:g}, {hi:g}{rb}")
    return v


class ModelConfig(Section):
    name: str = Field("default", description="hand model: 'default' (built-in, openly licensed), "
                      "a MANO file or folder (MANO_RIGHT.pkl / .npz), or 'nimble:<path>'")
    side_ratio_right: float = Field(0.5, ge=0.0, le=1.0,
                                    description="fraction of right hands (the rest are left, mirrored)")
    flat_hand_mean: bool = Field(True, description="hand_pose values are relative to the flat hand "
                                 "(True) or to the model's hands_mean (False, smplx's default)")


class PoseConfig(Section):
    source: Literal["anatomical", "library", "file", "prior", "graspxl", "mixture"] = Field(
        "anatomical", description="pose source: anatomical sampler, built-in pose library, a file "
        "of MANO params, the VAE prior, GraspXL files, or a weighted mixture")
    file: Optional[str] = Field(None, description="pose file for source 'file' (FreiHAND "
                                "training_mano.json or an .npz with hand_pose [N,45]) or a GraspXL folder")
    file_format: Literal["auto", "freihand", "npz", "graspxl"] = Field(
        "auto", description="format of pose.file; auto = by extension")
    file_flat_hand_mean: bool = Field(False, description="poses in pose.file are relative to the "
                                      "flat hand (True) or to MANO's hands_mean (False, as FreiHAND)")
    prior_checkpoint: Optional[str] = Field(None, description="VAE prior checkpoint for source 'prior'")
    weights: Dict[str, float] = Field(
        default_factory=lambda: {"anatomical": 0.7, "library": 0.3},
        description="mixture weights per source (source 'mixture' only); non-negative, sum > 0")
    jitter_deg: float = Field(0.0, ge=0.0, le=90.0,
                              description="Gaussian jitter (std, degrees) added to every joint angle")

    @field_validator("weights")
    @classmethod
    def _weights(cls, v):
        allowed = {"anatomical", "library", "file", "prior", "graspxl"}
        bad = sorted(set(v) - allowed)
        if bad:
            raise ValueError(f"has unknown source(s) {bad}; allowed: {sorted(allowed)}")
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("must be non-negative with a positive sum")
        return v


class ShapeConfig(Section):
    dist: Literal["normal", "uniform", "zero"] = Field("normal", description="distribution of betas")
    std: float = Field(1.0, ge=0.0, le=10.0, description="std (normal) or half-width (uniform) of betas")
    clip: float = Field(3.0, gt=0.0, le=10.0, description="betas are clipped to [-clip, clip]")


class CameraConfig(Section):
    sampler: Literal["anyhand", "dataset"] = Field(
        "anyhand", description="'anyhand': FOV and distance sampling; 'dataset': intrinsics drawn "
        "from camera.K_file (dataset-matched, e.g. FreiHAND's training_K.json)")
    fov_deg: List[float] = Field([30.0, 40.0], description="horizontal field of view range [min, max], degrees")
    distance_means: List[float] = Field([0.6, 0.7, 1.0], description="camera-to-hand distance "
                                        "mixture component means, metres")
    distance_std: float = Field(0.1, ge=0.0, le=2.0, description="std of each distance component, metres")
    distance_weights: Optional[List[float]] = Field(None, description="mixture weights (default equal)")
    views: int = Field(1, ge=1, le=16, description="views per scene (AnyHand uses 2); sample i is "
                       "view i % views of scene i // views")
    view_spread_deg: float = Field(30.0, ge=0.0, le=180.0, description="max angle between views of a scene")
    K_file: Optional[str] = Field(None, description="JSON list of 3x3 K matrices (sampler 'dataset')")
    near: float = Field(0.05, gt=0.0, description="near clip plane, metres")
    far: float = Field(5.0, gt=0.0, description="far clip plane, metres")

    @field_validator("fov_deg")
    @classmethod
    def _fov(cls, v):
        if len(v) != 2:
            raise ValueError("must be a pair [min, max]")
        return check_range(v, 1.0, 170.0)

    @field_validator("distance_means")
    @classmethod
    def _means(cls, v):
        if not v or any(not (0.05 < m < 20.0) for m in v):
            raise ValueError("must be a non-empty list of distances within (0.05, 20) metres")
        return v

    @model_validator(mode="after")
    def _planes(self):
        if self.near >= self.far:
            raise ValueError(f"camera.near ({self.near}) must be less than camera.far ({self.far})")
        if self.distance_weights is not None and (
                len(self.distance_weights) != len(self.distance_means)
                or any(w < 0 for w in self.distance_weights) or sum(self.distance_weights) <= 0):
            raise ValueError(f"camera.distance_weights {self.distance_weights} must have one "
                             f"non-negative weight per distance mean ({len(self.distance_means)}), sum > 0")
        return self


class LightsConfig(Section):
    count: List[int] = Field([1, 5], description="number of lights [min, max]")
    types: List[Literal["point", "directional", "spot", "ambient"]] = Field(
        ["point", "directional"], description="light types drawn from")
    vivid_prob: float = Field(0.3, ge=0.0, le=1.0, description="probability that a light is coloured")
    intensity: List[float] = Field([0.5, 2.0], description="light intensity range [min, max]")
    ambient: List[float] = Field([0.1, 0.4], description="ambient light range [min, max]")

    @field_validator("count")
    @classmethod
    def _count(cls, v):
        if len(v) != 2:
            raise ValueError("must be a pair [min, max]")
        return check_range(v, 0, 16, open_lo=False, open_hi=False)

    @field_validator("intensity", "ambient")
    @classmethod
    def _pair(cls, v):
        if len(v) != 2:
            raise ValueError("must be a pair [min, max]")
        return check_range(v, 0.0, 100.0, open_lo=False)


class SkinConfig(Section):
    procedural: bool = Field(True, description="use procedural skin textures")
    texture_dir: Optional[str] = Field(None, description="folder of skin texture images (UV maps)")
    tone_range: List[float] = Field([0.0, 1.0], description="skin tone range, 0 lightest .. 1 darkest")
    diversity: float = Field(1.0, gt=0.0, le=1.0, description="fraction of the texture pool used "
                             "(ablation: 0.05 / 0.25 / 0.5)")

    @field_validator("tone_range")
    @classmethod
    def _tone(cls, v):
        if len(v) != 2:
            raise ValueError("must be a pair [min, max]")
        return check_range(v, 0.0, 1.0, open_lo=False, open_hi=False)


class ForearmConfig(Section):
    enabled: bool = Field(True, description="attach a forearm at the wrist")
    sleeve_prob: float = Field(0.5, ge=0.0, le=1.0, description="probability of a sleeve")
    length: List[float] = Field([0.10, 0.25], description="visible forearm length range, metres")

    @field_validator("length")
    @classmethod
    def _length(cls, v):
        if len(v) != 2:
            raise ValueError("must be a pair [min, max]")
        return check_range(v, 0.0, 1.0, open_lo=False)


class ObjectsConfig(Section):
    prob: float = Field(0.3, ge=0.0, le=1.0, description="probability of an occluding/held object")
    primitives: List[Literal["box", "sphere", "cylinder", "capsule"]] = Field(
        ["box", "sphere", "cylinder"], description="primitive shapes drawn from")
    mesh_dir: Optional[str] = Field(None, description="folder of object meshes (.obj/.ply/.glb)")
    max_count: int = Field(2, ge=1, le=8, description="max objects per scene")


class BackgroundConfig(Section):
    sources: Dict[str, float] = Field(default_factory=lambda: {"builtin": 1.0, "folder": 0.0, "hdri": 0.0},
                                      description="weights of background sources: builtin, folder, hdri")
    folder: Optional[str] = Field(None, description="folder of background images (jpg/png)")
    hdri_dir: Optional[str] = Field(None, description="folder of Radiance .hdr environment maps")
    diversity: float = Field(1.0, gt=0.0, le=1.0, description="fraction of the background pool used "
                             "(ablation: 0.05 / 0.25 / 0.5)")

    @field_validator("sources")
    @classmethod
    def _sources(cls, v):
        allowed = {"builtin", "folder", "hdri"}
        bad = sorted(set(v) - allowed)
        if bad:
            raise ValueError(f"has unknown source(s) {bad}; allowed: {sorted(allowed)}")
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("must be non-negative with a positive sum")
        return v
