"""MANO-format skinning: native kernels vs the numpy twin, the torch autograd path, and
smplx's MANO layer (the external reference) on a random model file."""
import numpy as np
import pytest

import handraster
from handraster._reference.skin import skin as ref_skin
from _model_util import random_mano_dict, random_model, write_pickle

torch = pytest.importorskip("torch")


def _inputs(B, rng, ncomp=None, scale=0.6):
    hp = rng.normal(size=(B, ncomp or 45)).astype(np.float32) * scale
    return (hp, rng.normal(size=(B, 10)).astype(np.float32), rng.normal(size=(B, 3)).astype(np.float32),
            rng.normal(size=(B, 3)).astype(np.float32) * 0.1)


@pytest.mark.parametrize("posedirs", [True, False])
@pytest.mark.parametrize("flat", [True, False])
def test_native_matches_reference(posedirs, flat):
    m = random_model(posedirs=posedirs, flat_hand_mean=flat)
    rng = np.random.default_rng(1)
    hp, b, go, tr = _inputs(5, rng)
    out = m.forward(hp, b, go, tr)
    rv, rj = ref_skin(m, m.full_pose(hp, go), b, tr)
    assert out.vertices.dtype == np.float32 and out.vertices.shape == (5, m.num_vertices, 3)
    np.testing.assert_allclose(out.vertices, rv, atol=2e-6)
    np.testing.assert_allclose(out.joints[:, :16], rj, atol=2e-6)
    np.testing.assert_array_equal(out.joints[:, 16:], out.vertices[:, m.tip_ids])


def test_rest_pose_returns_template():
    m = random_model(flat_hand_mean=True)
    out = m.forward(np.zeros((2, 45), np.float32))
    np.testing.assert_allclose(out.vertices[0], m.v_template, atol=1e-6)
    np.testing.assert_allclose(out.vertices[1], m.v_template, atol=1e-6)
    np.testing.assert_allclose(out.joints[0, :16], m.J_regressor @ m.v_template, atol=1e-6)


def test_global_rotation_and_translation_move_rigidly():
    m = random_model(flat_hand_mean=True)
    rng = np.random.default_rng(2)
    hp = rng.normal(size=(1, 45)).astype(np.float32) * 0.3
    base = m.forward(hp).vertices[0]
    go = np.array([[0.0, 0.0, np.pi / 2]], np.float32)
    tr = np.array([[0.1, -0.2, 0.3]], np.float32)
    moved = m.forward(hp, global_orient=go, transl=tr).vertices[0]
    # The root rotates about the root joint: x' = R (x - j0) + j0 + t.
    j0 = (m.J_regressor @ m.v_template)[0]
    R = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]], np.float32)
    np.testing.assert_allclose(moved, (base - j0) @ R.T + j0 + tr[0], atol=2e-6)


@pytest.mark.parametrize("ncomp", [None, 6, 12])
def test_torch_autograd_path_equals_native(ncomp):
    m = random_model(num_pca_comps=ncomp)
    rng = np.random.default_rng(3)
    hp, b, go, tr = _inputs(4, rng, ncomp)
    nat = m.forward(hp, b, go, tr)
    t = [torch.tensor(x, requires_grad=True) for x in (hp, b, go, tr)]
    out = m.forward(*t)
    assert out.vertices.requires_grad
    out.vertices.sum().backward()
    assert t[0].grad is not None and torch.isfinite(t[0].grad).all()
    np.testing.assert_allclose(out.vertices.detach().numpy(), nat.vertices, atol=2e-6)
    np.testing.assert_allclose(out.joints.detach().numpy(), nat.joints, atol=2e-6)
    # torch tensors without grad go through the native kernels and come back as torch
    nt = m.forward(*[torch.tensor(x) for x in (hp, b, go, tr)])
    assert torch.is_tensor(nt.vertices)
    np.testing.assert_allclose(nt.vertices.numpy(), nat.vertices, atol=1e-7)


def _smplx_mano(path, ncomp, flat):
    smplx = pytest.importorskip("smplx")
    return smplx.MANO(str(path), is_rhand=True, use_pca=ncomp is not None, num_pca_comps=ncomp or 45,
                      flat_hand_mean=flat, num_betas=10)


