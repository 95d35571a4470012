"""The built-in hand (models/default_hand.py): invariants, frame, shape, cache, mirror."""
from __future__ import annotations

import numpy as np
import pytest
from _hand_util import default_hand, hand_cache  # noqa: F401  (pytest fixtures)

from handraster.models import default_hand as dh
from handraster.models.joints import MANO_PARENTS
from handraster.models.mirror import mirror_pose


def _edges(faces):
    """Directed edges [3F, 2] and, per undirected edge, how many faces use it."""
    e = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]).astype(np.int64)
    key = np.sort(e, 1)
    _, inv, cnt = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    return e, cnt[inv.reshape(-1)]


def _signed_volume(v, f):
    a, b, c = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6)


def test_cache_written_and_reloaded(default_hand, hand_cache):  # noqa: F811
    path = dh.cache_path()
    assert path.parent == hand_cache and path.is_file()
    assert "anny" in path.name and f"v{dh.BUILDER_VERSION}" in path.name
    dh._MEMO.clear()
    again = dh.load_default_hand()
    assert again is not default_hand
    for k in ("v_template", "shapedirs", "J_regressor", "weights", "faces", "uvs", "nail_mask"):
        np.testing.assert_array_equal(getattr(again, k), getattr(default_hand, k))


def test_unwritable_cache_builds_in_memory(default_hand, tmp_path, monkeypatch):  # noqa: F811
    arrays = dict(np.load(dh.cache_path()))
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    monkeypatch.setenv("HANDRASTER_CACHE", str(blocker / "sub"))
    monkeypatch.setattr(dh, "_MEMO", {})
    monkeypatch.setattr(dh, "build_default_hand_arrays", lambda: (arrays, {}))
    with pytest.warns(UserWarning, match="cannot write the default-hand cache"):
        m = dh.load_default_hand()
    np.testing.assert_array_equal(m.v_template, default_hand.v_template)
    assert not (blocker / "sub").exists()


def test_corrupt_cache_is_rebuilt(default_hand, tmp_path, monkeypatch):  # noqa: F811
    arrays = dict(np.load(dh.cache_path()))
    monkeypatch.setenv("HANDRASTER_CACHE", str(tmp_path))
    monkeypatch.setattr(dh, "_MEMO", {})
    monkeypatch.setattr(dh, "build_default_hand_arrays", lambda: (arrays, {}))
    dh.cache_path().write_bytes(b"not an npz")
    with pytest.warns(UserWarning, match="unreadable"):
        m = dh.load_default_hand()
    assert m.num_vertices == default_hand.num_vertices
    np.testing.assert_array_equal(np.load(dh.cache_path())["v_template"], arrays["v_template"])
    assert not list(tmp_path.glob(".*.tmp"))                 # the atomic write left no temp file


def test_invariants(default_hand):  # noqa: F811
    m = default_hand
    assert (m.name, m.side, m.num_joints, m.num_betas) == ("default", "right", 16, 10)
    assert m.posedirs is None
    assert tuple(m.parents) == MANO_PARENTS
    for k in ("v_template", "shapedirs", "J_regressor", "weights", "uvs", "nail_mask"):
        assert np.isfinite(getattr(m, k)).all(), k
    np.testing.assert_allclose(m.weights.sum(1), 1.0, atol=1e-5)
    assert m.weights.min() >= 0
    np.testing.assert_allclose(m.J_regressor.sum(1), 1.0, atol=1e-5)
    assert m.J_regressor.min() >= 0
    assert m.faces.min() >= 0 and m.faces.max() < m.num_vertices
    f = m.faces
    assert (f[:, 0] != f[:, 1]).all() and (f[:, 1] != f[:, 2]).all() and (f[:, 0] != f[:, 2]).all()
    assert m.faces_uv.max() < len(m.uvs) and m.uvs.min() >= 0 and m.uvs.max() <= 1
    assert set(np.unique(m.vertex_parts)) == {1, 2, 3, 4, 5, 6, 7}
    assert ((m.nail_mask >= 0) & (m.nail_mask <= 1)).all()


def test_closed_and_outward(default_hand):  # noqa: F811
    """With the forearm (capped) the mesh is closed, consistently wound, normals outward."""
    m = default_hand
    e, cnt = _edges(m.faces)
    assert (cnt == 2).all()
    assert len(np.unique(e, axis=0)) == len(e)          # each directed edge once: consistent
    assert _signed_volume(m.v_template.astype(np.float64), m.faces) > 0


