"""handraster.analysis: metrics (FreiHAND / HaMeR definitions), occlusion labels, skeleton
label adaptation, model fitting and the NIMBLE loader.

The numpy-only parts import eagerly; ``fit_model`` / ``FitResult`` (torch) load on first use.
"""
from handraster.analysis.evaluation import EvalResult, evaluate, load_points
from handraster.analysis.metrics import (auc_pck, f_score, mpjpe, mpvpe, pa_mpjpe, pa_mpvpe, pck,
                                         sta_mpjpe)
from handraster.analysis.nimble import load_nimble
from handraster.analysis.occlusion import OcclusionLabels, occlusion_labels, occlusion_labels_batch
from handraster.analysis.procrustes import procrustes_align, similarity_transform
from handraster.analysis.regressor import learn_joint_regressor, regress_joints, regressor_error

__all__ = ["mpjpe", "mpvpe", "pa_mpjpe", "pa_mpvpe", "sta_mpjpe", "pck", "auc_pck", "f_score",
           "procrustes_align", "similarity_transform", "evaluate", "EvalResult", "load_points",
           "occlusion_labels", "occlusion_labels_batch", "OcclusionLabels", "learn_joint_regressor",
           "regress_joints", "regressor_error", "load_nimble", "fit_model", "FitResult"]


def __getattr__(name):
    if name in ("fit_model", "FitResult"):
        from handraster.analysis import fitting
        return getattr(fitting, name)
    raise AttributeError(f"module 'handraster.analysis' has no attribute {name!r}")
