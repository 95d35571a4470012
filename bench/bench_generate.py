"""End-to-end generation throughput to disk: `handraster generate` at 256x256 with the default
config (webdataset shards, JPEG q95 + depth + mask + HaMeR pickle + JSON), with the stage
breakdown (render, augment, encode, write), on 1 process and on 2 worker processes.

Renderer: the real scene renderer when handraster.scene.renderer is importable, otherwise the
stand-in FakeRenderer (the line 'renderer:' says which) - with the fake, 'render' measures the
stand-in and the writer path (encode + write) is what this benchmark is about.
Peer, same process: a naive writer of the same samples (PIL defaults: JPEG, 16-bit PNG
depth and PNG mask at zlib level 6, json.dump of tolist()'d labels, one file each).
Goal (issue 7): >= 500 samples/s end to end on 2 cores.
"""
import json
import os
import resource
import shutil
import sys
import tempfile
import time

import numpy as np
from PIL import Image

from handraster.config import load_config
from handraster.generate import generate
from handraster.generate.shard_job import make_renderer, resolve_renderer
from handraster.generate.workers import start_method

N = int(os.environ.get("BENCH_GENERATE_N", "6000"))   # 6 shards of the default 1000


def naive_write(cfg, n, out):
    """The peer: the same samples, written one file per array with library defaults."""
    renderer = make_renderer(cfg)
    t_render = t_write = 0.0
    for a in range(0, n, cfg.output.batch_size):
        t0 = time.perf_counter()
        b = renderer.render(np.arange(a, min(a + cfg.output.batch_size, n), dtype=np.int64), cfg.seed)
        t1 = time.perf_counter()
        for k in range(len(b)):
            i = int(b.index[k])
            Image.fromarray(b.rgb[k]).save(os.path.join(out, f"{i:09d}.jpg"), quality=95)
            Image.fromarray(np.clip(np.rint(b.depth[k] / 1e-4), 0, 65535).astype(np.uint16)).save(
                os.path.join(out, f"{i:09d}.depth.png"))
            Image.fromarray(b.mask[k]).save(os.path.join(out, f"{i:09d}.mask.png"))
            with open(os.path.join(out, f"{i:09d}.json"), "w") as f:
                json.dump({kk: np.asarray(getattr(b, kk)[k]).tolist() for kk in
                           ("K", "joints3d", "joints2d", "visibility", "bbox", "hand_pose", "betas")}, f)
        t_write += time.perf_counter() - t1
        t_render += t1 - t0
    return t_render, t_write


def cpu_seconds():
    """CPU time of this process and its reaped children (the worker processes), seconds."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def per_sample_ms(timings, n):
    return ", ".join(f"{k} {1000 * v / n:.2f} ms" for k, v in timings.items())


def main():
    cfg = load_config(overrides=["resolution=[256, 256]"])
    renderer = resolve_renderer(cfg.renderer)
    print(f"bench_generate: {N} samples at 256x256, default config, renderer: {renderer}"
          f"{' (stand-in: the scene renderer is not installed)' if renderer == 'fake' else ''}; "
          f"{os.cpu_count()} cores")
    root = tempfile.mkdtemp(prefix="bench_generate_")
    try:
        generate(cfg, 64, os.path.join(root, "warm"), progress=False)   # imports; each run builds its renderer
        c0 = cpu_seconds()
        res1 = generate(cfg, N, os.path.join(root, "w1"), progress=False)
        cpu1 = cpu_seconds() - c0
        r1 = res1.samples_per_second
        print(f"  handraster generate, 1 process : {r1:7.1f} samples/s  ({per_sample_ms(res1.timings, N)})")
        print(f"    CPU time {1000 * cpu1 / N:.2f} ms per sample -> {2 * N / cpu1:.0f} samples/s on 2 otherwise "
              f"idle cores (the wall-clock rates above depend on the machine's other load)")
        c0 = cpu_seconds()
        res2 = generate(cfg, N, os.path.join(root, "w2"), workers=2, progress=False)
        cpu = cpu_seconds() - c0
        r2 = res2.samples_per_second
        print(f"  handraster generate, 2 workers : {r2:7.1f} samples/s  ({start_method(cfg.device)}ed workers; "
              f"end to end incl. worker start-up; "
              f"per sample per worker: {per_sample_ms(res2.timings, N)})")
        print(f"    CPU time {1000 * cpu / N:.2f} ms per sample (workers' start-up included) -> "
              f"{2 * N / cpu:.0f} samples/s on 2 otherwise idle cores")
        writer_only = N / (res1.timings["encode"] + res1.timings["write"])
        print(f"  writer path alone (encode + write), 1 process: {writer_only:7.1f} samples/s")
        os.makedirs(os.path.join(root, "naive"))
        t0 = time.perf_counter()
        tr, tw = naive_write(cfg, N, os.path.join(root, "naive"))
        rp = N / (time.perf_counter() - t0)
        print(f"  peer: naive per-file writer    : {rp:7.1f} samples/s  (render {1000 * tr / N:.2f} ms, "
              f"encode+write {1000 * tw / N:.2f} ms per sample)")
        size = sum(os.path.getsize(os.path.join(root, "w1", f)) for f in os.listdir(os.path.join(root, "w1"))
                   if f.endswith(".tar"))
        print(f"  ratio handraster(1 process) / peer: {r1 / rp:.2f}x; writer path ratio: "
              f"{(tw / N) / ((res1.timings['encode'] + res1.timings['write']) / N):.2f}x; "
              f"{size / N / 1024:.1f} KiB per sample on disk")
        goal = "met" if r2 >= 500 else "NOT met"
        print(f"  goal >= 500 samples/s on 2 cores: {goal} ({r2:.0f} samples/s, renderer {renderer})")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
