"""The built-in backgrounds: scikit-image's bundled photographs (present offline) and
procedural photo-like backgrounds, so the renderer works with no download.

Procedural kinds (image i gets kind i mod 7, all else random from the generator):
  gradient  smooth multi-colour gradient, gently warped by low-frequency noise
  texture   1/f^beta colour noise through a natural palette (stone, plaster, fabric-like)
  shapes    soft-edged rectangles/ellipses/stripes with drop shadows over a texture
  bokeh     out-of-focus light discs over a dark gradient (night / indoor lights)
  room      wall/floor split with planks, skirting, furniture/window blocks, lit from one side
  grain     wood or fabric stripes warped by noise
  outdoor   sky, hill/tree line and textured ground, slightly defocused
Every image then gets a random exposure, vignette, optional defocus blur and sensor noise.
Colours are drawn from a distribution biased to natural scenes (browns, greys, muted blues
and greens, low saturation). ~15 ms per 512^2 image on one core.
"""
from __future__ import annotations

import os

import numpy as np
from PIL import Image, ImageFilter

KINDS = ("gradient", "texture", "shapes", "bokeh", "room", "grain", "outdoor")

# scikit-image sample photographs shipped inside its wheel (no pooch download), read straight
# from skimage/data with Pillow (faster than skimage.data's loaders); grey ones become RGB.
_SKIMAGE_PHOTOS = (("astronaut", "astronaut.png"), ("coffee", "coffee.png"), ("chelsea", "chelsea.png"),
                   ("rocket", "rocket.jpg"), ("motorcycle", "motorcycle_left.png"),
                   ("immunohistochemistry", "ihc.png"), ("hubble_deep_field", "hubble_deep_field.jpg"),
                   ("camera", "camera.png"), ("grass", "grass.png"), ("gravel", "gravel.png"),
                   ("brick", "brick.png"), ("moon", "moon.png"), ("clock", "clock_motion.png"),
                   ("coins", "coins.png"))


def builtin_photos() -> list[tuple[str, np.ndarray]]:
    """[(name, uint8 [H,W,3])] of the skimage sample photographs present in this install
    (a missing file is skipped; scikit-image missing altogether gives an empty list)."""
    try:
        import skimage.data
    except ImportError:
        return []
    root = os.path.dirname(skimage.data.__file__)
    out = []
    for name, fname in _SKIMAGE_PHOTOS:
        f = os.path.join(root, fname)
        if not os.path.isfile(f):
            continue
        try:
            with Image.open(f) as im:
                out.append((name, np.ascontiguousarray(np.asarray(im.convert("RGB"), np.uint8))))
        except OSError:
            continue
    return out


# ----------------------------------------------------------------------------- helpers
def _noise(rng, h, w, beta, small=128):
    """Zero-mean, unit-std 1/f^beta noise field float32 [h, w] (made at <= small px, upsampled)."""
    sh, sw = min(h, small), min(w, small)
    fy = np.fft.fftfreq(sh)[:, None]
    fx = np.fft.rfftfreq(sw)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    spec = (rng.normal(size=f.shape) + 1j * rng.normal(size=f.shape)) / f ** beta
    spec[0, 0] = 0
    n = np.fft.irfft2(spec, s=(sh, sw)).astype(np.float32)
    n = (n - n.mean()) / (n.std() + 1e-8)
    return _resize(n, h, w)


def _resize(a, h, w):
    """Bicubic resize of float32 [H,W] or [H,W,C] (Pillow 'F' mode, per channel)."""
    if a.shape[:2] == (h, w):
        return a.astype(np.float32)
    if a.ndim == 3:
        return np.stack([_resize(a[:, :, c], h, w) for c in range(a.shape[2])], axis=2)
    return np.asarray(Image.fromarray(a.astype(np.float32), "F").resize((w, h), Image.BICUBIC))


def _hsv(h, s, v):
    """One HSV colour (h in degrees) -> sRGB float [3] in [0, 1]."""
    h = (h % 360) / 60.0
    c = v * s
    x = c * (1 - abs(h % 2 - 1))
    rgb = [(c, x, 0), (x, c, 0), (0, c, x), (0, x, c), (x, 0, c), (c, 0, x)][int(h) % 6]
    return np.array(rgb, np.float32) + (v - c)


