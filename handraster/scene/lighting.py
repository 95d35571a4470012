"""Light and exposure sampling (camera frame) for the shade kernel's light layout
(csrc/kernels/shade_common.h: LightParam)."""
from __future__ import annotations

import numpy as np

N_LIGHT_PARAMS = 12
MAX_LIGHTS = 5


def kelvin_to_rgb(t: float) -> np.ndarray:
    """Approximate linear RGB of a black body at `t` Kelvin, normalised to max 1 (a fit to
    the CIE 1931 colours of the Planckian locus, 1,000-40,000 K, after Tanner Helland)."""
    t = t / 100.0
    r = 1.0 if t <= 66 else np.clip(329.698727446 * (t - 60) ** -0.1332047592 / 255, 0, 1)
    g = (np.clip((99.4708025861 * np.log(t) - 161.1195681661) / 255, 0, 1) if t <= 66
         else np.clip(288.1221695283 * (t - 60) ** -0.0755148492 / 255, 0, 1))
    b = 1.0 if t >= 66 else (0.0 if t <= 19 else np.clip((138.5177312231 * np.log(t - 10) - 305.0447927307) / 255, 0, 1))
    rgb = np.array([r, g, b], np.float64) ** 2.2  # the fit is in sRGB-like units
    return rgb / rgb.max()


def light_color(rng: np.random.Generator, vivid_prob: float) -> np.ndarray:
    """Near-white (2,700-7,500 K) or, with probability vivid_prob, a saturated random hue."""
    if rng.random() < vivid_prob:
        h = rng.random()
        rgb = np.clip(np.abs((h * 6 + np.array([0, 4, 2])) % 6 - 3) - 1, 0, 1)
        rgb = 0.25 + 0.75 * rgb
        return rgb / rgb.max()
    return kelvin_to_rgb(rng.uniform(2700, 7500))


_TYPE_P = {"directional": 0.5, "point": 0.3, "spot": 0.2, "ambient": 0.15}
_KIND = {"directional": 0, "point": 1, "spot": 2, "ambient": 3}


def sample_lights(rng: np.random.Generator, cfg, target_cam: np.ndarray):
    """(lights [5, 12] float32, count, ambient_rgb [3]) in the camera frame around the hand
    at `target_cam`.

    1-5 lights of cfg.light_types: directional (weight 0.5), point (0.3), spot (0.2), ambient
    (0.15), renormalised over the allowed types; each comes from the camera's side of the hand
    more often than from behind it (a key light from behind leaves a dark hand). An ambient
    light is no kernel light: its colour (its irradiance share, linear RGB) is returned in
    ambient_rgb and added to the view's SH ambient as a uniform environment of radiance
    ambient_rgb / pi (so it gives the irradiance a directional light of that colour gives a
    surface facing it); `count` counts kernel lights only."""
    n = int(rng.integers(cfg.lights[0], cfg.lights[1] + 1))
    types = [t for t in ("directional", "point", "spot", "ambient") if t in cfg.light_types]
    default_types = types == ["directional", "point", "spot"]
    tp = np.array([_TYPE_P[t] for t in types])
    tp /= tp.sum()
    ambient_rgb = np.zeros(3, np.float32)
    slot = 0
    L = np.zeros((MAX_LIGHTS, N_LIGHT_PARAMS), np.float32)
    total = rng.uniform(*cfg.light_intensity)
    share = rng.dirichlet(np.full(n, 1.5)) * total
    to_cam = -target_cam / np.linalg.norm(target_cam)
    for k in range(n):
        d = rng.normal(size=3)
        d /= np.linalg.norm(d)
        if np.dot(d, to_cam) < 0 and rng.random() < 0.75:
            d = d - 2 * np.dot(d, to_cam) * to_cam  # reflect to the camera's hemisphere
        kind = int(rng.choice(3, p=[0.5, 0.3, 0.2])) if default_types else _KIND[types[rng.choice(len(types), p=tp)]]
        color = light_color(rng, cfg.vivid_light_prob) * share[k]
        if kind == 3:
            ambient_rgb += (color).astype(np.float32)
            continue
        L[slot, 0] = kind
        L[slot, 7:10] = -d  # travels from the light towards the hand
        if kind == 0:
            L[slot, 1:4] = color
        else:
            dist = rng.uniform(0.4, 2.0)
            L[slot, 4:7] = target_cam + d * dist
            L[slot, 1:4] = color * dist * dist  # same irradiance at the hand as a directional light
            if kind == 2:
                outer = np.radians(rng.uniform(15, 45))
                L[slot, 10] = np.cos(outer)
                L[slot, 11] = np.cos(outer * rng.uniform(0.5, 0.9))
        slot += 1
    return L, slot, ambient_rgb


# Irradiance SH coefficient of a constant radiance L: E = pi L everywhere, c0 Y00 = pi L.
Y00 = 0.282095


def constant_sh(radiance_rgb: np.ndarray) -> np.ndarray:
    """[9, 3] SH of the irradiance of a uniform environment of the given linear radiance."""
    sh = np.zeros((9, 3), np.float32)
    sh[0] = np.pi * np.asarray(radiance_rgb, np.float32) / Y00
    return sh
