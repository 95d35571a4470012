"""The scene renderer end to end on the built-in hand: labels agree with the pixels,
determinism, occlusion, views, left hands and config validation (issue 5 quality checks)."""
import numpy as np
import pytest

from _hand_util import hand_cache  # noqa: F401  (fixture)
from handraster.scene.config import ConfigError, SceneConfig
from handraster.scene.labels import JOINT_RADII


@pytest.fixture(scope="module")
def renderer(hand_cache):  # noqa: F811
    from handraster.scene.renderer import Renderer
    return Renderer(SceneConfig(resolution=(96, 96), distance_means=(0.45,), distance_std=0.03,
                                object_prob=0.0))


@pytest.fixture(scope="module")
def batch(renderer):
    b = renderer.render(np.arange(24), seed=7)
    b.validate()
    return b


def test_visible_joints_land_on_the_hand(batch):
    H, W = batch.resolution
    n_vis = 0
    for k in range(len(batch)):
        for j in np.flatnonzero(batch.visibility[k]):
            x, y = np.rint(batch.joints2d[k, j]).astype(int)
            win = np.s_[max(y - 1, 0):y + 2, max(x - 1, 0):x + 2]
            on_hand = (batch.mask[k][win] >= 1) & (batch.mask[k][win] <= 7)
            # the surface there is the joint's own finger or palm: within the joint's radius
            near = np.abs(batch.depth[k][win] - batch.joints3d[k, j, 2]) < JOINT_RADII[j]
            assert (on_hand & near).any(), (k, j)
            n_vis += 1
    assert n_vis > 0.3 * batch.visibility.size  # most joints are visible in these views


def test_joints_project_with_K(batch):
    p = batch.joints3d
    u = batch.K[:, None, 0, 0] * p[..., 0] / p[..., 2] + batch.K[:, None, 0, 2]
    v = batch.K[:, None, 1, 1] * p[..., 1] / p[..., 2] + batch.K[:, None, 1, 2]
    np.testing.assert_allclose(batch.joints2d, np.stack([u, v], -1), atol=1e-3)
    # the hand box contains the (in-frame) joints
    inside = batch.joints2d
    assert (inside[..., 0] >= batch.bbox[:, None, 0] - 1).mean() > 0.95
    assert (inside[..., 0] <= batch.bbox[:, None, 2] + 1).mean() > 0.95
    np.testing.assert_allclose(batch.scale, np.maximum(batch.bbox[:, 2] - batch.bbox[:, 0],
                                                       batch.bbox[:, 3] - batch.bbox[:, 1]) / 200, rtol=1e-5)


def test_mask_and_depth_agree(batch):
    assert ((batch.mask == 0) == (batch.depth == 0)).all()
    assert (batch.depth[batch.mask > 0] > 0.05).all()
    assert (batch.mask > 0).any(axis=(1, 2)).all()  # every sample shows its hand


def test_same_seed_same_bytes_other_seed_other_scene(renderer, batch):
    again = renderer.render(np.arange(24), seed=7)
    for name in ("rgb", "depth", "mask", "joints2d", "K", "extrinsics", "hand_pose"):
        np.testing.assert_array_equal(getattr(again, name), getattr(batch, name), err_msg=name)
    # a sample does not depend on its batch-mates: render sample 5 alone
    alone = renderer.render(np.array([5]), seed=7)
    np.testing.assert_array_equal(alone.rgb[0], batch.rgb[5])
    other = renderer.render(np.arange(24), seed=8)
    assert not np.array_equal(other.rgb, batch.rgb)
    assert not np.allclose(other.hand_pose, batch.hand_pose)


def test_objects_occlude_and_hide_joints(hand_cache):  # noqa: F811
    from handraster.scene.renderer import Renderer
    r = Renderer(SceneConfig(resolution=(96, 96), distance_means=(0.45,), distance_std=0.03,
                             object_prob=1.0, object_size=(0.09, 0.12)))
    b = r.render(np.arange(16), seed=1)
    assert (b.mask == 8).any(axis=(1, 2)).mean() > 0.5
    H, W = b.resolution
    hidden_by_object = 0
    for k in range(len(b)):
        for j in range(21):
            x, y = np.rint(b.joints2d[k, j]).astype(int)
            if 1 <= x < W - 1 and 1 <= y < H - 1 and (b.mask[k, y - 1:y + 2, x - 1:x + 2] == 8).all():
                assert not b.visibility[k, j]  # the object covers the joint's whole window
                hidden_by_object += 1
    assert hidden_by_object > 0
    assert b.occlusion_level.max() >= 1 and b.occlusion_level.max() <= 6


