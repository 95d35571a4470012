"""Cost of key-light shadows (config key lights.shadows): CPU time per sample of the full
render with shadows on vs off (the peer), interleaved in one process, at 256x256 with the
default scene config, plus the two parts - the shadow pass (light fitting + light-space
rasterization, scene/shadows.py) and the extra work in the shade op (map lookups, PCF).

Process CPU time (all threads) is reported because the machine is shared: wall-clock rates
swing with other jobs, CPU time much less.
"""
import sys
import time

import numpy as np

import handraster.scene.shadows as shadows
from handraster import _native
from handraster.scene.config import SceneConfig
from handraster.scene.renderer import Renderer


def main(batch=32, reps=8):
    sizes = (256, 128)
    rs = {"off": Renderer(SceneConfig())}
    rs.update({f"on S={s}": Renderer(SceneConfig(shadows=True, shadow_map_size=s)) for s in sizes})
    for r in rs.values():
        r.render(np.arange(batch), seed=0)  # warm-up (pools, caches, threads)
    # instrument the shadow pass and the shade op (same calls, timed)
    orig_pass, mod = shadows.shadow_pass, _native.native("cpu")
    orig_shade = mod.shade
    acc = {"pass": 0.0, "shade": 0.0}

    def timed_pass(*a, **k):
        t = time.process_time()
        out = orig_pass(*a, **k)
        acc["pass"] += time.process_time() - t
        return out

    captured = []  # the last call's arrays only: holding more defeats the rasterizer's buffer pool

    def timed_shade(arrays, H, W):
        captured[:] = [(arrays, H, W)]
        t = time.process_time()
        orig_shade(arrays, H, W)
        acc["shade"] += time.process_time() - t

    shadows.shadow_pass = timed_pass
    mod.shade = timed_shade
    tot = {k: [] for k in rs}
    part = {k: {"pass": [], "shade": []} for k in rs}
    try:
        for rep in range(reps):
            for k, r in rs.items():
                acc.update({"pass": 0.0, "shade": 0.0})
                t = time.process_time()
                r.render(np.arange(batch) + (rep + 1) * batch, seed=0)
                tot[k].append(time.process_time() - t)
                part[k]["pass"].append(acc["pass"])
                part[k]["shade"].append(acc["shade"])
    finally:
        shadows.shadow_pass = orig_pass
        mod.shade = orig_shade
    ms = 1e3 / batch
    off = np.median(tot["off"]) * ms
    print(f"CPU ms per sample (median of {reps} batches of {batch}, 256x256, default scene):")
    print(f"  shadows off (peer):          total {off:6.3f}   shade {np.median(part['off']['shade']) * ms:6.3f}")
    for s in sizes:
        k = f"on S={s}"
        on = np.median(tot[k]) * ms
        d = np.median(np.array(tot[k]) - np.array(tot["off"])) * ms
        print(f"  shadows on, map {s:3d}^2:     total {on:6.3f}   shade {np.median(part[k]['shade']) * ms:6.3f}"
              f"   shadow pass {np.median(part[k]['pass']) * ms:6.3f}   on - off {d:6.3f}   ratio {on / off:.2f}x")
    # the shade op alone, the same arrays with and without the shadow map
    arrays, H, W = captured[-1]
    plain = {k: v for k, v in arrays.items() if k not in ("shadow_map", "shadow")}
    for name, a in (("shade, no shadow map", plain), ("shade, with shadow map", arrays)):
        ts = []
        for _ in range(reps):
            t = time.process_time()
            orig_shade(a, H, W)
            ts.append(time.process_time() - t)
        print(f"  {name:24s} {np.median(ts) * ms:6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
