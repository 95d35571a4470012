// skin.cpp (bind): handraster._C[_cuda].skin_forward - validates and launches the two
// skinning ops of kernels/skin.h. Outputs and scratch are allocated by the caller
// (handraster/models/forward.py).
#include "bind/arrays.h"
#include "bind/ops.h"
#include "kernels/skin.h"

namespace hr {
HR_DECLARE_LAUNCH(SkinChainOp)
HR_DECLARE_LAUNCH(SkinLbsOp)

static void skin_forward(py::object betas, py::object pose, py::object j_template,
                         py::object j_shapedirs, py::object parents, py::object v_template,
                         py::object dirs, py::object w_idx, py::object w_val, py::object transl,
                         py::object joints, py::object feature, py::object G,
                         py::object vertices, std::uintptr_t stream) {
  const char* op = "skin_forward";
  ArrayView jt = view_array(j_template, op, "j_template");
  ArrayView vt = view_array(v_template, op, "v_template");
  ArrayView bt = view_array(betas, op, "betas");
  ArrayView dr = view_array(dirs, op, "dirs");
  ArrayView wv = view_array(w_val, op, "w_val");
  if (jt.ndim() != 2 || vt.ndim() != 2 || bt.ndim() != 2 || dr.ndim() != 3 || wv.ndim() != 2)
    fail(op, "j_template [J, 3], v_template [V, 3], betas [B, S], dirs [V, 3, Q] and "
             "w_val [V, K] must have those ranks");
  const int64_t J = jt.shape[0], V = vt.shape[0], B = bt.shape[0], S = bt.shape[1];
  const int64_t Q = dr.shape[2], K = wv.shape[1];
  if (J < 1 || J > kMaxJoints)
    fail(op, "the model must have 1.." + std::to_string(kMaxJoints) + " joints, got " + std::to_string(J));
  if (Q != S && Q != S + (J - 1) * 9)
    fail(op, "dirs must have Q = S (no pose blend) or S + (J-1)*9 = " + std::to_string(S + (J - 1) * 9) +
                 " columns, got " + std::to_string(Q));
  const int64_t BB = B >= kSkinBlock ? kSkinBlock : 1;
  const int64_t nblk = (B + BB - 1) / BB;
  check_array(jt, op, "j_template", DType::f32, {J, 3}, "[J, 3]");
  check_array(vt, op, "v_template", DType::f32, {V, 3}, "[V, 3]");
  check_array(bt, op, "betas", DType::f32, {B, S}, "[B, S]");
  check_array(dr, op, "dirs", DType::f32, {V, 3, Q}, "[V, 3, Q]");
  check_array(wv, op, "w_val", DType::f32, {V, K}, "[V, K]");
  ArrayView ps = arg_array(pose, op, "pose", DType::f32, {B, J, 3}, "[B, J, 3]");
  ArrayView js = arg_array(j_shapedirs, op, "j_shapedirs", DType::f32, {J, 3, S}, "[J, 3, S]");
  ArrayView pa = arg_array(parents, op, "parents", DType::i32, {J}, "[J]");
  ArrayView wi = arg_array(w_idx, op, "w_idx", DType::i32, {V, K}, "[V, K]");
  ArrayView tr = opt_array(transl, op, "transl", DType::f32, {B, 3}, "[B, 3]");
  ArrayView jo = arg_array(joints, op, "joints", DType::f32, {B, J, 3}, "[B, J, 3]", true);
  const char* blk_doc = BB == 1 ? "[B, Q, 1] (B < 8)" : "[ceil(B/8), Q, 8] (B >= 8)";
  ArrayView fe = arg_array(feature, op, "feature", DType::f32, {nblk, Q, BB}, blk_doc, true);
  const char* g_doc = BB == 1 ? "[B, J, 12, 1] (B < 8)" : "[ceil(B/8), J, 12, 8] (B >= 8)";
  ArrayView g = arg_array(G, op, "G", DType::f32, {nblk, J, 12, BB}, g_doc, true);
  ArrayView vo = arg_array(vertices, op, "vertices", DType::f32, {B, V, 3}, "[B, V, 3]", true);
  check_indices(wi, 0, J, op, "w_idx");
  // parents must describe a tree rooted at joint 0 with parents before children, which the
  // chain relies on (J <= 32 values, checked on the host).
  check_parents(pa, op, "parents");
  if (B == 0) return;

  SkinChainOp::Params cp{bt.ptr<const float>(), ps.ptr<const float>(), jt.ptr<const float>(),
                         js.ptr<const float>(), pa.ptr<const int32_t>(), tr.ptr<const float>(),
                         jo.ptr<float>(), fe.ptr<float>(), g.ptr<float>(),
                         (int)B, (int)J, (int)S, (int)Q, (int)BB, (int)J};
  SkinLbsOp::Params lp{vt.ptr<const float>(), dr.ptr<const float>(), wi.ptr<const int32_t>(),
                       wv.ptr<const float>(), fe.ptr<const float>(), g.ptr<const float>(),
                       tr.ptr<const float>(), vo.ptr<float>(),
                       (int)B, (int)V, (int)J, (int)Q, (int)K, (int)BB};
  {
    py::gil_scoped_release nogil;
    launch<SkinChainOp>(cp, B, stream);
    launch<SkinLbsOp>(lp, nblk * V, stream);
  }
}

void bind_skin(py::module_& m) {
  m.def("skin_forward", &skin_forward,
        "MANO-format forward skinning into caller-allocated outputs (see kernels/skin.h).",
        py::arg("betas"), py::arg("pose"), py::arg("j_template"), py::arg("j_shapedirs"),
        py::arg("parents"), py::arg("v_template"), py::arg("dirs"), py::arg("w_idx"),
        py::arg("w_val"), py::arg("transl"), py::arg("joints"), py::arg("feature"), py::arg("G"),
        py::arg("vertices"), py::arg("stream") = 0);
}

}  // namespace hr
