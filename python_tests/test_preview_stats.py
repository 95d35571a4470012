"""preview / stats / demo commands, the asset readers, the encoders and the progress output."""
import io

import numpy as np
import pytest
from PIL import Image

from _generate_util import run_cli, small_config
from handraster.data.assets import AssetError, read_hdr, read_image, write_hdr
from handraster.data.encode import decode_depth, decode_npz, encode_depth, encode_npz, encode_rgb
from handraster.data.preview import PART_COLORS, contact_sheet, depth_colormap
from handraster.data.stats import collect, flexion_angles, report
from handraster.generate import generate
from handraster.generate.progress import Progress


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("ds")
    generate(small_config(**{"objects.prob": 0.5}), 30, out, progress=False)
    return out


def test_preview_sheet_shows_rgb_skeleton_mask_and_depth(dataset, tmp_path):
    import handraster.data as hdata
    s = hdata.open(dataset)[3]
    sheet = np.asarray(contact_sheet([s], tile=64, gap=0))
    assert sheet.shape == (128, 128, 3)
    rgb, skel, tint, depth = sheet[:64, :64], sheet[:64, 64:], sheet[64:, :64], sheet[64:, 64:]
    assert np.array_equal(rgb[14:], s["rgb"][14:])            # panel 1: the image (label text at the top)
    assert (skel != rgb).any(axis=2).sum() > 20             # panel 2: skeleton drawn over it
    hand = s["mask"] > 0
    assert np.array_equal((tint != rgb).any(axis=2)[14:] & ~hand[14:], np.zeros_like(hand[14:]))
    assert np.array_equal(depth[14:][~hand[14:]], np.zeros(((~hand[14:]).sum(), 3), np.uint8))
    assert depth[hand].any()


def test_cli_preview_and_stats(dataset, tmp_path):
    r = run_cli("preview", dataset, "--out", tmp_path / "sheet.png", "--n", 9)
    assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path / "sheet.png").size == (3 * (2 * 96 + 4) + 4,) * 2
    r = run_cli("stats", dataset, "--plot", tmp_path / "stats.png")
    assert r.returncode == 0, r.stderr
    assert "samples: 30" in r.stdout and "camera distance to the wrist (m)" in r.stdout
    assert "occlusion level" in r.stdout and "background sources: photo" in r.stdout
    assert Image.open(tmp_path / "stats.png").size == (900, 360)
    r = run_cli("preview", tmp_path / "nothing", "--out", tmp_path / "x.png")
    assert r.returncode == 1 and "no manifest.json" in r.stderr


def test_stats_values(dataset):
    import handraster.data as hdata
    st = collect(hdata.open(dataset))
    assert len(st["distance"]) == 30 and st["angles"].shape == (30, 15)
    assert 0.2 < st["distance"].mean() < 2.0 and len(st["tone"]) == 30
    assert "samples: 30" in report(st)
    straight = np.zeros((21, 3))   # every finger a straight chain up from the wrist
    for f in range(5):
        straight[1 + 4 * f:5 + 4 * f] = np.stack([np.zeros(4), np.arange(1, 5), np.zeros(4)], 1)
    assert np.allclose(flexion_angles(straight), 0, atol=1e-6)
    bent = straight.copy()
    bent[4] = bent[3] + [1, 0, 0]   # thumb DIP bent 90 degrees
    assert np.isclose(flexion_angles(bent)[2], 90)


def test_demo_command(tmp_path):
    r = run_cli("demo", "--out", tmp_path / "demo", "--num", 12)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "demo" / "preview.png").is_file() and "contact sheet:" in r.stdout
    import handraster.data as hdata
    assert len(hdata.open(tmp_path / "demo")) == 12


