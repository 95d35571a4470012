"""texture: filtered texture lookups (nearest, bilinear, mipmapped) with nvdiffrast's
conventions, and mip pyramid construction. Rules: csrc/kernels/texture.h."""
from __future__ import annotations

from typing import Any

import numpy as np

from handraster import _native
from handraster.raster._common import contiguous, pick_backend, pooled_empty

FILTERS = {"nearest": 0, "linear": 1, "linear-mipmap-nearest": 2, "linear-mipmap-linear": 3}
BOUNDARIES = {"wrap": 0, "clamp": 1, "zero": 2}


class TextureMip:
    """A texture and its mip levels packed as one [Bt, texels, C] float32 array (level 0
    first); build with texture_construct_mip and pass as ``texture(..., mip=...)`` to reuse.

    Attributes: packed, height, width, max_mip_level (the argument; -1 = full),
    sizes [(h, w) per level].
    """

    def __init__(self, packed: Any, height: int, width: int, max_mip_level: int, sizes: list):
        self.packed, self.height, self.width = packed, height, width
        self.max_mip_level, self.sizes = max_mip_level, sizes

    @property
    def levels(self) -> int:
        return len(self.sizes)


def _check_tex(tex: Any) -> None:
    shape = getattr(tex, "shape", None)
    if shape is None or len(shape) != 4:
        raise ValueError("handraster.texture: argument 'tex' must be [B or 1, H, W, C] (cube maps "
                         f"are not supported), got shape {None if shape is None else tuple(shape)}")


def texture_construct_mip(tex: Any, max_mip_level: int | None = None, cube_mode: bool = False) -> TextureMip:
    """Mip pyramid of tex (float32 [Bt, H, W, C]): each level averages 2x2 texels of the one
    before (a side of 1 stays 1); it stops at 1x1, at an odd side > 1, or after max_mip_level
    levels. Same library and device as tex."""
    if cube_mode:
        raise ValueError("handraster.texture_construct_mip: cube maps are not supported")
    tex = contiguous(tex)
    _check_tex(tex)
    Bt, h, w, C = (int(s) for s in tex.shape)
    mod = _native.module_for(tex)
    max_level = -1 if max_mip_level is None else int(max_mip_level)
    if max_level < -1:
        raise ValueError(f"handraster.texture: max_mip_level must be >= 0, got {max_mip_level}")
    sizes, total = mod.texture_mip_layout(h, w, max_level)
    packed = _native.empty((Bt, total, C), like=tex)
    packed[:, : h * w] = tex.reshape(Bt, h * w, C)
    mod.texture_mip_build(_native.for_native(packed), h, w, max_level, _native.stream_of(tex))
    return TextureMip(packed, h, w, max_level, [tuple(s) for s in sizes])


def texture(tex: Any, uv: Any, uv_da: Any = None, mip_level_bias: Any = None, mip: Any = None,
            filter_mode: str = "auto", boundary_mode: str = "wrap",
            max_mip_level: int | None = None, backend: str | None = None) -> Any:
    """Sample tex at uv, as nvdiffrast.torch.texture (2-D textures).

    Args:
        tex: float32 [B or 1, Ht, Wt, C]. Texel (x, y) is centred at uv ((x+.5)/Wt, (y+.5)/Ht).
        uv: float32 [B, H, W, 2] texture coordinates.
        uv_da: float32 [B, H, W, 4] (du/dX, du/dY, dv/dX, dv/dY) for mip level selection.
        mip_level_bias: float32 [B, H, W], added to the level (the level itself without uv_da).
        mip: a TextureMip from texture_construct_mip (built here when needed and not given).
        filter_mode: "auto" (mipmapped when uv_da or mip_level_bias is given, else linear),
            "nearest", "linear", "linear-mipmap-nearest", "linear-mipmap-linear".
        boundary_mode: "wrap", "clamp" or "zero" ("cube" is not supported).
        max_mip_level: deepest mip level to build (None = full pyramid).

    Returns: float32 [B, H, W, C] in uv's library and device; NaN where uv is not finite.
    """
    if pick_backend("texture", backend, None, tex, uv) == "nvdiffrast":
        from handraster.raster import _nvdiffrast
        return _nvdiffrast.module().texture(tex, uv, uv_da=uv_da, mip_level_bias=mip_level_bias,
                                            mip=mip, filter_mode=filter_mode,
                                            boundary_mode=boundary_mode, max_mip_level=max_mip_level)
    if filter_mode == "auto":
        filter_mode = "linear-mipmap-linear" if (uv_da is not None or mip_level_bias is not None) else "linear"
    if filter_mode not in FILTERS:
        raise ValueError(f"handraster.texture: filter_mode must be one of {['auto', *FILTERS]}, got {filter_mode!r}")
    if boundary_mode not in BOUNDARIES:
        raise ValueError(f"handraster.texture: boundary_mode must be one of {list(BOUNDARIES)}, got {boundary_mode!r}")
    filt = FILTERS[filter_mode]
    uv, uv_da, mip_level_bias = contiguous(uv), contiguous(uv_da), contiguous(mip_level_bias)
    if filt >= 2:
        if mip is None:
            mip = texture_construct_mip(tex, max_mip_level)
        elif not isinstance(mip, TextureMip):
            raise ValueError("handraster.texture: 'mip' must come from texture_construct_mip")
        packed, h, w, max_level = mip.packed, mip.height, mip.width, mip.max_mip_level
    else:
        tex = contiguous(tex)
        _check_tex(tex)
        Bt, h, w, C = (int(s) for s in tex.shape)
        packed, max_level = tex.reshape(Bt, h * w, C), 0
    mod = _native.module_for(uv)
    shape = tuple(getattr(uv, "shape", ()))
    if len(shape) != 4:
        raise ValueError(f"handraster.texture: argument 'uv' must be [B, H, W, 2], got shape {shape}")
    out = pooled_empty(shape[:3] + (int(packed.shape[2]),), like=uv)
    mod.texture_forward(_native.for_native(packed), h, w, max_level, _native.for_native(uv),
                        _native.for_native(uv_da), _native.for_native(mip_level_bias),
                        _native.for_native(out), filt, BOUNDARIES[boundary_mode],
                        _native.stream_of(uv))
    return out
