"""Image encoders/decoders for the writers and readers (Pillow), plus a deterministic npz.

Every encoder is deterministic (same array -> same bytes), which the byte-identical resume
relies on: no timestamps, fixed encoder settings.
  rgb:   uint8 [H,W,3] <-> JPEG (quality, chroma subsampling) or PNG
  depth: float32 [H,W] metres <-> 16-bit PNG of round(depth / depth_scale), clipped to 65535
  mask:  uint8 [H,W] part labels <-> 8-bit greyscale PNG (exact)
PNG compress level 1 (the default) uses the native run-length encoder (png_native.py: smaller
and several times faster than zlib level 1 on rendered depth and masks); other levels use zlib.
The *_batch functions encode a whole batch [B,H,W] in one native call.
"""
from __future__ import annotations

import io
import struct
import zlib
import zipfile
from typing import List

import numpy as np
from PIL import Image

from handraster.data.png_native import KIND_DEPTH, KIND_U8, MAX_NATIVE_ROW_BYTES, png_files

DEPTH_MAX_UNITS = 65535


def encode_rgb(rgb: np.ndarray, fmt: str = "jpg", quality: int = 95, compress_level: int = 1,
               subsampling: str = "4:2:0") -> bytes:
    """uint8 [H,W,3] -> JPEG ('jpg', chroma ``subsampling`` '4:2:0' or '4:4:4') or PNG bytes."""
    img = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB")
    buf = io.BytesIO()
    if fmt == "jpg":
        img.save(buf, format="JPEG", quality=int(quality), subsampling=subsampling, optimize=False)
    elif fmt == "png":
        img.save(buf, format="PNG", compress_level=int(compress_level))
    else:
        raise ValueError(f"encode_rgb: fmt must be 'jpg' or 'png', got {fmt!r}")
    return buf.getvalue()


def decode_rgb(data: bytes) -> np.ndarray:
    """JPEG/PNG bytes -> uint8 [H,W,3]."""
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def quantize_depth(depth: np.ndarray, depth_scale: float) -> np.ndarray:
    """float32 metres -> uint16 units of depth_scale (0 stays 0; beyond range clips)."""
    q = np.rint(np.asarray(depth, np.float64) * (1.0 / depth_scale))
    return np.clip(q, 0, DEPTH_MAX_UNITS, out=q).astype(np.uint16)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png_gray(a: np.ndarray, compress_level: int = 1) -> bytes:
    """uint8 or uint16 [H,W] -> greyscale PNG bytes, every row with PNG's 'Up' filter.

    A fixed filter (instead of Pillow's per-row adaptive choice) is ~3x faster to encode and
    compresses smooth depth and flat label maps about as well; any PNG reader decodes it."""
    a = np.asarray(a)
    if a.ndim != 2 or a.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"encode_png_gray: expected uint8/uint16 [H,W], got {a.dtype} {a.shape}")
    H, W = a.shape
    raw = a.astype(">u2").view(np.uint8).reshape(H, 2 * W) if a.dtype == np.uint16 else a
    rows = np.empty((H, raw.shape[1] + 1), np.uint8)
    rows[:, 0] = 2                                   # filter type 2: Up
    rows[0, 1:] = raw[0]
    np.subtract(raw[1:], raw[:-1], out=rows[1:, 1:])  # uint8 arithmetic wraps mod 256, as PNG wants
    ihdr = struct.pack(">IIBBBBB", W, H, 16 if a.dtype == np.uint16 else 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), int(compress_level))) + _chunk(b"IEND", b""))


def _native_png(shape, compress_level: int, bytes_per_pixel: int) -> bool:
    return int(compress_level) == 1 and len(shape) == 3 and 0 < shape[2] * bytes_per_pixel <= MAX_NATIVE_ROW_BYTES


def encode_depth_batch(depth: np.ndarray, depth_scale: float, compress_level: int = 1) -> List[bytes]:
    """float32 [B,H,W] metres -> B 16-bit greyscale PNGs (the pixels of quantize_depth)."""
    if _native_png(np.shape(depth), compress_level, 2):
        return png_files(depth, KIND_DEPTH, 1.0 / depth_scale)
    return [encode_png_gray(quantize_depth(d, depth_scale), compress_level) for d in depth]


def encode_mask_batch(mask: np.ndarray, compress_level: int = 1) -> List[bytes]:
    """uint8 [B,H,W] part labels -> B 8-bit greyscale PNGs."""
    mask = np.asarray(mask, dtype=np.uint8)
    if _native_png(mask.shape, compress_level, 1):
        return png_files(mask, KIND_U8)
    return [encode_png_gray(m, compress_level) for m in mask]


def encode_depth(depth: np.ndarray, depth_scale: float, compress_level: int = 1) -> bytes:
    """float32 [H,W] metres -> 16-bit greyscale PNG bytes (see quantize_depth)."""
    return encode_depth_batch(np.asarray(depth, np.float32)[None], depth_scale, compress_level)[0]


def decode_depth(data: bytes, depth_scale: float) -> np.ndarray:
    """16-bit PNG bytes -> float32 [H,W] metres (units * depth_scale)."""
    with Image.open(io.BytesIO(data)) as img:
        q = np.asarray(img)
    return (q.astype(np.float64) * depth_scale).astype(np.float32)


def encode_mask(mask: np.ndarray, compress_level: int = 1) -> bytes:
    """uint8 [H,W] -> 8-bit greyscale PNG bytes."""
    return encode_mask_batch(np.asarray(mask, dtype=np.uint8)[None], compress_level)[0]


def decode_mask(data: bytes) -> np.ndarray:
    """PNG (or JPEG, thresholded by the caller) bytes -> uint8 [H,W]."""
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("L"))


_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def encode_npz(**arrays: np.ndarray) -> bytes:
    """An .npz (readable by np.load) with fixed member timestamps, unlike np.savez."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, a in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(a), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            zf.writestr(info, member.getvalue())
    return buf.getvalue()


def decode_npz(data: bytes) -> dict:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}
