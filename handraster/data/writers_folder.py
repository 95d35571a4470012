"""Folder writers.

folder:   ``shard-NNNNNN/`` holding the tar members as files (same names as in the tar),
          written as ``.shard-NNNNNN.tmp-TOKEN/`` and renamed when complete.
freihand: FreiHAND's layout, ``rgb/%08d.jpg`` and ``mask/%08d.jpg`` (binary hand mask, as
          FreiHAND), plus ``parts/%08d.png`` (exact part labels) and ``depth/%08d.png``;
          per-shard labels in ``_freihand/shard-NNNNNN.json``; training_K.json,
          training_xyz.json, training_mano.json ([[61 values]] per sample),
          training_scale.json (metric length of the middle finger's first bone) and, with
          vertices, training_verts.json are assembled when every shard is complete.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import List

import numpy as np

from handraster.data.encode import encode_depth, encode_mask, encode_rgb
from handraster.data.labels import freihand_mano, sample_json
from handraster.data.schema import RenderBatch
from handraster.data.writers import Members, ShardWriter, sample_key

FREIHAND_DIRS = ("rgb", "mask", "parts", "depth")


def write_atomic(path: Path, data: bytes, token: str | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary name (``.NAME.tmp-TOKEN``, default token:
    the process id) and a rename."""
    tmp = path.with_name(f".{path.name}.tmp-{token or os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class _TempDirWriter(ShardWriter):
    def __init__(self, out_dir, shard, cfg, token, hands_mean=None):
        super().__init__(out_dir, shard, cfg, token, hands_mean)
        self.tmp = self.out_dir / f".{shard.name}.tmp-{token}"
        self.tmp.mkdir()
        self._sha, self._bytes, self._files = hashlib.sha256(), 0, []

    def final_name(self, rel: str) -> str:
        """Path (relative to out_dir) that temporary member ``rel`` ends up at."""
        raise NotImplementedError

    def _put(self, rel: str, data: bytes) -> None:
        with open(self.tmp / rel, "wb") as f:
            f.write(data)
        self._sha.update(file_digest_item(self.final_name(rel), data))
        self._bytes += len(data)
        self._files.append(rel)

    def write(self, members: Members) -> None:
        for name, data in members:
            self._put(name, data)

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def file_digest_item(final_rel: str, data: bytes) -> bytes:
    """What a folder shard's sha256 covers per file, in record order: name, size, bytes."""
    return final_rel.encode() + b"\0" + len(data).to_bytes(8, "little") + data


class FolderWriter(_TempDirWriter):
    format = "folder"

    def final_name(self, rel: str) -> str:
        return f"{self.shard.name}/{rel}"

    def commit(self) -> dict:
        final = self.out_dir / self.shard.name
        if final.exists():  # left by a run killed between this rename and its record
            shutil.rmtree(final)
        os.replace(self.tmp, final)
        files = [f"{self.shard.name}/{f}" for f in self._files]
        return self._record(files, self._bytes, self._sha.hexdigest())


class FreiHANDWriter(_TempDirWriter):
    format = "freihand"

    def __init__(self, out_dir, shard, cfg, token, hands_mean=None):
        super().__init__(out_dir, shard, cfg, token, hands_mean)
        for d in FREIHAND_DIRS:
            (self.tmp / d).mkdir()
        self._labels = {"K": [], "xyz": [], "mano": [], "scale": [], "verts": [], "labels": []}

    def final_name(self, rel: str) -> str:
        return f"_freihand/{self.shard.name}.json" if rel == "labels.json" else rel

    def encode(self, batch: RenderBatch) -> Members:
        out, lvl = self.cfg.output, self.cfg.output.png_compress_level
        members: Members = []
        for b in range(len(batch)):
            s = batch.sample(b)
            n = f"{int(s['index']):08d}"
            rgb = encode_rgb(s["rgb"], out.rgb, out.jpeg_quality, lvl, out.jpeg_subsampling)
            members.append((f"rgb/{n}.{out.rgb}", rgb))
            hand = ((s["mask"] >= 1) & (s["mask"] <= 6)).astype(np.uint8) * 255
            members.append((f"mask/{n}.jpg", encode_rgb(np.repeat(hand[..., None], 3, 2), "jpg", 95)))
            members.append((f"parts/{n}.png", encode_mask(s["mask"], lvl)))
            if out.depth:
                members.append((f"depth/{n}.png", encode_depth(s["depth"], out.depth_scale, lvl)))
            j = np.asarray(s["joints3d"], np.float32)
            lab = self._labels
            lab["K"].append(np.asarray(s["K"], np.float32).tolist())
            lab["xyz"].append(j.tolist())
            lab["mano"].append(freihand_mano(s, self.hands_mean))
            lab["scale"].append(float(np.linalg.norm(j[10] - j[9])))
            if s.get("vertices") is not None and out.write_vertices:
                lab["verts"].append(np.asarray(s["vertices"], np.float32).tolist())
            lab["labels"].append(json.loads(sample_json(s, out.depth_scale)))
        return members

    def commit(self) -> dict:
        part = json.dumps({"start": self.shard.start, "count": self.shard.count, **self._labels},
                          separators=(",", ":")).encode()
        self._put("labels.json", part)
        files = []
        for rel in self._files:  # labels.json last: the shard's files are in place before it
            dst = self.out_dir / self.final_name(rel)
            dst.parent.mkdir(exist_ok=True)
            os.replace(self.tmp / rel, dst)
            files.append(self.final_name(rel))
        shutil.rmtree(self.tmp, ignore_errors=True)
        return self._record(files, self._bytes, self._sha.hexdigest())

    @staticmethod
    def finalize(out_dir, records: List[dict], cfg) -> List[str]:
        out_dir = Path(out_dir)
        acc = {"K": [], "xyz": [], "mano": [], "scale": [], "verts": []}
        for rec in sorted(records, key=lambda r: r["start"]):
            part = json.loads((out_dir / "_freihand" / f"{rec['name']}.json").read_text())
            for k in acc:
                acc[k].extend(part[k])
        written = []
        for k, v in acc.items():
            if k == "verts" and not v:
                continue
            name = f"training_{k}.json"
            write_atomic(out_dir / name, json.dumps(v, separators=(",", ":")).encode())
            written.append(name)
        return written
