"""GraspXL recordings with their objects: the reader (object id and per-frame pose, mesh
lookup, conventions), and the renderer's graspxl pose source drawing the recorded object where
the recording holds it (mask 8, depth), with the recording's hand parameters, deterministically;
missing meshes are clear errors (or warnings with on_bad_asset 'skip')."""
import warnings

import numpy as np
import pytest

from _graspxl_util import BOX_CENTRE, OBJECT_ID, box_vertices, make_recording, write_box_obj, write_dataset
from _hand_util import hand_cache  # noqa: F401  (fixture)
from handraster.models.rotations import rodrigues
from handraster.poses.graspxl import (MANO_RIGHT_ROOT, find_graspxl_mesh, graspxl_mesh_candidates,
                                      load_graspxl, read_graspxl)
from handraster.scene.config import ConfigError, SceneConfig


def test_reader_returns_object_id_and_pose(tmp_path):
    rec, _ = write_dataset(tmp_path, T=5)
    d = np.load(rec, allow_pickle=True).item()
    ps = read_graspxl(rec)
    assert len(ps) == 5 and ps.mean_relative
    np.testing.assert_allclose(ps.hand_pose, d["right_hand"]["pose"], rtol=1e-6)
    np.testing.assert_allclose(ps.global_orient, d["right_hand"]["rot"], rtol=1e-6)
    assert (ps.extra["object_id"] == OBJECT_ID).all()
    np.testing.assert_allclose(ps.extra["object_rot"], d[OBJECT_ID]["rot"], rtol=1e-6)
    np.testing.assert_allclose(ps.extra["object_trans"], d[OBJECT_ID]["trans"], rtol=1e-6)
    np.testing.assert_allclose(ps.extra["root"], d["right_hand"]["trans"] + MANO_RIGHT_ROOT, atol=1e-6)
    assert ps.extra["frame"].tolist() == list(range(5))
    sub = ps.subset(np.array([3, 1]))  # extras travel with the frames
    np.testing.assert_allclose(sub.extra["object_trans"], d[OBJECT_ID]["trans"][[3, 1]], rtol=1e-6)


def test_reader_conventions_and_hand_only(tmp_path):
    d = make_recording(3)
    top = tmp_path / "mano_tabletop" / "large" / OBJECT_ID
    top.mkdir(parents=True)
    np.save(top / "mano_0.npy", d, allow_pickle=True)
    ps = read_graspxl(top / "mano_0.npy")  # auto: a *_tabletop collection
    assert not ps.mean_relative
    np.testing.assert_allclose(ps.extra["root"], d["right_hand"]["trans"], atol=1e-6)
    assert read_graspxl(top / "mano_0.npy", "original").mean_relative
    hand_only = tmp_path / "hand.npy"
    np.save(hand_only, {"right_hand": d["right_hand"]}, allow_pickle=True)
    assert (read_graspxl(hand_only).extra["object_id"] == "").all()
    with pytest.raises(ValueError, match="both conventions"):  # mixed folder without a mean
        np.save(tmp_path / "orig.npy", d, allow_pickle=True)
        load_graspxl(tmp_path)
    both = load_graspxl(tmp_path, hands_mean=np.full(45, 0.1, np.float32))
    assert len(both) == 9 and not both.mean_relative
    bad = tmp_path / "bad.npy"
    np.save(bad, {"left": 1}, allow_pickle=True)
    with pytest.raises(ValueError, match="no 'right_hand'"):
        read_graspxl(bad)


def test_mesh_lookup_order_and_error(tmp_path):
    rec, root = write_dataset(tmp_path)
    assert find_graspxl_mesh(rec, OBJECT_ID, root) == root / "large" / OBJECT_ID / f"{OBJECT_ID}.obj"
    next_to = rec.parent / f"{OBJECT_ID}.obj"
    write_box_obj(next_to)
    assert find_graspxl_mesh(rec, OBJECT_ID) == next_to  # no root: next to the recording
    with pytest.raises(FileNotFoundError) as e:
        find_graspxl_mesh(rec, "missing", root)
    msg = str(e.value)
    assert str(rec) in msg and "'missing'" in msg
    for c in graspxl_mesh_candidates(rec, "missing", root):
        assert str(c) in msg


def _cfg(rec, root, **kw):
    base = dict(resolution=(96, 96), pose_source="graspxl", pose_file=str(rec), graspxl_objects=str(root),
                pose_file_order="sequential", right_ratio=1.0, distance_means=(0.45,), distance_std=0.02,
                object_prob=0.0, forearm=False)
    base.update(kw)
    return SceneConfig(**base)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("graspxl"), T=4)


