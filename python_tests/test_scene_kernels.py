"""The scene renderer's native stages (vertex stage, normals, shade) against their numpy
twins in handraster/_reference/shade.py, plus golden cases."""
import numpy as np
import pytest

from handraster import _C
from handraster._reference import shade as ref
from handraster.scene.renderer import lin2srgb_lut


def _cams(rng, B):
    E = np.zeros((B, 3, 4), np.float32)
    for b in range(B):
        q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        E[b, :, :3] = q * np.sign(np.linalg.det(q))
        E[b, :, 3] = rng.normal(size=3) * 0.1 + [0, 0, 1.0]
    K = np.tile(np.array([[60, 0.5, 15.5], [0, 62, 11.5], [0, 0, 1]], np.float32), (B, 1, 1))
    return E, K


def test_vertex_stage_matches_reference_and_pixel_convention():
    rng = np.random.default_rng(0)
    B, V, H, W = 3, 40, 24, 32
    pw = (rng.normal(size=(B, V, 3)) * 0.1).astype(np.float32)
    E, K = _cams(rng, B)
    nf = np.tile(np.array([0.1, 5.0], np.float32), (B, 1))
    pc, cl = np.empty((B, V, 3), np.float32), np.empty((B, V, 4), np.float32)
    _C.vertex_stage(pw, E, K, nf, H, W, pc, cl)
    rpc, rcl = ref.vertex_stage(pw, E, K, nf, H, W)
    np.testing.assert_allclose(pc, rpc, atol=1e-6)
    np.testing.assert_allclose(cl, rcl, atol=1e-5)
    # golden: a point projecting onto pixel (col 3, row 5) lands on that pixel's NDC centre
    # ((2*3+1)/W - 1, (2*(H-1-5)+1)/H - 1) in nvdiffrast's bottom-up rows
    K1 = np.array([[[50, 0, 10], [0, 50, 8], [0, 0, 1]]], np.float32)
    z = 2.0
    p = np.array([[[(3 - 10) * z / 50, (5 - 8) * z / 50, z]]], np.float32)
    E1 = np.concatenate([np.eye(3), np.zeros((3, 1))], 1)[None].astype(np.float32)
    pc1, cl1 = np.empty((1, 1, 3), np.float32), np.empty((1, 1, 4), np.float32)
    _C.vertex_stage(p, E1, K1, nf[:1], H, W, pc1, cl1)
    ndc = cl1[0, 0, :3] / cl1[0, 0, 3]
    np.testing.assert_allclose(ndc[:2], [(2 * 3 + 1) / W - 1, (2 * (H - 1 - 5) + 1) / H - 1], atol=1e-6)
    assert -1 < ndc[2] < 1


def test_vertex_normals_match_reference():
    from handraster.scene.vertex_attributes import vertex_face_adjacency
    rng = np.random.default_rng(1)
    B, V = 2, 30
    pos = rng.normal(size=(B, V, 3)).astype(np.float32)
    faces = rng.integers(0, V, (50, 3)).astype(np.int32)
    faces = faces[(faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])]
    ptr, adj = vertex_face_adjacency(faces, V)
    sign = np.array([1, -1], np.float32)
    out = np.empty((B, V, 3), np.float32)
    _C.vertex_normals(pos, faces, ptr, adj, sign, out)
    np.testing.assert_allclose(out, ref.vertex_normals(pos, faces, sign), atol=1e-5)
    # with the face-normal scratch (each face's cross product once): the same bits
    fn, out2 = np.empty((B, len(faces), 3), np.float32), np.empty_like(out)
    _C.vertex_normals(pos, faces, ptr, adj, sign, out2, face_normals=fn)
    np.testing.assert_array_equal(out2, out)
    a, b_, c = (pos[:, faces[:, k]].astype(np.float64) for k in range(3))
    np.testing.assert_allclose(fn, np.cross(b_ - a, c - a), atol=1e-5)
    vattr = rng.normal(size=(V, 9)).astype(np.float32) * 0.05
    mat = rng.random((B, 40)).astype(np.float32)
    mat[:, 10] = 30
    blotch = np.empty((B, V), np.float32)
    _C.vertex_normals(pos, faces, ptr, adj, sign, out, vattr, mat, blotch)
    np.testing.assert_allclose(blotch, ref.vertex_blotch(vattr, mat), atol=1e-5)
    assert blotch.std() > 0.01  # the noise varies
    # only the first n_blotch vertices (the skin) get the noise; the rest (objects) 1
    part = np.empty_like(blotch)
    _C.vertex_normals(pos, faces, ptr, adj, sign, out, vattr, mat, part, n_blotch=20)
    np.testing.assert_array_equal(part[:, :20], blotch[:, :20])
    np.testing.assert_allclose(part, ref.vertex_blotch(vattr, mat, 20), atol=1e-5)
    assert (part[:, 20:] == 1).all()
    with pytest.raises(ValueError, match="'faces' has value 30"):
        _C.vertex_normals(pos, np.full((2, 3), 30, np.int32), ptr, adj, sign, out)


