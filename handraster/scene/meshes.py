"""Occluder / prop meshes: built-in primitives and user meshes (OBJ/PLY/GLB/... via trimesh),
all in one form the renderer can concatenate into a single vertex/face superset.

Conventions: unit size (centred at the origin, largest bounding-box side exactly 1, so the mesh
fits [-0.5, 0.5]^3), faces int32 [M, 3] wound counter-clockwise seen from outside (outward),
per-vertex unit normals float32 [N, 3], UVs float32 [N, 2] in [0, 1] with v increasing upwards
(OpenGL) and seam vertices duplicated, so a mesh is closed once vertices are welded by position.
Primitives' axis of revolution is +Y.

Triangles of the built-in set (builtin_primitives): box 12, cylinder 64, sphere 320,
capsule 320, torus 400 = 1116.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from handraster.scene.errors import AssetError

PRIMITIVES = ("box", "cylinder", "sphere", "capsule", "torus")


@dataclass
class Mesh:
    """vertices float32 [N, 3] (unit size), faces int32 [M, 3], normals float32 [N, 3],
    uvs float32 [N, 2], name."""
    vertices: np.ndarray
    faces: np.ndarray
    normals: np.ndarray
    uvs: np.ndarray
    name: str = "mesh"

    def __post_init__(self):
        self.vertices = np.ascontiguousarray(self.vertices, np.float32).reshape(-1, 3)
        self.faces = np.ascontiguousarray(self.faces, np.int32).reshape(-1, 3)
        self.normals = np.ascontiguousarray(self.normals, np.float32).reshape(-1, 3)
        self.uvs = np.ascontiguousarray(self.uvs, np.float32).reshape(-1, 2)
        n = len(self.vertices)
        if len(self.normals) != n or len(self.uvs) != n:
            raise ValueError(f"Mesh '{self.name}': {n} vertices, {len(self.normals)} normals, {len(self.uvs)} uvs")
        if len(self.faces) and (self.faces.min() < 0 or self.faces.max() >= n):
            raise ValueError(f"Mesh '{self.name}': face indices outside [0, {n})")


def _lathe(strips, segments: int, name: str) -> Mesh:
    """Surface of revolution about +Y. strips: lists of profile points (r, y, nr, ny, v) from
    top to bottom; quads join consecutive points within a strip (strips meet at shared
    positions with different normals, e.g. a cylinder's rim). r == 0 points are poles (fans)."""
    V, N, UV, F = [], [], [], []
    phi = 2 * np.pi * np.arange(segments + 1) / segments  # seam column duplicated
    s, c = np.sin(phi), np.cos(phi)
    u = np.arange(segments + 1) / segments
    for strip in strips:
        rows = []
        for r, y, nr, ny, v in strip:
            rows.append(sum(len(a) for a in V))  # index of this row's first vertex
            if r == 0:  # one pole vertex per segment, at the segment's middle u
                uu = (np.arange(segments) + 0.5) / segments
                V.append(np.stack([0 * uu, np.full_like(uu, y), 0 * uu], 1))
                N.append(np.tile([0.0, np.sign(ny), 0.0], (segments, 1)))
                UV.append(np.stack([uu, np.full_like(uu, v)], 1))
            else:
                V.append(np.stack([r * s, np.full_like(s, y), r * c], 1))
                N.append(np.stack([nr * s, np.full_like(s, ny), nr * c], 1) / np.hypot(nr, ny))
                UV.append(np.stack([u, np.full_like(u, v)], 1))
        for k in range(len(strip) - 1):
            top, bot = rows[k], rows[k + 1]
            pole_top, pole_bot = strip[k][0] == 0, strip[k + 1][0] == 0
            for j in range(segments):
                a, b, cc, d = top + j, top + j + 1, bot + j, bot + j + 1
                if pole_top:
                    F.append((top + j, cc, d))
                elif pole_bot:
                    F.append((a, bot + j, b))
                else:
                    F += [(a, cc, b), (b, cc, d)]
    return Mesh(np.concatenate(V), np.array(F), np.concatenate(N), np.concatenate(UV), name)


def _box() -> Mesh:
    V, N, UV, F = [], [], [], []
    for axis in range(3):
        for sign in (1.0, -1.0):
            n = np.zeros(3)
            n[axis] = sign
            t1 = np.zeros(3)
            t1[(axis + 1) % 3] = 1.0
            t2 = np.cross(n, t1)  # (t1, t2, n) right-handed: corners below go CCW around n
            base = len(V)
            for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                V.append(0.5 * (n + a * t1 + b * t2))
                N.append(n)
                UV.append(((a + 1) / 2, (b + 1) / 2))
            F += [(base, base + 1, base + 2), (base, base + 2, base + 3)]
    return Mesh(np.array(V), np.array(F), np.array(N), np.array(UV), "box")


def _torus(major: int = 20, minor: int = 10, R: float = 0.35, r: float = 0.15) -> Mesh:
    th = 2 * np.pi * np.arange(major + 1) / major
    ps = 2 * np.pi * np.arange(minor + 1) / minor
    T, P = np.meshgrid(th, ps, indexing="ij")  # [major+1, minor+1]
    nrm = np.stack([np.cos(P) * np.sin(T), np.sin(P), np.cos(P) * np.cos(T)], -1)
    pos = np.stack([(R + r * np.cos(P)) * np.sin(T), r * np.sin(P), (R + r * np.cos(P)) * np.cos(T)], -1)
    uv = np.stack(np.meshgrid(th / (2 * np.pi), ps / (2 * np.pi), indexing="ij"), -1)
    idx = np.arange((major + 1) * (minor + 1)).reshape(major + 1, minor + 1)
    a, b, c, d = idx[:-1, :-1], idx[1:, :-1], idx[:-1, 1:], idx[1:, 1:]
    F = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([b, d, c], -1).reshape(-1, 3)])
    return Mesh(pos.reshape(-1, 3), F, nrm.reshape(-1, 3), uv.reshape(-1, 2), "torus")


