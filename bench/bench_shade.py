"""The scene renderer's shade op alone (csrc/kernels/shade.h, ShadeOp) on real renderer batches:
process CPU ms per sample per background mode, with and without the covered (foreground)
pixels, at 1 and 2 threads. A breakdown for work on the op, not a throughput claim: there is no
peer (the numpy twin is per-pixel Python); bench_render.py measures the whole render.

The batches are captured by wrapping the native module's shade call during Renderer.render
(default SceneConfig, 256x256, batch 64). Modes are forced by editing the captured arrays;
"bg only" empties every row's coverage span. Outputs are fresh arrays per call, as in the
renderer (their first-touch page faults count).
"""
import os
import sys
import time

import numpy as np

from handraster import _C, _native
from handraster.scene.config import SceneConfig
from handraster.scene.renderer import Renderer


def capture(n_batches=2, batch=64):
    """The shade op's argument dicts of n_batches real render calls."""
    got = []
    real = _native.native

    class Capture:
        def __init__(self, m):
            self.m = m

        def __getattr__(self, k):
            if k != "shade":
                return getattr(self.m, k)

            def shade(arrays, H, W):
                got.append({k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in arrays.items()})
                return self.m.shade(arrays, H, W)
            return shade

    _native.native = lambda dev="cpu": Capture(real(dev))
    try:
        r = Renderer(SceneConfig(resolution=(256, 256)), overlap=False)
        for k in range(n_batches):
            r.render(np.arange(batch) + (k + 1) * batch, seed=0)
    finally:
        _native.native = real
    return got


def variant(a, mode, fg):
    a = dict(a)
    B = len(a["bg_mode"])
    if mode is not None:
        a["bg_mode"] = np.full(B, mode, np.int32)
        pool = {0: len(a["pool_off"]), 1: len(a["env_off"]), 2: 1}[mode]
        a["bg_id"] = (np.arange(B) % pool).astype(np.int32)
    if not fg:
        sp = np.empty_like(a["spans"])
        sp[..., 0], sp[..., 1] = 1, 0
        a["spans"] = sp
    return a


def cpu_ms_per_sample(arrays, reps):
    H, W = arrays[0]["rast"].shape[1:3]
    _C.shade(arrays[0], H, W)  # warm-up
    times = []
    for _ in range(reps):
        for a in arrays:
            for k in ("rgb", "depth", "mask"):
                a[k] = np.empty_like(a[k])
            c0 = time.process_time()
            _C.shade(a, H, W)
            times.append((time.process_time() - c0) / len(a["bg_mode"]) * 1e3)
    return float(np.median(times)), float(np.min(times)), float(np.max(times))


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    batches = capture()
    print(f"machine: {os.cpu_count()} cores; shade op CPU ms per sample (median [min-max] of {reps} x {len(batches)} batches)")
    for threads in (1, 2):
        _C.set_num_threads(threads)
        for name, mode in (("real mix", None), ("photo", 0), ("environment", 1), ("solid", 2)):
            row = []
            for fg in (True, False):
                med, lo, hi = cpu_ms_per_sample([variant(a, mode, fg) for a in batches], reps)
                row.append(f"{med:.3f} [{lo:.3f}-{hi:.3f}]")
            print(f"  {threads} thread(s)  {name:12s} all pixels {row[0]}   bg only {row[1]}")


if __name__ == "__main__":
    main()
