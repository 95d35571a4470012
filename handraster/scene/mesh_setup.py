"""SceneMesh: the triangle mesh the renderer rasterizes - the hand (+ forearm) followed by a
superset of occluder meshes and then the GraspXL objects of a graspxl pose file (every sample
carries all of them; the unused ones collapse to a point and cover no pixel), with the static
arrays the native stages need."""
from __future__ import annotations

import os
import warnings

import numpy as np

from handraster.models.rotations import rodrigues

from handraster.scene.lighting import constant_sh
from handraster.scene.vertex_attributes import part_labels, vertex_attributes, vertex_face_adjacency


def srgb2lin_lut() -> np.ndarray:
    """float32 [256]: sRGB byte -> linear 0..1 (IEC 61966-2-1), for skin textures."""
    x = np.arange(256) / 255.0
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def occluder_meshes(cfg) -> list:
    """The occluder set: cfg.object_primitives (in that order) then the meshes of
    cfg.object_mesh_dir (sorted by name; load_mesh). A bad mesh file raises AssetError naming
    it, or is skipped (a warning) with on_bad_asset 'skip'."""
    from handraster.scene.errors import AssetError
    from handraster.scene.meshes import load_mesh, primitive
    out = [primitive(n) for n in cfg.object_primitives]
    if cfg.object_mesh_dir is not None:
        exts = (".obj", ".ply", ".glb", ".gltf", ".stl", ".off")
        files = sorted(f for f in os.listdir(cfg.object_mesh_dir) if f.lower().endswith(exts))
        for f in files:
            try:
                out.append(load_mesh(os.path.join(cfg.object_mesh_dir, f)))
            except AssetError as e:
                if cfg.on_bad_asset != "skip":
                    raise
                warnings.warn(f"skipping {e}")
        if not out:
            raise AssetError(cfg.object_mesh_dir, "holds no usable mesh (.obj/.ply/.glb/.gltf/.stl/.off) "
                             "and no primitives are enabled", "mesh")
    return out


