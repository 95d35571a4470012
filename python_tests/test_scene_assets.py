"""Scene assets: image pool, background crops, env maps + SH, photo ambient, meshes, skin tones."""
import pickle
import warnings

import numpy as np
import pytest
from PIL import Image

from handraster.scene.ambient import linear_to_srgb, photo_ambient_sh
from handraster.scene.background_sampler import (bilinear_sample_reference, sample_background_affine,
                                                 sample_background_crop, sample_backgrounds)
from handraster.scene.env_maps import (EnvPool, area_resize, equirect_dir_to_uv, equirect_pixel_dirs,
                                       equirect_solid_angles, equirect_uv_to_dir, project_irradiance_sh,
                                       sample_env_reference)
from handraster.scene.errors import AssetError
from handraster.scene.hdr_io import read_hdr_image, read_radiance_hdr, write_radiance_hdr
from handraster.scene.image_pool import ImagePool
from handraster.scene.meshes import PRIMITIVES, builtin_primitives, load_mesh, primitive, superset
from handraster.scene.procedural_backgrounds import procedural_background
from handraster.scene.sh import irradiance_from_sh, project_radiance_sh, rotate_sh9, sh9_basis
from handraster.scene.skin_tone import linear_rgb_to_lab, nail_tone, palm_tone, sample_skin_tone, skin_ita


