"""Light and exposure sampling (camera frame) for the shade kernel's light layout
(csrc/kernels/shade_common.h: LightParam)."""
from __future__ import annotations

import numpy as np

N_LIGHT_PARAMS = 12
MAX_LIGHTS = 5


def kelvin_to_rgb(t) -> np.ndarray:
    """Approximate linear RGB [..., 3] of black bodies at `t` [...] Kelvin, normalised to max 1
    (a fit to the CIE 1931 colours of the Planckian locus, 1,000-40,000 K, after Tanner Helland)."""
    t = np.asarray(t, np.float64) / 100.0
    hot = t > 66
    th = np.maximum(t - 60, 1e-9)  # only used where t > 66
    r = np.where(hot, np.clip(329.698727446 * th ** -0.1332047592 / 255, 0, 1), 1.0)
    g = np.where(hot, np.clip(288.1221695283 * th ** -0.0755148492 / 255, 0, 1),
                 np.clip((99.4708025861 * np.log(t) - 161.1195681661) / 255, 0, 1))
    b = np.where(t >= 66, 1.0, np.where(t <= 19, 0.0, np.clip(
        (138.5177312231 * np.log(np.maximum(t - 10, 1e-9)) - 305.0447927307) / 255, 0, 1)))
    rgb = np.stack([r, g, b], -1) ** 2.2  # the fit is in sRGB-like units
    return rgb / rgb.max(-1, keepdims=True)


def light_color(rng, vivid_prob: float, size) -> np.ndarray:
    """Light colours [*size, 3]: near-white (2,700-7,500 K) or, with probability vivid_prob, a
    saturated random hue."""
    u = rng.random(tuple(size) + (3,))
    rgb = np.clip(np.abs((u[..., 1:2] * 6 + np.array([0, 4, 2])) % 6 - 3) - 1, 0, 1)
    vivid = 0.25 + 0.75 * rgb
    vivid = vivid / vivid.max(-1, keepdims=True)
    return np.where((u[..., 0] < vivid_prob)[..., None], vivid, kelvin_to_rgb(2700 + 4800 * u[..., 2]))


_TYPE_P = {"directional": 0.5, "point": 0.3, "spot": 0.2, "ambient": 0.15}
_KIND = {"directional": 0, "point": 1, "spot": 2, "ambient": 3}


def sample_lights(rng, cfg, target_cam):
    """Lights of n views in their camera frames around the hand at target_cam [n, 3]:
    (lights float32 [n, 5, 12], count int32 [n], ambient_rgb float32 [n, 3]).

    1-5 lights of cfg.light_types: directional (weight 0.5), point (0.3), spot (0.2), ambient
    (0.15), renormalised over the allowed types; each comes from the camera's side of the hand
    more often than from behind it (a key light from behind leaves a dark hand). An ambient
    light is no kernel light: its colour (its irradiance share, linear RGB) is added to
    ambient_rgb and to the view's SH ambient as a uniform environment of radiance
    ambient_rgb / pi (so it gives the irradiance a directional light of that colour gives a
    surface facing it); `count` counts kernel lights only, packed first. Every view draws all
    MAX_LIGHTS lights (a fixed slot layout per row, scene/draws.py) and keeps the first n_k."""
    from handraster.scene.draws import gamma15
    target_cam = np.asarray(target_cam, np.float64)
    n, M = len(target_cam), MAX_LIGHTS
    n_k = rng.integers(cfg.lights[0], cfg.lights[1] + 1, size=n)
    types = [t for t in ("directional", "point", "spot", "ambient") if t in cfg.light_types]
    kinds = np.array([_KIND[t] for t in types])
    tp = np.array([_TYPE_P[t] for t in types])
    total = rng.uniform(*cfg.light_intensity, size=n)
    used = np.arange(M) < n_k[:, None]                      # [n, M]
    g = np.where(used, gamma15(rng, (n, M)), 0.0)           # Dirichlet(1.5, ..., 1.5) shares
    share = g / g.sum(1, keepdims=True) * total[:, None]
    to_cam = -target_cam / np.linalg.norm(target_cam, axis=1, keepdims=True)
    d = rng.normal(size=(n, M, 3))
    d /= np.linalg.norm(d, axis=2, keepdims=True)
    u = rng.random((n, M, 5))  # reflect coin, kind, distance, spot outer angle, inner fraction
    dot = np.einsum("nmk,nk->nm", d, to_cam)
    flip = (dot < 0) & (u[..., 0] < 0.75)  # reflect to the camera's hemisphere
    d = np.where(flip[..., None], d - 2 * dot[..., None] * to_cam[:, None], d)
    kind = kinds[np.minimum(np.searchsorted(np.cumsum(tp) / tp.sum(), u[..., 1], side="right"), len(kinds) - 1)]
    color = light_color(rng, cfg.vivid_light_prob, (n, M)) * share[..., None]
    ambient_rgb = np.where((used & (kind == 3))[..., None], color, 0.0).sum(1).astype(np.float32)
    dist = 0.4 + 1.6 * u[..., 2]
    outer = np.radians(15 + 30 * u[..., 3])
    P = np.zeros((n, M, N_LIGHT_PARAMS), np.float32)
    P[..., 0] = kind
    P[..., 7:10] = -d  # travels from the light towards the hand
    local = kind != 0
    P[..., 1:4] = color * np.where(local, dist * dist, 1.0)[..., None]  # same irradiance at the hand
    P[..., 4:7] = np.where(local[..., None], target_cam[:, None] + d * dist[..., None], 0.0)
    spot = kind == 2
    P[..., 10] = np.where(spot, np.cos(outer), 0.0)
    P[..., 11] = np.where(spot, np.cos(outer * (0.5 + 0.4 * u[..., 4])), 0.0)
    keep = used & (kind != 3)                               # kernel lights, packed to the front
    slot = np.cumsum(keep, 1) - 1
    L = np.zeros((n, M, N_LIGHT_PARAMS), np.float32)
    rows, ks = np.nonzero(keep)
    L[rows, slot[rows, ks]] = P[rows, ks]
    return L, keep.sum(1).astype(np.int32), ambient_rgb


# Irradiance SH coefficient of a constant radiance L: E = pi L everywhere, c0 Y00 = pi L.
Y00 = 0.282095


def constant_sh(radiance_rgb) -> np.ndarray:
    """float32 [..., 9, 3] SH of the irradiance of uniform environments of the given linear
    radiance [..., 3]."""
    rad = np.asarray(radiance_rgb, np.float32)
    sh = np.zeros(rad.shape[:-1] + (9, 3), np.float32)
    sh[..., 0, :] = np.pi * rad / Y00
    return sh
