"""Analysis toolkit timings, each against a peer measured in the same process.

  PA-MPJPE     batched (ours) vs FreiHAND's per-sample align_w_scale loop (scipy)
  F-score      ours (k-d tree) vs brute-force numpy nearest neighbours
  occlusion    ours (numpy z-buffer) vs per-vertex ray casting (Moller-Trumbore, numpy)
  VAE prior    refine throughput and training steps/s (no peer; absolute numbers)
  fitting      fit_model iterations/s, batch 16 (no peer)
Run: PYTHONPATH=. python bench/bench_analysis.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python_tests"))


def best(fn, reps=3):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return min(t)


def bench_pa_mpjpe():
    from scipy.linalg import orthogonal_procrustes
    from handraster.analysis.metrics import pa_mpjpe
    rng = np.random.default_rng(0)
    gt = rng.normal(size=(10000, 21, 3)) * 0.05
    pred = gt + rng.normal(size=gt.shape) * 0.005

    def freihand():
        out = np.empty(len(gt))
        for i, (g, p) in enumerate(zip(gt, pred)):
            t1, t2 = g.mean(0), p.mean(0)
            a, b = g - t1, p - t2
            s1, s2 = np.linalg.norm(a) + 1e-8, np.linalg.norm(b) + 1e-8
            R, s = orthogonal_procrustes(a / s1, b / s2)
            out[i] = np.linalg.norm((b / s2) @ R.T * s * s1 + t1 - g, axis=1).mean()
        return out

    a, b = best(lambda: pa_mpjpe(pred, gt)), best(freihand, 1)
    print(f"PA-MPJPE 10k x 21 joints: ours {a * 1e3:.1f} ms, FreiHAND loop {b * 1e3:.1f} ms, speed-up {b / a:.1f}x")


def bench_f_score():
    from handraster.analysis.metrics import f_score
    rng = np.random.default_rng(1)
    gt = rng.normal(size=(50, 778, 3)) * 0.05
    pred = gt + rng.normal(size=gt.shape) * 0.004

    def brute():
        out = []
        for g, p in zip(gt, pred):
            D = np.sqrt(((p[:, None] - g[None]) ** 2).sum(-1))
            r, pr = (D.min(1) < 0.005).mean(), (D.min(0) < 0.005).mean()
            out.append(2 * r * pr / (r + pr) if r + pr else 0)
        return out

    a, b = best(lambda: f_score(pred, gt, 0.005)), best(brute, 1)
    print(f"F@5mm 50 meshes x 778 verts: ours {a * 1e3:.1f} ms, brute force {b * 1e3:.1f} ms, speed-up {b / a:.1f}x")


def bench_occlusion():
    from _analysis_util import make_tube_hand
    from handraster.analysis.occlusion import occlusion_labels
    m = make_tube_hand(n_ring=16, n_rings=5)
    v = m.forward(np.zeros((1, 45), np.float32)).vertices[0].astype(np.float64)
    v = v - v.mean(0) + [0, 0, 0.45]
    K = np.array([[500.0, 0, 128], [0, 500.0, 128], [0, 0, 1]])
    mask = np.ones((256, 256), bool)
    tri = v[m.faces]

    def rays():  # Moller-Trumbore: camera -> vertex rays against every triangle, vectorised
        occluded = np.zeros(len(v), bool)
        e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
        for i in range(0, len(v), 64):
            d = v[i:i + 64, None, :]                                   # ray from the origin
            pv = np.cross(d, e2[None])
            det = (e1[None] * pv).sum(-1)
            inv = 1.0 / np.where(np.abs(det) < 1e-12, np.inf, det)
            tv = -tri[None, :, 0]
            u = (tv * pv).sum(-1) * inv
            q = np.cross(tv, e1[None])
            w = (d * q).sum(-1) * inv
            t = (e2[None] * q).sum(-1) * inv
            hit = (u >= 0) & (w >= 0) & (u + w <= 1) & (t > 0) & (t < 1 - 0.005 / np.linalg.norm(d, axis=-1))
            occluded[i:i + 64] = hit.any(1)
        return occluded

    a = best(lambda: occlusion_labels(v, m.faces, K, m.vertex_parts, mask))
    b = best(rays, 1)
    print(f"occlusion labels, {len(v)} verts / {len(m.faces)} faces, 256x256: ours {a * 1e3:.1f} ms, "
          f"per-vertex ray casting (numpy) {b * 1e3:.1f} ms, speed-up {b / a:.1f}x")


def bench_prior():
    import torch
    from handraster.prior.vae import OcclusionPrior
    torch.set_num_threads(1)
    p = OcclusionPrior()
    rng = np.random.default_rng(2)
    j = rng.normal(size=(4096, 21, 3)) * 0.05
    p.fit(j[:256], epochs=1, progress=False)                           # warm-up
    t = best(lambda: p.fit(j[:1280], epochs=5, progress=False), 1)
    vis = rng.random((4096, 21)) > 0.3
    r = best(lambda: p.refine(j, vis))
    print(f"VAE prior (512 wide, z 64, 1 thread): train {50 / t:.1f} steps/s (batch 128), "
          f"refine {4096 / r:.0f} samples/s")


def bench_fit():
    import torch
    from _analysis_util import make_tube_hand, synergy_poses
    from handraster.analysis.fitting import fit_model
    torch.set_num_threads(1)
    m = make_tube_hand()
    out = m.forward(synergy_poses(16, seed=0))
    t = best(lambda: fit_model(out.vertices, m, correspondence="same", coarse_epochs=1, coarse_iters=50,
                               fine_epochs=1, fine_iters=50), 1)
    print(f"fit_model, batch 16, {m.num_vertices}-vertex model, 1 thread: {100 / t:.0f} iterations/s")


if __name__ == "__main__":
    print("machine: see BENCHMARKS.md; numpy", np.__version__)
    bench_pa_mpjpe()
    bench_f_score()
    bench_occlusion()
    bench_prior()
    bench_fit()
