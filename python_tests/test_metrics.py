"""Metrics and Procrustes: known cases, FreiHAND / HaMeR oracles, torch == numpy, the CLI."""
import json

import numpy as np
import pytest

from handraster.analysis import metrics as M
from handraster.analysis.evaluation import evaluate, load_points
from handraster.analysis.procrustes import procrustes_align, similarity_transform

torch = pytest.importorskip("torch")


def _rand(seed=0, B=5, N=21):
    rng = np.random.default_rng(seed)
    gt = rng.normal(size=(B, N, 3)) * 0.05
    return gt, gt + rng.normal(size=gt.shape) * 0.004


def _rot(seed):
    q = np.random.default_rng(seed).normal(size=4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def freihand_align_w_scale(gt, pred):
    """FreiHAND eval.py align_w_scale, re-typed as the oracle (scipy's orthogonal_procrustes)."""
    from scipy.linalg import orthogonal_procrustes
    t1, t2 = gt.mean(0), pred.mean(0)
    a, b = gt - t1, pred - t2
    s1, s2 = np.linalg.norm(a) + 1e-8, np.linalg.norm(b) + 1e-8
    R, s = orthogonal_procrustes(a / s1, b / s2)
    return (b / s2) @ R.T * s * s1 + t1


def test_freihand_procrustes_matches_oracle():
    pytest.importorskip("scipy")
    gt, pred = _rand()
    pred[2] = pred[2] * np.array([-1, 1, 1])              # one mirrored sample
    ours = procrustes_align(pred, gt)
    ref = np.stack([freihand_align_w_scale(g, p) for g, p in zip(gt, pred)])
    np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_hamer_procrustes_is_the_best_proper_rotation():
    pytest.importorskip("scipy")
    from scipy.spatial.transform import Rotation
    gt, pred = _rand(1)
    pred = pred * np.array([-1, 1, 1])                    # mirrored: reflection would fit better
    tf = similarity_transform(pred, gt, allow_reflection=False)
    np.testing.assert_allclose(np.linalg.det(tf.R), 1.0, atol=1e-12)
    for i in range(len(gt)):
        r, _ = Rotation.align_vectors(gt[i] - gt[i].mean(0), pred[i] - pred[i].mean(0))
        np.testing.assert_allclose(tf.R[i], r.as_matrix(), atol=1e-9)
    # the scale is optimal for that rotation: d/ds |s R p + t - g|^2 = 0
    pc = pred - pred.mean(1, keepdims=True)
    gc = gt - gt.mean(1, keepdims=True)
    rp = pc @ np.swapaxes(tf.R, 1, 2)
    np.testing.assert_allclose(tf.scale, (rp * gc).sum((1, 2)) / (rp * rp).sum((1, 2)), rtol=1e-10)


def test_similarity_transformed_prediction_has_zero_pa_error():
    gt, _ = _rand(2)
    R = _rot(3)
    pred = 1.7 * gt @ R.T + np.array([0.1, -0.2, 0.5])
    assert M.mpjpe(pred, gt).min() > 10                  # far apart before alignment (mm)
    for allow in (True, False):  # (FreiHAND's +1e-8 norm guard leaves ~1e-6 mm)
        np.testing.assert_allclose(M.pa_mpjpe(pred, gt, allow_reflection=allow), 0, atol=1e-5)
        np.testing.assert_allclose(M.pa_mpvpe(pred, gt, allow_reflection=allow), 0, atol=1e-5)


def test_mirrored_prediction_under_both_settings():
    gt, _ = _rand(4)
    mirrored = gt * np.array([-1.0, 1.0, 1.0])
    np.testing.assert_allclose(M.pa_mpjpe(mirrored, gt, allow_reflection=True), 0, atol=1e-5)
    assert (M.pa_mpjpe(mirrored, gt, allow_reflection=False) > 5).all()   # mm


def test_zero_predictor():
    gt, _ = _rand(5)
    zero = np.zeros_like(gt)
    np.testing.assert_allclose(M.mpjpe(zero, gt), np.linalg.norm(gt, axis=-1).mean(-1) * 1000)
    spread = np.linalg.norm(gt - gt.mean(1, keepdims=True), axis=-1).mean(-1) * 1000
    for allow in (True, False):  # a point prediction aligns to the centroid
        np.testing.assert_allclose(M.pa_mpjpe(zero, gt, allow_reflection=allow), spread, rtol=1e-6)
    assert (M.auc_pck(zero + 10.0, gt) == 0).all()


def test_units_and_single_sample():
    gt, pred = _rand(6)
    mm = M.mpjpe(pred, gt)
    np.testing.assert_allclose(M.mpjpe(pred, gt, unit="cm"), mm / 10)
    np.testing.assert_allclose(M.mpjpe(pred, gt, unit="m"), mm / 1000)
    assert np.ndim(M.mpjpe(pred[0], gt[0])) == 0 and np.isclose(M.mpjpe(pred[0], gt[0]), mm[0])
    with pytest.raises(ValueError, match="unit"):
        M.mpjpe(pred, gt, unit="inch")
    with pytest.raises(ValueError, match="same shape|both be"):
        M.mpjpe(pred[:, :20], gt)


def test_sta_mpjpe():
    gt, _ = _rand(7)
    pred = gt * 1.3 + np.array([0.2, 0.0, -0.1])          # scaled about the origin + moved
    np.testing.assert_allclose(M.sta_mpjpe(pred, gt), 0, atol=1e-6)
    rot = gt @ _rot(8).T
    assert (M.sta_mpjpe(rot, gt) > 1).all()               # STA does not remove rotation
    # the bone used is wrist -> middle MCP: internal order uses index 4
    np.testing.assert_allclose(M.sta_mpjpe(pred, gt, middle_mcp=4), 0, atol=1e-6)


def test_auc_known_values():
    th = M.pck_thresholds()
    gt = np.zeros((3, 21, 3))
    pred = np.zeros((3, 21, 3))
    pred[1, :, 0] = th[30]                                # every joint exactly on threshold 30
    pred[2, :, 0] = 0.06                                  # beyond 50 mm
    auc = M.auc_pck(pred, gt)
    dt = th[1] - th[0]                                    # PCK steps 0 -> 1 between th[29] and th[30]
    np.testing.assert_allclose(auc, [1.0, (0.05 - th[30] + dt / 2) / 0.05, 0.0], atol=1e-12)
    assert M.pck(pred, gt)[1, 30] == 1.0 and M.pck(pred, gt)[1, 29] == 0.0   # <= like FreiHAND


def test_f_score_known_values_and_strictness():
    grid = np.stack(np.meshgrid(*[np.arange(4) * 0.1] * 3), -1).reshape(1, -1, 3)
    for shift, f5, f15 in ((0.003, 1.0, 1.0), (0.007, 0.0, 1.0), (0.02, 0.0, 0.0)):
        pred = grid + np.array([shift, 0, 0])
        assert M.f_score(pred, grid, 0.005)[0] == pytest.approx(f5)
        assert M.f_score(pred, grid, 0.015)[0] == pytest.approx(f15)
    one = np.zeros((1, 1, 3))
    at = np.array([[[0.005, 0.0, 0.0]]])                  # distance exactly 5 mm: not counted
    assert M.f_score(at, one, 0.005)[0] == 0.0
    # half the predicted points right, all gt matched: P = 1, R = 0.5, F = 2/3
    gt = np.array([[[0.0, 0, 0], [1.0, 0, 0]]])
    pred = np.array([[[0.0, 0, 0], [1.0, 0, 0], [5.0, 0, 0], [6.0, 0, 0]]])
    f, p, r = M.f_score(pred, gt, 0.005, return_parts=True)
    assert (p[0], r[0], f[0]) == pytest.approx((1.0, 0.5, 2 / 3))


def test_torch_matches_numpy():
    gt, pred = _rand(9)
    tg, tp = torch.tensor(gt), torch.tensor(pred)
    for fn in (M.mpjpe, M.pa_mpjpe, M.sta_mpjpe, M.auc_pck):
        out = fn(tp, tg)
        assert torch.is_tensor(out)
        np.testing.assert_allclose(out.numpy(), fn(pred, gt), atol=1e-9)
    np.testing.assert_allclose(M.pa_mpjpe(tp, tg, allow_reflection=False).numpy(),
                               M.pa_mpjpe(pred, gt, allow_reflection=False), atol=1e-9)
    np.testing.assert_allclose(M.f_score(tp, tg, 0.005).numpy(), M.f_score(pred, gt, 0.005))
    tp32 = tp.float().requires_grad_(True)                # PA-MPJPE is differentiable in torch
    M.pa_mpjpe(tp32, tg.float(), allow_reflection=False).sum().backward()
    assert torch.isfinite(tp32.grad).all()


def test_evaluate_and_cli(tmp_path, capsys):
    from handraster.cli.main import main
    gt, pred = _rand(10, B=4)
    rng = np.random.default_rng(0)
    gv = rng.normal(size=(4, 50, 3)) * 0.05
    pv = gv + rng.normal(size=gv.shape) * 0.003
    res = evaluate(pred, gt, pv, gv)
    assert res.mean["pa_mpjpe"] <= res.mean["mpjpe"]
    assert res.mean["pa_f15"] >= res.mean["pa_f5"]
    np.savez(tmp_path / "pred.npz", joints3d=pred, vertices=pv)
    (tmp_path / "gt.json").write_text(json.dumps([gt.tolist(), gv.tolist()]))   # FreiHAND pred format
    j, v = load_points(tmp_path / "gt.json")
    np.testing.assert_allclose(j, gt)
    out = tmp_path / "res.json"
    assert main(["eval", "--pred", str(tmp_path / "pred.npz"), "--gt", str(tmp_path / "gt.json"),
                 "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "PA-MPJPE" in table and "F@15mm (PA aligned)" in table
    saved = json.loads(out.read_text())
    assert saved["mean"]["pa_mpjpe"] == pytest.approx(res.mean["pa_mpjpe"])
    assert main(["eval", "--pred", str(tmp_path / "pred.npz"), "--gt", str(tmp_path / "nope.npz")]) == 2
