"""Per-sample parameters of a batch, vectorised over it: scene level (hand, pose, shape, skin,
forearm, object: sample_scenes), view level (camera, lights, background: sample_views) and
their JSON-able description (describe_samples, RenderBatch.params).

Scene s draws from its own counter-based stream RowDraws(seed, s, SCENE_STREAM), view v of
scene s from RowDraws(seed, s, VIEW_STREAM + v) (scene/draws.py), so sample i = s * views + v
is a pure function of (config, seed, i) whatever else is in the batch; the views of a scene
share its scene-level values.

Every sampler takes `rng` (a RowDraws of n rows, or a numpy Generator) and returns arrays with
n rows; dicts of such arrays are "row trees" (take_rows selects rows of every leaf).
"""
from __future__ import annotations

import numpy as np

from handraster.scene import camera as cam
from handraster.scene.draws import SCENE_STREAM, VIEW_STREAM, RowDraws
from handraster.scene.lighting import sample_lights


def take_rows(tree, idx):
    """The rows `idx` of every array in a (nested) dict of arrays; other leaves unchanged."""
    if isinstance(tree, dict):
        return {k: take_rows(v, idx) for k, v in tree.items()}
    return tree[idx] if isinstance(tree, np.ndarray) else tree


def random_rotation(rng, n: int) -> np.ndarray:
    """Axis-angle float32 [n, 3] of rotations uniform on SO(3) (from uniform unit quaternions)."""
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    q *= np.where(q[:, :1] < 0, -1.0, 1.0)
    angle = 2 * np.arccos(np.clip(q[:, 0], -1, 1))
    s = np.linalg.norm(q[:, 1:], axis=1)
    aa = q[:, 1:] * (angle / np.where(s > 1e-9, s, 1.0))[:, None]
    return np.where((s > 1e-9)[:, None], aa, 0.0).astype(np.float32)


def tone_ita_range(tone_range) -> tuple:
    """skin.tone_range (0 lightest .. 1 darkest) -> ITA range (degrees) of sample_skin_tone."""
    lo, hi = tone_range
    return (72.0 - hi * 137.0, 72.0 - lo * 137.0)


SKIN_POOL_SIZE = 200  # fixed pool of skin parameter sets for skin_diversity < 1
SKIN_POOL_SEED = 20250611
_skin_pools: dict = {}


def _draw_skin(rng, cfg, n: int) -> dict:
    """n fresh skin parameter sets: back/palm/nail/sss_tint float32 [n, 3], scalars float64 [n]."""
    from handraster.scene.skin_tone import nail_tone, palm_tone, sample_skin_tone
    back = sample_skin_tone(rng, n, tone_ita_range(cfg.skin_tone_range))
    u = rng.random((n, 8))  # one draw per scalar parameter, in the order of the dict below
    lerp = lambda k, lo_hi: lo_hi[0] + u[:, k] * (lo_hi[1] - lo_hi[0])  # noqa: E731
    return dict(back=back, palm=palm_tone(back), nail=nail_tone(back),
                blotch_amp=lerp(0, cfg.blotch_amp), blotch_freq=lerp(1, (15, 40)),
                noise_seed=np.floor(u[:, 2] * (1 << 20)), roughness=lerp(3, cfg.skin_roughness),
                spec=lerp(4, (0.3, 0.8)), wrap=lerp(5, (0.2, 0.5)), crease=lerp(6, cfg.crease),
                sss_tint=(np.array([0.9, 0.45, 0.35]) * lerp(7, (0.7, 1.0))[:, None]).astype(np.float32))


def skin_pool(cfg) -> dict:
    """The fixed pool of SKIN_POOL_SIZE skin parameter sets (tone, blotches, noise seed, crease,
    ...; a row tree) drawn from SKIN_POOL_SEED with cfg's ranges; the same for every seed, so a
    diversity fraction always means the same textures (the gap paper's 5/25/50 % ablation)."""
    key = (tuple(cfg.skin_tone_range), tuple(cfg.blotch_amp), tuple(cfg.skin_roughness), tuple(cfg.crease))
    if key not in _skin_pools:
        _skin_pools[key] = _draw_skin(np.random.default_rng(SKIN_POOL_SEED), cfg, SKIN_POOL_SIZE)
    return _skin_pools[key]