def _unit(rng, n):
    v = rng.normal(size=(n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _freeimage_ok(tmp_path):
    try:
        import imageio.v2 as iio
        iio.imwrite(tmp_path / "probe.hdr", np.ones((2, 4, 3), np.float32), format="HDR-FI")
        (tmp_path / "probe.hdr").unlink()
        return True
    except Exception:
        return False


# ----------------------------------------------------------------------------- errors
def test_asset_error_message_attributes_pickle():
    e = AssetError("bg/a.jpg", "cannot decode")
    assert str(e) == "background image 'bg/a.jpg': cannot decode" and isinstance(e, ValueError)
    assert (e.path, e.reason) == ("bg/a.jpg", "cannot decode")
    e2 = pickle.loads(pickle.dumps(AssetError("x.hdr", "bad", "environment map")))
    assert str(e2) == "environment map 'x.hdr': bad" and e2.kind == "environment map"


# ----------------------------------------------------------------------------- image pool
def test_pool_layout_and_conversions():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    g = rng.integers(0, 256, (4, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, (2, 2, 4), dtype=np.uint8)
    p = ImagePool.from_images([a, g, rgba], ["a", "g", "rgba"])
    assert len(p) == 3 and p.data.dtype == np.uint8 and p.offsets.dtype == np.int64 and p.sizes.dtype == np.int32
    assert p.offsets.tolist() == [0, 105, 105 + 36] and p.sizes.tolist() == [[5, 7], [4, 3], [2, 2]]
    assert p.data.size == 105 + 36 + 12
    np.testing.assert_array_equal(p.image(0), a)
    np.testing.assert_array_equal(p.image(1), np.repeat(g[:, :, None], 3, 2))
    np.testing.assert_array_equal(p.image(2), rgba[:, :, :3])
    y, x, c = 3, 5, 2  # the documented flat addressing
    assert p.data[p.offsets[0] + (y * 7 + x) * 3 + c] == a[y, x, c]
    with pytest.raises(ValueError, match="uint8"):
        ImagePool.from_images([a.astype(np.float32)])


def test_pool_from_folder(tmp_path):
    rng = np.random.default_rng(1)
    (tmp_path / "sub").mkdir()
    big = rng.integers(0, 256, (300, 200, 3), dtype=np.uint8)
    Image.fromarray(big).save(tmp_path / "a_big.png")
    Image.fromarray(big[:50, :60, 0]).save(tmp_path / "sub" / "b_grey.png")
    Image.fromarray(rng.integers(0, 256, (40, 30, 4), dtype=np.uint8)).save(tmp_path / "c_rgba.png")
    Image.fromarray(big[:64, :64]).save(tmp_path / "d.jpg")
    (tmp_path / "notes.txt").write_text("not an image")
    p = ImagePool.from_folder(tmp_path, max_side=128)
    assert [n.split("/")[-1] for n in p.names] == ["a_big.png", "c_rgba.png", "d.jpg", "b_grey.png"]
    assert p.sizes.tolist() == [[128, 85], [40, 30], [64, 64], [50, 60]]
    assert (p.image(3)[:, :, 0] == p.image(3)[:, :, 2]).all()  # grey -> RGB
    assert len(ImagePool.from_folder(tmp_path, recursive=False)) == 3
    small = ImagePool.from_folder(tmp_path, max_side=16, min_side=4)  # the JPEG takes the DCT-draft path
    assert small.sizes[2].tolist() == [16, 16] and abs(small.image(2).mean() - big[:64, :64].mean()) < 8
    (tmp_path / "e_bad.jpg").write_bytes(b"\xff\xd8 truncated garbage")
    with pytest.raises(AssetError, match=r"background image '.*e_bad\.jpg': cannot decode") as ei:
        ImagePool.from_folder(tmp_path)
    assert ei.value.path.endswith("e_bad.jpg")
    with pytest.warns(UserWarning, match="e_bad.jpg"):
        assert len(ImagePool.from_folder(tmp_path, on_bad="skip")) == 4


def test_pool_empty_or_unreadable_folder(tmp_path):
    with pytest.raises(AssetError, match="no image files") as ei:
        ImagePool.from_folder(tmp_path)
    assert ei.value.path == str(tmp_path)
    (tmp_path / "x.png").write_bytes(b"nope")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(AssetError, match="none of the 1 image files"):
            ImagePool.from_folder(tmp_path, on_bad="skip")
    with pytest.raises(AssetError, match="not a directory"):
        ImagePool.from_folder(tmp_path / "missing")


def test_builtin_pool_contents_and_save_load(tmp_path):
    p = ImagePool.builtin()
    assert ImagePool.builtin() is p and not p.data.flags.writeable  # cached, read-only
    photos = [n for n in p.names if n.startswith("builtin:skimage/")]
    proc = [i for i, n in enumerate(p.names) if n.startswith("builtin:procedural/")]
    assert len(photos) >= 5 and len(proc) == 48
    means = np.array([p.image(i).reshape(-1, 3).mean(0) for i in proc])
    assert means.std(0).min() > 10  # varied colours
    for i in proc:  # photo-like: smooth, not per-pixel noise (uniform noise gives ~85)
        im = p.image(i).astype(np.int16)
        assert p.sizes[i].tolist() == [512, 512]
        assert np.abs(np.diff(im, axis=1)).mean() < 12, p.names[i]
    p.subset([0, proc[0]]).save(tmp_path / "pool.npz")
    q = ImagePool.load(tmp_path / "pool.npz")
    np.testing.assert_array_equal(q.image(1), p.image(proc[0]))


def test_procedural_background_deterministic():
    a = procedural_background(np.random.default_rng([7, 3]), 128, 3)[1]
    b = procedural_background(np.random.default_rng([7, 3]), 128, 3)[1]
    c = procedural_background(np.random.default_rng([8, 3]), 128, 3)[1]
    assert a.shape == (128, 128, 3) and (a == b).all() and not (a == c).all()


# ----------------------------------------------------------------------------- background crops
def test_identity_affine_reproduces_image():
    img = np.random.default_rng(2).integers(0, 256, (9, 13, 3), dtype=np.uint8)
    p = ImagePool.from_images([img])
    A = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    np.testing.assert_array_equal(bilinear_sample_reference(p, 0, A, 9, 13), img)


def test_bilinear_half_pixel_and_clamp():
    img = np.zeros((2, 2, 3), np.uint8)
    img[0, 1] = 100
    img[1, 1] = 200
    p = ImagePool.from_images([img])
    out = bilinear_sample_reference(p, 0, np.array([[0, 0, 0.5], [0, 0, 0.5]], np.float32), 1, 1, as_float=True)
    assert out[0, 0, 0] == pytest.approx(75.0)
    out = bilinear_sample_reference(p, 0, np.array([[0, 0, 5.0], [0, 0, -3.0]], np.float32), 1, 1)
    assert out[0, 0, 0] == 100  # clamped to the top-right pixel


@pytest.mark.parametrize("src,out", [((480, 640), (256, 256)), ((600, 400), (120, 200)), ((50, 50), (300, 300))])
def test_crop_window_stays_inside_source(src, out):
    rng = np.random.default_rng(3)
    Hs, Ws = src
    H, W = out
    corners = np.array([[-0.5, -0.5, 1], [W - 0.5, -0.5, 1], [-0.5, H - 0.5, 1], [W - 0.5, H - 0.5, 1]])
    flips = 0
    for _ in range(500):
        crop = sample_background_crop(rng, src, out, max_rotation_deg=30)
        A = crop.affine(out)
        xs, ys = (A.astype(np.float64) @ corners.T)
        eps = 1e-3 * max(Hs, Ws)
        assert xs.min() >= -0.5 - eps and xs.max() <= Ws - 0.5 + eps
        assert ys.min() >= -0.5 - eps and ys.max() <= Hs - 0.5 + eps
        # the output centre maps to the crop centre; the map is a similarity of scale s
        np.testing.assert_allclose(A @ [(W - 1) / 2, (H - 1) / 2, 1], crop.centre, atol=1e-3)
        assert abs(abs(np.linalg.det(A[:, :2].astype(np.float64))) - crop.scale ** 2) < 1e-4 * crop.scale ** 2
        assert crop.scale <= min(Ws / W, Hs / H) + 1e-9
        flips += crop.flip
        assert (np.linalg.det(A[:, :2]) < 0) == crop.flip
    assert 180 < flips < 320


def test_unrotated_full_scale_crop_covers_shorter_side():
    rng = np.random.default_rng(4)
    A = sample_background_affine(rng, (400, 600), (100, 100), scale_range=(1, 1), max_rotation_deg=0, flip_prob=0)
    assert A[0, 0] == pytest.approx(4.0) and A[0, 1] == 0 and A[1, 1] == pytest.approx(4.0)
    assert A[1, 2] == pytest.approx(1.5)  # top output centre 0 -> source 4*0 + 1.5 (window [-0.5, 399.5])
    idx, As = sample_backgrounds(rng, ImagePool.builtin(), 5, (64, 64))
    assert idx.dtype == np.int32 and As.shape == (5, 2, 3) and As.dtype == np.float32


# ----------------------------------------------------------------------------- equirect + SH
def test_equirect_convention():
    d = np.array([[0, 0, -1], [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]], np.float64)
    uv = equirect_dir_to_uv(d)
    np.testing.assert_allclose(uv[:3], [[0.5, 0.5], [0.75, 0.5], [0.25, 0.5]], atol=1e-12)
    assert uv[3, 1] == 0 and uv[4, 1] == 1
    r = _unit(np.random.default_rng(5), 100)
    np.testing.assert_allclose(equirect_uv_to_dir(equirect_dir_to_uv(r)), r, atol=1e-12)
    assert equirect_solid_angles(16, 32).sum() * 32 == pytest.approx(4 * np.pi)


def test_sh_basis_orthonormal():
    H, W = 256, 512
    Y = sh9_basis(equirect_pixel_dirs(H, W)).reshape(-1, 9)
    w = np.repeat(equirect_solid_angles(H, W), W)
    np.testing.assert_allclose((Y * w[:, None]).T @ Y, np.eye(9), atol=2e-4)


def test_constant_env_irradiance_is_pi_L():
    env = np.ones((32, 64, 3), np.float32) * np.float32([1.0, 0.5, 2.0])
    sh = project_irradiance_sh(env)
    assert sh.shape == (9, 3) and sh.dtype == np.float32
    E = irradiance_from_sh(sh, _unit(np.random.default_rng(6), 50))
    np.testing.assert_allclose(E, np.pi * np.array([1.0, 0.5, 2.0]) * np.ones((50, 1)), rtol=2e-3)


def test_analytic_envs():
    d = equirect_pixel_dirs(128, 256)
    n = _unit(np.random.default_rng(7), 40)
    # linear radiance a + b*y: irradiance is exactly pi*a + (2 pi / 3) * b * n_y
    env = np.repeat((2.0 + 1.5 * d[..., 1])[..., None], 3, 2)
    E = irradiance_from_sh(project_irradiance_sh(env), n)[:, 0]
    np.testing.assert_allclose(E, np.pi * 2.0 + 2 * np.pi / 3 * 1.5 * n[:, 1], rtol=2e-3)
    # upper hemisphere only: E = pi (1 + cos) / 2 -> up pi, horizontal pi/2, down 0
    env = np.repeat((d[..., 1] > 0).astype(np.float32)[..., None], 3, 2)
    E = irradiance_from_sh(project_irradiance_sh(env), np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, -1, 0]]))[:, 0]
    np.testing.assert_allclose(E, [np.pi, np.pi / 2, np.pi / 2, 0], atol=0.02)
    # radiance = one basis function: its projection is that unit coefficient
    for k in range(9):
        L = project_radiance_sh(d.reshape(-1, 3), sh9_basis(d).reshape(-1, 9)[:, k:k + 1],
                                np.repeat(equirect_solid_angles(128, 256), 256))
        np.testing.assert_allclose(L[:, 0], np.eye(9)[k], atol=2e-3)


