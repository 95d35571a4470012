"""View-level parameters (camera, lights, background) of a batch of samples, vectorised over
the batch. View v of scene s draws from its own counter-based stream RowDraws(seed, s,
VIEW_STREAM + v) (scene/draws.py): sample i = s * views + v is a pure function of
(config, seed, i) whatever else is in the batch."""
from __future__ import annotations

import numpy as np

from handraster.scene import camera as cam
from handraster.scene.draws import VIEW_STREAM, RowDraws
from handraster.scene.lighting import sample_lights


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
    rng = RowDraws(seed, scenes, VIEW_STREAM + views)
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
