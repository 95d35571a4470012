"""YAML keys the scene renderer reads beyond the basics: pose files (synfrei-like), pose
mixtures and jitter, shape distributions, camera distance weights and view spread, light
types, skin / background diversity, occluder primitives and user meshes."""
import json
from types import SimpleNamespace

import numpy as np
import pytest

from _hand_util import hand_cache  # noqa: F401  (fixture)
from handraster.config import ConfigError, load_config
from handraster.config.scene_map import to_scene_config
from handraster.scene.config import ConfigError as SceneConfigError
from handraster.scene.config import SceneConfig

SMALL = dict(resolution=(48, 48), distance_means=(0.45,), distance_std=0.03, object_prob=0.0,
             forearm=False)


def _freihand_files(tmp_path, n=3):
    """A tiny FreiHAND-format training_mano.json / training_K.json pair."""
    from handraster import poses
    rng = np.random.default_rng(0)
    names = list(poses.POSES)[:n]
    mano, Ks = [], []
    for k, name in enumerate(names):
        go = rng.normal(size=3) * 0.5
        hp = np.asarray(poses.get_pose(name), np.float64).reshape(45)
        mano.append([list(go) + list(hp) + [0.0] * 10 + [100.0, 100.0, 5.0]])
        f = 300.0 + 60 * k
        Ks.append([[f, 0, 31.5], [0, f, 31.5], [0, 0, 1]])
    (tmp_path / "training_mano.json").write_text(json.dumps(mano))
    (tmp_path / "training_K.json").write_text(json.dumps(Ks))
    return np.array([m[0] for m in mano], np.float32), np.array(Ks, np.float32)


def test_synfrei_like_preset_renders_dataset_matched(tmp_path, hand_cache):  # noqa: F811
    from handraster.scene.renderer import Renderer
    mano, Ks = _freihand_files(tmp_path)
    cfg = load_config({"preset": "synfrei-like", "resolution": [64, 64], "objects": {"prob": 0.0},
                       "pose": {"file": str(tmp_path / "training_mano.json")},
                       "camera": {"K_file": str(tmp_path / "training_K.json")}})
    sc = to_scene_config(cfg)
    assert sc.pose_source == "file" and sc.pose_file_order == "sequential" and sc.camera == "dataset"
    b = Renderer(sc).render(np.arange(5), seed=3)
    b.validate()
    for i in range(5):
        # scene i uses entry i % 3 (mean-relative + the built-in hand's zero mean), its K and side
        assert b.right[i]
        np.testing.assert_allclose(b.hand_pose[i], mano[i % 3, 3:48], atol=1e-6)
        np.testing.assert_allclose(b.global_orient[i], mano[i % 3, :3], atol=1e-6)
        np.testing.assert_array_equal(b.K[i], Ks[i % 3])
    assert (b.mask > 0).any(axis=(1, 2)).all()
    # a pose file is required, and K_file with the dataset sampler
    with pytest.raises(ConfigError, match="pose.file: a pose file is required"):
        to_scene_config(load_config({"pose": {"source": "file"}}))
    with pytest.raises(ConfigError, match="camera.K_file: a JSON list"):
        to_scene_config(load_config({"camera": {"sampler": "dataset"}}))
    with pytest.raises(ConfigError, match="pose.file"):
        to_scene_config(load_config({"pose": {"source": "file", "file": str(tmp_path / "nope.json")}}))


