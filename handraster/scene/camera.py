"""Cameras: pinhole intrinsics, look-at extrinsics and the samplers of the two papers.

Conventions (DESIGN.md): OpenCV camera (x right, y down, z forward), K is 3x3 in pixels with
integer coordinates at pixel centres, extrinsics are world -> camera 4x4, metres.
"""
from __future__ import annotations

import numpy as np


def intrinsics_from_fov(fov_deg: float, width: int, height: int) -> np.ndarray:
    """K [3, 3] float32 for a horizontal field of view (degrees) and a centred principal point."""
    if not 0.0 < fov_deg < 180.0:
        raise ValueError(f"fov_deg must be in (0, 180), got {fov_deg}")
    f = 0.5 * width / np.tan(np.radians(fov_deg) / 2)
    return np.array([[f, 0, (width - 1) / 2], [0, f, (height - 1) / 2], [0, 0, 1]], np.float32)


def focal_mm(K: np.ndarray, width: int, sensor_mm: float = 36.0) -> float:
    """Focal length in mm on a `sensor_mm`-wide sensor (Blender's default 36 mm):
    f_mm = f_px * sensor_mm / width."""
    return float(K[0, 0]) * sensor_mm / width


def intrinsics_from_fovs(fov_deg, width: int, height: int) -> np.ndarray:
    """K float32 [n, 3, 3] for horizontal fields of view fov_deg [n] (degrees), centred
    principal points (intrinsics_from_fov for a batch)."""
    f = 0.5 * width / np.tan(np.radians(np.asarray(fov_deg, np.float64)) / 2)
    K = np.zeros((len(f), 3, 3), np.float32)
    K[:, 0, 0] = K[:, 1, 1] = f
    K[:, 0, 2], K[:, 1, 2], K[:, 2, 2] = (width - 1) / 2, (height - 1) / 2, 1.0
    return K


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def look_at(eye, target, up_hint, roll=0.0) -> np.ndarray:
    """World -> camera 4x4 (float64) for cameras at `eye` looking at `target` ([..., 3] each;
    roll [...] radians): [..., 4, 4].

    The camera's z axis points at the target; its y axis (image down) is as close as possible
    to -up_hint; `roll` then rotates the image about the optical axis."""
    eye = np.asarray(eye, np.float64)
    z = _unit(np.asarray(target, np.float64) - eye)
    x = np.cross(-np.asarray(up_hint, np.float64), z)
    # looking along the up hint: pick any perpendicular
    alt = np.where((np.abs(z[..., :1]) < 0.9), [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    x = np.where((np.sum(x * x, -1) < 1e-12)[..., None], np.cross(alt, z), x)
    x = _unit(x)
    y = np.cross(z, x)
    c, s = np.cos(roll)[..., None], np.sin(roll)[..., None]
    x, y = c * x + s * y, -s * x + c * y
    R = np.stack([x, y, z], -2)  # rows: camera axes in world coordinates
    E = np.zeros(R.shape[:-2] + (4, 4))
    E[..., :3, :3] = R
    E[..., :3, 3] = -np.einsum("...ij,...j->...i", R, eye)
    E[..., 3, 3] = 1.0
    return E


def random_direction(rng, n: int) -> np.ndarray:
    """n unit vectors uniform on the sphere, float64 [n, 3]."""
    return _unit(rng.normal(size=(n, 3)))


def sample_anyhand_distance(rng, n: int, means=(0.6, 0.7, 1.0), std=0.1, lo: float = 0.25,
                            weights=None) -> np.ndarray:
    """n AnyHand hand-camera distances float64 [n]: a mixture of normals (equal weights unless
    `weights`, one non-negative weight per mean), clipped below."""
    k = rng.choice(len(means), size=n, p=None if weights is None else np.asarray(weights, np.float64)
                   / np.sum(weights))
    return np.maximum(lo, np.asarray(means, np.float64)[k] + std * rng.normal(size=n))


def direction_in_cap(rng, axis, max_angle: float) -> np.ndarray:
    """Unit vectors float64 [n, 3] uniform on the spherical caps of angular radius `max_angle`
    (radians) around the unit vectors axis [n, 3] (cos of the angle uniform in
    [cos max_angle, 1])."""
    a = _unit(np.asarray(axis, np.float64))
    n = len(a)
    cos_t = rng.uniform(np.cos(max_angle), 1.0, size=n)[:, None]
    phi = rng.uniform(0, 2 * np.pi, size=n)[:, None]
    tmp = np.where(np.abs(a[:, :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    u = _unit(np.cross(a, tmp))
    v = np.cross(a, u)
    sin_t = np.sqrt(np.maximum(0.0, 1 - cos_t * cos_t))
    return cos_t * a + sin_t * (np.cos(phi) * u + np.sin(phi) * v)


def project(points_cam, K):
    """Pixel coordinates (u, v), each [n, N], of camera-frame points [n, N, 3] (K [n, 3, 3])."""
    z = points_cam[..., 2]
    u = K[:, 0, 0, None] * points_cam[..., 0] / z + K[:, 0, 2, None]
    v = K[:, 1, 1, None] * points_cam[..., 1] / z + K[:, 1, 2, None]
    return u, v


def frame_hand(points_cam, K, width: int, height: int, margin: float = 0.06) -> np.ndarray:
    """Smallest factors float64 [n] (>= 1) by which to push each camera back along its axis so
    that all its `points_cam` [n, N, 3] project inside the image with a `margin` (fraction of
    the size); 2 where a point lies at or behind the camera."""
    u, v = project(points_cam, K)
    cx, cy = K[:, 0, 2, None], K[:, 1, 2, None]
    lo_u, hi_u = margin * width, (1 - margin) * width
    lo_v, hi_v = margin * height, (1 - margin) * height
    su = np.maximum(((u - cx) / (hi_u - cx)).max(1), ((u - cx) / (lo_u - cx)).max(1))
    sv = np.maximum(((v - cy) / (hi_v - cy)).max(1), ((v - cy) / (lo_v - cy)).max(1))
    s = np.maximum(1.0, np.maximum(su, sv))
    return np.where((points_cam[..., 2] <= 1e-3).any(1), 2.0, s)
