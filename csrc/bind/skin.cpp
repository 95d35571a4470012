// skin.cpp (bind): handraster._C[_cuda].skin_forward - validates and launches the two
// skinning ops of kernels/skin.h. Outputs are allocated by the caller (handraster/models).
#include "bind/arrays.h"
#include "bind/ops.h"
#include "kernels/skin.h"

namespace hr {
HR_DECLARE_LAUNCH(SkinChainOp)
HR_DECLARE_LAUNCH(SkinLbsOp)

static void skin_forward(py::object betas, py::object pose, py::object j_template,
                         py::object j_shapedirs, py::object parents, py::object v_template,
                         py::object shapedirs, py::object posedirs, py::object weights,
                         py::object transl, py::object G, py::object joints,
                         py::object pose_feature, py::object vertices, std::uintptr_t stream) {
  const char* op = "skin_forward";
  ArrayView jt = view_array(j_template, op, "j_template");
  ArrayView vt = view_array(v_template, op, "v_template");
  ArrayView bt = view_array(betas, op, "betas");
  if (jt.ndim() != 2 || vt.ndim() != 2 || bt.ndim() != 2)
    fail(op, "j_template [J, 3], v_template [V, 3] and betas [B, S] must be 2-D");
  const int64_t J = jt.shape[0], V = vt.shape[0], B = bt.shape[0], S = bt.shape[1];
  if (J < 1 || J > kMaxJoints) fail(op, "the model must have 1.." + std::to_string(kMaxJoints) + " joints, got " + std::to_string(J));
  const int64_t P = (J - 1) * 9;
  check_array(jt, op, "j_template", DType::f32, {J, 3}, "[J, 3]");
  check_array(vt, op, "v_template", DType::f32, {V, 3}, "[V, 3]");
  check_array(bt, op, "betas", DType::f32, {B, S}, "[B, S]");
  ArrayView ps = arg_array(pose, op, "pose", DType::f32, {B, J, 3}, "[B, J, 3]");
  ArrayView js = arg_array(j_shapedirs, op, "j_shapedirs", DType::f32, {J, 3, S}, "[J, 3, S]");
  ArrayView pa = arg_array(parents, op, "parents", DType::i32, {J}, "[J]");
  ArrayView sd = arg_array(shapedirs, op, "shapedirs", DType::f32, {V, 3, S}, "[V, 3, S]");
  ArrayView pd = opt_array(posedirs, op, "posedirs", DType::f32, {V, 3, P}, "[V, 3, (J-1)*9]");
  ArrayView w = arg_array(weights, op, "weights", DType::f32, {V, J}, "[V, J]");
  ArrayView tr = opt_array(transl, op, "transl", DType::f32, {B, 3}, "[B, 3]");
  ArrayView g = arg_array(G, op, "G", DType::f32, {B, J, 3, 4}, "[B, J, 3, 4]", true);
  ArrayView jo = arg_array(joints, op, "joints", DType::f32, {B, J, 3}, "[B, J, 3]", true);
  ArrayView pf = arg_array(pose_feature, op, "pose_feature", DType::f32, {B, P}, "[B, (J-1)*9]", true);
  ArrayView vo = arg_array(vertices, op, "vertices", DType::f32, {B, V, 3}, "[B, V, 3]", true);
  // parents must describe a tree rooted at joint 0 with parents before children, which the
  // chain relies on; checked once per call on the host (J <= 32 values).
  std::vector<int32_t> par(J);
  copy_to_host(par.data(), pa.data, J * sizeof(int32_t));
  if (par[0] != -1) fail(op, "parents[0] must be -1 (joint 0 is the root), got " + std::to_string(par[0]));
  for (int64_t j = 1; j < J; ++j)
    if (par[j] < 0 || par[j] >= j)
      fail(op, "parents[" + std::to_string(j) + "] = " + std::to_string(par[j]) +
                   "; every joint's parent must come before it (0 <= parent < index)");
  if (B == 0) return;

  SkinChainOp::Params cp{bt.ptr<const float>(), ps.ptr<const float>(), jt.ptr<const float>(),
                         js.ptr<const float>(), pa.ptr<const int32_t>(), g.ptr<float>(),
                         jo.ptr<float>(), pf.ptr<float>(), tr.ptr<const float>(),
                         (int)B, (int)J, (int)S};
  SkinLbsOp::Params lp{vt.ptr<const float>(), sd.ptr<const float>(),
                       pd.data ? pd.ptr<const float>() : nullptr, w.ptr<const float>(),
                       bt.ptr<const float>(), pf.ptr<const float>(), g.ptr<const float>(),
                       tr.ptr<const float>(), vo.ptr<float>(),
                       (int)B, (int)V, (int)J, (int)S, pd.data ? (int)P : 0};
  {
    py::gil_scoped_release nogil;
    launch<SkinChainOp>(cp, B, stream);
    launch<SkinLbsOp>(lp, B * V, stream);
  }
}

void bind_skin(py::module_& m) {
  m.def("skin_forward", &skin_forward,
        "MANO-format forward skinning into caller-allocated outputs (see kernels/skin.h).",
        py::arg("betas"), py::arg("pose"), py::arg("j_template"), py::arg("j_shapedirs"),
        py::arg("parents"), py::arg("v_template"), py::arg("shapedirs"), py::arg("posedirs"),
        py::arg("weights"), py::arg("transl"), py::arg("G"), py::arg("joints"),
        py::arg("pose_feature"), py::arg("vertices"), py::arg("stream") = 0);
}

}  // namespace hr
