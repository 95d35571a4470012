"""Pose sources: readers (FreiHAND, generic MANO npz, HaMeR npz, GraspXL npy) into one
convention, left-hand mirroring, mean conversions, interpolation, PCA sampling, prior poses."""
import json
from dataclasses import replace

import numpy as np
import pytest

from _analysis_util import make_tube_hand, synergy_poses
from handraster.poses.resample import PosePCA, aa_to_quat, interpolate, quat_to_aa, slerp_aa
from handraster.poses.sources import (PoseSet, read_freihand_mano, read_graspxl, read_hamer_npz,
                                      read_mano_npz, read_poses)

RNG = np.random.default_rng(0)
MEAN = (RNG.normal(size=45) * 0.1).astype(np.float32)


def test_freihand_json(tmp_path):
    vals = RNG.normal(size=(3, 61)).astype(np.float32)
    p = tmp_path / "training_mano.json"
    p.write_text(json.dumps([[v.tolist()] for v in vals]))            # FreiHAND nests each in a list
    ps = read_freihand_mano(p)
    assert len(ps) == 3 and ps.mean_relative and ps.transl is None
    np.testing.assert_allclose(ps.global_orient, vals[:, :3])
    np.testing.assert_allclose(ps.hand_pose, vals[:, 3:48])
    np.testing.assert_allclose(ps.betas, vals[:, 48:58])
    np.testing.assert_allclose(ps.extra["scale"], vals[:, 60])
    assert read_poses(p).source.startswith("freihand")


def test_generic_npz_mirrors_left_hands_and_needs_a_convention(tmp_path):
    pose48 = RNG.normal(size=(4, 48)).astype(np.float32)
    right = np.array([1, 0, 1, 0])
    p = tmp_path / "params.npz"
    np.savez(p, pose=pose48, betas=np.zeros((4, 10)), trans=np.ones((4, 3)), right=right)
    with pytest.raises(ValueError, match="mean_relative"):
        read_mano_npz(p)
    ps = read_mano_npz(p, mean_relative=False)
    assert ps.was_left.tolist() == [False, True, False, True]
    flip = np.array([1, -1, -1], np.float32)
    np.testing.assert_allclose(ps.hand_pose[1].reshape(15, 3), pose48[1, 3:].reshape(15, 3) * flip)
    np.testing.assert_allclose(ps.hand_pose[0], pose48[0, 3:])
    np.testing.assert_allclose(ps.global_orient[3], pose48[3, :3] * flip)
    assert ps.transl[1, 0] == -1 and ps.transl[0, 0] == 1
    # our own files round-trip without mirroring twice
    q = ps.save(tmp_path / "mine.npz")
    back = read_mano_npz(q)
    np.testing.assert_array_equal(back.hand_pose, ps.hand_pose)
    assert back.was_left.tolist() == ps.was_left.tolist() and not back.mean_relative


def test_left_mirroring_matches_the_mirrored_model():
    m = make_tube_hand()
    left = m.mirrored()
    pose = synergy_poses(2, seed=4)
    go = (RNG.normal(size=(2, 3)) * 0.4).astype(np.float32)
    vl = left.forward(pose, global_orient=go).vertices                 # a left hand, as captured
    ps = PoseSet(hand_pose=pose, global_orient=go)
    from handraster.poses.sources import _mirror_left
    hp, g, _ = _mirror_left(ps.hand_pose, ps.global_orient, None, np.ones(2, bool))
    vr = m.forward(hp, global_orient=g).vertices                       # our right-hand convention
    np.testing.assert_allclose(vr * [-1, 1, 1], vl, atol=1e-5)


def test_hamer_npz(tmp_path):
    hp = RNG.normal(size=(5, 48)).astype(np.float32)
    p = tmp_path / "hamer.npz"
    np.savez(p, imgname=np.array(["a.jpg"] * 5), center=np.zeros((5, 2)), scale=np.ones(5), hand_pose=hp,
             has_hand_pose=np.array([1, 1, 0, 1, 1.0]), betas=np.zeros((5, 10)), has_betas=np.ones(5),
             right=np.array([1, 0, 1, 1, 1.0]))
    ps = read_hamer_npz(p)
    assert len(ps) == 4 and not ps.mean_relative and ps.was_left.tolist() == [False, True, False, False]
    np.testing.assert_allclose(ps.hand_pose[0], hp[0, 3:])
    np.testing.assert_allclose(ps.hand_pose[2], hp[3, 3:])
    assert len(read_hamer_npz(p, only_valid=False)) == 5
    assert read_poses(p).source.startswith("hamer")


def test_graspxl_npy(tmp_path):
    T = 6
    rec = {"right_hand": {"rot": RNG.normal(size=(T, 3)), "pose": RNG.normal(size=(T, 45)),
                          "trans": RNG.normal(size=(T, 3))}, "cup": {"rot": np.zeros((T, 3)), "trans": np.zeros((T, 3))}}
    p = tmp_path / "WineGlass.npy"
    np.save(p, rec, allow_pickle=True)
    ps = read_graspxl(p)
    assert len(ps) == T and ps.mean_relative
    np.testing.assert_allclose(ps.hand_pose, rec["right_hand"]["pose"], rtol=1e-6)
    assert read_poses(p).source.startswith("graspxl")


