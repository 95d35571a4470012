"""Shard planning: which sample indices go into which shard, and which shards a
``--shard i/n`` run makes. Shard k holds samples [k * shard_size, min((k+1) * shard_size, num));
run part i of n makes the shards with k % n == i, so the parts of any n together make
exactly the unsharded run's shards."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple


@dataclass(frozen=True)
class ShardSpec:
    """One shard: ``index`` (its number), samples [start, start + count)."""
    index: int
    start: int
    count: int

    @property
    def stop(self) -> int:
        return self.start + self.count

    @property
    def name(self) -> str:
        return f"shard-{self.index:06d}"

    def as_dict(self) -> dict:
        return {"index": self.index, "start": self.start, "count": self.count}


def plan_shards(num: int, shard_size: int) -> List[ShardSpec]:
    """All shards of a ``num``-sample dataset (the last may be short)."""
    if num < 0:
        raise ValueError(f"--num must be >= 0, got {num}")
    if shard_size < 1:
        raise ValueError(f"output.shard_size must be >= 1, got {shard_size}")
    return [ShardSpec(k, s, min(shard_size, num - s)) for k, s in enumerate(range(0, num, shard_size))]


def parse_part(text: Optional[str]) -> Optional[Tuple[int, int]]:
    """'i/n' -> (i, n) with 0 <= i < n; None passes through."""
    if text is None:
        return None
    try:
        a, b = str(text).split("/")
        i, n = int(a), int(b)
    except ValueError:
        raise ValueError(f"--shard: expected i/n (e.g. 0/4), got {text!r}") from None
    if n < 1 or not 0 <= i < n:
        raise ValueError(f"--shard {text}: need n >= 1 and 0 <= i < n")
    return i, n


def select_part(shards: List[ShardSpec], part: Optional[Tuple[int, int]]) -> List[ShardSpec]:
    """The shards of run part (i, n): those whose index % n == i (all when part is None)."""
    if part is None:
        return list(shards)
    i, n = part
    return [s for s in shards if s.index % n == i]


def batches(shard: ShardSpec, batch_size: int):
    """(start, stop) sample ranges of at most batch_size covering the shard, in order."""
    for s in range(shard.start, shard.stop, batch_size):
        yield s, min(s + batch_size, shard.stop)
