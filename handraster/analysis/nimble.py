"""NIMBLE (Li et al., SIGGRAPH 2022) model files, with the skin mesh as a HandModel.

NIMBLE_DICT_9137.pkl is a pickled dict (numpy arrays or torch tensors, possibly with leading
singleton axes); the keys read here, in millimetres:
  vert [N, 3] all rest vertices: bone [0, bone_v_sep), muscle [bone_v_sep, skin_v_sep), skin
  [skin_v_sep, N); skin_f [F, 3] skin faces (indices into the skin vertices); all_sw [N, 25]
  skinning weights; all_pbs [N, 3, 171] pose blend shapes over the 19 bone rotations (R - I,
  row-major, bones 1..19); jreg_bone [25, bone_v_sep] joints from the shaped bone vertices;
  shape_basis [20, 3N], shape_pm_mean / shape_pm_std [20]: vertices = vert + basis^T (betas *
  std + mean); pose_basis [30, 57], pose_mean [57], pose_pm_mean / pose_pm_std [30]: the 19
  bone rotations = basis^T (theta * std + mean) + pose_mean.
25 joints (carpal; per finger metacarpal/proximal/[intermediate]/distal/end; thumb first), 20
rotations (root + 19 bones; the five "end" joints never rotate).

``load_nimble`` turns the skin into an exact MANO-format HandModel (no collision handling,
NIMBLE's optional post-process that pushes skin out of muscle):
  v_template = skin rest + basis^T shape_pm_mean, shapedirs = std-scaled shape basis, so
  ``betas`` are NIMBLE's normalised shape parameters (all 20); joints = 25 NIMBLE joints, pose
  per joint (hand_pose has 24 x 3 values; the end joints' entries have no effect); posedirs
  mapped from all_pbs; hands_components = std-scaled pose basis and hands_mean = NIMBLE's mean
  pose, so with num_pca_comps=30 ``hand_pose`` is NIMBLE's normalised pose PCA vector
  (exact for all 30 components; NIMBLE truncates the mean with the components, we do not).
  J_regressor: NIMBLE regresses joints from bone vertices; the model regresses them from skin
  vertices with weights solved so that joints match NIMBLE's exactly for every shape (equality
  constraints on the template and all 20 shape directions, distance-weighted minimum norm so
  the weights stay near each joint, rows summing to 1).
Units: metres by default (units="mm" keeps NIMBLE's). vertex_parts from the dominant skinning
joint (metacarpals count as palm, except the thumb's). tip_ids: the skin vertex farthest
along each distal bone.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

JOINT_NAMES = ("carpal", "met1", "pro1", "dis1", "dis1_end", "met2", "pro2", "int2", "dis2", "dis2_end",
               "met3", "pro3", "int3", "dis3", "dis3_end", "met4", "pro4", "int4", "dis4", "dis4_end",
               "met5", "pro5", "int5", "dis5", "dis5_end")
PARENTS = (-1, 0, 1, 2, 3, 0, 5, 6, 7, 8, 0, 10, 11, 12, 13, 0, 15, 16, 17, 18, 0, 20, 21, 22, 23)
# Joint moved by bone b (b = 1..19), i.e. by entry b of NIMBLE's 20-rotation pose.
BONE_JOINTS = (1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18, 20, 21, 22, 23)
END_JOINTS = (4, 9, 14, 19, 24)           # thumb, index, middle, ring, pinky
NUM_JOINTS = 25


def _np(x):
    if type(x).__module__.startswith("torch"):
        x = x.detach().cpu().numpy()
    return x


def read_nimble_dict(path) -> dict:
    """The pickled dict with every array as numpy (torch tensors converted, nested dicts too)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: NIMBLE model file not found")
    with open(p, "rb") as f:
        d = pickle.load(f, encoding="latin1")
    if not isinstance(d, dict):
        raise ValueError(f"{p}: expected a pickled dict, got {type(d).__name__}")
    return {k: (read_dict_values(v) if isinstance(v, dict) else _np(v)) for k, v in d.items()}


