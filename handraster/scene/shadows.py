"""Key-light shadow maps (issue 5: fingers on the palm, hand on the object).

For each sample the strongest light (largest irradiance at the hand's centre) is the key
light. The scene's triangles (hand, the visible part of the forearm, the sample's object) are
rasterized from that light with the ordinary rasterizer into an S x S map: orthographic along
the direction of a directional light, perspective from a point/spot light, the frustum fitted
to the scene's vertices. The shade op (csrc/kernels/shadow.h) looks receivers up in the map
(slope-scaled bias, 3x3 bilinear PCF) and scales the key light's direct diffuse + specular by
the visibility. Everything is batched over B; nothing runs per pixel in Python.

Layout of the per-sample parameters: csrc/kernels/shadow.h (ShadowParam), float32 [B, 24].
"""
from __future__ import annotations

import numpy as np

N_SHADOW_PARAMS = 24
BIAS_TEXELS = 1.0      # constant depth bias, shadow-map texels
SLOPE_TEXELS = 2.0     # slope-scaled bias, texels per unit tan(incidence): covers the PCF footprint
_LUMA = np.array([0.2126, 0.7152, 0.0722])
_MAX_TAN = 4.0         # perspective maps cover at most +-76 degrees around the light's axis


def key_lights(lights: np.ndarray, nlights: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """int32 [B]: index of each sample's strongest light (luminance of its irradiance at
    `centre`, [B, 3] camera frame, m). lights [B, 5, 12] (shade_common.h LightParam)."""
    B = len(lights)
    L = lights.astype(np.float64)
    E = L[..., 1:4] @ _LUMA                                           # [B, 5]
    d = L[..., 4:7] - centre[:, None, :]
    d2 = np.maximum((d * d).sum(-1), 0.01)
    l = d / np.sqrt(np.maximum(d2, 1e-12))[..., None]
    cs = -(l * L[..., 7:10]).sum(-1)
    t = np.clip((cs - L[..., 10]) / (L[..., 11] - L[..., 10] + 1e-6), 0, 1)
    spot = t * t * (3 - 2 * t)
    kind = L[..., 0].astype(np.int64)
    E = np.where(kind == 0, E, E / d2 * np.where(kind == 2, spot, 1.0))
    E[np.arange(5)[None, :] >= nlights[:, None]] = -1.0
    return np.argmax(E, axis=1).astype(np.int32) if B else np.zeros(0, np.int32)


def _basis(w: np.ndarray) -> np.ndarray:
    """[B, 3, 3] rows u, v, w: a right-handed orthonormal frame with third axis w ([B, 3] unit)."""
    a = np.where(np.abs(w[:, 1:2]) < 0.9, [[0.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]])
    u = np.cross(a, w)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return np.stack([u, np.cross(w, u), w], 1)


def light_projection(lights, key, p_cam, vmask, anchor, S: int) -> np.ndarray:
    """float32 [B, 24] shadow parameters (shadow.h): the key light's view/projection fitted to
    the camera-frame points p_cam [B, V, 3] (m) where vmask [B, V] (bool) is set; anchor
    [B, 3] is a point inside each scene (the hand's centre). A sample whose points all lie
    behind its point/spot light gets key -1 (no shadows)."""
    B = len(p_cam)
    L = lights[np.arange(B), key].astype(np.float64)                  # [B, 12]
    persp = L[:, 0] > 0.5
    P = np.ascontiguousarray(p_cam.transpose(0, 2, 1), np.float32)   # [B, 3, V]: fast reductions
    np.copyto(P, anchor[:, :, None].astype(np.float32), where=~vmask[:, None, :])  # excluded -> inside
    lo, hi = P.min(2).astype(np.float64), P.max(2).astype(np.float64)
    origin = np.where(persp[:, None], L[:, 4:7], 0.0)
    w = np.where(persp[:, None], (lo + hi) / 2 - L[:, 4:7], L[:, 7:10])
    w /= np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)
    R = _basis(w)                                                     # light view: q = R (p - origin)
    q = np.matmul(R.astype(np.float32), P - origin[:, :, None].astype(np.float32))   # [B, 3, V]
    z = q[:, 2]
    zmin, zmax = z.min(1).astype(np.float64), z.max(1).astype(np.float64)
    valid = ~persp | (zmax > 1e-3)
    zs = np.where(persp[:, None], np.maximum(z, 1e-3), np.float32(1))  # points behind the light: clipped
    s = q[:, :2] / zs[:, None, :]                                     # tan units (persp) or metres
    smin, smax = s.min(2).astype(np.float64), s.max(2).astype(np.float64)
    c = (smin + smax) / 2
    h = np.maximum((smax - smin).max(1) / 2, 1e-4) * (1 + 4.0 / S)  # keep a 2-texel border
    c = np.where(persp[:, None], np.clip(c, -_MAX_TAN, _MAX_TAN), c)
    h = np.where(persp, np.minimum(h, _MAX_TAN), h)
    zmin = np.where(persp, np.maximum(zmin, 1e-3), zmin)
    margin = 0.005 + 0.02 * (zmax - zmin)
    near = np.where(persp, np.maximum(zmin - margin, zmin * 0.5), zmin - margin)
    far = np.maximum(zmax, near + 1e-3) + margin
    t = -np.einsum("bij,bj->bi", R, origin)                           # q = R p + t
    A = np.where(persp, (far + near) / (far - near), 2 / (far - near))
    Bz = np.where(persp, -2 * far * near / (far - near), -(far + near) / (far - near))
    k = persp.astype(np.float64)
    M = np.zeros((B, 4, 4))
    for row in range(2):
        # perspective: (q_xy - c q_z) / h over w = q_z;  orthographic: (q_xy - c) / h over w = 1
        M[:, row, :3] = (R[:, row] - (k * c[:, row])[:, None] * R[:, 2]) / h[:, None]
        M[:, row, 3] = (t[:, row] - k * c[:, row] * t[:, 2] - (1 - k) * c[:, row]) / h
    M[:, 2, :3] = A[:, None] * R[:, 2]
    M[:, 2, 3] = A * t[:, 2] + Bz
    M[:, 3, :3] = k[:, None] * R[:, 2]
    M[:, 3, 3] = np.where(persp, t[:, 2], 1.0)
    out = np.zeros((B, N_SHADOW_PARAMS), np.float64)
    out[:, 0:16] = M.reshape(B, 16)
    out[:, 16] = np.where(valid, key, -1)
    out[:, 17] = k
    out[:, 18], out[:, 19] = near, far
    out[:, 20] = (1 - k) * 2 * h / S
    out[:, 21] = k * 2 * h / S
    out[:, 22], out[:, 23] = BIAS_TEXELS, SLOPE_TEXELS
    return out.astype(np.float32)


def shadow_pass(p_cam, faces, face_keep, vmask, lights, nlights, anchor, S: int):
    """(shadow_map float32 [B, S, S]: the nearest light-clip z/w per texel, +inf where nothing
    is drawn, row 0 at the bottom (rasterize_depth); params [B, 24]).

    p_cam [B, V, 3] camera-frame vertices (m); faces int32 [T, 3]; face_keep bool [B, T]: the
    triangles that cast shadows in each sample; vmask bool [B, V]: the vertices the light's
    frustum must contain (at least those of the kept faces); lights [B, 5, 12], nlights [B];
    anchor [B, 3]: the hand's centre, where the key light is chosen."""
    from handraster.raster import rasterize_depth
    key = key_lights(lights, nlights, anchor)
    params = light_projection(lights, key, p_cam, vmask, anchor, S)
    M = params[:, :16].reshape(-1, 4, 4)
    clip = np.matmul(p_cam, M[:, :, :3].transpose(0, 2, 1))         # [B, V, 4] light clip space
    clip += M[:, None, :, 3]
    smap = rasterize_depth(np.ascontiguousarray(clip, np.float32), faces, (S, S), mask=face_keep)
    return smap, params
