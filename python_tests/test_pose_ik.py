"""Closed-form IK (poses/ik.py) and the renderer's VAE-prior pose source (scene/pose_source.py).

IK: joints made by a model come back exactly from the recovered parameters (bone directions
are matched exactly, bone lengths are the model's), for the built-in hand, a random
MANO-format model with pose blend shapes, a mean-relative model, both joint orders, batched
and unbatched. Prior source: a tiny prior trained here drives Renderer(pose_source='prior');
its scenes' poses are pool entries, renders are reproducible, bad files and values get errors.
"""
import numpy as np
import pytest

import handraster
from handraster.models.joints import to_openpose
from handraster.models.rotations import rodrigues
from handraster.poses import pose_from_joints, sample_anatomical
from handraster.poses.ik import rest_joints, shortest_arc

from _hand_util import hand_cache  # noqa: F401  (fixture)
from _model_util import random_model

RNG = np.random.default_rng(7)


@pytest.fixture(scope="module")
def default_model():
    return handraster.load_model("default", flat_hand_mean=True)


def _posed(model, n, seed, betas=None):
    rng = np.random.default_rng(seed)
    hp = sample_anatomical(n, rng).astype(np.float32)
    go = rng.normal(size=(n, 3)).astype(np.float32)
    tr = (rng.normal(size=(n, 3)) * 0.2).astype(np.float32)
    return np.asarray(model.forward(hp, betas=betas, global_orient=go, transl=tr).joints, np.float64), hp


def _reposed(model, out, betas=None):
    return np.asarray(model.forward(out["hand_pose"], betas=betas, global_orient=out["global_orient"],
                                    transl=out["transl"]).joints, np.float64)


def test_default_hand_round_trip_both_orders(default_model):
    J, hp = _posed(default_model, 48, seed=1)
    out = pose_from_joints(default_model, J)
    err = np.linalg.norm(_reposed(default_model, out) - J, axis=-1)
    assert err.max() < 2e-6, err.max()          # all 21, tips included (rigid on the distal bone)
    assert np.abs(out["hand_pose"] - hp).max() > 1e-3   # twist is not recovered: not a copy of the input
    op = pose_from_joints(default_model, J[:, to_openpose()], order="openpose")
    for k in out:
        np.testing.assert_allclose(op[k], out[k], atol=1e-6)
    one = pose_from_joints(default_model, J[3])
    assert one["hand_pose"].shape == (45,)
    np.testing.assert_allclose(one["hand_pose"], out["hand_pose"][3], atol=1e-6)


def test_random_mano_model_with_pose_blend_and_shape():
    m = random_model(V=300, seed=3)
    betas = (RNG.normal(size=(16, 10))).astype(np.float32)
    for b in range(2):   # a shaped model: the rest joints come from the same betas
        J, _ = _posed(m, 16, seed=10 + b, betas=betas)
        out = pose_from_joints(m, J[b:b + 1], betas=betas[b])
        err = np.linalg.norm(_reposed(m, out, betas[b:b + 1])[:, :16] - J[b:b + 1, :16], axis=-1)
        assert err.max() < 1e-5, err.max()       # MANO's 16 joints: exact up to float32


def test_mean_relative_model_convention():
    m = random_model(V=200, seed=4, flat_hand_mean=False)
    assert not m.flat_hand_mean and m.hands_mean is not None
    J, _ = _posed(m, 8, seed=5)
    out = pose_from_joints(m, J)
    err = np.linalg.norm(_reposed(m, out)[:, :16] - J[:, :16], axis=-1)
    assert err.max() < 1e-5
    flat = random_model(V=200, seed=4, flat_hand_mean=True)
    np.testing.assert_allclose(pose_from_joints(flat, J)["hand_pose"] - np.asarray(m.hands_mean).reshape(45),
                               out["hand_pose"], atol=1e-5)


def test_bone_directions_match_for_other_bone_lengths(default_model):
    """Targets with other bone lengths: every posed bone points along its target bone."""
    J, _ = _posed(default_model, 8, seed=2)
    J = J - J[:, :1]
    J *= 1.0 + 0.3 * RNG.random((8, 21, 1))   # distort bone lengths (and palm shape) per joint
    out = pose_from_joints(default_model, J)
    P = _reposed(default_model, out)
    parents = list(default_model.parents) + [15, 3, 6, 12, 9]   # tips hang off the last finger joints
    for c in range(1, 21):
        p = parents[c]
        if p == 0:
            continue   # palm bones: a rigid least-squares fit, not exact
        d0 = (J[:, c] - J[:, p]) / np.linalg.norm(J[:, c] - J[:, p], axis=-1, keepdims=True)
        d1 = (P[:, c] - P[:, p]) / np.linalg.norm(P[:, c] - P[:, p], axis=-1, keepdims=True)
        assert (np.einsum("ni,ni->n", d0, d1) > 1 - 1e-6).all(), c


def test_shortest_arc_cases():
    a = RNG.normal(size=(50, 3))
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b = RNG.normal(size=(50, 3))
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    b[0], b[1] = a[0], -a[1]                      # identity and opposite
    r = shortest_arc(a, b)
    np.testing.assert_allclose(np.einsum("nij,nj->ni", rodrigues(r), a), b, atol=1e-9)
    assert np.linalg.norm(r[0]) < 1e-9 and abs(np.linalg.norm(r[1]) - np.pi) < 1e-9
    assert abs(r[1] @ a[1]) < 1e-9               # the half turn is about an axis perpendicular to a
    # the shortest arc: its axis is perpendicular to both, its angle the angle between them
    np.testing.assert_allclose(np.linalg.norm(r, axis=1)[2:], np.arccos(np.clip((a * b).sum(1), -1, 1))[2:],
                               atol=1e-9)


