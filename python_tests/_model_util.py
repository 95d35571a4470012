"""Small random MANO-format models for tests (no licensed data): the same keys and array
layouts as MANO_RIGHT.pkl, with random but well-formed values."""
from __future__ import annotations

import pickle
import sys
import types

import numpy as np

MANO_PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14)


def random_mano_dict(V=120, S=10, seed=0, posedirs=True):
    """A dict in MANO's pickle schema: a blob of vertices around 16 joint centres."""
    rng = np.random.default_rng(seed)
    J = 16
    centres = rng.normal(size=(J, 3)) * 0.04
    owner = rng.integers(0, J, V)
    v = centres[owner] + rng.normal(size=(V, 3)) * 0.01
    w = rng.random((V, J)) ** 4
    w[np.arange(V), owner] += 2.0
    w /= w.sum(1, keepdims=True)
    Jr = np.zeros((J, V))
    for j in range(J):
        ids = np.flatnonzero(owner == j)
        if len(ids) == 0:
            ids = rng.integers(0, V, 3)
        Jr[j, ids] = rng.random(len(ids)) + 0.1
    Jr /= Jr.sum(1, keepdims=True)
    d = {
        "v_template": v,
        "shapedirs": rng.normal(size=(V, 3, S)) * 0.005,
        "posedirs": (rng.normal(size=(V, 3, 135)) * 0.003) if posedirs else np.zeros((V, 3, 135)),
        "J_regressor": Jr,
        "weights": w,
        "kintree_table": np.stack([np.array([4294967295] + list(MANO_PARENTS[1:]), np.int64), np.arange(J)]),
        "f": rng.integers(0, V, (2 * V, 3)).astype(np.uint32),
        "hands_components": np.linalg.qr(rng.normal(size=(45, 45)))[0].T,
        "hands_mean": rng.normal(size=45) * 0.2,
        "hands_coeffs": rng.normal(size=(10, 12)),
        "tip_ids": np.array([3, 17, 29, 41, 53]) % V,
        "bs_style": "lbs",
        "bs_type": "lrotmin",
    }
    return d


def write_pickle(path, d, sparse_regressor=True, chumpy_shapedirs=False):
    """Write d like the official files: J_regressor as a scipy csc matrix and, optionally,
    shapedirs as a chumpy.ch.Ch object (pickled through a stand-in module so chumpy itself
    is not needed to write or read it)."""
    d = dict(d)
    if sparse_regressor:
        import scipy.sparse
        d["J_regressor"] = scipy.sparse.csc_matrix(d["J_regressor"])
    if chumpy_shapedirs:
        mod_ch = types.ModuleType("chumpy.ch")
        mod = types.ModuleType("chumpy")

        class Ch:  # pickled as chumpy.ch.Ch with its state dict, like chumpy's own objects
            pass

        Ch.__module__ = "chumpy.ch"
        Ch.__qualname__ = "Ch"
        mod_ch.Ch = Ch
        sys.modules["chumpy"], sys.modules["chumpy.ch"] = mod, mod_ch
        try:
            ch = Ch()
            ch.__dict__.update({"x": np.asarray(d["shapedirs"]), "_dirty_vars": set()})
            d["shapedirs"] = ch
            with open(path, "wb") as f:
                pickle.dump(d, f, protocol=2)
        finally:
            del sys.modules["chumpy"], sys.modules["chumpy.ch"]
        return path
    with open(path, "wb") as f:
        pickle.dump(d, f, protocol=2)
    return path


def random_model(V=120, S=10, seed=0, posedirs=True, **kw):
    """A HandModel straight from random_mano_dict (no file)."""
    from handraster.models.loaders import _from_dict
    m = _from_dict(random_mano_dict(V, S, seed, posedirs), "<random>", "random", "right")
    return m.with_options(**kw) if kw else m
