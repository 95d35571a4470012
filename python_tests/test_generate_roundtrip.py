"""generate -> read back equals the in-memory batches (all three formats), a HaMeR-style
reader written from the documented keys reads the tar shards, the FreiHAND export is
consistent, and the torch wrappers serve the same samples."""
import io
import json
import pickle
import tarfile

import numpy as np
import pytest
from PIL import Image

import handraster.data as hdata
from _generate_util import assert_labels_equal, small_config
from handraster.data.encode import quantize_depth
from handraster.data.labels import global_orient_camera, rodrigues
from handraster.generate import generate
from handraster.scene.fake import FakeRenderer

N = 23  # three shards of 10, 10, 3


def _reference(cfg, n=N, seed=0):
    return FakeRenderer(cfg).render(np.arange(n), seed)


@pytest.mark.parametrize("fmt, rgb, sub", [("webdataset", "jpg", "4:2:0"), ("webdataset", "png", ""),
                                           ("folder", "png", ""), ("freihand", "jpg", "4:4:4")])
def test_roundtrip_equals_in_memory_batch(tmp_path, fmt, rgb, sub):
    cfg = small_config(**{"output.format": fmt, "output.rgb": rgb, "output.write_vertices": "true",
                          "objects.prob": 0.8, "output.jpeg_subsampling": f"'{sub or '4:2:0'}'"})
    res = generate(cfg, N, tmp_path, progress=False)
    assert res.complete and res.shards_written == 3 and res.samples_written == N
    ref = _reference(cfg)
    ds = hdata.open(tmp_path)
    assert len(ds) == N and ds.indices.tolist() == list(range(N))
    items = list(ds)
    for i in range(N):
        s = ds[i]
        assert s["key"] == f"{i:09d}" and np.array_equal(s["rgb"], items[i]["rgb"])
        assert_labels_equal(s, ref, i)
        assert np.array_equal(s["mask"], ref.mask[i])
        # depth: exact up to the documented 16-bit quantisation
        scale = cfg.output.depth_scale
        assert np.array_equal(s["depth"], (quantize_depth(ref.depth[i], scale) * np.float64(scale)).astype(np.float32))
        assert np.abs(s["depth"] - ref.depth[i]).max() <= scale / 2 + 1e-7
        if rgb == "png":
            assert np.array_equal(s["rgb"], ref.rgb[i])
        else:
            mse = np.mean((s["rgb"].astype(np.float64) - ref.rgb[i]) ** 2)
            # JPEG q95 of 64x64 cartoons with 1-2 px fingers: chroma subsampling costs ~12 dB
            assert 10 * np.log10(255 ** 2 / max(mse, 1e-9)) > (25.0 if sub == "4:2:0" else 37.0)
        if fmt != "freihand":
            assert np.array_equal(s["vertices"], ref.vertices[i])
    assert ds[-1]["key"] == f"{N - 1:09d}"
    with pytest.raises(IndexError):
        ds[N]


def _hamer_style_read(tar_path):
    """A webdataset/HaMeR-style reader from the documented keys only: group tar members by
    key (basename up to the first dot), decode 'jpg' to RGB, unpickle 'data.pyd' and read
    each hand's dict as HaMeR's load_tars_as_webdataset does."""
    groups = {}
    with tarfile.open(tar_path) as tar:
        for m in tar:
            base = m.name.rsplit("/", 1)[-1]
            key, ext = base.split(".", 1)
            groups.setdefault(key, {})[ext] = tar.extractfile(m).read()
    out = []
    for key, item in groups.items():
        img = np.asarray(Image.open(io.BytesIO(item["jpg"])).convert("RGB"))
        for data in pickle.loads(item["data.pyd"]):
            kp2, kp3 = data["keypoints_2d"], data["keypoints_3d"]
            assert kp2.shape == (21, 3) and kp3.shape == (21, 4)
            assert (kp2[:, 2] > 0).sum() > 4                       # filter_numkp
            bbox_size = (data["scale"] * 200).max()                  # expand_to_aspect_ratio(scale*200)
            assert bbox_size > 1                                     # filter_bbox_size
            mano = {"global_orient": data["hand_pose"][:3], "hand_pose": data["hand_pose"][3:],
                    "betas": data["betas"]}
            assert mano["hand_pose"].shape == (45,) and mano["betas"].shape == (10,)
            assert float(data["has_hand_pose"]) == 1.0 and float(data["has_betas"]) == 1.0
            out.append((key, img, data, float(data["right"]), data["center"], bbox_size))
    return out


