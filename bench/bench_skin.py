"""Skinning throughput: handraster's native kernels vs smplx's MANO layer, same process.

Model: a random MANO-format file with MANO's sizes (778 vertices, 1538 faces, 16 joints,
10 shape components, pose blend shapes on), so no licensed data is needed; the cost of
skinning does not depend on the values. Prints hands/s at batch 1 and 1024 and the ratios.
Goals (issue 2): batch 1 >= 20x faster per call than smplx; batch 1024 >= 2x its throughput.
"""
import os
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python_tests"))
from _model_util import random_mano_dict, write_pickle  # noqa: E402

import handraster  # noqa: E402


def timeit(fn, min_time=1.0, min_reps=5):
    fn()
    reps, t0 = 0, time.perf_counter()
    times = []
    while reps < min_reps or time.perf_counter() - t0 < min_time:
        s = time.perf_counter()
        fn()
        times.append(time.perf_counter() - s)
        reps += 1
    return float(np.median(times))


def main():
    import smplx
    torch.set_num_threads(os.cpu_count())
    with tempfile.TemporaryDirectory() as d:
        path = write_pickle(os.path.join(d, "MANO_RIGHT.pkl"), random_mano_dict(V=778, seed=0))
        ours = handraster.load_model(path, num_pca_comps=None)
        ref = smplx.MANO(path, is_rhand=True, use_pca=False, flat_hand_mean=False, num_betas=10)
    rng = np.random.default_rng(0)
    print(f"machine: {os.cpu_count()} cores; torch {torch.__version__} threads {torch.get_num_threads()}")
    print(f"{'batch':>6} {'smplx hands/s':>14} {'handraster hands/s':>19} {'ratio':>7}")
    rows = []
    for B in (1, 1024):
        hp = rng.normal(size=(B, 45)).astype(np.float32) * 0.5
        b = rng.normal(size=(B, 10)).astype(np.float32)
        go = rng.normal(size=(B, 3)).astype(np.float32)
        tr = rng.normal(size=(B, 3)).astype(np.float32)
        th = [torch.tensor(x) for x in (hp, b, go, tr)]

        def run_ref(th=th):  # bind this batch's tensors (the loop rebinds th)
            with torch.no_grad():
                return ref(hand_pose=th[0], betas=th[1], global_orient=th[2], transl=th[3])

        rows.append((B, hp, b, go, tr, run_ref, timeit(run_ref)))
    from handraster import _C
    for B, hp, b, go, tr, run_ref, t_ref in rows:
        s0 = _C._skin_pair_stats()
        t_ours = timeit(lambda: ours.forward(hp, b, go, tr))
        s1 = _C._skin_pair_stats()
        o, r = ours.forward(hp, b, go, tr), run_ref()
        err = np.abs(o.vertices - r.vertices.numpy()).max()
        print(f"{B:>6} {B / t_ref:>14.0f} {B / t_ours:>19.0f} {t_ref / t_ours:>6.1f}x   "
              f"(per call: smplx {t_ref * 1e6:.0f} us, ours {t_ours * 1e6:.0f} us; max |dv| {err:.1e} m)")
        if B == 1:  # the helper thread (csrc/cpu/skin_pair.cpp): how much of the work it did
            jobs, helped, alone, back = (s1[k] - s0[k] for k in range(4))
            print(f"       batch 1 with the helper thread: {jobs} calls shared with it "
                  f"(others: backed off, CPUs busy), it did {helped} of {helped + alone + back} chunks")


if __name__ == "__main__":
    main()