def test_mean_conversions_and_for_model():
    m = make_tube_hand()
    m_mean = replace(m, hands_mean=MEAN, flat_hand_mean=False)       # MANO-like: forward adds the mean
    flat = PoseSet(hand_pose=synergy_poses(3, seed=1), global_orient=None)
    rel = flat.to_mean_relative(MEAN)
    assert rel.mean_relative and np.allclose(rel.to_flat(MEAN).hand_pose, flat.hand_pose, atol=1e-6)
    ref = m.forward(flat.hand_pose).vertices                          # flat_hand_mean model, absolute pose
    for ps in (flat, rel):
        for model in (m, m_mean):
            args = ps.for_model(model, hands_mean=MEAN if model is m else None)
            np.testing.assert_allclose(model.forward(**args).vertices, ref, atol=1e-5)
    with pytest.raises(ValueError, match="hands_mean"):
        rel.for_model(m)


def test_slerp_and_quaternions():
    a = RNG.normal(size=(10, 3))
    np.testing.assert_allclose(quat_to_aa(aa_to_quat(a * 0.5)), a * 0.5, atol=1e-9)
    b = RNG.normal(size=(10, 3))
    np.testing.assert_allclose(slerp_aa(a * 0.5, b * 0.5, 0.0), a * 0.5, atol=1e-9)
    np.testing.assert_allclose(slerp_aa(a * 0.5, b * 0.5, 1.0), b * 0.5, atol=1e-9)
    axis = np.array([0.0, 0.0, 1.0])
    np.testing.assert_allclose(slerp_aa(axis * 0.2, axis * 1.0, 0.5), axis * 0.6, atol=1e-9)
    # shortest arc: +170 deg and -170 deg about z meet at 180, not at 0
    mid = slerp_aa(axis * np.deg2rad(170), axis * np.deg2rad(-170), 0.5)
    assert abs(np.linalg.norm(mid) - np.pi) < 1e-6


def test_interpolate_is_deterministic_and_between():
    ps = PoseSet(hand_pose=synergy_poses(20, seed=2), global_orient=RNG.normal(size=(20, 3)) * 0.3,
                 betas=RNG.normal(size=(20, 10)))
    a, b = interpolate(ps, 50, seed=7), interpolate(ps, 50, seed=7)
    np.testing.assert_array_equal(a.hand_pose, b.hand_pose)
    i, j = a.extra["pair"].T
    assert (i != j).all() and ((a.extra["t"] >= 0) & (a.extra["t"] <= 1)).all()
    t = a.extra["t"][:, None]
    np.testing.assert_allclose(a.betas, (1 - t) * ps.betas[i] + t * ps.betas[j], atol=1e-6)
    k = 0
    ref = slerp_aa(ps.hand_pose[i[k]].reshape(15, 3), ps.hand_pose[j[k]].reshape(15, 3), a.extra["t"][k])
    np.testing.assert_allclose(a.hand_pose[k], ref.reshape(45), atol=1e-6)
    assert not np.allclose(interpolate(ps, 50, seed=8).hand_pose, a.hand_pose)


def test_pca_sampling():
    X = synergy_poses(3000, seed=3, k=6)
    pca = PosePCA.fit(X, n_components=12)
    assert pca.std[5] > 3 * pca.std[6]                                # six synergies dominate
    s = pca.sample(20000, seed=1)
    np.testing.assert_allclose(np.std(pca.encode(s.hand_pose), 0), pca.std, rtol=0.05)
    np.testing.assert_allclose(pca.decode(pca.encode(X[:5])), X[:5], atol=0.1)   # 12 comps: ~noise level
    full = PosePCA.fit(X)
    np.testing.assert_allclose(full.decode(full.encode(X[:5])), X[:5], atol=1e-5)
    m = replace(make_tube_hand(), hands_components=np.linalg.qr(RNG.normal(size=(45, 45)))[0].T.astype(np.float32))
    mp = PosePCA.from_model(m, n_components=10)
    assert mp.sample(3, seed=0).hand_pose.shape == (3, 45)


def test_prior_poses():
    torch = pytest.importorskip("torch")
    from handraster.poses.resample import prior_poses
    from handraster.prior.vae import OcclusionPrior
    m = make_tube_hand()
    joints = m.forward(synergy_poses(256, seed=5)).joints
    prior = OcclusionPrior(latent_dim=8, hidden=64, seed=0)
    prior.fit(joints, epochs=2, lr=1e-3, progress=False)
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        ps = prior_poses(prior, m, 2, seed=0, method="fit", coarse_epochs=1, coarse_iters=20, fine_epochs=1, fine_iters=30,
                         decay_every=20)
    finally:
        torch.set_num_threads(n)
    assert ps.hand_pose.shape == (2, 45) and ps.extra["joints"].shape == (2, 21, 3)
    assert np.isfinite(ps.extra["fit_mm"]).all() and ps.source == "vae-prior"
