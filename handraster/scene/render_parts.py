"""Rendering one batch in parts on concurrent threads (Renderer.render).

A batch's native stages (skinning, raster, shading) use every core through OpenMP, but its
per-sample Python work (parameter sampling, labels, packing: ~0.25 ms of ~1.4 ms CPU per
256x256 sample) runs on one core while the others wait. Rendering the batch as P parts on P
threads, each part's native ops with cores / P OpenMP threads, lets one part's Python run
while another part's native code (which releases the GIL) keeps the remaining cores busy.

Parts write straight into slices of the batch's rgb / depth / mask arrays (no copy of the
images); the small per-sample arrays are concatenated. Sample i is a pure function of
(config, seed, i), so the result is the same bytes as one part (tested).

P = min(OpenMP threads, B // MIN_PART); P < 2 renders in one part on the calling thread. A
process limited to one thread (OMP_NUM_THREADS=1, as the generator's workers are) never
splits. Renderer.parts overrides P (1 disables the split).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from handraster import _native
from handraster.data.schema import ARRAY_FIELDS, RenderBatch

MIN_PART = 8  # samples: smaller parts spend more on per-call overheads than they overlap


def part_count(renderer, B: int) -> int:
    forced = getattr(renderer, "parts", None)
    if forced is not None:
        return max(1, min(int(forced), B))
    return max(1, min(_native.native("cpu").get_max_threads(), B // MIN_PART))


def _pool(renderer, parts: int, threads: int) -> ThreadPoolExecutor:
    key = (parts, threads)
    if getattr(renderer, "_parts_pool_key", None) != key:
        old = getattr(renderer, "_parts_pool", None)
        if old is not None:
            old.shutdown(wait=False)
        mod = _native.native("cpu")
        renderer._parts_pool = ThreadPoolExecutor(parts, thread_name_prefix="handraster-render",
                                                  initializer=mod.set_num_threads, initargs=(threads,))
        renderer._parts_pool_key = key
    return renderer._parts_pool


def render_in_parts(renderer, idx: np.ndarray, seed: int) -> RenderBatch:
    B = len(idx)
    P = part_count(renderer, B)
    if P < 2:
        return renderer._render(idx, seed)
    H, W = renderer.resolution
    threads = max(1, _native.native("cpu").get_max_threads() // P)
    rgb = np.empty((B, H, W, 3), np.uint8)
    depth = np.empty((B, H, W), np.float32)
    mask = np.empty((B, H, W), np.uint8)
    bounds = np.linspace(0, B, P + 1).round().astype(int)
    pool = _pool(renderer, P, threads)
    futs = [pool.submit(renderer._render, idx[a:b], seed, (rgb[a:b], depth[a:b], mask[a:b]))
            for a, b in zip(bounds[:-1], bounds[1:])]
    parts = [f.result() for f in futs]
    first = parts[0]
    kw = {n: np.concatenate([getattr(p, n) for p in parts]) for n in ARRAY_FIELDS
          if n not in ("rgb", "depth", "mask")}
    verts = None if first.vertices is None else np.concatenate([p.vertices for p in parts])
    return RenderBatch(rgb=rgb, depth=depth, mask=mask, **kw, seed=first.seed, model_name=first.model_name,
                       params=[q for p in parts for q in p.params], vertices=verts, faces=first.faces)
