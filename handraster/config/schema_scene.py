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
    if len(v) != 2:
        raise ValueError("must be a pair [min, max]")
    a, b = v

    def inside(x):
        return (x > lo if open_lo else x >= lo) and (x < hi if open_hi else x <= hi)

    if not (inside(a) and inside(b) and (a < b if strict else a <= b)):
        lb, rb = ("(" if open_lo else "["), (")" if open_hi else "]")
        order = "strictly increasing" if strict else "increasing ([min, max])"
        raise ValueError(f"must be {order}, within {lb}{lo:g}, {hi:g}{rb}")
    return v


def _metre_range(cls, v):
    """A [min, max] length pair in metres, within [0, 1)."""
    return check_range(v, 0.0, 1.0, open_lo=False)


class ModelConfig(Section):
    name: str = Field("default", description="hand model: 'default' (built-in, openly licensed), "
                      "a MANO file or folder (MANO_RIGHT.pkl / .npz), or 'nimble:<path>'")
    side_ratio_right: float = Field(0.5, ge=0.0, le=1.0,
                                    description="fraction of right hands (the rest are left, mirrored)")
    flat_hand_mean: bool = Field(True, description="hand_pose values are relative to the flat hand "
                                 "(True) or to the model's hands_mean (False, smplx's default)")


class PoseConfig(Section):
    source: Literal["anatomical", "library", "random", "file", "prior", "graspxl", "mixture"] = Field(
        "anatomical", description="pose source: anatomical sampler, built-in pose library, uniform "
        "random joint angles, a file of MANO params, the VAE prior, GraspXL files, or a mixture")
    file: Optional[str] = Field(None, description="pose file for source 'file' (FreiHAND "
                                "training_mano.json or an .npz with hand_pose [N,45]) or a GraspXL folder")
    file_format: Literal["auto", "freihand", "npz", "graspxl"] = Field(
        "auto", description="format of pose.file; auto = by extension")
    file_flat_hand_mean: bool = Field(False, description="poses in pose.file are relative to the "
                                      "flat hand (True) or to MANO's hands_mean (False, as FreiHAND)")
    prior_checkpoint: Optional[str] = Field(None, description="VAE prior file (`handraster prior train`) "
                                            "for source 'prior': a pool of its joint samples is turned into "
                                            "poses by closed-form IK (poses/ik.py) once, scenes draw from it")
    prior_pool: int = Field(4096, ge=1, le=1_000_000, description="size of the pool of prior poses "
                            "(drawn once with a fixed seed; pose.jitter_deg adds per-scene variation)")
    prior_temperature: float = Field(1.0, gt=0.0, le=3.0, description="std of the prior's latent draws "
                                     "(< 1: closer to the training poses, > 1: more varied)")
    weights: Dict[str, float] = Field(
        default_factory=lambda: {"anatomical": 0.7, "library": 0.3},
        description="mixture weights per source (source 'mixture' only); non-negative, sum > 0")
    file_order: Literal["auto", "random", "sequential"] = Field(
        "auto", description="which pose.file entry a scene uses: 'sequential' = scene s takes entry "
        "s % N (dataset-matched; with camera.sampler 'dataset' also K s % N), 'random' = a seeded "
        "draw; 'auto' = sequential when camera.sampler is 'dataset' (synfrei-like), else random")
    jitter_deg: float = Field(0.0, ge=0.0, le=90.0,
                              description="Gaussian jitter (std, degrees) added to every joint angle")
    graspxl_objects: Optional[str] = Field(None, description="folder of GraspXL object meshes "
                                           "(<size>/<id>/<id>.obj, <id>/<id>.obj or <id>.obj); meshes "
                                           "are also looked for next to each recording as <id>.obj")
    graspxl_render_object: bool = Field(True, description="GraspXL poses show their recording's object "
                                        "(in place of the random occluder); a missing mesh is an error "
                                        "unless on_bad_asset is 'skip' (then that recording's hand alone)")
    graspxl_convention: Literal["auto", "original", "tabletop"] = Field(
        "auto", description="GraspXL hand convention: 'original' (MANO mean-relative pose, vertices + "
        "trans), 'tabletop' (flat pose, root joint at trans); auto = tabletop under a *_tabletop folder")
    graspxl_max_faces: int = Field(3000, ge=12, le=100_000, description="GraspXL object meshes with "
                                   "more faces are decimated to this many")

    @field_validator("weights")
    @classmethod
    def _weights(cls, v):
        allowed = {"anatomical", "library", "random", "file", "prior", "graspxl"}
        bad = sorted(set(v) - allowed)
        if bad:
            raise ValueError(f"has unknown source(s) {bad}; allowed: {sorted(allowed)}")
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("must be non-negative with a positive sum")
        return v


