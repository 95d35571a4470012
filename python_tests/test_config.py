"""Generate config: defaults, presets, YAML round trip with comments, error messages."""
import pytest
import yaml

from _generate_util import run_cli
from handraster.config import (PRESETS, ConfigError, GenerateConfig, check_paths, dump_yaml,
                               load_config)


def test_default_roundtrip_through_commented_yaml():
    text = dump_yaml()
    assert "# horizontal field of view range [min, max], degrees\n  fov_deg: [30.0, 40.0]" in text
    assert load_config(yaml.safe_load(text)) == GenerateConfig()
    # every field of every section is written
    data = yaml.safe_load(text)
    assert set(data) == set(GenerateConfig.model_fields)
    assert set(data["camera"]) == set(type(GenerateConfig().camera).model_fields)


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_validate_and_differ_where_they_say(name):
    cfg = load_config(preset=name)
    assert cfg.preset == name
    assert load_config(yaml.safe_load(dump_yaml(cfg))) == cfg


def test_ablation_presets_flip_one_key():
    base = load_config().content_dict()
    for name in [n for n in PRESETS if n.startswith("ablation-")]:
        d = load_config(preset=name).content_dict()
        diff = [(s, k) for s in base if isinstance(base[s], dict) for k in base[s] if base[s][k] != d[s][k]]
        assert len(diff) == 1, (name, diff)
    assert load_config(preset="anyhand-like").camera.views == 2


def test_file_preset_key_and_overrides(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("preset: anyhand-like\ncamera:\n  fov_deg: [20, 30]\n")
    cfg = load_config(p, overrides=["output.jpeg_quality=80", "background.sources={photo: 1}"])
    assert cfg.camera.views == 2 and cfg.camera.fov_deg == [20, 30] and cfg.output.jpeg_quality == 80
    assert cfg.background.sources == {"photo": 1.0}  # a mapping value replaces the default


@pytest.mark.parametrize("data, message", [
    ({"camera": {"fov_deg": [50, 20]}},
     "camera.fov_deg: value [50, 20] must be increasing ([min, max]), within (1, 170)"),
    ({"camera": {"fov_deg": [20, 200]}}, "camera.fov_deg: value [20, 200] must be increasing"),
    ({"camera": {"fovdeg": 3}}, "camera.fovdeg: unknown key; did you mean 'fov_deg'?"),
    ({"output": {"jpeg_quality": 101}}, "output.jpeg_quality: value 101 must be less than or equal to 100"),
    ({"output": {"format": "hdf5"}}, "output.format: value 'hdf5' must be 'webdataset', 'folder' or 'freihand'"),
    ({"pose": {"weights": {"anatomical": -1}}}, "pose.weights: value {'anatomical': -1} must be non-negative"),
    ({"lights": {"count": [3, 1]}}, "lights.count: value [3, 1] must be increasing"),
    ({"camera": {"near": 2, "far": 1}}, "camera.near (2.0) must be less than camera.far (1.0)"),
    ({"background": {"sources": {"folder": 1.0}}},
     "background.sources: value {'folder': 1.0} has unknown source(s) ['folder']; allowed: ['environment', "),
    ({"resolution": [8, 64]}, "resolution: value [8, 64] must be [H, W] with each within [16, 4096]"),
    ({"preset": "nope"}, "preset: value 'nope' unknown preset 'nope'; known presets: default"),
    ({"output": {"shard_size": 0}}, "output.shard_size: value 0 must be greater than or equal to 1"),
])
def test_errors_name_key_value_and_allowed(data, message):
    with pytest.raises(ConfigError) as e:
        load_config(data)
    assert message in str(e.value)


def test_several_errors_reported_together():
    with pytest.raises(ConfigError) as e:
        load_config({"camera": {"views": 0}, "skin": {"diversity": 2}})
    lines = str(e.value).splitlines()
    assert any(ln.startswith("camera.views: value 0") for ln in lines)
    assert any(ln.startswith("skin.diversity: value 2") for ln in lines)


def test_bad_yaml_and_missing_file(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("camera: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(p)
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="expected KEY.PATH=VALUE"):
        load_config(overrides=["camera.views"])


def test_check_paths_names_missing_files(tmp_path):
    cfg = load_config({"camera": {"sampler": "dataset"}, "pose": {"source": "file"},
                       "background": {"folder": str(tmp_path / "nope")}})
    with pytest.raises(ConfigError) as e:
        check_paths(cfg)
    msg = str(e.value)
    assert "camera.K_file: required when camera.sampler is 'dataset'" in msg
    assert "pose.file: required when pose.source is 'file'" in msg
    assert f"background.folder: value '{tmp_path / 'nope'}' is not an existing folder" in msg
    check_paths(load_config())  # the defaults need no files


def test_content_hash_ignores_device_only():
    a, b = load_config(), load_config({"device": "cuda"})
    assert a.content_hash() == b.content_hash()
    assert a.content_hash() != load_config({"seed": 1}).content_hash()
    assert a.content_hash() != load_config({"camera": {"views": 2}}).content_hash()


def test_cli_print_default_and_check(tmp_path):
    r = run_cli("config", "--print-default")
    assert r.returncode == 0 and load_config(yaml.safe_load(r.stdout)) == GenerateConfig()
    bad = tmp_path / "bad.yaml"
    bad.write_text("camera:\n  fov_deg: [50, 20]\n")
    r = run_cli("config", "--check", bad)
    assert r.returncode == 2 and "camera.fov_deg: value [50, 20] must be increasing" in r.stderr
    r = run_cli("generate", "--config", bad, "--num", "1", "--out", tmp_path / "o")
    assert r.returncode == 2 and "camera.fov_deg" in r.stderr and not (tmp_path / "o").exists()
