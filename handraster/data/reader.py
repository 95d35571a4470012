"""Reading a generated dataset back: ``handraster.data.open(DIR)``.

Works for the three output formats and yields one dict per sample: the schema's arrays
(rgb uint8 [H,W,3], depth float32 [H,W] metres or None, mask uint8 [H,W] or None, K,
extrinsics, joints3d, joints2d, visibility, bbox, center, scale, right, global_orient,
hand_pose, betas, transl, finger_occlusion, occlusion_level, index), seed, model_name,
params, image_size, depth_scale, key, ``hamer`` (the HaMeR list of dicts, tar/folder
formats) and ``vertices`` when written. Only shards the manifest lists as complete are read.
"""
from __future__ import annotations

import bisect
import builtins
import json
import pickle
import tarfile
from pathlib import Path
from typing import Dict, Iterator, List

import numpy as np

from handraster.data.encode import decode_depth, decode_mask, decode_npz, decode_rgb
from handraster.data.labels import labels_from_json


def decode_members(members: Dict[str, bytes], depth_scale: float) -> dict:
    """A sample's members by extension ('jpg', 'json', 'depth.png', ...) -> sample dict."""
    s = labels_from_json(members["json"]) if "json" in members else {}
    img = members.get("jpg") or members.get("png")
    s["rgb"] = decode_rgb(img) if img is not None else None
    s["depth"] = decode_depth(members["depth.png"], depth_scale) if "depth.png" in members else None
    s["mask"] = decode_mask(members["mask.png"]) if "mask.png" in members else None
    if "data.pyd" in members:
        s["hamer"] = pickle.loads(members["data.pyd"])
    if "verts.npz" in members:
        s["vertices"] = decode_npz(members["verts.npz"])["vertices"]
    return s


def _split(name: str):
    base = name.rsplit("/", 1)[-1]
    key, _, ext = base.partition(".")
    return key, ext


class HandDataset:
    """The complete shards of a dataset folder; iterable, sized and indexable (item i is the
    i-th sample in shard order, i.e. sample index order for a complete dataset)."""

    def __init__(self, root):
        self.root = Path(root)
        p = self.root / "manifest.json"
        if not p.is_file():
            raise FileNotFoundError(f"{self.root}: no manifest.json (not a handraster dataset folder)")
        self.manifest = json.loads(p.read_text())
        self.format = self.manifest["format"]
        self.depth_scale = float(self.manifest["depth_scale"])
        self.shards: List[dict] = sorted(self.manifest["shards"], key=lambda r: r["start"])
        self._starts = np.cumsum([0] + [r["count"] for r in self.shards]).tolist()
        self._tar_index: Dict[str, dict] = {}
        self._fh_labels: Dict[str, list] = {}

    def __len__(self) -> int:
        return self._starts[-1]

    @property
    def indices(self) -> np.ndarray:
        """Global sample index of each item, int64 [len(self)]."""
        return np.concatenate([np.arange(r["start"], r["start"] + r["count"]) for r in self.shards]
                              or [np.zeros(0, np.int64)]).astype(np.int64)

    def __iter__(self) -> Iterator[dict]:
        for rec in self.shards:
            yield from self.iter_shard(rec)

    def __getitem__(self, i: int) -> dict:
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"sample {i} out of range for {n} samples")
        k = bisect.bisect_right(self._starts, i) - 1
        rec, j = self.shards[k], i - self._starts[k]
        if self.format == "webdataset":
            key = f"{rec['start'] + j:09d}"
            idx = self._index(rec)
            with builtins.open(self.root / rec["files"][0], "rb") as f:
                members = {}
                for ext, (off, size) in idx[key].items():
                    f.seek(off)
                    members[ext] = f.read(size)
            return self._finish(decode_members(members, self.depth_scale), key)
        if self.format == "folder":
            key = f"{rec['start'] + j:09d}"
            return self._finish(decode_members(self._folder_members(rec, key), self.depth_scale), key)
        return self._freihand(rec, j)

    # ----- per format ---------------------------------------------------------------------
    def iter_shard(self, rec: dict) -> Iterator[dict]:
        """The samples of one shard record, in order (tar shards are read sequentially)."""
        if self.format != "webdataset":
            for j in range(rec["count"]):
                yield self[self._starts[self.shards.index(rec)] + j]
            return
        with tarfile.open(self.root / rec["files"][0], "r") as tar:
            key, members = None, {}
            for m in tar:
                k, ext = _split(m.name)
                if key is not None and k != key:
                    yield self._finish(decode_members(members, self.depth_scale), key)
                    members = {}
                key = k
                members[ext] = tar.extractfile(m).read()
            if key is not None:
                yield self._finish(decode_members(members, self.depth_scale), key)

    def iter_labels(self) -> Iterator[dict]:
        """Labels only (no image decoding): the sample dicts without rgb/depth/mask."""
        for rec in self.shards:
            if self.format == "webdataset":
                with tarfile.open(self.root / rec["files"][0], "r") as tar:
                    for m in tar:
                        k, ext = _split(m.name)
                        if ext == "json":
                            yield self._finish(labels_from_json(tar.extractfile(m).read()), k)
            elif self.format == "folder":
                for rel in rec["files"]:
                    k, ext = _split(rel)
                    if ext == "json":
                        yield self._finish(labels_from_json((self.root / rel).read_bytes()), k)
            else:
                part = json.loads((self.root / "_freihand" / f"{rec['name']}.json").read_text())
                for j, lab in enumerate(part["labels"]):
                    yield self._finish(labels_from_json(json.dumps(lab).encode()), f"{rec['start'] + j:09d}")

    def _index(self, rec: dict) -> dict:
        name = rec["name"]
        if name not in self._tar_index:
            idx: dict = {}
            with tarfile.open(self.root / rec["files"][0], "r") as tar:
                for m in tar.getmembers():
                    k, ext = _split(m.name)
                    idx.setdefault(k, {})[ext] = (m.offset_data, m.size)
            self._tar_index = {name: idx}  # keep one shard's index: readers go shard by shard
        return self._tar_index[name]

    def _folder_members(self, rec: dict, key: str) -> Dict[str, bytes]:
        name = rec["name"]
        if name not in self._tar_index:
            idx: dict = {}
            for rel in rec["files"]:
                k, ext = _split(rel)
                idx.setdefault(k, {})[ext] = rel
            self._tar_index = {name: idx}
        return {ext: (self.root / rel).read_bytes() for ext, rel in self._tar_index[name][key].items()}

    def _freihand(self, rec: dict, j: int) -> dict:
        if rec["name"] not in self._fh_labels:
            part = json.loads((self.root / "_freihand" / f"{rec['name']}.json").read_text())
            self._fh_labels = {rec["name"]: part["labels"]}
        lab = self._fh_labels[rec["name"]][j]
        n = f"{rec['start'] + j:08d}"
        members = {"json": json.dumps(lab).encode()}
        rgb = self.manifest.get("rgb", "jpg")
        for sub, ext in (("rgb", rgb), ("parts", "mask.png"), ("depth", "depth.png")):
            p = self.root / sub / f"{n}.{ext.split('.')[-1]}"
            if p.is_file():
                members[ext] = p.read_bytes()
        return self._finish(decode_members(members, self.depth_scale), f"{rec['start'] + j:09d}")

    @staticmethod
    def _finish(s: dict, key: str) -> dict:
        s["key"] = key
        return s


def open(root) -> HandDataset:  # noqa: A001  (handraster.data.open mirrors builtins.open)
    """The dataset in folder ``root`` (written by ``handraster generate``)."""
    return HandDataset(root)
