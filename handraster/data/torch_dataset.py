"""torch wrappers around handraster.data.open: a map-style Dataset (random access) and an
IterableDataset (sequential shard reads, shards split over DataLoader workers), both applying
an optional augmentation on the fly.

``augment(sample: dict, rng: numpy.random.Generator) -> dict`` receives the decoded sample
(numpy arrays) and a generator seeded from (seed, epoch, sample index), so an epoch's
augmentations are reproducible; call ``set_epoch`` between epochs for fresh ones.
Items are dicts of torch tensors (rgb uint8 [H,W,3] unless ``chw_float``: float32 [3,H,W]
in [0,1]); non-array entries (params, key, hamer, model_name) are passed through.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from handraster.data.reader import HandDataset

Augment = Callable[[dict, np.random.Generator], dict]
_PASS = ("params", "key", "hamer", "model_name", "image_size", "depth_scale", "seed")


def to_torch(s: dict, chw_float: bool = False) -> dict:
    """numpy sample -> tensors (see the module docstring)."""
    out = {}
    for k, v in s.items():
        if k in _PASS or v is None:
            out[k] = v
        elif k == "rgb" and chw_float:
            out[k] = torch.from_numpy(np.ascontiguousarray(v)).permute(2, 0, 1).float().div_(255.0)
        else:
            out[k] = torch.from_numpy(np.array(v))
    return out


class _Common:
    def _setup(self, root, augment, seed, chw_float):
        self.root, self.augment, self.seed, self.chw_float = root, augment, int(seed), chw_float
        self.epoch = 0
        self._ds: Optional[HandDataset] = None

    @property
    def ds(self) -> HandDataset:
        if self._ds is None:  # opened lazily, once per DataLoader worker
            self._ds = HandDataset(self.root)
        return self._ds

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def _prepare(self, s: dict) -> dict:
        if self.augment is not None:
            rng = np.random.default_rng([self.seed, self.epoch, int(s["index"])])
            s = self.augment(s, rng)
        return to_torch(s, self.chw_float)

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_ds"] = None
        return d


class HandTorchDataset(_Common, Dataset):
    """Map-style: ``ds[i]`` is the i-th sample of ``handraster.data.open(root)``."""

    def __init__(self, root, augment: Optional[Augment] = None, seed: int = 0, chw_float: bool = False):
        self._setup(root, augment, seed, chw_float)

    def __len__(self) -> int:
        return len(self.ds)

    def __getitem__(self, i: int) -> dict:
        return self._prepare(self.ds[i])


class HandIterableDataset(_Common, IterableDataset):
    """Streams whole shards (sequential tar reads); with DataLoader workers, worker k reads
    shards k, k + W, ...; ``shuffle_shards`` permutes the shard order per epoch."""

    def __init__(self, root, augment: Optional[Augment] = None, seed: int = 0, chw_float: bool = False,
                 shuffle_shards: bool = False):
        self._setup(root, augment, seed, chw_float)
        self.shuffle_shards = shuffle_shards

    def __len__(self) -> int:
        return len(self.ds)

    def __iter__(self):
        shards = list(self.ds.shards)
        if self.shuffle_shards:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(len(shards))
            shards = [shards[k] for k in order]
        info = get_worker_info()
        if info is not None:
            shards = shards[info.id::info.num_workers]
        for rec in shards:
            for s in self.ds.iter_shard(rec):
                yield self._prepare(s)
