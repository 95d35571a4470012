"""Asset files (background photos, HDR environment maps, textures): listing and checked reads.

A file that cannot be read raises AssetError(path, reason); the generator turns it into a
message naming the file, or skips the file when the config says ``on_bad_asset: skip``.
read_hdr reads Radiance RGBE (.hdr) files: flat or new-style run-length encoded scanlines,
the standard ``-Y H +X W`` orientation.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Sequence

import numpy as np

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
HDR_EXTS = (".hdr",)


class AssetError(Exception):
    """A corrupt or unreadable asset file: ``path`` and ``reason``."""

    def __init__(self, path, reason: str):
        super().__init__(str(path), reason)
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


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


def _rle_scanline(buf: bytes, pos: int, W: int, path) -> tuple:
    """Decode one new-style RLE scanline starting at pos (after the 4-byte marker)."""
    row = np.empty((4, W), np.uint8)
    for c in range(4):
        x = 0
        while x < W:
            if pos >= len(buf):
                raise AssetError(path, "truncated HDR scanline data")
            n = buf[pos]
            pos += 1
            if n > 128:  # a run
                n -= 128
                if x + n > W or pos >= len(buf):
                    raise AssetError(path, "corrupt HDR run length")
                row[c, x:x + n] = buf[pos]
                pos += 1
            else:        # n literal bytes
                if n == 0 or x + n > W or pos + n > len(buf):
                    raise AssetError(path, "corrupt HDR literal run")
                row[c, x:x + n] = np.frombuffer(buf, np.uint8, n, pos)
                pos += n
            x += n
    return row.T, pos


def read_hdr(path) -> np.ndarray:
    """A Radiance .hdr file -> float32 [H,W,3] linear radiance; AssetError if it is not one."""
    try:
        buf = Path(path).read_bytes()
    except OSError as e:
        raise AssetError(path, f"cannot read ({e.strerror or e})") from None
    if not buf.startswith(b"#?"):
        raise AssetError(path, "not a Radiance HDR file (missing '#?RADIANCE' header)")
    end = buf.find(b"\n\n")
    if end < 0:
        raise AssetError(path, "HDR header is not terminated by an empty line")
    header = buf[:end].decode("latin-1").splitlines()
    fmt = [h for h in header if h.startswith("FORMAT=")]
    if fmt and fmt[0].strip() != "FORMAT=32-bit_rle_rgbe":
        raise AssetError(path, f"unsupported HDR {fmt[0].strip()} (expected 32-bit_rle_rgbe)")
    nl = buf.find(b"\n", end + 2)
    res = buf[end + 2:nl].decode("latin-1").split()
    if len(res) != 4 or res[0] != "-Y" or res[2] != "+X" or not (res[1].isdigit() and res[3].isdigit()):
        raise AssetError(path, f"unsupported HDR resolution line {' '.join(res)!r} (expected '-Y H +X W')")
    H, W = int(res[1]), int(res[3])
    if H <= 0 or W <= 0:
        raise AssetError(path, f"HDR size {H}x{W} is empty")
    pos = nl + 1
    rgbe = np.empty((H, W, 4), np.uint8)
    for y in range(H):
        marker = buf[pos:pos + 4]
        if 8 <= W < 32768 and len(marker) == 4 and marker[0] == 2 and marker[1] == 2 and marker[2] < 128:
            if (marker[2] << 8 | marker[3]) != W:
                raise AssetError(path, "HDR scanline width does not match the header")
            rgbe[y], pos = _rle_scanline(buf, pos + 4, W, path)
        else:  # flat scanline
            if pos + 4 * W > len(buf):
                raise AssetError(path, "truncated HDR pixel data")
            rgbe[y] = np.frombuffer(buf, np.uint8, 4 * W, pos).reshape(W, 4)
            pos += 4 * W
    e = rgbe[..., 3].astype(np.int32)
    scale = np.where(e > 0, np.ldexp(1.0, e - 136), 0.0)
    return (rgbe[..., :3].astype(np.float64) * scale[..., None]).astype(np.float32)


def write_hdr(path, rgb: np.ndarray) -> None:
    """float [H,W,3] -> a flat (uncompressed) Radiance .hdr file (tests, tools)."""
    rgb = np.maximum(np.asarray(rgb, np.float64), 0)
    H, W = rgb.shape[:2]
    m = rgb.max(axis=2)
    mant, ex = np.frexp(m)
    ok = m > 1e-32
    f = np.where(ok, mant * 256.0 / np.where(ok, m, 1), 0)
    out = np.zeros((H, W, 4), np.uint8)
    out[..., :3] = np.clip(rgb * f[..., None], 0, 255).astype(np.uint8)
    out[..., 3] = np.where(ok, ex + 128, 0).astype(np.uint8)
    head = f"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y {H} +X {W}\n".encode()
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as fh:
        fh.write(head + out.tobytes())
    os.replace(tmp, path)