def test_views_share_the_scene_and_left_hands_mirror(hand_cache):  # noqa: F811
    from handraster.scene.renderer import Renderer
    r = Renderer(SceneConfig(resolution=(64, 64), views=2, right_ratio=0.5, object_prob=0.0))
    b = r.render(np.arange(16), seed=3)
    for s in range(8):
        np.testing.assert_array_equal(b.hand_pose[2 * s], b.hand_pose[2 * s + 1])
        assert not np.array_equal(b.extrinsics[2 * s], b.extrinsics[2 * s + 1])
    assert b.right.any() and (~b.right).any()
    # world joints (camera frame mapped back) of a left sample equal the left model's forward
    from handraster import load_model
    k = int(np.flatnonzero(~b.right)[0])
    left = load_model("default-left", flat_hand_mean=True)
    out = left.forward(b.hand_pose[k:k + 1], b.betas[k:k + 1], b.global_orient[k:k + 1])
    from handraster.models.joints import to_openpose
    E = b.extrinsics[k]
    cam = out.joints[0, to_openpose()] @ E[:3, :3].T + E[:3, 3]
    np.testing.assert_allclose(cam, b.joints3d[k], atol=1e-4)


@pytest.mark.parametrize("kw,match", [
    (dict(fov_deg=(50.0, 20.0)), "fov_deg"),
    (dict(resolution=(8, 8)), "resolution"),
    (dict(lights=(0, 3)), "lights"),
    (dict(object_prob=1.5), "object_prob"),
    (dict(camera="dataset"), "dataset_K"),
    (dict(background_weights=(0, 0, 0)), "background_weights"),
])
def test_config_errors_name_the_key(kw, match):
    with pytest.raises(ConfigError, match=match):
        SceneConfig(**kw)


def test_antialias_option_smooths_only_silhouettes(hand_cache):  # noqa: F811
    from handraster.scene.renderer import Renderer
    kw = dict(resolution=(64, 64), distance_means=(0.45,), distance_std=0.03, object_prob=0.0)
    hard = Renderer(SceneConfig(**kw)).render(np.arange(4), seed=5)
    soft = Renderer(SceneConfig(antialias=True, **kw)).render(np.arange(4), seed=5)
    changed = (hard.rgb != soft.rgb).any(-1)
    assert changed.any()
    # only pixels next to a silhouette (a change of part label or a depth jump: the hand over
    # the background or over itself) may differ
    m, d = hard.mask.astype(int), hard.depth
    edge = np.zeros(m.shape, bool)
    for ax in (1, 2):
        a = [slice(None)] * 3
        b = [slice(None)] * 3
        a[ax], b[ax] = slice(1, None), slice(None, -1)
        jump = (m[tuple(a)] != m[tuple(b)]) | (np.abs(d[tuple(a)] - d[tuple(b)]) > 0.005)
        edge[tuple(a)] |= jump
        edge[tuple(b)] |= jump
    assert not (changed & ~edge).any()
    np.testing.assert_array_equal(hard.mask, soft.mask)


def test_occlusion_level_agrees_with_the_analysis_protocol(hand_cache):  # noqa: F811
    """The generator's fast occlusion level against analysis/occlusion.py (the gap paper's
    render-and-compare with a hand-only depth pass) on the same rendered samples."""
    from handraster.analysis.occlusion import occlusion_labels
    from handraster.scene.renderer import Renderer
    r = Renderer(SceneConfig(resolution=(128, 128), distance_means=(0.45,), distance_std=0.03,
                             object_prob=1.0, object_size=(0.06, 0.12), write_vertices=True))
    b = r.render(np.arange(24), seed=4)
    thr = max(1, int(round(40 * r.mesh.n_hand / 778)))
    ref = np.array([occlusion_labels(b.vertices[k], b.faces, b.K[k], r.mesh.hand_labels, b.mask[k],
                                     b.depth[k], threshold=thr).level for k in range(len(b))])
    diff = np.abs(ref - b.occlusion_level)
    assert ref.max() >= 3  # the scenes do occlude
    assert diff.mean() < 1.0 and (diff <= 1).mean() >= 0.75 and diff.max() <= 2


def test_params_name_the_background(batch):
    for p in batch.params:
        bg = p["background"]
        assert bg["mode"] in ("photo", "environment", "solid")
        assert (bg["name"] is None) == (bg["mode"] == "solid"), bg
