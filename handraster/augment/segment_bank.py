"""A bank of real (image, arm mask, object mask) triples to compose over renders.

Folder layout (``SegmentBank.from_folder``): for every triple NAME,
    NAME.jpg | NAME.jpeg | NAME.png   the real photograph (any mode, read as RGB)
    NAME_arm.png                      arm mask: 8-bit grey, 0 = none .. 255 = full (soft alpha)
    NAME_obj.png                      object mask, same encoding
One of the two masks may be absent (treated as empty); a mask without its photograph, a
photograph without any mask, an unreadable file or masks whose size differs from the
photograph's are errors naming the file. The gap paper makes such masks with Grounding DINO +
SAM; any source of masks works.
"""
from __future__ import annotations

import os
from typing import Sequence

import numpy as np

IMAGE_EXTS = (".jpg", ".jpeg", ".png")
MASK_SUFFIXES = ("_arm", "_obj")


def _read(path: str, mode: str) -> np.ndarray:
    from PIL import Image
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert(mode), dtype=np.uint8)
    except Exception as e:  # PIL raises several types for broken files
        raise ValueError(f"SegmentBank: cannot read {path!r}: {e}") from e


def _resize(a: np.ndarray, H: int, W: int, nearest: bool) -> np.ndarray:
    if a.shape[:2] == (H, W):
        return a
    from PIL import Image
    im = Image.fromarray(a)
    return np.asarray(im.resize((W, H), Image.NEAREST if nearest else Image.BILINEAR), dtype=np.uint8)


class SegmentBank:
    """Real segments in memory: images uint8 [h, w, 3], arm and object masks uint8 [h, w]
    (per triple; sizes may differ between triples). ``batch`` resizes to the render size."""

    def __init__(self, images: Sequence[np.ndarray], arm_masks: Sequence[np.ndarray],
                 obj_masks: Sequence[np.ndarray], names: Sequence[str] | None = None):
        if not (len(images) == len(arm_masks) == len(obj_masks)) or len(images) == 0:
            raise ValueError("SegmentBank: need one or more triples and as many arm and object "
                             f"masks as images, got {len(images)}, {len(arm_masks)}, {len(obj_masks)}")
        self.names = list(names) if names is not None else [str(i) for i in range(len(images))]
        self.images, self.arm, self.obj = [], [], []
        for i, (im, am, om) in enumerate(zip(images, arm_masks, obj_masks)):
            im, am, om = np.asarray(im), np.asarray(am), np.asarray(om)
            if im.ndim != 3 or im.shape[2] != 3 or im.dtype != np.uint8:
                raise ValueError(f"SegmentBank: image {self.names[i]!r} must be uint8 [h, w, 3], "
                                 f"got {im.dtype} {list(im.shape)}")
            for what, m in (("arm", am), ("object", om)):
                if m.dtype != np.uint8 or m.shape != im.shape[:2]:
                    raise ValueError(f"SegmentBank: {what} mask of {self.names[i]!r} must be uint8 "
                                     f"{list(im.shape[:2])} like its image, got {m.dtype} {list(m.shape)}")
            self.images.append(im)
            self.arm.append(am)
            self.obj.append(om)
        self._cache: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    @classmethod
    def from_folder(cls, path: str, size: tuple[int, int] | None = None) -> "SegmentBank":
        """Load every triple of ``path`` (layout in the module docstring), sorted by NAME;
        ``size`` = (H, W) resizes all at load (bilinear images, nearest masks)."""
        if not os.path.isdir(path):
            raise ValueError(f"SegmentBank: {path!r} is not a folder")
        files = sorted(os.listdir(path))
        photos, masks = {}, {}
        for f in files:
            stem, ext = os.path.splitext(f)
            if ext.lower() not in IMAGE_EXTS:
                continue
            if stem.endswith(MASK_SUFFIXES):
                masks[stem] = f
            elif stem in photos:
                raise ValueError(f"SegmentBank: two photographs named {stem!r} in {path!r}: "
                                 f"{photos[stem]!r} and {f!r}")
            else:
                photos[stem] = f
        for stem, f in masks.items():
            if stem[:-4] not in photos:
                raise ValueError(f"SegmentBank: mask {f!r} has no photograph {stem[:-4]}.jpg/.png in {path!r}")
        if not photos:
            raise ValueError(f"SegmentBank: no triples in {path!r} (expected NAME.jpg + NAME_arm.png + NAME_obj.png)")
        images, arms, objs = [], [], []
        for stem in sorted(photos):
            arm_f, obj_f = masks.get(stem + "_arm"), masks.get(stem + "_obj")
            if arm_f is None and obj_f is None:
                raise ValueError(f"SegmentBank: photograph {photos[stem]!r} has neither "
                                 f"{stem}_arm.png nor {stem}_obj.png in {path!r}")
            im = _read(os.path.join(path, photos[stem]), "RGB")
            ms = []
            for mf in (arm_f, obj_f):
                m = _read(os.path.join(path, mf), "L") if mf else np.zeros(im.shape[:2], np.uint8)
                if m.shape != im.shape[:2]:
                    raise ValueError(f"SegmentBank: mask {mf!r} is {m.shape[1]}x{m.shape[0]} but its "
                                     f"photograph {photos[stem]!r} is {im.shape[1]}x{im.shape[0]}")
                ms.append(m)
            if size is not None:
                im = _resize(im, size[0], size[1], nearest=False)
                ms = [_resize(m, size[0], size[1], nearest=True) for m in ms]
            images.append(im)
            arms.append(ms[0])
            objs.append(ms[1])
        return cls(images, arms, objs, names=sorted(photos))

    def __len__(self) -> int:
        return len(self.images)

    def resized(self, i: int, H: int, W: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Triple i at (H, W): image uint8 [H, W, 3], arm and object masks uint8 [H, W]."""
        key = (i, H, W)
        if key not in self._cache:
            self._cache[key] = (_resize(self.images[i], H, W, False), _resize(self.arm[i], H, W, True),
                                _resize(self.obj[i], H, W, True))
        return self._cache[key]

    def batch(self, obj_index: np.ndarray, arm_index: np.ndarray, H: int, W: int):
        """Float32 numpy: object images [B, H, W, 3] and alphas [B, H, W] from triples
        obj_index, arm images and alphas from arm_index; alphas = mask / 255."""
        B = len(obj_index)
        obj_img, arm_img = np.empty((B, H, W, 3), np.float32), np.empty((B, H, W, 3), np.float32)
        obj_a, arm_a = np.empty((B, H, W), np.float32), np.empty((B, H, W), np.float32)
        for b in range(B):
            im, _, om = self.resized(int(obj_index[b]), H, W)
            obj_img[b], obj_a[b] = im, om
            im, am, _ = self.resized(int(arm_index[b]), H, W)
            arm_img[b], arm_a[b] = im, am
        for a in (obj_img, arm_img, obj_a, arm_a):
            a *= np.float32(1.0 / 255.0)
        return obj_img, obj_a, arm_img, arm_a
