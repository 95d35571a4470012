"""GenerateConfig: the one config object of `handraster generate` (scene sections in
schema_scene.py; augmentation, output and the top level here). Field descriptions are the
documentation: ``handraster config --print-default`` writes them as YAML comments."""
from __future__ import annotations

import hashlib
import json
from typing import List, Literal, Optional

from pydantic import Field, field_validator

from handraster.config.schema_scene import (BackgroundConfig, CameraConfig, ForearmConfig, LightsConfig,
                                            ModelConfig, ObjectsConfig, PoseConfig, Section, ShapeConfig,
                                            SkinConfig)


class AmplitudeSpectrumConfig(Section):
    """PASTA amplitude-spectrum augmentation (handraster.augment.AmplitudeSpectrum): each
    frequency's amplitude is scaled by N(1, sigma), sigma = (alpha r / r_max)^k + beta."""
    p: float = Field(0.5, ge=0.0, le=1.0, description="probability per sample")
    alpha: float = Field(3.0, ge=0.0, le=20.0, description="strength growth with frequency")
    beta: float = Field(0.25, ge=0.0, le=5.0, description="base strength")
    k: float = Field(2.0, ge=0.0, le=8.0, description="frequency exponent")
    mode: Literal["per_channel", "const"] = Field("per_channel", description="'per_channel': independent "
                                                 "draws per colour channel; 'const': one draw for all")


class SegmentsConfig(Section):
    """Real-mask compositing (gap paper, Eq. 2; handraster.augment.composite_segments): real
    arm and object segments composed over the render, mask and visibility updated."""
    p: float = Field(0.0, ge=0.0, le=1.0, description="probability per sample")
    source_dir: Optional[str] = Field(None, description="folder of real segments (image + arm "
                                      "mask + object mask per frame; see SegmentBank.from_folder)")
    pairing: Literal["sequential", "random"] = Field("sequential", description="which bank frame "
                                                     "goes with which sample")
    variant: Literal["real", "color"] = Field("real", description="'real' textures, or 'color': "
                                              "flat colours (the paper's control)")
    binary: bool = Field(False, description="threshold the masks at 0.5 instead of soft alpha")
    use_arm: bool = Field(True, description="compose the arm segment")
    use_obj: bool = Field(True, description="compose the object segment")


class AugmentConfig(Section):
    enabled: bool = Field(True, description="apply augmentation when generating (ablation: false)")
    amplitude_spectrum: AmplitudeSpectrumConfig = Field(default_factory=AmplitudeSpectrumConfig,
                                                        description="amplitude-spectrum augmentation")
    segments: SegmentsConfig = Field(default_factory=SegmentsConfig, description="real-mask compositing")


class OutputConfig(Section):
    format: Literal["webdataset", "folder", "freihand"] = Field(
        "webdataset", description="'webdataset': tar shards (HaMeR keys + ours); 'folder': one "
        "folder per shard; 'freihand': FreiHAND-style training_*.json + rgb/ mask/")
    rgb: Literal["jpg", "png"] = Field("jpg", description="RGB image encoding")
    jpeg_quality: int = Field(95, ge=1, le=100, description="JPEG quality")
    jpeg_subsampling: Literal["4:2:0", "4:4:4"] = Field(
        "4:2:0", description="JPEG chroma subsampling ('4:4:4': sharper colour edges, ~1.5x larger files)")
    png_compress_level: int = Field(1, ge=0, le=9, description="zlib level of PNGs (1 = fast)")
    depth: bool = Field(True, description="write depth as a 16-bit PNG")
    depth_scale: float = Field(1e-4, gt=0.0, le=1.0, description="metres per depth PNG unit "
                               "(1e-4: 0.1 mm steps, up to 6.55 m)")
    mask: bool = Field(True, description="write the part-label mask PNG")
    shard_size: int = Field(1000, ge=1, le=10_000_000, description="samples per shard")
    batch_size: int = Field(32, ge=1, le=4096, description="samples rendered per renderer call")
    write_vertices: bool = Field(False, description="write per-sample vertices (npz, camera frame)")
    hamer_keypoint_conf: Literal["all", "visible"] = Field(
        "all", description="confidence column of HaMeR keypoints: 1 for every joint ('all': the "
        "labels are exact even when occluded) or the per-joint visibility ('visible')")
    freihand_mean_relative: bool = Field(True, description="FreiHAND export writes hand_pose "
                                         "relative to MANO's hands_mean (FreiHAND's convention)")


RendererName = Literal["auto", "real", "fake"]


class GenerateConfig(Section):
    """Everything `handraster generate` needs besides --num and --out."""
    version: int = Field(1, ge=1, le=1, description="config schema version")
    preset: Optional[str] = Field(None, description="preset this config starts from (default, "
                                  "anyhand-like, synfrei-like, ablation-...); keys below override it")
    seed: int = Field(0, ge=0, lt=2 ** 63, description="global seed; sample i is a pure function of "
                      "(config, seed, i)")
    renderer: RendererName = Field("auto", description="'real' scene renderer, 'fake' test renderer, "
                                   "or 'auto' (real if importable)")
    device: Literal["cpu", "cuda"] = Field("cpu", description="where the renderer runs")
    on_bad_asset: Literal["error", "skip"] = Field(
        "error", description="a corrupt background/texture/mesh file: stop with its path, or skip it")
    resolution: List[int] = Field([256, 256], description="image size [H, W], pixels")
    antialias: bool = Field(False, description="analytic silhouette antialiasing of the RGB "
                            "(masks and depth stay exact; about +4 ms CPU per 256x256 sample)")
    model: ModelConfig = Field(default_factory=ModelConfig, description="hand model")
    pose: PoseConfig = Field(default_factory=PoseConfig, description="pose source")
    shape: ShapeConfig = Field(default_factory=ShapeConfig, description="shape (betas) distribution")
    camera: CameraConfig = Field(default_factory=CameraConfig, description="camera sampler")
    lights: LightsConfig = Field(default_factory=LightsConfig, description="lighting")
    skin: SkinConfig = Field(default_factory=SkinConfig, description="skin appearance")
    forearm: ForearmConfig = Field(default_factory=ForearmConfig, description="forearm")
    objects: ObjectsConfig = Field(default_factory=ObjectsConfig, description="occluding objects")
    background: BackgroundConfig = Field(default_factory=BackgroundConfig, description="backgrounds")
    augment: AugmentConfig = Field(default_factory=AugmentConfig, description="augmentation")
    output: OutputConfig = Field(default_factory=OutputConfig, description="what is written and how")

    @field_validator("resolution")
    @classmethod
    def _resolution(cls, v):
        if len(v) != 2 or any(not (16 <= s <= 4096) for s in v):
            raise ValueError("must be [H, W] with each within [16, 4096]")
        return v

    # ----- identity ------------------------------------------------------------------------
    def content_dict(self) -> dict:
        """The keys that decide the samples' bytes (device and the preset label excluded)."""
        d = self.model_dump(mode="json")
        d.pop("device", None)
        d.pop("preset", None)
        return d

    def content_hash(self) -> str:
        """sha256 (hex) of the canonical JSON of content_dict()."""
        blob = json.dumps(self.content_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()
