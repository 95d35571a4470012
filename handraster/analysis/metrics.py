"""3D hand pose metrics, per sample, numpy or torch.

Inputs are points in metres: ``pred`` and ``gt`` [B, N, 3] (or [N, 3] for one sample; the
leading axis then disappears from the result). Every distance metric returns one value per
sample in the unit named by ``unit`` ("mm" by default; "cm" is what FreiHAND's eval.py prints,
"m" is the raw unit); take ``.mean()`` for the dataset value - all metrics here are means over
points first, so the mean of per-sample values equals the dataset value. numpy in -> numpy
float64 out; torch in -> torch out (same device).

Definitions (FreiHAND = lmb-freiburg/freihand eval.py + utils/eval_util.py):
  MPJPE / MPVPE      mean Euclidean distance over joints / vertices, no alignment.
  PA-MPJPE / -MPVPE  the same after Procrustes alignment with scale (procrustes.py:
                     FreiHAND's align_w_scale by default, HaMeR's with allow_reflection=False).
  STA-MPJPE          scale-and-translation aligned: both skeletons translated to put the wrist
                     at the origin, the prediction scaled so its wrist-to-middle-MCP bone has
                     the ground truth's length (no rotation).
  PCK / AUC          FreiHAND EvalUtil.get_measures(0.0, 0.05, 100): 100 thresholds
                     linspace(0, 50 mm), PCK(t) = fraction of joints with distance <= t,
                     AUC = trapz(PCK, t) / 50 mm (unitless, 0..1).
  F-score@t          FreiHAND calculate_fscore: recall = fraction of predicted vertices whose
                     nearest ground-truth vertex is closer than t (strict <), precision =
                     fraction of ground-truth vertices whose nearest prediction is closer than
                     t, F = 2PR / (P + R) (0 when P + R = 0). Thresholds 5 mm and 15 mm.
"""
from __future__ import annotations

import numpy as np

from handraster.analysis.procrustes import procrustes_align

UNITS = {"m": 1.0, "cm": 100.0, "mm": 1000.0}
F_THRESHOLDS_M = (0.005, 0.015)


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch")


def _pair(pred, gt, name):
    if _is_torch(pred) or _is_torch(gt):
        import torch
        like = pred if _is_torch(pred) else gt
        pred = torch.as_tensor(pred, device=like.device).double()
        gt = torch.as_tensor(gt, device=like.device).double()
    else:
        pred, gt = np.asarray(pred, np.float64), np.asarray(gt, np.float64)
    if tuple(pred.shape) != tuple(gt.shape) or pred.ndim not in (2, 3) or pred.shape[-1] != 3:
        raise ValueError(f"{name}: pred and gt must both be [B, N, 3] or [N, 3], got "
                         f"{tuple(pred.shape)} and {tuple(gt.shape)}")
    return pred, gt


def _scale(unit: str) -> float:
    try:
        return UNITS[unit]
    except KeyError:
        raise ValueError(f"unit must be one of {sorted(UNITS)}, got {unit!r}") from None


def _norm(x):
    return (x * x).sum(-1) ** 0.5


def mpjpe(pred, gt, unit: str = "mm"):
    """Mean per-joint position error: [B] in ``unit`` (inputs [B, J, 3] metres)."""
    pred, gt = _pair(pred, gt, "mpjpe")
    return _norm(pred - gt).mean(-1) * _scale(unit)


def mpvpe(pred, gt, unit: str = "mm"):
    """Mean per-vertex position error: [B] in ``unit`` (inputs [B, V, 3] metres)."""
    pred, gt = _pair(pred, gt, "mpvpe")
    return _norm(pred - gt).mean(-1) * _scale(unit)


def pa_mpjpe(pred, gt, unit: str = "mm", allow_reflection: bool = True):
    """MPJPE after Procrustes alignment with scale: [B] in ``unit`` (inputs metres).
    allow_reflection=True is FreiHAND's definition, False is HaMeR's."""
    pred, gt = _pair(pred, gt, "pa_mpjpe")
    return _norm(procrustes_align(pred, gt, allow_reflection) - gt).mean(-1) * _scale(unit)


def pa_mpvpe(pred, gt, unit: str = "mm", allow_reflection: bool = True):
    """MPVPE after Procrustes alignment with scale: [B] in ``unit`` (inputs metres)."""
    pred, gt = _pair(pred, gt, "pa_mpvpe")
    return _norm(procrustes_align(pred, gt, allow_reflection) - gt).mean(-1) * _scale(unit)


def sta_align(pred, gt, root: int = 0, middle_mcp: int = 9):
    """``pred`` translated and scaled onto ``gt``: the wrist (``root``) moved onto gt's wrist and
    the skeleton scaled about it so |middle_mcp - root| matches gt's. Indices default to the
    OpenPose/FreiHAND order (wrist 0, middle MCP 9); the internal order uses middle_mcp=4."""
    pred, gt = _pair(pred, gt, "sta_align")
    p0, g0 = pred[..., root:root + 1, :], gt[..., root:root + 1, :]
    lp = _norm(pred[..., middle_mcp, :] - pred[..., root, :])
    lg = _norm(gt[..., middle_mcp, :] - gt[..., root, :])
    s = lg / (lp + 1e-12)
    return (pred - p0) * s[..., None, None] + g0


