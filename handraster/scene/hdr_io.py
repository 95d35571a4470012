"""Reading HDR images: Radiance .hdr (RGBE) in pure numpy, OpenEXR through imageio's FreeImage
plugin (Debian/Ubuntu: `apt-get install libfreeimage3`). Also a small .hdr writer (tests, tools).

read_hdr_image(path) -> float32 [H, W, 3] linear RGB; any failure raises AssetError(path, reason,
kind="environment map").
"""
from __future__ import annotations

import os
import re

import numpy as np

from handraster.scene.errors import AssetError

_KIND = "environment map"


def read_radiance_hdr(path) -> np.ndarray:
    """Decode a Radiance RGBE file (flat or new-style run-length scanlines) -> float32 [H, W, 3].
    Resolution lines "-Y H +X W" (standard) and "+Y H +X W" (bottom-up) are accepted."""
    with open(path, "rb") as f:
        buf = f.read()
    if not (buf.startswith(b"#?RADIANCE") or buf.startswith(b"#?RGBE")):
        raise ValueError("not a Radiance file (no #?RADIANCE / #?RGBE signature)")
    pos = 0
    while True:  # header lines up to an empty line
        end = buf.find(b"\n", pos)
        if end < 0:
            raise ValueError("truncated header")
        line = buf[pos:end].strip()
        pos = end + 1
        if line.startswith(b"FORMAT=") and line != b"FORMAT=32-bit_rle_rgbe":
            raise ValueError(f"unsupported pixel format {line.decode(errors='replace')}")
        if not line:
            break
    end = buf.find(b"\n", pos)
    m = re.fullmatch(rb"([-+])Y (\d+) \+X (\d+)", buf[pos:end].strip())
    if end < 0 or not m:
        raise ValueError(f"unsupported resolution line {buf[pos:max(pos, end)][:40]!r}")
    bottom_up, H, W = m.group(1) == b"+", int(m.group(2)), int(m.group(3))
    pos = end + 1
    data = np.frombuffer(buf, np.uint8)
    rgbe = np.empty((H, W, 4), np.uint8)
    for y in range(H):
        if pos + 4 > len(data):
            raise ValueError(f"truncated pixel data at row {y} of {H}")
        if 8 <= W < 32768 and data[pos] == 2 and data[pos + 1] == 2 and data[pos + 2] < 128:
            if (int(data[pos + 2]) << 8 | int(data[pos + 3])) != W:
                raise ValueError(f"bad scanline header at row {y}")
            pos += 4
            for c in range(4):  # each channel run-length coded separately
                row = rgbe[y, :, c]
                x = 0
                while x < W:
                    n = int(data[pos])
                    if n > 128:
                        n -= 128
                        if x + n > W or pos + 1 >= len(data):
                            raise ValueError(f"bad run at row {y}")
                        row[x:x + n] = data[pos + 1]
                        pos += 2
                    else:
                        if n == 0 or x + n > W or pos + 1 + n > len(data):
                            raise ValueError(f"bad run at row {y}")
                        row[x:x + n] = data[pos + 1:pos + 1 + n]
                        pos += 1 + n
                    x += n
        else:  # flat scanline
            if pos + 4 * W > len(data):
                raise ValueError(f"truncated pixel data at row {y} of {H}")
            rgbe[y] = data[pos:pos + 4 * W].reshape(W, 4)
            pos += 4 * W
    e = rgbe[..., 3].astype(np.int32)
    scale = np.where(e > 0, np.ldexp(np.float32(1), e - 136), 0).astype(np.float32)
    img = rgbe[..., :3].astype(np.float32) * scale[..., None]
    return img[::-1].copy() if bottom_up else img


def write_radiance_hdr(path, img) -> None:
    """Write float [H, W, 3] (>= 0) as a flat-scanline Radiance RGBE file ("-Y H +X W")."""
    img = np.clip(np.asarray(img, np.float64), 0, None)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"write_radiance_hdr: img must be [H, W, 3], got {img.shape}")
    H, W = img.shape[:2]
    v = img.max(axis=2)
    mant, ex = np.frexp(v)  # v = mant * 2^ex, mant in [0.5, 1)
    ok = v > 1e-32
    scale = np.where(ok, mant * 256.0 / np.where(ok, v, 1), 0)
    rgbe = np.zeros((H, W, 4), np.uint8)
    rgbe[..., :3] = np.clip(np.floor(img * scale[..., None]), 0, 255)
    rgbe[..., 3] = np.where(ok, np.clip(ex + 128, 0, 255), 0)
    with open(path, "wb") as f:
        f.write(b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n" + f"-Y {H} +X {W}\n".encode())
        f.write(rgbe.tobytes())


_freeimage_missing = False  # set once FreeImage turned out not to be installed


def _read_with_imageio(path) -> np.ndarray:
    global _freeimage_missing
    import imageio.v2 as iio

    if _freeimage_missing:
        raise RuntimeError("the FreeImage library is not installed")
    fmt = "EXR-FI" if path.lower().endswith(".exr") else "HDR-FI"
    try:
        return np.asarray(iio.imread(path, format=fmt))
    except Exception as e:
        if "freeimage" in str(e).lower() and "librar" in str(e).lower():
            _freeimage_missing = True
            raise RuntimeError("reading this file needs the FreeImage library "
                               "(Debian/Ubuntu: apt-get install libfreeimage3)") from None
        raise


def read_hdr_image(path) -> np.ndarray:
    """.hdr or .exr -> float32 [H, W, 3] linear RGB, negative values clamped to 0; grey maps
    become RGB, alpha is dropped. .hdr: FreeImage when installed (5x faster), else (or when it
    fails) the numpy decoder, which gives identical values; .exr needs FreeImage."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise AssetError(path, "no such file", _KIND)
    try:
        if path.lower().endswith(".hdr"):
            try:
                img = _read_with_imageio(path)
            except Exception:
                img = read_radiance_hdr(path)
        else:
            img = _read_with_imageio(path)
    except Exception as e:
        raise AssetError(path, f"cannot decode ({type(e).__name__}: {e})", _KIND) from None
    img = np.asarray(img, np.float32)
    if img.ndim == 2:
        img = img[:, :, None]
    if img.ndim != 3 or img.shape[2] not in (1, 3, 4):
        raise AssetError(path, f"expected an [H, W, 3] colour image, got shape {img.shape}", _KIND)
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    img = np.ascontiguousarray(img[:, :, :3])
    if not np.isfinite(img).all():
        raise AssetError(path, "contains non-finite (NaN/inf) values", _KIND)
    return np.maximum(img, 0, out=img)
