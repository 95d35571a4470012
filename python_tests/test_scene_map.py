"""The YAML config -> the scene renderer's SceneConfig, and (when the renderer is in the build)
generate -> read back with the real renderer."""
import json

import numpy as np
import pytest

from _generate_util import assert_labels_equal
from handraster.config import ConfigError, load_config
from handraster.config.scene_map import NOT_YET, SCENE_KEYS, scene_kwargs


def test_defaults_map_onto_every_scene_field():
    kw = scene_kwargs(load_config())
    assert set(kw) == set(SCENE_KEYS)
    assert kw["resolution"] == (256, 256) and kw["background_weights"] == (0.7, 0.25, 0.05)
    assert kw["right_ratio"] == 0.5 and kw["dataset_K"] is None and kw["lights"] == (1, 5)


def test_unsupported_keys_are_refused_by_name():
    with pytest.raises(ConfigError) as e:
        scene_kwargs(load_config({"objects": {"max_count": 3}, "model": {"flat_hand_mean": False}}))
    msg = str(e.value)
    assert "objects.max_count: value 3 is not supported by the scene renderer yet" in msg
    assert "model.flat_hand_mean: value False is not supported by the scene renderer yet" in msg
    assert all(k.count(".") == 1 for k in NOT_YET)


def test_dataset_intrinsics_from_a_K_file(tmp_path):
    K = [[[500.0, 0, 112], [0, 500, 112], [0, 0, 1]]] * 3
    (tmp_path / "training_K.json").write_text(json.dumps(K))
    kw = scene_kwargs(load_config({"camera": {"sampler": "dataset", "K_file": str(tmp_path / "training_K.json")}}))
    assert kw["camera"] == "dataset" and kw["dataset_K"].shape == (3, 3, 3) and kw["dataset_K"].dtype == np.float32
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(ConfigError, match="camera.K_file: value .* holds shape \\(2,\\), expected \\[N, 3, 3\\]"):
        scene_kwargs(load_config({"camera": {"sampler": "dataset", "K_file": str(tmp_path / "bad.json")}}))


def test_scene_range_errors_come_back_under_yaml_keys():
    pytest.importorskip("handraster.scene.config")
    from handraster.config.scene_map import to_scene_config
    assert to_scene_config(load_config()).resolution == (256, 256)
    cfg = load_config({"lights": {"intensity": [3.0, 3.0]}, "camera": {"distance_means": [0.5]}})
    assert to_scene_config(cfg).light_intensity == (3.0, 3.0)


def test_real_renderer_roundtrip(tmp_path):
    pytest.importorskip("handraster.scene.renderer")
    import handraster.data as hdata
    from handraster.config.scene_map import to_scene_config
    from handraster.generate import generate
    from handraster.scene.renderer import Renderer
    cfg = load_config(overrides=["renderer=real", "resolution=[64, 64]", "output.shard_size=4",
                                 "output.rgb=png", "augment.enabled=false"])
    res = generate(cfg, 6, tmp_path, progress=False)
    assert res.renderer == "real" and res.complete
    ref = Renderer(to_scene_config(cfg)).render(np.arange(6, dtype=np.int64), 0)
    ds = hdata.open(tmp_path)
    for i in range(6):
        s = ds[i]
        assert_labels_equal(s, ref, i)
        assert np.array_equal(s["rgb"], ref.rgb[i]) and np.array_equal(s["mask"], ref.mask[i])
