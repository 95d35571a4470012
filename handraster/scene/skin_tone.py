"""Skin albedo sampling from the Individual Typology Angle (ITA) model of human skin colour.

Source: skin colour measured in CIELAB (D65) is classified by ITA = atan((L* - 50) / b*)
(degrees; Chardon, Cretois & Hourseau 1991, Int. J. Cosmet. Sci. 13:191; categories of
Del Bino et al. 2006, Pigment Cell Res. 19:606 and Del Bino & Bernerd 2013): very light > 55,
light 41..55, intermediate 28..41, tan 10..28, brown -30..10, dark < -30.

Sampling (sample_skin_tone):
  ITA ~ U(-65, 72) deg: uniform across the whole range, very light to very dark (a dataset
      should not favour one group; pass ita_range to change it).
  b*(ITA), a*(ITA): piecewise-linear through approximate group means read off the published
      distributions: b* peaks ~19 for tan/brown skin and falls to ~8 for the lightest and ~9
      for the darkest; a* 11..14 (hand skin is redder than the inner forearm usually measured;
      cf. the ColorChecker "light skin" a* 18 and "dark skin" a* 14 patches).
      L* = 50 + b*(ITA) tan(ITA), so L* spans ~31 (ITA -65) to ~73 (ITA 72); then L*, a*, b*
      each + N(0, 1.5) (individual variation).
  Hue angle atan2(b*, a*) + N(0, 3 deg) and chroma x exp(N(0, 0.08)): hue/saturation jitter.
  CIELAB -> XYZ (D65) -> linear sRGB, clipped to [0.005, 0.95]. The result is a diffuse albedo
  (a reflectance, linear RGB, relative to a perfect white), float32 [n, 3].
The b*/a* knots are an approximation of the literature, not a fit to raw data.

palm_tone / nail_tone: heuristics in CIELAB. Palms carry far less melanin than the back of the
hand (palmoplantar skin), so they move towards L* ~75 by 45 %, redder (+3 a*) and slightly less
yellow - a large change for dark skin, a small one for light skin. Nails show the pink nail bed
through a translucent plate: towards L* ~80 by 55 %, a* = a*/2 + 7, b* = b*/2 + 3.
"""
from __future__ import annotations

import numpy as np

_ITA_KNOTS = np.array([-65, -45, -30, -10, 10, 28, 41, 55, 72], np.float64)
_B_KNOTS = np.array([9.0, 12.0, 15.0, 18.0, 19.0, 18.5, 17.0, 13.5, 7.5])
_A_KNOTS = np.array([11.0, 12.5, 13.5, 14.0, 14.0, 13.5, 13.0, 12.0, 11.0])

_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
_XYZ_TO_RGB = np.array([[3.2404542, -1.5371385, -0.4985314],
                        [-0.9692660, 1.8760108, 0.0415560],
                        [0.0556434, -0.2040259, 1.0572252]])
_RGB_TO_XYZ = np.linalg.inv(_XYZ_TO_RGB)
_D = 6 / 29


def lab_to_linear_rgb(lab) -> np.ndarray:
    """CIELAB (D65) [..., 3] -> linear sRGB [..., 3] (float64, not clipped)."""
    lab = np.asarray(lab, np.float64)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], -1)
    xyz = np.where(f > _D, f ** 3, 3 * _D * _D * (f - 4 / 29)) * _WHITE_D65
    return xyz @ _XYZ_TO_RGB.T


def linear_rgb_to_lab(rgb) -> np.ndarray:
    """Linear sRGB [..., 3] -> CIELAB (D65) [..., 3] (float64)."""
    t = (np.asarray(rgb, np.float64) @ _RGB_TO_XYZ.T) / _WHITE_D65
    f = np.where(t > _D ** 3, np.cbrt(np.maximum(t, 0)), t / (3 * _D * _D) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def skin_ita(rgb) -> np.ndarray:
    """ITA in degrees of linear-RGB albedos [..., 3]: atan2(L* - 50, b*)."""
    lab = linear_rgb_to_lab(rgb)
    return np.degrees(np.arctan2(lab[..., 0] - 50, lab[..., 2]))


def sample_skin_tone(rng: np.random.Generator, n: int, ita_range=(-65.0, 72.0)) -> np.ndarray:
    """n skin albedos, float32 [n, 3] linear sRGB in (0, 1) (see the module docstring)."""
    ita = rng.uniform(ita_range[0], ita_range[1], n)
    b = np.interp(ita, _ITA_KNOTS, _B_KNOTS)
    L = 50 + b * np.tan(np.radians(ita)) + rng.normal(0, 1.5, n)
    b = np.maximum(b + rng.normal(0, 1.5, n), 3.0)
    a = np.interp(ita, _ITA_KNOTS, _A_KNOTS) + rng.normal(0, 1.5, n)
    hue = np.arctan2(b, a) + np.radians(rng.normal(0, 3.0, n))
    chroma = np.hypot(a, b) * np.exp(rng.normal(0, 0.08, n))
    lab = np.stack([L, chroma * np.cos(hue), chroma * np.sin(hue)], -1)
    return np.clip(lab_to_linear_rgb(lab), 0.005, 0.95).astype(np.float32)


def _shift_lab(rgb, L_target, L_frac, a_fn, b_fn):
    lab = linear_rgb_to_lab(rgb)
    L = lab[..., 0] + L_frac * np.maximum(L_target - lab[..., 0], 0)
    out = np.stack([L, a_fn(lab[..., 1]), b_fn(lab[..., 2])], -1)
    return np.clip(lab_to_linear_rgb(out), 0.005, 0.95).astype(np.float32)


def palm_tone(back_tone) -> np.ndarray:
    """Palm albedo for back-of-hand albedos [..., 3] (linear RGB): lighter and pinker."""
    return _shift_lab(back_tone, 75.0, 0.45, lambda a: a + 3.0, lambda b: 0.9 * b)


def nail_tone(back_tone) -> np.ndarray:
    """Fingernail albedo for back-of-hand albedos [..., 3] (linear RGB): light, pinkish."""
    return _shift_lab(back_tone, 80.0, 0.55, lambda a: 0.5 * a + 7.0, lambda b: 0.5 * b + 3.0)
