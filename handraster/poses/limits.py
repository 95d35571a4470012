"""Joint limits of the default hand, in its own anatomical axes (poses/axes.py).

Angles in degrees as (min, max) for (flexion, abduction, twist) of each joint:
  flexion    > 0 curls the finger toward the palm (the thumb toward the fingers);
  abduction  > 0 turns a finger toward the thumb side (radial); for the thumb, away from
             the palm plane (palmar abduction);
  twist      rotation about the bone, right-handed about the direction toward the tip.
Angles are relative to the default hand's rest pose (flat hand, fingers spread by about
10 deg each from the middle finger), so an index finger at -10 deg abduction touches the
middle finger. Ranges follow the usual active ranges of motion (e.g. MCP 0-90, PIP 0-110,
DIP 0-80 deg flexion; a little hyperextension), narrowed where the rest pose already uses
part of the range.
"""
from __future__ import annotations

import numpy as np

from handraster.poses.axes import FINGERS

JOINT_KINDS = {"index": ("mcp", "pip", "dip"), "middle": ("mcp", "pip", "dip"),
               "pinky": ("mcp", "pip", "dip"), "ring": ("mcp", "pip", "dip"),
               "thumb": ("cmc", "mcp", "ip")}

# finger -> joint -> ((flex min, max), (abd min, max), (twist min, max)), degrees
LIMITS = {
    "index": {"mcp": ((-25, 90), (-15, 20), (-10, 10)),
              "pip": ((-5, 110), (-5, 5), (-5, 5)),
              "dip": ((-10, 80), (-5, 5), (-5, 5))},
    "middle": {"mcp": ((-25, 90), (-15, 15), (-10, 10)),
               "pip": ((-5, 110), (-5, 5), (-5, 5)),
               "dip": ((-10, 80), (-5, 5), (-5, 5))},
    "ring": {"mcp": ((-25, 90), (-15, 15), (-10, 10)),
             "pip": ((-5, 110), (-5, 5), (-5, 5)),
             "dip": ((-10, 80), (-5, 5), (-5, 5))},
    "pinky": {"mcp": ((-25, 90), (-25, 20), (-10, 10)),
              "pip": ((-5, 110), (-5, 5), (-5, 5)),
              "dip": ((-10, 80), (-5, 5), (-5, 5))},
    "thumb": {"cmc": ((-20, 60), (-15, 55), (-15, 45)),
              "mcp": ((-10, 60), (-10, 10), (-10, 10)),
              "ip": ((-15, 85), (-5, 5), (-5, 5))},
}


def limits_array() -> np.ndarray:
    """[15, 3, 2] float64 radians in MANO joint order (index, middle, pinky, ring, thumb;
    proximal -> distal): limits_array()[j, k] = (min, max) of angle k of pose joint j."""
    out = [[LIMITS[f][kind][k] for k in range(3)] for f in FINGERS for kind in JOINT_KINDS[f]]
    return np.radians(np.array(out, np.float64))


def clip_angles(angles: np.ndarray) -> np.ndarray:
    """Angles [..., 15, 3] (radians) clipped into the limits."""
    L = limits_array()
    return np.clip(angles, L[..., 0], L[..., 1])


def within_limits(angles: np.ndarray, tol_deg: float = 1e-6) -> np.ndarray:
    """[...] bool: every angle of the pose lies within the limits (+- tol_deg)."""
    L = limits_array()
    tol = np.radians(tol_deg)
    a = np.asarray(angles)
    return ((a >= L[..., 0] - tol) & (a <= L[..., 1] + tol)).all(axis=(-1, -2))
