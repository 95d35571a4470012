"""Contact sheets of a dataset: per sample a 2x2 block of the RGB, the 2D skeleton overlay
(visible joints filled, occluded joints hollow), the part-mask tint and a depth colour map."""
from __future__ import annotations

import math
from typing import Iterable, Optional, Sequence

import numpy as np
from PIL import Image, ImageDraw

from handraster.models.joints import OPENPOSE_BONES

# Part colours (DESIGN.md part labels 0-8) and one colour per finger (thumb .. pinky).
PART_COLORS = np.array([[0, 0, 0], [230, 200, 60], [230, 60, 60], [60, 200, 60], [60, 120, 230],
                        [200, 60, 200], [60, 210, 210], [150, 150, 150], [250, 140, 20]], np.uint8)
FINGER_COLORS = [(255, 64, 64), (64, 220, 64), (64, 128, 255), (220, 64, 220), (64, 220, 220)]
_CMAP = np.array([[48, 18, 59], [70, 130, 248], [27, 229, 181], [164, 252, 60], [251, 185, 56],
                  [227, 60, 10], [122, 4, 3]], np.float64)   # turbo-like anchors, near -> far


def depth_colormap(depth: np.ndarray) -> np.ndarray:
    """float32 [H,W] metres -> uint8 [H,W,3]; 0 (no surface) is black, the rest spans the
    sample's own min..max."""
    d = np.asarray(depth, np.float64)
    valid = d > 0
    out = np.zeros(d.shape + (3,), np.uint8)
    if valid.any():
        lo, hi = d[valid].min(), d[valid].max()
        t = (d[valid] - lo) / max(hi - lo, 1e-6) * (len(_CMAP) - 1)
        x = np.arange(len(_CMAP))
        out[valid] = np.stack([np.interp(t, x, _CMAP[:, c]) for c in range(3)], -1).astype(np.uint8)
    return out


def mask_tint(rgb: np.ndarray, mask: np.ndarray, alpha: float = 0.55) -> np.ndarray:
    """RGB with each labelled pixel blended towards its part colour."""
    col = PART_COLORS[np.clip(mask, 0, len(PART_COLORS) - 1)].astype(np.float32)
    a = (mask > 0)[..., None] * alpha
    return (rgb * (1 - a) + col * a).astype(np.uint8)


def skeleton_overlay(rgb: np.ndarray, joints2d: np.ndarray, visibility: Optional[np.ndarray] = None,
                     scale: float = 1.0) -> Image.Image:
    """RGB with the OpenPose skeleton drawn (coordinates multiplied by ``scale``)."""
    img = Image.fromarray(np.ascontiguousarray(rgb))
    d = ImageDraw.Draw(img)
    j = np.asarray(joints2d, np.float64) * scale
    vis = np.ones(len(j), bool) if visibility is None else np.asarray(visibility, bool)
    w = max(1, round(img.width / 100))
    for p, c in OPENPOSE_BONES:
        d.line([tuple(j[p]), tuple(j[c])], fill=FINGER_COLORS[(c - 1) // 4], width=w)
    r = max(1.5, img.width / 80)
    for k, (x, y) in enumerate(j):
        col = (255, 255, 255) if k == 0 else FINGER_COLORS[(k - 1) // 4]
        d.ellipse([x - r, y - r, x + r, y + r], fill=col if vis[k] else None, outline=col)
    return img


def sample_block(s: dict, tile: int) -> Image.Image:
    """The 2x2 block of one sample, each panel ``tile`` pixels tall."""
    rgb = s["rgb"]
    H, W = rgb.shape[:2]
    tw = max(1, round(tile * W / H))
    def resized(a, how):
        return a if a.shape[:2] == (tile, tw) else np.asarray(Image.fromarray(a).resize((tw, tile), how))

    small = lambda a: resized(a, Image.BILINEAR)  # noqa: E731
    nearest = lambda a: resized(a, Image.NEAREST)  # noqa: E731
    base = small(rgb)
    mask = nearest(s["mask"]) if s.get("mask") is not None else np.zeros((tile, tw), np.uint8)
    depth = depth_colormap(s["depth"]) if s.get("depth") is not None else np.zeros((H, W, 3), np.uint8)
    panels = [Image.fromarray(base), skeleton_overlay(base, s["joints2d"], s.get("visibility"), tw / W),
              Image.fromarray(mask_tint(base, mask)), Image.fromarray(nearest(depth))]
    block = Image.new("RGB", (2 * tw, 2 * tile))
    for k, p in enumerate(panels):
        block.paste(p, ((k % 2) * tw, (k // 2) * tile))
    ImageDraw.Draw(block).text((3, 2), str(int(s["index"])), fill=(255, 255, 255))
    return block


def contact_sheet(samples: Iterable[dict], tile: int = 96, cols: Optional[int] = None, gap: int = 4) -> Image.Image:
    """A grid of sample blocks (see sample_block) on a dark background."""
    blocks = [sample_block(s, tile) for s in samples]
    if not blocks:
        raise ValueError("contact_sheet: no samples")
    n = len(blocks)
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    bw, bh = blocks[0].size
    sheet = Image.new("RGB", (cols * (bw + gap) + gap, rows * (bh + gap) + gap), (24, 24, 24))
    for k, b in enumerate(blocks):
        sheet.paste(b, (gap + (k % cols) * (bw + gap), gap + (k // cols) * (bh + gap)))
    return sheet


def pick_indices(total: int, n: int, seed: int = 0, spread: bool = True) -> Sequence[int]:
    """n item positions out of total: evenly spread (default) or random with ``seed``."""
    n = min(n, total)
    if spread:
        return sorted(set(np.linspace(0, total - 1, n).round().astype(int).tolist()))
    return sorted(np.random.default_rng(seed).choice(total, n, replace=False).tolist())


def preview(root, out, n: int = 64, tile: int = 96, seed: int = 0, random: bool = False) -> Image.Image:
    """Write the contact sheet of ``n`` samples of the dataset at ``root`` to ``out``."""
    from handraster.data.reader import open as open_dataset
    ds = open_dataset(root)
    if len(ds) == 0:
        raise ValueError(f"{root}: the dataset has no complete shards yet")
    sheet = contact_sheet((ds[i] for i in pick_indices(len(ds), n, seed, not random)), tile=tile)
    sheet.save(out)
    return sheet
