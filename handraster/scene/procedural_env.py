"""Procedural HDR environment maps (equirect, env_maps.py convention, +Y up, linear RGB in
relative radiance units: sky ~0.5-2, sun disc ~1e3-1e5, lamps/windows ~5-80, walls ~0.1-1).

Kinds (map i gets ENV_KINDS[i % 5]):
  clear     blue sky with a horizon glow, sun disc (its irradiance 3-8x the sky's), an aureole,
            procedural clouds, a hill / tree / building skyline and a textured sunlit ground
  room      a box room seen from inside: textured floor, painted walls, skirting, a door,
            ceiling lamps and/or windows as emitters; surfaces lit by those emitters (inverse
            square + cosines) plus a uniform inter-reflection term
  overcast  CIE-overcast-like grey sky (zenith 3x the horizon), faint cloud texture, no sun
  sunset    low warm sun (irradiance 1-3x the sky's), orange horizon, deep blue zenith
  studio    grey backdrop with 2-3 soft boxes (key / fill / rim)
The sun's disc is rescaled so its integrated irradiance is exactly the drawn value whatever
the resolution. ~50 ms of CPU per 256x512 map, ~200 ms per 512x1024.
"""
from __future__ import annotations

import functools

import numpy as np

from handraster.scene.env_maps import equirect_pixel_dirs, equirect_solid_angles

ENV_KINDS = ("clear", "room", "overcast", "sunset", "studio")


def _hsv(h, s, v):
    h = (h % 360) / 60.0
    c = v * s
    x = c * (1 - abs(h % 2 - 1))
    rgb = [(c, x, 0), (x, c, 0), (0, c, x), (0, x, c), (x, 0, c), (c, 0, x)][int(h) % 6]
    return np.array(rgb, np.float32) + np.float32(v - c)


def _periodic_noise(rng, n=256, beta=1.6):
    """Tileable unit-std 1/f^beta noise float32 [n, n]."""
    fy = np.fft.fftfreq(n)[:, None]
    fx = np.fft.rfftfreq(n)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1
    spec = (rng.normal(size=f.shape) + 1j * rng.normal(size=f.shape)) / f ** beta
    spec[0, 0] = 0
    t = np.fft.irfft2(spec, s=(n, n)).astype(np.float32)
    return (t - t.mean()) / (t.std() + 1e-8)


def _lookup(tex, s, t):
    """Bilinear, wrapping lookup of tex [n, n] at texel coordinates (s, t) (any shape)."""
    n = tex.shape[0]
    s0, t0 = np.floor(s), np.floor(t)
    fs, ft = (s - s0).astype(np.float32), (t - t0).astype(np.float32)
    i0, j0 = t0.astype(np.int64) % n, s0.astype(np.int64) % n
    i1, j1 = (i0 + 1) % n, (j0 + 1) % n
    return ((tex[i0, j0] * (1 - fs) + tex[i0, j1] * fs) * (1 - ft)
            + (tex[i1, j0] * (1 - fs) + tex[i1, j1] * fs) * ft)


def _smoothstep(e0, e1, x):
    t = np.clip((x - e0) / (e1 - e0), 0, 1)
    return t * t * (3 - 2 * t)


def _dir(elev_deg, azim_deg):
    e, a = np.radians(elev_deg), np.radians(azim_deg)
    return np.array([np.cos(e) * np.sin(a), np.sin(e), -np.cos(e) * np.cos(a)], np.float32)