def read_dict_values(d: dict) -> dict:
    return {k: (read_dict_values(v) if isinstance(v, dict) else _np(v)) for k, v in d.items()}


def _need(d, keys, src):
    missing = [k for k in keys if k not in d]
    if missing:
        raise ValueError(f"{src}: not a NIMBLE model dict: missing {missing}")


def full_pose_to_hand_pose(rot) -> np.ndarray:
    """NIMBLE's 19 bone rotations [B, 57] (or its 20-rotation pose [B, 60], root first; the root
    is dropped - use global_orient) -> this module's hand_pose [B, 72] (24 joints x 3)."""
    r = np.asarray(rot, np.float32)
    r = r.reshape(len(r), -1)
    if r.shape[1] == 60:
        r = r[:, 3:]
    if r.shape[1] != 57:
        raise ValueError(f"NIMBLE pose must have 57 (19 bones) or 60 values, got {r.shape[1]}")
    out = np.zeros((len(r), 24, 3), np.float32)
    out[:, np.asarray(BONE_JOINTS) - 1] = r.reshape(-1, 19, 3)
    return out.reshape(len(r), 72)


def _joint_regressor(skin, dirs, J_t, J_dirs):
    """Skin-vertex regressor [25, Vs]: r_j . skin[:, c] = J_t[j, c] and r_j . dirs[:, c, s] =
    J_dirs[j, c, s] exactly, rows sum to 1, minimising sum_v (d_jv / d_j,min)^4 r_jv^2."""
    Vs = len(skin)
    A = np.concatenate([skin, dirs.reshape(Vs, -1), np.ones((Vs, 1))], 1)        # [Vs, 3 + 3S + 1]
    b = np.concatenate([J_t, J_dirs.reshape(len(J_t), -1), np.ones((len(J_t), 1))], 1)
    R = np.zeros((len(J_t), Vs))
    for j in range(len(J_t)):
        d = np.linalg.norm(skin - J_t[j], axis=1)
        w_inv = (d.min() + 1e-9) ** 4 / (d + 1e-9) ** 4                             # D^-1
        M = (A * w_inv[:, None]).T @ A
        lam = np.linalg.lstsq(M, b[j], rcond=None)[0]
        R[j] = w_inv * (A @ lam)
    return R


