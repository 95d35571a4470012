"""Renderer: batches of posed hands -> RGB-D samples with exact labels (issue 5).

    r = Renderer(SceneConfig(resolution=(256, 256)))
    batch = r.render(np.arange(64), seed=0)      # RenderBatch (handraster/data/schema.py)

Pipeline per batch (all batched; nothing per pixel in Python): scene/view parameters
(scene/sampling.py) -> native skinning -> occluder placement -> native vertex stage (world ->
camera -> clip) and normals -> native rasterizer -> optional key-light shadow map
(scene/shadows.py) -> native shade/composite (kernels/shade.h) -> labels (scene/labels.py).
The shade op runs on a worker thread while this thread describes the samples and prepares the
front half of the batch it expects next (scene/overlap.py).
"""
from __future__ import annotations

import numpy as np

from handraster import _native
from handraster.data.schema import RenderBatch
from handraster.scene.config import SceneConfig
from handraster.scene.labels import compute_labels
from handraster.scene.mesh_setup import SceneMesh
from handraster.scene.overlap import FrontPrefetch, NativeOverlap
from handraster.scene.sampling import describe_samples, sample_scenes, sample_views, take_rows

_LIN2SRGB = None


def lin2srgb_lut() -> np.ndarray:
    """uint8 [4096]: linear 0..1 -> sRGB byte (IEC 61966-2-1)."""
    global _LIN2SRGB
    if _LIN2SRGB is None:
        x = np.linspace(0, 1, 4096)
        s = np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)
        _LIN2SRGB = np.clip(np.round(s * 255), 0, 255).astype(np.uint8)
    return _LIN2SRGB


