"""rasterize_spans (the scene renderer's CPU rasterize): rast is exact inside each row's span,
the spans hold every covered pixel, and nothing outside them is written."""
import numpy as np
import pytest

from handraster import _C, dr
from handraster.raster.rasterize import rasterize_spans
from _raster_util import random_clip_mesh


@pytest.mark.parametrize("B", [1, 5])  # one image: the band-split path; several: one task per image
def test_spans_hold_the_coverage_and_rast_is_exact_inside(B):
    rng = np.random.default_rng(11 + B)
    pos, tri = random_clip_mesh(rng, B, 40, 30)
    pos[..., :2] *= 0.4  # small triangles: most of each row is empty
    H, W = 24, 32
    full, _ = dr.rasterize(pos, tri, (H, W), grad_db=False)
    stale = np.full((B, H, W, 4), np.nan, np.float32)  # what an unwritten pixel keeps
    spans = np.full((B, H, 2), -7, np.int32)
    _C.rasterize_forward(pos, tri, None, stale, None, None, 0, spans)
    cols = np.arange(W)
    inside = (cols >= spans[..., :1]) & (cols <= spans[..., 1:])  # [B, H, W]
    assert (full[..., 3] > 0).any() and (~inside).any()
    assert not (full[..., 3][~inside] > 0).any()               # every covered pixel in a span
    np.testing.assert_array_equal(stale[inside], full[inside])  # exact (zeros included) inside
    assert np.isnan(stale[~inside]).all()                       # and nothing written outside
    empty = spans[..., 0] > spans[..., 1]
    assert empty.any() and not (full[..., 3][empty] > 0).any()
    rast, sp = rasterize_spans(pos, tri, (H, W))  # the wrapper: same spans, same rast inside
    np.testing.assert_array_equal(sp, spans)
    np.testing.assert_array_equal(rast[inside], full[inside])


def test_spans_argument_is_checked():
    rng = np.random.default_rng(0)
    pos, tri = random_clip_mesh(rng, 2, 10, 5)
    rast = np.empty((2, 8, 8, 4), np.float32)
    with pytest.raises(ValueError, match="rasterize.*spans"):
        _C.rasterize_forward(pos, tri, None, rast, None, None, 0, np.empty((2, 8, 3), np.int32))
