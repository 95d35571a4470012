"""fit_model and joint regressor adaptation on the procedural tube hand: fit the model to its
own posed meshes / joints from known parameters, with short schedules."""
import numpy as np
import pytest

from _analysis_util import make_tube_hand, synergy_poses

torch = pytest.importorskip("torch")
from handraster.analysis.fitting import fit_model, rotvec_from_matrix  # noqa: E402
from handraster.analysis.metrics import mpjpe  # noqa: E402
from handraster.analysis.regressor import learn_joint_regressor, regress_joints, regressor_error  # noqa: E402

# Short schedules with larger learning rates than the paper's defaults (which are for 2x3000 +
# 4x3000 iterations); the structure (stages, decay, resets) is the same.
FAST = dict(coarse_epochs=1, coarse_iters=60, fine_epochs=2, fine_iters=150, decay_every=75,
            pose_lr=3e-2, shape_lr=3e-2, global_lr=1e-1)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)   # tiny tensors: threads only add overhead
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def scene():
    m = make_tube_hand()
    rng = np.random.default_rng(3)
    B = 2
    params = dict(hand_pose=synergy_poses(B, seed=2, amplitude=0.3),
                  betas=rng.normal(size=(B, 10)).astype(np.float32),
                  global_orient=(rng.normal(size=(B, 3)) * 0.6).astype(np.float32),
                  transl=(rng.normal(size=(B, 3)) * 0.05 + [0, 0, 0.5]).astype(np.float32))
    return m, params, m.forward(**params)


def test_fit_own_meshes_same_topology(scene):
    m, p, out = scene
    r = fit_model(out.vertices, m, correspondence="same", pose_reg=0.0, shape_reg=0.0, **FAST)
    assert r.residual_mm.max() < 1.0 and r.joint_residual_mm.max() < 1.0
    assert np.abs(r.hand_pose - p["hand_pose"]).max() < 0.2
    np.testing.assert_allclose(r.transl, p["transl"], atol=2e-3)
    refit = m.forward(r.hand_pose, betas=r.betas, global_orient=r.global_orient, transl=r.transl)
    np.testing.assert_allclose(refit.vertices, r.vertices, atol=1e-5)
    assert "vertex residual mm" in r.report() and len(r.history["fine"]) == 2


def test_regularisers_and_stages(scene):
    m, p, out = scene
    coarse_only = fit_model(out.vertices, m, correspondence="same", **dict(FAST, fine_epochs=0))
    reg = fit_model(out.vertices, m, correspondence="same", **FAST)           # default 50 x reg
    free = fit_model(out.vertices, m, correspondence="same", pose_reg=0.0, shape_reg=0.0, **FAST)
    assert (reg.residual_mm < coarse_only.residual_mm / 3).all()
    assert (free.residual_mm < reg.residual_mm).all()                          # the regulariser biases
    assert (np.abs(reg.betas).mean() < np.abs(free.betas).mean())


def test_index_and_matrix_correspondence(scene):
    m, p, out = scene
    V = m.num_vertices
    perm = np.random.default_rng(0).permutation(V)
    src = out.vertices[:, perm]                     # the source lists vertices in another order
    inv = np.argsort(perm)
    idx = inv.copy()
    idx[::7] = -1                                   # some model vertices unmatched
    r_idx = fit_model(src, m, correspondence=idx, pose_reg=0.0, shape_reg=0.0, **FAST)
    M = np.zeros((V, V), np.float32)
    M[np.arange(V), inv] = 1
    r_mat = fit_model(src, m, correspondence=M, pose_reg=0.0, shape_reg=0.0, **FAST)
    assert r_idx.residual_mm.max() < 1.0 and r_mat.residual_mm.max() < 1.0
    with pytest.raises(ValueError, match="V_model"):
        fit_model(src, m, correspondence=idx[:-1], **FAST)


def test_nearest_surface_mode(scene):
    m, p, out = scene
    perm = np.random.default_rng(1).permutation(m.num_vertices)
    inv = np.argsort(perm)
    faces = inv[m.faces]                            # same surface, vertices in another order
    small = dict(FAST, fine_iters=100)
    start = fit_model(out.vertices[:, perm], m, source_faces=faces, coarse_epochs=0, fine_epochs=0,
                      init_global_orient=p["global_orient"] * 0.8, **{k: v for k, v in small.items()
                                                                        if k not in ("coarse_epochs", "fine_epochs")})
    r = fit_model(out.vertices[:, perm], m, source_faces=faces, init_global_orient=p["global_orient"] * 0.8,
                  pose_reg=0.0, shape_reg=0.0, **small)
    assert (r.residual_mm < 0.3 * start.residual_mm).all() and r.residual_mm.max() < 10.0
    assert r.joint_residual_mm is None


