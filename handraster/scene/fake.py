"""FakeRenderer: the scene renderer's interface with cheap, deterministic stand-in content.

Used by the generator's tests (writers, resume, shards, workers, Ray) and by the generator
when the real renderer (handraster.scene.renderer.Renderer) is not importable. Contract,
shared with the real renderer:
    Renderer(cfg: GenerateConfig); .resolution -> (H, W)
    .render(indices: int64 [B], seed: int) -> RenderBatch; sample i depends only on
    (cfg, seed, i); sample i is view i % cfg.camera.views of scene i // cfg.camera.views.
Content: a stick hand (palm polygon, finger bones as thick lines, part labels 1-6), an
optional forearm (7) and object disc (8), joints consistent with K, depth on the mask,
over a gradient or a background file from the config (bad files -> AssetError or skipped).
Env HANDRASTER_FAKE_RENDER_DELAY (seconds per call) slows it down, and
HANDRASTER_FAKE_RENDER_STALL_AT=i makes the call that renders sample i hang, and
HANDRASTER_FAKE_RENDER_DIE_AT=i kills a worker process that renders sample i (tests).
"""
from __future__ import annotations

import logging
import math
import multiprocessing
import os
import signal
import time

import numpy as np
from PIL import Image, ImageDraw

from handraster.data.assets import HDR_EXTS, IMAGE_EXTS, AssetError, list_assets, read_hdr, read_image
from handraster.data.schema import RenderBatch

log = logging.getLogger(__name__)
# Finger directions (radians from the palm's up axis) and bone lengths (m), OpenPose order.
_FINGER_ANGLE = np.array([-1.0, -0.3, 0.0, 0.25, 0.5])
_FINGER_BONES = np.array([[0.04, 0.032, 0.03, 0.025], [0.09, 0.04, 0.025, 0.02], [0.09, 0.045, 0.028, 0.022],
                          [0.085, 0.04, 0.026, 0.02], [0.08, 0.032, 0.02, 0.018]])