class Renderer:
    """Renders RenderBatches from a SceneConfig on the CPU (numpy) backend."""

    def __init__(self, cfg: SceneConfig | None = None, model=None, overlap: bool = True):
        """overlap: run the shade op on a worker thread while this thread prepares the next
        batch of a consecutive run (scene/overlap.py); False keeps every stage on the calling
        thread, one after another (same outputs)."""
        from handraster._alloc import tune_malloc
        from handraster.scene.assets import SceneAssets
        tune_malloc()  # keep freed batch memory for the next batch (handraster/_alloc.py)
        self.cfg = cfg or SceneConfig()
        self.mesh = SceneMesh(self.cfg, model)
        self.assets = SceneAssets(self.cfg)
        self.resolution = tuple(self.cfg.resolution)
        self._topology = None
        self._overlap = NativeOverlap(enabled=overlap)  # scene/overlap.py: shade on a worker
        self._prefetch = FrontPrefetch(enabled=overlap)  # and the next batch's front meanwhile

    # ----- parameters ----------------------------------------------------------------------
    def sample_params(self, indices, seed: int):
        """(indices int64 [B], scene row tree of each sample (sampling.py), scene int64 [B],
        view int64 [B]); each scene is drawn once however many of its views the batch holds."""
        cfg = self.cfg
        idx = np.asarray(indices, np.int64).reshape(-1)
        scene, view = idx // cfg.views, idx % cfg.views
        uniq, inv = np.unique(scene, return_inverse=True)
        sc = sample_scenes(cfg, seed, uniq, self.mesh.poses, self.mesh.n_objects, self.assets.n_textures)
        return idx, take_rows(sc, inv), scene, view

    # ----- the batch -----------------------------------------------------------------------
    def _front(self, indices, seed: int) -> dict:
        """The part of a batch before the native vertex stage, all of it serial Python (and
        the skinning op): parameters, posed and mirrored hands, cameras, placed occluders and
        the shade op's per-sample arrays."""
        cfg, mesh = self.cfg, self.mesh
        idx, sc, scene, view = self.sample_params(indices, seed)
        right, hp, betas, go = sc["right"], sc["hand_pose"], sc["betas"], sc["global_orient"]
        skinned = mesh.model.forward(hp, betas, go)
        verts = skinned.vertices
        joints = skinned.joints
        flip = np.where(right, 1.0, -1.0).astype(np.float32)
        verts[..., 0] *= flip[:, None]  # left hands: the mirror image (DESIGN.md "Hands")
        joints[..., 0] *= flip[:, None]
        views = sample_views(cfg, seed, scene, view, verts[:, mesh.frame_ids], self.assets)
        world = mesh.place_objects(verts, sc["object"], views)
        arrays = mesh.shade_arrays(sc, views, self.assets, lin2srgb_lut())
        return dict(idx=idx, sc=sc, joints=joints, flip=flip, views=views, world=world, arrays=arrays)

    def _speculate(self, seed: int):
        """While the shade op runs: the front half of the batch FrontPrefetch expects next
        (scene/overlap.py). A failure is dropped here: the real call redoes it and raises."""
        nxt = self._prefetch.expected
        if nxt is None:
            return
        try:
            self._prefetch.store(nxt, seed, self._front(nxt, seed))
        except Exception:  # noqa: BLE001 - recomputed (and raised) by the call that needs it
            pass

    def render(self, indices, seed: int = 0) -> RenderBatch:
        cfg = self.cfg
        H, W = self.resolution
        idx_in = np.asarray(indices, np.int64).reshape(-1)
        fr = self._prefetch.take(idx_in, seed) or self._front(idx_in, seed)
        idx, sc, joints, flip, views, world, arrays = (
            fr[k] for k in ("idx", "sc", "joints", "flip", "views", "world", "arrays"))
        right, hp, betas, go = sc["right"], sc["hand_pose"], sc["betas"], sc["global_orient"]
        B = len(idx)
        mesh = self.mesh
        K, E = views["K"], views["extrinsics"]
        nf = np.tile(np.array([cfg.near, cfg.far], np.float32), (B, 1))
        mod = _native.native("cpu")
        V = world.shape[1]
        p_cam = np.empty((B, V, 3), np.float32)
        clip = np.empty((B, V, 4), np.float32)
        mod.vertex_stage(world, np.ascontiguousarray(E[:, :3, :4]), K, nf, H, W, p_cam, clip)
        nrm = np.empty((B, V, 3), np.float32)
        vblotch = np.empty((B, V), np.float32)
        fnrm = np.empty((B, len(mesh.faces), 3), np.float32)  # scratch: each face's normal once
        mod.vertex_normals(p_cam, mesh.faces, mesh.adj_ptr, mesh.adj_face, flip, nrm,
                           mesh.vattr, arrays["mat"], vblotch, face_normals=fnrm, n_blotch=mesh.n_hand,
                           keep_v0=mesh.occluder_vertices[0], keep_v1=mesh.occluder_vertices[1])
        draw = mesh.draw_modes(right, sc["object"])  # back faces and absent objects not drawn
        if cfg.antialias:  # the antialias pass reads the whole rast
            from handraster.raster import rasterize
            rast, _ = rasterize(None, clip, mesh.faces, (H, W), grad_db=False, mask=draw)
            spans = None
        else:  # rast written and read only within each row's coverage span
            from handraster.raster.rasterize import rasterize_spans
            rast, spans = rasterize_spans(clip, mesh.faces, (H, W), mask=draw)
        rgb = np.empty((B, H, W, 3), np.uint8)
        depth = np.empty((B, H, W), np.float32)
        mask = np.empty((B, H, W), np.uint8)
        arrays.update(rast=rast, tri=mesh.faces, p_cam=p_cam, nrm=nrm, vblotch=vblotch, rgb=rgb,
                      depth=depth, mask=mask)
        if spans is not None:
            arrays["spans"] = spans
        if cfg.shadows:  # key-light shadow map (scene/shadows.py)
            from handraster.scene.shadows import shadow_pass
            keep, vmask = mesh.shadow_casters(sc["object"], arrays["mat"][:, 25])
            smap, sparams = shadow_pass(p_cam, mesh.faces, keep, vmask, arrays["lights"], arrays["nlights"],
                                        p_cam[:, mesh.hand_ids].mean(1), cfg.shadow_map_size)
            arrays.update(shadow_map=smap, shadow=sparams)
        # the shade op on the worker thread; meanwhile the Python that does not need its output
        shading = self._overlap.start(mod.shade, arrays, H, W)
        try:
            gorient = go.copy()
            hand_pose = hp.copy()
            from handraster.models.mirror import mirror_pose
            if (~right).any():  # left-hand parameters are those of the left (mirrored) model
                gorient[~right] = mirror_pose(go[~right])
                hand_pose[~right] = mirror_pose(hp[~right])
            params = describe_samples(cfg, sc, views)
            self._speculate(seed)
        finally:
            shading.result()
        if cfg.antialias:
            rgb = self._antialias(rgb, rast, clip, mask)
        labels = compute_labels(mesh, joints, p_cam, K, E, depth, mask, right, nrm)
        batch = RenderBatch(
            rgb=rgb, depth=depth, mask=mask, K=K, extrinsics=E, right=right, global_orient=gorient,
            hand_pose=hand_pose, betas=betas, transl=np.zeros((B, 3), np.float32),
            index=idx, seed=int(seed),
            model_name=mesh.model.name, params=params,
            vertices=p_cam[:, : mesh.n_hand] if cfg.write_vertices else None,
            faces=mesh.hand_faces if cfg.write_vertices else None, **labels)
        return batch


    def _antialias(self, rgb, rast, clip, mask):
        """Silhouette antialiasing of the composited image (the rasterizer's analytic
        antialias, nvdiffrast's rules): pixels on hand/object silhouettes blend toward what
        lies behind them, in sRGB. Labels, mask and depth stay per-pixel exact."""
        from handraster.raster import antialias, antialias_construct_topology_hash
        if self._topology is None:
            self._topology = antialias_construct_topology_hash(self.mesh.faces)
        col = np.ascontiguousarray(rgb[:, ::-1], np.float32)  # nvdiffrast rows: bottom first
        # pixels the shader dropped (beyond the forearm cut) are background: no silhouette there
        rast = rast.copy()
        rast[..., 3][mask[:, ::-1] == 0] = 0
        out = antialias(col, rast, clip, self.mesh.faces, topology_hash=self._topology)
        return np.ascontiguousarray(np.clip(np.rint(out[:, ::-1]), 0, 255).astype(np.uint8))


def render_sample(index: int = 0, seed: int = 0, cfg: SceneConfig | None = None) -> dict:
    """One sample as a dict (see RenderBatch.sample)."""
    return Renderer(cfg).render(np.array([index]), seed).sample(0)