def _colour(rng, sat_scale=1.0, v_range=(0.25, 0.9)):
    """A natural-looking sRGB colour: hue mostly earthy/sky/foliage, low saturation."""
    r = rng.random()
    if r < 0.35:
        hue = rng.uniform(15, 45)    # browns, beiges, wood, skin-free warm tones
    elif r < 0.55:
        hue = rng.uniform(190, 230)  # sky / blue-grey
    elif r < 0.72:
        hue = rng.uniform(60, 150)   # foliage
    else:
        hue = rng.uniform(0, 360)
    sat = min(1.0, rng.beta(1.6, 4.0) * 0.8 * sat_scale)
    return _hsv(hue, sat, rng.uniform(*v_range))


def _palette(rng, k, sat_scale=1.0, v_range=(0.25, 0.9)):
    """k related colours: one base colour, neighbours of shifted value/hue, maybe an accent."""
    base = _colour(rng, sat_scale, v_range)
    cols = [base]
    for _ in range(k - 1):
        if rng.random() < 0.25:
            cols.append(_colour(rng, sat_scale, v_range))
        else:
            c = base * rng.uniform(0.55, 1.35) + rng.normal(0, 0.04, 3)
            cols.append(np.clip(c, 0.02, 0.98).astype(np.float32))
    return np.array(cols, np.float32)


def _ramp(t, cols):
    """Map t in [0,1] ([H,W]) through a piecewise-linear colour ramp cols [k,3] -> [H,W,3]."""
    k = len(cols)
    x = np.clip(t, 0, 1) * (k - 1)
    i = np.minimum(x.astype(np.int32), k - 2)
    f = (x - i)[..., None]
    return cols[i] * (1 - f) + cols[i + 1] * f


def _grid(S):
    y, x = np.mgrid[0:S, 0:S].astype(np.float32)
    return x / S, y / S


def _smoothstep(e0, e1, x):
    t = np.clip((x - e0) / (e1 - e0), 0, 1)
    return t * t * (3 - 2 * t)


# ----------------------------------------------------------------------------- kinds
def _gradient(rng, S):
    x, y = _grid(S)
    a = rng.uniform(0, 2 * np.pi)
    t = (np.cos(a) * (x - 0.5) + np.sin(a) * (y - 0.5)) + 0.5
    t = t + 0.12 * _noise(rng, S, S, 2.6)
    return _ramp(_smoothstep(-0.1, 1.1, t), _palette(rng, int(rng.integers(2, 4))))


def _texture(rng, S):
    beta = rng.uniform(1.0, 1.6)
    t = 0.5 + 0.18 * _noise(rng, S, S, beta, small=256)
    img = _ramp(t, _palette(rng, 3, sat_scale=0.8))
    detail = _noise(rng, S, S, rng.uniform(0.7, 1.0), small=S)
    return img * (1 + rng.uniform(0.03, 0.1) * detail[..., None])


def _shapes(rng, S):
    img = _texture(rng, S) if rng.random() < 0.5 else _gradient(rng, S)
    x, y = _grid(S)
    pal = _palette(rng, 5)
    aa = 1.5 / S
    for _ in range(int(rng.integers(3, 10))):
        cx, cy = rng.uniform(-0.1, 1.1, 2)
        ang = rng.uniform(0, np.pi)
        u = np.cos(ang) * (x - cx) + np.sin(ang) * (y - cy)
        v = -np.sin(ang) * (x - cx) + np.cos(ang) * (y - cy)
        kind = rng.integers(3)
        if kind == 0:    # rectangle
            hw, hh = rng.uniform(0.05, 0.35, 2)
            d = np.maximum(np.abs(u) - hw, np.abs(v) - hh)
        elif kind == 1:  # ellipse
            rx, ry = rng.uniform(0.04, 0.3, 2)
            d = (np.sqrt((u / rx) ** 2 + (v / ry) ** 2) - 1) * min(rx, ry)
        else:            # long stripe / band
            d = np.abs(v) - rng.uniform(0.01, 0.08)
        shadow = _smoothstep(0.03, -0.01, d + 0.01 - 0.02 * (u + v))
        img = img * (1 - 0.25 * shadow[..., None])
        m = _smoothstep(aa, -aa, d)[..., None]
        col = pal[rng.integers(len(pal))]
        shade = 1 + 0.25 * (v / 0.3) * rng.uniform(-1, 1)  # a soft light gradient on the shape
        img = img * (1 - m) + col * np.clip(shade, 0.6, 1.4)[..., None] * m
    return img


