"""SceneMesh: the triangle mesh the renderer rasterizes - the hand (+ forearm) followed by a
superset of occluder meshes (every sample carries all of them; the unused ones collapse to
a point and cover no pixel), with the static arrays the native stages need."""
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
        # occluders
        self.object_meshes = occluder_meshes(cfg)
        from handraster.scene.meshes import superset
        ov, of, _, ouv, vr, fr = superset(self.object_meshes)
        self.obj_vertices = ov.astype(np.float32)
        self.obj_vranges = vr
        self.n_objects = len(self.object_meshes)
        oattr = np.zeros((len(ov), attr.shape[1]), np.float32)
        oattr[:, 0:3] = ov
        oattr[:, 4] = 1.0
        oattr[:, 7:9] = ouv
        self.vattr = np.ascontiguousarray(np.concatenate([attr, oattr]), np.float32)
        self.vlabel = np.concatenate([labels, np.full(len(ov), 8, np.uint8)])
        self.faces = np.ascontiguousarray(np.concatenate([model.faces, of + self.n_hand]), np.int32)
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
        if cfg.skin_texture_dir is not None:  # per-face-corner uvs (faces_uv indexes uvs, not vertices)
            if model.uvs is None or model.faces_uv is None or len(model.faces_uv) != len(model.faces):
                from handraster.scene.config import ConfigError
                raise ConfigError(f"skin_texture_dir: model '{model.name}' has no texture coordinates "
                                  "(uvs + faces_uv for every face); textures cannot be mapped")
            uv = np.zeros((len(self.faces), 3, 2), np.float32)
            uv[: len(model.faces)] = np.asarray(model.uvs, np.float32)[np.asarray(model.faces_uv)]
            self.uv_tri = uv
        from handraster.scene.pose_source import ScenePoses
        self.poses = ScenePoses(cfg, model)

    # ----- occluders -----------------------------------------------------------------------
    def place_objects(self, hand_verts: np.ndarray, objects, views) -> np.ndarray:
        """World vertices [B, V_hand + V_obj, 3]: each sample's chosen occluder scaled, rotated
        and put between the camera and a random point of the hand; the others collapsed."""
        B = hand_verts.shape[0]
        Vo = len(self.obj_vertices)
        out = np.empty((B, self.n_hand + Vo, 3), np.float32)
        out[:, : self.n_hand] = hand_verts
        for b in range(B):
            anchor = hand_verts[b, self.hand_ids].mean(0)
            out[b, self.n_hand:] = anchor  # collapsed: zero-area triangles cover no pixel
            o = objects[b]
            if o is None:
                continue
            E = views[b]["extrinsics"]
            cam_centre = -E[:3, :3].T @ E[:3, 3]
            rng_pt = hand_verts[b, self.hand_ids[int(abs(o["offset"][0]) * 1e6) % len(self.hand_ids)]]
            centre = rng_pt + o["toward_camera"] * (cam_centre - rng_pt) * 0.5 + o["offset"]
            s, cnt = self.obj_vranges[o["kind"]]
            e = s + cnt
            R = rodrigues(o["rot"])
            out[b, self.n_hand + s: self.n_hand + e] = (self.obj_vertices[s:e] @ R.T) * o["size"] + centre
        return out

    def shadow_casters(self, objects, cut):
        """(faces bool [B, T], vertices bool [B, V]) that cast shadows in each sample: the hand,
        the forearm faces whose mean forearm coordinate lies within the sample's cut (float
        [B], m; the shade op drops farther fragments) and the faces of the sample's occluder;
        the vertices are a superset of the kept faces' (forearm within cut + the longest edge)."""
        kind = np.array([-2 if o is None else o["kind"] for o in objects], np.int64)
        cut = np.asarray(cut, np.float32)[:, None]
        hand = (self.face_object[None, :] < 0) & (self.face_forearm[None, :] <= cut)
        verts = self.vattr[None, :, 6] <= cut + self.forearm_edge
        return hand | (self.face_object[None, :] == kind[:, None]), verts

    # ----- shading arrays ------------------------------------------------------------------
    def shade_arrays(self, scenes, views, assets, lut) -> dict:
        B = len(scenes)
        mat = np.zeros((B, 40), np.float32)
        lights = np.zeros((B, 5, 12), np.float32)
        nl = np.zeros(B, np.int32)
        sh = np.zeros((B, 9, 3), np.float32)
        sh_rot = np.zeros((B, 3, 3), np.float32)
        mode = np.zeros(B, np.int32)
        bid = np.zeros(B, np.int32)
        aff = np.zeros((B, 2, 3), np.float32)
        bpar = np.zeros((B, 8), np.float32)
        env_rot = np.zeros((B, 3, 3), np.float32)
        for b, (s, v) in enumerate(zip(scenes, views)):
            sk, fa, ob = s["skin"], s["forearm"], s["object"]
            m = mat[b]
            m[0:3], m[3:6], m[6:9] = sk["back"], sk["palm"], sk["nail"]
            m[9], m[10], m[11], m[12] = sk["blotch_amp"], sk["blotch_freq"], sk["noise_seed"], sk["roughness"]
            m[13], m[14], m[15] = sk["spec"], sk["wrap"], sk["crease"]
            m[16] = 1.0 if fa["sleeve"] else 0.0
            if fa["mean_color"]:  # gap paper variant: forearm painted with the hand's mean colour
                m[16], m[17:20], m[20:23], m[23] = 1.0, sk["back"], sk["back"], 0
            else:
                m[17:20], m[20:23], m[23] = fa["color_a"], fa["color_b"], fa["pattern"]
            m[24] = fa["freq"]
            # no forearm: cut at the wrist (the hand's forearm coordinate is 0; -1 dropped every fragment)
            m[25] = fa["length"] if fa["enabled"] else 0.0
            if ob is not None:
                m[26:29], m[29:32] = ob["color_a"], ob["color_b"]
                m[32], m[33], m[34] = ob["pattern"], ob["freq"], ob["roughness"]
            m[35] = v["exposure"]
            m[36:39] = sk["sss_tint"]
            m[39] = 1.0 if sk.get("texture", -1) >= 0 else 0.0
            lights[b], nl[b] = v["lights"], v["n_lights"]
            bg = v["background"]
            sh[b] = bg["sh"] * v["ambient"]
            if v["ambient_light"].any():  # "ambient" lights: a uniform environment (lighting.py)
                sh[b] += constant_sh(v["ambient_light"] / np.pi)
            sh_rot[b], env_rot[b] = bg["sh_rot"], bg["env_rot"]
            mode[b], bid[b], aff[b], bpar[b] = bg["mode"], bg["id"], bg["affine"], bg["param"]
            bpar[b, 4] = self.cfg.background_depth
        Kinv = np.linalg.inv(np.stack([v["K"] for v in views]).astype(np.float64)).astype(np.float32)
        ph, eh = assets.photos, assets.envs
        tex = {}
        if assets.n_textures and self.uv_tri is not None:
            tex = dict(tex=assets.tex_rgba, tex_off=assets.tex_off, tex_hw=assets.tex_hw, uv_tri=self.uv_tri,
                       tex_id=np.array([s["skin"].get("texture", -1) for s in scenes], np.int32),
                       srgb2lin=srgb2lin_lut())
        return dict(**tex, vattr=self.vattr, vlabel=self.vlabel, mat=mat, lights=lights, nlights=nl, sh=sh,
                    sh_rot=sh_rot, bg_mode=mode, bg_id=bid, bg_affine=aff, bg_param=bpar, Kinv=Kinv,
                    env_rot=env_rot, pool=assets.pool_rgba, pool_off=assets.pool_off,
                    pool_hw=assets.pool_hw, env=eh.data, env_off=eh.offsets.astype(np.int64),
                    env_hw=eh.sizes.astype(np.int32), lin2srgb=lut)

    def describe(self, scene: dict, view: dict) -> dict:
        """JSON-able parameters of one sample (camera, lights, background, skin, object)."""
        def j(x):
            if isinstance(x, dict):
                return {k: j(v) for k, v in x.items()}
            if isinstance(x, np.ndarray):
                return x.tolist()
            if isinstance(x, (np.floating, np.integer, np.bool_)):
                return x.item()
            return x
        bg = view["background"]
        return j(dict(
            camera=dict(fov_x_deg=float(np.degrees(2 * np.arctan(self.cfg.resolution[1] / 2 / view["K"][0, 0])))),
            lights=dict(count=view["n_lights"], params=view["lights"][: view["n_lights"]]),
            exposure=view["exposure"], ambient=view["ambient"],
            background=dict(mode=["photo", "environment", "solid"][bg["mode"]], id=bg["id"],
                            name=bg["name"], affine=bg["affine"], param=bg["param"]),
            skin={k: v for k, v in scene["skin"].items()}, forearm=scene["forearm"],
            object=scene["object"]))