def test_pose_file_conventions_left_hands_and_means(tmp_path):
    from handraster.scene.pose_source import ScenePoses
    rng = np.random.default_rng(1)
    hp = rng.normal(size=(4, 45)).astype(np.float32) * 0.2
    go = rng.normal(size=(4, 3)).astype(np.float32)
    np.savez(tmp_path / "p.npz", hand_pose=hp, global_orient=go, right=np.array([1, 0, 1, 1]))
    mean = np.linspace(-0.1, 0.1, 45).astype(np.float32)
    model = SimpleNamespace(hands_mean=mean)

    def poses(**kw):
        cfg = SceneConfig(pose_source="file", pose_file=str(tmp_path / "p.npz"), pose_file_order="sequential", **kw)
        return ScenePoses(cfg, model)
    # npz without a flag: pose.file_flat_hand_mean decides; mean-relative poses get the mean added
    flat = poses(pose_file_flat_hand_mean=True)
    rel = poses(pose_file_flat_hand_mean=False)
    g = np.random.default_rng(0)
    d0, d1 = flat.draw(g, 0), rel.draw(g, 4)
    np.testing.assert_allclose(d0["hand_pose"], hp[0])
    np.testing.assert_allclose(d1["hand_pose"], hp[0] + mean, atol=1e-6)
    # the left entry was mirrored into right-hand parameters and keeps its side
    d = flat.draw(g, 1)
    assert d["was_left"] and d["entry"] == 1
    np.testing.assert_allclose(d["hand_pose"].reshape(15, 3), hp[1].reshape(15, 3) * [1, -1, -1], atol=1e-6)
    np.testing.assert_allclose(d["global_orient"], go[1] * [1, -1, -1], atol=1e-6)
    assert d["betas"] is None  # no betas in the file (and the built-in hand never takes them)
    # jitter: Gaussian with the configured std (degrees)
    jit = poses(pose_file_flat_hand_mean=True, pose_jitter_deg=10.0)
    delta = np.stack([jit.draw(np.random.default_rng(k), 0)["hand_pose"] - hp[0] for k in range(200)])
    assert abs(np.degrees(delta.std()) - 10.0) < 0.6


def test_pose_mixture_draws_every_source_by_weight(tmp_path):
    from handraster.scene.pose_source import ScenePoses
    hp = np.full((2, 45), 0.123, np.float32)
    np.savez(tmp_path / "p.npz", hand_pose=hp, flat_hand_mean=np.array(True))
    cfg = SceneConfig(pose_source="mixture", pose_file=str(tmp_path / "p.npz"),
                      pose_weights={"file": 3.0, "random": 1.0, "library": 0.0})
    sp = ScenePoses(cfg, SimpleNamespace(hands_mean=None))
    draws = [sp.draw(np.random.default_rng([5, s]), s) for s in range(400)]
    from_file = np.mean([d["entry"] is not None for d in draws])
    assert 0.68 < from_file < 0.82
    assert all(np.allclose(d["hand_pose"], 0.123) for d in draws if d["entry"] is not None)
    with pytest.raises(SceneConfigError, match="pose_weights"):
        SceneConfig(pose_source="mixture", pose_weights={"vae": 1.0})
    # the prior is a mixture source too, and needs its file (test_pose_ik.py renders with it)
    with pytest.raises(SceneConfigError, match="pose_prior_checkpoint"):
        SceneConfig(pose_source="mixture", pose_weights={"prior": 1.0})
    with pytest.raises(ConfigError, match="pose.prior_checkpoint"):
        to_scene_config(load_config({"pose": {"source": "mixture", "weights": {"prior": 1.0}}}))


def test_shape_dist_and_clip():
    from handraster.scene.sampling import sample_betas
    g = np.random.default_rng(0)
    b = sample_betas(g, SceneConfig(shape_std=2.0, shape_clip=1.5), 100)
    assert np.abs(b).max() == pytest.approx(1.5) and (np.abs(b) == 1.5).mean() > 0.2
    u = sample_betas(g, SceneConfig(shape_dist="uniform", shape_std=0.5), 100)
    assert np.abs(u).max() <= 0.5 and np.abs(u).max() > 0.45 and u.std() < 0.35
    assert not sample_betas(g, SceneConfig(shape_dist="zero"), 3).any()
    kw = to_scene_config(load_config({"shape": {"dist": "uniform", "clip": 2.0}}))
    assert kw.shape_dist == "uniform" and kw.shape_clip == 2.0


