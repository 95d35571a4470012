"""A full evaluation of a prediction set, FreiHAND style, and its printed table.

``evaluate`` computes every metric of metrics.py for a dataset; ``load_points`` reads
prediction / ground-truth files for ``handraster eval``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from handraster.analysis import metrics as M
from handraster.analysis.procrustes import apply_similarity, procrustes_align, similarity_transform

# (key, label, unit) in table order.
ROWS = (
    ("mpjpe", "MPJPE", "mm"), ("pa_mpjpe", "PA-MPJPE", "mm"), ("sta_mpjpe", "STA-MPJPE", "mm"),
    ("auc", "AUC PCK 0-50 mm", ""), ("pa_auc", "PA AUC PCK 0-50 mm", ""),
    ("mpvpe", "MPVPE", "mm"), ("pa_mpvpe", "PA-MPVPE", "mm"),
    ("f5", "F@5mm (raw)", ""), ("f15", "F@15mm (raw)", ""),
    ("pa_f5", "F@5mm (PA aligned)", ""), ("pa_f15", "F@15mm (PA aligned)", ""),
)


@dataclass
class EvalResult:
    """per_sample: metric -> [B] float64 (mm for errors, 0..1 for AUC / F); mean: metric ->
    float; n: number of samples. Mesh metrics are missing when no vertices were given;
    MPVPE/PA-MPVPE also when the two meshes have different vertex counts (FreiHAND then aligns
    the predicted mesh with the joints' transform for the F-scores)."""
    per_sample: dict = field(default_factory=dict)
    mean: dict = field(default_factory=dict)
    n: int = 0
    allow_reflection: bool = True

    def table(self) -> str:
        rule = "procrustes: FreiHAND (reflections allowed)" if self.allow_reflection else \
            "procrustes: HaMeR (proper rotations only)"
        lines = [f"{'metric':<22}{'value':>12}  unit", "-" * 40]
        for key, label, unit in ROWS:
            if key in self.mean:
                v = self.mean[key]
                lines.append(f"{label:<22}{v:>12.3f}  {unit}" if unit else f"{label:<22}{v:>12.4f}")
        lines.append(f"samples: {self.n}; {rule}")
        return "\n".join(lines)


def evaluate(pred_joints, gt_joints, pred_verts=None, gt_verts=None, allow_reflection: bool = True,
             root: int = 0, middle_mcp: int = 9) -> EvalResult:
    """Every metric for a dataset. Joints [B, 21, 3] and vertices [B, V, 3] in metres, numpy.
    root / middle_mcp name the STA-MPJPE bone (OpenPose order defaults; internal order: 0, 4).
    F-scores are reported raw and after Procrustes alignment of the meshes (FreiHAND's
    "F_aligned", the number leaderboards report)."""
    pj, gj = np.asarray(pred_joints, np.float64), np.asarray(gt_joints, np.float64)
    if pj.shape != gj.shape or pj.ndim != 3 or pj.shape[-1] != 3:
        raise ValueError(f"evaluate: joints must be [B, J, 3] of equal shape, got {pj.shape} and {gj.shape}")
    r = EvalResult(n=len(pj), allow_reflection=allow_reflection)
    ps = r.per_sample
    ps["mpjpe"] = M.mpjpe(pj, gj)
    ps["pa_mpjpe"] = M.pa_mpjpe(pj, gj, allow_reflection=allow_reflection)
    if max(root, middle_mcp) < pj.shape[1]:
        ps["sta_mpjpe"] = M.sta_mpjpe(pj, gj, root=root, middle_mcp=middle_mcp)
    ps["auc"] = M.auc_pck(pj, gj)
    ps["pa_auc"] = M.auc_pck(procrustes_align(pj, gj, allow_reflection), gj)
    if pred_verts is not None and gt_verts is not None:
        pv, gv = np.asarray(pred_verts, np.float64), np.asarray(gt_verts, np.float64)
        if len(pv) != len(pj) or len(gv) != len(gj):
            raise ValueError("evaluate: vertex and joint sets must have the same number of samples")
        if pv.shape == gv.shape:
            ps["mpvpe"] = M.mpvpe(pv, gv)
            ps["pa_mpvpe"] = M.pa_mpvpe(pv, gv, allow_reflection=allow_reflection)
            pv_al = procrustes_align(pv, gv, allow_reflection)
        else:  # other topology: FreiHAND aligns the mesh with the keypoints' transform
            pv_al = apply_similarity(pv, similarity_transform(pj, gj, allow_reflection))
        for t, k in zip(M.F_THRESHOLDS_M, ("5", "15")):
            ps["f" + k] = M.f_score(pv, gv, t)
            ps["pa_f" + k] = M.f_score(pv_al, gv, t)
    r.mean = {k: float(np.mean(v)) for k, v in ps.items()}
    return r


# ----- files ---------------------------------------------------------------------------------
_JOINT_KEYS = ("joints3d", "joints_3d", "joints", "xyz", "keypoints_3d", "hand_keypoints_3d", "pred_joints")
_VERT_KEYS = ("vertices", "verts", "pred_vertices", "pred_verts")


def _pick(d: dict, keys) -> Optional[np.ndarray]:
    for k in keys:
        if k in d:
            a = np.asarray(d[k], np.float64)
            return a[..., :3] if a.ndim == 3 and a.shape[-1] == 4 else a  # HaMeR keeps a 4th conf column
    return None


def load_points(path) -> tuple:
    """(joints [B, J, 3], vertices [B, V, 3] or None), metres, from:
    - .npz with keys joints3d / joints / xyz / keypoints_3d (and vertices / verts);
    - .json: FreiHAND's prediction format [xyz_list, verts_list], a list of [21, 3] (e.g.
      evaluation_xyz.json), or a dict with the npz keys;
    - a folder holding FreiHAND's <set>_xyz.json (+ <set>_verts.json)."""
    p = Path(path)
    if p.is_dir():
        xyz = sorted(p.glob("*_xyz.json"))
        if not xyz:
            raise ValueError(f"{p}: folder has no *_xyz.json (FreiHAND layout)")
        j = np.asarray(json.loads(xyz[0].read_text()), np.float64)
        vf = xyz[0].with_name(xyz[0].name.replace("_xyz.json", "_verts.json"))
        v = np.asarray(json.loads(vf.read_text()), np.float64) if vf.is_file() else None
        return j, v
    if not p.is_file():
        raise ValueError(f"{p}: file not found")
    if p.suffix == ".npz":
        with np.load(p, allow_pickle=False) as z:
            d = {k: z[k] for k in z.files}
    elif p.suffix == ".json":
        d = json.loads(p.read_text())
        if isinstance(d, list):
            if len(d) == 2 and np.asarray(d[0]).ndim == 3 and np.asarray(d[1]).ndim == 3:
                return np.asarray(d[0], np.float64), np.asarray(d[1], np.float64)
            return np.asarray(d, np.float64), None
    else:
        raise ValueError(f"{p}: unknown file type '{p.suffix}' (expected .npz, .json or a folder)")
    j = _pick(d, _JOINT_KEYS)
    if j is None:
        raise ValueError(f"{p}: no joints found (looked for keys {', '.join(_JOINT_KEYS)}; found {sorted(d)})")
    return j, _pick(d, _VERT_KEYS)
