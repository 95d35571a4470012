"""The hand + forearm piece of the MakeHuman base mesh, with MANO's 16-joint rig.

What is taken from the base mesh (see docs in default_hand.py for the whole recipe):
  * vertices: the right hand (MakeHuman hand bones weigh > 0.5) plus the forearm from the
    wrist up to the clean edge loop at ~70% of the forearm length (measured from the
    wrist); selected by rig weights, never by distance (a distance cut catches the foot);
  * faces: the skin quads on those vertices (UVs kept);
  * weights: the rig's weights summed onto MANO's 16 joints; the forearm bones and the
    metacarpals go to the wrist (joint 0): MANO has no forearm joint, so the forearm moves
    rigidly with the root, and the MakeHuman weights already fade smoothly across the
    wrist, so posing the thumb and fingers never tears the wrist skin;
  * labels: per-vertex part (1 palm .. 6 pinky, 7 forearm), fingertip vertices, nail mask.
All positions here are MakeHuman's (decimetres, A-pose); default_frame.py moves them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handraster.models import makehuman as mh

# MANO joint index -> (MakeHuman bones summed onto it, joint helper cube at its centre).
# finger1 = thumb, finger2 = index, finger3 = middle, finger4 = ring, finger5 = pinky.
_MH_FINGER = {1: 2, 4: 3, 7: 5, 10: 4, 13: 1}   # first MANO joint of each chain -> MH finger
FOREARM_BONES = ("lowerarm01.R", "lowerarm02.R")
PALM_BONES = ("wrist.R", "metacarpal1.R", "metacarpal2.R", "metacarpal3.R", "metacarpal4.R")


def joint_bones_and_helpers():
    """[(bones, helper)] for the 16 MANO joints in MANO's order."""
    out = [(PALM_BONES + FOREARM_BONES, "joint-r-hand")]
    for first in (1, 4, 7, 10, 13):
        f = _MH_FINGER[first]
        out += [((f"finger{f}-{k}.R",), f"joint-r-finger-{f}-{k}") for k in (1, 2, 3)]
    return out


# Fingertip helpers in handraster's tip order: thumb, index, middle, ring, pinky.
TIP_HELPERS = tuple(f"joint-r-finger-{f}-4" for f in (1, 2, 3, 4, 5))
# Part label of each MANO joint's vertices (1 palm, 2 thumb, 3 index, 4 middle, 5 ring, 6 pinky).
JOINT_PART = np.array([1, 3, 3, 3, 4, 4, 4, 6, 6, 6, 5, 5, 5, 2, 2, 2], np.uint8)
FOREARM_KEEP_FROM = 0.25   # keep forearm quads whose corners all lie beyond 25% elbow->wrist
ELBOW, WRIST = "joint-r-elbow", "joint-r-hand"


@dataclass
class HandPiece:
    """The cut-out piece (K vertices, Q quads), indices local to the piece unless noted.

    base_ids [K] i64 base-mesh vertex ids; quads [Q,4] i64; quads_uv [Q,4] i64 into uvs;
    uvs [T,2] f64; weights [K,16] f64 rows sum to 1; parts [K] u8; tip_ids [5] i64;
    nail [K] f64 in [0,1]; cut_loop [L] i64 the ordered boundary loop at the forearm cut;
    forearm_weight [K] f64 the rig's forearm-bone weight (1 on the forearm, fading to 0
    across the wrist); helpers: names of the 16 joint helpers, 5 tip helpers and the
    elbow (cube centres give the joints).
    """
    base_ids: np.ndarray
    quads: np.ndarray
    quads_uv: np.ndarray
    uvs: np.ndarray
    weights: np.ndarray
    parts: np.ndarray
    tip_ids: np.ndarray
    nail: np.ndarray
    cut_loop: np.ndarray
    forearm_weight: np.ndarray
    helpers: tuple


def _boundary_loops(quads: np.ndarray):
    """Open edges of a quad mesh, chained into ordered loops (following the face winding)."""
    e = np.concatenate([quads[:, [0, 1]], quads[:, [1, 2]], quads[:, [2, 3]], quads[:, [3, 0]]])
    key = np.sort(e, 1)
    _, inv, cnt = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    open_e = e[cnt[inv.reshape(-1)] == 1]
    nxt = {int(a): int(b) for a, b in open_e}
    loops, seen = [], set()
    for start in nxt:
        if start in seen:
            continue
        loop, v = [], start
        while v not in seen:
            seen.add(v)
            loop.append(v)
            v = nxt[v]
        loops.append(np.array(loop, np.int64))
    return loops