def _bokeh(rng, S):
    lin = _gradient(rng, S) ** 2.2 * rng.uniform(0.02, 0.15)
    warm = rng.random() < 0.7
    n = int(rng.integers(20, 80))
    radii = np.sort(rng.uniform(0.015, 0.08, n) * S * rng.uniform(0.7, 1.6))[::-1]  # big (far) first
    for r in radii:
        cx, cy = rng.uniform(-0.05, 1.05, 2) * S
        x0, x1 = max(0, int(cx - r - 2)), min(S, int(cx + r + 3))
        y0, y1 = max(0, int(cy - r - 2)), min(S, int(cy + r + 3))
        if x0 >= x1 or y0 >= y1:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
        edge = max(1.0, 0.1 * r)
        disc = _smoothstep(r, r - edge, d) * (0.85 + 0.3 * _smoothstep(0.6 * r, r, d))
        if warm:
            col = _hsv(rng.uniform(20, 50), rng.uniform(0.25, 0.75), 1.0)
        else:
            col = _hsv(rng.uniform(0, 360), rng.uniform(0.0, 0.45), 1.0)
        lin[y0:y1, x0:x1] += disc[..., None] * col ** 2.2 * (rng.lognormal(-1.6, 0.6) * (6 / (r + 6)) ** 0.3)
    return lin ** (1 / 2.2)


def _room(rng, S):
    x, y = _grid(S)
    wall, floor_c, accent = _colour(rng, 0.6, (0.55, 0.92)), _colour(rng, 0.8, (0.2, 0.6)), _palette(rng, 3)
    hz = rng.uniform(0.5, 0.8)
    img = np.where((y < hz)[..., None], wall, floor_c).astype(np.float32)
    # floor: planks (horizontal bands whose spacing grows towards the camera) with grain
    fy = np.clip((y - hz) / (1 - hz + 1e-6), 1e-3, 1)
    plank = np.sin(np.pi * rng.uniform(4, 10) / fy * 0.25 + 0.0) > 0.92
    grain = _noise(rng, S, S, 1.2, small=256) * 0.05
    img = np.where((y >= hz)[..., None], img * (1 + grain[..., None]) * (1 - 0.15 * plank[..., None]), img)
    # furniture / doors / windows / pictures: soft-edged blocks on the wall
    for _ in range(int(rng.integers(1, 5))):
        x0, x1 = np.sort(rng.uniform(-0.1, 1.1, 2))
        y0 = rng.uniform(0.05, hz)
        y1 = min(hz + rng.uniform(0, 0.2), y0 + rng.uniform(0.1, 0.6))
        m = _smoothstep(0.004, 0, np.maximum.reduce([x0 - x, x - x1, y0 - y, y - y1]))[..., None]
        col = accent[rng.integers(3)] if rng.random() < 0.7 else np.float32([1.0, 0.98, 0.92])
        img = img * (1 - m) + col * (1 + 0.04 * _noise(rng, S, S, 1.8)[..., None]) * m
    # skirting board / table edge: soft horizontal bands
    for yb in (hz, rng.uniform(0.6, 0.95)):
        w = rng.uniform(0.005, 0.02)
        img = img * (1 - 0.2 * np.exp(-((y - yb) / w) ** 2)[..., None])
    # lighting: brighter towards one side and the top, darker corners
    side = rng.uniform(-1, 1)
    light = 1 + 0.35 * side * (x - 0.5) - 0.25 * (y - 0.3) + 0.08 * _noise(rng, S, S, 3.0)
    return img * light[..., None]


def _streaks(rng, h, w, beta, stretch):
    """Unit-std noise elongated along x (spectrum falls stretch-times faster along x)."""
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :] * stretch
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    spec = (rng.normal(size=f.shape) + 1j * rng.normal(size=f.shape)) / f ** beta
    spec[0, 0] = 0
    n = np.fft.irfft2(spec, s=(h, w)).astype(np.float32)
    return (n - n.mean()) / (n.std() + 1e-8)