def _shade_args(rng, B, H, W, V=12, T=10):
    tri = rng.integers(0, V, (T, 3)).astype(np.int32)
    rast = np.zeros((B, H, W, 4), np.float32)
    cover = rng.random((B, H, W)) < 0.6
    uv = rng.dirichlet([1, 1, 1], size=(B, H, W))[..., :2]
    rast[..., :2] = uv
    rast[..., 3] = np.where(cover, rng.integers(1, T + 1, (B, H, W)), 0)
    rast[..., :2] *= cover[..., None]
    p_cam = (rng.normal(size=(B, V, 3)) * 0.05 + [0, 0, 0.6]).astype(np.float32)
    nrm = rng.normal(size=(B, V, 3))
    nrm = (nrm / np.linalg.norm(nrm, axis=-1, keepdims=True)).astype(np.float32)
    vattr = rng.random((V, 9)).astype(np.float32)
    vattr[:, 0:3] = rng.normal(size=(V, 3)) * 0.05
    vattr[:, 4] = rng.normal(size=V) * 0.002
    vattr[:, 6] = np.where(rng.random(V) < 0.3, rng.random(V) * 0.2, 0)
    vlabel = rng.integers(1, 9, V).astype(np.uint8)
    vlabel[:3] = 7  # a forearm triangle that is kept (coordinate below every cut)
    vattr[:3, 6] = 0.0
    tri[0] = [0, 1, 2]
    mat = rng.random((B, 40)).astype(np.float32)
    mat[:, 10] = 30
    mat[:, 11] = rng.integers(0, 1000, B)
    mat[:, 12] = rng.uniform(0.3, 0.8, B)
    mat[:, 16] = rng.integers(0, 2, B)
    mat[:, 23] = rng.integers(0, 3, B)
    mat[:, 24] = 40
    mat[:, 25] = 0.1
    mat[:, 32] = rng.integers(0, 4, B)
    mat[:, 33] = 5
    mat[:, 35] = 1.0
    lights = np.zeros((B, 5, 12), np.float32)
    for b in range(B):
        for k in range(5):
            d = rng.normal(size=3)
            d /= np.linalg.norm(d)
            lights[b, k] = [k % 3, *rng.uniform(0.5, 2, 3), *(rng.normal(size=3) * 0.5), *d, 0.7, 0.9]
    nl = rng.integers(1, 6, B).astype(np.int32)
    sh = (rng.normal(size=(B, 9, 3)) * 0.2 + [[0.6]] * np.eye(9)[0][:, None]).astype(np.float32)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    imgs = [rng.integers(0, 256, (7, 9, 3), dtype=np.uint8), rng.integers(0, 256, (5, 4, 3), dtype=np.uint8)]
    env = [rng.random((8, 16, 3)).astype(np.float32) * 3, rng.random((4, 8, 3)).astype(np.float32)]
    rgba = np.zeros((7 * 9 + 5 * 4, 4), np.uint8)
    rgba[:, :3] = np.concatenate([i.reshape(-1, 3) for i in imgs])
    pool = rgba.view(np.int32).reshape(-1)
    envd = np.concatenate([e.ravel() for e in env])
    Kinv = np.linalg.inv(np.tile(np.array([[20, 0, W / 2], [0, 20, H / 2], [0, 0, 1.0]]), (B, 1, 1))).astype(np.float32)
    vblotch = rng.uniform(0.8, 1.2, (B, V)).astype(np.float32)
    return dict(rast=rast, tri=tri, p_cam=p_cam, nrm=nrm, vattr=vattr, vblotch=vblotch, vlabel=vlabel, mat=mat,
                lights=lights,
                nlights=nl, sh=sh, sh_rot=np.tile(q, (B, 1, 1)).astype(np.float32),
                bg_mode=(np.arange(B) % 3).astype(np.int32), bg_id=(np.arange(B) % 2).astype(np.int32),
                bg_affine=np.tile(np.array([[0.3, 0.1, 0.5], [-0.05, 0.25, 0.2]], np.float32), (B, 1, 1)),
                bg_param=np.tile(np.array([10, 200, 90, 0.7, 1.5, 0, 0, 0], np.float32), (B, 1)),
                Kinv=Kinv, env_rot=np.tile(q.T, (B, 1, 1)).astype(np.float32), pool=pool,
                pool_off=np.array([0, 7 * 9], np.int64), pool_hw=np.array([[7, 9], [5, 4]], np.int32),
                env=envd, env_off=np.array([0, env[0].size], np.int64), env_hw=np.array([[8, 16], [4, 8]], np.int32),
                lin2srgb=lin2srgb_lut(),
                rgb=np.empty((B, H, W, 3), np.uint8), depth=np.empty((B, H, W), np.float32),
                mask=np.empty((B, H, W), np.uint8))