def _nail_coverage(uvs, quads_uv, samples: int = 6) -> np.ndarray:
    """Mean of the fingernail texture over each quad's UV patch [Q] (bilinear sampling grid)."""
    tex, _ = mh.nail_texture()
    H, W = tex.shape
    s = (np.arange(samples) + 0.5) / samples
    a, b = np.meshgrid(s, s, indexing="ij")
    a, b = a.reshape(-1, 1, 1), b.reshape(-1, 1, 1)
    c = uvs[quads_uv]                                      # [Q,4,2]
    p = ((1 - a) * (1 - b) * c[None, :, 0] + a * (1 - b) * c[None, :, 1]
         + a * b * c[None, :, 2] + (1 - a) * b * c[None, :, 3])   # [S,Q,2]
    px = np.clip((p[..., 0] * W).astype(np.int64), 0, W - 1)
    py = np.clip(((1 - p[..., 1]) * H).astype(np.int64), 0, H - 1)   # OBJ v is up
    return tex[py, px].mean(0)


def cut_hand_piece() -> HandPiece:
    """Select, re-index and label the right hand + forearm of the base mesh."""
    base = mh.read_base_mesh()
    N = len(base.vertices)
    spec = joint_bones_and_helpers()
    bones = [b for bs, _ in spec for b in bs]
    bw = mh.read_bone_weights(bones, N)
    col = np.array([j for j, (bs, _) in enumerate(spec) for _ in bs])
    w16 = np.zeros((N, 16))
    np.add.at(w16.T, col, bw.T)
    forearm_w = bw[:, [bones.index(b) for b in FOREARM_BONES]].sum(1)
    hand_w = w16.sum(1) - forearm_w
    el, wr = mh.helper_centres(base.vertices, [ELBOW, WRIST])
    axis = wr - el
    t = (base.vertices - el) @ axis / (axis @ axis)        # 0 at the elbow, 1 at the wrist
    keep_v = (hand_w > 0.5) | ((hand_w + forearm_w > 0.5) & (t >= FOREARM_KEEP_FROM))
    keep_v[13380:] = False                                 # skin only, no helper geometry
    qsel = keep_v[base.quads].all(1)
    used = np.unique(base.quads[qsel])
    local = np.full(N, -1, np.int64)
    local[used] = np.arange(len(used))
    quads = local[base.quads[qsel]]
    uv_used = np.unique(base.quads_uv[qsel])
    uv_local = np.full(len(base.uvs), -1, np.int64)
    uv_local[uv_used] = np.arange(len(uv_used))
    quads_uv = uv_local[base.quads_uv[qsel]]
    uvs = base.uvs[uv_used]

    w = w16[used]
    w /= w.sum(1, keepdims=True)
    parts = JOINT_PART[w.argmax(1)]
    parts[forearm_w[used] > 0.5] = 7
    tips_xyz = mh.helper_centres(base.vertices, TIP_HELPERS)
    vx = base.vertices[used]
    tip_ids = np.array([np.argmin(((vx - p) ** 2).sum(1)) for p in tips_xyz], np.int64)

    cover = _nail_coverage(uvs, quads_uv)
    nail_sum = np.zeros(len(used))
    nail_cnt = np.zeros(len(used))
    np.add.at(nail_sum, quads.reshape(-1), np.repeat(cover, 4))
    np.add.at(nail_cnt, quads.reshape(-1), 1.0)
    nail = np.clip(nail_sum / np.maximum(nail_cnt, 1) * 1.5, 0.0, 1.0)  # a nail corner touches 4 quads

    loops = _boundary_loops(quads)
    if len(loops) != 1:
        raise RuntimeError(f"default hand: expected one open loop at the forearm cut, got {len(loops)}")
    helpers = tuple(h for _, h in spec) + TIP_HELPERS + (ELBOW,)
    return HandPiece(used, quads, quads_uv, uvs, w, parts.astype(np.uint8), tip_ids, nail,
                     loops[0], np.clip(forearm_w[used], 0.0, 1.0), helpers)
