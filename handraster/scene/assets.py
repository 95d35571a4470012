"""SceneAssets: the photo and environment pools, occluder meshes and per-view background
choice. Built once per Renderer; nothing here runs per pixel."""
from __future__ import annotations

import numpy as np

from handraster.scene.lighting import constant_sh


def _rot_x(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _rot_y(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


# camera frame (x right, y down, z forward) -> environment frame (x right, y up, z back)
_CAM_TO_ENV = np.diag([1.0, -1.0, -1.0])


def pack_rgba(pool, max_side: int):
    """The ImagePool's images as packed RGBA pixels (int32 [total], R in the low byte), each
    downscaled (Lanczos) so its longer side is at most `max_side`; returns (pixels, per-image
    pixel offsets, sizes [N, 2]). One word per bilinear tap, and images about 1.5x the output
    size keep a crop's working set in the L2 cache (full-size photos made the background
    fetch memory-bound)."""
    from PIL import Image
    imgs = []
    for n in range(len(pool)):
        img = pool.image(n)
        h, w = img.shape[:2]
        if max(h, w) > max_side:
            s = max_side / max(h, w)
            img = np.asarray(Image.fromarray(img).resize((max(1, round(w * s)), max(1, round(h * s))),
                                                         Image.LANCZOS))
        imgs.append(img)
    sizes = np.array([i.shape[:2] for i in imgs], np.int32).reshape(-1, 2)
    n_px = int(sum(int(h) * int(w) for h, w in sizes))
    rgba = np.zeros((n_px, 4), np.uint8)
    offs = np.zeros(len(imgs), np.int64)
    o = 0
    for n, img in enumerate(imgs):
        rgba[o:o + img.shape[0] * img.shape[1], :3] = img.reshape(-1, 3)
        offs[n] = o
        o += img.shape[0] * img.shape[1]
    return rgba.view(np.int32).reshape(-1), offs, sizes


class SceneAssets:
    def __init__(self, cfg, seed: int = 0):
        from handraster.scene.env_maps import EnvPool
        from handraster.scene.image_pool import ImagePool
        on_bad = cfg.on_bad_asset
        self.photos = (ImagePool.from_folder(cfg.background_folder, on_bad=on_bad)
                       if cfg.background_folder else ImagePool.builtin(seed=0))
        self.envs = (EnvPool.from_folder(cfg.hdri_folder, on_bad=on_bad)
                     if cfg.hdri_folder else EnvPool.builtin(seed=0))
        self.photo_sh = self.photos.ambient_sh()
        self.pool_rgba, self.pool_off, self.pool_hw = pack_rgba(
            self.photos, max_side=int(1.5 * max(cfg.resolution)))
        self.env_lum = np.array([float(np.mean(self._env(n) @ [0.2126, 0.7152, 0.0722]))
                                 for n in range(len(self.envs))])
        w = np.asarray(cfg.background_weights, np.float64)
        if len(self.envs) == 0:
            w[1] = 0
        if len(self.photos) == 0:
            w[0] = 0
        self.bg_weights = w / w.sum()
        # background.diversity (gap paper's 5/25/50 % ablations): only the first fraction of each
        # pool (in the pool's sorted file order) is ever drawn; at least one image each
        frac = float(getattr(cfg, "background_diversity", 1.0))
        self.n_photos = max(1, int(np.ceil(frac * len(self.photos)))) if len(self.photos) else 0
        self.n_envs = max(1, int(np.ceil(frac * len(self.envs)))) if len(self.envs) else 0
        # skin textures (skin.texture_dir): packed like the photos; skin.diversity keeps the
        # first fraction (sorted file order), at least one
        self.n_textures = 0
        if getattr(cfg, "skin_texture_dir", None):
            tex = ImagePool.from_folder(cfg.skin_texture_dir, on_bad=on_bad)
            if len(tex) == 0:
                from handraster.scene.errors import AssetError
                raise AssetError(cfg.skin_texture_dir, "holds no usable texture image", "skin texture")
            self.tex_rgba, self.tex_off, self.tex_hw = pack_rgba(tex, max_side=1024)
            self.n_textures = max(1, int(np.ceil(cfg.skin_diversity * len(tex))))

    def _env(self, n):
        h, w = self.envs.sizes[n]
        o = self.envs.offsets[n]
        return self.envs.data[o:o + h * w * 3].reshape(h, w, 3)

    def sample_background(self, rng: np.random.Generator, hw, extrinsics) -> dict:
        """Background of one view: mode 0 photo (id, affine), 1 environment (id, rotation,
        exposure), 2 solid colour; plus the ambient SH and the rotation that takes camera-frame
        normals into the SH's frame."""
        from handraster.scene.background_sampler import sample_background_affine
        mode = int(rng.choice(3, p=self.bg_weights))
        out = dict(mode=mode, id=0, name=None, affine=np.zeros((2, 3), np.float32), param=np.zeros(8, np.float32),
                   env_rot=np.eye(3, dtype=np.float32), sh_rot=np.eye(3, dtype=np.float32))
        if mode == 0:
            n = int(rng.integers(self.n_photos))
            out["id"], out["name"] = n, self.photos.names[n]
            out["affine"] = sample_background_affine(rng, tuple(self.pool_hw[n]), hw).astype(np.float32)
            out["sh"] = self.photo_sh[n]
        elif mode == 1:
            n = int(rng.integers(self.n_envs))
            out["id"], out["name"] = n, self.envs.names[n]
            R = _rot_y(rng.uniform(0, 2 * np.pi)) @ _rot_x(rng.uniform(-0.5, 0.5)) @ _CAM_TO_ENV
            out["env_rot"] = R.astype(np.float32)
            out["sh_rot"] = out["env_rot"]
            exposure = float(rng.uniform(0.6, 1.4) / max(1e-6, self.env_lum[n] * 4.0))
            out["param"][3] = exposure
            out["sh"] = (self.envs.sh[n] * exposure).astype(np.float32)
        else:
            c = rng.uniform(20, 235, size=3).astype(np.float32)
            out["param"][:3] = c
            out["sh"] = constant_sh((c / 255.0) ** 2.2)
        return out
