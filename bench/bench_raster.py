"""Rasterize + interpolate throughput against Mesa's software OpenGL (llvmpipe), same run.

A ~1,500-triangle hand-like mesh (palm + five fingers; handraster's posed hand when the
models package provides one) is rendered at 256x256 in batches of 64 random poses:
  ours:  handraster.dr.rasterize + interpolate(normals) on the CPU (OpenMP, all cores)
  peer:  moderngl (EGL, llvmpipe on the same cores) drawing the same clip-space vertices,
         reading back colour (RGBA8, normals as colour) and depth (float32) per image.
Prints images/s for both and the ratio. Run: python bench/bench_raster.py [--batches N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from handraster import dr

RES, BATCH = 256, 64


def ellipsoid(n_lat: int, n_lon: int, radii, centre):
    """Closed UV ellipsoid: vertices [V, 3], normals [V, 3], tri int32 [T, 3]."""
    th = np.pi * np.arange(1, n_lat) / n_lat
    ph = 2 * np.pi * np.arange(n_lon) / n_lon
    unit = np.concatenate([[[0, 0, 1]], np.stack([np.outer(np.sin(th), np.cos(ph)).ravel(),
                                                  np.outer(np.sin(th), np.sin(ph)).ravel(),
                                                  np.repeat(np.cos(th), n_lon)], 1), [[0, 0, -1]]])
    V = len(unit)
    tri = [[0, 1 + j, 1 + (j + 1) % n_lon] for j in range(n_lon)]
    for i in range(n_lat - 2):
        r0, r1 = 1 + i * n_lon, 1 + (i + 1) * n_lon
        for j in range(n_lon):
            j1 = (j + 1) % n_lon
            tri += [[r0 + j, r1 + j, r1 + j1], [r0 + j, r1 + j1, r0 + j1]]
    last = 1 + (n_lat - 2) * n_lon
    tri += [[V - 1, last + (j + 1) % n_lon, last + j] for j in range(n_lon)]
    radii = np.asarray(radii, np.float64)
    nrm = unit / radii
    return unit * radii + centre, nrm / np.linalg.norm(nrm, axis=1, keepdims=True), np.array(tri)


def hand_mesh():
    """~1,500 triangles in metres: a palm and five fingers, or handraster's own posed hand."""
    try:  # the real posed hand when the models package offers it
        from handraster.models import default_hand  # type: ignore[attr-defined]
        hand = default_hand()
        v = np.asarray(hand.rest_vertices(), np.float64)
        f = np.asarray(hand.faces, np.int32)
        n = np.zeros_like(v)
        fn = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
        for k in range(3):
            np.add.at(n, f[:, k], fn)
        return v - v.mean(0), n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12), f, "handraster hand"
    except Exception:
        pass
    parts = [ellipsoid(8, 16, (0.045, 0.05, 0.015), (0.0, 0.0, 0.0))]
    for k, (x, length, ang) in enumerate([(-0.05, 0.035, 0.9), (-0.03, 0.045, 0.15), (-0.01, 0.05, 0.0),
                                          (0.012, 0.047, -0.1), (0.032, 0.038, -0.2)]):
        c, s = np.cos(ang), np.sin(ang)
        v, n, t = ellipsoid(9, 16, (0.009, length, 0.009), (0, 0, 0))
        R = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
        base = np.array([x, 0.045 if k else 0.0, 0.0]) + R @ np.array([0, length, 0])
        parts.append((v @ R.T + base, n @ R.T, t))
    verts, norms, tris, off = [], [], [], 0
    for v, n, t in parts:
        verts.append(v), norms.append(n), tris.append(t + off)
        off += len(v)
    return np.concatenate(verts), np.concatenate(norms), np.concatenate(tris).astype(np.int32), "procedural hand"


def random_poses(verts, B, rng):
    """Clip-space positions [B, V, 4] of B random rotations of the mesh 0.2 m in front of a
    60-degree camera (OpenGL convention: looking down -z)."""
    out = np.empty((B, len(verts), 4), np.float32)
    f, near, far = 1 / np.tan(np.radians(30)), 0.05, 5.0
    for b in range(B):
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        w, x, y, z = q
        R = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                      [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                      [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])
        p = verts @ R.T + np.array([rng.uniform(-0.02, 0.02), rng.uniform(-0.02, 0.02), -0.2])
        out[b, :, 0], out[b, :, 1] = f * p[:, 0], f * p[:, 1]
        out[b, :, 2] = (far + near) / (near - far) * p[:, 2] + 2 * far * near / (near - far)
        out[b, :, 3] = -p[:, 2]
    return out


def bench_ours(pos, tri, normals):
    t = time.perf_counter()
    rast, _ = dr.rasterize(pos, tri, (RES, RES), grad_db=False)
    t_r = time.perf_counter() - t
    nrm, _ = dr.interpolate(normals, rast, tri)
    return t_r, time.perf_counter() - t, rast