class FakeRenderer:
    """See the module docstring. ``cfg`` is a GenerateConfig."""

    name = "fake"

    def __init__(self, cfg):
        self.cfg = cfg
        self.resolution = (int(cfg.resolution[0]), int(cfg.resolution[1]))
        self._pools, self._cache, self._warned = {}, {}, set()

    # ----- backgrounds ------------------------------------------------------------------
    def _pool(self, source):
        if source not in self._pools:
            bg = self.cfg.background
            folder, exts = (bg.folder, IMAGE_EXTS) if source == "photo" else (bg.hdri_dir, HDR_EXTS)
            files = list_assets(folder, exts)
            if not files:
                raise AssetError(folder, f"no {'/'.join(exts)} files in background {source} folder")
            self._pools[source] = files[:max(1, math.ceil(len(files) * bg.diversity))]
        return self._pools[source]

    def _load(self, path, source):
        if path not in self._cache:
            H, W = self.resolution
            try:
                if source == "environment":
                    x = read_hdr(path)
                    img = (np.clip((x / (1 + x)) ** (1 / 2.2), 0, 1) * 255 + 0.5).astype(np.uint8)
                else:
                    img = read_image(path)
                self._cache[path] = np.asarray(Image.fromarray(img).resize((W, H), Image.BILINEAR))
            except AssetError as e:
                self._cache[path] = e
        return self._cache[path]

    def _background(self, rng, params):
        H, W = self.resolution
        srcs = {k: v for k, v in self.cfg.background.sources.items() if v > 0}
        names = sorted(srcs)
        source = names[rng.choice(len(names), p=np.array([srcs[n] for n in names]) / sum(srcs.values()))]
        pick = rng.random()
        folder = self.cfg.background.folder if source == "photo" else self.cfg.background.hdri_dir
        if source == "solid" or not folder:   # built-in stand-ins: a colour, or a vertical gradient
            c0, c1 = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
            t = np.linspace(0, 1, H, dtype=np.float32)[:, None, None] * (source != "solid")
            params["background"] = {"source": source, "name": "builtin" if source != "solid" else "solid"}
            return (c0 * (1 - t) + c1 * t).astype(np.uint8)  # [H, 1, 3], broadcast by the caller
        pool = self._pool(source)
        start = int(pick * len(pool))
        for k in range(len(pool)):  # the chosen file, else (skip mode) the next readable one
            path = pool[(start + k) % len(pool)]
            img = self._load(path, source)
            if not isinstance(img, AssetError):
                params["background"] = {"source": source, "name": path.name}
                return img
            if self.cfg.on_bad_asset == "error":
                raise img
            if str(path) not in self._warned:
                self._warned.add(str(path))
                log.warning("skipping bad asset %s", img)
        raise AssetError(pool[start].parent, f"every file in the background {source} pool is unreadable")

    # ----- one sample -------------------------------------------------------------------
    def _sample(self, i: int, seed: int):
        cfg, (H, W) = self.cfg, self.resolution
        views = cfg.camera.views
        rs = np.random.default_rng([seed, i // views, 0])   # scene: hand, pose, shape, skin
        rv = np.random.default_rng([seed, i, 1])            # view: camera, background
        right = bool(rs.random() < cfg.model.side_ratio_right)
        hand_pose = rs.normal(0, 0.2, 45).astype(np.float32)
        betas = np.clip(rs.normal(0, cfg.shape.std, 10), -cfg.shape.clip, cfg.shape.clip).astype(np.float32)
        tone = float(rs.uniform(*cfg.skin.tone_range))
        curl = rs.uniform(0.6, 1.0, 5)
        fov = float(rv.uniform(*cfg.camera.fov_deg))
        f = 0.5 * W / math.tan(math.radians(fov) / 2)
        K = np.array([[f, 0, W / 2], [0, f, H / 2], [0, 0, 1]], np.float32)
        means = np.asarray(cfg.camera.distance_means)
        w = np.asarray(cfg.camera.distance_weights or np.ones(len(means)), np.float64)
        dist = float(max(0.2, rv.normal(means[rv.choice(len(means), p=w / w.sum())], cfg.camera.distance_std)))
        theta = float(rv.uniform(-0.6, 0.6))
        # joints in the hand plane (x right, y up), metres; mirrored for a left hand
        ang = _FINGER_ANGLE[:, None] + np.cumsum(np.full((5, 4), 0.15), 1) * (curl[:, None] - 0.6)
        step = _FINGER_BONES[:, :, None] * np.stack([np.sin(ang), np.cos(ang)], -1) * curl[:, None, None]
        base = np.array([[-0.02, 0.02], [0, 0], [0, 0], [0, 0], [0, 0]])[:, None]
        local = np.concatenate([np.zeros((1, 2)), (base + np.cumsum(step, 1)).reshape(20, 2)])
        local[1:] += np.repeat(np.array([[0, 0], [-0.03, 0], [-0.01, 0], [0.01, 0], [0.03, 0]]), 4, 0) * \
            (np.arange(20) % 4 > 0)[:, None]
        if not right:
            local[:, 0] *= -1
        c, s = math.cos(theta), math.sin(theta)
        xy = local @ np.array([[c, s], [-s, c]]) * np.array([1.0, -1.0])   # image y down
        off = rv.uniform(-0.15, 0.15, 2) * dist * np.array([W, H]) / (2 * f) + [0, 0.06]
        z = np.full(21, dist)
        z[1:] += np.tile(np.linspace(0.005, 0.02, 4), 5) * (1 - curl).repeat(4)  # curled tips recede
        j3 = np.column_stack([xy + off, z])
        j2 = j3[:, :2] / j3[:, 2:] * f + [W / 2, H / 2]
        return dict(right=right, hand_pose=hand_pose, betas=betas, tone=tone, K=K, fov=fov, dist=dist,
                    theta=theta, j3=j3.astype(np.float32), j2=j2.astype(np.float32), f=f, rs=rs, rv=rv)

    def _draw(self, s, params):
        cfg, (H, W) = self.cfg, self.resolution
        rv, f, j2, z = s["rv"], s["f"], s["j2"], float(s["j3"][0, 2])
        px = lambda m: max(1, int(round(f * m / z)))  # noqa: E731  metres -> pixels at the hand
        lab = Image.new("L", (W, H), 0)
        d = ImageDraw.Draw(lab)
        if cfg.forearm.enabled:
            a = j2[0] - (j2[9] - j2[0]) * rv.uniform(1.0, 2.0)
            d.line([tuple(j2[0]), tuple(a)], fill=7, width=px(0.06))
        d.polygon([tuple(j2[k]) for k in (0, 1, 5, 9, 13, 17)], fill=1)
        for fgr in range(5):
            pts = [tuple(j2[0 if fgr else 1])] + [tuple(j2[1 + 4 * fgr + k]) for k in range(4)]
            d.line(pts, fill=2 + fgr, width=px(0.018), joint="curve")
        obj = bool(rv.random() < cfg.objects.prob)
        if obj:
            c, r = j2[int(rv.integers(21))] + rv.normal(0, px(0.02), 2), px(rv.uniform(0.015, 0.04))
            d.ellipse([c[0] - r, c[1] - r, c[0] + r, c[1] + r], fill=8)
        params["object"] = {"present": obj}
        return np.asarray(lab), obj

    def render(self, indices, seed: int) -> RenderBatch:
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        delay = float(os.environ.get("HANDRASTER_FAKE_RENDER_DELAY", "0") or 0)
        if delay > 0:
            time.sleep(delay)
        stall = os.environ.get("HANDRASTER_FAKE_RENDER_STALL_AT")
        if stall and int(stall) in idx:
            time.sleep(3600)  # a test kills or interrupts the process meanwhile
        die = os.environ.get("HANDRASTER_FAKE_RENDER_DIE_AT")
        if die and int(die) in idx and multiprocessing.parent_process() is not None:
            os.kill(os.getpid(), signal.SIGKILL)  # a worker process dying mid-shard (tests)
        H, W = self.resolution
        B = len(idx)
        out = {k: [] for k in ("rgb", "depth", "mask", "K", "joints3d", "joints2d", "visibility", "bbox",
                               "center", "scale", "right", "hand_pose", "betas", "finger_occlusion",
                               "occlusion_level")}
        params_list, verts = [], []
        for i in idx.tolist():
            s = self._sample(i, seed)
            params = {"renderer": "fake", "scene": i // self.cfg.camera.views, "view": i % self.cfg.camera.views,
                      "camera": {"fov_deg": s["fov"], "distance": s["dist"]}, "skin": {"tone": s["tone"]},
                      "theta": s["theta"]}
            bg = self._background(s["rv"], params)
            mask, _ = self._draw(s, params)
            skin = np.array([241, 194, 167]) * (1 - s["tone"]) + np.array([90, 56, 37]) * s["tone"]
            pal = np.zeros((9, 3), np.uint8)
            pal[1:7] = np.clip(skin * np.linspace(1.0, 0.8, 6)[:, None], 0, 255)
            pal[7], pal[8] = np.clip(skin * 0.9, 0, 255), s["rv"].integers(0, 256, 3)
            rgb = np.empty((H, W, 3), np.uint8)
            rgb[:] = bg
            hand = mask > 0
            rgb[hand] = pal[mask[hand]]
            zpart = np.zeros(9, np.float32)
            zpart[1:] = float(s["j3"][0, 2])
            zpart[2:7] = [s["j3"][1 + 4 * k:5 + 4 * k, 2].mean() for k in range(5)]
            zpart[8] = zpart[1] - 0.05
            ji = np.clip(np.rint(s["j2"]).astype(int), 0, [W - 1, H - 1])
            inside = (s["j2"][:, 0] >= 0) & (s["j2"][:, 0] < W) & (s["j2"][:, 1] >= 0) & (s["j2"][:, 1] < H)
            vis = inside & (mask[ji[:, 1], ji[:, 0]] != 8)
            occ = np.array([1 - vis[1 + 4 * k:5 + 4 * k].mean() for k in range(5)] + [1 - vis[0]], np.float32)
            ys, xs = np.nonzero((mask >= 1) & (mask <= 6))
            box = (np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32) if len(xs)
                   else np.array([*s["j2"].min(0), *s["j2"].max(0)], np.float32))
            params["lights"] = {"count": int(s["rv"].integers(self.cfg.lights.count[0], self.cfg.lights.count[1] + 1))}
            for k, v in (("rgb", rgb), ("depth", zpart[mask]), ("mask", mask), ("K", s["K"]),
                         ("joints3d", s["j3"]), ("joints2d", s["j2"]), ("visibility", vis), ("bbox", box),
                         ("center", (box[:2] + box[2:]) / 2), ("scale", np.float32(max(box[2:] - box[:2]) * 1.2 / 200)),
                         ("right", s["right"]), ("hand_pose", s["hand_pose"]), ("betas", s["betas"]),
                         ("finger_occlusion", occ), ("occlusion_level", np.int32((occ > 0.5).sum()))):
                out[k].append(v)
            params_list.append(params)
            if self.cfg.output.write_vertices:
                verts.append(s["j3"][s["rs"].integers(21, size=778)] + s["rs"].normal(0, 0.004, (778, 3)))
        arr = {k: np.stack(v).astype(_DT[k]) for k, v in out.items()}
        go = np.zeros((B, 3), np.float32)  # world = camera; the hand is turned in the image plane
        go[:, 2] = [-p["theta"] for p in params_list]
        return RenderBatch(**arr, extrinsics=np.tile(np.eye(4, dtype=np.float32), (B, 1, 1)), global_orient=go,
                           transl=arr["joints3d"][:, 0].copy(), index=idx.copy(), seed=int(seed),
                           model_name=self.cfg.model.name, params=params_list,
                           vertices=np.stack(verts).astype(np.float32) if verts else None)


_DT = {"rgb": np.uint8, "depth": np.float32, "mask": np.uint8, "K": np.float32, "joints3d": np.float32,
       "joints2d": np.float32, "visibility": np.bool_, "bbox": np.float32, "center": np.float32,
       "scale": np.float32, "right": np.bool_, "hand_pose": np.float32, "betas": np.float32,
       "finger_occlusion": np.float32, "occlusion_level": np.int32}
