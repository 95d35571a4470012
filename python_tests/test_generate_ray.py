"""--ray on a local Ray instance bound to 127.0.0.1 gives the same shards as the plain run."""
import pytest

from _generate_util import small_config, tree_bytes
from handraster.generate import GenerateError, generate

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(address="local", include_dashboard=False, _node_ip_address="127.0.0.1", num_cpus=2,
             log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_run_equals_plain_run(tmp_path, local_ray):
    cfg = small_config(**{"output.format": "folder"})
    plain = generate(cfg, 30, tmp_path / "plain", progress=False)
    res = generate(cfg, 30, tmp_path / "ray", use_ray=True, progress=False)
    assert res.complete and res.shards_written == 3 and plain.complete
    assert tree_bytes(tmp_path / "ray") == tree_bytes(tmp_path / "plain")
    again = generate(cfg, 30, tmp_path / "ray", use_ray=True, progress=False)   # resume: nothing to do
    assert again.shards_skipped == 3 and again.shards_written == 0


def test_ray_task_error_reaches_the_driver(tmp_path, local_ray):
    bg = tmp_path / "bg"
    bg.mkdir()
    (bg / "broken.png").write_bytes(b"not a png")
    cfg = small_config(**{"background.sources": "{photo: 1.0}", "background.folder": str(bg)})
    with pytest.raises(GenerateError, match=f"bad asset {bg / 'broken.png'}"):
        generate(cfg, 10, tmp_path / "out", use_ray=True, progress=False)
    assert not [p for p in (tmp_path / "out").iterdir() if ".tmp-" in p.name]


@pytest.mark.slow
def test_cli_ray_starts_its_own_local_instance(tmp_path):
    """`handraster generate --ray` (no address): the CLI starts and stops a local instance."""
    from _generate_util import run_cli, write_config
    cfg = small_config()
    cfg_path = write_config(tmp_path / "cfg.yaml", cfg)
    r = run_cli("generate", "--config", cfg_path, "--num", 20, "--out", tmp_path / "ray", "--ray", "--quiet")
    assert r.returncode == 0, r.stderr
    generate(cfg, 20, tmp_path / "plain", progress=False)
    assert tree_bytes(tmp_path / "ray") == tree_bytes(tmp_path / "plain")
