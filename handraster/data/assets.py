"""Asset files (background photos, HDR environment maps, textures): listing and checked reads.

A file that cannot be read raises AssetError(path, reason); the generator turns it into a
message naming the file, or skips the file when the config says ``on_bad_asset: skip``.
read_hdr reads Radiance RGBE (.hdr) files through scene/hdr_io.py (flat or new-style
run-length scanlines, ``-Y H +X W`` or ``+Y H +X W``).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Sequence

import numpy as np

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
HDR_EXTS = (".hdr",)


# The one asset error type of the package (scene/errors.py): path, reason and kind.
from handraster.scene.errors import AssetError  # noqa: E402


def list_assets(folder, exts: Sequence[str]) -> List[Path]:
    """Files under ``folder`` (recursive) whose suffix is in ``exts``, sorted by path, so a
    pool index means the same file on every machine."""
    folder = Path(folder)
    out = [p for p in folder.rglob("*") if p.suffix.lower() in exts and p.is_file()]
    return sorted(out, key=lambda p: p.relative_to(folder).as_posix())


def read_image(path) -> np.ndarray:
    """An image file -> uint8 [H,W,3] RGB; AssetError when it is not a readable image."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as img:
            img.load()
            return np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise AssetError(path, f"unreadable image ({type(e).__name__}: {e})") from None


def read_hdr(path) -> np.ndarray:
    """A Radiance .hdr file -> float32 [H,W,3] linear radiance (scene/hdr_io.py's decoder);
    AssetError naming the file when it cannot be read or is not a Radiance file."""
    from handraster.scene.hdr_io import read_radiance_hdr
    try:
        return read_radiance_hdr(path)
    except OSError as e:
        raise AssetError(path, f"cannot read ({e.strerror or e})", "environment map") from None
    except ValueError as e:
        raise AssetError(path, f"HDR {e}", "environment map") from None


def write_hdr(path, rgb: np.ndarray) -> None:
    """float [H,W,3] linear radiance -> a Radiance .hdr file (scene/hdr_io.py)."""
    from handraster.scene.hdr_io import write_radiance_hdr
    write_radiance_hdr(path, rgb)