def sample_skin(rng, cfg, n: int) -> dict:
    """Skin appearance parameters of n scenes (a row tree; linear RGB albedos). skin_diversity
    1: drawn afresh per scene (continuous); < 1: one of the first ceil(diversity *
    SKIN_POOL_SIZE) sets of the fixed skin_pool (5 % -> 10 skins), pool_id int64 [n] says which."""
    if cfg.skin_diversity >= 1.0:
        return _draw_skin(rng, cfg, n)
    k = rng.integers(max(1, int(np.ceil(cfg.skin_diversity * SKIN_POOL_SIZE))), size=n)
    return dict(take_rows(skin_pool(cfg), k), pool_id=k)


def random_albedo(rng, n: int) -> np.ndarray:
    """float64 [n, 3] linear RGB of a random hue, saturation and value."""
    u = rng.random((n, 3))
    rgb = np.clip(np.abs((u[:, :1] * 6 + np.array([0, 4, 2])) % 6 - 3) - 1, 0, 1)
    sat, val = 0.1 + 0.8 * u[:, 1:2], 0.08 + 0.77 * u[:, 2:3]
    return ((1 - sat) + sat * rgb) * val


def sample_betas(rng, cfg, n: int) -> np.ndarray:
    """betas float32 [n, 10] from shape_dist (normal std / uniform half-width shape_std, or zero),
    clipped to [-shape_clip, shape_clip]."""
    if cfg.shape_dist == "zero":
        return np.zeros((n, 10), np.float32)
    if cfg.shape_dist == "uniform":
        b = rng.uniform(-cfg.shape_std, cfg.shape_std, size=(n, 10))
    else:
        b = rng.normal(size=(n, 10)) * cfg.shape_std
    return np.clip(b, -cfg.shape_clip, cfg.shape_clip).astype(np.float32)


def _forearm(rng, cfg, n: int) -> dict:
    u = rng.random((n, 5))
    length = cfg.forearm_length[0] + u[:, 1] * (cfg.forearm_length[1] - cfg.forearm_length[0])
    return dict(enabled=np.full(n, bool(cfg.forearm)), sleeve=(u[:, 0] < cfg.sleeve_prob) & cfg.forearm,
                length=length if cfg.forearm else np.zeros(n), color_a=random_albedo(rng, n),
                color_b=random_albedo(rng, n), pattern=np.floor(u[:, 2] * 3).astype(np.int64),
                freq=20 + 60 * u[:, 3], mean_color=u[:, 4] < cfg.forearm_mean_color_prob)


def _occluder(rng, cfg, n: int, n_objects: int) -> dict:
    """Occluder parameters of n scenes; present bool [n] says which scenes have one."""
    u = rng.random((n, 8))
    lo, hi = cfg.object_size
    return dict(present=(u[:, 0] < cfg.object_prob) & (n_objects > 0),
                kind=np.floor(u[:, 1] * max(n_objects, 1)).astype(np.int64), size=lo + u[:, 2] * (hi - lo),
                rot=random_rotation(rng, n), toward_camera=0.15 + 0.45 * u[:, 3],
                offset=rng.normal(size=(n, 3)) * 0.02, color_a=random_albedo(rng, n),
                color_b=random_albedo(rng, n), pattern=np.floor(u[:, 4] * 4).astype(np.int64),
                freq=2 + 8 * u[:, 5], roughness=0.2 + 0.7 * u[:, 6],
                random_color=u[:, 7] < cfg.object_random_color_prob)


