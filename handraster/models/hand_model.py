"""HandModel: a MANO-format hand model and its batched forward pass.

All arrays are numpy float32 / int32 on the CPU, in metres; the model is immutable once
built (derived arrays are cached). ``forward`` runs the fused native kernels for numpy and
torch inputs without gradients, and the torch autograd path (models/skinning_torch.py) when
an input requires grad or ``differentiable=True``; both give the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Optional

import numpy as np

from handraster import _native
from handraster.models.joints import MANO_TIP_IDS, NUM_JOINTS_MANO, to_openpose

TILE = 16  # vertices per tile of the small-batch kernel (kSkinTile in csrc/kernels/skin.h)


def _tile_layout(v_template, dirs, weights):
    """The small-batch kernel's tile-major arrays (SkinLbsTileOp in csrc/kernels/skin.h):
    v_template_t [T,3,16], dirs_t [T,3,Q,16] (vertices padded with zeros to T*16), and per
    tile the joints any of its vertices uses, t_idx [T,KT] (padded with joint 0), with each
    lane's weight for them, t_val [T,KT,16] (zero where unused)."""
    V, J = weights.shape
    T = -(-V // TILE)
    pad = T * TILE - V

    def tiles(x):  # [V, ...] -> [T, 16, ...]
        x = np.concatenate([x, np.zeros((pad,) + x.shape[1:], x.dtype)]) if pad else x
        return x.reshape((T, TILE) + x.shape[1:])
    vt = tiles(np.asarray(v_template, np.float32)).transpose(0, 2, 1)
    dt = tiles(np.asarray(dirs, np.float32)).transpose(0, 2, 3, 1)
    w = tiles(np.asarray(weights, np.float32))                     # [T, 16, J]
    used = (w != 0).any(1)                                         # [T, J]
    KT = max(1, int(used.sum(1).max()))
    idx = np.zeros((T, KT), np.int32)
    val = np.zeros((T, KT, TILE), np.float32)
    for t in range(T):
        js = np.flatnonzero(used[t])
        idx[t, : len(js)] = js
        val[t, : len(js)] = w[t][:, js].T
    return {"v_template_t": np.ascontiguousarray(vt), "dirs_t": np.ascontiguousarray(dt),
            "t_idx": idx, "t_val": val}


# Labels of DESIGN.md "Part labels": 0 background, 1 palm, ..., 7 forearm, 8 object.
PART_NAMES = ("background", "palm", "thumb", "index", "middle", "ring", "pinky", "forearm", "object")


@dataclass
class SkinOutput:
    """Result of HandModel.forward, in the caller's array library and device.

    vertices: float32 [B, V, 3], metres.
    joints:   float32 [B, J + 5, 3], metres: the model's J joints (MANO: 16) then the five
              fingertip vertices in the order thumb, index, middle, ring, pinky.
    """
    vertices: Any
    joints: Any

    def joints_openpose(self):
        """joints [B, 21, 3] in the OpenPose/FreiHAND order (MANO-format models only)."""
        return self.joints[:, to_openpose()]


@dataclass
class HandModel:
    """A hand model in MANO format.

    Fields (numpy, CPU; V vertices, J joints, S shape components, F faces):
      v_template [V,3] f32 m; shapedirs [V,3,S] f32; posedirs [P,V*3] f32 with P=(J-1)*9
      (smplx's layout) or None when the model has no pose blend shapes; J_regressor [J,V] f32
      (dense); weights [V,J] f32 rows sum to 1; parents [J] i32 (-1 for the root); faces [F,3]
      i32; hands_components [C,45] f32 pose PCA basis or None; hands_mean [45] f32 or None;
      tip_ids [5] i32 vertex ids (thumb, index, middle, ring, pinky).
      Optional: uvs [Vt,2] f32 and faces_uv [F,3] i32 (texture coordinates, OBJ style, v up);
      vertex_parts [V] u8 part labels (1 palm .. 7 forearm); nail_mask [V] f32 in [0,1].
      name, side ("right"/"left"), flat_hand_mean, num_pca_comps.
    """
    v_template: np.ndarray
    shapedirs: np.ndarray
    posedirs: Optional[np.ndarray]
    J_regressor: np.ndarray
    weights: np.ndarray
    parents: np.ndarray
    faces: np.ndarray
    hands_components: Optional[np.ndarray] = None
    hands_mean: Optional[np.ndarray] = None
    tip_ids: np.ndarray = field(default_factory=lambda: np.array(MANO_TIP_IDS, np.int32))
    uvs: Optional[np.ndarray] = None
    faces_uv: Optional[np.ndarray] = None
    vertex_parts: Optional[np.ndarray] = None
    nail_mask: Optional[np.ndarray] = None
    name: str = "mano"
    side: str = "right"
    flat_hand_mean: bool = False
    num_pca_comps: Optional[int] = None

    def __post_init__(self):
        from handraster.models.validate import validate_model
        validate_model(self)
        self._derived: dict = {}
        self._device_cache: dict = {}
        self._skin_model = None  # native SkinModel (CPU), made on first forward

    # ----- sizes -------------------------------------------------------------------------
    @property
    def num_vertices(self) -> int:
        return int(self.v_template.shape[0])

    @property
    def num_joints(self) -> int:
        return int(self.J_regressor.shape[0])

    @property
    def num_betas(self) -> int:
        return int(self.shapedirs.shape[2])

    @property
    def pose_dim(self) -> int:
        """Length of hand_pose: num_pca_comps with PCA, else (J - 1) * 3."""
        return self.num_pca_comps if self.num_pca_comps else (self.num_joints - 1) * 3

    # ----- derived arrays (computed once) ------------------------------------------------
    def derived(self) -> dict:
        """Arrays in the native kernels' layout: j_template [J,3], j_shapedirs [J,3,S]
        (J_regressor folded into the template and shape basis, exact because both are
        linear), posedirs_v [V,3,P] (per-vertex layout) or None when all zero, parents i32,
        pose_offset [J*3] (hands_mean unless flat_hand_mean), components [C,45] or None."""
        if self._derived:
            return self._derived
        d: dict = {}  # filled privately, published whole: threads may call forward concurrently
        Jr = self.J_regressor.astype(np.float64)
        d["j_template"] = np.ascontiguousarray(Jr @ self.v_template.astype(np.float64), np.float32)
        d["j_shapedirs"] = np.ascontiguousarray(
            np.einsum("jv,vks->jks", Jr, self.shapedirs.astype(np.float64)), np.float32)
        pd = self.posedirs
        if pd is None or not np.any(pd):
            d["posedirs_v"] = None
        else:
            V = self.num_vertices
            d["posedirs_v"] = np.ascontiguousarray(pd.reshape(pd.shape[0], V, 3).transpose(1, 2, 0), np.float32)
        d["parents"] = np.ascontiguousarray(self.parents, np.int32)
        J = self.num_joints
        off = np.zeros(J * 3, np.float32)
        if not self.flat_hand_mean and self.hands_mean is not None:
            off[3:] = self.hands_mean
        d["pose_offset"] = off
        d["components"] = (None if not self.num_pca_comps else
                           np.ascontiguousarray(self.hands_components[: self.num_pca_comps], np.float32))
        d["shapedirs"] = np.ascontiguousarray(self.shapedirs, np.float32)
        # Shape and pose blend as one product: dirs [V, 3, S + P] (kernels/skin.h).
        d["dirs"] = (d["shapedirs"] if d["posedirs_v"] is None else
                     np.ascontiguousarray(np.concatenate([d["shapedirs"], d["posedirs_v"]], 2)))
        # Compact weights: each vertex's K nonzero influences (K = the most any vertex has).
        nz = self.weights != 0
        K = max(1, int(nz.sum(1).max()))
        order = np.argsort(-np.abs(self.weights), axis=1, kind="stable")[:, :K]
        d["w_idx"] = np.ascontiguousarray(order, np.int32)
        d["w_val"] = np.ascontiguousarray(np.take_along_axis(self.weights, order, 1), np.float32)
        d.update(_tile_layout(self.v_template, d["dirs"], self.weights))
        d["weights"] = np.ascontiguousarray(self.weights, np.float32)
        d["v_template"] = np.ascontiguousarray(self.v_template, np.float32)
        d["tip_ids"] = np.ascontiguousarray(self.tip_ids, np.int64)
        self._derived = d
        return d

    def _native_skin(self):
        """The CPU module's SkinModel over derived() (created once; None without _C)."""
        sm = self._skin_model
        if sm is None:
            d = self.derived()
            try:
                C = _native.native("cpu")
            except _native.NativeUnavailableError:  # pragma: no cover - depends on the build
                return None
            sm = C.SkinModel(d["j_template"], d["j_shapedirs"], d["parents"], d["v_template"], d["v_template_t"],
                             d["dirs_t"], d["t_idx"], d["t_val"], d["pose_offset"], d["components"],
                             d["tip_ids"].astype(np.int32))
            self._skin_model = sm
        return sm

    def derived_on(self, like) -> dict:
        """derived() converted to ``like``'s library and device (cached per device)."""
        if _native.lib_of(like) == "numpy":
            return self.derived()
        key = (_native.lib_of(like), str(getattr(like, "device", "cuda")))
        c = self._device_cache.get(key)
        if c is None:
            c = {k: (None if v is None else _native.asarray(v, like, v.dtype))
                 for k, v in self.derived().items()}
            self._device_cache[key] = c
        return c

    # ----- forward -----------------------------------------------------------------------
    def full_pose(self, hand_pose, global_orient=None):
        """Axis-angle full pose [B, J, 3] (root first) from the user's hand_pose (PCA
        coefficients [B, C] when num_pca_comps is set, else [B, (J-1)*3] or [B, J-1, 3]) with
        hands_mean added unless flat_hand_mean - smplx's semantics."""
        from handraster.models.forward import full_pose
        return full_pose(self, hand_pose, global_orient)

    def forward(self, hand_pose=None, betas=None, global_orient=None, transl=None,
                differentiable: Optional[bool] = None) -> SkinOutput:
        """Batched skinning.

        hand_pose: [B, C] PCA coefficients (num_pca_comps set) or [B, 45] / [B, 15, 3]
            axis-angle radians, relative to the flat hand unless the model was loaded with
            flat_hand_mean=False (then hands_mean is added, as smplx does). None = zeros.
        betas: [B, S] (S <= num_betas; missing trailing values are zero) or None.
        global_orient: [B, 3] axis-angle of the root, or None. transl: [B, 3] metres, or None.
        Arrays may be numpy (CPU) or torch (CPU/CUDA); outputs follow the inputs' library.
        The native path has no gradients; the torch path (autograd) is taken when any input
        requires grad or differentiable=True.
        """
        if not differentiable:
            # The common case, numpy float32 [B, n] arguments, in one native call (batch-1
            # calls are otherwise dominated by Python); None for anything else.
            sm = self._skin_model or self._native_skin()
            r = None if sm is None else sm.try_forward(hand_pose, betas, global_orient, transl)
            if r is not None:
                return SkinOutput(r[0], r[1])
        from handraster.models.forward import forward
        return forward(self, hand_pose, betas, global_orient, transl, differentiable)

    __call__ = forward

    # ----- variants ----------------------------------------------------------------------
    def with_options(self, flat_hand_mean: Optional[bool] = None,
                     num_pca_comps: Optional[int] = -1) -> "HandModel":
        """A copy with other pose options (num_pca_comps=-1 keeps the current value)."""
        kw = {}
        if flat_hand_mean is not None:
            kw["flat_hand_mean"] = bool(flat_hand_mean)
        if num_pca_comps != -1:
            kw["num_pca_comps"] = num_pca_comps
        return replace(self, **kw)

    def mirrored(self) -> "HandModel":
        """The other hand: x -> -x on every spatial quantity, faces re-wound."""
        from handraster.models.mirror import mirror_model
        return mirror_model(self)

    def without_forearm(self) -> "HandModel":
        """The hand alone: vertices labelled forearm (7) dropped, faces re-indexed."""
        from handraster.models.submesh import drop_parts
        return drop_parts(self, (7,))
