"""Random plausible hand poses within the default hand's joint limits.

The sampler draws a few latent quantities per hand and maps them to joint angles
(flexion, abduction, twist; poses/axes.py), the way hands actually move:
  grip g in [0, 1]           how closed the hand is overall;
  curl c_f per finger        g plus a finger-specific deviation; the ring finger follows
                             the middle finger and the pinky the ring finger (shared tendons);
                             with probability INDEPENDENT_P a finger moves on its own
                             (pointing, counting gestures);
  along a finger             MCP ~ 90 deg x c, PIP ~ 105 deg x c, DIP ~ 2/3 PIP (coupled);
  spread s in [-1, 1]        fingers fan out (s > 0) or close together (s < 0, adjacent
                             fingers parallel, which keeps them from crossing); curled
                             fingers converge toward their position in a fist;
  thumb                      opposition o (CMC flexion, palmar abduction, pronation) and
                             flexion t of MCP and IP, t correlated with the grip.
Everything is clipped into limits.LIMITS. Finger-finger penetration is rare (measured in
python_tests/test_poses.py with poses/contact.py); ``max_penetration`` re-draws the poses
that exceed it.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from handraster.poses.axes import angles_to_pose, default_frames
from handraster.poses.limits import clip_angles

INDEPENDENT_P = 0.15
# per finger in MANO order (index, middle, pinky, ring): abduction (deg) when the fingers are
# fully together (s = -1), fully spread (s = +1) and in a fist
_TOGETHER = np.array([-15.0, 0.0, 15.0, 9.0])
_SPREAD = np.array([12.0, 0.0, -15.0, -8.0])
_FIST = np.array([-6.0, 0.0, 10.0, 4.0])


def _finger_curls(n: int, rng: np.random.Generator, g: np.ndarray) -> np.ndarray:
    """Curl [n, 4] in [0, 1] of index, middle, pinky, ring (MANO order)."""
    own = np.clip(g[:, None] + rng.normal(0, 0.18, (n, 4)), 0, 1)
    c = np.empty((n, 4))
    c[:, 0], c[:, 1] = own[:, 0], own[:, 1]
    c[:, 3] = 0.6 * c[:, 1] + 0.4 * own[:, 3]              # ring follows middle
    c[:, 2] = 0.6 * c[:, 3] + 0.4 * own[:, 2]              # pinky follows ring
    solo = rng.random((n, 4)) < INDEPENDENT_P
    # a fixed number of draws per hand (not one per solo finger): row r's values then depend on
    # row r's stream alone (the renderer draws a batch with one stream per row, scene/draws.py)
    return np.where(solo, rng.random((n, 4)), c)


def sample_anatomical_angles(n: int, rng: Optional[np.random.Generator] = None) -> np.ndarray:
    """(flex, abd, twist) angles [n, 15, 3] float64 radians (MANO joint order) of n random
    plausible poses within the joint limits."""
    rng = np.random.default_rng() if rng is None else rng
    g = np.where(rng.random(n) < 0.25, rng.uniform(0, 0.25, n), rng.random(n))
    c = _finger_curls(n, rng, g)
    a = np.zeros((n, 5, 3, 3))                              # finger, joint, (flex, abd, twist)
    a[:, :4, 0, 0] = 90 * c * rng.uniform(0.6, 1.05, (n, 4)) + rng.normal(0, 5, (n, 4))
    a[:, :4, 1, 0] = 105 * c * rng.uniform(0.7, 1.05, (n, 4)) + rng.normal(0, 5, (n, 4))
    a[:, :4, 2, 0] = 0.65 * a[:, :4, 1, 0] + rng.normal(0, 6, (n, 4))
    s = rng.uniform(-1, 1, n)[:, None]
    abd = np.where(s < 0, -s * _TOGETHER, s * _SPREAD)
    a[:, :4, 0, 1] = (1 - c) * abd + c * _FIST + rng.normal(0, 2, (n, 4))
    a[:, :4, 0, 2] = rng.normal(0, 3, (n, 4))
    a[:, :4, 1:, 1:] = rng.normal(0, 1, (n, 4, 2, 2))

    o = rng.random(n)
    t = np.clip(0.5 * g + 0.5 * rng.random(n), 0, 1)
    a[:, 4, 0] = np.stack([-10 + 50 * o + rng.normal(0, 6, n),       # CMC flexion across the palm
                           -12 + 25 * o + 25 * g + rng.normal(0, 6, n),  # palmar abduction
                           25 * o + rng.normal(0, 6, n)], 1)         # pronation
    a[:, 4, 1, 0] = 50 * t + rng.normal(0, 6, n)
    a[:, 4, 2, 0] = 60 * t + rng.normal(0, 8, n)
    a[:, 4, 1:, 1:] = rng.normal(0, 2, (n, 2, 2))
    return clip_angles(np.radians(a.reshape(n, 15, 3)))


def sample_anatomical(n: int, rng: Optional[np.random.Generator] = None, side: str = "right",
                      max_penetration: Optional[float] = None) -> np.ndarray:
    """n random plausible poses as hand_pose [n, 45] float32 axis-angle (flat-hand relative,
    MANO joint order) for the built-in hand of ``side``.

    max_penetration (metres, e.g. 0.003): re-draw poses whose finger-finger penetration
    (poses/contact.py, on the mean shape) exceeds it; None keeps every draw."""
    rng = np.random.default_rng() if rng is None else rng
    frames = default_frames(side)
    angles = sample_anatomical_angles(n, rng)
    if max_penetration is not None:
        from handraster.models.loaders import load_model
        from handraster.poses.contact import build_capsules, penetration_depth
        model = load_model("default", side=side)
        caps = build_capsules(model)
        bad = np.arange(n)
        for _ in range(50):
            out = model.forward(hand_pose=angles_to_pose(angles[bad], frames))
            d = penetration_depth(model, out.vertices, out.joints, caps)
            bad = bad[d > max_penetration]
            if len(bad) == 0:
                break
            angles[bad] = sample_anatomical_angles(len(bad), rng)
    return angles_to_pose(angles, frames)
