"""Test helpers for the analysis toolkit: a small procedural MANO-format hand ("tube hand").

Each bone is an open tube of rings around the segment parent -> child; the fingertips get a cap
whose apex is the tip vertex. Joints are exact ring centres (so J_regressor reproduces them),
vertex_parts follow DESIGN.md (1 palm, 2 thumb .. 6 pinky), shapedirs / posedirs are small and
random. Not a hand anyone would render, but a valid model with real geometry for visibility,
fitting and prior tests.
"""
from __future__ import annotations

import numpy as np

from handraster.models import HandModel
from handraster.models.joints import MANO_PARENTS

# Internal order: 0 wrist; 1-3 index; 4-6 middle; 7-9 pinky; 10-12 ring; 13-15 thumb.
_FINGERS = {  # first joint, base position (m), direction, phalanx lengths (3 + tip), part label
    "index": (1, (0.090, 0.025, 0.0), (1.0, 0.05, 0.0), (0.040, 0.025, 0.020, 0.018), 3),
    "middle": (4, (0.095, 0.005, 0.0), (1.0, 0.0, 0.0), (0.045, 0.028, 0.022, 0.018), 4),
    "pinky": (7, (0.080, -0.035, 0.0), (1.0, -0.1, 0.0), (0.030, 0.020, 0.018, 0.016), 6),
    "ring": (10, (0.090, -0.015, 0.0), (1.0, -0.05, 0.0), (0.040, 0.026, 0.020, 0.017), 5),
    "thumb": (13, (0.025, 0.030, 0.0), (1.0, 1.0, 0.0), (0.035, 0.030, 0.025, 0.020), 2),
}
TIP_ORDER = ("thumb", "index", "middle", "ring", "pinky")


def hand_skeleton():
    """Rest joints [16, 3] and fingertip positions {finger: [3]}, metres."""
    J = np.zeros((16, 3))
    tips = {}
    for name, (j0, base, d, lens, _) in _FINGERS.items():
        d = np.asarray(d) / np.linalg.norm(d)
        p = np.asarray(base, float)
        for k in range(3):
            J[j0 + k] = p
            p = p + d * lens[k]
        tips[name] = p
    return J, tips