def load_nimble(path, flat_hand_mean: bool = False, num_pca_comps=None, units: str = "m", fuv_path=None):
    """The NIMBLE skin as a HandModel (see the module docstring). path: NIMBLE_DICT_*.pkl;
    fuv_path: NIMBLE_TEX_FUV.pkl (OBJ 'vt' / 'f v/vt' lines) to add texture coordinates."""
    from handraster.models import HandModel
    d = read_nimble_dict(path)
    _need(d, ("vert", "skin_f", "all_sw", "all_pbs", "jreg_bone", "shape_basis", "shape_pm_mean",
              "shape_pm_std", "pose_basis", "pose_mean", "pose_pm_mean", "pose_pm_std",
              "bone_v_sep", "skin_v_sep"), path)
    s = {"m": 1e-3, "mm": 1.0}.get(units)
    if s is None:
        raise ValueError(f"load_nimble: units must be 'm' or 'mm', got {units!r}")
    vert = np.asarray(d["vert"], np.float64).reshape(-1, 3)
    N = len(vert)
    bsep, ssep = int(np.asarray(d["bone_v_sep"])), int(np.asarray(d["skin_v_sep"]))
    S = np.asarray(d["shape_basis"], np.float64).reshape(-1, N, 3)                 # [S, N, 3]
    S = S * np.asarray(d["shape_pm_std"], np.float64).reshape(-1)[: len(S), None, None]
    mean_off = np.einsum("snk,s->nk", np.asarray(d["shape_basis"], np.float64).reshape(-1, N, 3),
                         np.asarray(d["shape_pm_mean"], np.float64).reshape(-1)[: len(S)])
    rest = vert + mean_off
    shapedirs = S.transpose(1, 2, 0)                                                # [N, 3, S]
    jreg = np.asarray(d["jreg_bone"], np.float64).reshape(NUM_JOINTS, -1)
    J_t = jreg @ rest[:bsep]
    J_dirs = np.einsum("jv,vks->jks", jreg, shapedirs[:bsep])
    skin, sdirs = rest[ssep:], shapedirs[ssep:]
    Vs = len(skin)
    Jr = _joint_regressor(skin, sdirs, J_t, J_dirs)
    W = np.asarray(d["all_sw"], np.float64).reshape(N, NUM_JOINTS)[ssep:]
    pbs = np.asarray(d["all_pbs"], np.float64).reshape(N, 3, -1)[ssep:]               # [Vs, 3, 171]
    posedirs = np.zeros((24 * 9, Vs * 3))
    for b, j in enumerate(BONE_JOINTS):
        posedirs[(j - 1) * 9:(j - 1) * 9 + 9] = pbs[:, :, b * 9:(b + 1) * 9].transpose(2, 0, 1).reshape(9, -1)
    basis = np.asarray(d["pose_basis"], np.float64).reshape(-1, 57)
    pstd = np.asarray(d["pose_pm_std"], np.float64).reshape(-1)[: len(basis)]
    pmean = np.asarray(d["pose_pm_mean"], np.float64).reshape(-1)[: len(basis)]
    comps = full_pose_to_hand_pose(basis * pstd[:, None])
    hmean = full_pose_to_hand_pose((basis.T @ pmean + np.asarray(d["pose_mean"], np.float64).reshape(-1))[None])[0]
    faces = np.asarray(d["skin_f"], np.int64).reshape(-1, 3)
    uvs = faces_uv = None
    if fuv_path is not None:
        faces, uvs, faces_uv = read_fuv(fuv_path, Vs)
    dom = W.argmax(1)
    finger = np.array([0] + [1] * 4 + [2] * 5 + [3] * 5 + [4] * 5 + [5] * 5)[dom]
    is_met = np.isin(dom, (0, 5, 10, 15, 20))
    parts = np.where(is_met, 1, finger + 1).astype(np.uint8)                         # thumb met1 -> thumb
    tips = []
    for e in END_JOINTS:  # among the distal bone's vertices, the farthest along the bone
        axis = J_t[e] - J_t[e - 1]
        cand = np.nonzero(np.isin(dom, (e - 1, e)))[0]
        cand = cand if len(cand) else np.arange(Vs)
        tips.append(int(cand[np.argmax((skin[cand] - J_t[e - 1]) @ axis)]))
    return HandModel(v_template=skin * s, shapedirs=sdirs * s, posedirs=posedirs * s, J_regressor=Jr,
                     weights=W, parents=np.asarray(PARENTS), faces=faces, hands_components=comps,
                     hands_mean=hmean, tip_ids=np.asarray(tips), uvs=uvs, faces_uv=faces_uv,
                     vertex_parts=parts, name="nimble", side="right", flat_hand_mean=flat_hand_mean,
                     num_pca_comps=num_pca_comps)


def read_fuv(path, num_vertices: int):
    """NIMBLE_TEX_FUV.pkl (a list of OBJ lines) -> (faces [F, 3], uvs [T, 2], faces_uv [F, 3])."""
    with open(path, "rb") as f:
        lines = pickle.load(f, encoding="latin1")
    if isinstance(lines, (str, bytes)):
        lines = lines.splitlines()
    uvs, fv, ft = [], [], []
    for ln in lines:
        ln = ln.decode() if isinstance(ln, bytes) else ln
        parts = ln.split()
        if not parts:
            continue
        if parts[0] == "vt":
            uvs.append([float(parts[1]), float(parts[2])])
        elif parts[0] == "f":
            corners = [p.split("/") for p in parts[1:4]]
            fv.append([int(c[0]) - 1 for c in corners])
            ft.append([int(c[1]) - 1 for c in corners])
    fv, ft = np.asarray(fv, np.int64), np.asarray(ft, np.int64)
    if len(fv) == 0 or fv.max() >= num_vertices or fv.min() < 0:
        raise ValueError(f"{path}: faces do not index the {num_vertices} skin vertices")
    return fv, np.asarray(uvs, np.float32), ft