class ShapeConfig(Section):
    dist: Literal["normal", "uniform", "zero"] = Field("normal", description="distribution of betas")
    std: float = Field(1.0, ge=0.0, le=3.0, description="std (normal) or half-width (uniform) of betas")
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
    view_spread_deg: float = Field(30.0, ge=0.0, le=180.0, description="views after a scene's first "
                                   "look from within this angle (degrees) of the first view's direction "
                                   "(AnyHand's second view); 180 = independent directions")
    K_file: Optional[str] = Field(None, description="JSON list of 3x3 K matrices (sampler 'dataset')")
    center_jitter: float = Field(0.25, ge=0.0, le=1.0, description="hand centre offset in the "
                                 "image, fraction of the free margin")
    near: float = Field(0.05, gt=0.0, description="near clip plane, metres")
    far: float = Field(10.0, gt=0.0, description="far clip plane, metres")

    @field_validator("fov_deg")
    @classmethod
    def _fov(cls, v):
        return check_range(v, 1.0, 170.0)

    @field_validator("distance_means")
    @classmethod
    def _means(cls, v):
        if not v or any(not (0.1 <= m <= 20.0) for m in v):
            raise ValueError("must be a non-empty list of distances within [0.1, 20] metres")
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
        ["point", "directional", "spot"], description="light types drawn from (weights directional "
        "0.5, point 0.3, spot 0.2, ambient 0.15, renormalised); 'ambient' adds uniform light")
    vivid_prob: float = Field(0.15, ge=0.0, le=1.0, description="probability that a light is coloured")
    intensity: List[float] = Field([1.5, 4.0], description="light intensity range [min, max]")
    ambient: List[float] = Field([0.3, 1.0], description="ambient strength range [min, max] "
                                 "(fraction of the background's)")
    exposure: List[float] = Field([0.8, 1.25], description="exposure multiplier range [min, max]")
    shadows: bool = Field(False, description="shadows from the key (strongest) light: a shadow map "
                          "of hand, forearm and object; off by default: about +0.6 ms CPU per 256x256 sample with "
                          "a 256^2 map, +0.5 ms with 128^2 (BENCHMARKS.md)")
    shadow_map_size: int = Field(256, ge=32, le=4096, description="shadow map resolution (texels per side; "
                                 "128 is a little cheaper, with softer, blurrier shadows)")

    @field_validator("count")
    @classmethod
    def _count(cls, v):
        return check_range(v, 1, 5, open_lo=False, open_hi=False)

    @field_validator("intensity", "ambient", "exposure")
    @classmethod
    def _pair(cls, v):
        return check_range(v, 0.0, 100.0, open_lo=False)


