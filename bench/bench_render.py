"""Full render throughput (skin + raster + shade + composite, RGB + depth + mask + labels, no
encoding) at 256x256 with the default scene config, against pyrender (EGL on Mesa's
llvmpipe) rendering the same posed meshes with colour + depth, in the same process.

Goal (issue 5): >= 1,500 samples/s on 2 CPU cores; pyrender was measured at ~165 images/s.
pyrender needs Debian's libegl1 libegl-mesa0 libgl1-mesa-dri; without them the peer is
skipped with a message.
"""
import os
import sys
import time

import numpy as np

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

from handraster.scene.config import SceneConfig  # noqa: E402
from handraster.scene.renderer import Renderer  # noqa: E402


CPU_MS = {}


def bench_ours(renderer, batch=64, reps=20):
    """Median samples/s over `reps` batches; CPU_MS["ours"] = process CPU ms per sample."""
    renderer.render(np.arange(batch), seed=0)  # warm-up (pools, caches, threads)
    times = []
    c0 = time.process_time()
    for r in range(reps):
        t = time.perf_counter()
        renderer.render(np.arange(batch) + (r + 1) * batch, seed=0)
        times.append(time.perf_counter() - t)
    CPU_MS["ours"] = (time.process_time() - c0) / (reps * batch) * 1e3
    return batch / float(np.median(times))


def bench_pyrender(renderer, n=64):
    try:
        import pyrender
        import trimesh
    except Exception as e:  # pragma: no cover
        print(f"pyrender unavailable: {e}")
        return None
    b = renderer.render(np.arange(n), seed=0)
    mesh = renderer.mesh
    H, W = renderer.resolution
    try:
        r = pyrender.OffscreenRenderer(W, H)
    except Exception as e:
        print(f"pyrender/EGL unavailable ({type(e).__name__}: {e}); skipping the peer")
        return None
    model = mesh.model
    out = model.forward(b.hand_pose, b.betas, b.global_orient)  # same posed meshes
    flip = np.diag([1.0, -1.0, -1.0, 1.0])  # OpenCV -> OpenGL camera
    scenes = []
    for k in range(n):
        E = np.eye(4)
        E[:3] = b.extrinsics[k][:3]
        K = b.K[k]
        s = pyrender.Scene(bg_color=[0.3, 0.3, 0.3, 1.0], ambient_light=[0.3, 0.3, 0.3])
        s.add(pyrender.IntrinsicsCamera(K[0, 0], K[1, 1], K[0, 2], K[1, 2], znear=0.05, zfar=10.0),
              pose=np.linalg.inv(flip @ E))
        s.add(pyrender.DirectionalLight(intensity=3.0), pose=np.linalg.inv(flip @ E))
        scenes.append((s, out.vertices[k]))
    r.render(scenes[0][0])
    t = time.perf_counter()
    for s, v in scenes:
        node = s.add(pyrender.Mesh.from_trimesh(trimesh.Trimesh(v, model.faces, process=False)))
        color, depth = r.render(s)
        s.remove_node(node)
    dt = time.perf_counter() - t
    r.delete()
    return n / dt


def main():
    cfg = SceneConfig(resolution=(256, 256))
    renderer = Renderer(cfg)
    ours = bench_ours(renderer)
    peer = bench_pyrender(renderer)
    print(f"machine: {os.cpu_count()} cores")
    print(f"handraster full render 256x256 (batch 64): {ours:8.0f} samples/s "
          f"(CPU {CPU_MS['ours']:.2f} ms per sample -> {os.cpu_count() / CPU_MS['ours'] * 1e3:.0f}/s if every "
          f"core were busy all the time)")
    if peer:
        print(f"pyrender (EGL/llvmpipe) colour + depth:   {peer:8.0f} images/s")
        print(f"ratio: {ours / peer:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
