"""A pool of background images packed in one flat uint8 buffer, the layout the native
compositing kernel samples from (see background_sampler.py for the affine map).

Layout: image n is ``data[offsets[n] : offsets[n] + H*W*3]`` viewed as C-contiguous [H, W, 3]
RGB (sRGB-encoded, row 0 at the top), with ``(H, W) = sizes[n]``. Pixel (y, x) channel c of
image n is ``data[offsets[n] + (y*W + x)*3 + c]``.

Sources: a folder of photos (``from_folder``), arrays (``from_images``) or the built-in set
(``builtin``: scikit-image's bundled sample photographs + procedural backgrounds, no download).
"""
from __future__ import annotations

import functools
import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from handraster.scene.errors import AssetError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")


def _as_rgb_uint8(img: np.ndarray, name: str) -> np.ndarray:
    """uint8 [H,W], [H,W,1], [H,W,3] or [H,W,4] -> C-contiguous uint8 [H,W,3] (alpha dropped)."""
    img = np.asarray(img)
    if img.dtype != np.uint8:
        raise ValueError(f"ImagePool: image '{name}' must be uint8, got {img.dtype}")
    if img.ndim == 2:
        img = img[:, :, None]
    if img.ndim != 3 or img.shape[2] not in (1, 3, 4) or img.shape[0] < 1 or img.shape[1] < 1:
        raise ValueError(f"ImagePool: image '{name}' must be [H, W, 3] (or [H, W], [H, W, 4]), "
                         f"got shape {img.shape}")
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    return np.ascontiguousarray(img[:, :, :3])


