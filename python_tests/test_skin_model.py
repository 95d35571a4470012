"""The native SkinModel entry point (csrc/bind/skin_model.cpp): HandModel.forward's numpy
float32 fast path in one call. Results equal the general path and the numpy twin; bad
arguments get errors naming them; anything else falls back to the general path."""
import os
import subprocess
import sys

import numpy as np
import pytest

from handraster._reference.skin import skin as ref_skin
from handraster.models.forward import forward as general_forward
from _model_util import random_model


def _inputs(B, rng, P=45):
    return (rng.normal(size=(B, P)).astype(np.float32) * 0.6, rng.normal(size=(B, 10)).astype(np.float32),
            rng.normal(size=(B, 3)).astype(np.float32), rng.normal(size=(B, 3)).astype(np.float32) * 0.1)


def _sparse_model(**kw):
    """Few influences per vertex (like real MANO): tiles use fewer joints than the model has."""
    m = random_model(V=150, **kw)
    V, J = m.weights.shape
    w = np.zeros((V, J))
    own = np.arange(V) * J // V  # runs of consecutive vertices share their joints
    w[np.arange(V), own] = 0.7
    w[np.arange(V), (own + 1) % J] = 0.3
    from dataclasses import replace
    return replace(m, weights=w.astype(np.float32))


@pytest.mark.parametrize("B", [1, 3, 8, 13, 70])
@pytest.mark.parametrize("ncomp", [None, 6])
def test_fast_path_equals_general_path(B, ncomp):
    m = random_model(num_pca_comps=ncomp)
    hp, b, go, tr = _inputs(B, np.random.default_rng(B), ncomp or 45)
    fast = m.forward(hp, b, go, tr)
    # float64 arguments are not the fast path's: they take forward.py's general path
    gen = general_forward(m, hp.astype(np.float64), b.astype(np.float64), go, tr, False)
    np.testing.assert_allclose(fast.vertices, gen.vertices, atol=1e-6)
    np.testing.assert_allclose(fast.joints, gen.joints, atol=1e-6)
    rv, rj = ref_skin(m, m.full_pose(hp, go), b, tr)
    np.testing.assert_allclose(fast.vertices, rv, atol=2e-6)
    np.testing.assert_allclose(fast.joints[:, :16], rj, atol=2e-6)
    np.testing.assert_array_equal(fast.joints[:, 16:], fast.vertices[:, m.tip_ids])


@pytest.mark.parametrize("B", [1, 5, 67])
def test_sparse_weights_match_reference(B):
    m = _sparse_model()
    d = m.derived()
    assert d["t_idx"].shape[1] < m.num_joints  # the tiles really are compact
    hp, b, go, tr = _inputs(B, np.random.default_rng(7))
    out = m.forward(hp, b, go, tr)
    rv, _ = ref_skin(m, m.full_pose(hp, go), b, tr)
    np.testing.assert_allclose(out.vertices, rv, atol=2e-6)


def test_strided_missing_and_short_arguments():
    m = random_model()
    sm = m._native_skin()
    rng = np.random.default_rng(3)
    hp, b, go, tr = _inputs(4, rng)
    wide = np.zeros((4, 90), np.float32)
    wide[:, ::2] = hp
    a = sm.forward(wide[:, ::2], b, go, tr)
    c = sm.forward(hp, b, go, tr)
    np.testing.assert_array_equal(a[0], c[0])
    np.testing.assert_array_equal(a[1], c[1])
    # short betas are zero-padded; missing arguments are zeros
    short = sm.forward(hp, b[:, :3], None, None)
    full = sm.forward(hp, np.pad(b[:, :3], ((0, 0), (0, 7))), np.zeros((4, 3), np.float32), None)
    np.testing.assert_array_equal(short[0], full[0])
    v, j = sm.forward()
    assert v.shape == (1, m.num_vertices, 3) and j.shape == (1, 21, 3)
    assert sm.forward(None, None, go)[0].shape[0] == 4


def test_threads_and_tile_order_do_not_change_results():
    m = random_model()
    sm = m._native_skin()
    hp, b, go, tr = _inputs(1, np.random.default_rng(4))
    sm.threads_b1 = 1  # calling thread only (the default 2 shares with a helper: test_skin_pair.py)
    try:
        one = sm.forward(hp, b, go, tr)[0]
        # batch 1 alternates the tile order between calls (cache reuse); tiles are independent
        np.testing.assert_array_equal(sm.forward(hp, b, go, tr)[0], one)
        sm.alternate = False
        np.testing.assert_array_equal(sm.forward(hp, b, go, tr)[0], one)
        sm.threads_b1 = 2
        np.testing.assert_array_equal(sm.forward(hp, b, go, tr)[0], one)
        np.testing.assert_array_equal(sm.forward(hp, b, go, tr)[0], one)
    finally:
        sm.threads_b1, sm.alternate = 2, True


