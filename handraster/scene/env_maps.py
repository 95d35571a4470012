"""HDR environment maps (equirectangular, linear RGB) packed in one float32 buffer, with the
irradiance SH of each map for ambient lighting.

Equirectangular convention (the env's own world frame, right-handed, +Y up):
    u = atan2(x, -z) / (2 pi) + 0.5      in [0, 1): u = 0.5 is -Z (the image centre), u = 0.75
                                           is +X, u = 0.25 is -X, u = 0 / 1 is +Z (the seam)
    v = acos(y) / pi                     in [0, 1]: v = 0 is straight up (+Y, top row)
    inverse: theta = pi v, phi = 2 pi (u - 0.5), d = (sin theta sin phi, cos theta, -sin theta cos phi)
Seen from inside (looking at -Z with +Y up, +X is to the right) the map is not mirrored.
Pixel (row i, column j) of an [H, W] map is centred at u = (j + 0.5)/W, v = (i + 0.5)/H, so a
direction is looked up at pixel coordinates (u W - 0.5, v H - 0.5): bilinear, wrapping in u,
clamped in v (sample_env_reference is the numpy reference of that lookup).

Pool layout: map n is data[offsets[n] : offsets[n] + H*W*3] viewed as [H, W, 3], (H, W) =
sizes[n], W = 2H; offsets count float32 elements. sh[n] ([9, 3]) are the map's irradiance SH
(sh.py: E(n) = sum_k sh[k] Y_k(n), normal n in the env's world frame; rotate_sh9 moves them
to another frame).
"""
from __future__ import annotations

import functools
import os
import warnings

import numpy as np

from handraster.scene.errors import AssetError
from handraster.scene.hdr_io import read_hdr_image
from handraster.scene.sh import irradiance_from_radiance_sh, project_radiance_sh, sh9_basis  # noqa: F401

__all__ = ["EnvPool", "load_env_map", "equirect_dir_to_uv", "equirect_uv_to_dir", "dir_to_uv", "uv_to_dir",
           "equirect_pixel_dirs", "equirect_solid_angles", "area_resize", "project_irradiance_sh",
           "sample_env_reference", "sh9_basis"]

ENV_EXTENSIONS = (".hdr", ".exr")
_KIND = "environment map"


def equirect_dir_to_uv(d) -> np.ndarray:
    """Unit directions [..., 3] -> (u, v) [..., 2] in [0, 1] (convention above)."""
    d = np.asarray(d, np.float64)
    u = np.arctan2(d[..., 0], -d[..., 2]) / (2 * np.pi) + 0.5
    v = np.arccos(np.clip(d[..., 1], -1.0, 1.0)) / np.pi
    return np.stack([u % 1.0, v], axis=-1)


def equirect_uv_to_dir(uv) -> np.ndarray:
    """(u, v) [..., 2] -> unit directions [..., 3] (convention above)."""
    uv = np.asarray(uv, np.float64)
    theta, phi = np.pi * uv[..., 1], 2 * np.pi * (uv[..., 0] - 0.5)
    st = np.sin(theta)
    return np.stack([st * np.sin(phi), np.cos(theta), -st * np.cos(phi)], axis=-1)


uv_to_dir = equirect_uv_to_dir
dir_to_uv = equirect_dir_to_uv


def equirect_pixel_dirs(H: int, W: int) -> np.ndarray:
    """float64 [H, W, 3]: the direction of every pixel centre of an [H, W] map."""
    v = (np.arange(H) + 0.5) / H
    u = (np.arange(W) + 0.5) / W
    return equirect_uv_to_dir(np.stack(np.meshgrid(u, v), axis=-1))


def equirect_solid_angles(H: int, W: int) -> np.ndarray:
    """float64 [H]: exact solid angle of one pixel in each row (sums to 4 pi over the map)."""
    t = np.pi * np.arange(H + 1) / H
    return (2 * np.pi / W) * (np.cos(t[:-1]) - np.cos(t[1:]))


def _area_resample_axis(a: np.ndarray, n_out: int, axis: int) -> np.ndarray:
    """Box-filter resample along one axis (exact area averages, so energy - a sun's total
    power - is preserved), via the prefix-sum integral of the piecewise-constant signal."""
    n_in = a.shape[axis]
    if n_in == n_out:
        return a
    if n_in % n_out == 0:  # integer factor: plain block means
        a = np.moveaxis(a, axis, 0)
        k = n_in // n_out
        out = a.reshape((n_out, k) + a.shape[1:]).mean(axis=1, dtype=np.float64)
        return np.moveaxis(out, 0, axis)
    a = np.moveaxis(a, axis, 0).astype(np.float64)
    C = np.concatenate([np.zeros((1,) + a.shape[1:]), np.cumsum(a, axis=0)])
    x = np.arange(n_out + 1) * (n_in / n_out)
    i = np.minimum(np.floor(x).astype(np.int64), n_in - 1)
    f = (x - i).reshape((-1,) + (1,) * (a.ndim - 1))
    Cx = C[i] + f * a[i]
    return np.moveaxis((Cx[1:] - Cx[:-1]) / (n_in / n_out), 0, axis)