def _skyline(rng, phi, kind):
    """Elevation (radians) of the horizon silhouette at azimuth phi [W] (0 = open horizon)."""
    W = phi.shape[0]
    prof = np.fft.irfft(np.fft.rfft(rng.normal(size=W)) / np.maximum(np.arange(W // 2 + 1), 1) ** 1.2, n=W)
    prof = (prof - prof.min()) / (np.ptp(prof) + 1e-9)
    if kind == "hills":
        return np.radians(rng.uniform(1, 4) + rng.uniform(2, 8) * prof)
    if kind == "trees":
        jag = np.abs(np.sin(phi * rng.uniform(150, 300))) ** 0.5 * rng.uniform(0.5, 1.5)
        return np.radians(rng.uniform(3, 8) + 4 * prof + jag)
    edges = np.sort(rng.uniform(0, W, int(rng.integers(12, 40))).astype(int))  # buildings
    h = np.zeros(W)
    for a, b in zip(edges[:-1], edges[1:]):
        h[a:b] = rng.uniform(0, 18) if rng.random() < 0.7 else 0
    return np.radians(h)


def _sky(rng, d, kind):
    """(radiance [H,W,3], sun direction or None, sun colour, sun irradiance) of an outdoor sky."""
    y = d[..., 1]
    el = np.clip(y, 0, 1)[..., None]
    if kind == "sunset":
        sun = _dir(rng.uniform(0.5, 6), rng.uniform(0, 360))
        zen, hor = _hsv(rng.uniform(215, 235), 0.7, 0.25), _hsv(rng.uniform(15, 35), 0.7, 1.3)
        sun_col, ratio = _hsv(rng.uniform(20, 35), rng.uniform(0.5, 0.7), 1.0), rng.uniform(1, 3)
    elif kind == "clear":
        sun = _dir(rng.uniform(15, 70), rng.uniform(0, 360))
        zen, hor = _hsv(rng.uniform(200, 220), rng.uniform(0.5, 0.75), 0.55), _hsv(210, 0.12, 1.3)
        sun_col, ratio = _hsv(40, rng.uniform(0.05, 0.15), 1.0), rng.uniform(3, 8)
    else:  # overcast
        g = rng.uniform(0.6, 1.4)
        sky = g * (1 + 2 * el) / 3 * _hsv(rng.uniform(200, 230), rng.uniform(0, 0.08), 1.0)
        tex = _periodic_noise(rng, 256, 1.8)
        p = d[..., [0, 2]] / (np.abs(y)[..., None] + 0.08) * 60
        sky = sky * (1 + 0.12 * _lookup(tex, p[..., 0], p[..., 1]))[..., None]
        return sky, None, None, 0.0
    t = (1 - el) ** rng.uniform(3, 6)
    sky = zen * (1 - t) + hor * t
    cosg = np.clip(d @ sun, -1, 1)[..., None]
    sky = sky + sun_col * (rng.uniform(0.5, 2.0) * np.exp((cosg - 1) / rng.uniform(0.01, 0.05))
                           + 0.4 * np.exp((cosg - 1) / 0.3))
    if kind == "clear" and rng.random() < 0.8:  # clouds on a plane, lit from the sun side
        tex = _periodic_noise(rng, 256, rng.uniform(1.4, 2.0))
        p = d[..., [0, 2]] / (y[..., None] + 0.06) * rng.uniform(30, 80)
        c = _lookup(tex, p[..., 0], p[..., 1])
        cover = rng.uniform(-0.5, 1.2)
        a = (_smoothstep(cover, cover + 1.2, c) * _smoothstep(0.0, 0.15, y))[..., None]
        cloud = rng.uniform(0.9, 1.6) * (0.8 + 0.4 * cosg) * np.float32([1, 1, 1])
        sky = sky * (1 - 0.9 * a) + 0.9 * a * cloud
    return sky, sun, sun_col, ratio


def _outdoor(rng, d, kind):
    H, W = d.shape[:2]
    sky, sun, sun_col, ratio = _sky(rng, d, kind)
    omega = np.repeat(equirect_solid_angles(H, W)[:, None], W, 1)
    up = d[..., 1] > 0
    E_sky = float((sky.mean(-1) * np.maximum(d[..., 1], 0) * omega)[up].sum())  # on a horizontal plane
    E_sun_h = ratio * np.pi * float(sky.mean()) * max(sun[1], 0) if sun is not None else 0.0
    illum = (E_sky + E_sun_h) / np.pi
    # ground: textured albedo, lit by sun + sky, hazed towards the horizon
    y = d[..., 1]
    alb = [_hsv(rng.uniform(70, 110), rng.uniform(0.3, 0.6), rng.uniform(0.12, 0.25)),  # grass
           _hsv(rng.uniform(20, 40), rng.uniform(0.1, 0.4), rng.uniform(0.15, 0.35)),   # soil/sand
           _hsv(0, 0, rng.uniform(0.08, 0.2))][int(rng.integers(3))]                    # asphalt
    tex = _periodic_noise(rng, 256, 1.0)
    p = d[..., [0, 2]] / (np.abs(y)[..., None] + 1e-3) * 1.6 * 24  # 1.6 m camera height, 24 texel/m
    ground = alb * illum * (1 + 0.25 * _lookup(tex, p[..., 0], p[..., 1]))[..., None]
    haze = np.exp(-np.abs(y) * 25)[..., None]
    ground = ground * (1 - haze) + haze * sky[np.clip(H // 2 - 1, 0, H - 1)].mean(0)
    env = np.where(up[..., None], sky, ground)
    # skyline silhouette above the horizon
    sil_kind = ["hills", "trees", "buildings", None][int(rng.integers(4))]
    if sil_kind is not None:
        phi = 2 * np.pi * ((np.arange(W) + 0.5) / W - 0.5)
        elev = _skyline(rng, phi, sil_kind)
        m = (np.arcsin(np.clip(y, -1, 1)) < elev[None, :]) & up
        col = (_hsv(rng.uniform(80, 130), 0.4, 0.12) if sil_kind != "buildings"
               else _hsv(rng.uniform(20, 220), rng.uniform(0, 0.2), rng.uniform(0.15, 0.4)))
        lit = 0.6 + 0.4 * (np.cos(phi - np.arctan2(sun[0], -sun[2])) if sun is not None else 0 * phi)
        env = np.where(m[..., None], col * illum * lit[None, :, None] * 0.8, env)
    if sun is not None:  # disc of 1.2 deg radius, scaled to integrate to E_sun exactly
        r = np.radians(1.2)
        cosg = d @ sun
        w = _smoothstep(np.cos(r * 1.15), np.cos(r * 0.85), cosg)
        E_sun = ratio * np.pi * float(sky.mean())
        env = env + (E_sun / max(float((w * omega).sum()), 1e-12)) * w[..., None] * sun_col
    return env


def _room(rng, d):
    sx, sy, sz = rng.uniform(3, 8), rng.uniform(2.4, 3.4), rng.uniform(3, 8)
    f32 = np.float32
    p = np.array([rng.uniform(0.3, 0.7) * sx, rng.uniform(1.0, 1.6), rng.uniform(0.3, 0.7) * sz], f32)
    size = np.array([sx, sy, sz], f32)
    dd = np.where(np.abs(d) < 1e-6, 1e-6, d)
    t_axes = (np.where(dd > 0, size, 0) - p) / dd  # distance to the wall each axis is heading to
    axis = np.argmin(t_axes, axis=-1)
    q = p + np.min(t_axes, axis=-1)[..., None] * d
    nrm = np.zeros_like(d)
    np.put_along_axis(nrm, axis[..., None], -np.sign(np.take_along_axis(dd, axis[..., None], -1)), -1)
    floor, ceil = (axis == 1) & (d[..., 1] < 0), (axis == 1) & (d[..., 1] > 0)
    walls = axis != 1
    wall_col = _hsv(rng.uniform(0, 360), rng.uniform(0, 0.25), rng.uniform(0.45, 0.85))
    floor_col = _hsv(rng.uniform(20, 40), rng.uniform(0.2, 0.6), rng.uniform(0.1, 0.45))
    tex = _periodic_noise(rng, 256, 1.4)
    alb = np.where(walls[..., None], wall_col, np.float32([0.8, 0.8, 0.8]))
    plank = _lookup(tex, q[..., 0] * 40, q[..., 2] * 4) * 0.15 - 0.2 * (np.abs((q[..., 0] * 5) % 1 - 0.5) > 0.48)
    alb = np.where(floor[..., None], floor_col * (1 + plank)[..., None], alb)
    alb = np.where((walls & (q[..., 1] < 0.1))[..., None], np.float32([0.85, 0.85, 0.82]), alb)  # skirting
    u_wall = np.where(axis == 0, q[..., 2], q[..., 0])  # horizontal coordinate along a wall
    door_wall, door_u = int(rng.integers(4)), rng.uniform(0.6, 2.5)
    wall_id = np.where(axis == 0, (d[..., 0] > 0).astype(int), 2 + (d[..., 2] > 0))
    door = walls & (wall_id == door_wall) & (np.abs(u_wall - door_u) < 0.45) & (q[..., 1] < 2.05)
    alb = np.where(door[..., None], _hsv(rng.uniform(20, 35), 0.5, rng.uniform(0.2, 0.6)), alb)
    # emitters: ceiling panels and windows, each (centre, normal, area, radiance rgb, mask)
    emit = np.zeros_like(d)
    lights = []
    warm = _hsv(rng.uniform(28, 40), rng.uniform(0.15, 0.4), 1.0) if rng.random() < 0.6 else _hsv(210, 0.05, 1.0)
    for _ in range(int(rng.integers(1, 5))):
        c = np.array([rng.uniform(0.2, 0.8) * sx, sy, rng.uniform(0.2, 0.8) * sz], f32)
        hx, hz = (0.3, 0.3) if rng.random() < 0.5 else (0.6, 0.15)
        m = ceil & (np.abs(q[..., 0] - c[0]) < hx) & (np.abs(q[..., 2] - c[2]) < hz)
        lights.append((c, np.array([0, -1, 0], f32), 4 * hx * hz, warm * rng.uniform(20, 80), m))
    for _ in range(int(rng.integers(0, 3))):
        wid = int(rng.integers(4))
        u0, w2, y0, h2 = rng.uniform(0.8, 2.5), rng.uniform(0.4, 1.2), rng.uniform(1.3, 1.7), rng.uniform(0.4, 0.7)
        m = walls & (wall_id == wid) & (np.abs(u_wall - u0) < w2) & (np.abs(q[..., 1] - y0) < h2)
        mull = (np.abs(u_wall - u0) < 0.03) | (np.abs(q[..., 1] - y0) < 0.03)
        ax, sgn = (0, wid) if wid < 2 else (2, wid - 2)
        c = np.array([u0, y0, sgn * sz] if ax == 2 else [sgn * sx, y0, u0], f32)
        n = np.zeros(3, f32)
        n[ax] = -1 if sgn else 1
        day = _hsv(rng.uniform(200, 220), rng.uniform(0.05, 0.3), 1.0) * rng.uniform(5, 30)
        sky = day * (1 + 0.5 * np.clip(q[..., 1] - y0, -1, 1))[..., None]
        emit = np.where((m & ~mull)[..., None], sky, emit)
        alb = np.where((m & mull)[..., None], np.float32([0.9, 0.9, 0.9]), alb)
        lights.append((c, n, 4 * w2 * h2, day, np.zeros_like(m)))
    qx, qy, qz = (np.ascontiguousarray(q[..., i]) for i in range(3))
    nx, ny, nz = (np.ascontiguousarray(nrm[..., i]) for i in range(3))
    weights = []
    for c, n, area, L, m in lights:  # small-area-light form factor: cos_r cos_e / r^2
        vx, vy, vz = c[0] - qx, c[1] - qy, c[2] - qz
        r2 = np.maximum(vx * vx + vy * vy + vz * vz, f32(area))
        cos_r = np.maximum(vx * nx + vy * ny + vz * nz, 0)
        cos_e = np.maximum(-(vx * n[0] + vy * n[1] + vz * n[2]), 0)
        weights.append(cos_r * cos_e / (r2 * r2))  # the cosines above are unnormalised: / r^2 twice
        emit = np.where(m[..., None], L, emit)
    LA = np.array([L * area for _, _, area, L, _ in lights], f32)  # [n_lights, 3]
    E = np.tensordot(np.stack(weights, -1), LA, axes=1)
    power = sum(np.pi * L * a for _, _, a, L, _ in lights)
    area_total = 2 * (sx * sy + sy * sz + sx * sz)
    rho = 0.5
    E = E + (power / area_total * rho / (1 - rho)).astype(f32)  # uniform inter-reflection estimate
    return alb * (E / f32(np.pi)) + emit


def _studio(rng, d):
    y = d[..., 1]
    grey = rng.uniform(0.15, 0.5) * _hsv(rng.uniform(0, 360), rng.uniform(0, 0.1), 1.0)
    env = grey * (0.6 + 0.4 * np.clip(y + 0.5, 0, 1.5))[..., None]
    for k in range(int(rng.integers(2, 4))):
        c = _dir(rng.uniform(10, 60), rng.uniform(0, 360))
        e1 = np.cross(c, [0, 1, 0])
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(e1, c)
        dc = d @ c
        s, t = (d @ e1) / np.maximum(dc, 1e-3), (d @ e2) / np.maximum(dc, 1e-3)
        a, b = rng.uniform(0.15, 0.5, 2)
        m = (dc > 0) * _smoothstep(a, a * 0.9, np.abs(s)) * _smoothstep(b, b * 0.9, np.abs(t))
        L = rng.uniform(10, 40) * (1.0 if k == 0 else rng.uniform(0.2, 0.6))
        env = env + m[..., None] * L * _hsv(rng.uniform(25, 45), rng.uniform(0, 0.15), 1.0)
    return env


@functools.lru_cache(maxsize=2)
def _pixel_dirs(H, W):
    d = equirect_pixel_dirs(H, W).astype(np.float32)
    d.setflags(write=False)
    return d


def procedural_env(rng: np.random.Generator, width: int = 512, index: int = 0):
    """(kind, float32 [width//2, width, 3]) for map `index` (kind = ENV_KINDS[index % 5])."""
    kind = ENV_KINDS[index % len(ENV_KINDS)]
    W = max(8, width // 2 * 2)
    d = _pixel_dirs(W // 2, W)
    if kind == "room":
        env = _room(rng, d)
    elif kind == "studio":
        env = _studio(rng, d)
    else:
        env = _outdoor(rng, d, kind)
    return kind, np.ascontiguousarray(np.clip(env, 0, None), np.float32)