def sample_scenes(cfg, seed: int, scenes, poses, n_objects: int, n_textures: int = 0) -> dict:
    """Scene-level parameters of the scenes int [n] (shared by their views), a row tree:
    right bool [n], hand_pose f32 [n, 45], betas f32 [n, 10], global_orient f32 [n, 3],
    pose_entry int64 [n] (-1: no file entry), skin / forearm / object dicts of [n, ...] arrays
    (object: with GraspXL objects also grasp* keys, scene/grasp_objects.py; such rows have zero
    betas and their kind indexes the grasp meshes after the n_objects occluders).
    poses: a ScenePoses; n_textures: usable skin textures (0: procedural skin only). With
    textures a scene's skin is textured always (skin_procedural False) or with probability
    0.5; skin["texture"] is the texture id or -1."""
    scenes = np.asarray(scenes, np.int64)
    n = len(scenes)
    rng = RowDraws(seed, scenes, SCENE_STREAM, chunk=160)  # the default scene draws ~145 slots
    right = rng.random(n) < cfg.right_ratio
    drawn = poses.draw(rng, scenes)
    betas = sample_betas(rng, cfg, n)
    if drawn["betas"] is not None:
        betas = np.where(drawn["from_file"][:, None], drawn["betas"], betas)
    if cfg.pose_file_order == "sequential":  # dataset-matched: the entry's own side
        right = np.where(drawn["from_file"], ~drawn["was_left"], right)
    skin = sample_skin(rng, cfg, n)
    if n_textures:
        u = rng.random((n, 2))
        textured = (u[:, 0] < 0.5) | (not cfg.skin_procedural)
        skin["texture"] = np.where(textured, np.floor(u[:, 1] * n_textures).astype(np.int64), -1)
    forearm = _forearm(rng, cfg, n)
    obj = _occluder(rng, cfg, n, n_objects)
    grasp = getattr(poses, "grasp", None)
    if grasp is not None and len(grasp):  # a GraspXL frame's own object replaces the occluder
        held = grasp.attach(obj, drawn["from_file"], drawn["entry"], right, n_objects)
        betas = np.where(held[:, None], 0.0, betas).astype(np.float32)  # GraspXL's MANO shape
    go = np.where(drawn["from_file"][:, None], drawn["global_orient"], random_rotation(rng, n))
    return dict(right=right, hand_pose=drawn["hand_pose"], betas=betas, global_orient=go.astype(np.float32),
                skin=skin, forearm=forearm, object=obj, pose_entry=drawn["entry"])


def _camera_draws(rng, cfg, scenes):
    """(K float32 [n, 3, 3], distance float64 [n], direction float64 [n, 3]) of n views: the
    first draws of their streams."""
    H, W = cfg.resolution
    n = len(scenes)
    if cfg.camera == "dataset":
        Ks = np.asarray(cfg.dataset_K, np.float32).reshape(-1, 3, 3)
        k = rng.integers(len(Ks), size=n)
        if cfg.pose_file_order == "sequential":
            k = scenes % len(Ks)  # dataset-matched: K of entry s with the pose of entry s
        K = Ks[k]
    else:
        K = cam.intrinsics_from_fovs(rng.uniform(*cfg.fov_deg, size=n), W, H)
    dist = cam.sample_anyhand_distance(rng, n, cfg.distance_means, cfg.distance_std,
                                       weights=cfg.distance_weights)
    return K, dist, cam.random_direction(rng, n)


def _apply(E, p):
    """Points p [n, N, 3] (or [n, 3]) through the world -> camera matrices E [n, 4, 4].
    Written out per component: einsum's generic loop is ~10x slower on these 3x3 products."""
    q = p if p.ndim == 3 else p[:, None]
    R, t = E[:, None, :3, :3], E[:, None, :3, 3]
    out = (q[..., 0, None] * R[..., 0] + q[..., 1, None] * R[..., 1] + q[..., 2, None] * R[..., 2] + t)
    return out if p.ndim == 3 else out[:, 0]