def _load_photo(path: str, max_side: int, min_side: int) -> np.ndarray:
    """Decode one file with Pillow -> uint8 [H,W,3], EXIF-rotated, longest side <= max_side.
    Raises AssetError(path, reason) for anything unusable."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as im:
            W0, H0 = im.size
            if im.format == "JPEG" and max(W0, H0) > max_side:
                # DCT-domain decode at 1/2, 1/4 or 1/8 scale, never below the target size
                s = max_side / max(W0, H0)
                im.draft("RGB", (int(np.ceil(W0 * s)), int(np.ceil(H0 * s))))
            im = ImageOps.exif_transpose(im)
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey: keep the top 8 bits
                a = np.asarray(im, dtype=np.int64)
                im = Image.fromarray((a >> 8 if a.max() > 255 else a).clip(0, 255).astype(np.uint8))
            if im.mode != "RGB":
                im = im.convert("RGB")  # L, LA, P, RGBA (alpha dropped), CMYK, YCbCr ...
            W, H = im.size
            if min(H, W) < min_side:
                raise AssetError(path, f"too small ({H}x{W} pixels, need at least {min_side})")
            if max(H, W) > max_side:
                s = max_side / max(H, W)
                im = im.resize((max(1, round(W * s)), max(1, round(H * s))), Image.LANCZOS)
            return np.ascontiguousarray(np.asarray(im, dtype=np.uint8))
    except AssetError:
        raise
    except Exception as e:  # PIL raises many types (UnidentifiedImageError, OSError, DecompressionBomb...)
        raise AssetError(path, f"cannot decode ({type(e).__name__}: {e})") from None


def _list_images(path: str, recursive: bool) -> list[str]:
    if recursive:
        files = [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs]
    else:
        files = [os.path.join(path, f) for f in os.listdir(path)]
    files = [f for f in files if f.lower().endswith(IMAGE_EXTENSIONS) and os.path.isfile(f)]
    return sorted(files)  # sorted: the pool's order (and so a seed's draws) is reproducible


class ImagePool:
    """N RGB uint8 images packed into one buffer.

    data: uint8 [total] (CPU), offsets: int64 [N] byte offsets, sizes: int32 [N, 2] (H, W),
    names: list[str] (file paths or builtin names). Memory = sum of H*W*3 bytes.
    """

    def __init__(self, data: np.ndarray, offsets: np.ndarray, sizes: np.ndarray, names: list[str]):
        self.data = np.ascontiguousarray(data, np.uint8).reshape(-1)
        self.offsets = np.ascontiguousarray(offsets, np.int64).reshape(-1)
        self.sizes = np.ascontiguousarray(sizes, np.int32).reshape(-1, 2)
        self.names = list(names)
        n = len(self.offsets)
        if self.sizes.shape[0] != n or len(self.names) != n:
            raise ValueError(f"ImagePool: {n} offsets, {self.sizes.shape[0]} sizes, {len(self.names)} names")
        ends = self.offsets + self.sizes[:, 0].astype(np.int64) * self.sizes[:, 1] * 3
        if n and (self.offsets.min() < 0 or ends.max() > self.data.size or (self.sizes < 1).any()):
            raise ValueError("ImagePool: offsets/sizes point outside data")

    @classmethod
    def from_images(cls, images: list[np.ndarray], names: list[str] | None = None) -> "ImagePool":
        """Pack uint8 [H, W, 3] arrays (also accepted: [H, W] grey, [H, W, 4] RGBA -> RGB)."""
        names = [f"image{i}" for i in range(len(images))] if names is None else list(names)
        if len(names) != len(images):
            raise ValueError(f"ImagePool.from_images: {len(images)} images but {len(names)} names")
        if not images:
            raise ValueError("ImagePool.from_images: no images")
        imgs = [_as_rgb_uint8(im, nm) for im, nm in zip(images, names)]
        sizes = np.array([im.shape[:2] for im in imgs], np.int32)
        counts = sizes[:, 0].astype(np.int64) * sizes[:, 1] * 3
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        data = np.empty(int(counts.sum()), np.uint8)
        for im, o, c in zip(imgs, offsets, counts):
            data[o:o + c] = im.reshape(-1)
        return cls(data, offsets, sizes, names)

    @classmethod
    def from_folder(cls, path, max_side: int = 1024, on_bad: str = "error", recursive: bool = True,
                    min_side: int = 16, workers: int | None = None) -> "ImagePool":
        """All jpg/jpeg/png/webp/bmp/tif(f) files under ``path`` (sorted by path), as RGB, each
        downscaled (Pillow LANCZOS) so that max(H, W) <= max_side.

        on_bad="error": the first unusable file raises AssetError(file, reason);
        on_bad="skip": it is reported with warnings.warn (naming the file) and left out.
        No readable image at all -> AssetError naming the folder. Decoding runs on a thread pool.
        """
        if on_bad not in ("error", "skip"):
            raise ValueError(f"ImagePool.from_folder: on_bad must be 'error' or 'skip', got {on_bad!r}")
        path = os.fspath(path)
        if not os.path.isdir(path):
            raise AssetError(path, "not a directory")
        files = _list_images(path, recursive)
        if not files:
            raise AssetError(path, f"no image files ({', '.join(IMAGE_EXTENSIONS)}) in the folder")

        def load(f):
            try:
                return _load_photo(f, max_side, min_side)
            except AssetError as e:
                return e

        workers = workers or min(8, os.cpu_count() or 1)
        with ThreadPoolExecutor(workers) as ex:  # Pillow releases the GIL while decoding
            results = list(ex.map(load, files))
        images, names = [], []
        for f, r in zip(files, results):
            if isinstance(r, AssetError):
                if on_bad == "error":
                    raise r
                warnings.warn(f"skipping {r}", stacklevel=2)
                continue
            images.append(r)
            names.append(f)
        if not images:
            raise AssetError(path, f"none of the {len(files)} image files could be read")
        return cls.from_images(images, names)

    @classmethod
    def builtin(cls, seed: int = 0, n_procedural: int = 48, procedural_size: int = 512) -> "ImagePool":
        """scikit-image's bundled photographs + ``n_procedural`` procedural backgrounds of
        procedural_size^2 pixels (deterministic in seed). Built once per argument set and cached
        (read-only arrays); the default set takes ~47 MiB (photos ~11 MiB + 48 x 0.75 MiB) and
        ~1.2 s of CPU (run on up to 4 threads)."""
        return _builtin_pool(int(seed), int(n_procedural), int(procedural_size))

    def __len__(self) -> int:
        return len(self.offsets)

    def image(self, n: int) -> np.ndarray:
        """uint8 [H, W, 3] view of image n (no copy)."""
        H, W = (int(v) for v in self.sizes[n])
        o = int(self.offsets[n])
        return self.data[o:o + H * W * 3].reshape(H, W, 3)

    def subset(self, indices) -> "ImagePool":
        """A new pool with the given images (copied), in that order."""
        idx = [int(i) for i in indices]
        return ImagePool.from_images([self.image(i) for i in idx], [self.names[i] for i in idx])

    def ambient_sh(self) -> np.ndarray:
        """float32 [N, 9, 3]: photo_ambient_sh of every image (camera frame), computed once."""
        if getattr(self, "_ambient", None) is None:
            from handraster.scene.ambient import photo_ambient_sh
            sh = np.stack([photo_ambient_sh(self.image(i)) for i in range(len(self))]).astype(np.float32)
            sh.setflags(write=False)
            self._ambient = sh
        return self._ambient

    def save(self, path) -> None:
        """Write the packed pool to an .npz (fast to reload with ImagePool.load)."""
        np.savez(path, data=self.data, offsets=self.offsets, sizes=self.sizes, names=np.array(self.names))

    @classmethod
    def load(cls, path) -> "ImagePool":
        with np.load(path) as z:
            return cls(z["data"], z["offsets"], z["sizes"], [str(s) for s in z["names"]])

    def __repr__(self) -> str:
        return f"ImagePool({len(self)} images, {self.data.nbytes / 2**20:.1f} MiB)"


@functools.lru_cache(maxsize=4)
def _builtin_pool(seed: int, n_procedural: int, procedural_size: int) -> ImagePool:
    from handraster.scene.builtin_cache import cached_arrays

    def build():
        p = _build_builtin_pool(seed, n_procedural, procedural_size)
        return {"data": p.data, "offsets": p.offsets, "sizes": p.sizes, "names": np.array(p.names)}
    a = cached_arrays("builtin_photos", ("handraster.scene.image_pool", "handraster.scene.procedural_backgrounds"),
                      (seed, n_procedural, procedural_size), build)
    pool = ImagePool(a["data"], a["offsets"], a["sizes"], [str(n) for n in a["names"]])
    for arr in (pool.data, pool.offsets, pool.sizes):
        arr.setflags(write=False)  # shared by every caller of builtin(): nobody may edit it
    return pool


def _build_builtin_pool(seed: int, n_procedural: int, procedural_size: int) -> ImagePool:
    from handraster.scene.procedural_backgrounds import builtin_photos, procedural_background

    photos = builtin_photos()
    images = [img for _, img in photos]
    names = [f"builtin:skimage/{name}" for name, _ in photos]
    def make(i):  # each image has its own generator: the result does not depend on threading
        return procedural_background(np.random.default_rng([seed, i]), procedural_size, i)

    with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as ex:  # numpy/FFT/Pillow release the GIL
        for i, (kind, img) in enumerate(ex.map(make, range(n_procedural))):
            images.append(img)
            names.append(f"builtin:procedural/{i:03d}-{kind}")
    return ImagePool.from_images(images, names)
