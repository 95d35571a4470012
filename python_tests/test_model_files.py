"""Model files: official-style pickles without chumpy, npz, folders, left/right, and one clear
error per kind of bad file."""
import pickle

import numpy as np
import pytest

import handraster
from handraster.models.mirror import mirror_pose
from _model_util import random_mano_dict, write_pickle


def test_chumpy_pickle_loads_without_chumpy(tmp_path):
    import importlib.util
    assert importlib.util.find_spec("chumpy") is None  # the point of the test
    d = random_mano_dict()
    p = write_pickle(tmp_path / "MANO_RIGHT.pkl", d, sparse_regressor=True, chumpy_shapedirs=True)
    m = handraster.load_model(p)
    np.testing.assert_allclose(m.shapedirs, d["shapedirs"], atol=1e-7)
    np.testing.assert_allclose(m.J_regressor, d["J_regressor"], atol=1e-7)
    np.testing.assert_array_equal(m.parents, [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14])


def test_save_load_round_trip_and_folder(tmp_path):
    m = handraster.load_model(write_pickle(tmp_path / "MANO_RIGHT.pkl", random_mano_dict()))
    (tmp_path / "out").mkdir()
    p = handraster.save_model(m, tmp_path / "out" / "model.npz")
    m2 = handraster.load_model(p)
    for k in ("v_template", "shapedirs", "posedirs", "J_regressor", "weights", "faces", "parents",
              "hands_mean", "hands_components", "tip_ids"):
        np.testing.assert_array_equal(getattr(m, k), getattr(m2, k), err_msg=k)
    assert not list((tmp_path / "out").glob("*.tmp"))
    m3 = handraster.load_model(tmp_path)  # folder holding MANO_RIGHT.pkl
    np.testing.assert_array_equal(m3.v_template, m.v_template)


def test_left_from_right_is_the_mirror(tmp_path):
    path = write_pickle(tmp_path / "MANO_RIGHT.pkl", random_mano_dict())
    right = handraster.load_model(path, flat_hand_mean=False)
    left = handraster.load_model(path, side="left", flat_hand_mean=False)
    assert left.side == "left"
    rng = np.random.default_rng(0)
    hp = rng.normal(size=(3, 45)).astype(np.float32) * 0.5
    go = rng.normal(size=(3, 3)).astype(np.float32)
    b = rng.normal(size=(3, 10)).astype(np.float32)
    r = right.forward(hp, b, go)
    # hands_mean is mirrored with the model, so mirroring the user pose mirrors the full pose
    lo = left.forward(mirror_pose(hp), b, mirror_pose(go))
    flip = np.array([-1, 1, 1], np.float32)
    np.testing.assert_allclose(lo.vertices, r.vertices * flip, atol=2e-6)
    np.testing.assert_allclose(lo.joints, r.joints * flip, atol=2e-6)
    # faces are re-wound: every face's normal flips with the mirror
    v = r.vertices[0]
    n_r = np.cross(v[right.faces[:, 1]] - v[right.faces[:, 0]], v[right.faces[:, 2]] - v[right.faces[:, 0]])
    vl = lo.vertices[0]
    n_l = np.cross(vl[left.faces[:, 1]] - vl[left.faces[:, 0]], vl[left.faces[:, 2]] - vl[left.faces[:, 0]])
    np.testing.assert_allclose(n_l, n_r * flip, atol=1e-7)


def test_official_left_file_gets_the_shapedirs_fix(tmp_path):
    d = random_mano_dict()
    p = write_pickle(tmp_path / "MANO_LEFT.pkl", d)
    fixed = handraster.load_model(p, side="left")
    raw = handraster.load_model(p, side="left", fix_left_shapedirs=False)
    np.testing.assert_allclose(fixed.shapedirs[:, 0], -d["shapedirs"][:, 0], atol=1e-7)
    np.testing.assert_allclose(raw.shapedirs[:, 0], d["shapedirs"][:, 0], atol=1e-7)
    np.testing.assert_allclose(fixed.shapedirs[:, 1:], d["shapedirs"][:, 1:], atol=1e-7)


def test_bad_files_get_one_clear_error(tmp_path):
    with pytest.raises(handraster.ModelError, match="not found"):
        handraster.load_model(tmp_path / "nope.pkl")
    d = random_mano_dict()
    del d["weights"]
    p = write_pickle(tmp_path / "MANO_RIGHT.pkl", d)
    with pytest.raises(handraster.ModelError, match=r"MANO_RIGHT.pkl.*missing key.*weights"):
        handraster.load_model(p)
    d = random_mano_dict()
    d["weights"] = d["weights"][:, :15]
    p = write_pickle(tmp_path / "bad_shape.pkl", d)
    with pytest.raises(handraster.ModelError, match=r"bad_shape.pkl.*weights must be \[V=120, J=16\]"):
        handraster.load_model(p)
    p = tmp_path / "list.pkl"
    p.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(handraster.ModelError, match=r"list.pkl.*expected a dict"):
        handraster.load_model(p)
    p = tmp_path / "garbage.pkl"
    p.write_bytes(b"\x00not a pickle")
    with pytest.raises(handraster.ModelError, match=r"garbage.pkl: cannot read model file"):
        handraster.load_model(p)
    p = tmp_path / "model.obj"
    p.write_text("v 0 0 0\n")
    with pytest.raises(handraster.ModelError, match="unknown model file type"):
        handraster.load_model(p)
    with pytest.raises(handraster.ModelError, match="folder has no MANO"):
        (tmp_path / "empty").mkdir()
        handraster.load_model(tmp_path / "empty")
    with pytest.raises(ValueError, match="side must be"):
        handraster.load_model(tmp_path, side="up")


def test_pca_option_errors(tmp_path):
    p = write_pickle(tmp_path / "MANO_RIGHT.pkl", random_mano_dict())
    with pytest.raises(handraster.ModelError, match="num_pca_comps must be in 1..45"):
        handraster.load_model(p, num_pca_comps=46)