def test_rest_joints_and_errors(default_model):
    R = rest_joints(default_model)
    out = np.asarray(default_model.forward(np.zeros((1, 45), np.float32)).joints[0], np.float64)
    np.testing.assert_allclose(R, out, atol=1e-6)
    with pytest.raises(ValueError, match=r"\[N, 21, 3\]"):
        pose_from_joints(default_model, np.zeros((4, 16, 3)))
    with pytest.raises(ValueError, match="order"):
        pose_from_joints(default_model, np.zeros((21, 3)), order="mano")
    with pytest.raises(ValueError, match="NaN"):
        pose_from_joints(default_model, np.full((21, 3), np.nan))
    with pytest.raises(ValueError, match="betas"):
        rest_joints(default_model, np.zeros(99))
    z = pose_from_joints(default_model, np.zeros((21, 3)))   # degenerate: all joints at one point
    assert all(np.isfinite(v).all() for v in z.values())


# ----- the renderer's 'prior' pose source ------------------------------------------------------

@pytest.fixture(scope="module")
def prior_file(tmp_path_factory, default_model):
    torch = pytest.importorskip("torch")
    from handraster.prior.vae import OcclusionPrior
    J, _ = _posed(default_model, 256, seed=11)
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        prior = OcclusionPrior(latent_dim=8, hidden=32, seed=0)
        prior.fit(J, epochs=2, lr=1e-3, progress=False)
    finally:
        torch.set_num_threads(n)
    import pathlib
    return pathlib.Path(prior.save(tmp_path_factory.mktemp("prior") / "prior.pt"))


def test_prior_poses_ik_method(prior_file, default_model):
    from handraster.poses import prior_poses
    from handraster.prior.vae import OcclusionPrior
    prior = OcclusionPrior.load(prior_file)
    assert prior.joint_order == "internal"
    ps = prior_poses(prior, default_model, 32, seed=3)
    assert ps.hand_pose.shape == (32, 45) and ps.source == "vae-prior" and not ps.mean_relative
    assert np.isfinite(ps.extra["fit_mm"]).all() and ps.extra["joints"].shape == (32, 21, 3)
    again = prior_poses(prior, default_model, 32, seed=3)
    np.testing.assert_array_equal(again.hand_pose, ps.hand_pose)
    with pytest.raises(ValueError, match="apply to method 'fit' only"):
        prior_poses(prior, default_model, 2, fine_iters=3)


def test_renderer_prior_source(prior_file, hand_cache):  # noqa: F811
    from handraster.scene.config import ConfigError as SceneConfigError
    from handraster.scene.config import SceneConfig
    from handraster.scene.renderer import Renderer
    small = dict(resolution=(48, 48), object_prob=0.0, forearm=False, distance_means=(0.45,), distance_std=0.03)
    cfg = SceneConfig(pose_source="prior", pose_prior_checkpoint=str(prior_file), pose_prior_pool=16, **small)
    r = Renderer(cfg)
    pool = r.mesh.poses.prior_pool
    assert pool.shape == (16, 45) and np.isfinite(pool).all()
    a, b = r.render(np.arange(12), seed=4), Renderer(cfg).render(np.arange(12), seed=4)
    for name in ("rgb", "depth", "mask", "hand_pose"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    # every scene's pose is a pool entry (right hands as drawn; left ones mirrored: y, z flipped)
    for k in range(12):
        hp = a.hand_pose[k] if a.right[k] else (a.hand_pose[k].reshape(15, 3) * [1, -1, -1]).reshape(45)
        assert np.abs(pool - hp).max(1).min() < 1e-6
    assert (a.mask > 0).any(axis=(1, 2)).all()   # hands in frame
    with pytest.raises(SceneConfigError, match="pose_prior_checkpoint"):
        SceneConfig(pose_source="prior", **small)
    bad = prior_file.parent / "bad.pt"
    bad.write_bytes(b"not a prior")
    with pytest.raises(SceneConfigError, match="pose_prior_checkpoint: value .*bad.pt.* cannot be read"):
        Renderer(SceneConfig(pose_source="prior", pose_prior_checkpoint=str(bad), **small))
    with pytest.raises(SceneConfigError, match="pose_prior_pool"):
        SceneConfig(pose_source="prior", pose_prior_checkpoint=str(prior_file), pose_prior_pool=0, **small)


def test_yaml_prior_source_maps(prior_file):
    from handraster.config import load_config
    from handraster.config.scene_map import to_scene_config
    sc = to_scene_config(load_config({"pose": {"source": "mixture", "prior_checkpoint": str(prior_file),
                                               "weights": {"anatomical": 1.0, "prior": 1.0},
                                               "prior_pool": 8, "prior_temperature": 0.5}}))
    assert sc.pose_prior_checkpoint == str(prior_file) and sc.pose_prior_pool == 8
    assert sc.pose_prior_temperature == 0.5 and sc.pose_weights["prior"] == 1.0