@pytest.mark.parametrize("right", [True, False])
def test_object_rendered_where_the_recording_holds_it(hand_cache, dataset, right):  # noqa: F811
    from handraster.scene.renderer import Renderer
    rec, root = dataset
    d = np.load(rec, allow_pickle=True).item()
    cfg = _cfg(rec, root, right_ratio=1.0 if right else 0.0, pose_file_order="sequential" if right else "random")
    r = Renderer(cfg)
    b = r.render(np.arange(4), seed=3)
    b.validate()
    seen = 0
    for k in range(4):
        obj = b.params[k]["object"]
        assert obj is not None and obj["grasp"] and obj["grasp_name"] == OBJECT_ID
        t = int(r.mesh.poses.draw(np.random.default_rng(0), k)["entry"]) if right else None
        if right:  # sequential: sample k shows frame k, with the recording's hand parameters
            assert t == k
            np.testing.assert_allclose(b.hand_pose[k], d["right_hand"]["pose"][t], atol=1e-6)
            np.testing.assert_allclose(b.global_orient[k], d["right_hand"]["rot"][t], atol=1e-6)
            assert not b.betas[k].any()
        # the box in this sample's world: the recorded transform relative to the hand root
        # (the built-in hand's root is the origin)
        Ro = rodrigues(np.asarray(obj["grasp_rot"], np.float32)[None])[0].astype(np.float64)
        w = box_vertices() @ Ro.T + np.asarray(obj["grasp_trans"])
        if not right:
            w[:, 0] *= -1
        E, K = b.extrinsics[k].astype(np.float64), b.K[k].astype(np.float64)
        pc = w @ E[:3, :3].T + E[:3, 3]
        uv = pc[:, :2] / pc[:, 2:] * np.diag(K)[:2] + K[:2, 2]
        ys, xs = np.nonzero(b.mask[k] == 8)
        if len(xs) == 0:
            continue  # hidden behind the hand from this side
        seen += 1
        assert xs.min() >= uv[:, 0].min() - 1.5 and xs.max() <= uv[:, 0].max() + 0.5
        assert ys.min() >= uv[:, 1].min() - 1.5 and ys.max() <= uv[:, 1].max() + 0.5
        z = b.depth[k][ys, xs]
        assert z.min() >= pc[:, 2].min() - 1e-3 and z.max() <= pc[:, 2].max() + 1e-3
        if right:  # the recording put the box centre at a fixed point of the hand's frame
            centre = BOX_CENTRE @ Ro.T + np.asarray(obj["grasp_trans"])
            go = rodrigues(d["right_hand"]["rot"][t][None].astype(np.float32))[0]
            np.testing.assert_allclose(centre, go @ np.array([-0.07, -0.05, 0.0]), atol=1e-5)
    assert seen >= 3


def test_same_seed_same_bytes_and_sample_purity(hand_cache, dataset):  # noqa: F811
    from handraster.scene.renderer import Renderer
    rec, root = dataset
    cfg = _cfg(rec, root, pose_file_order="random", right_ratio=0.5, object_prob=0.5)
    a = Renderer(cfg).render(np.arange(6), seed=11)
    again = Renderer(cfg).render(np.arange(6), seed=11)
    for key in ("rgb", "depth", "mask"):
        assert getattr(a, key).tobytes() == getattr(again, key).tobytes()
    one = Renderer(cfg).render(np.array([4]), seed=11)
    assert one.rgb[0].tobytes() == a.rgb[4].tobytes() and one.mask[0].tobytes() == a.mask[4].tobytes()
    assert all(p["object"]["grasp"] for p in a.params)  # every graspxl frame has its object


def test_missing_mesh_is_a_clear_error_or_a_skip(hand_cache, tmp_path):  # noqa: F811
    from handraster.scene.renderer import Renderer
    rec, root = write_dataset(tmp_path, with_mesh=False)
    with pytest.raises(ConfigError) as e:
        Renderer(_cfg(rec, root))
    msg = str(e.value)
    assert msg.startswith("graspxl_objects:") and str(rec) in msg and OBJECT_ID in msg
    assert str(root / "large" / OBJECT_ID / f"{OBJECT_ID}.obj") in msg
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = Renderer(_cfg(rec, root, on_bad_asset="skip"))
    assert any(OBJECT_ID in str(x.message) for x in w)
    b = r.render(np.arange(2), seed=0)
    assert not (b.mask == 8).any()  # hand alone (object_prob 0)
    off = Renderer(_cfg(rec, root, graspxl_render_object=False))  # objects switched off: no lookup
    assert off.mesh.poses.grasp is not None and len(off.mesh.poses.grasp) == 0


@pytest.mark.parametrize("kw, key", [
    (dict(graspxl_convention="nope"), "graspxl_convention"),
    (dict(graspxl_max_faces=4), "graspxl_max_faces"),
    (dict(graspxl_render_object="yes"), "graspxl_render_object"),
    (dict(graspxl_objects="/no/such/folder"), "graspxl_objects"),
])
def test_bad_values_name_the_key(kw, key):
    with pytest.raises(ConfigError, match=f"^{key}: value"):
        SceneConfig(**kw)


def test_yaml_keys_map_and_check(tmp_path):
    from handraster.config.io import ConfigError as YamlError
    from handraster.config.io import check_paths, load_config
    from handraster.config.scene_map import to_scene_config
    rec, root = write_dataset(tmp_path)
    cfg = load_config({"pose": {"source": "graspxl", "file": str(rec), "graspxl_objects": str(root),
                                "graspxl_convention": "original", "graspxl_max_faces": 500}})
    sc = to_scene_config(cfg)
    assert sc.graspxl_objects == str(root) and sc.graspxl_max_faces == 500 and sc.graspxl_render_object
    with pytest.raises(YamlError, match="pose.graspxl_convention: value 'x'"):
        load_config({"pose": {"graspxl_convention": "x"}})
    with pytest.raises(YamlError, match="pose.graspxl_objects: value .* is not an existing folder"):
        check_paths(load_config({"pose": {"source": "graspxl", "file": str(rec),
                                          "graspxl_objects": str(tmp_path / "nope")}}))