def test_shade_matches_reference():
    rng = np.random.default_rng(2)
    B, H, W = 6, 6, 7
    a = _shade_args(rng, B, H, W)
    _C.shade(a, H, W)
    rgb, depth, mask = ref.shade(a, H, W)
    np.testing.assert_array_equal(a["mask"], mask)
    np.testing.assert_allclose(a["depth"], depth, atol=1e-5)
    diff = np.abs(a["rgb"].astype(int) - rgb.astype(int))
    assert diff.max() <= 2, diff.max()       # float32 vs float64 at LUT edges; 8-bit bilinear weights
    photo_bg = (mask == 0) & (a["bg_mode"] == 0)[:, None, None]
    assert (diff[~photo_bg] > 0).mean() < 0.05  # shaded pixels and other backgrounds
    assert diff[photo_bg].max() <= 2              # 8-bit fixed-point bilinear weights, truncated per stage
    assert (mask == 0).any() and (mask == 8).any() and (mask == 7).any()


def test_shade_with_spans_reads_only_the_spans():
    # rows' spans from the coverage; rast outside them holds garbage (a covered-looking id
    # and NaNs) that the shader must not read: the output equals the span-less run's
    rng = np.random.default_rng(5)
    B, H, W = 4, 6, 9
    a = _shade_args(rng, B, H, W)
    a["rast"][:, 1] = 0  # an empty rast row (row H - 2 of the image)
    cov = a["rast"][..., 3] > 0
    cols = np.arange(W)
    x0 = np.where(cov.any(-1), np.argmax(cov, -1), W)
    x1 = np.where(cov.any(-1), W - 1 - np.argmax(cov[..., ::-1], -1), -1)
    spans = np.stack([x0, x1], -1).astype(np.int32)
    _C.shade(a, H, W)
    expect = [a[k].copy() for k in ("rgb", "depth", "mask")]
    outside = (cols < spans[..., :1]) | (cols > spans[..., 1:])
    assert outside.any()
    a["rast"][outside] = [np.nan, np.nan, np.nan, 1.0]
    for k in ("rgb", "depth", "mask"):
        a[k][:] = 0
    _C.shade(dict(a, spans=spans), H, W)
    for k, e in zip(("rgb", "depth", "mask"), expect):
        np.testing.assert_array_equal(a[k], e)


