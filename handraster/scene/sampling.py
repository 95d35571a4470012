"""Per-sample scene parameters. Sample i is a pure function of (config, seed, i): the scene
(hand, pose, shape, skin, lights, object) comes from Generator([seed, scene]) and the view
(camera, background crop) from Generator([seed, scene, 1 + view]), scene = i // views."""
from __future__ import annotations

import numpy as np

from handraster.scene import camera as cam
from handraster.scene.lighting import light_color, sample_lights


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """Axis-angle [3] of a rotation uniform on SO(3) (from a uniform unit quaternion)."""
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    if q[0] < 0:
        q = -q
    angle = 2 * np.arccos(np.clip(q[0], -1, 1))
    s = np.linalg.norm(q[1:])
    return (q[1:] / s * angle if s > 1e-9 else np.zeros(3)).astype(np.float32)


def tone_ita_range(tone_range) -> tuple:
    """skin.tone_range (0 lightest .. 1 darkest) -> ITA range (degrees) of sample_skin_tone."""
    lo, hi = tone_range
    return (72.0 - hi * 137.0, 72.0 - lo * 137.0)


SKIN_POOL_SIZE = 200  # fixed pool of skin parameter sets for skin_diversity < 1
SKIN_POOL_SEED = 20250611
_skin_pools: dict = {}


def _draw_skin(rng: np.random.Generator, cfg) -> dict:
    from handraster.scene.skin_tone import nail_tone, palm_tone, sample_skin_tone
    back = sample_skin_tone(rng, 1, tone_ita_range(cfg.skin_tone_range))[0]
    return dict(back=back, palm=palm_tone(back), nail=nail_tone(back),
                blotch_amp=rng.uniform(*cfg.blotch_amp), blotch_freq=rng.uniform(15, 40),
                noise_seed=float(rng.integers(0, 1 << 20)), roughness=rng.uniform(*cfg.skin_roughness),
                spec=rng.uniform(0.3, 0.8), wrap=rng.uniform(0.2, 0.5), crease=rng.uniform(*cfg.crease),
                sss_tint=np.array([0.9, 0.45, 0.35]) * rng.uniform(0.7, 1.0))


def skin_pool(cfg) -> list:
    """The fixed pool of SKIN_POOL_SIZE skin parameter sets (tone, blotches, noise seed, crease,
    ...) drawn from SKIN_POOL_SEED with cfg's ranges; the same for every seed, so a diversity
    fraction always means the same textures (the gap paper's 5/25/50 % texture-pool ablation)."""
    key = (tuple(cfg.skin_tone_range), tuple(cfg.blotch_amp), tuple(cfg.skin_roughness), tuple(cfg.crease))
    if key not in _skin_pools:
        rng = np.random.default_rng(SKIN_POOL_SEED)
        _skin_pools[key] = [_draw_skin(rng, cfg) for _ in range(SKIN_POOL_SIZE)]
    return _skin_pools[key]


def sample_skin(rng: np.random.Generator, cfg) -> dict:
    """Skin appearance parameters (linear RGB albedos). skin_diversity 1: drawn afresh per
    scene (continuous); < 1: one of the first ceil(diversity * SKIN_POOL_SIZE) sets of the
    fixed skin_pool (5 % -> 10 skins)."""
    if cfg.skin_diversity >= 1.0:
        return _draw_skin(rng, cfg)
    n = max(1, int(np.ceil(cfg.skin_diversity * SKIN_POOL_SIZE)))
    k = int(rng.integers(n))
    return dict(skin_pool(cfg)[k], pool_id=k)


def _random_albedo(rng):
    h = rng.random()
    rgb = np.clip(np.abs((h * 6 + np.array([0, 4, 2])) % 6 - 3) - 1, 0, 1)
    sat, val = rng.uniform(0.1, 0.9), rng.uniform(0.08, 0.85)
    return ((1 - sat) + sat * rgb) * val


def sample_betas(rng: np.random.Generator, cfg) -> np.ndarray:
    """betas [10] float32 from shape_dist (normal std / uniform half-width shape_std, or zero),
    clipped to [-shape_clip, shape_clip]."""
    if cfg.shape_dist == "zero":
        return np.zeros(10, np.float32)
    if cfg.shape_dist == "uniform":
        b = rng.uniform(-cfg.shape_std, cfg.shape_std, size=10)
    else:
        b = rng.normal(size=10) * cfg.shape_std
    return np.clip(b, -cfg.shape_clip, cfg.shape_clip).astype(np.float32)


