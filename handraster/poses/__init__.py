"""Pose sources: anatomical joint axes and limits of the built-in hand, a named pose library,
a sampler of plausible random poses, readers of real pose files (FreiHAND, MANO npz, HaMeR,
GraspXL), interpolation between real poses, PCA-space sampling, VAE-prior sampling and
closed-form IK from 21 joints (pose_from_joints).

All poses are ``hand_pose`` arrays of 45 axis-angle values (MANO joint order, relative to
the flat hand), usable with any MANO-format model; the angles behind them are expressed in
the default hand's own anatomical axes (see poses/axes.py).
"""
from handraster.poses.anatomical import sample_anatomical, sample_anatomical_angles
from handraster.poses.axes import angles_to_pose, default_frames, joint_frames
from handraster.poses.ik import pose_from_joints
from handraster.poses.library import POSE_NAMES, POSES, get_pose, pose_angles
from handraster.poses.limits import LIMITS, clip_angles, limits_array, within_limits
from handraster.poses.resample import PosePCA, interpolate, prior_poses
from handraster.poses.sources import (PoseSet, read_freihand_mano, read_graspxl, read_hamer_npz,
                                      read_mano_npz, read_poses)

__all__ = ["sample_anatomical", "sample_anatomical_angles", "angles_to_pose", "joint_frames",
           "default_frames", "POSES", "POSE_NAMES", "get_pose", "pose_angles", "LIMITS",
           "limits_array", "clip_angles", "within_limits", "PoseSet", "read_poses", "read_freihand_mano",
           "read_mano_npz", "read_hamer_npz", "read_graspxl", "interpolate", "PosePCA", "prior_poses",
           "pose_from_joints"]