def _texture_args(rng, a, B, T):
    texs = [rng.integers(0, 256, (6, 5, 4), dtype=np.uint8), rng.integers(0, 256, (3, 8, 4), dtype=np.uint8)]
    a.update(tex=np.concatenate([t.reshape(-1, 4) for t in texs]).view(np.int32).reshape(-1),
             tex_off=np.array([0, 30], np.int64), tex_hw=np.array([[6, 5], [3, 8]], np.int32),
             tex_id=(np.arange(B) % 3 - 1).astype(np.int32),
             uv_tri=rng.uniform(-0.2, 1.2, (T, 3, 2)).astype(np.float32),
             srgb2lin=((np.arange(256) / 255.0) ** 2.2).astype(np.float32))
    a["mat"][:, 39] = rng.uniform(0.5, 1.0, B)
    return texs


def test_shade_textured_skin_matches_reference():
    rng = np.random.default_rng(5)
    B, H, W = 6, 6, 7
    a = _shade_args(rng, B, H, W)
    _texture_args(rng, a, B, len(a["tri"]))
    _C.shade(a, H, W)
    rgb, depth, mask = ref.shade(a, H, W)
    np.testing.assert_array_equal(a["mask"], mask)
    diff = np.abs(a["rgb"].astype(int) - rgb.astype(int))
    skin = (mask >= 1) & (mask <= 7)
    assert diff[skin].max() <= 2 and (diff[skin] > 0).mean() < 0.05
    # the texture changes the textured samples' skin and nothing else
    plain = dict(a, rgb=np.empty_like(a["rgb"]))
    for k in ("tex", "tex_off", "tex_hw", "tex_id", "uv_tri", "srgb2lin"):
        plain.pop(k)
    _C.shade(plain, H, W)
    textured = (a["tex_id"] >= 0)[:, None, None] & skin
    changed = (a["rgb"] != plain["rgb"]).any(-1)
    assert changed[textured].mean() > 0.3 and not changed[~textured].any()
    # golden: a texel centre of a uniform-colour texture gives that colour's linear value
    tex = np.zeros((2, 2, 4), np.uint8)
    tex[..., :3] = [200, 100, 50]
    a2 = dict(a, tex=tex.reshape(-1, 4).view(np.int32).reshape(-1), tex_off=np.array([0], np.int64),
              tex_hw=np.array([[2, 2]], np.int32), tex_id=np.zeros(B, np.int32))
    assert np.allclose(ref.texture_albedo(a2, 0, 0, np.array([1.0, 0, 0])), (np.array([200, 100, 50]) / 255) ** 2.2,
                       atol=1e-6)
    with pytest.raises(ValueError, match="tex_id"):
        _C.shade(dict(a2, tex_id=np.full(B, 1, np.int32)), H, W)


def test_shade_golden_background_and_solid():
    rng = np.random.default_rng(3)
    B, H, W = 3, 5, 6
    a = _shade_args(rng, B, H, W)
    a["rast"][:] = 0  # nothing covered
    a["bg_affine"][0] = [[1, 0, 0], [0, 1, 0]]  # identity onto the 7x9 photo
    _C.shade(a, H, W)
    img = a["pool"].view(np.uint8).reshape(-1, 4)[: 7 * 9, :3].reshape(7, 9, 3)
    np.testing.assert_array_equal(a["rgb"][0], img[:H, :W])      # photo pixels exactly
    np.testing.assert_array_equal(a["rgb"][2], np.broadcast_to([10, 200, 90], (H, W, 3)))  # solid
    assert (a["mask"] == 0).all() and np.allclose(a["depth"], 1.5)  # background depth plane


def test_shade_rejects_bad_ids():
    rng = np.random.default_rng(4)
    a = _shade_args(rng, 3, 4, 4)
    a["bg_id"][0] = 5
    with pytest.raises(ValueError, match=r"bg_id\[0\] = 5 is outside its pool of 2"):
        _C.shade(a, 4, 4)
    a = _shade_args(rng, 3, 4, 4)
    a["tri"][0, 0] = 99
    with pytest.raises(ValueError, match="'tri' has value 99"):
        _C.shade(a, 4, 4)
    a = _shade_args(rng, 3, 4, 4)
    a["mat"] = a["mat"].astype(np.float64)
    with pytest.raises(ValueError, match="'mat' must be float32"):
        _C.shade(a, 4, 4)