def primitive(name: str, **kw) -> Mesh:
    """A unit-size closed primitive: "box"; "cylinder" (segments=16); "sphere" (segments=16,
    rings=11); "capsule" (segments=16, rings=5 per cap, radius=0.25); "torus" (major=20,
    minor=10, minor_radius=0.15). Axis of revolution +Y."""
    if name == "box":
        return _box()
    if name == "torus":
        rm = float(kw.get("minor_radius", 0.15))
        return _torus(int(kw.get("major", 20)), int(kw.get("minor", 10)), 0.5 - rm, rm)
    seg = int(kw.get("segments", 16))
    if name == "sphere":
        rings = int(kw.get("rings", 11))
        th = np.pi * np.arange(rings + 1) / rings
        pts = [(0.5 * np.sin(t), 0.5 * np.cos(t), np.sin(t), np.cos(t), 1 - t / np.pi) for t in th]
        pts[0] = (0.0,) + pts[0][1:]
        pts[-1] = (0.0,) + pts[-1][1:]
        return _lathe([pts], seg, "sphere")
    if name == "cylinder":
        r = 0.5
        top = [(0.0, 0.5, 0, 1, 1.0), (r, 0.5, 0, 1, 0.75)]
        side = [(r, 0.5, 1, 0, 0.75), (r, -0.5, 1, 0, 0.25)]
        bot = [(r, -0.5, 0, -1, 0.25), (0.0, -0.5, 0, -1, 0.0)]
        return _lathe([top, side, bot], seg, "cylinder")
    if name == "capsule":
        rings, r = int(kw.get("rings", 5)), float(kw.get("radius", 0.25))
        h = 0.5 - r  # half length of the straight part
        th = 0.5 * np.pi * np.arange(rings + 1) / rings  # 0 (pole) .. pi/2 (equator)
        vtot = 2 * h + np.pi * r  # v proportional to arc length along the profile
        top = [(r * np.sin(t), h + r * np.cos(t), np.sin(t), np.cos(t), 1 - r * t / vtot) for t in th]
        bot = [(r * np.sin(t), -h - r * np.cos(t), np.sin(t), -np.cos(t), r * t / vtot) for t in th[::-1]]
        top[0], bot[-1] = (0.0,) + top[0][1:], (0.0,) + bot[-1][1:]
        return _lathe([top + bot], seg, "capsule")
    raise ValueError(f"primitive: unknown name {name!r}; expected one of {PRIMITIVES}")


def builtin_primitives() -> list[Mesh]:
    """The default occluder set, one of each primitive (1116 triangles in all)."""
    return [primitive(n) for n in PRIMITIVES]


def superset(meshes: list[Mesh]):
    """Concatenate meshes: (vertices f32 [V,3], faces i32 [F,3] with indices offset into the
    concatenation, normals f32 [V,3], uvs f32 [V,2], vertex_ranges i32 [K,2], face_ranges i32
    [K,2]); ranges are (start, count) per mesh, as nvdiffrast's `ranges`."""
    if not meshes:
        raise ValueError("superset: no meshes")
    nv = np.array([len(m.vertices) for m in meshes])
    nf = np.array([len(m.faces) for m in meshes])
    v0 = np.concatenate([[0], np.cumsum(nv)[:-1]])
    f0 = np.concatenate([[0], np.cumsum(nf)[:-1]])
    faces = np.concatenate([m.faces + o for m, o in zip(meshes, v0)]).astype(np.int32)
    return (np.concatenate([m.vertices for m in meshes]).astype(np.float32), faces,
            np.concatenate([m.normals for m in meshes]).astype(np.float32),
            np.concatenate([m.uvs for m in meshes]).astype(np.float32),
            np.stack([v0, nv], 1).astype(np.int32), np.stack([f0, nf], 1).astype(np.int32))


