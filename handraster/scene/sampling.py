"""Per-sample scene parameters. Sample i is a pure function of (config, seed, i): the scene
(hand, pose, shape, skin, lights, object) comes from Generator([seed, scene]) and the view
(camera, background crop) from Generator([seed, scene, 1 + view]), scene = i // views."""
from __future__ import annotations

import numpy as np

from handraster.scene import camera as cam
from handraster.scene.lighting import constant_sh, light_color, sample_lights


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """Axis-angle [3] of a rotation uniform on SO(3) (from a uniform unit quaternion)."""
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    if q[0] < 0:
        q = -q
    angle = 2 * np.arccos(np.clip(q[0], -1, 1))
    s = np.linalg.norm(q[1:])
    return (q[1:] / s * angle if s > 1e-9 else np.zeros(3)).astype(np.float32)


def sample_skin(rng: np.random.Generator, cfg) -> dict:
    """Skin appearance parameters (linear RGB albedos)."""
    from handraster.scene.skin_tone import nail_tone, palm_tone, sample_skin_tone
    back = sample_skin_tone(rng, 1)[0]
    return dict(back=back, palm=palm_tone(back), nail=nail_tone(back),
                blotch_amp=rng.uniform(*cfg.blotch_amp), blotch_freq=rng.uniform(15, 40),
                noise_seed=float(rng.integers(0, 1 << 20)), roughness=rng.uniform(*cfg.skin_roughness),
                spec=rng.uniform(0.3, 0.8), wrap=rng.uniform(0.2, 0.5), crease=rng.uniform(*cfg.crease),
                sss_tint=np.array([0.9, 0.45, 0.35]) * rng.uniform(0.7, 1.0))


def _random_albedo(rng):
    h = rng.random()
    rgb = np.clip(np.abs((h * 6 + np.array([0, 4, 2])) % 6 - 3) - 1, 0, 1)
    sat, val = rng.uniform(0.1, 0.9), rng.uniform(0.08, 0.85)
    return ((1 - sat) + sat * rgb) * val


def sample_scene(cfg, seed: int, scene: int, pose_sampler, n_objects: int) -> dict:
    """Scene-level parameters of one scene (shared by its views)."""
    rng = np.random.default_rng([seed, scene])
    right = bool(rng.random() < cfg.right_ratio)
    hand_pose = pose_sampler(rng)
    betas = (rng.normal(size=10) * cfg.shape_std).astype(np.float32)
    skin = sample_skin(rng, cfg)
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
    return dict(right=right, hand_pose=hand_pose.astype(np.float32), betas=betas,
                global_orient=random_rotation(rng), skin=skin, forearm=forearm, object=obj,
                light_seed=int(rng.integers(0, 2 ** 31)))


def sample_view(cfg, seed: int, scene: int, view: int, hand_points: np.ndarray, assets) -> dict:
    """Camera, lights and background of one view. hand_points [N, 3] world points (the
    hand's vertices) that must stay in frame."""
    rng = np.random.default_rng([seed, scene, 1 + view])
    H, W = cfg.resolution
    if cfg.camera == "dataset":
        Ks = np.asarray(cfg.dataset_K, np.float32).reshape(-1, 3, 3)
        K = Ks[rng.integers(len(Ks))].copy()
    else:
        K = cam.intrinsics_from_fov(rng.uniform(*cfg.fov_deg), W, H)
    centre = hand_points.mean(0)
    dist = cam.sample_anyhand_distance(rng, cfg.distance_means, cfg.distance_std)
    direction = cam.random_direction(rng)
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
    lights, n_lights = sample_lights(rng, cfg, target_cam)
    bg = assets.sample_background(rng, (H, W), E)
    return dict(K=K.astype(np.float32), extrinsics=E.astype(np.float32), lights=lights,
                n_lights=n_lights, exposure=float(rng.uniform(*cfg.exposure)),
                ambient=float(rng.uniform(*cfg.ambient)), background=bg)


def fallback_ambient(mean_srgb: np.ndarray) -> np.ndarray:
    lin = (np.asarray(mean_srgb, np.float64) / 255.0) ** 2.2
    return constant_sh(lin)


__all__ = ["sample_scene", "sample_view", "random_rotation", "light_color"]