def test_hamer_style_reader_reads_the_shards(tmp_path):
    cfg = small_config(**{"output.hamer_keypoint_conf": "visible", "objects.prob": 1.0})
    generate(cfg, N, tmp_path, progress=False)
    ref = _reference(cfg)
    read = [r for k in range(3) for r in _hamer_style_read(tmp_path / f"shard-{k:06d}.tar")]
    assert [int(r[0]) for r in read] == list(range(N))
    for i, (key, img, data, right, center, size) in enumerate(read):
        assert img.shape == (64, 64, 3)
        assert np.array_equal(data["keypoints_2d"][:, :2], ref.joints2d[i])
        assert np.array_equal(data["keypoints_2d"][:, 2], ref.visibility[i].astype(np.float32))
        assert np.array_equal(data["keypoints_3d"][:, :3], ref.joints3d[i])
        assert np.array_equal(center, ref.center[i]) and right == float(ref.right[i])
        assert np.isclose(size, ref.scale[i] * 200)
        assert np.array_equal(data["hand_pose"][3:], ref.hand_pose[i])


def test_global_orient_goes_to_the_camera_frame():
    rng = np.random.default_rng(0)
    for _ in range(20):
        go, ext_aa = rng.normal(0, 1.5, 3), rng.normal(0, 1.5, 3)
        ext = np.eye(4)
        ext[:3, :3] = rodrigues(ext_aa)
        cam = global_orient_camera(go, ext)
        assert np.allclose(rodrigues(cam), ext[:3, :3] @ rodrigues(go), atol=1e-5)
    assert np.allclose(global_orient_camera(np.array([0, 0, np.pi - 1e-6]), np.eye(4)), [0, 0, np.pi], atol=1e-4)


def test_freihand_export_files(tmp_path):
    cfg = small_config(**{"output.format": "freihand"})
    generate(cfg, N, tmp_path, progress=False)
    ref = _reference(cfg)
    K = json.loads((tmp_path / "training_K.json").read_text())
    xyz = json.loads((tmp_path / "training_xyz.json").read_text())
    mano = json.loads((tmp_path / "training_mano.json").read_text())
    assert len(K) == len(xyz) == len(mano) == N
    assert np.array_equal(np.float32(K[5]), ref.K[5]) and np.array_equal(np.float32(xyz[5]), ref.joints3d[5])
    theta = np.asarray(mano[7], np.float64)
    assert theta.shape == (1, 61)
    # FreiHAND's recover_root: xyz_root = [uv_root - pp, focal] / scale
    k = ref.K[7].astype(np.float64)
    focal, pp = 0.5 * (k[0, 0] + k[1, 1]), k[:2, 2]
    root = np.concatenate([theta[0, 58:60] - pp, [focal]]) / theta[0, 60]
    assert np.allclose(root, ref.joints3d[7, 0], atol=1e-5)
    assert np.allclose(theta[0, 48:58], ref.betas[7])
    assert (tmp_path / "rgb" / f"{7:08d}.jpg").is_file() and (tmp_path / "mask" / f"{7:08d}.jpg").is_file()
    m = np.asarray(Image.open(tmp_path / "mask" / f"{7:08d}.jpg").convert("L")) > 127
    hand = (ref.mask[7] >= 1) & (ref.mask[7] <= 6)
    assert (m == hand).mean() > 0.97


def test_torch_datasets(tmp_path):
    torch = pytest.importorskip("torch")
    from handraster.data.torch_dataset import HandIterableDataset, HandTorchDataset
    generate(small_config(), N, tmp_path, progress=False)
    calls = []

    def augment(s, rng):
        calls.append(int(s["index"]))
        s = dict(s)
        s["rgb"] = np.clip(s["rgb"].astype(int) + rng.integers(-5, 6), 0, 255).astype(np.uint8)
        return s

    ds = HandTorchDataset(tmp_path, augment=augment, seed=3, chw_float=True)
    a, b = ds[4], ds[4]
    assert a["rgb"].shape == (3, 64, 64) and a["rgb"].dtype == torch.float32
    assert torch.equal(a["rgb"], b["rgb"]) and calls == [4, 4]
    ds.set_epoch(1)
    assert a["joints2d"].shape == (21, 2) and torch.equal(ds[4]["joints3d"], a["joints3d"])
    loader = torch.utils.data.DataLoader(HandIterableDataset(tmp_path), batch_size=None, num_workers=0)
    keys = [item["key"] for item in loader]
    assert keys == [f"{i:09d}" for i in range(N)]


def test_webdataset_library_reads_shards_like_hamer(tmp_path):
    """The real webdataset package (when installed) with HaMeR's decode/rename/compose steps."""
    wds = pytest.importorskip("webdataset")
    generate(small_config(), N, tmp_path, progress=False)
    urls = [str(p) for p in sorted(tmp_path.glob("shard-*.tar"))]
    ds = wds.WebDataset(urls, shardshuffle=False).decode("rgb8").rename(jpg="jpg;jpeg;png")
    items = [(it["__key__"], it["jpg"], hand) for it in ds for hand in it["data.pyd"]]
    assert [k for k, _, _ in items] == [f"{i:09d}" for i in range(N)]
    ref = _reference(small_config())
    for i, (_, img, hand) in enumerate(items):
        assert img.shape == (64, 64, 3) and img.dtype == np.uint8
        assert np.array_equal(hand["keypoints_3d"][:, :3], ref.joints3d[i])
