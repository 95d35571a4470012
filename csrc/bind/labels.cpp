// labels.cpp (bind): hand_labels, the image-dependent part of the rendered samples' labels
// (kernels/hand_labels.h). Called by handraster/scene/labels.py.
#include "bind/arrays.h"
#include "bind/ops.h"
#include "kernels/hand_labels.h"

namespace hr {
HR_DECLARE_LAUNCH(HandLabelOp)

static void hand_labels(py::object p_cam, py::object nrm, py::object K, py::object depth, py::object mask,
                        py::object vpart, bool skew, float eps, py::object box, py::object counts,
                        py::object joints, py::object jradius, py::object j2d, py::object jvis,
                        std::uintptr_t stream) {
  const char* op = "hand_labels";
  ArrayView pc = view_array(p_cam, op, "p_cam");
  ArrayView dp = view_array(depth, op, "depth");
  ArrayView vp = view_array(vpart, op, "vpart");
  if (pc.ndim() != 3 || dp.ndim() != 3 || vp.ndim() != 1) fail(op, "p_cam [B, V, 3], depth [B, H, W], vpart [n_hand] expected");
  const int64_t B = pc.shape[0], V = pc.shape[1], H = dp.shape[1], W = dp.shape[2], nh = vp.shape[0];
  check_array(pc, op, "p_cam", DType::f32, {B, V, 3}, "[B, V, 3]");
  check_array(dp, op, "depth", DType::f32, {B, H, W}, "[B, H, W]");
  check_array(vp, op, "vpart", DType::u8, {nh}, "[n_hand]");
  if (nh > V) fail(op, "vpart has " + std::to_string(nh) + " entries but p_cam only " + std::to_string(V) + " vertices");
  ArrayView nr = opt_array(nrm, op, "nrm", DType::f32, {B, V, 3}, "[B, V, 3]");
  ArrayView k = arg_array(K, op, "K", DType::f32, {B, 3, 3}, "[B, 3, 3]");
  ArrayView mk = arg_array(mask, op, "mask", DType::u8, {B, H, W}, "[B, H, W]");
  ArrayView bx = arg_array(box, op, "box", DType::f32, {B, 4}, "[B, 4]", true);
  ArrayView ct = arg_array(counts, op, "counts", DType::i32, {B, 3, HandLabelOp::kParts}, "[B, 3, 6]", true);
  ArrayView jt = view_array(joints, op, "joints");
  if (jt.ndim() != 3) fail(op, "argument 'joints' must be [B, J, 3]");
  const int64_t J = jt.shape[1];
  check_array(jt, op, "joints", DType::f32, {B, J, 3}, "[B, J, 3]");
  ArrayView jr = arg_array(jradius, op, "jradius", DType::f32, {J}, "[J]");
  ArrayView j2 = arg_array(j2d, op, "j2d", DType::f32, {B, J, 2}, "[B, J, 2]", true);
  ArrayView jv = arg_array(jvis, op, "jvis", DType::u8, {B, J}, "[B, J]", true);
  HandLabelOp::Params p{pc.ptr<const float>(), nr.ptr<const float>(), k.ptr<const float>(), dp.ptr<const float>(),
                        mk.ptr<const uint8_t>(), vp.ptr<const uint8_t>(), bx.ptr<float>(), ct.ptr<int32_t>(),
                        jt.ptr<const float>(), jr.ptr<const float>(), j2.ptr<float>(), jv.ptr<uint8_t>(), (int)J,
                        (int)B, (int)V, (int)nh, (int)H, (int)W, skew ? 1 : 0, eps};
  py::gil_scoped_release nogil;
  launch<HandLabelOp>(p, B, stream);
}

void bind_labels(py::module_& m) {
  m.def("hand_labels", &hand_labels,
        "Per-sample hand box, per-part inside / hidden / object-hidden vertex counts, projected joints and their "
        "visibility (kernels/hand_labels.h).",
        py::arg("p_cam"), py::arg("nrm"), py::arg("K"), py::arg("depth"), py::arg("mask"), py::arg("vpart"),
        py::arg("skew"), py::arg("eps"), py::arg("box"), py::arg("counts"), py::arg("joints"), py::arg("jradius"), py::arg("j2d"), py::arg("jvis"),
        py::arg("stream") = 0);
}

}  // namespace hr