def _frame(d):
    d = d / np.linalg.norm(d)
    a = np.array([0.0, 0.0, 1.0]) if abs(d[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    e1 = np.cross(d, a)
    e1 /= np.linalg.norm(e1)
    return e1, np.cross(d, e1)


def tube_mesh(starts, ends, radius, owner, parent_of_owner, parts, n_ring=8, n_rings=3, caps=()):
    """Tubes for segments starts[i] -> ends[i]. Returns verts [V,3], faces [F,3], weights owner
    lists, part labels [V], the id of each segment's first-ring vertices, cap apex ids."""
    verts, faces, wj, wp, lab, first_ring, apex = [], [], [], [], [], [], {}
    for i, (s, e) in enumerate(zip(starts, ends)):
        e1, e2 = _frame(e - s)
        rings = []
        for k in range(n_rings):
            t = k / (n_rings - 1)
            c = s + t * (e - s)
            ids = []
            for m in range(n_ring):
                ang = 2 * np.pi * m / n_ring
                verts.append(c + radius[i] * (np.cos(ang) * e1 + np.sin(ang) * e2))
                wj.append(owner[i])
                wp.append(parent_of_owner[i] if k == 0 else owner[i])
                lab.append(parts[i])
                ids.append(len(verts) - 1)
            rings.append(ids)
        first_ring.append(rings[0])
        for a, b in zip(rings[:-1], rings[1:]):
            for m in range(n_ring):
                m2 = (m + 1) % n_ring
                faces += [(a[m], a[m2], b[m2]), (a[m], b[m2], b[m])]
        if i in caps:
            verts.append(e + (e - s) / np.linalg.norm(e - s) * radius[i])
            wj.append(owner[i]), wp.append(owner[i]), lab.append(parts[i])
            tip = len(verts) - 1
            last = rings[-1]
            for m in range(n_ring):
                faces.append((last[m], last[(m + 1) % n_ring], tip))
            apex[i] = tip
    return (np.asarray(verts), np.asarray(faces, np.int64), np.asarray(wj), np.asarray(wp),
            np.asarray(lab, np.uint8), first_ring, apex)


def make_tube_hand(seed: int = 0, num_betas: int = 10, shape_scale: float = 0.002,
                   pose_scale: float = 0.0005, n_ring: int = 8, n_rings: int = 3) -> HandModel:
    """The tube hand as a MANO-format HandModel (16 joints + 5 tips), right side."""
    rng = np.random.default_rng(seed)
    J, tips = hand_skeleton()
    parents = np.asarray(MANO_PARENTS)
    starts, ends, owner, pown, parts, radius, caps = [], [], [], [], [], [], []
    label_of = {j0 + k: lab for (j0, _, _, _, lab) in _FINGERS.values() for k in range(3)}
    tip_seg = {}
    for j in range(1, 16):  # bone parent(j) -> j, owned by the parent joint
        p = parents[j]
        starts.append(J[p]), ends.append(J[j]), owner.append(p), pown.append(parents[p] if p > 0 else 0)
        parts.append(1 if p == 0 else label_of[p]), radius.append(0.011 if p == 0 else 0.009)
    for name, (j0, *_rest) in _FINGERS.items():  # last phalanx: joint 3 -> tip
        last = j0 + 2
        tip_seg[name] = len(starts)
        caps.append(len(starts))
        starts.append(J[last]), ends.append(tips[name]), owner.append(last), pown.append(last - 1)
        parts.append(label_of[last]), radius.append(0.008)
    # wrist stub so joint 0 has its own ring centred on it
    starts.insert(0, J[0]), ends.insert(0, J[0] + np.array([-0.02, 0, 0])), owner.insert(0, 0)
    pown.insert(0, 0), parts.insert(0, 1), radius.insert(0, 0.02)
    caps = [c + 1 for c in caps]
    tip_seg = {k: v + 1 for k, v in tip_seg.items()}
    V, F, wj, wp, lab, first_ring, apex = tube_mesh(
        np.asarray(starts), np.asarray(ends), np.asarray(radius), owner, pown, parts, n_ring, n_rings, caps)
    n = len(V)
    W = np.zeros((n, 16))
    W[np.arange(n), wj] += 0.5
    W[np.arange(n), wp] += 0.5
    Jr = np.zeros((16, n))
    seg_owner_first = {}
    for i, o in enumerate(owner):
        seg_owner_first.setdefault(o, i)  # the first segment starting at joint o
    for j in range(16):
        Jr[j, first_ring[seg_owner_first[j]]] = 1.0 / n_ring
    shapedirs = rng.normal(size=(n, 3, num_betas)) * shape_scale
    posedirs = rng.normal(size=(15 * 9, n * 3)) * pose_scale
    tip_ids = [apex[tip_seg[name]] for name in TIP_ORDER]
    return HandModel(v_template=V, shapedirs=shapedirs, posedirs=posedirs, J_regressor=Jr, weights=W,
                     parents=parents, faces=F, tip_ids=np.asarray(tip_ids), vertex_parts=lab,
                     name="tube-hand", flat_hand_mean=True)


def synergy_poses(n: int, seed: int = 0, k: int = 6, amplitude: float = 0.5):
    """n plausible-ish hand poses [n, 45] from k random smooth 'synergies' (a low-dimensional
    pose space, like MANO's PCA) plus a little noise; flexion mostly about the y axis (fingers lie along +x in the z = 0 plane)."""
    rng = np.random.default_rng(seed + 12345)
    basis = rng.normal(size=(k, 15, 3)) * np.array([0.15, 0.6, 0.15])
    coef = rng.normal(size=(n, k)) * amplitude
    pose = np.einsum("nk,kjc->njc", coef, basis) + rng.normal(size=(n, 15, 3)) * 0.03
    return pose.reshape(n, 45).astype(np.float32)


# ----- a synthetic NIMBLE model dict (same schema as NIMBLE_DICT_9137.pkl, millimetres) ------
NIMBLE_PARENTS = (-1, 0, 1, 2, 3, 0, 5, 6, 7, 8, 0, 10, 11, 12, 13, 0, 15, 16, 17, 18, 0, 20, 21, 22, 23)
NIMBLE_BONE_JOINTS = (1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18, 20, 21, 22, 23)


def nimble_skeleton_mm():
    """Rest joints [25, 3] mm: carpal at the origin, five chains (thumb first) along +x-ish."""
    J = np.zeros((25, 3))
    chains = [((20, 25, 0), (1, 1, 0), (40, 32, 28, 22)),    # thumb: met, pro, dis, end
              ((15, 20, 0), (1, 0.05, 0), (65, 40, 25, 20, 18)),
              ((15, 5, 0), (1, 0, 0), (68, 45, 28, 22, 18)),
              ((15, -10, 0), (1, -0.05, 0), (63, 40, 26, 20, 17)),
              ((12, -25, 0), (1, -0.1, 0), (58, 32, 20, 18, 16))]
    j = 1
    for base, d, lens in chains:  # each chain: base joint, then one joint per length but the last
        d = np.asarray(d, float) / np.linalg.norm(d)
        p = np.asarray(base, float)
        J[j] = p
        for L in lens[:-1]:
            p = p + d * L
            j += 1
            J[j] = p
        j += 1
    return J


def make_nimble_dict(seed: int = 0, n_shape: int = 20, n_pose: int = 30):
    """A random NIMBLE-schema dict (numpy, mm) with a tube skin around the 25-joint skeleton."""
    rng = np.random.default_rng(seed)
    J = nimble_skeleton_mm()
    par = np.asarray(NIMBLE_PARENTS)
    # bone vertices: 4 points around each joint (their mean is the joint) + 2 per bone segment
    bone_v, bone_owner = [], []
    for j in range(25):
        for o in np.array([[3, 0, 0], [-3, 0, 0], [0, 3, 0], [0, -3, 0]], float):
            bone_v.append(J[j] + o)
            bone_owner.append(j)
    jreg = np.zeros((25, len(bone_v)))
    for j in range(25):
        jreg[j, 4 * j: 4 * j + 4] = 0.25
    muscle_v = [J[j] + rng.normal(size=3) * 2 for j in range(25)]
    muscle_owner = list(range(25))
    starts, ends, owner, pown, parts, radius, caps = [], [], [], [], [], [], []
    for j in range(1, 25):
        p = par[j]
        starts.append(J[p]), ends.append(J[j]), owner.append(p), pown.append(max(par[p], 0))
        parts.append(1), radius.append(9.0)
        if j in (4, 9, 14, 19, 24):
            caps.append(len(starts) - 1)
    V, F, wj, wp, lab, _, _ = tube_mesh(np.asarray(starts), np.asarray(ends), np.asarray(radius), owner, pown,
                                        parts, n_ring=6, n_rings=3, caps=caps)
    verts = np.concatenate([np.asarray(bone_v), np.asarray(muscle_v), V])
    N = len(verts)
    bsep, ssep = len(bone_v), len(bone_v) + len(muscle_v)
    sw = np.zeros((N, 25))
    sw[np.arange(bsep), bone_owner] = 1
    sw[bsep + np.arange(len(muscle_v)), muscle_owner] = 1
    sw[ssep + np.arange(len(V)), wj] += 0.5
    sw[ssep + np.arange(len(V)), wp] += 0.5
    return {
        "vert": verts[None].astype(np.float32), "face": F[None], "skin_f": F, "bone_f": np.zeros((0, 3), np.int64),
        "muscle_f": np.zeros((0, 3), np.int64), "all_sw": sw.astype(np.float32),
        "all_pbs": (rng.normal(size=(N, 3, 171)) * 0.3).astype(np.float32),
        "jreg_mano": np.zeros((21, len(V)), np.float32), "jreg_bone": jreg.astype(np.float32),
        "shape_basis": smooth_fields(verts, n_shape, rng).astype(np.float32),
        "shape_pm_std": rng.uniform(0.5, 2.0, n_shape).astype(np.float32),
        "shape_pm_mean": (rng.normal(size=n_shape) * 0.3).astype(np.float32),
        "pose_basis": (rng.normal(size=(n_pose, 57)) * 0.1).astype(np.float32),
        "pose_mean": (rng.normal(size=57) * 0.1).astype(np.float32),
        "pose_pm_std": rng.uniform(0.5, 1.5, n_pose).astype(np.float32),
        "pose_pm_mean": (rng.normal(size=n_pose) * 0.2).astype(np.float32),
        "bone_v_sep": bsep, "skin_v_sep": ssep,
        "skin_v_surface_mask": np.ones(len(V), np.int64), "skin_v_gd": np.zeros((len(V), 3), np.float32),
    }


def smooth_fields(pts, n, rng):
    """n random smooth displacement fields over pts [N, 3] mm (quadratic in position, like a
    real shape space), [n, 3N], a few mm in size."""
    x = (pts - pts.mean(0)) / 100.0
    feats = np.concatenate([np.ones((len(x), 1)), x, x ** 2, x[:, [0]] * x[:, [1]]], 1)   # [N, 8]
    coef = rng.normal(size=(n, feats.shape[1], 3)) * 1.5
    return np.einsum("nf,sfk->snk", feats, coef).reshape(n, -1)


def _rodrigues(r):
    th = np.linalg.norm(r, axis=-1, keepdims=True)
    k = np.where(th > 1e-12, r / np.maximum(th, 1e-12), 0.0)
    Kx = np.zeros(r.shape[:-1] + (3, 3))
    Kx[..., 0, 1], Kx[..., 0, 2], Kx[..., 1, 2] = -k[..., 2], k[..., 1], -k[..., 0]
    Kx = Kx - np.swapaxes(Kx, -1, -2)
    s, c = np.sin(th)[..., None], np.cos(th)[..., None]
    return np.eye(3) + s * Kx + (1 - c) * Kx @ Kx


def nimble_reference_skin(d, theta, betas):
    """NIMBLE's forward for one sample, written from its definition (float64, mm): theta the
    normalised pose PCA vector [C], betas the normalised shape vector [20]; no root rotation, no
    collision handling. Returns (skin vertices [Vs, 3], joints [25, 3])."""
    vert = np.asarray(d["vert"], np.float64).reshape(-1, 3)
    N = len(vert)
    C = len(theta)
    S = len(betas)
    real_b = betas * d["shape_pm_std"][:S] + d["shape_pm_mean"][:S]
    shaped = vert + (d["shape_basis"][:S].astype(np.float64).T @ real_b).reshape(N, 3)
    J = d["jreg_bone"].astype(np.float64) @ shaped[: d["bone_v_sep"]]
    rot = d["pose_basis"][:C].astype(np.float64).T @ (theta * d["pose_pm_std"][:C] + d["pose_pm_mean"][:C]) \
        + d["pose_mean"]
    Rb = _rodrigues(rot.reshape(19, 3))
    v = shaped + np.einsum("nkp,p->nk", d["all_pbs"].astype(np.float64), (Rb - np.eye(3)).reshape(-1))
    Rj = np.tile(np.eye(3), (25, 1, 1))
    for b, j in enumerate(NIMBLE_BONE_JOINTS):
        Rj[j] = Rb[b]
    G = np.zeros((25, 4, 4))
    for j in range(25):
        L = np.eye(4)
        L[:3, :3] = Rj[j]
        L[:3, 3] = J[j] - (J[NIMBLE_PARENTS[j]] if j else 0)
        G[j] = L if j == 0 else G[NIMBLE_PARENTS[j]] @ L
    A = G.copy()
    A[:, :3, 3] -= np.einsum("jab,jb->ja", G[:, :3, :3], J)
    T = np.einsum("nj,jab->nab", d["all_sw"].astype(np.float64), A)
    out = np.einsum("nab,nb->na", T[:, :3, :3], v) + T[:, :3, 3]
    return out[d["skin_v_sep"]:], G[:, :3, 3]