def _grain(rng, S):
    x, y = _grid(S)
    if rng.random() < 0.6:  # wood: growth rings along x, boards with seams and their own tint
        img = np.empty((S, S, 3), np.float32)
        seams = np.sort(rng.uniform(0, 1, int(rng.integers(0, 4))))
        edges = np.concatenate([[0.0], seams, [1.0]])
        pal0 = np.array([_hsv(rng.uniform(18, 34), rng.uniform(0.35, 0.7), v)
                         for v in sorted(rng.uniform(0.2, 0.75, 2))], np.float32)
        warp = _streaks(rng, S, S, 1.8, 6.0)
        fibre = _streaks(rng, S, S, 0.6, 12.0)
        for a, b in zip(edges[:-1], edges[1:]):
            rows = slice(int(a * S), int(b * S))
            freq = rng.uniform(6, 20)
            ring = (freq * (y[rows] + 0.04 * warp[rows] + rng.uniform())) % 1.0
            t = ring ** rng.uniform(2, 5) * 0.7 + 0.08 * fibre[rows]
            img[rows] = _ramp(t + 0.15, pal0) * rng.uniform(0.85, 1.15)
        for sy in seams:
            img *= 1 - 0.5 * np.exp(-((y - sy) * S / 1.2) ** 2)[..., None]
    else:  # fabric: a fine weave, large soft folds
        f = rng.uniform(0.15, 0.45) * S / 4
        weave = np.sin(2 * np.pi * f * x) * np.sin(2 * np.pi * f * y)
        folds = _streaks(rng, S, S, 2.0, rng.uniform(2, 5))
        base = _ramp(0.5 + 0.15 * _noise(rng, S, S, 2.0), _palette(rng, 2, v_range=(0.3, 0.85)))
        img = base * (1 + 0.05 * weave + 0.12 * folds)[..., None]
    return np.rot90(img, int(rng.integers(4)))


def _outdoor(rng, S):
    x, y = _grid(S)
    hz = rng.uniform(0.3, 0.65)
    sky_top = _hsv(rng.uniform(195, 225), rng.uniform(0.2, 0.6), rng.uniform(0.55, 0.85))
    sky_hz = np.clip(sky_top * 0.5 + 0.5 * rng.uniform(0.8, 1.0), 0, 1)
    img = _ramp(np.clip(y / hz, 0, 1), np.stack([sky_top, sky_hz]))
    clouds = _smoothstep(0.3, 1.6, _noise(rng, S, S, 1.8)) * (y < hz)
    img = img * (1 - 0.8 * clouds[..., None]) + 0.8 * clouds[..., None] * rng.uniform(0.8, 1.0)
    # tree / hill line: a 1-D noise profile above the horizon
    prof = hz - np.abs(rng.uniform(0.03, 0.15)) * (0.6 + 0.4 * _noise(rng, 1, S, 1.5, small=S)[0])
    m = _smoothstep(0.003, -0.003, prof[None, :] - y)[..., None]
    tree = _hsv(rng.uniform(80, 140), rng.uniform(0.25, 0.6), rng.uniform(0.15, 0.4))
    img = img * (1 - m) + m * tree * (1 + 0.2 * _noise(rng, S, S, 1.2)[..., None])
    g = _palette(rng, 2, v_range=(0.2, 0.6))
    ground = _ramp(0.5 + 0.2 * _noise(rng, S, S, 1.3, small=256), g)
    return np.where((y > hz + 0.01)[..., None], ground, img)


_GENERATORS = dict(zip(KINDS, (_gradient, _texture, _shapes, _bokeh, _room, _grain, _outdoor)))


def procedural_background(rng: np.random.Generator, size: int = 512, index: int = 0):
    """(kind, uint8 [size, size, 3]) for procedural image `index` (kind = KINDS[index % 7]).
    Drawn at half resolution and upsampled (bicubic, 8-bit): the soft edges and grain look
    photographic and it costs a quarter."""
    kind = KINDS[index % len(KINDS)]
    half = max(32, size // 2)
    img = _GENERATORS[kind](rng, half).astype(np.float32)
    x, y = _grid(half)
    vign = 1 - rng.uniform(0, 0.35) * ((x - 0.5) ** 2 + (y - 0.5) ** 2) * 2
    img *= vign[..., None] * np.float32(rng.uniform(0.8, 1.15))
    sigma = np.float32(rng.uniform(0.003, 0.015))
    img += sigma * rng.standard_normal((half, half, 1), np.float32)  # luminance grain
    img += 0.4 * sigma * rng.standard_normal((half, half, 3), np.float32)  # chroma grain
    img *= 255
    img += 0.5
    out = Image.fromarray(np.clip(img, 0, 255, out=img).astype(np.uint8))
    if half != size:
        out = out.resize((size, size), Image.BICUBIC)
    if rng.random() < 0.4:  # defocus, as backgrounds behind a hand usually are
        out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 4.0) * size / 512))
    return kind, np.asarray(out)