def test_fit_to_joints_and_to_another_skeleton(scene):
    m, p, out = scene
    r = fit_model(None, m, source_joints=out.joints, pose_reg=0.0, shape_reg=0.0, **FAST)
    assert r.residual_mm is None and r.joint_residual_mm.max() < 2.0
    # a different skeleton (bone midpoints) through a learned regressor from the model's vertices
    rng = np.random.default_rng(7)
    N = 300
    train = m.forward(synergy_poses(N, seed=9), betas=rng.normal(size=(N, 10)).astype(np.float32))
    par = np.array([0, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14])
    mid = lambda J: 0.5 * (J[:, :16] + J[:, par])   # noqa: E731
    R = learn_joint_regressor(train.vertices, mid(train.joints), support=48)
    r2 = fit_model(None, m, source_joints=mid(out.joints), joint_regressor=R, pose_reg=0.0, shape_reg=0.0, **FAST)
    assert r2.joint_residual_mm.max() < 3.0
    with pytest.raises(ValueError, match="source_meshes and/or source_joints"):
        fit_model(None, m)


def test_joint_regressor_adaptation():
    m = make_tube_hand()
    rng = np.random.default_rng(0)
    N = 500
    out = m.forward(synergy_poses(N, seed=5), betas=rng.normal(size=(N, 10)).astype(np.float32),
                    global_orient=(rng.normal(size=(N, 3)) * 0.3).astype(np.float32))
    par = np.array([0, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14])
    other = 0.5 * (out.joints[:, :16] + out.joints[:, par])        # "another skeleton"
    tr, te = slice(0, 400), slice(400, N)
    R = learn_joint_regressor(out.vertices[tr], other[tr], support=64)
    assert R.shape == (16, m.num_vertices)
    np.testing.assert_allclose(R.sum(1), 1.0, atol=1e-5)          # translation-equivariant
    err = regressor_error(R, out.vertices[te], other[te]).mean()
    wrong = mpjpe(out.joints[te, :16], other[te]).mean()           # labels from the wrong skeleton
    assert err < 1.5 and wrong > 10 * err
    Rall = learn_joint_regressor(out.vertices[tr], other[tr], support=None)
    assert regressor_error(Rall, out.vertices[te], other[te]).mean() < err
    vt = torch.tensor(out.vertices[te])
    np.testing.assert_allclose(regress_joints(R, vt).numpy(), regress_joints(R, out.vertices[te]), atol=1e-6)
    moved = out.vertices[te] + np.array([0.3, -0.1, 0.2], np.float32)
    np.testing.assert_allclose(regress_joints(R, moved), regress_joints(R, out.vertices[te]) + [0.3, -0.1, 0.2],
                               atol=1e-5)
    with pytest.raises(ValueError, match="joint regressor"):
        learn_joint_regressor(out.vertices[:10], other[:9])


def test_rotvec_from_matrix():
    from handraster.models.skinning_torch import rodrigues_torch
    rv = np.random.default_rng(0).normal(size=(50, 3))
    rv = rv / np.linalg.norm(rv, axis=1, keepdims=True) * np.random.default_rng(1).uniform(0, np.pi, (50, 1))
    R = rodrigues_torch(torch.tensor(rv)).numpy()
    np.testing.assert_allclose(rotvec_from_matrix(R), rv, atol=1e-7)


def test_fit_cli(tmp_path, capsys, scene):
    from handraster.cli.main import main
    from handraster.models import save_model
    m, p, out = scene
    save_model(m, tmp_path / "tube.npz")
    np.savez(tmp_path / "src.npz", vertices=out.vertices, faces=m.faces)
    args = ["fit", "--source", str(tmp_path / "src.npz"), "--model", str(tmp_path / "tube.npz"),
            "--correspondence", "same", "--out", str(tmp_path / "fit.npz"), "--coarse-epochs", "1",
            "--coarse-iters", "20", "--fine-epochs", "1", "--fine-iters", "40", "--decay-every", "20", "--quiet"]
    assert main(args) == 0
    assert "vertex residual mm" in capsys.readouterr().out
    with np.load(tmp_path / "fit.npz") as z:
        assert z["hand_pose"].shape == (2, 45) and z["residual_mm"].shape == (2,)
    assert main(args[:2] + [str(tmp_path / "missing.npz")] + args[3:]) == 2


def test_default_schedule_is_the_papers():
    import inspect
    d = {k: v.default for k, v in inspect.signature(fit_model).parameters.items()}
    assert (d["coarse_epochs"], d["coarse_iters"], d["coarse_lr"], d["vertex_weight_coarse"]) == (2, 3000, 1.0, 0.1)
    assert (d["fine_epochs"], d["pose_lr"], d["shape_lr"], d["global_lr"]) == (4, 1e-3, 1e-3, 1e-2)
    assert (d["pose_reg"], d["shape_reg"], d["decay_every"]) == (50.0, 50.0, 1000)