def pose_pca_to_hand_pose(theta, path_or_dict, normalized: bool = True) -> np.ndarray:
    """NIMBLE's pose PCA vector theta [B, C] -> hand_pose [B, 72] relative to the flat hand,
    computed exactly as NIMBLE does (the mean truncated to the C components used)."""
    d = path_or_dict if isinstance(path_or_dict, dict) else read_nimble_dict(path_or_dict)
    th = np.asarray(theta, np.float64)
    C = th.shape[1]
    basis = np.asarray(d["pose_basis"], np.float64).reshape(-1, 57)[:C]
    if normalized:
        th = th * np.asarray(d["pose_pm_std"], np.float64).reshape(-1)[:C] + \
            np.asarray(d["pose_pm_mean"], np.float64).reshape(-1)[:C]
    return full_pose_to_hand_pose(th @ basis + np.asarray(d["pose_mean"], np.float64).reshape(-1))


def load_mano_map(path, skin_faces, num_skin_vertices: int) -> np.ndarray:
    """NIMBLE_MANO_VREG.pkl (lmk_faces_idx [K, 778], lmk_bary_coords [K, 778, 3] over the skin
    faces; NIMBLE averages the K maps) -> a dense float32 [778, Vs] matrix M with MANO-topology
    vertices = M @ skin vertices, usable as fit_model's correspondence (fitting MANO to NIMBLE).
    skin_faces: the loaded model's faces (skin_f)."""
    return mano_map_matrix(read_nimble_dict(path), skin_faces, num_skin_vertices)


def mano_map_matrix(vreg: dict, skin_faces, num_skin_vertices: int) -> np.ndarray:
    """load_mano_map from an already-read dict holding lmk_faces_idx and lmk_bary_coords."""
    fidx = np.asarray(_np(vreg["lmk_faces_idx"]), np.int64)
    bary = np.asarray(_np(vreg["lmk_bary_coords"]), np.float64)
    if fidx.ndim == 1:
        fidx, bary = fidx[None], bary[None]
    K, L = fidx.shape
    F = np.asarray(skin_faces, np.int64)
    M = np.zeros((L, num_skin_vertices))
    rows = np.repeat(np.arange(L)[None, :, None], K, 0)
    np.add.at(M, (np.broadcast_to(rows, (K, L, 3)), F[fidx]), bary / K)
    return M.astype(np.float32)


def nimble_texture(tex, alpha) -> dict:
    """NIMBLE's texture PCA (NIMBLE_TEX_DICT.pkl: diffuse / normal / spec, each with basis
    [3 S^2, C], mean [3 S^2], std [C]): alpha [B, C'] normalised coefficients (C' <= C) ->
    {"diffuse", "normal", "spec"}: float32 [B, S, S, 3] in 0..1 (row 0 = the image's first
    row, as NIMBLE writes it). As NIMBLE, coefficients are scaled by std and the mean added."""
    d = tex if isinstance(tex, dict) else read_nimble_dict(tex)
    a = np.asarray(alpha, np.float64)
    a = a[None] if a.ndim == 1 else a
    out = {}
    for name in ("diffuse", "normal", "spec"):
        t = d[name]
        basis = np.asarray(t["basis"], np.float64)
        basis = basis.reshape(basis.shape[0], -1) if basis.ndim > 2 else basis
        C = a.shape[1]
        x = (a * np.asarray(t["std"], np.float64).reshape(-1)[:C]) @ basis[:, :C].T + np.asarray(t["mean"]).reshape(-1)
        S = int(round(np.sqrt(x.shape[1] / 3)))
        out[name] = np.clip(x, 0, 1).reshape(len(a), S, S, 3).astype(np.float32)
    return out