def test_camera_distance_weights_and_view_spread(hand_cache):  # noqa: F811
    from handraster.scene import camera as cam
    g = np.random.default_rng(0)
    d = cam.sample_anyhand_distance(g, 50, (0.5, 2.0), 0.01, weights=(0.0, 1.0))
    assert np.allclose(d, 2.0, atol=0.05)
    axis = np.array([0.0, 0.6, 0.8])
    ang = np.degrees(np.arccos(np.clip(cam.direction_in_cap(g, np.tile(axis, (300, 1)), np.radians(20)) @ axis,
                                       -1, 1)))
    assert max(ang) <= 20.0 + 1e-6 and max(ang) > 17.0
    from handraster.scene.renderer import Renderer
    b = Renderer(SceneConfig(views=3, view_spread_deg=25.0, **SMALL)).render(np.arange(12), seed=2)

    def look(E):  # camera viewing direction in world coordinates
        return E[2, :3]
    for s in range(4):
        for v in (1, 2):
            c = look(b.extrinsics[3 * s]) @ look(b.extrinsics[3 * s + v])
            assert np.degrees(np.arccos(np.clip(c, -1, 1))) < 25.0 + 3.0  # + the centring shift
    sc = to_scene_config(load_config({"camera": {"distance_means": [0.5, 0.8], "distance_weights": [1, 3],
                                                 "view_spread_deg": 10}}))
    assert sc.distance_weights == (1.0, 3.0) and sc.view_spread_deg == 10.0


def test_light_types():
    from handraster.scene.lighting import sample_lights
    cfg = SceneConfig(light_types=("spot",), lights=(3, 3))
    L, n, amb = sample_lights(np.random.default_rng(0), cfg, np.array([[0, 0, 0.5]] * 4))
    assert (n == 3).all() and (L[:, :3, 0] == 2).all() and not L[:, 3:].any() and not amb.any()
    cfg = SceneConfig(light_types=("ambient", "directional"), lights=(5, 5))
    L, n, amb = sample_lights(np.random.default_rng(0), cfg, np.array([[0, 0, 0.5]] * 20))
    kinds = np.concatenate([L[k, :n[k], 0] for k in range(20)])
    assert ((amb > 0).any(1) == (n < 5)).all()
    assert set(kinds) == {0.0} and (5 - n).sum() > 5
    with pytest.raises(SceneConfigError, match="light_types"):
        SceneConfig(light_types=("ambient",))
    assert to_scene_config(load_config({"lights": {"types": ["point"]}})).light_types == ("point",)


def test_skin_diversity_and_tone_range():
    from handraster.scene.sampling import sample_skin
    from handraster.scene.skin_tone import skin_ita
    cfg = SceneConfig(skin_diversity=0.05)
    from handraster.scene.draws import SCENE_STREAM, RowDraws
    skins = sample_skin(RowDraws(9, np.arange(200), SCENE_STREAM), cfg, 200)
    ids = set(skins["pool_id"].tolist())
    assert ids <= set(range(10)) and len(ids) >= 8
    backs = {tuple(np.round(b, 6)) for b in skins["back"]}
    assert len(backs) == len(ids)  # a pool entry is always the same skin
    full = sample_skin(RowDraws(9, np.arange(50), SCENE_STREAM), SceneConfig(), 50)
    assert len({tuple(np.round(b, 6)) for b in full["back"]}) == 50
    dark = sample_skin(np.random.default_rng(0), SceneConfig(skin_tone_range=(0.8, 1.0)), 40)["back"]
    assert skin_ita(dark).max() < 72 - 0.8 * 137 + 12  # + the L*/b* noise


def test_background_diversity_uses_the_first_fraction(tmp_path):
    from PIL import Image
    from handraster.scene.assets import SceneAssets
    for k in range(8):
        Image.fromarray(np.full((20, 20, 3), 30 * k, np.uint8)).save(tmp_path / f"bg{k}.png")
    a = SceneAssets(SceneConfig(background_folder=str(tmp_path), background_diversity=0.25,
                                background_weights=(1, 0, 0)))
    ids = set(a.sample_background(np.random.default_rng(0), (32, 32), 60)["id"].tolist())
    assert ids == {0, 1}
    a = SceneAssets(SceneConfig(background_folder=str(tmp_path), background_weights=(1, 0, 0)))
    ids = set(a.sample_background(np.random.default_rng(0), (32, 32), 60)["id"].tolist())
    assert len(ids) == 8
    assert to_scene_config(load_config({"preset": "ablation-bg-5"})).background_diversity == 0.05