class Llvmpipe:
    """moderngl on EGL (Mesa llvmpipe): draw clip-space vertices, read colour + depth."""

    def __init__(self, tri, normals):
        import moderngl
        self.ctx = moderngl.create_context(standalone=True, backend="egl")
        self.renderer = self.ctx.info["GL_RENDERER"]
        prog = self.ctx.program(
            vertex_shader="#version 330\nin vec4 in_pos; in vec3 in_nrm; out vec3 n;\n"
                          "void main() { n = in_nrm; gl_Position = in_pos; }",
            fragment_shader="#version 330\nin vec3 n; out vec4 c;\nvoid main() { c = vec4(n * 0.5 + 0.5, 1.0); }")
        self.vbo = self.ctx.buffer(reserve=len(normals) * 16)
        nbo = self.ctx.buffer(normals.astype("f4").tobytes())
        ibo = self.ctx.buffer(tri.astype("i4").tobytes())
        self.vao = self.ctx.vertex_array(prog, [(self.vbo, "4f", "in_pos"), (nbo, "3f", "in_nrm")], ibo)
        self.fbo = self.ctx.framebuffer(self.ctx.renderbuffer((RES, RES), 4),
                                        self.ctx.depth_renderbuffer((RES, RES)))
        self.ctx.enable(self.ctx.DEPTH_TEST)

    def render(self, pos):
        masks = []
        self.fbo.use()
        for p in pos:
            self.vbo.write(p.tobytes())
            self.fbo.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
            self.vao.render()
            color = self.fbo.read(components=4, dtype="f1")
            depth = self.fbo.read(attachment=-1, components=1, dtype="f4")
            masks.append((color, depth))
        return masks


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=8, help="batches of 64 per timing round")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    verts, normals, tri, source = hand_mesh()
    rng = np.random.default_rng(0)
    batches = [random_poses(verts, BATCH, rng) for _ in range(args.batches)]
    normals = normals.astype(np.float32)
    print(f"mesh: {source}, {len(verts)} vertices, {len(tri)} triangles; {RES}x{RES}, batch {BATCH}, "
          f"{os.cpu_count()} CPUs")
    try:
        peer = Llvmpipe(tri, normals)
        print(f"peer: moderngl EGL, {peer.renderer}")
    except Exception as e:  # no EGL / Mesa on this machine
        peer = None
        print(f"peer: unavailable ({type(e).__name__}: {e}); install libegl1 libegl-mesa0 "
              "libgl1-mesa-dri and moderngl to compare")
    bench_ours(batches[0], tri, normals)  # warm-up (thread pool, allocator)
    rast_rates, both_rates, peer_rates, cpu_ours, cpu_peer = [], [], [], [], []
    n = len(batches) * BATCH
    for _ in range(args.rounds):
        tr = tb = 0.0
        c = time.process_time()  # CPU time of all our threads: robust on a busy machine
        for pos in batches:
            a, b, rast = bench_ours(pos, tri, normals)
            tr, tb = tr + a, tb + b
        cpu_ours.append((time.process_time() - c) / n)
        rast_rates.append(n / tr)
        both_rates.append(n / tb)
        if peer is not None:
            t, c = time.perf_counter(), time.process_time()
            for pos in batches:
                out = peer.render(pos)
            peer_rates.append(n / (time.perf_counter() - t))
            cpu_peer.append((time.process_time() - c) / n)
    ours, ours_r = statistics.median(both_rates), statistics.median(rast_rates)
    cover = (rast[..., 3] > 0).mean()
    print(f"mean coverage {cover:.1%} of the pixels")
    print(f"handraster rasterize only           : {ours_r:8.0f} images/s (median of {args.rounds})")
    print(f"handraster rasterize + interpolate  : {ours:8.0f} images/s")
    if peer is not None:
        theirs = statistics.median(peer_rates)
        depth = np.frombuffer(out[-1][1], np.float32).reshape(RES, RES)
        mine = rast[-1, ..., 3] > 0
        agree = ((depth < 1.0) == mine).mean()
        print(f"llvmpipe draw + read colour & depth : {theirs:8.0f} images/s")
        print(f"ratio (handraster / llvmpipe)       : {ours / theirs:8.2f}x   (coverage agreement {agree:.2%})")
        co, cp = statistics.median(cpu_ours), statistics.median(cpu_peer)
        print(f"CPU time per image (all threads)    : handraster {1e6 * co:.0f} us, llvmpipe {1e6 * cp:.0f} us "
              f"-> {cp / co:.2f}x less CPU")
    else:
        print("ratio: n/a (no llvmpipe peer)")


if __name__ == "__main__":
    main()