class SceneMesh:
    def __init__(self, cfg, model=None):
        from handraster.models import load_model
        if model is None:
            model = load_model(cfg.model, flat_hand_mean=True)
        if not cfg.forearm and model.vertex_parts is not None and (model.vertex_parts == 7).any():
            model = model.without_forearm()
        self.model = model
        self.cfg = cfg
        self.n_hand = model.num_vertices
        self.hand_faces = model.faces
        labels = part_labels(model)
        self.hand_labels = labels
        attr = vertex_attributes(model)
        self.hand_ids = np.flatnonzero(labels <= 6)  # the hand without the forearm
        # framing uses every 8th hand vertex plus the fingertips: the silhouette's extremes
        # are covered to a few millimetres at a fraction of the cost
        self.frame_ids = np.unique(np.concatenate([self.hand_ids[::8], model.tip_ids]))
        from handraster.scene.pose_source import ScenePoses
        self.poses = ScenePoses(cfg, model)
        # occluders (unit size), then the GraspXL objects (metres, scene/grasp_objects.py)
        self.object_meshes = occluder_meshes(cfg)
        self.n_objects = len(self.object_meshes)
        grasp = self.poses.grasp
        self.grasp_meshes = list(grasp.meshes) if grasp is not None else []
        from handraster.scene.meshes import superset
        ov, of, _, ouv, vr, fr = superset(self.object_meshes + self.grasp_meshes)
        self.obj_vertices = ov.astype(np.float32)
        self.obj_vranges = vr
        oattr = np.zeros((len(ov), attr.shape[1]), np.float32)
        oattr[:, 0:3] = ov
        oattr[:, 4] = 1.0
        oattr[:, 7:9] = ouv
        self.vattr = np.ascontiguousarray(np.concatenate([attr, oattr]), np.float32)
        self.vlabel = np.concatenate([labels, np.full(len(ov), 8, np.uint8)])
        self.faces = np.ascontiguousarray(np.concatenate([model.faces, of + self.n_hand]), np.int32)
        # Back-face culling (the rasterizer's draw modes, kernels/raster.h) per face group:
        # group 0 the hand (+ forearm), 1 + k object k, each a contiguous run of faces. A group
        # is culled when its mesh is wound outward consistently; objects must also be closed
        # (an open cup shows its inside), the hand may be open (MANO's wrist: culling shows
        # the background through the hole instead of the hand's inside). Half of the faces face
        # away from the camera, so about half are then set up and drawn no more.
        from handraster.scene.meshes import outward_oriented
        self.cull = np.array([outward_oriented(model.v_template, model.faces, allow_boundary=True)]
                             + [outward_oriented(m.vertices, m.faces)
                                for m in self.object_meshes + self.grasp_meshes], bool)
        self.group_faces = np.concatenate([[len(model.faces)], fr[:, 1]]).astype(np.int64)
        # the random occluders' vertices: placed in the world, never mirrored with a left hand
        end = int(vr[self.n_objects - 1].sum()) if self.n_objects else 0
        self.occluder_vertices = (self.n_hand, self.n_hand + end)
        self.adj_ptr, self.adj_face = vertex_face_adjacency(self.faces, len(self.vlabel))
        # shadow casters (shadows.py): per face, its mean forearm coordinate and its occluder kind
        fa = self.vattr[self.faces, 6]
        self.face_forearm = fa.mean(1)
        self.forearm_edge = float((fa.max(1) - fa.min(1)).max(initial=0.0)) + 1e-3
        starts = np.array([r[0] for r in vr], np.int64)
        first = self.faces[len(model.faces):, 0] - self.n_hand
        self.face_object = np.concatenate([np.full(len(model.faces), -1, np.int64),
                                           np.searchsorted(starts, first, side="right") - 1])
        self.uv_tri = None
        textured = cfg.skin_texture_dir is not None or cfg.skin_texture_model is not None
        if textured:  # per-face-corner uvs (faces_uv indexes uvs, not vertices)
            if model.uvs is None or model.faces_uv is None or len(model.faces_uv) != len(model.faces):
                from handraster.scene.config import ConfigError
                key = "skin_texture_dir" if cfg.skin_texture_dir is not None else "skin_texture_model"
                raise ConfigError(f"{key}: model '{model.name}' has no texture coordinates "
                                  "(uvs + faces_uv for every face); textures cannot be mapped")
            uv = np.zeros((len(self.faces), 3, 2), np.float32)
            uv[: len(model.faces)] = np.asarray(model.uvs, np.float32)[np.asarray(model.faces_uv)]
            self.uv_tri = uv

    # ----- occluders -----------------------------------------------------------------------
    def place_objects(self, hand_verts: np.ndarray, obj: dict, views: dict) -> np.ndarray:
        """World vertices float32 [B, V_hand + V_obj, 3]: each sample's chosen occluder
        (obj: the scenes' object row tree, sampling.py) scaled, rotated and put between the
        camera (views["extrinsics"] [B, 4, 4]) and a pseudo-random point of the hand, or, for
        rows with obj["grasp"] (GraspXL), the recording's object where the recording holds it;
        the other meshes collapsed onto a point of the hand (zero-area triangles cover no pixel)."""
        B, nh = hand_verts.shape[0], self.n_hand
        out = np.empty((B, nh + len(self.obj_vertices), 3), np.float32)
        out[:, :nh] = hand_verts
        # any point will do for the collapsed occluders (their triangles cover no pixel): the
        # mean of the few framing vertices is cheaper than that of the whole hand
        out[:, nh:] = hand_verts[:, self.frame_ids].mean(1)[:, None]
        rows = np.flatnonzero(obj["present"])
        if not len(rows):
            return out
        E = views["extrinsics"][rows].astype(np.float64)
        cam_centre = -np.einsum("bji,bj->bi", E[:, :3, :3], E[:, :3, 3])
        # the offset's first digits pick the hand point (cheap, and a function of the scene)
        pick = (np.abs(obj["offset"][rows, 0]) * 1e6).astype(np.int64) % len(self.hand_ids)
        pt = hand_verts[rows, self.hand_ids[pick]]
        centre = pt + obj["toward_camera"][rows, None] * (cam_centre - pt) * 0.5 + obj["offset"][rows]
        R = rodrigues(obj["rot"][rows])
        grasp = obj.get("grasp", np.zeros(B, bool))[rows]
        for b, kind, Rb, size, c, g in zip(rows, obj["kind"][rows], R, obj["size"][rows], centre, grasp):
            s, cnt = self.obj_vranges[kind]
            if not g:
                out[b, nh + s: nh + s + cnt] = (self.obj_vertices[s:s + cnt] @ Rb.T) * size + c
        if grasp.any():
            self._place_grasped(out, rows[grasp], obj)
        return out

    def _place_grasped(self, out, rows, obj):
        """GraspXL objects of the samples ``rows`` (int [k]) into out [B, V, 3]: metric vertices
        through the recorded rotation and hand-relative translation (scene/grasp_objects.py),
        mirrored (x -> -x) with a left hand."""
        nh = self.n_hand
        R = rodrigues(obj["grasp_rot"][rows])
        for b, kind, Rb, t, m in zip(rows, obj["kind"][rows], R, obj["grasp_trans"][rows], obj["grasp_mirror"][rows]):
            s, cnt = self.obj_vranges[kind]
            v = self.obj_vertices[s:s + cnt] @ Rb.T.astype(np.float32) + t
            if m:
                v[:, 0] *= -1
            out[b, nh + s: nh + s + cnt] = v

    def draw_modes(self, right: np.ndarray, obj: dict) -> np.ndarray:
        """uint8 [B, T]: the rasterizer's draw mode of every face in every sample
        (kernels/raster.h): front faces only (counter-clockwise; clockwise for a mirrored left
        hand) of the hand and of the sample's object (GraspXL objects mirror with a left hand,
        occluders never), both sides of a group self.cull leaves two-sided, nothing of the
        objects absent from the sample. right bool [B]; obj the scenes' object row tree."""
        right = np.asarray(right, bool)
        B = len(right)
        m = np.zeros((B, len(self.group_faces)), np.uint8)
        m[:, 0] = np.where(right, 2, 3) if self.cull[0] else 1
        rows = np.flatnonzero(obj["present"])
        if len(rows):
            kind = np.asarray(obj["kind"], np.int64)[rows]
            mirror = np.asarray(obj.get("grasp_mirror", np.zeros(B, bool)), bool)[rows]
            m[rows, 1 + kind] = np.where(self.cull[1 + kind], np.where(mirror, 3, 2), 1)
        return np.repeat(m, self.group_faces, axis=1)

    def shadow_casters(self, obj: dict, cut):
        """(faces bool [B, T], vertices bool [B, V]) that cast shadows in each sample: the hand,
        the forearm faces whose mean forearm coordinate lies within the sample's cut (float
        [B], m; the shade op drops farther fragments) and the faces of the sample's occluder
        (``obj``: the scene rows' object tree, bool ``present`` [B] and int ``kind`` [B]); the
        vertices are a superset of the kept faces' (forearm within cut + the longest edge)."""
        kind = np.where(np.asarray(obj["present"], bool), np.asarray(obj["kind"], np.int64), -2)
        cut = np.asarray(cut, np.float32)[:, None]
        hand = (self.face_object[None, :] < 0) & (self.face_forearm[None, :] <= cut)
        verts = self.vattr[None, :, 6] <= cut + self.forearm_edge
        return hand | (self.face_object[None, :] == kind[:, None]), verts

    # ----- shading arrays ------------------------------------------------------------------
    def shade_arrays(self, sc: dict, vw: dict, assets, lut) -> dict:
        """The shade kernel's per-sample arrays (kernels/shade.h) from the samples' scene and
        view row trees (sampling.py), packed for the whole batch at once."""
        sk, fa, ob, bg = sc["skin"], sc["forearm"], sc["object"], vw["background"]
        B = len(sc["right"])
        mat = np.zeros((B, 40), np.float32)
        mat[:, 0:3], mat[:, 3:6], mat[:, 6:9] = sk["back"], sk["palm"], sk["nail"]
        mat[:, 9:16] = np.stack([sk[k] for k in ("blotch_amp", "blotch_freq", "noise_seed", "roughness",
                                                 "spec", "wrap", "crease")], 1)
        mc = fa["mean_color"][:, None]  # gap paper variant: forearm painted with the hand's mean colour
        mat[:, 16] = fa["sleeve"] | fa["mean_color"]
        mat[:, 17:20] = np.where(mc, sk["back"], fa["color_a"])
        mat[:, 20:23] = np.where(mc, sk["back"], fa["color_b"])
        mat[:, 23] = np.where(fa["mean_color"], 0, fa["pattern"])
        mat[:, 24] = fa["freq"]
        # no forearm: cut at the wrist (the hand's forearm coordinate is 0; -1 dropped every fragment)
        mat[:, 25] = np.where(fa["enabled"], fa["length"], 0.0)
        has = ob["present"][:, None]
        mat[:, 26:29] = np.where(has, ob["color_a"], 0.0)
        mat[:, 29:32] = np.where(has, ob["color_b"], 0.0)
        mat[:, 32:35] = np.where(has, np.stack([ob["pattern"], ob["freq"], ob["roughness"]], 1), 0.0)
        mat[:, 35] = vw["exposure"]
        mat[:, 36:39] = sk["sss_tint"]
        tex_id = sk.get("texture", np.full(B, -1))
        mat[:, 39] = tex_id >= 0
        # "ambient" lights: a uniform environment (lighting.py)
        sh = bg["sh"] * vw["ambient"][:, None, None].astype(np.float32) + constant_sh(vw["ambient_light"] / np.pi)
        bpar = bg["param"].copy()
        bpar[:, 4] = self.cfg.background_depth
        Kinv = np.linalg.inv(vw["K"].astype(np.float64)).astype(np.float32)
        eh = assets.envs
        tex = {}
        if assets.n_textures and self.uv_tri is not None:
            tex = dict(tex=assets.tex_rgba, tex_off=assets.tex_off, tex_hw=assets.tex_hw, uv_tri=self.uv_tri,
                       tex_id=tex_id.astype(np.int32), srgb2lin=srgb2lin_lut())
        return dict(**tex, vattr=self.vattr, vlabel=self.vlabel, mat=mat, lights=vw["lights"],
                    nlights=vw["n_lights"].astype(np.int32), sh=sh.astype(np.float32),
                    sh_rot=bg["sh_rot"].astype(np.float32), bg_mode=bg["mode"].astype(np.int32),
                    bg_id=bg["id"].astype(np.int32), bg_affine=bg["affine"], bg_param=bpar, Kinv=Kinv,
                    env_rot=bg["env_rot"].astype(np.float32), pool=assets.pool_rgba, pool_off=assets.pool_off,
                    pool_hw=assets.pool_hw, env=eh.data, env_off=eh.offsets.astype(np.int64),
                    env_hw=eh.sizes.astype(np.int32), lin2srgb=lut)