def test_hdr_roundtrip_and_rle(tmp_path):
    x = np.random.default_rng(1).uniform(0.01, 8, (5, 9, 3)).astype(np.float32)
    write_hdr(tmp_path / "a.hdr", x)
    y = read_hdr(tmp_path / "a.hdr")
    assert y.shape == x.shape   # RGBE: a shared exponent, 8-bit mantissas below the pixel's max
    assert (np.abs(y - x) <= x.max(axis=2, keepdims=True) / 128).all()
    # a new-style RLE scanline file (width 8): runs and literals
    W, H = 8, 2
    row = b"".join(bytes([128 + 8, v]) for v in (128, 64, 32, 129))   # each channel one run of 8
    lit = bytes([8]) + bytes(range(100, 108))
    data = b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 2 +X 8\n" + bytes([2, 2, 0, W]) + row + \
        bytes([2, 2, 0, W]) + lit * 3 + bytes([128 + 8, 129])
    (tmp_path / "r.hdr").write_bytes(data)
    z = read_hdr(tmp_path / "r.hdr")
    assert z.shape == (H, W, 3) and np.allclose(z[0, :, 0], 128 * 2.0 ** (129 - 136))
    assert np.allclose(z[1, :, 1], np.arange(100, 108) * 2.0 ** (129 - 136))
    (tmp_path / "t.hdr").write_bytes(data[:-5])
    with pytest.raises(AssetError, match="truncated|bad run"):
        read_hdr(tmp_path / "t.hdr")
    (tmp_path / "o.hdr").write_bytes(data.replace(b"-Y 2 +X 8", b"+X 8 -Y 2"))
    with pytest.raises(AssetError, match="unsupported resolution line"):
        read_hdr(tmp_path / "o.hdr")
    (tmp_path / "u.hdr").write_bytes(data.replace(b"-Y 2 +X 8", b"+Y 2 +X 8"))  # bottom-up rows
    np.testing.assert_allclose(read_hdr(tmp_path / "u.hdr"), z[::-1])
    with pytest.raises(AssetError, match="unreadable image"):
        (tmp_path / "b.png").write_bytes(b"\x89PNG garbage")
        read_image(tmp_path / "b.png")


def test_encoders_are_deterministic_and_exact():
    rng = np.random.default_rng(0)
    d = rng.uniform(0.3, 2.0, (16, 16)).astype(np.float32)
    d[0, 0], d[0, 1] = 0.0, 9.0                       # no surface; beyond 6.5535 m clips
    e1, e2 = encode_depth(d, 1e-4), encode_depth(d.copy(), 1e-4)
    assert e1 == e2
    back = decode_depth(e1, 1e-4)
    assert back[0, 0] == 0 and np.isclose(back[0, 1], 6.5535)
    assert np.abs(back - d)[2:].max() <= 0.5e-4 + 1e-7
    img = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    assert encode_rgb(img, "jpg") == encode_rgb(img.copy(), "jpg")
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(encode_rgb(img, "png")))), img)
    v = rng.normal(size=(10, 3)).astype(np.float32)
    assert encode_npz(vertices=v) == encode_npz(vertices=v.copy())
    assert np.array_equal(decode_npz(encode_npz(vertices=v))["vertices"], v)
    assert np.array_equal(depth_colormap(np.zeros((4, 4), np.float32)), np.zeros((4, 4, 3), np.uint8))
    assert PART_COLORS.shape == (9, 3)


def test_progress_plain_lines_when_not_a_terminal():
    buf = io.StringIO()
    p = Progress(100, initial=10, stream=buf, interval=0.0)
    p.update(30)
    p.close()
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("generate: 40/100 samples (40.0%)") and "samples/s, ETA" in lines[0]
    assert len(lines) == 2
    quiet = io.StringIO()
    Progress(10, stream=quiet, enabled=False).update(5)
    assert quiet.getvalue() == ""


def test_progress_bar_on_a_terminal():
    buf = io.StringIO()
    p = Progress(10, stream=buf, tty=True)
    p.update(4)
    p.write("a message")
    p.update(6)
    p.close()
    out = buf.getvalue()
    assert "10/10" in out and "a message" in out and "sample/s" in out
