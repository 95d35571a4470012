"""Order-2 (9-coefficient) real spherical harmonics for irradiance lighting
(Ramamoorthi & Hanrahan 2001, "An Efficient Representation for Irradiance Environment Maps").

Basis (the standard real SH, orthonormal on the unit sphere; d = (x, y, z) a unit vector in
whatever frame the coefficients live in - env world frame or camera frame):

    k  (l, m)   Y_k(d)
    0  (0,  0)  0.282095                      = 1/(2 sqrt(pi))
    1  (1, -1)  0.488603 * y                  = sqrt(3/(4 pi)) y
    2  (1,  0)  0.488603 * z
    3  (1,  1)  0.488603 * x
    4  (2, -2)  1.092548 * x*y                = sqrt(15/(4 pi)) x y
    5  (2, -1)  1.092548 * y*z
    6  (2,  0)  0.315392 * (3 z^2 - 1)        = sqrt(5/(16 pi)) (3 z^2 - 1)
    7  (2,  1)  1.092548 * x*z
    8  (2,  2)  0.546274 * (x^2 - y^2)        = sqrt(15/(16 pi)) (x^2 - y^2)

Radiance coefficients L_k = integral L(d) Y_k(d) dw. Irradiance coefficients E_k = A_l L_k with
the clamped-cosine factors A_0 = pi, A_1 = 2 pi/3, A_2 = pi/4, so that the irradiance on a
surface with unit normal n is E(n) = sum_k E_k Y_k(n) (W/m^2 if L is W/(m^2 sr); a Lambertian
surface of albedo rho then has outgoing radiance rho * E(n) / pi). Constant L gives E = pi L.
"""
from __future__ import annotations

import numpy as np

SH_C = (0.28209479177387814, 0.4886025119029199, 1.0925484305920792, 0.31539156525252005,
        0.5462742152960396)
# A_l per coefficient: the clamped-cosine lobe's SH convolution factors.
COSINE_LOBE = np.array([np.pi] + [2 * np.pi / 3] * 3 + [np.pi / 4] * 5, np.float64)


def sh9_basis(dirs) -> np.ndarray:
    """Real SH basis at unit directions: dirs float [..., 3] -> float [..., 9] (order above).
    Same float dtype as the input (float32 stays float32)."""
    d = np.asarray(dirs)
    if d.shape[-1] != 3:
        raise ValueError(f"sh9_basis: dirs must be [..., 3], got {d.shape}")
    if d.dtype not in (np.float32, np.float64):
        d = d.astype(np.float64)
    x, y, z = d[..., 0], d[..., 1], d[..., 2]
    c0, c1, c2, c3, c4 = (d.dtype.type(c) for c in SH_C)
    return np.stack([np.full_like(x, c0), c1 * y, c1 * z, c1 * x, c2 * x * y, c2 * y * z,
                     c3 * (3 * z * z - 1), c2 * x * z, c4 * (x * x - y * y)], axis=-1)


def project_radiance_sh(dirs, radiance, solid_angle) -> np.ndarray:
    """Radiance SH L_k = sum_i Y_k(d_i) L_i w_i: dirs [N, 3], radiance [N, C], solid_angle [N]
    (steradians; they should sum to 4 pi) -> float64 [9, C]."""
    Y = sh9_basis(np.asarray(dirs, np.float64).reshape(-1, 3))
    L = np.asarray(radiance, np.float64).reshape(len(Y), -1)
    w = np.asarray(solid_angle, np.float64).reshape(-1, 1)
    return Y.T @ (L * w)


def irradiance_from_radiance_sh(L_sh) -> np.ndarray:
    """Convolve radiance SH [9, C] with the clamped cosine -> irradiance SH [9, C]."""
    return np.asarray(L_sh) * COSINE_LOBE[:, None]


def irradiance_from_sh(E_sh, normals) -> np.ndarray:
    """E(n) = sum_k E_sh[k] Y_k(n): E_sh [9, C], normals [..., 3] (unit) -> [..., C]."""
    return sh9_basis(normals) @ np.asarray(E_sh)


def _fibonacci_sphere(n: int) -> np.ndarray:
    i = np.arange(n) + 0.5
    y = 1 - 2 * i / n
    r = np.sqrt(1 - y * y)
    phi = np.pi * (3 - np.sqrt(5)) * i
    return np.stack([r * np.cos(phi), y, r * np.sin(phi)], axis=1)


_FIT_DIRS = _fibonacci_sphere(64)
_FIT_PINV = np.linalg.pinv(sh9_basis(_FIT_DIRS))


def rotate_sh9(sh, R) -> np.ndarray:
    """Coefficients of the rotated function g(d) = f(R^T d), i.e. the lighting expressed in a
    frame whose directions are d' = R d (R: 3x3 rotation, e.g. world->camera). Works on [9, C]
    or [..., 9, C]; exact (each SH band is closed under rotation), done by refitting on 64
    directions. Same dtype as sh."""
    sh = np.asarray(sh)
    R = np.asarray(R, np.float64)
    M = _FIT_PINV @ sh9_basis(_FIT_DIRS @ R)  # [9, 9]: g's coefficients from f's
    return np.einsum("ij,...jc->...ic", M, sh).astype(sh.dtype)
