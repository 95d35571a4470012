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


def _cross(a, b):
    """3-vector cross product (np.cross is slow for single vectors)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


def look_at(eye: np.ndarray, target: np.ndarray, up_hint: np.ndarray, roll: float = 0.0) -> np.ndarray:
    """World -> camera 4x4 (float64) for a camera at `eye` looking at `target`.

    The camera's z axis points at the target; its y axis (image down) is as close as possible
    to -up_hint; `roll` (radians) then rotates the image about the optical axis."""
    z = np.asarray(target, np.float64) - np.asarray(eye, np.float64)
    z /= np.sqrt(z @ z)
    down = -np.asarray(up_hint, np.float64)
    x = _cross(down, z)
    if x @ x < 1e-12:  # looking along the up hint: pick any perpendicular
        x = _cross(np.array([1.0, 0.0, 0.0] if abs(z[0]) < 0.9 else [0.0, 1.0, 0.0]), z)
    x /= np.sqrt(x @ x)
    y = _cross(z, x)
    c, s = np.cos(roll), np.sin(roll)
    x, y = c * x + s * y, -s * x + c * y
    R = np.stack([x, y, z])  # rows: camera axes in world coordinates
    E = np.eye(4)
    E[:3, :3] = R
    E[:3, 3] = -R @ np.asarray(eye, np.float64)
    return E


def random_direction(rng: np.random.Generator) -> np.ndarray:
    """Uniform unit vector on the sphere."""
    v = rng.normal(size=3)
    return v / np.linalg.norm(v)


def sample_anyhand_distance(rng: np.random.Generator, means=(0.6, 0.7, 1.0), std=0.1,
                            lo: float = 0.25, weights=None) -> float:
    """AnyHand's hand-camera distance: a mixture of normals (equal weights unless `weights`,
    one non-negative weight per mean), clipped below."""
    if weights is None:
        k = rng.integers(len(means))
    else:
        w = np.asarray(weights, np.float64)
        k = rng.choice(len(means), p=w / w.sum())
    return float(max(lo, rng.normal(means[k], std)))


def direction_in_cap(rng: np.random.Generator, axis: np.ndarray, max_angle: float) -> np.ndarray:
    """Unit vector uniform on the spherical cap of angular radius `max_angle` (radians) around
    the unit vector `axis` (cos of the angle uniform in [cos max_angle, 1])."""
    a = np.asarray(axis, np.float64)
    a = a / np.linalg.norm(a)
    cos_t = rng.uniform(np.cos(max_angle), 1.0)
    phi = rng.uniform(0, 2 * np.pi)
    tmp = np.array([1.0, 0.0, 0.0]) if abs(a[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = _cross(a, tmp)
    u /= np.linalg.norm(u)
    v = _cross(a, u)
    sin_t = np.sqrt(max(0.0, 1 - cos_t * cos_t))
    return cos_t * a + sin_t * (np.cos(phi) * u + np.sin(phi) * v)


def frame_hand(points_cam: np.ndarray, K: np.ndarray, width: int, height: int,
               margin: float = 0.06) -> float:
    """Smallest factor (>= 1) by which to push the camera back along its axis so that all
    `points_cam` [N, 3] project inside the image with a `margin` (fraction of the size)."""
    z = points_cam[:, 2]
    if np.any(z <= 1e-3):
        return 2.0
    u = K[0, 0] * points_cam[:, 0] / z + K[0, 2]
    v = K[1, 1] * points_cam[:, 1] / z + K[1, 2]
    lo_u, hi_u = margin * width, (1 - margin) * width
    lo_v, hi_v = margin * height, (1 - margin) * height
    su = max(np.max((u - K[0, 2]) / (hi_u - K[0, 2])), np.max((u - K[0, 2]) / (lo_u - K[0, 2])))
    sv = max(np.max((v - K[1, 2]) / (hi_v - K[1, 2])), np.max((v - K[1, 2]) / (lo_v - K[1, 2])))
    return float(max(1.0, su, sv))
