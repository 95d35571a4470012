"""Sub-meshes of a HandModel: drop labelled parts (e.g. the forearm) and re-index."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from handraster.models.validate import ModelError


def drop_parts(m, labels):
    """Model without the vertices whose vertex_parts is in ``labels`` and faces touching them.
    The J_regressor is renormalised over the kept vertices (rows that lose all their weight
    are an error: a joint would have no support)."""
    if m.vertex_parts is None:
        raise ModelError(f"model '{m.name}' has no vertex_parts; cannot drop parts {tuple(labels)}")
    keep = ~np.isin(m.vertex_parts, np.asarray(labels))
    if keep.all():
        return m
    new_id = np.full(m.num_vertices, -1, np.int64)
    new_id[keep] = np.arange(int(keep.sum()))
    fkeep = keep[m.faces].all(1)
    Jr = m.J_regressor[:, keep]
    rs = Jr.sum(1, keepdims=True)
    if (rs <= 0).any():
        raise ModelError(f"model '{m.name}': dropping parts {tuple(labels)} removes every vertex of a joint")
    Jr = Jr * (m.J_regressor.sum(1, keepdims=True) / rs)
    if (new_id[m.tip_ids] < 0).any():
        raise ModelError(f"model '{m.name}': dropping parts {tuple(labels)} removes a fingertip vertex")
    posedirs = None
    if m.posedirs is not None:
        P = m.posedirs.shape[0]
        posedirs = m.posedirs.reshape(P, -1, 3)[:, keep].reshape(P, -1)
    kw = dict(
        v_template=m.v_template[keep], shapedirs=m.shapedirs[keep], posedirs=posedirs,
        J_regressor=Jr, weights=m.weights[keep], faces=new_id[m.faces[fkeep]].astype(np.int32),
        tip_ids=new_id[m.tip_ids].astype(np.int32), vertex_parts=m.vertex_parts[keep],
        nail_mask=None if m.nail_mask is None else m.nail_mask[keep],
        faces_uv=None if m.faces_uv is None else m.faces_uv[fkeep],
        name=m.name + "-handonly",
    )
    return replace(m, **kw)
