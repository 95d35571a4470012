"""Benchmark: amplitude-spectrum augmentation (PASTA) and segment compositing on CPU.

images/s at 3x256x256, batch 64, against the reference-style per-image numpy implementation
(PASTA's own recipe: complex fft2, abs/angle, numpy normal draws, exp, ifft2, per image),
measured in the same run. Prints a table and the ratio. Usage:
    PYTHONPATH=. python bench/bench_augment.py [--batch 64] [--size 256] [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np


CPU_TIMES: dict[int, float] = {}


def timeit(fn, repeats: int) -> float:
    """Median wall seconds of fn(); its median process CPU seconds go to CPU_TIMES[id(fn)]."""
    fn()  # warm-up (plans, page faults, thread pools)
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU_TIMES[id(fn)] = statistics.median(cpu)
    return statistics.median(times)


def rate(fn, n: int, repeats: int) -> tuple[float, float]:
    """(images/s wall, images/s if all cores were free = n / (CPU seconds / cores))."""
    wall = timeit(fn, repeats)
    return n / wall, n / (CPU_TIMES[id(fn)] / len(os.sched_getaffinity(0)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds over the variants (median)")
    ap.add_argument("--peer-images", type=int, default=16, help="images timed for the peer")
    args = ap.parse_args()

    import torch
    from handraster import _native
    from handraster._reference.spectral import amplitude_spectrum_pasta_style
    from handraster.augment import SegmentBank, amplitude_spectrum, composite_segments
    from handraster.augment import _fft

    B, S, R = args.batch, args.size, args.repeats
    rng = np.random.default_rng(0)
    x = rng.random((B, 3, S, S)).astype(np.float32)
    cores = _fft.cpu_workers()
    print(f"amplitude_spectrum, batch {B} x 3 x {S} x {S}, {cores} CPU cores, torch threads "
          f"{torch.get_num_threads()}")

    peer = rate(lambda: [amplitude_spectrum_pasta_style(x[i], rng=rng)
                         for i in range(args.peer_images)], args.peer_images, max(1, R // 2))
    buf = x.copy()
    xt = torch.from_numpy(x)
    variants = [
        ("handraster numpy, per_channel (fused native)", lambda: amplitude_spectrum(x, seed=1)),
        ("handraster numpy, const (fused native)", lambda: amplitude_spectrum(x, seed=1, mode="const")),
        ("handraster numpy, per_channel, in place (out=)",
         lambda: amplitude_spectrum(buf, seed=1, out=buf, check_range=False)),
        ("handraster numpy, per_channel, scipy FFT path", lambda: amplitude_spectrum(x, seed=1, fft_backend="scipy")),
        ("handraster torch CPU, per_channel (fused native)", lambda: amplitude_spectrum(xt, seed=1)),
        ("handraster torch CPU, torch.fft path", lambda: amplitude_spectrum(xt, seed=1, fft_backend="torch")),
    ]
    # Rounds over all variants, medians across rounds: on a shared VM the machine's speed
    # drifts within a minute, which otherwise favours whichever variant ran in a fast moment.
    results = {name: [] for name, _ in variants}
    for _ in range(args.rounds):
        for name, fn in variants:
            results[name].append(rate(fn, B, R))
    rows = [("reference per-image numpy (PASTA recipe)", peer)]
    rows += [(name, tuple(float(np.median([r[k] for r in results[name]])) for k in (0, 1)))
             for name, _ in variants]

    # Where the time goes in the scipy FFT path (one batch).
    spec = _fft.rfft2(x)
    pairs = spec.view(np.float32).reshape(spec.shape + (2,))
    mod = _native.native("cpu")
    parts = {
        "rfft2 (scipy)": timeit(lambda: _fft.rfft2(x), R),
        "native multiplier (Philox draws)": timeit(
            lambda: mod.spectral_multiply(pairs, S, None, None, 1, 3.0, 0.25, 2.0, "per_channel"), R),
        "irfft2 (scipy)": timeit(lambda: _fft.irfft2(spec.copy(), S, S), R) - timeit(lambda: spec.copy(), R),
    }

    print(f"{'method':50s} {'images/s':>9s} {'vs ref':>7s} {'CPU-time images/s':>18s} {'vs ref':>7s}")
    for name, (wall, cpu) in rows:
        print(f"{name:50s} {wall:9.0f} {wall / peer[0]:6.1f}x {cpu:18.0f} {cpu / peer[1]:6.1f}x")
    print("(CPU-time images/s = images / (process CPU seconds / cores): the wall rate on idle cores,"
          " robust to other load on the machine)")
    print("per-batch breakdown of the scipy FFT path:")
    for name, t in parts.items():
        print(f"  {name:50s} {t * 1e3:8.1f} ms")

    # Segment compositing, uint8 renders with labels.
    M = 16
    bank = SegmentBank([rng.integers(0, 256, (S, S, 3), dtype=np.uint8) for _ in range(M)],
                       [(rng.random((S, S)) > 0.7).astype(np.uint8) * 255 for _ in range(M)],
                       [(rng.random((S, S)) > 0.8).astype(np.uint8) * 255 for _ in range(M)])
    render = {"rgb": rng.integers(0, 256, (B, S, S, 3), dtype=np.uint8),
              "mask": rng.integers(0, 7, (B, S, S), dtype=np.uint8),
              "joints2d": rng.random((B, 21, 2)).astype(np.float32) * S,
              "visibility": np.ones((B, 21), bool)}
    t = timeit(lambda: composite_segments(render, bank, pairing="random", seed=1), R)
    print(f"composite_segments numpy uint8 + labels: {B / t:.0f} images/s")
    tr = {k: torch.from_numpy(v) for k, v in render.items()}
    t = timeit(lambda: composite_segments(tr, bank, pairing="random", seed=1), R)
    print(f"composite_segments torch CPU uint8 + labels: {B / t:.0f} images/s")
    print(f"RATIO handraster/reference (numpy, per_channel): {rows[1][1][0] / peer[0]:.1f}x wall, "
          f"{rows[1][1][1] / peer[1]:.1f}x CPU time; {rows[1][1][0]:.0f} images/s wall "
          f"(goal >= 10x and >= 2000 images/s on 2 cores)")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", str(len(os.sched_getaffinity(0))))
    main()
