"""NIMBLE loader on a synthetic file of NIMBLE_DICT_9137.pkl's schema, checked against an
independent re-statement of NIMBLE's forward pass (_analysis_util.nimble_reference_skin)."""
import pickle

import numpy as np
import pytest

from _analysis_util import make_nimble_dict, nimble_reference_skin
from handraster.analysis import nimble as N

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def nimble_file(tmp_path_factory):
    d = make_nimble_dict(seed=3)
    p = tmp_path_factory.mktemp("nimble") / "NIMBLE_DICT_9137.pkl"
    with open(p, "wb") as f:
        pickle.dump(d, f)
    return p, d


def test_skin_model_matches_nimble_forward(nimble_file):
    path, d = nimble_file
    m = N.load_nimble(path, units="mm", num_pca_comps=30)
    assert m.num_joints == 25 and m.num_betas == 20 and m.pose_dim == 30
    rng = np.random.default_rng(0)
    theta, betas = rng.uniform(-1, 1, (3, 30)), rng.uniform(-1, 1, (3, 20))
    out = m.forward(theta.astype(np.float32), betas=betas.astype(np.float32))
    out_t = m.forward(torch.tensor(theta, dtype=torch.float32), betas=torch.tensor(betas, dtype=torch.float32),
                      differentiable=True)
    for i in range(3):
        skin, joints = nimble_reference_skin(d, theta[i], betas[i])
        assert np.abs(out.vertices[i] - skin).max() < 1e-3          # mm, float32 vs float64
        assert np.abs(out.joints[i, :25] - joints).max() < 1e-3
        assert np.abs(out_t.vertices[i].detach().numpy() - skin).max() < 1e-3
    # the posed skin really moved (the test is not vacuous)
    rest, _ = nimble_reference_skin(d, np.zeros(30), np.zeros(20))
    assert np.abs(out.vertices[0] - rest).max() > 5


def test_metres_and_axis_angle_pose(nimble_file):
    path, d = nimble_file
    m_mm = N.load_nimble(path, units="mm", flat_hand_mean=True)
    m_m = N.load_nimble(path, flat_hand_mean=True)
    rng = np.random.default_rng(1)
    theta = rng.uniform(-1, 1, (2, 12))                              # 12 of 30 components
    hp = N.pose_pca_to_hand_pose(theta, path)                         # NIMBLE's own truncation
    assert hp.shape == (2, 72)
    betas = rng.uniform(-1, 1, (2, 20)).astype(np.float32)
    out_mm = m_mm.forward(hp, betas=betas)
    out_m = m_m.forward(hp, betas=betas)
    np.testing.assert_allclose(out_m.vertices * 1000, out_mm.vertices, atol=1e-3)
    full = np.zeros(30)
    full[:12] = theta[0]
    d12 = dict(d, pose_basis=d["pose_basis"][:12], pose_pm_std=d["pose_pm_std"][:12],
               pose_pm_mean=d["pose_pm_mean"][:12])
    skin, _ = nimble_reference_skin(d12, theta[0], betas[0].astype(np.float64))
    assert np.abs(out_mm.vertices[0] - skin).max() < 1e-3
    with pytest.raises(ValueError, match="units"):
        N.load_nimble(path, units="cm")


def test_regressor_tips_parts(nimble_file):
    path, d = nimble_file
    m = N.load_nimble(path, units="mm")
    np.testing.assert_allclose(m.J_regressor.sum(1), 1.0, atol=1e-5)
    # each joint's weight sits near the joint (distance-weighted solve), not spread over the hand
    J = m.J_regressor.astype(np.float64) @ m.v_template
    far = np.linalg.norm(m.v_template[None] - J[:, None], axis=-1) > 40
    assert np.abs(m.J_regressor * far).sum() < 0.05 * np.abs(m.J_regressor).sum()
    tips = m.v_template[m.tip_ids]
    ends = J[list(N.END_JOINTS)]
    assert np.linalg.norm(tips - ends, axis=1).max() < 15                       # mm
    assert set(np.unique(m.vertex_parts)) == {1, 2, 3, 4, 5, 6}
    assert m.vertex_parts[m.tip_ids].tolist() == [2, 3, 4, 5, 6]


def test_torch_tensors_in_the_pickle_and_bad_files(tmp_path, nimble_file):
    path, d = nimble_file
    dt = {k: (torch.as_tensor(v) if isinstance(v, np.ndarray) else v) for k, v in d.items()}
    p = tmp_path / "t.pkl"
    with open(p, "wb") as f:
        pickle.dump(dt, f)
    a, b = N.load_nimble(p), N.load_nimble(path)
    np.testing.assert_array_equal(a.v_template, b.v_template)
    bad = tmp_path / "bad.pkl"
    with open(bad, "wb") as f:
        pickle.dump({"vert": d["vert"]}, f)
    with pytest.raises(ValueError, match="missing"):
        N.load_nimble(bad)
    with pytest.raises(FileNotFoundError):
        N.load_nimble(tmp_path / "nope.pkl")


def test_fuv_and_mano_map(tmp_path, nimble_file):
    path, d = nimble_file
    F = np.asarray(d["skin_f"])
    lines = ["vt 0.25 0.5\n", "vt 0.75 0.5\n", "vt 0.5 1.0\n"] + \
        [f"f {a + 1}/1 {b + 1}/2 {c + 1}/3\n" for a, b, c in F]
    p = tmp_path / "fuv.pkl"
    with open(p, "wb") as f:
        pickle.dump(lines, f)
    m = N.load_nimble(path, fuv_path=p)
    np.testing.assert_array_equal(m.faces, F)
    assert m.uvs.shape == (3, 2) and (m.faces_uv == [0, 1, 2]).all()
    rng = np.random.default_rng(2)
    K, L = 3, 40
    vreg = {"lmk_faces_idx": rng.integers(0, len(F), (K, L)), "lmk_bary_coords": rng.dirichlet([1, 1, 1], (K, L))}
    M = N.mano_map_matrix(vreg, F, m.num_vertices)
    skin = m.v_template.astype(np.float64)
    ref = np.mean([np.einsum("lf,lfk->lk", vreg["lmk_bary_coords"][k], skin[F[vreg["lmk_faces_idx"][k]]])
                   for k in range(K)], 0)
    np.testing.assert_allclose(M @ skin, ref, atol=1e-5)


def test_texture_pca():
    rng = np.random.default_rng(4)
    S, C = 8, 10
    tex = {k: {"basis": rng.normal(size=(3 * S * S, C)) * 0.05, "mean": rng.uniform(0.2, 0.8, 3 * S * S),
               "std": rng.uniform(0.5, 2, C)} for k in ("diffuse", "normal", "spec")}
    alpha = rng.uniform(-0.5, 0.5, (2, C))
    out = N.nimble_texture(tex, alpha)
    assert out["diffuse"].shape == (2, S, S, 3) and out["spec"].dtype == np.float32
    t = tex["normal"]
    ref = np.clip((alpha[1] * t["std"]) @ t["basis"].T + t["mean"], 0, 1).reshape(S, S, 3)
    np.testing.assert_allclose(out["normal"][1], ref, atol=1e-6)
    np.testing.assert_allclose(N.nimble_texture(tex, np.zeros(C))["diffuse"][0],
                               np.clip(tex["diffuse"]["mean"], 0, 1).reshape(S, S, 3), atol=1e-6)
