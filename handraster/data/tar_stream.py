"""A deterministic POSIX (ustar) tar written straight to a file: the bytes tarfile writes for
members with mtime 0, uid/gid 0, mode 0644 and empty owner names, without tarfile's per-member
TarInfo objects and copies. A batch of members is one header+data join and one write, hashed
as it goes (the shard record's sha256 and size). Names must be ASCII and at most 100 bytes
(sample keys are '%09d.<ext>').
"""
from __future__ import annotations

import hashlib
from typing import Iterable, Tuple

BLOCK = 512
RECORD = 20 * BLOCK   # tarfile pads the archive to a multiple of its record size
# Fields after the name, as tarfile's USTAR header has them for our members.
_MODE_UID_GID = b"0000644\x00" + b"0000000\x00" * 2
_MTIME = b"00000000000\x00"
# Type '0', no link name, magic, empty owner names; tarfile leaves the device numbers of
# regular files empty (NULs), then prefix and padding.
_TAIL = b"0" + b"\x00" * 100 + b"ustar\x0000" + b"\x00" * (64 + 16 + 155 + 12)

_FIXED_SUM = sum(_MODE_UID_GID) + sum(_MTIME) + 8 * 32 + sum(_TAIL)  # checksum field counts as 8 spaces


def ustar_header(name: str, size: int) -> bytes:
    """The 512-byte header tarfile writes for a regular file ``name`` of ``size`` bytes."""
    raw = name.encode("ascii")
    if len(raw) > 100:
        raise ValueError(f"tar member name longer than 100 bytes: {name!r}")
    field = b"%011o\x00" % size
    chksum = sum(raw) + sum(field) + _FIXED_SUM
    return raw.ljust(100, b"\x00") + _MODE_UID_GID + field + _MTIME + b"%06o\x00 " % chksum + _TAIL


class TarStream:
    """Appends members to the binary file ``f``; ``close()`` writes tarfile's end blocks."""

    def __init__(self, f):
        self.f, self.sha, self.size = f, hashlib.sha256(), 0

    def _write(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)
        self.f.write(data)

    def add(self, members: Iterable[Tuple[str, bytes]]) -> None:
        parts = []
        for name, data in members:
            parts.append(ustar_header(name, len(data)))
            parts.append(data)
            pad = -len(data) % BLOCK
            if pad:
                parts.append(b"\x00" * pad)
        self._write(b"".join(parts))

    def close(self) -> None:
        end = 2 * BLOCK
        end += -(self.size + end) % RECORD
        self._write(b"\x00" * end)
