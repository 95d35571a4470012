"""Joint orders (DESIGN.md "Joints"): the one place the index maps live.

Internal order (21): MANO's 16 joints - 0 wrist; 1-3 index; 4-6 middle; 7-9 pinky; 10-12
ring; 13-15 thumb (each proximal -> distal) - then the tips thumb, index, middle, ring, pinky.
Written annotations use the OpenPose/FreiHAND order: wrist, thumb 1-4, index 1-4, middle 1-4,
ring 1-4, pinky 1-4.
"""
from __future__ import annotations

import numpy as np

NUM_JOINTS_MANO = 16
NUM_JOINTS = 21

# MANO_RIGHT's fingertip vertex ids (thumb, index, middle, ring, pinky), as used by HaMeR and
# most MANO code bases.
MANO_TIP_IDS = (745, 317, 444, 556, 673)

MANO_PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14)

_TO_OPENPOSE = (0, 13, 14, 15, 16, 1, 2, 3, 17, 4, 5, 6, 18, 10, 11, 12, 19, 7, 8, 9, 20)

JOINT_NAMES = (
    "wrist", "index1", "index2", "index3", "middle1", "middle2", "middle3",
    "pinky1", "pinky2", "pinky3", "ring1", "ring2", "ring3", "thumb1", "thumb2", "thumb3",
    "thumb_tip", "index_tip", "middle_tip", "ring_tip", "pinky_tip",
)

# Finger of each internal joint (0 = wrist/palm, 1 thumb, 2 index, 3 middle, 4 ring, 5 pinky).
JOINT_FINGER = (0, 2, 2, 2, 3, 3, 3, 5, 5, 5, 4, 4, 4, 1, 1, 1, 1, 2, 3, 4, 5)


def to_openpose() -> np.ndarray:
    """Index map: internal order -> OpenPose order (joints_op = joints[to_openpose()])."""
    return np.array(_TO_OPENPOSE, dtype=np.int64)


def from_openpose() -> np.ndarray:
    """Inverse map: OpenPose order -> internal order."""
    inv = np.empty(NUM_JOINTS, np.int64)
    inv[np.array(_TO_OPENPOSE)] = np.arange(NUM_JOINTS)
    return inv


OPENPOSE_NAMES = tuple(JOINT_NAMES[i] for i in _TO_OPENPOSE)
# Bones of the OpenPose skeleton (parent, child), for drawing.
OPENPOSE_BONES = tuple((0 if c % 4 == 1 else c - 1, c) for c in range(1, NUM_JOINTS))
