// antialias.cpp (bind): handraster._C[_cuda].antialias_forward - validates and launches
// kernels/antialias.h. The topology (nbr) is built by handraster/raster/antialias.py.
#include "bind/arrays.h"
#include "bind/ops.h"
#include "kernels/antialias.h"

namespace hr {
HR_DECLARE_LAUNCH(AntialiasOp)
std::vector<int64_t> check_rast(py::handle rast, const char* op, ArrayView* rv);  // interpolate.cpp

static void antialias_forward(py::object color, py::object rast, py::object pos, py::object tri,
                              py::object nbr, py::object out, py::object bad, std::uintptr_t stream) {
  const char* op = "antialias";
  ArrayView rv;
  auto bhw = check_rast(rast, op, &rv);
  const int64_t B = bhw[0], H = bhw[1], W = bhw[2];
  ArrayView cv = view_array(color, op, "color");
  if (cv.ndim() != 4) fail(op, "argument 'color' must be [B, H, W, C], got " + std::to_string(cv.ndim()) + " dimensions");
  check_array(cv, op, "color", DType::f32, {B, H, W, -1}, "[B, H, W, C]");
  const int64_t C = cv.shape[3];
  ArrayView pv = view_array(pos, op, "pos");
  if (pv.ndim() != 2 && pv.ndim() != 3) fail(op, "argument 'pos' must be [B, V, 4] or [V, 4]");
  const bool batched = pv.ndim() == 3;
  if (batched) check_array(pv, op, "pos", DType::f32, {B, -1, 4}, "[B, V, 4]");
  else check_array(pv, op, "pos", DType::f32, {-1, 4}, "[V, 4]");
  const int64_t V = pv.shape[batched ? 1 : 0];
  ArrayView tv = arg_array(tri, op, "tri", DType::i32, {-1, 3}, "[T, 3]");
  const int64_t T = tv.shape[0];
  ArrayView nv = arg_array(nbr, op, "topology_hash", DType::i32, {T, 3}, "[T, 3]");
  ArrayView ov = arg_array(out, op, "out", DType::f32, {B, H, W, C}, "[B, H, W, C]", true);
  ArrayView bv = arg_array(bad, op, "bad", DType::i32, {1}, "[1]", true);
  check_indices(tv, 0, V, op, "tri");
  check_indices(nv, -2, T, op, "topology_hash");
  if (B * H * W == 0) return;
  AntialiasOp::Params p{cv.ptr<const float>(), rv.ptr<const float>(), pv.ptr<const float>(),
                        tv.ptr<const int32_t>(), nv.ptr<const int32_t>(), ov.ptr<float>(),
                        bv.ptr<int32_t>(), (int)H, (int)W, (int)C, (int)V, (int)T, batched ? 1 : 0};
  py::gil_scoped_release nogil;
  launch<AntialiasOp>(p, B * H * W, stream);
}

void bind_antialias(py::module_& m) {
  m.def("antialias_forward", &antialias_forward,
        "Silhouette antialiasing into a caller-allocated output (kernels/antialias.h).",
        py::arg("color"), py::arg("rast"), py::arg("pos"), py::arg("tri"), py::arg("nbr"),
        py::arg("out"), py::arg("bad"), py::arg("stream") = 0);
}

}  // namespace hr
