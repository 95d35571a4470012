"""The generate config: pydantic schema (schema.py, schema_scene.py), presets, YAML io."""
from handraster.config.io import ConfigError, check_paths, dump_yaml, load_config
from handraster.config.presets import PRESETS, preset_names
from handraster.config.schema import GenerateConfig

__all__ = ["GenerateConfig", "ConfigError", "load_config", "dump_yaml", "check_paths",
           "PRESETS", "preset_names"]
