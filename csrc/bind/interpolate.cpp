// interpolate.cpp (bind): handraster._C[_cuda].interpolate_forward - validates and launches
// kernels/interpolate.h. Outputs are allocated by handraster/raster/interpolate.py.
#include "bind/arrays.h"
#include "bind/ops.h"
#include "kernels/interpolate.h"

namespace hr {
HR_DECLARE_LAUNCH(InterpolateOp)

// rast [B, H, W, 4] float32; returns {B, H, W}.
std::vector<int64_t> check_rast(py::handle rast, const char* op, ArrayView* rv) {
  *rv = view_array(rast, op, "rast");
  if (rv->ndim() != 4) fail(op, "argument 'rast' must be [B, H, W, 4] (the output of rasterize), got " + std::to_string(rv->ndim()) + " dimensions");
  check_array(*rv, op, "rast", DType::f32, {-1, -1, -1, 4}, "[B, H, W, 4]");
  return {rv->shape[0], rv->shape[1], rv->shape[2]};
}

static void interpolate_forward(py::object attr, py::object rast, py::object tri, py::object rast_db,
                                py::object diff, py::object out, py::object out_da, py::object bad,
                                std::uintptr_t stream) {
  const char* op = "interpolate";
  ArrayView rv;
  auto bhw = check_rast(rast, op, &rv);
  const int64_t B = bhw[0], H = bhw[1], W = bhw[2];
  ArrayView av = view_array(attr, op, "attr");
  if (av.ndim() != 2 && av.ndim() != 3)
    fail(op, "argument 'attr' must be [V, A] or [B, V, A], got " + std::to_string(av.ndim()) + " dimensions");
  const bool batched = av.ndim() == 3;
  if (batched) check_array(av, op, "attr", DType::f32, {-1, -1, -1}, "[B, V, A]");
  else check_array(av, op, "attr", DType::f32, {-1, -1}, "[V, A]");
  if (batched && av.shape[0] != B && av.shape[0] != 1)
    fail(op, "argument 'attr' has batch " + std::to_string(av.shape[0]) + " but rast has " + std::to_string(B) + " images (use 1 to share)");
  const int64_t V = av.shape[batched ? 1 : 0], A = av.shape[batched ? 2 : 1];
  ArrayView tv = arg_array(tri, op, "tri", DType::i32, {-1, 3}, "[T, 3]");
  ArrayView dbv, dv, odv;
  int64_t ND = 0;
  if (!diff.is_none()) {
    dv = arg_array(diff, op, "diff_attrs", DType::i32, {-1}, "[N]");
    ND = dv.shape[0];
    if (rast_db.is_none()) fail(op, "diff_attrs needs rast_db (rasterize(..., grad_db=True))");
    dbv = arg_array(rast_db, op, "rast_db", DType::f32, {B, H, W, 4}, "[B, H, W, 4]");
    odv = arg_array(out_da, op, "out_da", DType::f32, {B, H, W, 2 * ND}, "[B, H, W, 2 N]", true);
    check_indices(dv, 0, A, op, "diff_attrs");
  }
  ArrayView ov = arg_array(out, op, "out", DType::f32, {B, H, W, A}, "[B, H, W, A]", true);
  ArrayView bv = arg_array(bad, op, "bad", DType::i32, {1}, "[1]", true);
  check_indices(tv, 0, V, op, "tri");
  if (B * H * W == 0) return;
  InterpolateOp::Params p{av.ptr<const float>(), rv.ptr<const float>(), tv.ptr<const int32_t>(),
                          dbv.data ? dbv.ptr<const float>() : nullptr,
                          dv.data ? dv.ptr<const int32_t>() : nullptr, ov.ptr<float>(),
                          ND ? odv.ptr<float>() : nullptr, bv.ptr<int32_t>(), H * W,
                          (int)V, (int)A, (int)tv.shape[0], (int)ND,
                          batched && av.shape[0] == B && B > 1 ? 1 : 0};
  py::gil_scoped_release nogil;
  launch<InterpolateOp>(p, B * H * W, stream);
}

void bind_interpolate(py::module_& m) {
  m.def("interpolate_forward", &interpolate_forward,
        "Interpolate vertex attributes over rast into caller-allocated outputs (kernels/interpolate.h).",
        py::arg("attr"), py::arg("rast"), py::arg("tri"), py::arg("rast_db"), py::arg("diff_attrs"),
        py::arg("out"), py::arg("out_da"), py::arg("bad"), py::arg("stream") = 0);
}

}  // namespace hr