class SkinConfig(Section):
    procedural: bool = Field(True, description="use procedural skin textures")
    texture_dir: Optional[str] = Field(None, description="folder of skin texture images (UV maps)")
    texture_model: Optional[str] = Field(None, description="linear skin texture model .npz (NIMBLE-style "
                                         "mean + basis @ a in the model's UV space; docs/assets.md)")
    texture_model_count: int = Field(64, ge=1, le=4096, description="textures drawn once from "
                                     "texture_model (a fixed pool, the same for every seed)")
    tone_range: List[float] = Field([0.0, 1.0], description="skin tone range, 0 lightest .. 1 darkest")
    diversity: float = Field(1.0, gt=0.0, le=1.0, description="fraction of the skin pool used "
                             "(ablation: 0.05 / 0.25 / 0.5): below 1, skins come from a fixed pool "
                             "of 200 procedural skin parameter sets (tone, blotches, creases...), "
                             "first fraction only; 1 = drawn afresh per scene")
    blotch_amp: List[float] = Field([0.03, 0.12], description="procedural skin blotch amplitude range")
    crease: List[float] = Field([0.15, 0.45], description="procedural skin crease strength range")
    roughness: List[float] = Field([0.35, 0.6], description="skin roughness range")

    @field_validator("tone_range", "blotch_amp", "crease", "roughness")
    @classmethod
    def _unit_pair(cls, v):
        return check_range(v, 0.0, 1.0, open_lo=False, open_hi=False)


class ForearmConfig(Section):
    enabled: bool = Field(True, description="attach a forearm at the wrist")
    sleeve_prob: float = Field(0.3, ge=0.0, le=1.0, description="probability of a sleeve")
    length: List[float] = Field([0.06, 0.25], description="visible forearm length range, metres")
    mean_color_prob: float = Field(0.0, ge=0.0, le=1.0, description="probability of painting the "
                                   "forearm in the hand's mean colour (gap paper variant)")

    _length = field_validator("length")(_metre_range)


class ObjectsConfig(Section):
    prob: float = Field(0.3, ge=0.0, le=1.0, description="probability of an occluding/held object")
    primitives: List[Literal["box", "cylinder", "sphere", "capsule", "torus"]] = Field(
        ["box", "cylinder", "sphere", "capsule", "torus"], description="primitive shapes drawn from "
        "(equally likely with the mesh_dir meshes); may be empty when mesh_dir is set")
    mesh_dir: Optional[str] = Field(None, description="folder of object meshes (.obj/.ply/.glb)")
    max_count: int = Field(1, ge=1, le=8, description="max objects per scene (the scene renderer draws at "
                           "most one: objects.prob is the chance of it; values > 1 are refused for now)")
    size: List[float] = Field([0.03, 0.08], description="object size range, metres")
    random_color_prob: float = Field(1.0, ge=0.0, le=1.0, description="probability of a random "
                                     "object colour")

    _size = field_validator("size")(_metre_range)


class BackgroundConfig(Section):
    sources: Dict[str, float] = Field(
        default_factory=lambda: {"photo": 0.7, "environment": 0.25, "solid": 0.05},
        description="weights of background kinds: photo (background.folder, else the built-in "
                    "photos), environment (HDR maps from background.hdri_dir, else built-in "
                    "procedural ones), solid colour")
    folder: Optional[str] = Field(None, description="folder of background photos (jpg/png/...); "
                                  "None = the built-in photos")
    hdri_dir: Optional[str] = Field(None, description="folder of equirectangular Radiance .hdr / .exr "
                                    "maps; None = built-in procedural environments")
    diversity: float = Field(1.0, gt=0.0, le=1.0, description="fraction of the photo and "
                             "environment pools used, first files in sorted order, at least one "
                             "each (ablation: 0.05 / 0.25 / 0.5); solid colours are not restricted")
    depth: float = Field(0.0, ge=0.0, le=100.0, description="depth of a constant background plane, "
                         "metres (0 = backgrounds have no depth)")

    @field_validator("sources")
    @classmethod
    def _sources(cls, v):
        allowed = {"photo", "environment", "solid"}
        bad = sorted(set(v) - allowed)
        if bad:
            raise ValueError(f"has unknown source(s) {bad}; allowed: {sorted(allowed)}")
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("must be non-negative with a positive sum")
        return v
