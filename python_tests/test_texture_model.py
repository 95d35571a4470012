"""Linear skin texture models (NIMBLE-style mean + basis @ a): reader, fixed pool, rendering."""
import numpy as np
import pytest
from PIL import Image

from handraster.scene.config import ConfigError, SceneConfig
from handraster.scene.renderer import Renderer
from handraster.scene.texture_model import (TRUNCATE_STD, TextureModelError, load_texture_model,
                                            texture_model_pool)


def write_model(path, H=8, W=12, K=3, seed=0, **extra):
    g = np.random.default_rng(seed)
    mean = g.uniform(0.3, 0.7, (H, W, 3)).astype(np.float32)
    basis = g.normal(0, 0.05, (K, H, W, 3)).astype(np.float32)
    np.savez(path, mean=mean, basis=basis, **extra)
    return mean, basis


def test_pool_is_mean_plus_coefficients_times_basis(tmp_path):
    mean, basis = write_model(tmp_path / "m.npz", std=np.array([1.0, 0.5, 2.0], np.float32))
    tex, a = texture_model_pool(tmp_path / "m.npz", 5)
    assert len(tex) == 5 and a.shape == (5, 3) and tex[0].dtype == np.uint8 and tex[0].shape == (8, 12, 3)
    assert (np.abs(a) <= TRUNCATE_STD * np.array([1.0, 0.5, 2.0]) + 1e-6).all()
    for k in range(5):
        want = np.clip(np.rint((mean + np.tensordot(a[k], basis, 1)) * 255), 0, 255)
        assert np.abs(tex[k].astype(int) - want).max() <= 1  # float32 vs float64 rounding
    tex2, a2 = texture_model_pool(tmp_path / "m.npz", 5)  # a fixed pool: same every time
    np.testing.assert_array_equal(a, a2)
    assert all(np.array_equal(x, y) for x, y in zip(tex, tex2))
    assert not np.array_equal(tex[0], tex[1])


def test_reader_accepts_flat_basis_and_0_255_scale(tmp_path):
    mean, basis = write_model(tmp_path / "a.npz")
    np.savez(tmp_path / "b.npz", mean=mean * 255, basis=basis.reshape(3, -1) * 255)
    a, b = load_texture_model(tmp_path / "a.npz"), load_texture_model(tmp_path / "b.npz")
    np.testing.assert_allclose(a["mean"], b["mean"], atol=1e-6)
    np.testing.assert_allclose(a["basis"], b["basis"], atol=1e-6)
    np.testing.assert_array_equal(b["std"], np.ones(3, np.float32))


def test_reader_errors_name_the_file_and_problem(tmp_path):
    np.savez(tmp_path / "nomean.npz", basis=np.zeros((2, 4, 4, 3)))
    with pytest.raises(TextureModelError, match="nomean.npz: missing key 'mean'"):
        load_texture_model(tmp_path / "nomean.npz")
    np.savez(tmp_path / "shape.npz", mean=np.zeros((4, 4, 3)), basis=np.zeros((2, 5, 4, 3)))
    with pytest.raises(TextureModelError, match="shape.npz: 'basis' must have shape"):
        load_texture_model(tmp_path / "shape.npz")
    np.savez(tmp_path / "std.npz", mean=np.zeros((4, 4, 3)), basis=np.zeros((2, 48)), std=np.ones(3))
    with pytest.raises(TextureModelError, match="'std' must be \\[K\\] = \\[2\\]"):
        load_texture_model(tmp_path / "std.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(TextureModelError, match="junk.npz: not a readable texture model"):
        load_texture_model(tmp_path / "junk.npz")


def test_renders_like_a_texture_folder_holding_the_same_image(tmp_path):
    """A model with a zero basis yields its mean every time: rendering from it must give the
    bytes of rendering from a folder that holds the mean as a PNG (same ids, same mapping)."""
    mean = np.zeros((64, 64, 3), np.float32)
    mean[..., 0], mean[..., 1] = np.linspace(0.2, 0.9, 64)[None, :], np.linspace(0.1, 0.6, 64)[:, None]
    mean[..., 2] = 0.3
    np.savez(tmp_path / "m.npz", mean=mean, basis=np.zeros((2, 64, 64, 3), np.float32))
    (tmp_path / "tex").mkdir()
    Image.fromarray(np.clip(np.rint(mean * 255), 0, 255).astype(np.uint8)).save(tmp_path / "tex" / "mean.png")
    kw = dict(resolution=(64, 64), skin_procedural=False, object_prob=0.0)
    a = Renderer(SceneConfig(skin_texture_model=str(tmp_path / "m.npz"), skin_texture_model_count=3, **kw))
    b = Renderer(SceneConfig(skin_texture_dir=str(tmp_path / "tex"), **kw))
    assert a.assets.n_textures == 3 and a.assets.texture_model_coeffs.shape == (3, 2)
    ra, rb = a.render(np.arange(4), seed=2), b.render(np.arange(4), seed=2)
    np.testing.assert_array_equal(ra.mask, rb.mask)
    assert (ra.mask > 0).any()
    np.testing.assert_array_equal(ra.rgb, rb.rgb)
    np.testing.assert_array_equal(a.render(np.arange(4), seed=2).rgb, ra.rgb)  # deterministic


def test_config_keys_and_errors(tmp_path):
    from handraster.config import ConfigError as YamlConfigError
    from handraster.config import load_config
    from handraster.config.scene_map import to_scene_config
    write_model(tmp_path / "m.npz")
    cfg = to_scene_config(load_config({"skin": {"texture_model": str(tmp_path / "m.npz"),
                                                "texture_model_count": 7, "procedural": False}}))
    assert cfg.skin_texture_model == str(tmp_path / "m.npz") and cfg.skin_texture_model_count == 7
    with pytest.raises(YamlConfigError, match="skin.texture_model_count: value 0"):
        load_config({"skin": {"texture_model_count": 0}})
    with pytest.raises(ConfigError, match="skin_texture_model"):
        SceneConfig(skin_texture_model=str(tmp_path / "missing.npz"))
    with pytest.raises(ConfigError, match="skin_texture_model_count"):
        SceneConfig(skin_texture_model=str(tmp_path / "m.npz"), skin_texture_model_count=5000)
    with pytest.raises(ConfigError, match="skin_procedural"):
        SceneConfig(skin_procedural=False)