def area_resize(img, H: int, W: int) -> np.ndarray:
    """float32 [h, w, C] -> [H, W, C] by exact area averaging (any ratio; best for shrinking)."""
    return _area_resample_axis(_area_resample_axis(np.asarray(img), W, 1), H, 0).astype(np.float32)


def project_irradiance_sh(env, max_width: int = 256) -> np.ndarray:
    """Irradiance SH float32 [9, 3] of an equirect radiance map env [H, W, 3] (world frame):
    solid-angle-weighted projection of the radiance (exact per-row pixel solid angles), then the
    clamped-cosine convolution. Maps wider than max_width are area-averaged down first (exact
    in energy; the error on order-2 SH is negligible)."""
    env = np.asarray(env, np.float32)
    if env.ndim != 3 or env.shape[2] != 3:
        raise ValueError(f"project_irradiance_sh: env must be [H, W, 3], got {env.shape}")
    H, W = env.shape[:2]
    if W > max_width:
        H, W = max(1, round(H * max_width / W)), max_width
        env = area_resize(env, H, W)
    w = np.repeat(equirect_solid_angles(H, W), W)
    L = project_radiance_sh(equirect_pixel_dirs(H, W).reshape(-1, 3), env.reshape(-1, 3), w)
    return irradiance_from_radiance_sh(L).astype(np.float32)


def sample_env_reference(pool: "EnvPool", n: int, dirs) -> np.ndarray:
    """Slow reference of the kernel's env lookup: radiance float32 [..., 3] of map n towards unit
    directions dirs [..., 3] (bilinear; u wraps around, v is clamped to the first/last row)."""
    env = pool.map(n)
    H, W = env.shape[:2]
    uv = equirect_dir_to_uv(dirs).astype(np.float32)
    px, py = uv[..., 0] * W - 0.5, uv[..., 1] * H - 0.5
    x0, y0 = np.floor(px), np.floor(py)
    fx, fy = (px - x0)[..., None], (py - y0)[..., None]
    ix0, ix1 = x0.astype(np.int64) % W, (x0.astype(np.int64) + 1) % W
    iy0, iy1 = np.clip(y0, 0, H - 1).astype(np.int64), np.clip(y0 + 1, 0, H - 1).astype(np.int64)
    top = env[iy0, ix0] * (1 - fx) + env[iy0, ix1] * fx
    bot = env[iy1, ix0] * (1 - fx) + env[iy1, ix1] * fx
    return (top * (1 - fy) + bot * fy).astype(np.float32)