def sample_scene(cfg, seed: int, scene: int, poses, n_objects: int, n_textures: int = 0) -> dict:
    """Scene-level parameters of one scene (shared by its views). poses: a ScenePoses;
    n_textures: usable skin textures (0: procedural skin only). With textures a scene's skin is
    textured always (skin_procedural False) or with probability 0.5; skin["texture"] is the
    texture id or -1."""
    rng = np.random.default_rng([seed, scene])
    right = bool(rng.random() < cfg.right_ratio)
    drawn = poses.draw(rng, scene)
    hand_pose = drawn["hand_pose"]
    betas = sample_betas(rng, cfg)
    if drawn["betas"] is not None:
        betas = drawn["betas"]
    if drawn["was_left"] is not None and cfg.pose_file_order == "sequential":
        right = not drawn["was_left"]  # dataset-matched: the entry's own side
    skin = sample_skin(rng, cfg)
    if n_textures:
        textured = (not cfg.skin_procedural) or rng.random() < 0.5
        skin = dict(skin, texture=int(rng.integers(n_textures)) if textured else -1)
    sleeve = bool(cfg.forearm and rng.random() < cfg.sleeve_prob)
    forearm = dict(enabled=cfg.forearm, sleeve=sleeve,
                   length=float(rng.uniform(*cfg.forearm_length)) if cfg.forearm else 0.0,
                   color_a=_random_albedo(rng), color_b=_random_albedo(rng),
                   pattern=int(rng.integers(0, 3)), freq=float(rng.uniform(20, 80)),
                   mean_color=bool(rng.random() < cfg.forearm_mean_color_prob))
    obj = None
    if n_objects and rng.random() < cfg.object_prob:
        obj = dict(kind=int(rng.integers(n_objects)), size=float(rng.uniform(*cfg.object_size)),
                   rot=random_rotation(rng), toward_camera=float(rng.uniform(0.15, 0.6)),
                   offset=rng.normal(size=3) * 0.02, color_a=_random_albedo(rng),
                   color_b=_random_albedo(rng), pattern=int(rng.integers(0, 4)),
                   freq=float(rng.uniform(2, 10)), roughness=float(rng.uniform(0.2, 0.9)),
                   random_color=bool(rng.random() < cfg.object_random_color_prob))
    go = random_rotation(rng)
    if drawn["global_orient"] is not None:
        go = drawn["global_orient"].astype(np.float32)
    return dict(right=right, hand_pose=hand_pose.astype(np.float32), betas=betas,
                global_orient=go, skin=skin, forearm=forearm, object=obj,
                light_seed=int(rng.integers(0, 2 ** 31)), pose_entry=drawn["entry"])


def _camera_draws(rng: np.random.Generator, cfg, scene: int):
    """(K, distance, direction) of one view: the first draws of its generator."""
    H, W = cfg.resolution
    if cfg.camera == "dataset":
        Ks = np.asarray(cfg.dataset_K, np.float32).reshape(-1, 3, 3)
        k = int(rng.integers(len(Ks)))
        if cfg.pose_file_order == "sequential":
            k = scene % len(Ks)  # dataset-matched: K of entry s with the pose of entry s
        K = Ks[k].copy()
    else:
        K = cam.intrinsics_from_fov(rng.uniform(*cfg.fov_deg), W, H)
    dist = cam.sample_anyhand_distance(rng, cfg.distance_means, cfg.distance_std,
                                       weights=cfg.distance_weights)
    return K, dist, cam.random_direction(rng)


def sample_view(cfg, seed: int, scene: int, view: int, hand_points: np.ndarray, assets) -> dict:
    """Camera, lights and background of one view. hand_points [N, 3] world points (the
    hand's vertices) that must stay in frame. Views after the first look from within
    view_spread_deg of the first view's direction (uniform on that spherical cap)."""
    rng = np.random.default_rng([seed, scene, 1 + view])
    H, W = cfg.resolution
    K, dist, direction = _camera_draws(rng, cfg, scene)
    if view > 0 and cfg.view_spread_deg < 180.0:
        d0 = _camera_draws(np.random.default_rng([seed, scene, 1]), cfg, scene)[2]
        direction = cam.direction_in_cap(rng, d0, np.radians(cfg.view_spread_deg))
    centre = hand_points.mean(0)
    up = cam.random_direction(rng)
    roll = rng.uniform(-np.pi, np.pi)
    E = cam.look_at(centre + direction * dist, centre, up, roll)
    for _ in range(3):  # keep the hand in frame: back the camera off along its axis
        pc = hand_points @ E[:3, :3].T + E[:3, 3]
        s = cam.frame_hand(pc, K, W, H)
        if s <= 1.0:
            break
        dist *= s * 1.02
        E = cam.look_at(centre + direction * dist, centre, up, roll)
    # move the hand off-centre by a random share of the free margin (shift the principal point
    # of the framing, i.e. translate the camera sideways)
    pc = hand_points @ E[:3, :3].T + E[:3, 3]
    u = K[0, 0] * pc[:, 0] / pc[:, 2] + K[0, 2]
    v = K[1, 1] * pc[:, 1] / pc[:, 2] + K[1, 2]
    free_u = (max(0.0, u.min()), max(0.0, W - 1 - u.max()))
    free_v = (max(0.0, v.min()), max(0.0, H - 1 - v.max()))
    du = rng.uniform(-free_u[0], free_u[1]) * cfg.center_jitter
    dv = rng.uniform(-free_v[0], free_v[1]) * cfg.center_jitter
    zc = (centre @ E[:3, :3].T + E[:3, 3])[2]
    E[0, 3] += du * zc / K[0, 0]
    E[1, 3] += dv * zc / K[1, 1]
    target_cam = centre @ E[:3, :3].T + E[:3, 3]
    lights, n_lights, ambient_light = sample_lights(rng, cfg, target_cam)
    bg = assets.sample_background(rng, (H, W), E)
    return dict(K=K.astype(np.float32), extrinsics=E.astype(np.float32), lights=lights,
                n_lights=n_lights, exposure=float(rng.uniform(*cfg.exposure)),
                ambient=float(rng.uniform(*cfg.ambient)), background=bg, ambient_light=ambient_light)


__all__ = ["sample_scene", "sample_view", "random_rotation", "light_color"]