def test_hand_alone_open_only_at_the_wrist(default_hand):  # noqa: F811
    h = default_hand.without_forearm()
    assert (h.vertex_parts != 7).all() and h.num_vertices < default_hand.num_vertices
    e, cnt = _edges(h.faces)
    assert cnt.max() == 2
    open_v = np.unique(e[cnt == 1])
    assert 12 <= len(open_v) <= 40
    x = h.v_template[open_v, 0]
    assert x.min() > 0.005 and np.ptp(x) < 0.012       # one ring just above the wrist joint


def test_rest_pose_is_the_template_and_frame(default_hand):  # noqa: F811
    m = default_hand
    out = m.forward()
    np.testing.assert_allclose(out.vertices[0], m.v_template, atol=1e-6)
    J = m.J_regressor @ m.v_template
    np.testing.assert_allclose(out.joints[0, :16], J, atol=1e-6)
    np.testing.assert_allclose(J[0], 0.0, atol=1e-6)            # wrist at the origin
    tips = m.v_template[m.tip_ids]
    assert (tips[1:, 0] < -0.13).all() and tips[2, 0] == tips[:, 0].min()   # fingers along -x
    assert tips[0, 2] > 0.04 and tips[4, 2] < -0.03                          # thumb +z, pinky -z
    assert J[1, 2] > J[4, 2] > J[10, 2] > J[7, 2]                            # index..pinky order
    fa = m.v_template[m.vertex_parts == 7]
    assert fa[:, 0].min() > 0 and fa[:, 0].max() > 0.12                       # forearm along +x
    for first in (1, 4, 7, 10):                                              # flat fingers
        chain = np.concatenate([J[first:first + 3], tips[[1, 2, 4, 3][(first - 1) // 3]][None]])
        assert np.ptp(chain[:, 1]) < 0.004
    for part in (3, 4, 5, 6):                                                # nails on the back (+y)
        sel = (m.vertex_parts == part) & (m.nail_mask > 0.5)
        assert sel.sum() >= 5
        assert m.v_template[sel, 1].mean() > m.v_template[m.vertex_parts == part, 1].mean()


def test_parts_and_tips(default_hand):  # noqa: F811
    m = default_hand
    np.testing.assert_array_equal(m.vertex_parts[m.tip_ids], [2, 3, 4, 5, 6])
    strongest = m.weights.argmax(1)
    # vertices dominated by a finger joint carry that finger's label
    finger_of_joint = np.array([0, 3, 3, 3, 4, 4, 4, 6, 6, 6, 5, 5, 5, 2, 2, 2])
    fj = strongest > 0
    assert (m.vertex_parts[fj] == finger_of_joint[strongest[fj]]).mean() > 0.97
    assert (m.weights[m.vertex_parts == 7, 0] > 0.99).all()               # forearm rides the wrist


def test_shape_space_is_plausible(default_hand):  # noqa: F811
    """betas ~ N(0, 1) give adult/teen hand lengths; joints stay inside their fingers."""
    m = default_hand
    rng = np.random.default_rng(0)
    betas = np.concatenate([rng.normal(size=(64, 10)), np.eye(10) * 2.5, -np.eye(10) * 2.5]).astype(np.float32)
    out = m.forward(betas=betas)
    length = np.linalg.norm(out.joints[:, 18] - out.joints[:, 0], axis=1)
    assert 0.16 < np.median(length[:64]) < 0.20
    assert 0.12 < length.min() and length.max() < 0.25
    assert length[64] > length[74] + 0.03                          # beta 1 is size
    for b in range(len(betas)):
        v, J = out.vertices[b], out.joints[b, :16]
        d = np.sqrt(((J[:, None] - v[None]) ** 2).sum(-1)).min(1)
        assert d[0] < 0.03 and d[13:15].max() < 0.02 and d[1:13].max() < 0.012 and d[15] < 0.012, (b, d)


def test_left_is_the_mirror(default_hand):  # noqa: F811
    from handraster.models import load_model
    left = load_model("default-left")
    assert left.side == "left"
    rng = np.random.default_rng(1)
    pose = (rng.normal(size=(3, 45)) * 0.3).astype(np.float32)
    betas = rng.normal(size=(3, 10)).astype(np.float32)
    r = default_hand.forward(hand_pose=pose, betas=betas)
    lo = left.forward(hand_pose=mirror_pose(pose), betas=betas)
    np.testing.assert_allclose(lo.vertices, r.vertices * np.array([-1, 1, 1], np.float32), atol=1e-5)
    assert _signed_volume(left.v_template.astype(np.float64), left.faces) > 0