def sta_mpjpe(pred, gt, unit: str = "mm", root: int = 0, middle_mcp: int = 9):
    """Scale-and-translation aligned MPJPE (see sta_align): [B] in ``unit`` (inputs metres)."""
    pred, gt = _pair(pred, gt, "sta_mpjpe")
    return _norm(sta_align(pred, gt, root, middle_mcp) - gt).mean(-1) * _scale(unit)


def pck_thresholds(max_threshold: float = 0.05, steps: int = 100) -> np.ndarray:
    """FreiHAND's thresholds: linspace(0, max_threshold, steps), metres."""
    return np.linspace(0.0, max_threshold, steps)


def pck(pred, gt, thresholds=None):
    """Fraction of joints with error <= t (FreiHAND uses <=), [B, T] for thresholds [T] in
    metres (default pck_thresholds())."""
    pred, gt = _pair(pred, gt, "pck")
    th = pck_thresholds() if thresholds is None else np.asarray(thresholds, np.float64)
    d = _norm(pred - gt)
    if _is_torch(d):
        import torch
        return (d[..., None] <= torch.as_tensor(th, device=d.device)).double().mean(-2)
    return (d[..., None] <= th).mean(-2)


def auc_pck(pred, gt, max_threshold: float = 0.05, steps: int = 100):
    """Area under the PCK curve over [0, max_threshold] metres (FreiHAND: 0-50 mm, 100 steps),
    normalised to 0..1 (trapezoidal rule, as np.trapz in eval_util.py): [B], unitless."""
    th = pck_thresholds(max_threshold, steps)
    curve = pck(pred, gt, th)
    w = np.empty(steps)                           # trapezoid weights, so AUC = curve @ w
    dt = np.diff(th)
    w[:] = 0.0
    w[:-1] += dt / 2
    w[1:] += dt / 2
    w /= th[-1] - th[0]
    if _is_torch(curve):
        import torch
        return curve @ torch.as_tensor(w, device=curve.device)
    return curve @ w


def _nearest(a, b):
    """For each point of a [N, 3], the distance to its nearest point of b [M, 3]."""
    if _is_torch(a):
        import torch
        return torch.cdist(a[None], b[None])[0].min(-1).values
    try:
        from scipy.spatial import cKDTree
        return cKDTree(b).query(a)[0]
    except ImportError:  # exact brute force in chunks
        out = np.empty(len(a))
        for i in range(0, len(a), 512):
            d = ((a[i:i + 512, None] - b[None]) ** 2).sum(-1)
            out[i:i + 512] = np.sqrt(d.min(-1))
        return out


def f_score(pred, gt, threshold: float = 0.005, return_parts: bool = False):
    """FreiHAND's F-score at ``threshold`` metres between vertex sets pred [B, V, 3] and gt
    [B, V', 3] (any counts; no alignment is applied here): [B] in 0..1. With return_parts,
    (f, precision, recall), each [B]. Distances are compared with strict <."""
    single = pred.ndim == 2
    if single:
        pred, gt = pred[None], gt[None]
    if pred.ndim != 3 or gt.ndim != 3 or pred.shape[0] != gt.shape[0] or pred.shape[-1] != 3:
        raise ValueError(f"f_score: expected pred [B, V, 3] and gt [B, V', 3], got "
                         f"{tuple(pred.shape)} and {tuple(gt.shape)}")
    torch_in = _is_torch(pred) or _is_torch(gt)
    if torch_in:
        import torch
        like = pred if _is_torch(pred) else gt
        pred = torch.as_tensor(pred, device=like.device).double()
        gt = torch.as_tensor(gt, device=like.device).double()
    else:
        pred, gt = np.asarray(pred, np.float64), np.asarray(gt, np.float64)
    B = pred.shape[0]
    f, p, r = np.zeros(B), np.zeros(B), np.zeros(B)
    for i in range(B):
        d_gt = _nearest(gt[i], pred[i])           # each gt vertex -> nearest prediction
        d_pr = _nearest(pred[i], gt[i])           # each predicted vertex -> nearest gt
        rec = float((d_pr < threshold).sum()) / len(d_pr)
        prec = float((d_gt < threshold).sum()) / len(d_gt)
        r[i], p[i] = rec, prec
        f[i] = 2 * rec * prec / (rec + prec) if rec + prec > 0 else 0.0
    out = (f, p, r)
    if torch_in:
        out = tuple(torch.as_tensor(x, device=like.device) for x in out)
    if single:
        out = tuple(x[0] for x in out)
    return out if return_parts else out[0]
