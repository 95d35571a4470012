"""The shade op's background rows at renderer-like widths (kernels/background.h) against the
numpy twin: environment rows whose equirect coordinates are interpolated between exact grid
points (and exact near the seam and the poles), photo rows, and rows whose covered pixels
are shaded over the background."""
import numpy as np

from handraster import _C
from handraster._reference import shade as ref
from handraster.scene.renderer import lin2srgb_lut


def _rot(axis, angle):
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    K = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * K + (1 - np.cos(angle)) * K @ K


def _env_args(rng, rots, H, W, f=180.0):
    """Nothing covered; environment backgrounds seen through cameras rotated by rots."""
    B = len(rots)
    h, w = 32, 64  # a smooth-ish HDR environment (a few bright texels above soft_clip's knee)
    env = rng.random((h, w, 3)).astype(np.float32) * 0.8
    env[3, 5] = [4.0, 3.0, 2.5]
    mat = np.zeros((B, 40), np.float32)
    mat[:, 25] = 1.0
    Kinv = np.linalg.inv(np.array([[f, 0, W / 2], [0, f, H / 2], [0, 0, 1.0]]))
    return dict(
        rast=np.zeros((B, H, W, 4), np.float32), tri=np.zeros((1, 3), np.int32),
        p_cam=np.zeros((B, 3, 3), np.float32), nrm=np.zeros((B, 3, 3), np.float32),
        vattr=np.zeros((3, 9), np.float32), vblotch=np.ones((B, 3), np.float32),
        vlabel=np.ones(3, np.uint8), mat=mat, lights=np.zeros((B, 5, 12), np.float32),
        nlights=np.zeros(B, np.int32), sh=np.zeros((B, 9, 3), np.float32),
        sh_rot=np.tile(np.eye(3, dtype=np.float32), (B, 1, 1)),
        bg_mode=np.ones(B, np.int32), bg_id=np.zeros(B, np.int32),
        bg_affine=np.zeros((B, 2, 3), np.float32),
        bg_param=np.tile(np.array([0, 0, 0, 0.9, 2.0, 0, 0, 0], np.float32), (B, 1)),
        Kinv=np.tile(Kinv, (B, 1, 1)).astype(np.float32),
        env_rot=np.stack(rots).astype(np.float32),
        pool=np.zeros(4, np.int32), pool_off=np.zeros(1, np.int64), pool_hw=np.array([[2, 2]], np.int32),
        env=env.ravel(), env_off=np.zeros(1, np.int64), env_hw=np.array([[h, w]], np.int32),
        lin2srgb=lin2srgb_lut(),
        rgb=np.empty((B, H, W, 3), np.uint8), depth=np.empty((B, H, W), np.float32),
        mask=np.empty((B, H, W), np.uint8))


def test_env_rows_match_reference_at_horizon_seam_and_poles():
    # W = 300: whole 16-pixel segments (quadratic coordinates), a second 256-pixel grid block
    # and a partial last segment (exact). Cameras: looking along +z (identity), where the
    # equirect seam (x wraps) runs down the middle of the image; along -z; tilted so the rows
    # pass next to the zenith and the nadir (|d.y| > 0.9: exact per pixel); nearly straight up
    # (rows within a pixel of the pole, not through it: at the pole itself the float32 ray and
    # the twin's float64 one give any x, before the interpolation too); rolled.
    rng = np.random.default_rng(11)
    H, W = 24, 300
    rots = [np.eye(3), _rot([0, 1, 0], np.pi), _rot([1, 0, 0], 1.2), _rot([1, 0, 0], -1.3),
            _rot([1, 0, 0], np.pi / 2 - 0.003), _rot([0.3, 1, 0.2], 2.0) @ _rot([0, 0, 1], 0.4)]
    a = _env_args(rng, rots, H, W)
    _C.shade(a, H, W)
    rgb, depth, mask = ref.shade(a, H, W)
    assert (a["mask"] == 0).all() and np.allclose(a["depth"], 2.0)
    diff = np.abs(a["rgb"].astype(int) - rgb.astype(int))
    assert diff.max() <= 1, diff.max()
    assert (diff > 0).mean() < 0.02, (diff > 0).mean()  # quadratic coordinates: 1-level flips at LUT steps


def test_env_seam_columns_are_continuous():
    # the seam runs down the middle of the image (camera looking along +z): no column of wrong
    # colours there, i.e. the native row equals the twin next to the wrap too
    rng = np.random.default_rng(12)
    H, W = 8, 256
    a = _env_args(rng, [np.eye(3)], H, W, f=60.0)
    _C.shade(a, H, W)
    rgb, _, _ = ref.shade(a, H, W)
    diff = np.abs(a["rgb"].astype(int) - rgb.astype(int)).max(-1)
    assert diff.max() <= 1, np.argwhere(diff > 1)[:5]


def test_photo_rows_fixed_point_exactly_at_the_edges():
    # photo rows fetch each row's texel pair with one 64-bit load (x0 kept <= w - 2): the bytes
    # equal the fixed-point bilinear (the twin's integer version) everywhere, the clamped right and
    # bottom edges and a 1-pixel-wide photo included. The affine offsets are exact in 16.16.
    rng = np.random.default_rng(13)
    H, W = 9, 70  # a full 64-pixel chunk and a partial one
    shapes = [(5, 4), (3, 1), (6, 66)]
    imgs = [rng.integers(0, 256, (h, w, 4), dtype=np.uint8) for h, w in shapes]
    a = _env_args(rng, [np.eye(3)] * 3, H, W)
    a["bg_mode"][:] = 0
    a["bg_id"][:] = [0, 1, 2]
    a["pool"] = np.concatenate([i.reshape(-1, 4) for i in imgs]).view(np.int32).reshape(-1)
    a["pool_off"] = np.cumsum([0] + [h * w for h, w in shapes[:-1]]).astype(np.int64)
    a["pool_hw"] = np.array(shapes, np.int32)
    a["bg_affine"][:] = [[1.0, 0.0, 0.5], [0.0, 1.0, 0.25]]
    a["bg_affine"][2] = [[0.75, 0.0, 0.125], [0.0, 0.5, 0.5]]
    _C.shade(a, H, W)
    for b, img in enumerate(imgs):
        A = a["bg_affine"][b].astype(np.float64)
        for row in range(H):
            for col in range(W):
                xf = (A[0, 0] * col + A[0, 1] * row + A[0, 2]) * 65536
                yf = (A[1, 0] * col + A[1, 1] * row + A[1, 2]) * 65536
                want = ref.bilinear_rgba8_fixed(img, xf, yf)[:3]
                assert list(a["rgb"][b, row, col]) == want, (b, row, col)
