"""Batched greyscale PNG encoding on the native encoder (csrc/kernels/png_deflate.h): PNG's
'Up' row filter and a run-length deflate, for the depth and part-mask members of a batch.

Why not zlib: the images are mostly background zeros, which zlib at level 1 hashes byte by
byte (~0.3 ms per 256x256 16-bit depth map); the native encoder finds the runs with word
compares and, on rendered depth and masks, writes smaller files than zlib level 1 (its
output is what zlib's Z_RLE strategy would write, with its own Huffman tables). Any PNG reader
decodes the files; the decoded pixels are exactly the input (depth: quantize_depth's units).
"""
from __future__ import annotations

import struct
import zlib
from typing import List

import numpy as np

from handraster import _native

KIND_U8, KIND_U16, KIND_DEPTH = 0, 1, 2
MAX_NATIVE_ROW_BYTES = 16384   # kPngMaxRowBytes: wider images go to zlib
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def idat_payloads(images: np.ndarray, kind: int, inv_scale: float = 1.0) -> List[bytes]:
    """The zlib streams of B images: uint8 [B,H,W] (KIND_U8), uint16 [B,H,W] (KIND_U16) or
    float32 metres [B,H,W] quantised with ``inv_scale`` units per metre (KIND_DEPTH)."""
    if kind == KIND_U16:
        images = np.ascontiguousarray(images, dtype="<u2")
        src = images.view(np.uint8).reshape(images.shape[0], images.shape[1], -1)
    else:
        src = np.ascontiguousarray(images, dtype=np.uint8 if kind == KIND_U8 else np.float32)
    B, H, W = images.shape
    C = _native.native("cpu")
    out = np.empty((B, C.png_deflate_bound(H * ((W if kind == KIND_U8 else 2 * W) + 1))), np.uint8)
    size = np.empty(B, np.int64)
    C.png_deflate(src, kind, float(inv_scale), out, size)
    return [out[b, :size[b]].tobytes() for b in range(B)]


def png_files(images: np.ndarray, kind: int, inv_scale: float = 1.0) -> List[bytes]:
    """Complete greyscale PNG files (8-bit for KIND_U8, else 16-bit) of B images [B,H,W]."""
    B, H, W = np.shape(images)
    head = _SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8 if kind == KIND_U8 else 16, 0, 0, 0, 0))
    return [head + _chunk(b"IDAT", p) + _IEND for p in idat_payloads(images, kind, inv_scale)]