def load_env_map(path, max_width: int = 1024) -> np.ndarray:
    """One .hdr/.exr file -> float32 [H, 2H, 3] with 2H <= max_width; AssetError if unusable."""
    img = read_hdr_image(path)
    H, W = img.shape[:2]
    if abs(W - 2 * H) > max(1, 0.005 * W):
        raise AssetError(path, f"not an equirectangular 2:1 map (size {H}x{W})", _KIND)
    if H < 4:
        raise AssetError(path, f"too small ({H}x{W})", _KIND)
    W2 = min(max_width, W) // 2 * 2
    return area_resize(img, W2 // 2, W2) if (H, W) != (W2 // 2, W2) else img


class EnvPool:
    """N equirect HDR maps in one buffer. data float32 [total]; offsets int64 [N] (in floats);
    sizes int32 [N, 2] (H, W); sh float32 [N, 9, 3] irradiance SH (world frame); names."""

    def __init__(self, data, offsets, sizes, sh, names):
        self.data = np.ascontiguousarray(data, np.float32).reshape(-1)
        self.offsets = np.ascontiguousarray(offsets, np.int64).reshape(-1)
        self.sizes = np.ascontiguousarray(sizes, np.int32).reshape(-1, 2)
        self.sh = np.ascontiguousarray(sh, np.float32).reshape(-1, 9, 3)
        self.names = list(names)
        n = len(self.offsets)
        if not (self.sizes.shape[0] == self.sh.shape[0] == len(self.names) == n):
            raise ValueError("EnvPool: offsets, sizes, sh and names disagree in length")

    @classmethod
    def from_maps(cls, maps: list[np.ndarray], names: list[str] | None = None) -> "EnvPool":
        """Pack float [H, 2H, 3] linear-RGB maps; computes their irradiance SH."""
        names = [f"env{i}" for i in range(len(maps))] if names is None else list(names)
        if not maps or len(names) != len(maps):
            raise ValueError(f"EnvPool.from_maps: {len(maps)} maps, {len(names)} names")
        maps = [np.ascontiguousarray(m, np.float32) for m in maps]
        for m, nm in zip(maps, names):
            if m.ndim != 3 or m.shape[2] != 3 or m.shape[1] != 2 * m.shape[0]:
                raise ValueError(f"EnvPool.from_maps: map '{nm}' must be [H, 2H, 3], got {m.shape}")
        sizes = np.array([m.shape[:2] for m in maps], np.int32)
        counts = sizes[:, 0].astype(np.int64) * sizes[:, 1] * 3
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        data = np.concatenate([m.reshape(-1) for m in maps])
        sh = np.stack([project_irradiance_sh(m) for m in maps])
        return cls(data, offsets, sizes, sh, names)

    @classmethod
    def from_folder(cls, path, max_width: int = 1024, on_bad: str = "error",
                    recursive: bool = True) -> "EnvPool":
        """All .hdr/.exr maps under path (sorted), area-downscaled to width <= max_width.
        on_bad "error": AssetError(file, reason); "skip": warnings.warn naming it, continue.
        Memory: H*W*12 bytes per map (1024x512: 6 MiB)."""
        if on_bad not in ("error", "skip"):
            raise ValueError(f"EnvPool.from_folder: on_bad must be 'error' or 'skip', got {on_bad!r}")
        path = os.fspath(path)
        if not os.path.isdir(path):
            raise AssetError(path, "not a directory", _KIND)
        walk = ((d, fs) for d, _, fs in os.walk(path)) if recursive else [(path, os.listdir(path))]
        files = sorted(os.path.join(d, f) for d, fs in walk for f in fs
                       if f.lower().endswith(ENV_EXTENSIONS))
        if not files:
            raise AssetError(path, "no .hdr/.exr files in the folder", _KIND)
        maps, names = [], []
        for f in files:
            try:
                maps.append(load_env_map(f, max_width))
                names.append(f)
            except AssetError as e:
                if on_bad == "error":
                    raise
                warnings.warn(f"skipping {e}", stacklevel=2)
        if not maps:
            raise AssetError(path, f"none of the {len(files)} map files could be read", _KIND)
        return cls.from_maps(maps, names)

    @classmethod
    def builtin(cls, seed: int = 0, n: int = 8, width: int = 512) -> "EnvPool":
        """n procedural maps (skies with sun, overcast, sunset, rooms, studio) of [width/2,
        width], deterministic in seed; cached, read-only. Default: 8 x 1.5 MiB = 12 MiB and
        ~0.4 s of CPU; width=1024 (sharper when seen as a background): 48 MiB, ~1.6 s."""
        return _builtin_env(int(seed), int(n), int(width))

    def __len__(self) -> int:
        return len(self.offsets)

    def map(self, n: int) -> np.ndarray:
        """float32 [H, W, 3] view of map n."""
        H, W = (int(v) for v in self.sizes[n])
        o = int(self.offsets[n])
        return self.data[o:o + H * W * 3].reshape(H, W, 3)

    def __repr__(self) -> str:
        return f"EnvPool({len(self)} maps, {self.data.nbytes / 2**20:.1f} MiB)"


@functools.lru_cache(maxsize=4)
def _builtin_env(seed: int, n: int, width: int) -> EnvPool:
    from handraster.scene.builtin_cache import cached_arrays

    def build():
        p = _build_builtin_env(seed, n, width)
        return {"data": p.data, "offsets": p.offsets, "sizes": p.sizes, "sh": p.sh, "names": np.array(p.names)}
    a = cached_arrays("builtin_env", ("handraster.scene.env_maps", "handraster.scene.procedural_env",
                                      "handraster.scene.sh"), (seed, n, width), build)
    pool = EnvPool(a["data"], a["offsets"], a["sizes"], a["sh"], [str(x) for x in a["names"]])
    for arr in (pool.data, pool.offsets, pool.sizes, pool.sh):
        arr.setflags(write=False)
    return pool


def _build_builtin_env(seed: int, n: int, width: int) -> EnvPool:
    from handraster.scene.procedural_env import procedural_env

    from concurrent.futures import ThreadPoolExecutor

    def make(i):  # own generator per map: threading does not change the result
        return procedural_env(np.random.default_rng([seed, 1000 + i]), width, i)

    with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as ex:  # numpy releases the GIL
        made = list(ex.map(make, range(n)))
    maps = [m for _, m in made]
    names = [f"builtin:env/{i:02d}-{kind}" for i, (kind, _) in enumerate(made)]
    return EnvPool.from_maps(maps, names)