@pytest.mark.parametrize("kwargs,match", [
    (dict(hand_pose=np.zeros((2, 45), np.float64)), r"'hand_pose' must be float32 with shape .*\[B, 45\], got float64"),
    (dict(hand_pose=np.zeros((2, 44), np.float32)), r"'hand_pose' .* got float32 with shape \[2, 44\]"),
    (dict(hand_pose=np.zeros(45, np.float32)), r"'hand_pose' .* shape \[45\]"),
    (dict(hand_pose=np.zeros((2, 45), np.float32), betas=np.zeros((3, 10), np.float32)), "'betas' has batch size 3"),
    (dict(betas=np.zeros((2, 11), np.float32)), r"'betas' .*num_betas = 10"),
    (dict(transl=np.zeros((2, 2), np.float32)), "'transl'"),
    (dict(global_orient=[[0.0, 0.0, 0.0]]), "'global_orient' must be a float32 numpy array, got list"),
])
def test_bad_arguments_name_the_argument(kwargs, match):
    m = random_model()
    sm = m._native_skin()
    with pytest.raises(ValueError, match="SkinModel: argument " + match):
        sm.forward(**kwargs)
    full = {**dict(hand_pose=None, betas=None, global_orient=None, transl=None), **kwargs}
    assert sm.try_forward(full["hand_pose"], full["betas"], full["global_orient"], full["transl"]) is None


def test_skin_and_constructor_validate():
    from handraster import _C
    m = random_model()
    d = m.derived()
    sm = m._native_skin()
    B, V = 2, m.num_vertices
    with pytest.raises(ValueError, match=r"SkinModel.skin: argument 'pose' must be float32"):
        sm.skin(np.zeros((B, 10), np.float32), np.zeros((B, 16, 3), np.float64), None,
                np.empty((B, 21, 3), np.float32), np.empty((B, V, 3), np.float32))
    with pytest.raises(ValueError, match=r"'joints' .*\[B, J \+ tips, 3\]"):
        sm.skin(np.zeros((B, 10), np.float32), np.zeros((B, 16, 3), np.float32), None,
                np.empty((B, 16, 3), np.float32), np.empty((B, V, 3), np.float32))
    args = [d[k] for k in ("j_template", "j_shapedirs", "parents", "v_template", "v_template_t", "dirs_t",
                           "t_idx", "t_val", "pose_offset", "components")]
    tips = d["tip_ids"].astype(np.int32)
    _C.SkinModel(*args, tips)
    bad = list(args)
    bad[6] = np.full_like(d["t_idx"], 16)
    with pytest.raises(ValueError, match=r"'t_idx' has value 16"):
        _C.SkinModel(*bad, tips)
    with pytest.raises(ValueError, match=r"'tip_ids' has value"):
        _C.SkinModel(*args, np.array([V], np.int32))
    bad = list(args)
    bad[5] = np.zeros((3, 3, 145, 16), np.float32)
    with pytest.raises(ValueError, match=r"'dirs_t' must be float32"):
        _C.SkinModel(*bad, tips)


def test_every_isa_variant_agrees(tmp_path):
    """The kernels are compiled for baseline/AVX2/AVX-512; HANDRASTER_CPU_ISA caps the choice."""
    code = ("import numpy as np, sys; sys.path.insert(0, %r); from _model_util import random_model;"
            "m = random_model(); r = np.random.default_rng(0);"
            "a = [r.normal(size=(B, n)).astype(np.float32) for B in (1, 9) for n in (45, 10, 3, 3)];"
            "o = [m.forward(*a[:4]).vertices, m.forward(*a[4:]).vertices];"
            "np.save(sys.argv[1], np.concatenate([x.ravel() for x in o]))") % os.path.dirname(__file__)
    outs = []
    for isa in ("0", "2", "3"):
        path = str(tmp_path / f"isa{isa}.npy")
        env = dict(os.environ, HANDRASTER_CPU_ISA=isa)
        subprocess.run([sys.executable, "-c", code, path], check=True, env=env)
        outs.append(np.load(path))
    for o in outs[1:]:
        np.testing.assert_allclose(o, outs[0], atol=1e-6)