@pytest.mark.parametrize("ncomp,flat", [(None, False), (None, True), (6, False), (15, True), (45, False)])
def test_matches_smplx(tmp_path, ncomp, flat):
    path = write_pickle(tmp_path / "MANO_RIGHT.pkl", random_mano_dict(V=200, seed=4))
    ref = _smplx_mano(path, ncomp, flat)
    ours = handraster.load_model(path, flat_hand_mean=flat, num_pca_comps=ncomp if ncomp != 45 else None)
    rng = np.random.default_rng(5)
    for B in (1, 7):
        hp, b, go, tr = _inputs(B, rng, ncomp if ncomp != 45 else None)
        with torch.no_grad():
            r = ref(betas=torch.tensor(b), global_orient=torch.tensor(go), hand_pose=torch.tensor(hp),
                    transl=torch.tensor(tr))
        o = ours.forward(hp, b, go, tr)
        np.testing.assert_allclose(o.vertices, r.vertices.numpy(), atol=1e-5, rtol=0)
        np.testing.assert_allclose(o.joints[:, :16], r.joints.numpy(), atol=1e-5, rtol=0)


def test_broadcast_and_missing_arguments():
    m = random_model()
    out = m.forward()
    assert out.vertices.shape == (1, m.num_vertices, 3)
    hp = np.zeros(45, np.float32)  # no batch axis -> batch of 1
    assert m.forward(hp).vertices.shape[0] == 1
    short = m.forward(np.zeros((2, 45), np.float32), betas=np.ones((2, 3), np.float32))
    full = m.forward(np.zeros((2, 45), np.float32), betas=np.pad(np.ones((2, 3), np.float32), ((0, 0), (0, 7))))
    np.testing.assert_array_equal(short.vertices, full.vertices)
    strided = np.ones((10, 2), np.float32).T  # [2, 10] but not C-contiguous
    np.testing.assert_array_equal(m.forward(np.zeros((2, 45), np.float32), betas=strided).vertices,
                                  m.forward(np.zeros((2, 45), np.float32), betas=np.ones((2, 10), np.float32)).vertices)


@pytest.mark.parametrize("kwargs,match", [
    (dict(hand_pose=np.zeros((2, 44), np.float32)), "hand_pose"),
    (dict(hand_pose=np.zeros((2, 45), np.float32), betas=np.zeros((3, 10), np.float32)), "batch size"),
    (dict(hand_pose=np.zeros((2, 45), np.float32), betas=np.zeros((2, 11), np.float32)), "shape components"),
    (dict(hand_pose=np.zeros((2, 45), np.float32), transl=np.zeros((2, 2), np.float32)), "transl"),
])
def test_bad_arguments_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        random_model().forward(**kwargs)


def test_native_op_validates_arrays():
    from handraster import _C
    m = random_model()
    d = m.derived()
    B, J, V = 2, 16, m.num_vertices
    args = dict(betas=np.zeros((B, 10), np.float32), pose=np.zeros((B, J, 3), np.float32),
                j_template=d["j_template"], j_shapedirs=d["j_shapedirs"], parents=d["parents"],
                v_template=d["v_template"], dirs=d["dirs"], w_idx=d["w_idx"], w_val=d["w_val"],
                transl=None, joints=np.empty((B, J, 3), np.float32),
                feature=np.zeros((B, 145, 1), np.float32), G=np.empty((B, J, 12, 1), np.float32),
                vertices=np.empty((B, V, 3), np.float32))
    _C.skin_forward(**args)
    bad = dict(args, pose=np.zeros((B, J, 3), np.float64))
    with pytest.raises(ValueError, match=r"skin_forward: argument 'pose' must be float32 .* got float64"):
        _C.skin_forward(**bad)
    bad = dict(args, vertices=np.empty((B, V + 1, 3), np.float32))
    with pytest.raises(ValueError, match=r"'vertices' .*\[B, V, 3\]"):
        _C.skin_forward(**bad)
    bad = dict(args, w_val=np.asfortranarray(np.ones((V, J), np.float32)))
    with pytest.raises(ValueError, match="C-contiguous"):
        _C.skin_forward(**bad)
    bad = dict(args, w_idx=np.full((V, J), 16, np.int32))
    with pytest.raises(ValueError, match=r"'w_idx' has value 16 .* \[0, 16\)"):
        _C.skin_forward(**bad)
    bad = dict(args, parents=np.array([-1, 5] + [0] * 14, np.int32))
    with pytest.raises(ValueError, match=r"parents\[1\] = 5"):
        _C.skin_forward(**bad)
    bad = dict(args, pose="not an array")
    with pytest.raises(ValueError, match="'pose' must be a CPU array"):
        _C.skin_forward(**bad)
