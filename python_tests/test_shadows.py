"""Key-light shadows (csrc/kernels/shadow.h, handraster/scene/shadows.py): the native
visibility against its numpy twin, a plane behind an occluder (geometric truth), the shade op
with and without a shadow map, the renderer option, and errors."""
import numpy as np
import pytest

from handraster import _C
from handraster._reference import shade as ref_shade
from handraster._reference import shadow as ref
from handraster.raster import rasterize
from handraster.scene.config import ConfigError, SceneConfig
from handraster.scene.shadows import shadow_pass
from _hand_util import hand_cache  # noqa: F401  (fixture)
from _raster_util import sphere_mesh
from test_scene_kernels import _shade_args

# A 0.6 m plane at z = 1 facing the camera and a 10 cm square occluder at z = 0.8 (camera frame).
PLANE = [[-.3, -.3, 1], [.3, -.3, 1], [.3, .3, 1], [-.3, .3, 1]]
OCC = [[.05, -.05, .8], [.15, -.05, .8], [.15, .05, .8], [.05, .05, .8]]
QUADS = np.array([[0, 1, 2], [0, 2, 3], [4, 5, 6], [4, 6, 7]], np.int32)
DIR = np.array([0.5, 0.0, 1.0]) / np.linalg.norm([0.5, 0.0, 1.0])  # travel direction of the light


def _lights(kinds):
    """[B, 5, 12] one key light per sample: 0 directional along DIR, 1 point / 2 spot 0.5 m
    behind the occluder's centre on the same line."""
    L = np.zeros((len(kinds), 5, 12), np.float32)
    for b, k in enumerate(kinds):
        L[b, 0, 0], L[b, 0, 1:4], L[b, 0, 7:10] = k, 1.0, DIR
        L[b, 0, 4:7] = np.array([0.1, 0, 0.8]) - DIR * 0.5
        L[b, 0, 10:12] = [0.5, 0.9]
    return L


def _plane_scene(kinds, S=128, extra=None):
    """p_cam [B, V, 3], faces, lights and the shadow pass of the plane + occluder (+ extra)."""
    B = len(kinds)
    verts, faces = np.array(PLANE + OCC, np.float32), QUADS
    if extra is not None:
        ev, ef = extra
        faces = np.concatenate([faces, ef + len(verts)]).astype(np.int32)
        verts = np.concatenate([verts, ev]).astype(np.float32)
    P = np.repeat(verts[None], B, 0)
    lights = _lights(kinds)
    keep = np.ones((B, len(faces)), bool)
    smap, sp = shadow_pass(P, faces, keep, np.ones(P.shape[:2], bool), lights, np.ones(B, np.int32),
                           P[:, :4].mean(1), S)
    return P, faces, lights, smap, sp


def _to_light(lights, pts):
    """Unit directions from pts [B, N, 3] to each sample's key light."""
    L = lights[:, 0]
    d = np.where(L[:, None, 0:1] == 0, -L[:, None, 7:10], L[:, None, 4:7] - pts)
    return (d / np.linalg.norm(d, axis=-1, keepdims=True)).astype(np.float32)


def _plane_points(B, n=41):
    g = np.linspace(-0.28, 0.28, n)
    X, Y = np.meshgrid(g, g)
    pts = np.stack([X.ravel(), Y.ravel(), np.ones(X.size)], -1).astype(np.float32)
    return np.repeat(pts[None], B, 0)


@pytest.mark.parametrize("kind", [0, 1, 2])
def test_plane_behind_an_occluder_is_shadowed_where_the_ray_hits_it(kind):
    P, faces, lights, smap, sp = _plane_scene([kind])
    assert sp[0, 16] == 0 and sp[0, 17] == (kind > 0)
    pts = _plane_points(1, 57)
    l = _to_light(lights, pts)
    nrm = np.broadcast_to(np.float32([0, 0, -1]), pts.shape).copy()
    vis = np.empty(pts.shape[:2], np.float32)
    _C.shadow_factor(smap, sp, pts, nrm, l, vis)
    hit = pts[0] + ((0.8 - 1.0) / l[0, :, 2])[:, None] * l[0]       # where the ray to the light meets z = 0.8
    inside = np.minimum(np.minimum(hit[:, 0] - .05, .15 - hit[:, 0]), .05 - np.abs(hit[:, 1]))  # > 0 inside
    texel = sp[0, 20] + sp[0, 21] * 0.7                               # metres per texel near the occluder
    assert (inside > 3 * texel).sum() > 20
    assert (vis[0][inside > 3 * texel] < 1e-5).all()                  # fully shadowed (n.l > 0.3: no fade)
    assert (vis[0][inside < -3 * texel] == 1.0).all()                 # lit, exactly
    edge = np.abs(inside) <= 3 * texel
    assert ((vis[0][edge] > 0) & (vis[0][edge] < 1)).any()            # PCF: soft edge
    # the occluder itself (facing the light, nothing in front) is lit
    on_occ = np.float32([[[0.1, 0.0, 0.8], [0.07, 0.03, 0.8]]])
    _C.shadow_factor(smap, sp, on_occ, nrm[:, :2], _to_light(lights, on_occ), vis[:, :2])
    assert (vis[0, :2] == 1.0).all()


