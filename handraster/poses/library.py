"""Named hand poses for the default hand, as data.

Each pose gives, per finger, (flexion, abduction, twist) in degrees for its three joints
(proximal -> distal; the thumb's are CMC, MCP, IP) in the default hand's anatomical axes
(poses/axes.py, limits.py); fingers left out stay flat. ``get_pose(name)`` returns the
45 axis-angle values of ``hand_pose`` (relative to the flat hand, MANO's joint order).
The thumb angles were found by a search within the joint limits on the default hand, with
finger-finger penetration (poses/contact.py) kept under about 1 mm: pinch / OK minimise the
thumb-tip to index-tip distance; the fist's thumb lies across the index and middle fingers'
middle phalanges; the grasps put the thumb tip, IP and MCP joints on the surface of the
cylinder / sphere fitted to the curled fingers and the palm.
"""
from __future__ import annotations

import numpy as np

from handraster.poses.axes import FINGERS, angles_to_pose, default_frames

_CURL = ((85, 0, 0), (100, 0, 0), (55, 0, 0))   # a fully closed finger

POSES = {
    "flat": {},
    "relaxed": {
        "index": ((12, 0, 0), (18, 0, 0), (8, 0, 0)),
        "middle": ((16, 0, 0), (24, 0, 0), (10, 0, 0)),
        "ring": ((20, 0, 0), (28, 0, 0), (12, 0, 0)),
        "pinky": ((24, 0, 0), (30, 0, 0), (14, 0, 0)),
        "thumb": ((8, 10, 0), (10, 0, 0), (10, 0, 0)),
    },
    "fist": {
        "index": ((85, -6, 0), (100, 0, 0), (55, 0, 0)),
        "middle": _CURL,
        "ring": ((85, 4, 0), (100, 0, 0), (55, 0, 0)),
        "pinky": ((85, 10, 0), (100, 0, 0), (55, 0, 0)),
        "thumb": ((38.5, 0.7, 2.1), (10.3, 0, 0), (31.8, 0, 0)),
    },
    "point": {
        "index": ((0, 0, 0), (0, 0, 0), (0, 0, 0)),
        "middle": _CURL,
        "ring": ((85, 4, 0), (100, 0, 0), (55, 0, 0)),
        "pinky": ((85, 10, 0), (100, 0, 0), (55, 0, 0)),
        "thumb": ((38.5, 0.7, 2.1), (10.3, 0, 0), (31.8, 0, 0)),
    },
    "pinch": {
        "index": ((66, 0, 0), (48, 0, 0), (45, 0, 0)),
        "middle": ((40, 0, 0), (50, 0, 0), (25, 0, 0)),
        "ring": ((45, 0, 0), (55, 0, 0), (25, 0, 0)),
        "pinky": ((50, 0, 0), (55, 0, 0), (25, 0, 0)),
        "thumb": ((6.7, 15.9, -6.7), (8.6, 0, 0), (69.2, 0, 0)),
    },
    "ok": {
        "index": ((45, 0, 0), (60, 0, 0), (40, 0, 0)),
        "middle": ((5, -3, 0), (5, 0, 0), (3, 0, 0)),
        "ring": ((8, 0, 0), (8, 0, 0), (4, 0, 0)),
        "pinky": ((10, -5, 0), (10, 0, 0), (5, 0, 0)),
        "thumb": ((12, 7, 0.2), (8.6, 0, 0), (46.9, 0, 0)),
    },
    "grasp-cylinder": {
        "index": ((60, -3, 0), (70, 0, 0), (40, 0, 0)),
        "middle": ((60, 0, 0), (70, 0, 0), (40, 0, 0)),
        "ring": ((60, 3, 0), (70, 0, 0), (40, 0, 0)),
        "pinky": ((60, 6, 0), (70, 0, 0), (40, 0, 0)),
        "thumb": ((44.3, 6.8, 4.4), (56.5, 0, 0), (29, 0, 0)),
    },
    "grasp-sphere": {
        "index": ((35, 8, 0), (45, 0, 0), (30, 0, 0)),
        "middle": ((35, 2, 0), (45, 0, 0), (30, 0, 0)),
        "ring": ((35, -4, 0), (45, 0, 0), (30, 0, 0)),
        "pinky": ((35, -10, 0), (45, 0, 0), (30, 0, 0)),
        "thumb": ((-19.3, 45, 42.2), (28.5, 0, 0), (37.7, 0, 0)),
    },
}
POSE_NAMES = tuple(POSES)


def pose_angles(name: str) -> np.ndarray:
    """(flex, abd, twist) [15, 3] float64 radians of a named pose, MANO joint order."""
    if name not in POSES:
        raise KeyError(f"unknown pose {name!r}; known poses: {', '.join(POSE_NAMES)}")
    spec = POSES[name]
    a = np.zeros((5, 3, 3))
    for f, finger in enumerate(FINGERS):
        if finger in spec:
            a[f] = spec[finger]
    return np.radians(a.reshape(15, 3))


def get_pose(name: str, side: str = "right") -> np.ndarray:
    """hand_pose [45] float32 axis-angle (flat-hand relative, MANO joint order) of a named
    pose for the built-in hand of that side."""
    return angles_to_pose(pose_angles(name), default_frames(side))
