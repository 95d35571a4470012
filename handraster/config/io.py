"""Load, validate and write configs.

load_config(path | dict, overrides=["camera.views=2", ...]) -> GenerateConfig; every problem
becomes one ConfigError whose lines read ``key.path: value X <what is allowed>``.
dump_yaml(cfg) writes the config as YAML with each field's description as a comment.
check_paths(cfg) checks the files and folders the config names (run before generating)."""
from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Iterable, Optional, Union

import yaml
from pydantic import BaseModel, ValidationError

from handraster.config.presets import deep_merge, get_preset
from handraster.config.schema import GenerateConfig


class ConfigError(ValueError):
    """An invalid config; the message names each bad key, its value and what is allowed."""


def _fmt_value(v) -> str:
    s = repr(v) if isinstance(v, str) else str(v)
    return s if len(s) <= 80 else s[:77] + "..."


def _lookup(d, loc):
    for k in loc:
        try:
            d = d[k]
        except (KeyError, IndexError, TypeError):
            return None
    return d


def _model_at(loc) -> Optional[type]:
    """The pydantic model class that holds the last key of ``loc`` (for did-you-mean)."""
    cls = GenerateConfig
    for k in loc[:-1]:
        f = cls.model_fields.get(k) if isinstance(k, str) else None
        ann = getattr(f, "annotation", None)
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return None
        cls = ann
    return cls


def format_validation_error(err: ValidationError, data: dict) -> str:
    lines = []
    for e in err.errors():
        loc = tuple(e["loc"])
        key = ".".join(str(k) for k in loc) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            cls = _model_at(loc)
            names = list(cls.model_fields) if cls else []
            close = difflib.get_close_matches(str(loc[-1]), names, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            lines.append(f"{key}: unknown key{hint} (allowed: {', '.join(names)})")
            continue
        if e["type"] == "missing":
            lines.append(f"{key}: required key is missing")
            continue
        value = _lookup(data, loc) if loc else data
        if value is None and "input" in e:
            value = e["input"]
        if e["type"] == "value_error" and (not loc or _model_at(loc + ("?",)) is not None):
            lines.append(msg)  # a cross-field rule of a section: its message names its keys
            continue
        msg = msg.replace("Input should be", "must be").replace("input should be", "must be")
        lines.append(f"{key}: value {_fmt_value(value)} {msg}")
    return "\n".join(lines)


def parse_override(text: str) -> dict:
    """'camera.fov_deg=[20, 30]' -> {'camera': {'fov_deg': [20, 30]}} (value parsed as YAML)."""
    if "=" not in text:
        raise ConfigError(f"override {text!r}: expected KEY.PATH=VALUE")
    key, raw = text.split("=", 1)
    node = yaml.safe_load(raw) if raw.strip() else None
    for part in reversed(key.strip().split(".")):
        node = {part: node}
    return node


def load_config(src: Union[str, os.PathLike, dict, None] = None, *, preset: Optional[str] = None,
                overrides: Iterable[str] = ()) -> GenerateConfig:
    """A validated GenerateConfig from a YAML file, a dict or nothing (the defaults).

    Merge order: preset (``preset`` argument, else the file's ``preset:`` key) < file <
    overrides. Raises ConfigError naming every bad key."""
    if src is None:
        data = {}
    elif isinstance(src, dict):
        data = dict(src)
    else:
        path = Path(src)
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except OSError as e:
            raise ConfigError(f"{path}: cannot read config ({e.strerror or e})") from None
        except yaml.YAMLError as e:
            raise ConfigError(f"{path}: not valid YAML ({e})") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: a config must be a mapping of sections, got {type(data).__name__}")
    for o in overrides:
        data = deep_merge(data, parse_override(o))
    name = preset or data.get("preset")
    if name:
        try:
            base = get_preset(name)
        except KeyError as e:
            raise ConfigError(f"preset: value {name!r} {e.args[0]}") from None
        data = deep_merge(base, data)
        data["preset"] = name
    try:
        return GenerateConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, data)) from None


def check_paths(cfg: GenerateConfig) -> None:
    """Raise ConfigError for every file or folder the config needs that is missing."""
    from handraster.models.loaders import _BUILTIN
    problems = []

    def need(key, value, kind, why=""):
        if not value:
            problems.append(f"{key}: required{why}")
            return
        p = Path(str(value).removeprefix("nimble:")).expanduser()
        ok = p.is_dir() if kind == "dir" else p.is_file() if kind == "file" else p.exists()
        if not ok:
            what = {"dir": "folder", "file": "file"}.get(kind, "file or folder")
            problems.append(f"{key}: value {value!r} is not an existing {what}")

    if cfg.model.name not in _BUILTIN:
        need("model.name", cfg.model.name, "any")
    if cfg.pose.source == "file" or (cfg.pose.source == "mixture" and cfg.pose.weights.get("file", 0) > 0):
        need("pose.file", cfg.pose.file, "file", " when pose.source is 'file'")
    if cfg.pose.source == "graspxl":
        need("pose.file", cfg.pose.file, "any", " when pose.source is 'graspxl'")
    if cfg.augment.enabled and cfg.augment.segments.p > 0:
        need("augment.segments.source_dir", cfg.augment.segments.source_dir, "dir",
             " when augment.segments.p > 0")
    if cfg.pose.source == "prior" or (cfg.pose.source == "mixture" and cfg.pose.weights.get("prior", 0) > 0):
        need("pose.prior_checkpoint", cfg.pose.prior_checkpoint, "file", " when pose.source is 'prior'")
    if cfg.camera.sampler == "dataset":
        need("camera.K_file", cfg.camera.K_file, "file",
             " when camera.sampler is 'dataset' (e.g. FreiHAND's training_K.json)")
    for key, val, kind in (("skin.texture_dir", cfg.skin.texture_dir, "dir"),
                           ("skin.texture_model", cfg.skin.texture_model, "file"),
                           ("objects.mesh_dir", cfg.objects.mesh_dir, "dir"),
                           ("pose.graspxl_objects", cfg.pose.graspxl_objects, "dir"),
                           ("background.folder", cfg.background.folder, "dir"),
                           ("background.hdri_dir", cfg.background.hdri_dir, "dir")):
        if val:
            need(key, val, kind)
    if problems:
        raise ConfigError("\n".join(problems))


# ----- writing ------------------------------------------------------------------------------
def _scalar(v) -> str:
    return yaml.safe_dump(v, default_flow_style=True, width=10_000).strip().removesuffix("\n...")


def _emit(model: BaseModel, indent: int, out: list) -> None:
    pad = "  " * indent
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if field.description:
            out.append(f"{pad}# {field.description}")
        if isinstance(value, BaseModel):
            out.append(f"{pad}{name}:")
            _emit(value, indent + 1, out)
        else:
            v = value if not isinstance(value, BaseModel) else value.model_dump()
            out.append(f"{pad}{name}: {_scalar(v)}")


def dump_yaml(cfg: Optional[GenerateConfig] = None) -> str:
    """``cfg`` (default: the built-in defaults) as YAML with every field's description as a
    comment above it; load_config reads it back to an equal config."""
    cfg = cfg or GenerateConfig()
    out = ["# handraster generate config (see `handraster config --help`).",
           "# Sample i is a pure function of (this config, seed, i)."]
    _emit(cfg, 0, out)
    return "\n".join(out) + "\n"
