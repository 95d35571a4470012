"""Pose sources for the built-in hand: anatomical joint axes and limits, a named pose
library and a sampler of plausible random poses.

All poses are ``hand_pose`` arrays of 45 axis-angle values (MANO joint order, relative to
the flat hand), usable with any MANO-format model; the angles behind them are expressed in
the default hand's own anatomical axes (see poses/axes.py).
"""
from handraster.poses.anatomical import sample_anatomical, sample_anatomical_angles
from handraster.poses.axes import angles_to_pose, default_frames, joint_frames
from handraster.poses.library import POSE_NAMES, POSES, get_pose, pose_angles
from handraster.poses.limits import LIMITS, clip_angles, limits_array, within_limits

__all__ = ["sample_anatomical", "sample_anatomical_angles", "angles_to_pose", "joint_frames",
           "default_frames", "POSES", "POSE_NAMES", "get_pose", "pose_angles", "LIMITS",
           "limits_array", "clip_angles", "within_limits"]