def test_object_primitives_and_mesh_dir(tmp_path, hand_cache):  # noqa: F811
    from handraster.scene.errors import AssetError
    from handraster.scene.mesh_setup import occluder_meshes
    import trimesh
    trimesh.creation.icosphere(subdivisions=1).export(tmp_path / "ball.obj")
    (tmp_path / "broken.ply").write_text("not a mesh")
    good = tmp_path / "good"
    good.mkdir()
    trimesh.creation.box().export(good / "cube.obj")
    ms = occluder_meshes(SceneConfig(object_primitives=("sphere", "torus"), object_mesh_dir=str(good)))
    assert [m.name for m in ms] == ["sphere", "torus", "cube"]
    with pytest.raises(AssetError, match="broken.ply"):
        occluder_meshes(SceneConfig(object_primitives=(), object_mesh_dir=str(tmp_path)))
    with pytest.warns(UserWarning, match="broken.ply"):
        ms = occluder_meshes(SceneConfig(object_primitives=(), object_mesh_dir=str(tmp_path), on_bad_asset="skip"))
    assert [m.name for m in ms] == ["ball"]
    with pytest.raises(SceneConfigError, match="object_primitives"):
        SceneConfig(object_primitives=("cone",))
    # the renderer draws the user mesh as an occluder (mask label 8)
    from handraster.scene.renderer import Renderer
    sc = to_scene_config(load_config({"resolution": [48, 48], "objects": {
        "prob": 1.0, "primitives": [], "mesh_dir": str(good), "size": [0.08, 0.1]},
        "camera": {"distance_means": [0.45], "distance_std": 0.03}}))
    r = Renderer(sc)
    assert r.mesh.n_objects == 1
    b = r.render(np.arange(6), seed=0)
    assert (b.mask == 8).any(axis=(1, 2)).mean() > 0.3


def test_skin_textures_from_a_folder(tmp_path, hand_cache):  # noqa: F811
    from PIL import Image
    from handraster.scene.renderer import Renderer
    Image.fromarray(np.tile(np.array([40, 220, 40], np.uint8), (32, 32, 1))).save(tmp_path / "a_green.png")
    Image.fromarray(np.tile(np.array([230, 40, 40], np.uint8), (32, 32, 1))).save(tmp_path / "b_red.png")
    base = dict(SMALL, lights=(2, 2), light_types=("directional",))
    b = Renderer(SceneConfig(skin_texture_dir=str(tmp_path), skin_procedural=False, skin_diversity=0.5,
                             **base)).render(np.arange(4), seed=1)
    assert all(p["skin"]["texture"] == 0 for p in b.params)  # diversity 0.5 of 2: the first only
    hand = (b.mask >= 1) & (b.mask <= 6)
    px = b.rgb[hand].astype(int)
    assert (px[:, 1] > px[:, 0] + 20).mean() > 0.8  # green skin
    plain = Renderer(SceneConfig(**base)).render(np.arange(4), seed=1)
    q = plain.rgb[(plain.mask >= 1) & (plain.mask <= 6)].astype(int)
    assert (q[:, 1] > q[:, 0] + 20).mean() < 0.05  # procedural skin is never green
    mixed = Renderer(SceneConfig(skin_texture_dir=str(tmp_path), **base)).render(np.arange(16), seed=1)
    ids = [p["skin"]["texture"] for p in mixed.params]
    assert -1 in ids and {0, 1} & set(ids)
    with pytest.raises(ConfigError, match="skin.procedural"):
        to_scene_config(load_config({"skin": {"procedural": False}}))
    sc = to_scene_config(load_config({"skin": {"texture_dir": str(tmp_path), "procedural": False}}))
    assert sc.skin_texture_dir == str(tmp_path) and not sc.skin_procedural


def test_no_forearm_still_renders_the_hand(hand_cache):  # noqa: F811
    from handraster.scene.renderer import Renderer
    b = Renderer(SceneConfig(**SMALL)).render(np.arange(4), seed=1)
    assert (b.mask > 0).any(axis=(1, 2)).all() and not (b.mask == 7).any()