def test_shadow_factor_matches_reference():
    rng = np.random.default_rng(0)
    sv, st = sphere_mesh(6, 10)
    sphere = (sv * 0.04 + [-0.1, 0.05, 0.9]).astype(np.float32)     # a curved caster/receiver
    P, faces, lights, smap, sp = _plane_scene([0, 1, 2], S=48, extra=(sphere, st))
    B = 3
    # points on random triangles (surface points: self-shadow ties included) and in the air
    t = rng.integers(0, len(faces), (B, 300))
    w = rng.dirichlet([1, 1, 1], (B, 300))
    pts = np.einsum("bnk,bnkc->bnc", w, P[np.arange(B)[:, None, None], faces[t]])
    pts[:, 250:] = rng.uniform([-.3, -.3, .6], [.3, .3, 1.0], (B, 50, 3))
    pts = pts.astype(np.float32)
    nrm = rng.normal(size=(B, 300, 3))
    l = _to_light(lights, pts)
    nrm = nrm / np.linalg.norm(nrm, axis=-1, keepdims=True) * 0.5 + l  # mostly facing the light
    nrm = (nrm / np.linalg.norm(nrm, axis=-1, keepdims=True)).astype(np.float32)
    out = np.empty((B, 300), np.float32)
    _C.shadow_factor(smap, sp, pts, nrm, l, out)
    expect = ref.shadow_factor(smap, sp, pts, nrm, l)
    diff = np.abs(out - expect)
    assert (out < 0.5).sum() > 30 and (out == 1).sum() > 30         # both shadowed and lit points
    assert (diff > 1e-4).mean() < 0.02, diff.max()                  # float32 vs float64 depth ties
    assert diff.max() <= 1 / 9 + 1e-4                               # a tie flips one tap at most
    sp2 = sp.copy()
    sp2[1, 16] = -1                                                 # no key light: visibility 1
    _C.shadow_factor(smap, sp2, pts, nrm, l, out)
    assert (out[1] == 1).all()


def _shade_scene(kinds, H=32, W=48):
    """Shade-op arguments for the plane + occluder seen by a camera at the origin."""
    rng = np.random.default_rng(3)
    B = len(kinds)
    P, faces, lights, smap, sp = _plane_scene(kinds, S=96)
    a = _shade_args(rng, B, H, W)
    K = np.tile(np.array([[80, 0, W / 2 - 0.5], [0, 80, H / 2 - 0.5], [0, 0, 1]], np.float32), (B, 1, 1))
    E = np.tile(np.eye(4, dtype=np.float32)[:3], (B, 1, 1))
    pc, clip = np.empty((B, 8, 3), np.float32), np.empty((B, 8, 4), np.float32)
    _C.vertex_stage(P, E, K, np.tile(np.float32([0.05, 5]), (B, 1)), H, W, pc, clip)
    rast, _ = rasterize(None, clip, faces, (H, W), grad_db=False)
    nrm = np.broadcast_to(np.float32([0, 0, -1]), (B, 8, 3)).copy()
    a.update(rast=rast, tri=faces, p_cam=pc, nrm=nrm, vattr=np.zeros((8, 9), np.float32),
             vblotch=np.ones((B, 8), np.float32), vlabel=np.full(8, 8, np.uint8), lights=lights,
             nlights=np.ones(B, np.int32))
    a["mat"][:, 25] = 0.1                                            # forearm cut: keeps everything
    a["mat"][:, 35] = 0.6                                            # exposure: no clipping at white
    a["sh"] *= 0.2
    return a, dict(shadow_map=smap, shadow=sp)


