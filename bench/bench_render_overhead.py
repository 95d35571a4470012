"""Python per-sample overhead of Renderer.render (issues 5 and 7): process CPU time per sample
of each Python stage and of each native call, at 256x256 with the default scene config.

    PYTHONPATH=$PWD python bench/bench_render_overhead.py [--batch 64] [--reps 5] [--trials 3]

"python" = total process CPU minus the CPU spent inside the native calls (their OpenMP
threads included), i.e. what the Python around the kernels costs per sample. Process CPU time,
not wall time: on a shared machine it is the steadier figure. The trial with the least Python
time is reported (the least disturbed by other processes). Stage times nest inside "python".
The renderer runs with overlap=False here (scene/overlap.py): every stage on the calling thread.
"""
import argparse
import time
from collections import defaultdict

import numpy as np

from handraster import _native
from handraster.scene import mesh_setup
from handraster.scene import renderer as renderer_mod
from handraster.scene.config import SceneConfig

NATIVE = ("skin_forward", "vertex_stage", "vertex_normals", "rasterize_forward", "shade", "hand_labels")
STAGES = ((renderer_mod, "sample_scenes"), (renderer_mod, "sample_views"),
          (mesh_setup.SceneMesh, "place_objects"), (mesh_setup.SceneMesh, "shade_arrays"),
          (renderer_mod, "compute_labels"), (renderer_mod, "describe_samples"))


def _timed(owner, name, label, acc):
    """Replace owner.name by a wrapper adding its process CPU time to acc[label]."""
    f = getattr(owner, name)

    def wrapper(*a, **k):
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            acc[label] += time.process_time() - t
    setattr(owner, name, wrapper)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--reps", type=int, default=5, help="batches per trial")
    ap.add_argument("--trials", type=int, default=3)
    a = ap.parse_args()
    acc = defaultdict(float)
    mod = _native.native("cpu")
    for name in NATIVE:
        _timed(mod, name, "native " + name, acc)
    for owner, name in STAGES:
        _timed(owner, name, name, acc)
    # overlap off: the stages one after another on this thread, so that process CPU time
    # around each is its own (with it on, the next batch's sampling runs during the shade op)
    r = renderer_mod.Renderer(SceneConfig(resolution=(256, 256)), overlap=False)
    B = a.batch
    r.render(np.arange(B), seed=0)  # warm-up (pools, caches, threads)
    best = None
    for trial in range(a.trials):
        acc.clear()
        t0, w0 = time.process_time(), time.perf_counter()
        for k in range(a.reps):
            r.render(np.arange(B) + B * (1 + k + trial * a.reps), seed=0)
        cpu, wall = time.process_time() - t0, time.perf_counter() - w0
        n = B * a.reps
        native = sum(v for k, v in acc.items() if k.startswith("native"))
        row = {"total CPU": cpu, "python": cpu - native, **acc}
        row = {k: v / n * 1e3 for k, v in row.items()}
        row["samples/s (wall)"] = n / wall
        if best is None or row["python"] < best["python"]:
            best = row
    print(f"batch {B}, {a.reps} batches x {a.trials} trials; ms of process CPU per sample")
    for k, v in best.items():
        print(f"  {k:26s} {v:9.3f}")


if __name__ == "__main__":
    main()
