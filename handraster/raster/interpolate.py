"""interpolate: vertex attributes -> per-pixel attributes from rasterize's output."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from handraster import _native
from handraster.raster._common import check_cpu_flag, contiguous, pick_backend, pooled_empty


def interpolate(attr: Any, rast: Any, tri: Any, rast_db: Any = None,
                diff_attrs: str | Sequence[int] | None = None,
                backend: str | None = None) -> tuple[Any, Any]:
    """Perspective-correct attribute interpolation, as nvdiffrast.torch.interpolate.

    Args:
        attr: float32 [V, A], or [B, V, A] / [1, V, A] (per image / shared).
        rast: float32 [B, H, W, 4] from rasterize.
        tri: int32 [T, 3], the same triangles given to rasterize.
        rast_db: float32 [B, H, W, 4] from rasterize; needed with diff_attrs.
        diff_attrs: "all" or a list of attribute indices whose screen derivatives to return.
        backend: "native" (default) or "nvdiffrast".

    Returns:
        out: float32 [B, H, W, A] = u a0 + v a1 + (1 - u - v) a2; zero on background.
        out_da: float32 [B, H, W, 2 N] = (dA/dX, dA/dY) per differentiated attribute (pixel
            units), or an empty [B, H, W, 0] array.
    """
    if pick_backend("interpolate", backend, None, attr, rast) == "nvdiffrast":
        from handraster.raster import _nvdiffrast
        return _nvdiffrast.module().interpolate(attr, rast, tri, rast_db=rast_db, diff_attrs=diff_attrs)
    attr, rast, tri, rast_db = contiguous(attr), contiguous(rast), contiguous(tri), contiguous(rast_db)
    shape = tuple(rast.shape)
    A = int(attr.shape[-1]) if len(getattr(attr, "shape", ())) in (2, 3) else 0
    if diff_attrs is None:
        diff = None
    elif isinstance(diff_attrs, str):
        if diff_attrs != "all":
            raise ValueError(f"handraster.interpolate: diff_attrs must be 'all' or a list of "
                             f"indices, got {diff_attrs!r}")
        diff = np.arange(A, dtype=np.int32)
    else:
        diff = np.asarray(list(diff_attrs), dtype=np.int32)
    nd = 0 if diff is None else len(diff)
    mod = _native.module_for(rast)
    out = pooled_empty(shape[:3] + (A,), like=rast)
    out_da = pooled_empty(shape[:3] + (2 * nd,), like=rast)
    bad = _native.zeros((1,), like=rast, dtype=np.int32)
    if diff is not None:
        diff = _native.asarray(diff, like=rast, dtype=np.int32)
    mod.interpolate_forward(_native.for_native(attr), _native.for_native(rast),
                            _native.for_native(tri), _native.for_native(rast_db),
                            _native.for_native(diff), _native.for_native(out),
                            _native.for_native(out_da) if diff is not None else None,
                            _native.for_native(bad), _native.stream_of(rast))
    check_cpu_flag("interpolate", bad, "rast holds a triangle id that is not in tri "
                   "(rast[..., 3] must be 0 or an integer in [1, T])")
    return out, out_da