def sample_views(cfg, seed: int, scenes, views, hand_points, assets) -> dict:
    """Camera, lights and background of the views `views` int [n] of the scenes `scenes` int
    [n]; hand_points [n, N, 3] world points (the hand's vertices) that must stay in frame.
    Views after the first look from within view_spread_deg of the first view's direction
    (uniform on that spherical cap). Returns a row tree: K float32 [n, 3, 3], extrinsics
    float32 [n, 4, 4] (world -> camera), lights float32 [n, 5, 12], n_lights int32 [n],
    ambient_light float32 [n, 3], exposure / ambient float64 [n], background (assets.py)."""
    scenes, views = np.asarray(scenes, np.int64), np.asarray(views, np.int64)
    n = len(scenes)
    H, W = cfg.resolution
    rng = RowDraws(seed, scenes, VIEW_STREAM + views, chunk=112)  # the default view draws ~100 slots
    K, dist, direction = _camera_draws(rng, cfg, scenes)
    if cfg.views > 1 and cfg.view_spread_deg < 180.0:
        d0 = _camera_draws(RowDraws(seed, scenes, VIEW_STREAM), cfg, scenes)[2]
        cap = cam.direction_in_cap(rng, d0, np.radians(cfg.view_spread_deg))
        direction = np.where((views > 0)[:, None], cap, direction)
    pts = np.asarray(hand_points, np.float64)
    centre = pts.mean(1)
    up = cam.random_direction(rng, n)
    u = rng.random((n, 3))  # roll, horizontal and vertical centre shift
    roll = np.pi * (2 * u[:, 0] - 1)
    E = cam.look_at(centre + direction * dist[:, None], centre, up, roll)
    todo = np.ones(n, bool)
    for _ in range(3):  # keep the hand in frame: back the camera off along its axis
        s = cam.frame_hand(_apply(E[todo], pts[todo]), K[todo], W, H)
        rows = np.flatnonzero(todo)
        grow = s > 1.0
        todo[rows[~grow]] = False
        r = rows[grow]
        if not len(r):
            break
        dist[r] *= s[grow] * 1.02
        E[r] = cam.look_at(centre[r] + direction[r] * dist[r, None], centre[r], up[r], roll[r])
    # move the hand off-centre by a random share of the free margin (shift the principal point
    # of the framing, i.e. translate the camera sideways)
    pu, pv = cam.project(_apply(E, pts), K)
    free_u = np.maximum(0.0, pu.min(1)), np.maximum(0.0, W - 1 - pu.max(1))
    free_v = np.maximum(0.0, pv.min(1)), np.maximum(0.0, H - 1 - pv.max(1))
    du = (-free_u[0] + u[:, 1] * (free_u[0] + free_u[1])) * cfg.center_jitter
    dv = (-free_v[0] + u[:, 2] * (free_v[0] + free_v[1])) * cfg.center_jitter
    zc = _apply(E, centre)[:, 2]
    E[:, 0, 3] += du * zc / K[:, 0, 0]
    E[:, 1, 3] += dv * zc / K[:, 1, 1]
    lights, n_lights, ambient_light = sample_lights(rng, cfg, _apply(E, centre))
    bg = assets.sample_background(rng, (H, W), n)
    u = rng.random((n, 2))
    return dict(K=K.astype(np.float32), extrinsics=E.astype(np.float32), lights=lights, n_lights=n_lights,
                exposure=cfg.exposure[0] + u[:, 0] * (cfg.exposure[1] - cfg.exposure[0]),
                ambient=cfg.ambient[0] + u[:, 1] * (cfg.ambient[1] - cfg.ambient[0]),
                background=bg, ambient_light=ambient_light)


_BG_MODES = ("photo", "environment", "solid")
_SKIN_KEYS = ("back", "palm", "nail", "blotch_amp", "blotch_freq", "noise_seed", "roughness", "spec",
              "wrap", "crease", "sss_tint", "pool_id", "texture")
_FOREARM_KEYS = ("enabled", "sleeve", "length", "color_a", "color_b", "pattern", "freq", "mean_color")
_OBJECT_KEYS = ("kind", "size", "rot", "toward_camera", "offset", "color_a", "color_b", "pattern", "freq",
                "roughness", "random_color", "grasp", "grasp_name", "grasp_rot", "grasp_trans")


def _records(tree: dict, keys) -> list:
    """A row tree's arrays (those of `keys` it has) -> one dict of Python values per row."""
    present = [k for k in keys if k in tree]
    cols = [np.asarray(tree[k]).tolist() for k in present]
    return [dict(zip(present, row)) for row in zip(*cols)]


def describe_samples(cfg, sc: dict, vw: dict) -> list:
    """One JSON-able dict per sample: camera (fov_x_deg), lights (count, params: the count
    kernel lights' 12 values each), exposure, ambient, background (mode name, id, name, affine,
    param), skin, forearm and object (None without one) parameters."""
    W = cfg.resolution[1]
    fov = np.degrees(2 * np.arctan(W / 2 / vw["K"][:, 0, 0].astype(np.float64))).tolist()
    bg = vw["background"]
    lights = vw["lights"].tolist()
    present = sc["object"]["present"].tolist()
    rows = zip(fov, vw["n_lights"].tolist(), lights, vw["exposure"].tolist(), vw["ambient"].tolist(),
               bg["mode"].tolist(), bg["id"].tolist(), bg["name"], bg["affine"].tolist(), bg["param"].tolist(),
               _records(sc["skin"], _SKIN_KEYS), _records(sc["forearm"], _FOREARM_KEYS),
               _records(sc["object"], _OBJECT_KEYS), present)
    return [dict(camera=dict(fov_x_deg=f), lights=dict(count=nl, params=L[:nl]), exposure=ex, ambient=am,
                 background=dict(mode=_BG_MODES[m], id=i, name=name, affine=A, param=P),
                 skin=skin, forearm=fa, object=obj if has else None)
            for f, nl, L, ex, am, m, i, name, A, P, skin, fa, obj, has in rows]


__all__ = ["sample_scenes", "sample_views", "describe_samples", "sample_skin", "sample_betas",
           "random_rotation", "take_rows"]
