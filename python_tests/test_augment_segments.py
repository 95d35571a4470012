"""SegmentBank loading and composite_segments (gap paper Eq. 2) with label updates."""
import os

import numpy as np
import pytest
import torch
from PIL import Image

from handraster.augment import SegmentBank, composite_segments


def write_triple(folder, name, size, arm=True, obj=True, seed=0, ext=".png"):
    rng = np.random.default_rng(seed)
    h, w = size
    Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(os.path.join(folder, name + ext))
    a = np.zeros((h, w), np.uint8)
    a[h // 2:, : w // 2] = 255           # arm: bottom-left quarter
    o = np.zeros((h, w), np.uint8)
    o[: h // 2, w // 2:] = 200           # object: top-right quarter, soft (200/255)
    if arm:
        Image.fromarray(a).save(os.path.join(folder, name + "_arm.png"))
    if obj:
        Image.fromarray(o).save(os.path.join(folder, name + "_obj.png"))


def small_bank(M=3, H=8, W=10, seed=0):
    rng = np.random.default_rng(seed)
    imgs = [rng.integers(0, 256, (H, W, 3), dtype=np.uint8) for _ in range(M)]
    arms = [(rng.random((H, W)) * 255).astype(np.uint8) for _ in range(M)]
    objs = [(rng.random((H, W)) * 255).astype(np.uint8) for _ in range(M)]
    return SegmentBank(imgs, arms, objs)


def test_from_folder_loads_sorted_triples_and_resizes(tmp_path):
    write_triple(tmp_path, "b", (12, 16), seed=1)
    write_triple(tmp_path, "a", (20, 10), obj=False, seed=2, ext=".jpg")
    bank = SegmentBank.from_folder(str(tmp_path))
    assert len(bank) == 2 and bank.names == ["a", "b"]
    assert bank.images[0].shape == (20, 10, 3) and not bank.obj[0].any()  # missing mask = empty
    assert bank.arm[1][11, 0] == 255 and bank.obj[1][0, 15] == 200
    sized = SegmentBank.from_folder(str(tmp_path), size=(6, 8))
    assert all(im.shape == (6, 8, 3) for im in sized.images) and sized.obj[1].max() == 200


@pytest.mark.parametrize("setup,match", [
    (lambda d: write_triple(d, "x", (8, 8), arm=False, obj=False), "neither x_arm.png nor x_obj.png"),
    (lambda d: Image.fromarray(np.zeros((4, 4), np.uint8)).save(os.path.join(d, "y_arm.png")),
     "mask 'y_arm.png' has no photograph"),
    (lambda d: (write_triple(d, "z", (8, 8), obj=False),
                Image.fromarray(np.zeros((5, 8), np.uint8)).save(os.path.join(d, "z_obj.png"))),
     "mask 'z_obj.png' is 8x5 but its photograph 'z.png' is 8x8"),
    (lambda d: (open(os.path.join(d, "w.jpg"), "wb").write(b"not an image"),
                Image.fromarray(np.zeros((4, 4), np.uint8)).save(os.path.join(d, "w_arm.png"))),
     "cannot read .*w.jpg"),
    (lambda d: None, "no triples"),
])
def test_from_folder_errors(tmp_path, setup, match):
    setup(str(tmp_path))
    with pytest.raises(ValueError, match=match):
        SegmentBank.from_folder(str(tmp_path))


def test_not_a_folder_and_bad_arrays(tmp_path):
    with pytest.raises(ValueError, match="is not a folder"):
        SegmentBank.from_folder(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="arm mask of '0' must be uint8 \\[4, 4\\]"):
        SegmentBank([np.zeros((4, 4, 3), np.uint8)], [np.zeros((4, 5), np.uint8)], [np.zeros((4, 4), np.uint8)])


def test_formula_soft_masks_object_in_front():
    bank = small_bank()
    rgb = np.random.default_rng(5).random((4, 8, 10, 3)).astype(np.float32)
    res = composite_segments(rgb, bank, obj_index=[0, 1, 2, 0], arm_index=[2, 2, 1, 0])
    for b, (j, k) in enumerate(zip([0, 1, 2, 0], [2, 2, 1, 0])):
        mo = bank.obj[j] / 255.0
        ma = np.minimum(bank.arm[k] / 255.0, 1 - mo)
        want = ((1 - mo - ma)[..., None] * rgb[b] + mo[..., None] * bank.images[j] / 255.0
                + ma[..., None] * bank.images[k] / 255.0)
        np.testing.assert_allclose(res["rgb"][b], want, atol=1e-5)
        np.testing.assert_allclose(res["arm_alpha"][b], ma, atol=1e-6)
    assert res["rgb"].dtype == np.float32
    assert (res["obj_alpha"] + res["arm_alpha"]).max() <= 1.0 + 1e-6


def test_uint8_binary_and_pairings():
    bank = small_bank(M=3)
    rgb = np.random.default_rng(6).integers(0, 256, (5, 8, 10, 3), dtype=np.uint8)
    res = composite_segments(rgb, bank, ids=[3, 4, 5, 6, 7], binary=True)
    np.testing.assert_array_equal(res["obj_index"], [0, 1, 2, 0, 1])  # g mod M
    np.testing.assert_array_equal(res["arm_index"], res["obj_index"])
    assert res["rgb"].dtype == np.uint8 and set(np.unique(res["obj_alpha"])) <= {0.0, 1.0}
    covered = res["obj_alpha"][0] == 1
    np.testing.assert_array_equal(res["rgb"][0][covered], bank.images[0][covered])
    free = (res["obj_alpha"][0] == 0) & (res["arm_alpha"][0] == 0)
    np.testing.assert_array_equal(res["rgb"][0][free], rgb[0][free])
    r1 = composite_segments(rgb, bank, ids=[3, 4, 5, 6, 7], pairing="random", seed=11)
    r2 = composite_segments(rgb[2:3], bank, ids=[5], pairing="random", seed=11)
    assert r1["obj_index"][2] == r2["obj_index"][0] and r1["arm_index"][2] == r2["arm_index"][0]
    many = composite_segments(np.zeros((64, 8, 10, 3), np.uint8), bank, pairing="random", seed=1)
    assert set(many["obj_index"]) == {0, 1, 2} and (many["obj_index"] != many["arm_index"]).any()


def test_labels_mask_visibility_and_part_counts():
    H, W = 8, 10
    arm = np.zeros((H, W), np.uint8)
    arm[6:, :] = 255                          # bottom rows
    obj = np.zeros((H, W), np.uint8)
    obj[:2, 8:] = 255                         # top-right corner
    bank = SegmentBank([np.full((H, W, 3), 50, np.uint8)], [arm], [obj])
    mask = np.zeros((1, H, W), np.uint8)
    mask[0, 5:7, 2:4] = 3                     # index finger: 4 px, 2 of them under the arm
    mask[0, 1, 8] = 2                         # thumb: 1 px under the object
    mask[0, 3, 3] = 1                         # palm: free
    joints = np.zeros((1, 21, 2), np.float32)
    joints[0, :, :] = [3.5, 3.5]              # on the free palm pixel
    joints[0, 1] = [2.2, 6.9]                 # under the arm
    joints[0, 2] = [8.0, 1.0]                 # under the object
    joints[0, 3] = [-1.0, 7.0]                # outside the image: unchanged
    vis = np.ones((1, 21), bool)
    vis[0, 4] = False
    res = composite_segments({"rgb": np.zeros((1, H, W, 3), np.uint8), "mask": mask,
                              "joints2d": joints, "visibility": vis}, bank)
    m = res["mask"][0]
    assert (m[6:] == 7).all() and (m[:2, 8:] == 8).all() and m[3, 3] == 1 and m[5, 2] == 3
    assert mask[0, 6, 2] == 3  # input untouched
    want = np.ones(21, bool)
    want[[1, 2, 4]] = False
    np.testing.assert_array_equal(res["visibility"][0], want)
    np.testing.assert_array_equal(res["part_pixels"][0], [1, 1, 4, 0, 0, 0])
    np.testing.assert_array_equal(res["part_covered"][0], [0, 1, 2, 0, 0, 0])
    assert res["occlusion"][0] == pytest.approx(3 / 6)


def test_colour_variant_paints_hand_mean_and_random_object():
    H, W = 8, 10
    arm = np.zeros((H, W), np.uint8)
    arm[6:, :] = 255
    obj = np.zeros((H, W), np.uint8)
    obj[:2, :] = 255
    bank = SegmentBank([np.zeros((H, W, 3), np.uint8)], [arm], [obj])
    rgb = np.zeros((2, H, W, 3), np.float32)
    rgb[:, 3:5, 3:5] = [0.2, 0.4, 0.6]
    mask = np.zeros((2, H, W), np.uint8)
    mask[:, 3:5, 3:5] = 1
    res = composite_segments({"rgb": rgb, "mask": mask}, bank, variant="color", seed=4, ids=[0, 1])
    np.testing.assert_allclose(res["rgb"][0, 7, 0], [0.2, 0.4, 0.6], atol=1e-6)
    c0, c1 = res["rgb"][0, 0, 0], res["rgb"][1, 0, 0]
    assert (res["rgb"][0, :2] == c0).all() and not np.allclose(c0, c1)
    assert ((c0 > 0) & (c0 <= 1)).all()


def test_torch_matches_numpy():
    bank = small_bank()
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, (3, 8, 10, 3), dtype=np.uint8)
    mask = rng.integers(0, 7, (3, 8, 10), dtype=np.uint8)
    joints = rng.random((3, 21, 2)).astype(np.float32) * [10, 8]
    vis = np.ones((3, 21), bool)
    a = composite_segments({"rgb": rgb, "mask": mask, "joints2d": joints, "visibility": vis}, bank, seed=3,
                           pairing="random")
    t = composite_segments({"rgb": torch.from_numpy(rgb), "mask": torch.from_numpy(mask),
                            "joints2d": torch.from_numpy(joints), "visibility": torch.from_numpy(vis)},
                           bank, seed=3, pairing="random")
    assert t["rgb"].dtype == torch.uint8 and t["visibility"].dtype == torch.bool
    np.testing.assert_array_equal(t["rgb"].numpy(), a["rgb"])
    np.testing.assert_array_equal(t["mask"].numpy(), a["mask"])
    np.testing.assert_array_equal(t["visibility"].numpy(), a["visibility"])
    np.testing.assert_array_equal(t["part_covered"], a["part_covered"])


def test_bad_inputs():
    bank = small_bank()
    rgb = np.zeros((2, 8, 10, 3), np.float32)
    with pytest.raises(ValueError, match="rgb must be \\[B, H, W, 3\\]"):
        composite_segments(np.zeros((2, 3, 8, 10), np.float32), bank)
    with pytest.raises(ValueError, match="pairing must be"):
        composite_segments(rgb, bank, pairing="nearest")
    with pytest.raises(ValueError, match="variant must be"):
        composite_segments(rgb, bank, variant="blur")
    with pytest.raises(ValueError, match="obj_index must be \\[B\\] = \\[2\\] values in \\[0, 3\\)"):
        composite_segments(rgb, bank, obj_index=[0, 3])
    with pytest.raises(ValueError, match="mask must be \\[B, H, W\\]"):
        composite_segments({"rgb": rgb, "mask": np.zeros((2, 8, 9), np.uint8)}, bank)
    with pytest.raises(ValueError, match="visibility needs joints2d"):
        composite_segments({"rgb": rgb, "visibility": np.ones((2, 21), bool)}, bank)
