"""handraster.poses on the built-in hand: axes, limits, named poses, the anatomical sampler
and the finger-finger penetration rate."""
from __future__ import annotations

import numpy as np
import pytest
from _hand_util import default_hand, hand_cache, palm_point  # noqa: F401  (pytest fixtures)

from handraster.models.mirror import mirror_pose
from handraster.poses import (POSE_NAMES, angles_to_pose, default_frames, get_pose, limits_array,
                              pose_angles, sample_anatomical, sample_anatomical_angles, within_limits)
from handraster.poses.contact import build_capsules, penetration_depth

# (thumb, index, middle, ring, pinky) fingertip -> palm distance: True = must fall by more
# than 1.5 cm (0.4 cm for "relaxed"), False = must stay within 1 cm, None = not checked.
EXPECTED_CURL = {
    "flat": (False, False, False, False, False),
    "relaxed": (True, True, True, True, True),
    "fist": (True, True, True, True, True),
    "point": (True, False, True, True, True),
    "pinch": (True, True, True, True, True),
    "ok": (True, True, False, False, False),
    "grasp-cylinder": (True, True, True, True, True),
    "grasp-sphere": (None, True, True, True, True),   # the thumb opposes: moves away from the palm
}


def test_frames_are_rotations_and_flexion_curls_toward_the_palm(default_hand):  # noqa: F811
    F = default_frames()
    np.testing.assert_allclose(np.einsum("jab,jac->jbc", F, F), np.tile(np.eye(3), (16, 1, 1)), atol=1e-9)
    np.testing.assert_allclose(np.linalg.det(F), 1.0, atol=1e-9)
    rest = default_hand.forward().joints[0]
    for j in range(15):                         # a positive flexion of any finger joint ...
        a = np.zeros((15, 3))
        a[j, 0] = np.radians(40)
        out = default_hand.forward(hand_pose=angles_to_pose(a)[None]).joints[0]
        tip = 16 + (1, 2, 4, 3, 0)[j // 3]
        if j < 12:                              # ... moves index..pinky tips to the palm side
            assert out[tip, 1] < rest[tip, 1] - 0.01, j
        else:                                   # ... and the thumb tip toward the fingers (-z)
            assert out[tip, 2] < rest[tip, 2] - 0.005, j


def test_single_angle_is_exact_axis_angle():
    F = default_frames()
    a = np.zeros((15, 3))
    a[4, 1] = 0.3
    np.testing.assert_allclose(angles_to_pose(a).reshape(15, 3)[4], 0.3 * F[5][:, 1], atol=1e-6)
    assert angles_to_pose(np.zeros((7, 45))).shape == (7, 45)


def test_mano_convention_rotation_about_z_flexes(default_hand):  # noqa: F811
    """A MANO-style pose (+z rotation of the finger joints) curls the default hand too."""
    pose = np.zeros((1, 15, 3), np.float32)
    pose[0, :12, 2] = 0.8
    out = default_hand.forward(hand_pose=pose.reshape(1, 45)).joints[0]
    rest = default_hand.forward().joints[0]
    palm = palm_point(rest)
    for tip in (17, 18, 19, 20):
        assert np.linalg.norm(out[tip] - palm) < np.linalg.norm(rest[tip] - palm) - 0.015


def test_limits_table():
    L = limits_array()
    assert L.shape == (15, 3, 2) and (L[..., 0] < L[..., 1]).all()
    assert (L[..., 0] <= 0).all() and (L[..., 1] >= 0).all()        # the flat hand is allowed


@pytest.mark.parametrize("name", POSE_NAMES)
def test_named_pose_bends_the_expected_fingers(default_hand, name):  # noqa: F811
    assert within_limits(pose_angles(name))
    pose = get_pose(name)
    assert pose.shape == (45,) and pose.dtype == np.float32 and np.isfinite(pose).all()
    out = default_hand.forward(hand_pose=np.stack([np.zeros(45, np.float32), pose]))
    J = np.asarray(out.joints, np.float64)
    palm = palm_point(J[0])
    change = np.linalg.norm(J[1, 16:21] - palm, axis=1) - np.linalg.norm(J[0, 16:21] - palm, axis=1)
    need = 0.004 if name == "relaxed" else 0.015
    for f, expect in enumerate(EXPECTED_CURL[name]):
        if expect is True:
            assert change[f] < -need, (name, f, change)
        elif expect is False:
            assert abs(change[f]) < 0.01, (name, f, change)
    depth = penetration_depth(default_hand, out.vertices[1:], out.joints[1:])
    assert depth[0] < 0.0015, (name, depth)


def test_unknown_pose_name():
    with pytest.raises(KeyError, match="known poses"):
        get_pose("wave")


def test_sampler_within_limits_deterministic_and_correlated():
    a = sample_anatomical_angles(2000, np.random.default_rng(3))
    assert a.shape == (2000, 15, 3) and within_limits(a).all()
    np.testing.assert_array_equal(a, sample_anatomical_angles(2000, np.random.default_rng(3)))
    b = sample_anatomical(16, np.random.default_rng(7))
    np.testing.assert_array_equal(b, sample_anatomical(16, np.random.default_rng(7)))
    assert b.shape == (16, 45) and b.dtype == np.float32
    flex = a[..., 0]
    for f in range(4):                                   # flexion correlated along a finger
        mcp, pip, dip = flex[:, 3 * f], flex[:, 3 * f + 1], flex[:, 3 * f + 2]
        assert np.corrcoef(pip, dip)[0, 1] > 0.8
        assert np.corrcoef(mcp, pip)[0, 1] > 0.5
    assert np.corrcoef(flex[:, 4], flex[:, 10])[0, 1] > 0.6     # middle and ring move together
    assert flex[:, :12].std() > np.radians(20)                  # and the poses do vary


def test_left_samples_are_mirrored():
    r = sample_anatomical(8, np.random.default_rng(5))
    left = sample_anatomical(8, np.random.default_rng(5), side="left")
    np.testing.assert_allclose(left, mirror_pose(r), atol=1e-6)


def test_penetration_measure_detects_crossing(default_hand):  # noqa: F811
    a = np.zeros((2, 15, 3))
    a[1, 0, 1] = np.radians(-40)                 # index swung through the middle finger
    out = default_hand.forward(hand_pose=angles_to_pose(a))
    d = penetration_depth(default_hand, out.vertices, out.joints)
    assert d[0] == 0.0 and d[1] > 0.005


def test_random_poses_rarely_self_intersect(default_hand):  # noqa: F811
    """200 random poses: finger-finger penetration deeper than 3 mm in at most 5% of them
    (measured: 2.5% for seed 0, deepest 5.6 mm); with max_penetration none exceeds it."""
    caps = build_capsules(default_hand)
    pose = sample_anatomical(200, np.random.default_rng(0))
    out = default_hand.forward(hand_pose=pose)
    d = penetration_depth(default_hand, out.vertices, out.joints, caps)
    rate = float((d > 0.003).mean())
    print(f"penetration > 3 mm: {rate:.3f} of 200 poses; deepest {d.max() * 1000:.1f} mm")
    assert rate <= 0.05
    pose = sample_anatomical(100, np.random.default_rng(1), max_penetration=0.003)
    out = default_hand.forward(hand_pose=pose)
    assert penetration_depth(default_hand, out.vertices, out.joints, caps).max() <= 0.003
