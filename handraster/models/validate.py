"""Invariants of a HandModel, checked once at construction: one clear error naming the field
and what was expected, instead of a shape error deep inside a kernel."""
from __future__ import annotations

import numpy as np


class ModelError(ValueError):
    """A hand model (or model file) is malformed. The message names the file when known."""


def _req(cond: bool, msg: str):
    if not cond:
        raise ModelError(msg)


def validate_model(m) -> None:
    src = f"model '{m.name}'"
    for f in ("v_template", "shapedirs", "J_regressor", "weights", "parents", "faces"):
        _req(getattr(m, f) is not None, f"{src}: '{f}' is missing")
    m.v_template = np.ascontiguousarray(m.v_template, np.float32)
    _req(m.v_template.ndim == 2 and m.v_template.shape[1] == 3,
         f"{src}: v_template must be [V, 3], got {m.v_template.shape}")
    V = m.v_template.shape[0]
    m.shapedirs = np.ascontiguousarray(m.shapedirs, np.float32)
    _req(m.shapedirs.ndim == 3 and m.shapedirs.shape[:2] == (V, 3),
         f"{src}: shapedirs must be [V={V}, 3, S], got {m.shapedirs.shape}")
    m.J_regressor = np.ascontiguousarray(m.J_regressor, np.float32)
    _req(m.J_regressor.ndim == 2 and m.J_regressor.shape[1] == V,
         f"{src}: J_regressor must be [J, V={V}], got {m.J_regressor.shape}")
    J = m.J_regressor.shape[0]
    _req(1 <= J <= 32, f"{src}: the model must have 1..32 joints, J_regressor gives {J}")
    m.weights = np.ascontiguousarray(m.weights, np.float32)
    _req(m.weights.shape == (V, J), f"{src}: weights must be [V={V}, J={J}], got {m.weights.shape}")
    m.parents = np.ascontiguousarray(m.parents, np.int32).reshape(-1)
    _req(m.parents.shape == (J,), f"{src}: parents must have J={J} entries, got {m.parents.shape}")
    _req(m.parents[0] == -1, f"{src}: parents[0] must be -1 (root), got {m.parents[0]}")
    bad = [j for j in range(1, J) if not 0 <= m.parents[j] < j]
    _req(not bad, f"{src}: parents must list each joint's parent before it; bad joints {bad}")
    if m.posedirs is not None:
        m.posedirs = np.ascontiguousarray(m.posedirs, np.float32)
        _req(m.posedirs.shape == ((J - 1) * 9, V * 3),
             f"{src}: posedirs must be [(J-1)*9={(J - 1) * 9}, V*3={V * 3}], got {m.posedirs.shape}")
    m.faces = np.ascontiguousarray(m.faces, np.int32)
    _req(m.faces.ndim == 2 and m.faces.shape[1] == 3, f"{src}: faces must be [F, 3], got {m.faces.shape}")
    _req(m.faces.size == 0 or (m.faces.min() >= 0 and m.faces.max() < V),
         f"{src}: faces index vertices outside [0, {V})")
    m.tip_ids = np.ascontiguousarray(m.tip_ids, np.int32).reshape(-1)
    _req(m.tip_ids.shape == (5,) and m.tip_ids.min() >= 0 and m.tip_ids.max() < V,
         f"{src}: tip_ids must be 5 vertex ids in [0, {V}), got {m.tip_ids.tolist()}")
    if m.hands_mean is not None:
        m.hands_mean = np.ascontiguousarray(m.hands_mean, np.float32).reshape(-1)
        _req(m.hands_mean.shape == ((J - 1) * 3,),
             f"{src}: hands_mean must have (J-1)*3={(J - 1) * 3} values, got {m.hands_mean.shape}")
    if m.hands_components is not None:
        m.hands_components = np.ascontiguousarray(m.hands_components, np.float32)
        _req(m.hands_components.ndim == 2 and m.hands_components.shape[1] == (J - 1) * 3,
             f"{src}: hands_components must be [C, {(J - 1) * 3}], got {m.hands_components.shape}")
    if m.num_pca_comps:
        _req(m.hands_components is not None,
             f"{src}: num_pca_comps={m.num_pca_comps} but the model has no hands_components")
        _req(1 <= m.num_pca_comps <= m.hands_components.shape[0],
             f"{src}: num_pca_comps must be in 1..{m.hands_components.shape[0]}, got {m.num_pca_comps}")
    if m.uvs is not None:
        m.uvs = np.ascontiguousarray(m.uvs, np.float32)
        _req(m.faces_uv is not None, f"{src}: uvs given without faces_uv")
        m.faces_uv = np.ascontiguousarray(m.faces_uv, np.int32)
        _req(m.faces_uv.shape == m.faces.shape and m.faces_uv.max() < len(m.uvs),
             f"{src}: faces_uv must be [F, 3] indexing uvs")
    if m.vertex_parts is not None:
        m.vertex_parts = np.ascontiguousarray(m.vertex_parts, np.uint8).reshape(-1)
        _req(m.vertex_parts.shape == (V,), f"{src}: vertex_parts must have V={V} labels")
    _req(m.side in ("right", "left"), f"{src}: side must be 'right' or 'left', got {m.side!r}")
    for f in ("v_template", "shapedirs", "J_regressor", "weights"):
        _req(np.isfinite(getattr(m, f)).all(), f"{src}: {f} contains NaN or inf")
