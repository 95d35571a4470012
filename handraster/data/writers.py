"""Shard writers. A writer makes one shard: encode(batch) turns a RenderBatch into named
members, write(members) stores them under a temporary name, commit() renames the shard into
place and returns its record (files, bytes, sha256), abort() removes the temporary files.
An interrupted shard therefore never has its final name (see docs/data_format.md).

Members of sample with index i (key = '%09d' % i), the same in tar shards and folders:
  {key}.jpg | {key}.png   RGB              {key}.data.pyd  HaMeR's list of per-hand dicts
  {key}.json              our labels       {key}.depth.png 16-bit depth (units of depth_scale)
  {key}.mask.png          part labels      {key}.verts.npz vertices [V,3] (on request)
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Tuple

import numpy as np

from handraster.data.encode import encode_depth_batch, encode_mask_batch, encode_npz, encode_rgb
from handraster.data.labels import batch_json, hamer_pickles
from handraster.data.schema import RenderBatch
from handraster.data.tar_stream import TarStream

Members = List[Tuple[str, bytes]]
PICKLE_PROTOCOL = 4


def sample_key(index: int) -> str:
    return f"{int(index):09d}"


def encode_batch(batch: RenderBatch, out) -> Members:
    """All members of every sample of ``batch`` (``out`` is an OutputConfig), in order.

    Depth and masks are encoded for the whole batch in one native call, labels from per-batch
    lists (labels.py); the bytes are those of encoding each sample alone."""
    lvl = out.png_compress_level
    n = len(batch)
    keys = [sample_key(i) for i in batch.index.tolist()]
    rgb = [encode_rgb(batch.rgb[b], out.rgb, out.jpeg_quality, lvl, out.jpeg_subsampling) for b in range(n)]
    pyd = hamer_pickles(batch, out.hamer_keypoint_conf, PICKLE_PROTOCOL)
    js = batch_json(batch, out.depth_scale)
    depth = encode_depth_batch(batch.depth, out.depth_scale, lvl) if out.depth else None
    mask = encode_mask_batch(batch.mask, lvl) if out.mask else None
    verts = out.write_vertices and batch.vertices is not None
    members: Members = []
    for b, key in enumerate(keys):
        members.append((f"{key}.{out.rgb}", rgb[b]))
        members.append((f"{key}.data.pyd", pyd[b]))
        members.append((f"{key}.json", js[b]))
        if depth is not None:
            members.append((f"{key}.depth.png", depth[b]))
        if mask is not None:
            members.append((f"{key}.mask.png", mask[b]))
        if verts:
            members.append((f"{key}.verts.npz", encode_npz(vertices=np.asarray(batch.vertices[b], np.float32))))
    return members


class ShardWriter:
    """Base class; see the module docstring. ``cfg`` is the GenerateConfig."""
    format = ""

    def __init__(self, out_dir, shard, cfg, token: str, hands_mean=None):
        self.out_dir, self.shard, self.cfg, self.token = Path(out_dir), shard, cfg, token
        self.hands_mean = hands_mean

    def encode(self, batch: RenderBatch) -> Members:
        return encode_batch(batch, self.cfg.output)

    @staticmethod
    def temp_globs(shard) -> List[str]:
        """Glob patterns (relative to out_dir) of this shard's temporary files, any run."""
        return [f".{shard.name}.tmp-*", f".{shard.name}.tar.tmp-*", f"_records/.{shard.name}.json.tmp-*"]

    def _record(self, files: List[str], nbytes: int, sha: str) -> dict:
        return {"name": self.shard.name, **self.shard.as_dict(), "format": self.format,
                "files": files, "bytes": int(nbytes), "sha256": sha}

    @staticmethod
    def finalize(out_dir, records: List[dict], cfg) -> List[str]:
        """Dataset-level files written once every shard is complete; returns their names."""
        return []


class WebDatasetWriter(ShardWriter):
    """``shard-NNNNNN.tar``: a deterministic POSIX tar (mtime 0, uid/gid 0, mode 0644; tar_stream.py)."""
    format = "webdataset"

    def __init__(self, out_dir, shard, cfg, token, hands_mean=None):
        super().__init__(out_dir, shard, cfg, token, hands_mean)
        self.final = self.out_dir / f"{shard.name}.tar"
        self.tmp = self.out_dir / f".{shard.name}.tar.tmp-{token}"
        self._f = open(self.tmp, "wb")
        self._tar = TarStream(self._f)   # the bytes tarfile would write, one write per batch

    def write(self, members: Members) -> None:
        self._tar.add(members)

    def commit(self) -> dict:
        self._tar.close()
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()
        os.replace(self.tmp, self.final)
        return self._record([self.final.name], self._tar.size, self._tar.sha.hexdigest())

    def abort(self) -> None:
        try:
            self._f.close()
        except Exception:  # the disk may be full: removing the file is what matters
            pass
        self.tmp.unlink(missing_ok=True)


def writer_class(fmt: str):
    """The ShardWriter subclass for output.format ``fmt``."""
    from handraster.data.writers_folder import FolderWriter, FreiHANDWriter
    classes = {"webdataset": WebDatasetWriter, "folder": FolderWriter, "freihand": FreiHANDWriter}
    if fmt not in classes:
        raise ValueError(f"output.format: unknown format {fmt!r}; allowed: {', '.join(classes)}")
    return classes[fmt]
