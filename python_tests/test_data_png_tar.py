"""The writer path's own encoders: the native PNG encoder (kernels/png_deflate.h) against its
twin (_reference/png_deflate.py) and Pillow, the ustar writer (data/tar_stream.py) against
tarfile, and the batched label encoders against the per-sample ones."""
import io
import pickle
import tarfile
import zlib

import numpy as np
import pytest
from PIL import Image

from _generate_util import small_config
from handraster._reference import png_deflate as ref
from handraster.data import encode, labels, png_native
from handraster.data.tar_stream import TarStream, ustar_header
from handraster.data.writers import encode_batch, sample_key
from handraster.scene.fake import FakeRenderer


def _decode(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im)


def _idat(png: bytes) -> bytes:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    n = int.from_bytes(png[33:37], "big")
    assert png[37:41] == b"IDAT"
    return png[41:41 + n]


def _sparse_images(rng, B, H, W, dtype):
    """Mostly-zero images with a blob and a strip, like rendered depth and masks."""
    a = np.zeros((B, H, W), dtype)
    hi = 9 if dtype == np.uint8 else 65536
    for b in range(B):
        y, x = rng.integers(0, H), rng.integers(0, W)
        a[b, y:y + H // 3, x:x + W // 4] = rng.integers(0, hi, (min(H - y, H // 3), min(W - x, W // 4)))
        a[b, :, b % W] = b + 1
    return a


@pytest.mark.parametrize("dtype,kind", [(np.uint8, png_native.KIND_U8), (np.uint16, png_native.KIND_U16)])
@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 5, 7), (4, 40, 33), (2, 300, 70)])
def test_native_png_matches_twin(dtype, kind, shape):
    rng = np.random.default_rng(sum(shape))
    for imgs in (_sparse_images(rng, *shape, dtype), rng.integers(0, 256, shape).astype(dtype),
                 np.zeros(shape, dtype), np.full(shape, 7, dtype)):
        files = png_native.png_files(imgs, kind)
        for b, f in enumerate(files):
            assert zlib.decompress(_idat(f)) == ref.filtered_stream(imgs[b])   # adler32 checked too
            got = _decode(f)
            assert got.dtype == imgs.dtype and np.array_equal(got, imgs[b])


def test_incompressible_image_goes_to_stored_blocks():
    a = np.random.default_rng(1).integers(0, 256, (1, 300, 400), dtype=np.uint8)
    f = png_native.png_files(a, png_native.KIND_U8)[0]
    assert np.array_equal(_decode(f), a[0])
    n = 300 * 401
    assert len(_idat(f)) <= n + 5 * (n // 65535 + 1) + 6       # never larger than stored


def test_depth_quantisation_matches_quantize_depth():
    rng = np.random.default_rng(2)
    d = rng.uniform(0, 7, (3, 17, 19)).astype(np.float32)
    d[0, 0, :8] = [np.inf, -1.0, 6.5535, 6.55355, 0.00005, 0.00015, 0.00025, -0.0]
    d[1, 2:5] = 0
    files = encode.encode_depth_batch(d, 1e-4)
    for b in range(3):
        assert np.array_equal(_decode(files[b]), encode.quantize_depth(d[b], 1e-4))
        assert np.array_equal(_decode(files[b]), ref.quantize(d[b], 1e4))
    nan = np.full((1, 2, 2), np.nan, np.float32)
    assert np.array_equal(_decode(png_native.png_files(nan, png_native.KIND_DEPTH, 1e4)[0]), np.zeros((2, 2)))


def test_other_compress_levels_use_zlib_and_decode_the_same():
    m = _sparse_images(np.random.default_rng(3), 2, 20, 30, np.uint8)
    fast, z6 = encode.encode_mask_batch(m, 1), encode.encode_mask_batch(m, 6)
    assert fast != z6 and all(np.array_equal(_decode(a), _decode(b)) for a, b in zip(fast, z6))
    assert encode.encode_mask(m[0]) == fast[0]


def test_native_png_errors():
    from handraster import _native
    C = _native.native("cpu")
    img = np.zeros((1, 4, 4), np.uint8)
    out, size = np.empty((1, 10), np.uint8), np.empty(1, np.int64)
    with pytest.raises(ValueError, match="png_deflate.*'out'.*needed"):
        C.png_deflate(img, 0, 1.0, out, size)
    with pytest.raises(ValueError, match="png_deflate: kind"):
        C.png_deflate(img, 3, 1.0, np.empty((1, 200), np.uint8), size)
    with pytest.raises(ValueError, match="png_deflate.*'src'.*float32"):
        C.png_deflate(img, 2, 1.0, np.empty((1, 200), np.uint8), size)
    with pytest.raises(ValueError, match="exceed"):
        C.png_deflate(np.zeros((1, 1, 20000), np.uint8), 0, 1.0, np.empty((1, 30000), np.uint8), size)


def _tarfile_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = len(data), 0, 0o644, 0, 0, "", ""
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_tar_stream_reads_back_with_tarfile():
    rng = np.random.default_rng(4)
    members = [(f"{i:09d}.{ext}", rng.bytes(int(n))) for i, (ext, n) in
               enumerate([("jpg", 0), ("json", 1), ("depth.png", 511), ("mask.png", 512), ("data.pyd", 513), ("jpg", 20000)])]
    buf = io.BytesIO()
    t = TarStream(buf)
    t.add(members[:2]), t.add(members[2:])
    t.close()
    data = buf.getvalue()
    assert len(data) % (20 * 512) == 0 and t.size == len(data)
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        got = [(m.name, tf.extractfile(m).read(), m.mtime, m.mode, m.uid) for m in tf.getmembers()]
    assert got == [(n, d, 0, 0o644, 0) for n, d in members]
    assert data == _tarfile_bytes(members)   # this Python's tarfile (3.11.4+: no device numbers)
    with pytest.raises(ValueError, match="longer than 100"):
        ustar_header("x" * 101, 1)


def test_batch_encoders_equal_the_per_sample_ones():
    cfg = small_config()
    batch = FakeRenderer(cfg).render(np.arange(5, 11, dtype=np.int64), cfg.seed)
    batch.visibility[0, :5] = False
    out = cfg.output
    members = dict(encode_batch(batch, out))
    for conf in ("all", "visibility"):
        pyd = labels.hamer_pickles(batch, conf)
        for b in range(len(batch)):
            assert pyd[b] == pickle.dumps([labels.hamer_record(batch.sample(b), conf)], protocol=4)
    for b in range(len(batch)):
        s, key = batch.sample(b), sample_key(batch.index[b])
        assert members[f"{key}.json"] == labels.sample_json(s, out.depth_scale)
        assert np.array_equal(_decode(members[f"{key}.depth.png"]), encode.quantize_depth(s["depth"], out.depth_scale))
        assert np.array_equal(_decode(members[f"{key}.mask.png"]), s["mask"])


def test_batched_camera_orientation_equals_per_sample():
    rng = np.random.default_rng(5)
    go = rng.normal(size=(64, 3))
    go[0] = 0
    go[1] = [1e-9, 0, 0]
    go[2] = [np.pi, 0, 0]
    go[3] = [0, np.pi - 1e-6, 0]
    ext = np.tile(np.eye(4, dtype=np.float32), (64, 1, 1))
    ext[8:, :3, :3] = labels.rodrigues(rng.normal(size=(56, 3)))
    got = labels.global_orient_camera_batch(go.astype(np.float32), ext)
    want = np.stack([labels.global_orient_camera(go[b].astype(np.float32), ext[b]) for b in range(64)])
    assert got.dtype == np.float32 and np.array_equal(got, want)