def test_shade_with_shadows_darkens_only_the_shadow_and_matches_reference():
    H, W = 32, 48
    a, sh = _shade_scene([0, 1], H, W)
    off = dict(a, rgb=np.empty_like(a["rgb"]))
    _C.shade(off, H, W)
    on = dict(a, rgb=np.empty_like(a["rgb"]), **sh)
    _C.shade(on, H, W)
    diff = on["rgb"].astype(int) - off["rgb"].astype(int)
    assert (diff <= 0).all()                                         # shadows only remove light
    darker = (diff < -20).any(-1)
    assert darker[0].sum() > 25 and darker[1].sum() > 25             # the occluder's shadow on the plane
    changed = (diff != 0).any(-1)
    np.testing.assert_array_equal(on["rgb"][~changed], off["rgb"][~changed])
    assert (~changed & (on["mask"] > 0)).sum() > 200                 # most lit pixels: bit for bit
    np.testing.assert_array_equal(on["mask"], off["mask"])
    np.testing.assert_array_equal(on["depth"], off["depth"])
    # the numpy twin of the whole shade op with the same shadow map
    rgb, depth, mask = ref_shade.shade(on, H, W)
    np.testing.assert_array_equal(mask, on["mask"])
    d = np.abs(rgb.astype(int) - on["rgb"].astype(int))
    assert d.max() <= 2 and (d > 0).mean() < 0.05
    again = dict(on, rgb=np.empty_like(a["rgb"]))
    _C.shade(again, H, W)
    np.testing.assert_array_equal(again["rgb"], on["rgb"])          # deterministic


def test_shade_rejects_bad_shadow_arguments():
    a, sh = _shade_scene([0, 1], 8, 8)
    with pytest.raises(ValueError, match="missing argument 'shadow'"):
        _C.shade(dict(a, shadow_map=sh["shadow_map"]), 8, 8)
    with pytest.raises(ValueError, match="'shadow' must be float32"):
        _C.shade(dict(a, shadow_map=sh["shadow_map"], shadow=sh["shadow"].astype(np.float64)), 8, 8)
    with pytest.raises(ValueError, match="shadow_map"):
        _C.shade(dict(a, shadow_map=sh["shadow_map"][:, :, :5], shadow=sh["shadow"]), 8, 8)


def test_renderer_shadows_only_darken_covered_pixels_and_are_deterministic(hand_cache):  # noqa: F811
    from handraster.scene.renderer import Renderer
    kw = dict(resolution=(64, 64), distance_means=(0.3,), distance_std=0.02, lights=(1, 2), object_prob=0.5)
    off = Renderer(SceneConfig(**kw)).render(np.arange(6), seed=3)
    r = Renderer(SceneConfig(shadows=True, shadow_map_size=128, **kw))
    on = r.render(np.arange(6), seed=3)
    np.testing.assert_array_equal(on.mask, off.mask)
    np.testing.assert_array_equal(on.depth, off.depth)
    diff = on.rgb.astype(int) - off.rgb.astype(int)
    assert (diff <= 0).all()                                       # shadows only remove light
    changed = (diff != 0).any(-1)
    assert not changed[off.mask == 0].any()                        # the background is untouched
    assert (diff < -10).any(-1).sum() > 20                         # fingers / objects cast shadows
    assert changed.sum() < 0.5 * (off.mask > 0).sum()              # not a global darkening
    again = r.render(np.arange(6), seed=3)
    assert again.rgb.tobytes() == on.rgb.tobytes()                 # same seed, same bytes


@pytest.mark.parametrize("kw,match", [
    (dict(shadows="yes"), "shadows: value 'yes'"),
    (dict(shadow_map_size=16), "shadow_map_size: value 16"),
    (dict(shadow_map_size=64.5), "shadow_map_size: value 64.5"),
])
def test_config_errors_name_the_shadow_keys(kw, match):
    with pytest.raises(ConfigError, match=match):
        SceneConfig(**kw)


def test_yaml_shadow_keys():
    from handraster.config import ConfigError as YamlConfigError
    from handraster.config import load_config
    from handraster.config.scene_map import to_scene_config
    cfg = to_scene_config(load_config({"lights": {"shadows": True, "shadow_map_size": 128}}))
    assert cfg.shadows is True and cfg.shadow_map_size == 128
    assert to_scene_config(load_config()).shadows is False         # off by default (cost: BENCHMARKS.md)
    with pytest.raises(YamlConfigError, match="lights.shadows: value 'maybe'"):
        load_config({"lights": {"shadows": "maybe"}})
    with pytest.raises(YamlConfigError, match="lights.shadow_map_size: value 8"):
        load_config({"lights": {"shadow_map_size": 8}})
