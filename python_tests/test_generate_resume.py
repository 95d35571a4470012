"""Resumable, sharded, multi-process generation and its failure modes: a killed run resumes
to byte-identical shards, --shard parts add up to the unsharded run, workers change nothing,
and disk full / unwritable folder / bad asset / Ctrl-C leave the folder consistent."""
import errno
import json
import signal
import time

import numpy as np
import pytest
from PIL import Image

from _generate_util import (cli_env, popen_cli, run_cli, small_config, temp_files, tree_bytes,
                            write_config)
from handraster.data.assets import write_hdr
from handraster.data.writers import WebDatasetWriter
from handraster.generate import GenerateError, GenerateInterrupted, generate
from handraster.generate.manifest import load_manifest, load_records
from handraster.scene.fake import FakeRenderer

N = 40  # four shards of 10


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted, unsharded, single-process run of small_config()."""
    out = tmp_path_factory.mktemp("ref")
    res = generate(small_config(), N, out, progress=False)
    assert res.complete and res.shards_written == 4
    return tree_bytes(out)


def _wait_for(pred, timeout=60.0):
    t0 = time.monotonic()
    while not pred():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError
        time.sleep(0.02)


def test_rerun_skips_complete_shards(tmp_path, reference):
    generate(small_config(), N, tmp_path, progress=False)
    res = generate(small_config(), N, tmp_path, progress=False)
    assert res.shards_skipped == 4 and res.shards_written == 0 and res.complete
    assert tree_bytes(tmp_path) == reference
    man = load_manifest(tmp_path)
    assert man["num_complete_samples"] == N and len(man["shards"]) == 4 and man["seed"] == 0
    assert man["config_hash"] == small_config().content_hash()


def test_killed_run_resumes_to_identical_shards(tmp_path, reference):
    cfg_path = write_config(tmp_path / "cfg.yaml", small_config())
    out = tmp_path / "out"
    args = ("generate", "--config", cfg_path, "--num", N, "--out", out, "--quiet")
    proc = popen_cli(*args, env=cli_env(HANDRASTER_FAKE_RENDER_STALL_AT=14))
    try:   # kill -9 while shard 1 is half written (its second batch, samples 14-17, hangs)
        _wait_for(lambda: len(load_records(out)) == 1 and any(n.startswith(".shard-000001") for n in temp_files(out)))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(30)
    assert temp_files(out), "the kill should leave a partial shard behind"
    assert len(list(out.glob("shard-*.tar"))) < 4
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    assert not temp_files(out)
    assert tree_bytes(out) == reference


def test_sharded_parts_equal_unsharded(tmp_path, reference):
    cfg = small_config()
    r0 = generate(cfg, N, tmp_path, part=(0, 2), progress=False)
    assert not r0.complete and r0.shards_written == 2
    assert sorted(p.name for p in tmp_path.glob("*.tar")) == ["shard-000000.tar", "shard-000002.tar"]
    r1 = generate(cfg, N, tmp_path, part=(1, 2), progress=False)
    assert r1.complete and load_manifest(tmp_path)["complete"]
    assert tree_bytes(tmp_path) == reference


def test_workers_equal_single_process(tmp_path, reference):
    res = generate(small_config(), N, tmp_path, workers=2, progress=False)
    assert res.shards_written == 4 and res.samples_written == N
    assert tree_bytes(tmp_path) == reference


def test_disk_full_removes_partial_shard_and_resumes(tmp_path, monkeypatch, reference):
    real_write, calls = WebDatasetWriter.write, []

    def write(self, members):
        calls.append(self.shard.index)
        if self.shard.index == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.tmp))
        return real_write(self, members)

    monkeypatch.setattr(WebDatasetWriter, "write", write)
    with pytest.raises(GenerateError) as e:
        generate(small_config(), N, tmp_path, progress=False)
    msg = str(e.value)
    assert msg.startswith(f"disk full while writing to {tmp_path}") and "2 of 4 shards are complete" in msg
    assert "re-run the same command to resume" in msg
    assert not temp_files(tmp_path) and not (tmp_path / "shard-000002.tar").exists()
    assert load_manifest(tmp_path)["num_complete_shards"] == 2
    monkeypatch.setattr(WebDatasetWriter, "write", real_write)
    res = generate(small_config(), N, tmp_path, progress=False)
    assert res.shards_skipped == 2 and tree_bytes(tmp_path) == reference


def test_ctrl_c_in_process_leaves_folder_consistent(tmp_path, monkeypatch, reference):
    real_render, calls = FakeRenderer.render, []

    def render(self, idx, seed):
        calls.append(1)
        if len(calls) == 5:   # shard 1, second batch
            raise KeyboardInterrupt
        return real_render(self, idx, seed)

    monkeypatch.setattr(FakeRenderer, "render", render)
    with pytest.raises(GenerateInterrupted, match="interrupted: 1 of 4 shards are complete"):
        generate(small_config(), N, tmp_path, progress=False)
    assert not temp_files(tmp_path)
    man = load_manifest(tmp_path)
    assert man["num_complete_shards"] == 1 and set(load_records(tmp_path)) == {"shard-000000"}
    monkeypatch.setattr(FakeRenderer, "render", real_render)
    generate(small_config(), N, tmp_path, progress=False)
    assert tree_bytes(tmp_path) == reference


def test_ctrl_c_with_workers_then_resume(tmp_path, reference):
    cfg_path = write_config(tmp_path / "cfg.yaml", small_config())
    out = tmp_path / "out"
    args = ("generate", "--config", cfg_path, "--num", N, "--out", out, "--workers", 2)
    proc = popen_cli(*args, env=cli_env(HANDRASTER_FAKE_RENDER_STALL_AT=14))
    try:   # shard 1 hangs half written in one worker; Ctrl-C then
        _wait_for(lambda: any(n.startswith(".shard-000001") for n in temp_files(out)))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "interrupted:" in err and "re-run the same command to resume" in err
    assert not temp_files(out)
    man = load_manifest(out)
    assert man["num_complete_shards"] == len(load_records(out)) < 4
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    assert tree_bytes(out) == reference


def test_dead_worker_fails_the_run_cleanly(tmp_path, monkeypatch, reference):
    monkeypatch.setenv("HANDRASTER_FAKE_RENDER_DIE_AT", "14")   # SIGKILL inside shard 1
    with pytest.raises(GenerateError, match="a worker process died or could not start"):
        generate(small_config(), N, tmp_path, workers=2, progress=False)
    assert not temp_files(tmp_path) and "shard-000001" not in load_records(tmp_path)
    assert load_manifest(tmp_path)["num_complete_shards"] == len(load_records(tmp_path))
    monkeypatch.delenv("HANDRASTER_FAKE_RENDER_DIE_AT")
    generate(small_config(), N, tmp_path, progress=False)
    assert tree_bytes(tmp_path) == reference


def test_unwritable_output_folder(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(GenerateError, match=f"cannot create output folder {blocker / 'out'}"):
        generate(small_config(), 5, blocker / "out", progress=False)

    def deny(self, data):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr("pathlib.Path.write_bytes", deny)
    with pytest.raises(GenerateError, match=f"output folder {tmp_path} is not writable: Permission denied"):
        generate(small_config(), 5, tmp_path, progress=False)
    assert not list(tmp_path.glob("shard-*"))


def test_different_config_or_seed_refused(tmp_path):
    generate(small_config(), 10, tmp_path, progress=False)
    with pytest.raises(GenerateError, match="different seed"):
        generate(small_config(), 10, tmp_path, seed=5, progress=False)
    with pytest.raises(GenerateError, match="different config"):
        generate(small_config(**{"camera.views": 2}), 10, tmp_path, progress=False)


def _asset_folder(tmp_path):
    bg = tmp_path / "bg"
    bg.mkdir()
    Image.fromarray(np.full((32, 48, 3), 200, np.uint8)).save(bg / "a_good.png")
    (bg / "b_broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a jpeg")
    return bg


def test_bad_background_is_reported_with_its_path(tmp_path):
    bg = _asset_folder(tmp_path)
    cfg = small_config(**{"background.sources": "{photo: 1.0}", "background.folder": str(bg)})
    with pytest.raises(GenerateError) as e:
        generate(cfg, 20, tmp_path / "out", progress=False)
    assert f"bad asset {bg / 'b_broken.jpg'}: unreadable image" in str(e.value)
    assert "on_bad_asset: skip" in str(e.value) and not temp_files(tmp_path / "out")


def test_bad_background_skipped_when_allowed(tmp_path):
    bg = _asset_folder(tmp_path)
    cfg = small_config(**{"background.sources": "{photo: 1.0}", "background.folder": str(bg),
                          "on_bad_asset": "skip"})
    res = generate(cfg, 20, tmp_path / "out", progress=False)
    assert res.complete
    import handraster.data as hdata
    names = {s["params"]["background"]["name"] for s in hdata.open(tmp_path / "out").iter_labels()}
    assert names == {"a_good.png"}


def test_wrong_hdr_is_reported(tmp_path):
    hdri = tmp_path / "hdri"
    hdri.mkdir()
    (hdri / "sky.hdr").write_text("P3 this is a ppm, not radiance\n")
    cfg = small_config(**{"background.sources": "{environment: 1.0}", "background.hdri_dir": str(hdri)})
    with pytest.raises(GenerateError, match=f"bad asset {hdri / 'sky.hdr'}: HDR not a Radiance file"):
        generate(cfg, 5, tmp_path / "out", progress=False)
    write_hdr(hdri / "sky.hdr", np.random.default_rng(0).uniform(0.01, 4, (16, 32, 3)))
    assert generate(cfg, 5, tmp_path / "out", progress=False).complete


def test_manifest_and_records_agree(tmp_path):
    generate(small_config(**{"output.format": "folder"}), 25, tmp_path, progress=False)
    man = json.loads((tmp_path / "manifest.json").read_text())
    recs = load_records(tmp_path)
    assert [s["name"] for s in man["shards"]] == sorted(recs) and man["complete"]
    from handraster.generate.manifest import shard_digest
    for rec in recs.values():
        assert shard_digest(tmp_path, rec) == rec["sha256"]
    (tmp_path / "shard-000001" / "000000012.json").write_bytes(b"{}")   # corrupt a file: --verify redoes it
    res = generate(small_config(**{"output.format": "folder"}), 25, tmp_path, progress=False, verify=True)
    assert res.shards_written == 1 and res.shards_skipped == 2


def test_growing_num_reuses_full_shards(tmp_path, reference):
    generate(small_config(), 25, tmp_path, progress=False)          # shards 10, 10, 5
    res = generate(small_config(), N, tmp_path, progress=False)     # shard 2 becomes 10 long
    assert res.shards_skipped == 2 and res.shards_written == 2
    assert tree_bytes(tmp_path) == reference
