"""load_model / save_model: MANO-format files (official pickles, npz, a folder) and the
built-in hand."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

import numpy as np

from handraster.models.hand_model import HandModel
from handraster.models.joints import MANO_TIP_IDS
from handraster.models.validate import ModelError

_REQUIRED = ("v_template", "shapedirs", "J_regressor", "weights", "kintree_table", "f")
_BUILTIN = ("default", "default-right", "default-left")


def _from_dict(d: dict, src: str, name: str, side: str) -> HandModel:
    missing = [k for k in _REQUIRED if k not in d]
    if missing:
        raise ModelError(f"{src}: not a MANO-format model: missing key(s) {missing} "
                         f"(found {sorted(d)[:12]})")

    def arr(k, dt=np.float32):
        try:
            return np.asarray(d[k], dtype=dt)
        except (TypeError, ValueError) as e:
            raise ModelError(f"{src}: key '{k}' is not a numeric array ({e})") from None

    kin = arr("kintree_table", np.int64)
    if kin.ndim != 2 or kin.shape[0] != 2:
        raise ModelError(f"{src}: kintree_table must be [2, J], got {kin.shape}")
    parents = kin[0].copy()
    parents[0] = -1
    parents[parents > 2 ** 30] = -1  # MANO stores the root's parent as uint32 max
    posedirs = None
    if "posedirs" in d and d["posedirs"] is not None:
        pd = arr("posedirs")
        if pd.ndim != 3 or pd.shape[1] != 3:
            raise ModelError(f"{src}: posedirs must be [V, 3, P], got {pd.shape}")
        posedirs = pd.reshape(-1, pd.shape[2]).T  # smplx's [P, V*3]
    shapedirs = arr("shapedirs")
    if shapedirs.ndim != 3:
        raise ModelError(f"{src}: shapedirs must be [V, 3, S], got {shapedirs.shape}")
    opt = {}
    for k, dst in (("hands_components", "hands_components"), ("hands_mean", "hands_mean"),
                   ("uvs", "uvs"), ("faces_uv", "faces_uv"), ("vertex_parts", "vertex_parts"),
                   ("nail_mask", "nail_mask")):
        if k in d and d[k] is not None and np.size(d[k]) > 0:
            opt[dst] = np.asarray(d[k])
    nv = np.shape(d["v_template"])[0]
    if "tip_ids" in d:
        tips = np.asarray(d["tip_ids"], np.int32)
    elif nv == 778:
        tips = np.array(MANO_TIP_IDS, np.int32)
    else:
        raise ModelError(f"{src}: no 'tip_ids' key and not MANO's 778-vertex topology ({nv} vertices): "
                         "add tip_ids (5 fingertip vertex ids: thumb, index, middle, ring, pinky)")
    try:
        return HandModel(v_template=arr("v_template"), shapedirs=shapedirs, posedirs=posedirs,
                         J_regressor=arr("J_regressor"), weights=arr("weights"), parents=parents,
                         faces=arr("f", np.int64).astype(np.int32), tip_ids=tips, name=name, side=side, **opt)
    except ModelError as e:
        raise ModelError(f"{src}: {e}") from None


def _read_file(path: Path) -> dict:
    if not path.is_file():
        raise ModelError(f"{path}: model file not found")
    suffix = path.suffix.lower()
    try:
        if suffix == ".pkl":
            from handraster.models.mano_pickle import load_pickle
            return load_pickle(path)
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
    except ModelError:
        raise
    except Exception as e:  # unpickling / zip errors: name the file, not numpy's internals
        raise ModelError(f"{path}: cannot read model file ({type(e).__name__}: {e})") from None
    raise ModelError(f"{path}: unknown model file type '{suffix}' (expected .pkl or .npz)")


def _file_side(path: Path, d: dict) -> Optional[str]:
    if "side" in d:
        return str(np.asarray(d["side"]))
    n = path.name.upper()
    return "left" if "LEFT" in n else "right" if "RIGHT" in n else None


def load_model(name_or_path: Union[str, os.PathLike] = "default", side: str = "right",
               flat_hand_mean: bool = False, num_pca_comps: Optional[int] = None,
               fix_left_shapedirs: bool = True) -> HandModel:
    """Load a hand model.

    name_or_path: "default" / "default-left" (the built-in, openly licensed hand), a MANO
        pickle (MANO_RIGHT.pkl / MANO_LEFT.pkl; chumpy not needed), an .npz with the same keys
        (as written by save_model), or a folder holding MANO_{RIGHT,LEFT}.{pkl,npz}.
    side: "right" or "left". A left model from a right file (or vice versa) is the mirror.
    flat_hand_mean: False adds the file's hands_mean to every pose (smplx's default).
    num_pca_comps: None for 45 axis-angle pose values, else the number of pose PCA components.
    fix_left_shapedirs: for MANO's official left model, apply the documented fix
        shapedirs[:, 0, :] *= -1 (its x shape directions have the wrong sign).
    """
    if side not in ("right", "left"):
        raise ValueError(f"load_model: side must be 'right' or 'left', got {side!r}")
    key = str(name_or_path)
    if key in _BUILTIN:
        from handraster.models.default_hand import load_default_hand
        if key == "default-left":
            side = "left"
        model = load_default_hand()
        if side == "left":
            model = model.mirrored()
        return model.with_options(flat_hand_mean=flat_hand_mean, num_pca_comps=num_pca_comps)
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        for cand in (f"MANO_{side.upper()}.pkl", f"MANO_{side.upper()}.npz",
                     "MANO_RIGHT.pkl", "MANO_RIGHT.npz", "MANO_LEFT.pkl", "MANO_LEFT.npz"):
            if (path / cand).is_file():
                path = path / cand
                break
        else:
            raise ModelError(f"{path}: folder has no MANO_RIGHT/MANO_LEFT .pkl or .npz")
    elif not path.exists():
        raise ModelError(f"{path}: model file not found (built-in names: {', '.join(_BUILTIN)})")
    d = _read_file(path)
    file_side = _file_side(path, d) or "right"
    if file_side == "left" and fix_left_shapedirs and "side" not in d and "shapedirs" in d:
        sd = np.array(d["shapedirs"], np.float32)
        sd[:, 0, :] *= -1
        d["shapedirs"] = sd
    name = str(np.asarray(d["name"])) if "name" in d else path.stem.lower()
    model = _from_dict(d, str(path), name, file_side)
    if file_side != side:
        model = model.mirrored()
    return model.with_options(flat_hand_mean=flat_hand_mean, num_pca_comps=num_pca_comps)


def save_model(model: HandModel, path: Union[str, os.PathLike]) -> Path:
    """Write ``model`` as an .npz in MANO's keys (plus handraster's optional extras); the file
    loads back with load_model into an identical model. Written atomically."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(".npz")
    V = model.num_vertices
    d = dict(v_template=model.v_template, shapedirs=model.shapedirs, J_regressor=model.J_regressor,
             weights=model.weights, f=model.faces, tip_ids=model.tip_ids, side=np.array(model.side),
             name=np.array(model.name),
             kintree_table=np.stack([model.parents, np.arange(model.num_joints)]).astype(np.int64))
    if model.posedirs is not None:
        d["posedirs"] = model.posedirs.T.reshape(V, 3, -1)
    for k in ("hands_components", "hands_mean", "uvs", "faces_uv", "vertex_parts", "nail_mask"):
        if getattr(model, k) is not None:
            d[k] = getattr(model, k)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **d)
    os.replace(tmp, path)
    return path