def test_rotate_sh9():
    rng = np.random.default_rng(8)
    sh = rng.normal(size=(9, 3))
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    R = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                  [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                  [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])
    n = _unit(rng, 30)
    np.testing.assert_allclose(irradiance_from_sh(rotate_sh9(sh, R), n @ R.T), irradiance_from_sh(sh, n), atol=1e-9)


def test_area_resize_preserves_energy_and_env_lookup():
    env = np.random.default_rng(9).random((30, 60, 3)).astype(np.float32) ** 8 * 100
    small = area_resize(env, 7, 14)
    assert small.mean() == pytest.approx(env.mean(), rel=1e-5)
    pool = EnvPool.from_maps([env], ["e"])
    d = equirect_pixel_dirs(30, 60)
    np.testing.assert_allclose(sample_env_reference(pool, 0, d[[0, 5, 29], [0, 17, 59]]),
                               env[[0, 5, 29], [0, 17, 59]], rtol=1e-4)


# ----------------------------------------------------------------------------- HDR files
def test_hdr_files_roundtrip_and_env_pool(tmp_path):
    rng = np.random.default_rng(10)
    env = (rng.random((64, 128, 3)) ** 4 * 50 + 0.01).astype(np.float32)
    write_radiance_hdr(tmp_path / "ours.hdr", env)
    back = read_radiance_hdr(tmp_path / "ours.hdr")
    assert (np.abs(back - env) <= env.max(axis=2, keepdims=True) * 2 ** -7).all()  # RGBE quantisation
    if _freeimage_ok(tmp_path):  # a real RLE-compressed .hdr written by imageio's FreeImage plugin
        import imageio.v2 as iio
        iio.imwrite(tmp_path / "fi.hdr", env, format="HDR-FI")
        ref = iio.imread(tmp_path / "fi.hdr", format="HDR-FI")
        np.testing.assert_array_equal(read_radiance_hdr(tmp_path / "fi.hdr"), ref)
        np.testing.assert_array_equal(read_hdr_image(tmp_path / "ours.hdr"), back)
    pool = EnvPool.from_folder(tmp_path, max_width=64)
    assert pool.sizes.tolist()[0] == [32, 64] and pool.offsets.dtype == np.int64 and pool.sh.shape[1:] == (9, 3)
    np.testing.assert_allclose(pool.map(0).mean(), back.mean(), rtol=1e-4)  # area resize keeps energy
    np.testing.assert_allclose(pool.sh[0], project_irradiance_sh(back), atol=1e-3 * pool.sh[0, 0].max())


