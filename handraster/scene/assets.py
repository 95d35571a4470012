"""SceneAssets: the photo and environment pools, occluder meshes and per-view background
choice. Built once per Renderer; nothing here runs per pixel."""
from __future__ import annotations

import numpy as np

from handraster.scene.lighting import constant_sh


def _rot_x(a):
    """Rotations [n, 3, 3] about x by the angles a [n] (radians)."""
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack([o, z, z, z, c, -s, z, s, c], -1).reshape(-1, 3, 3)


def _rot_y(a):
    """Rotations [n, 3, 3] about y by the angles a [n] (radians)."""
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack([c, z, s, z, o, z, -s, z, c], -1).reshape(-1, 3, 3)


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
        max_side = int(1.5 * max(cfg.resolution))

        def pack():
            rgba, off, hw = pack_rgba(self.photos, max_side=max_side)
            return {"rgba": rgba, "off": off, "hw": hw, "sh": self.photos.ambient_sh()}
        if cfg.background_folder:
            a = pack()
        else:  # the built-in pool: its downscaled packing and SH are cached on disk too
            from handraster.scene.builtin_cache import cached_arrays
            a = cached_arrays("builtin_photos_packed", ("handraster.scene.image_pool", "handraster.scene.assets",
                                                        "handraster.scene.ambient",
                                                        "handraster.scene.procedural_backgrounds"),
                              (max_side,), pack)
        self.photo_sh, self.pool_rgba, self.pool_off, self.pool_hw = a["sh"], a["rgba"], a["off"], a["hw"]
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
        # skin textures: the folder's images (skin.texture_dir, sorted file order), then the
        # fixed pool drawn from a linear texture model (skin.texture_model, scene/texture_model.py);
        # packed like the photos; skin.diversity keeps the first fraction, at least one
        self.n_textures = 0
        self.texture_model_coeffs = None  # float32 [count, K]: pool entry n_folder + k has row k
        images, names = [], []
        if getattr(cfg, "skin_texture_dir", None):
            tex = ImagePool.from_folder(cfg.skin_texture_dir, on_bad=on_bad)
            if len(tex) == 0:
                from handraster.scene.errors import AssetError
                raise AssetError(cfg.skin_texture_dir, "holds no usable texture image", "skin texture")
            images += [tex.image(n) for n in range(len(tex))]
            names += list(tex.names)
        self.n_folder_textures = len(images)
        if getattr(cfg, "skin_texture_model", None):
            from handraster.scene.texture_model import texture_model_pool
            model_tex, self.texture_model_coeffs = texture_model_pool(cfg.skin_texture_model,
                                                                      cfg.skin_texture_model_count)
            images += model_tex
            names += [f"texture_model:{k}" for k in range(len(model_tex))]
        if images:
            self.tex_rgba, self.tex_off, self.tex_hw = pack_rgba(ImagePool.from_images(images, names),
                                                                 max_side=1024)
            self.n_textures = max(1, int(np.ceil(cfg.skin_diversity * len(images))))

    def _env(self, n):
        h, w = self.envs.sizes[n]
        o = self.envs.offsets[n]
        return self.envs.data[o:o + h * w * 3].reshape(h, w, 3)

    def sample_background(self, rng, hw, n: int) -> dict:
        """Backgrounds of n views (a row tree): mode int64 [n] (0 photo, 1 environment, 2 solid
        colour), id int64 [n], name list of n (None for solid), affine float32 [n, 2, 3] (photo
        crop), param float32 [n, 8] (solid RGB 0-255 in 0:3, environment exposure in 3),
        env_rot / sh_rot float32 [n, 3, 3] (camera-frame directions -> the environment's / SH's
        frame), sh float32 [n, 9, 3] (the ambient irradiance SH). Every row draws the values
        of every mode (a fixed slot layout per row) and keeps its own mode's."""
        from handraster.scene.background_sampler import crop_affines, crops_from_uniforms
        mode = rng.choice(3, size=n, p=self.bg_weights)
        u = rng.random((n, 11))  # photo id, crop (5), env id, yaw, pitch, exposure; then colour
        colour = 20 + 215 * rng.random((n, 3))
        photo = np.minimum(np.floor(u[:, 0] * self.n_photos), max(self.n_photos - 1, 0)).astype(np.int64)
        env = np.minimum(np.floor(u[:, 6] * self.n_envs), max(self.n_envs - 1, 0)).astype(np.int64)
        is_photo, is_env = mode == 0, mode == 1
        out = dict(mode=mode, id=np.where(is_photo, photo, np.where(is_env, env, 0)),
                   affine=np.zeros((n, 2, 3), np.float32), param=np.zeros((n, 8), np.float32),
                   env_rot=np.tile(np.eye(3, dtype=np.float32), (n, 1, 1)), sh=np.zeros((n, 9, 3), np.float32))
        if is_photo.any():
            crop = crops_from_uniforms(u[is_photo, 1:6], self.pool_hw[photo[is_photo]], hw)
            out["affine"][is_photo] = crop_affines(*crop, hw)
            out["sh"][is_photo] = self.photo_sh[photo[is_photo]]
        if is_env.any():
            k = env[is_env]
            R = _rot_y(2 * np.pi * u[is_env, 7]) @ _rot_x(u[is_env, 8] - 0.5) @ _CAM_TO_ENV
            out["env_rot"][is_env] = R
            exposure = (0.6 + 0.8 * u[is_env, 9]) / np.maximum(1e-6, self.env_lum[k] * 4.0)
            out["param"][is_env, 3] = exposure
            out["sh"][is_env] = self.envs.sh[k] * exposure[:, None, None]
        solid = mode == 2
        out["param"][solid, :3] = colour[solid]
        out["sh"][solid] = constant_sh((colour[solid] / 255.0) ** 2.2)
        out["sh_rot"] = out["env_rot"]
        out["name"] = [self.photos.names[i] if m == 0 else self.envs.names[i] if m == 1 else None
                       for m, i in zip(mode.tolist(), out["id"].tolist())]
        return out