def outward_oriented(vertices, faces, allow_boundary: bool = False) -> bool:
    """Whether a mesh's faces are wound consistently and outward (counter-clockwise seen from
    outside), so that only its back faces face away from any outside viewer and a renderer may
    cull them (kernels/raster.h draw modes). Vertices are welded by position (1e-6) first, so
    seam duplicates do not open the surface. True iff every directed edge occurs at most once,
    no edge has more than two faces, the signed volume about the centroid is positive and
    (unless allow_boundary) every edge has exactly two faces (closed). vertices float [N, 3],
    faces int [M, 3]."""
    v = np.asarray(vertices, np.float64).reshape(-1, 3)
    f = np.asarray(faces, np.int64).reshape(-1, 3)
    if not len(f) or not np.isfinite(v).all():
        return False
    u, inv = np.unique(np.round(v, 6), axis=0, return_inverse=True)
    f = inv.reshape(-1)[f]
    e = np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
    e = e[e[:, 0] != e[:, 1]]
    if len(np.unique(e, axis=0)) != len(e):  # a directed edge twice: inconsistent winding
        return False
    _, uses = np.unique(np.sort(e, 1), axis=0, return_counts=True)
    if (uses > 2).any() or (not allow_boundary and (uses != 2).any()):
        return False
    c = u.mean(0)
    a, b, d = u[f[:, 0]] - c, u[f[:, 1]] - c, u[f[:, 2]] - c
    return bool(np.einsum("ij,ij->i", a, np.cross(b, d)).sum() > 0)


def spherical_uvs(vertices) -> np.ndarray:
    """UVs from the direction of each (centred) vertex: u = atan2(x, -z)/(2 pi) + 0.5,
    v = 1 - acos(y/|p|)/pi (v up). Used when a loaded mesh has none (seams not split)."""
    p = np.asarray(vertices, np.float64)
    r = np.linalg.norm(p, axis=1) + 1e-12
    u = np.arctan2(p[:, 0], -p[:, 2]) / (2 * np.pi) + 0.5
    v = 1 - np.arccos(np.clip(p[:, 1] / r, -1, 1)) / np.pi
    return np.stack([u, v], 1).astype(np.float32)


def load_mesh(path, max_faces: int = 5000, decimate: bool = True, normalize: bool = True) -> Mesh:
    """Load OBJ/PLY/GLB/GLTF/STL/OFF (via trimesh; a multi-part scene is flattened), centre its
    bounding box, scale it to unit max extent (normalize=False: vertices kept as stored, e.g.
    metres in the object's own frame for GraspXL objects), re-orient faces outward when it is
    watertight.
    Over max_faces it is decimated (trimesh quadric decimation when fast_simplification is
    installed, else vertex clustering: UVs are then re-made) or, with decimate=False, rejected.
    UVs are kept as stored (may leave [0, 1]: textures wrap); missing UVs -> spherical_uvs. Any problem -> AssetError(path, reason, kind="mesh")."""
    from handraster.scene.mesh_decimate import decimate_mesh
    import trimesh

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise AssetError(path, "no such file", "mesh")
    try:
        tm = trimesh.load(path, force="mesh")
    except Exception as e:
        raise AssetError(path, f"cannot load ({type(e).__name__}: {e})", "mesh") from None
    if not isinstance(tm, trimesh.Trimesh) or len(tm.faces) == 0:
        raise AssetError(path, "contains no triangles", "mesh")
    uv = getattr(tm.visual, "uv", None)
    uv = np.asarray(uv, np.float32) if uv is not None and len(uv) == len(tm.vertices) else None
    if len(tm.faces) > max_faces:
        if not decimate:
            raise AssetError(path, f"has {len(tm.faces)} faces, more than max_faces={max_faces}", "mesh")
        tm = decimate_mesh(tm, max_faces)
        uv = None
        if len(tm.faces) > max_faces or len(tm.faces) == 0:
            raise AssetError(path, f"could not be decimated to {max_faces} faces", "mesh")
    v = np.asarray(tm.vertices, np.float64)
    lo, hi = v.min(0), v.max(0)
    ext = float((hi - lo).max())
    if not np.isfinite(ext) or ext <= 0:
        raise AssetError(path, "has zero or non-finite extent", "mesh")
    tm = trimesh.Trimesh((v - (lo + hi) / 2) / ext if normalize else v, tm.faces, process=False)
    if tm.is_watertight and tm.volume < 0:
        tm.invert()
    uvs = uv if uv is not None else spherical_uvs(tm.vertices - (0.0 if normalize else (lo + hi) / 2))
    name = os.path.splitext(os.path.basename(path))[0]
    return Mesh(tm.vertices, tm.faces, tm.vertex_normals, uvs, name)