def test_bad_env_maps(tmp_path):
    write_radiance_hdr(tmp_path / "square.hdr", np.ones((16, 16, 3)))
    with pytest.raises(AssetError, match=r"environment map '.*square\.hdr': not an equirectangular 2:1"):
        EnvPool.from_folder(tmp_path)
    (tmp_path / "junk.hdr").write_bytes(b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 8 +X 16\n\x02\x02")
    with pytest.raises(AssetError, match="junk.hdr"):
        read_hdr_image(tmp_path / "junk.hdr")
    write_radiance_hdr(tmp_path / "ok.hdr", np.ones((8, 16, 3)))
    with pytest.warns(UserWarning) as rec:
        assert len(EnvPool.from_folder(tmp_path, on_bad="skip")) == 1
    assert sorted(str(w.message).split("'")[1].split("/")[-1] for w in rec) == ["junk.hdr", "square.hdr"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(AssetError, match="no .hdr/.exr"):
        EnvPool.from_folder(tmp_path / "empty", recursive=False)


def test_builtin_env_pool():
    pool = EnvPool.builtin()
    assert EnvPool.builtin() is pool and len(pool) == 8 and not pool.data.flags.writeable
    assert (pool.sizes[:, 1] == 2 * pool.sizes[:, 0]).all() and np.isfinite(pool.data).all() and pool.data.min() >= 0
    kinds = [n.split("-", 1)[1] for n in pool.names]
    for i, k in enumerate(kinds):
        m = pool.map(i)
        if k in ("clear", "sunset"):
            assert m.max() > 500 * np.median(m)  # the sun disc is far brighter than the sky
        up, down = irradiance_from_sh(pool.sh[i], np.array([[0, 1, 0], [0, -1, 0]]))[:, 1]
        if k in ("clear", "overcast", "room"):
            assert up > down  # lit from above
    assert {"clear", "room", "overcast", "sunset", "studio"} <= set(kinds)


# ----------------------------------------------------------------------------- photo ambient
def test_photo_ambient_sh():
    flat = np.full((40, 60, 3), 128, np.uint8)
    E = irradiance_from_sh(photo_ambient_sh(flat), _unit(np.random.default_rng(11), 20))
    lin = ((128 / 255 + 0.055) / 1.055) ** 2.4
    np.testing.assert_allclose(E, np.pi * lin, rtol=0.01)
    img = np.zeros((64, 64, 3), np.uint8)
    img[:20] = 255  # bright top rows: light from above = camera -Y
    img[:, :10, 0] = 255  # red left columns: red light from camera -X
    E = irradiance_from_sh(photo_ambient_sh(img), np.array([[0, -1, 0], [0, 1, 0], [-1, 0, 0], [1, 0, 0]]))
    assert E[0, 1] > 3 * E[1, 1] and E[2, 0] > E[3, 0] + 0.1
    assert linear_to_srgb(np.float32(lin)) == pytest.approx(128 / 255, abs=1e-4)


# ----------------------------------------------------------------------------- meshes
def _check_closed_outward_unit(m):
    assert m.faces.dtype == np.int32 and m.vertices.dtype == np.float32
    _, weld = np.unique(np.round(m.vertices, 5), axis=0, return_inverse=True)
    f = weld.reshape(-1)[m.faces]
    e = np.sort(np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), axis=1)
    _, counts = np.unique(e, axis=0, return_counts=True)
    assert (counts == 2).all(), f"{m.name}: open or non-manifold edges"
    v = m.vertices.astype(np.float64)[m.faces]
    assert np.einsum("ij,ij->i", v[:, 0], np.cross(v[:, 1], v[:, 2])).sum() / 6 > 0
    fn = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
    assert (np.einsum("ij,ij->i", fn, m.normals[m.faces].mean(1)) > 0).all(), f"{m.name}: winding vs normals"
    np.testing.assert_allclose(np.linalg.norm(m.normals, axis=1), 1, atol=1e-5)
    ext = m.vertices.max(0) - m.vertices.min(0)
    assert ext.max() == pytest.approx(1, abs=1e-5) and np.abs(m.vertices).max() <= 0.5 + 1e-6


@pytest.mark.parametrize("name", PRIMITIVES)
def test_primitives(name):
    m = primitive(name)
    _check_closed_outward_unit(m)
    assert m.uvs.min() >= 0 and m.uvs.max() <= 1


def test_builtin_primitives_budget_and_superset():
    ms = builtin_primitives()
    assert sum(len(m.faces) for m in ms) <= 1500
    v, f, n, uv, vr, fr = superset(ms)
    assert vr.dtype == fr.dtype == np.int32 and vr.shape == fr.shape == (5, 2)
    assert vr[-1].sum() == len(v) and fr[-1].sum() == len(f) and f.max() == len(v) - 1
    k = 3
    np.testing.assert_array_equal(f[fr[k, 0]:fr[k].sum()] - vr[k, 0], ms[k].faces)


def test_load_mesh_formats_decimation_errors(tmp_path):
    import trimesh
    tm = trimesh.creation.icosphere(subdivisions=3)  # 1280 faces
    tm.apply_transform(np.diag([3.0, 2.0, 2.0, 1.0]))
    tm.apply_translation([5, -1, 2])
    for ext in ("obj", "ply", "glb"):
        tm.export(tmp_path / f"ball.{ext}")
        m = load_mesh(tmp_path / f"ball.{ext}")
        _check_closed_outward_unit(m)
        assert len(m.faces) == 1280 and m.uvs.min() >= 0 and m.uvs.max() <= 1
    m = load_mesh(tmp_path / "ball.ply", max_faces=300)
    assert 50 < len(m.faces) <= 300 and m.vertices.max(0).max() <= 0.5 + 1e-6
    with pytest.raises(AssetError, match="more than max_faces=300"):
        load_mesh(tmp_path / "ball.ply", max_faces=300, decimate=False)
    (tmp_path / "bad.ply").write_bytes(b"ply\nformat garbage\n")
    with pytest.raises(AssetError, match=r"mesh '.*bad\.ply'"):
        load_mesh(tmp_path / "bad.ply")


# ----------------------------------------------------------------------------- skin tones
def test_skin_tone_range_and_palms():
    rng = np.random.default_rng(12)
    t = sample_skin_tone(rng, 2000)
    assert t.dtype == np.float32 and t.shape == (2000, 3) and t.min() > 0 and t.max() < 1
    ita = skin_ita(t)
    assert ita.max() > 55 and ita.min() < -30
    assert ((ita > 28) & (ita < 41)).mean() > 0.05  # continuous, not just the extremes
    np.testing.assert_array_equal(t, sample_skin_tone(np.random.default_rng(12), 2000))
    L = linear_rgb_to_lab(t)[:, 0]
    Lp, Ln = linear_rgb_to_lab(palm_tone(t))[:, 0], linear_rgb_to_lab(nail_tone(t))[:, 0]
    assert (Lp >= L - 1e-6).all() and (Ln > L).all()
    dark, light = np.argmin(L), np.argmax(L)
    assert Lp[dark] - L[dark] > 3 * (Lp[light] - L[light])  # palms differ most for dark skin
    assert linear_rgb_to_lab(palm_tone(t))[:, 1].mean() > linear_rgb_to_lab(t)[:, 1].mean()  # pinker
