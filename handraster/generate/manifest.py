"""Shard records and the dataset manifest.

Each completed shard gets a record ``_records/shard-NNNNNN.json`` (written by whoever made
the shard, after the shard's final rename): its index, sample range, format, files, byte
count and sha256. A shard is complete iff its record matches the plan and its files are there
with the recorded sizes, so any number of processes, on one machine or many, can fill the
same folder. ``manifest.json`` (config hash, seed, counts, software version, the config, the
complete shards' records, timestamps) is rebuilt from the records, atomically, and is the
only file that holds wall-clock time.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Dict, List, Optional

from handraster.data.writers_folder import file_digest_item, write_atomic

RECORDS_DIR = "_records"
MANIFEST = "manifest.json"


def write_record(out_dir, record: dict, token: str | None = None) -> None:
    """The shard's record, through ``_records/.NAME.json.tmp-TOKEN``: a worker terminated
    mid-write leaves that name, which the runner's clean-up (writers' temp_globs) removes."""
    d = Path(out_dir) / RECORDS_DIR
    d.mkdir(exist_ok=True)
    write_atomic(d / f"{record['name']}.json", json.dumps(record, indent=1).encode(), token)


def remove_record(out_dir, name: str) -> None:
    (Path(out_dir) / RECORDS_DIR / f"{name}.json").unlink(missing_ok=True)


def load_records(out_dir) -> Dict[str, dict]:
    """name -> record for every readable record file (an unreadable one counts as absent)."""
    out = {}
    d = Path(out_dir) / RECORDS_DIR
    if d.is_dir():
        for p in sorted(d.glob("shard-*.json")):
            try:
                rec = json.loads(p.read_text())
                out[rec["name"]] = rec
            except (OSError, ValueError, KeyError):
                continue
    return out


def shard_digest(out_dir, record: dict) -> str:
    """Recompute a shard's sha256 from the files on disk (as the writer computed it)."""
    out_dir = Path(out_dir)
    h = hashlib.sha256()
    if record["format"] == "webdataset":
        with open(out_dir / record["files"][0], "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    else:
        for rel in record["files"]:
            h.update(file_digest_item(rel, (out_dir / rel).read_bytes()))
    return h.hexdigest()


def record_complete(out_dir, record: Optional[dict], shard, fmt: str, verify: bool = False) -> bool:
    """True when ``record`` describes ``shard`` in format ``fmt`` and its files are intact
    (sizes; and the sha256 when ``verify``)."""
    if not record or record.get("format") != fmt or record.get("start") != shard.start \
            or record.get("count") != shard.count:
        return False
    out_dir = Path(out_dir)
    try:
        size = sum((out_dir / rel).stat().st_size for rel in record["files"])
    except OSError:
        return False
    if size != record["bytes"]:
        return False
    return not verify or shard_digest(out_dir, record) == record["sha256"]


def load_manifest(out_dir) -> Optional[dict]:
    p = Path(out_dir) / MANIFEST
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text())
    except ValueError as e:
        raise ValueError(f"{p}: manifest is not valid JSON ({e}); remove it to rebuild it "
                         f"from {RECORDS_DIR}/") from None


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def write_manifest(out_dir, header: dict, plan: List, records: Dict[str, dict]) -> dict:
    """Write manifest.json: ``header`` + the complete shards' records in plan order."""
    done = [records[s.name] for s in plan if s.name in records]
    man = dict(header)
    man.update(updated=now(), num_shards=len(plan), num_complete_shards=len(done),
               num_complete_samples=sum(r["count"] for r in done), complete=len(done) == len(plan),
               shards=done)
    write_atomic(Path(out_dir) / MANIFEST, json.dumps(man, indent=1).encode())
    return man
