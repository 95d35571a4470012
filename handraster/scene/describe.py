"""JSON-able per-sample parameters (RenderBatch.params) from the batch's scene and view row
trees (scene/sampling.py, scene/view_sampling.py): camera, lights, exposure, background, skin,
forearm and object of each sample, as plain Python lists / floats / ints / bools."""
from __future__ import annotations

import numpy as np

_BG_MODES = ("photo", "environment", "solid")
_SKIN_KEYS = ("back", "palm", "nail", "blotch_amp", "blotch_freq", "noise_seed", "roughness", "spec",
              "wrap", "crease", "sss_tint", "pool_id", "texture")
_FOREARM_KEYS = ("enabled", "sleeve", "length", "color_a", "color_b", "pattern", "freq", "mean_color")
_OBJECT_KEYS = ("kind", "size", "rot", "toward_camera", "offset", "color_a", "color_b", "pattern", "freq",
                "roughness", "random_color")


def _records(tree: dict, keys) -> list:
    """A row tree's arrays (those of `keys` it has) -> one dict of Python values per row."""
    present = [k for k in keys if k in tree]
    cols = [np.asarray(tree[k]).tolist() for k in present]
    return [dict(zip(present, row)) for row in zip(*cols)]


def describe_samples(cfg, sc: dict, vw: dict) -> list:
    """One JSON-able dict per sample: camera (fov_x_deg), lights (count, params: the count
    kernel lights' 12 values each), exposure, ambient, background (mode name, id, name, affine,
    param), skin, forearm and object (None without one) parameters."""
    W = cfg.resolution[1]
    fov = np.degrees(2 * np.arctan(W / 2 / vw["K"][:, 0, 0].astype(np.float64))).tolist()
    bg = vw["background"]
    lights = vw["lights"].tolist()
    present = sc["object"]["present"].tolist()
    rows = zip(fov, vw["n_lights"].tolist(), lights, vw["exposure"].tolist(), vw["ambient"].tolist(),
               bg["mode"].tolist(), bg["id"].tolist(), bg["name"], bg["affine"].tolist(), bg["param"].tolist(),
               _records(sc["skin"], _SKIN_KEYS), _records(sc["forearm"], _FOREARM_KEYS),
               _records(sc["object"], _OBJECT_KEYS), present)
    return [dict(camera=dict(fov_x_deg=f), lights=dict(count=nl, params=L[:nl]), exposure=ex, ambient=am,
                 background=dict(mode=_BG_MODES[m], id=i, name=name, affine=A, param=P),
                 skin=skin, forearm=fa, object=obj if has else None)
            for f, nl, L, ex, am, m, i, name, A, P, skin, fa, obj, has in rows]
