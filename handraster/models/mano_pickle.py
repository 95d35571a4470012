"""Reading the official MANO pickles without chumpy (or scipy) installed.

MANO_RIGHT.pkl / MANO_LEFT.pkl hold chumpy ``Ch`` objects (shapedirs, and in some releases
others) and a scipy sparse J_regressor. chumpy does not import on current Python/numpy, so
the unpickler maps every chumpy class to a stand-in that keeps the pickled state, and scipy
sparse matrices to one that densifies from (data, indices, indptr, shape). Plain numpy
arrays pass through untouched.
"""
from __future__ import annotations

import pickle

import numpy as np


class _ChumpyStandIn:
    """Holds a chumpy object's pickled state; ``value()`` is its array (Ch keeps it in 'x')."""

    def __init__(self, *a, **k):
        self.__dict__["_state"] = {}

    def __setstate__(self, state):
        self.__dict__["_state"] = state if isinstance(state, dict) else {"x": state}

    def value(self):
        s = self._state
        for key in ("x", "a", "r"):
            if key in s and not isinstance(s[key], _ChumpyStandIn):
                return np.asarray(s[key])
        for v in s.values():
            if isinstance(v, np.ndarray):
                return v
            if isinstance(v, _ChumpyStandIn):
                return v.value()
        raise ValueError("a chumpy object without an array value")


class _SparseStandIn:
    """A scipy sparse matrix's pickled state (csc/csr/coo); ``value()`` densifies it."""

    fmt = "csc"

    def __init__(self, *a, **k):
        self.__dict__["_state"] = {}

    def __setstate__(self, state):
        self.__dict__["_state"] = state

    def value(self):
        s = self._state
        shape = tuple(s.get("_shape", s.get("shape")))
        out = np.zeros(shape, np.float64)
        fmt = s.get("format", self.fmt)
        if fmt in ("csc", "csr"):
            data, ind, ptr = np.asarray(s["data"]), np.asarray(s["indices"]), np.asarray(s["indptr"])
            for k in range(len(ptr) - 1):
                sl = slice(ptr[k], ptr[k + 1])
                if fmt == "csc":
                    out[ind[sl], k] = data[sl]
                else:
                    out[k, ind[sl]] = data[sl]
        elif fmt == "coo":
            out[np.asarray(s["row"]), np.asarray(s["col"])] = np.asarray(s["data"])
        else:
            raise ValueError(f"unsupported sparse format {fmt!r}")
        return out


def _sparse_class(fmt):
    return type(f"_Sparse_{fmt}", (_SparseStandIn,), {"fmt": fmt})


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module.split(".")[0] == "chumpy":
            return _ChumpyStandIn
        if module.startswith("scipy.sparse") and name.endswith("_matrix") or \
                module.startswith("scipy.sparse") and name.endswith("_array"):
            return _sparse_class(name.split("_")[0])
        return super().find_class(module, name)


def plain(v):
    """Stand-ins -> numpy arrays; everything else unchanged."""
    if isinstance(v, (_ChumpyStandIn, _SparseStandIn)):
        return v.value()
    return v


def load_pickle(path) -> dict:
    """The pickle at ``path`` as a dict of plain values (latin1, as MANO's py2 pickles need)."""
    with open(path, "rb") as f:
        obj = _Unpickler(f, encoding="latin1").load()
    if not isinstance(obj, dict):
        raise ValueError(f"expected a dict of model arrays, found a {type(obj).__name__}")
    return {k: plain(v) for k, v in obj.items()}
