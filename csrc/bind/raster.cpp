// raster.cpp (bind): handraster._C[_cuda].rasterize_forward - validates the arguments of
// kernels/raster.h and runs the backend's rasterizer. Outputs (and on CUDA the scratch
// buffer) are allocated by handraster/raster/rasterize.py.
#include <string>
#include <vector>

#include "bind/arrays.h"
#include "bind/ops.h"
#include "kernels/raster.h"

namespace hr {

// ranges [B, 2] int32 always comes as a host array (nvdiffrast keeps it on the CPU too).
static std::vector<int32_t> read_ranges(py::handle obj, const char* op, int64_t T) {
  py::buffer_info info;
  try {
    info = py::reinterpret_borrow<py::buffer>(obj).request();
  } catch (const std::exception&) {
    fail(op, "argument 'ranges' must be a host (CPU) int32 array of shape [B, 2]");
  }
  const char kind = info.format.empty() ? '?' : info.format.back();
  const bool i32 = info.itemsize == 4 && (kind == 'i' || kind == 'l');
  if (!i32 || info.ndim != 2 || info.shape[1] != 2)
    fail(op, "argument 'ranges' must be int32 with shape [B, 2], got format '" + info.format +
                 "' with " + std::to_string(info.ndim) + " dimensions");
  const int64_t B = info.shape[0];
  std::vector<int32_t> r(B * 2);
  const char* base = static_cast<const char*>(info.ptr);
  for (int64_t b = 0; b < B; ++b)
    for (int c = 0; c < 2; ++c)
      r[b * 2 + c] = *reinterpret_cast<const int32_t*>(base + b * info.strides[0] + c * info.strides[1]);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t s = r[b * 2], n = r[b * 2 + 1];
    if (s < 0 || n < 0 || s + n > T)
      fail(op, "ranges[" + std::to_string(b) + "] = (" + std::to_string(s) + ", " +
                   std::to_string(n) + ") must satisfy start >= 0, count >= 0, start + count <= " +
                   std::to_string(T) + " (the number of triangles)");
  }
  return r;
}

// Both rasterizer bindings: the output's resolution, and (CUDA module) the caller's scratch
// buffer for B images of up to tcap triangles (an empty view on the CPU module).
static void check_resolution(const char* op, int64_t H, int64_t W) {
  if (H < 1 || W < 1 || H > kMaxResolution || W > kMaxResolution)
    fail(op, "resolution must be [height, width] with each in [1, " +
                 std::to_string(kMaxResolution) + "], got [" + std::to_string(H) + ", " +
                 std::to_string(W) + "]");
}

static ArrayView scratch_view(py::object scratch, const char* op, int64_t B, int64_t tcap, int64_t H,
                              int64_t W) {
  ArrayView sv;
  if (kCudaModule) {
    const int64_t need = raster_scratch_bytes((int)B, (int)tcap, (int)H, (int)W);
    sv = arg_array(scratch, op, "scratch", DType::u8, {-1}, "[bytes]", true);
    if (sv.shape[0] < need)
      fail(op, "scratch holds " + std::to_string(sv.shape[0]) + " bytes, needs " + std::to_string(need));
  }
  return sv;
}

// The optional per-(image, triangle) draw modes (kernels/raster.h): uint8 [B, T] with values
// 0-3. Host arrays are checked value by value (one pass); device arrays cannot be read here,
// and there a value above 3 draws nothing.
static ArrayView draw_mode_view(py::object mask, const char* op, int64_t B, int64_t T) {
  ArrayView mv;
  if (mask.is_none()) return mv;
  mv = arg_array(mask, op, "mask", DType::u8, {B, T}, "[B, T]");
  if (!kCudaModule) {
    const uint8_t* m = mv.ptr<const uint8_t>();
    for (int64_t i = 0; i < B * T; ++i)
      if (m[i] > kDrawCW)
        fail(op, "mask[" + std::to_string(i / T) + ", " + std::to_string(i % T) + "] = " +
                     std::to_string(m[i]) + ": draw modes are 0 (not drawn), 1 (both sides), "
                     "2 (counter-clockwise only) or 3 (clockwise only)");
  }
  return mv;
}

static void rasterize_forward(py::object pos, py::object tri, py::object ranges, py::object rast,
                              py::object rast_db, py::object scratch, std::uintptr_t stream, py::object spans,
                              py::object mask) {
  const char* op = "rasterize";
  ArrayView pv = view_array(pos, op, "pos");
  if (pv.ndim() != 3 && pv.ndim() != 2)
    fail(op, "argument 'pos' must be [B, V, 4] (instanced mode) or [V, 4] (range mode), got " +
                 std::to_string(pv.ndim()) + " dimensions");
  const bool instanced = pv.ndim() == 3;
  if (instanced && !ranges.is_none())
    fail(op, "'ranges' is only valid in range mode (2-D pos [V, 4]); pos is 3-D (instanced mode)");
  if (!instanced && ranges.is_none())
    fail(op, "range mode (2-D pos [V, 4]) needs 'ranges' [B, 2]; for instanced mode pass pos [B, V, 4]");
  const int64_t V = pv.shape[instanced ? 1 : 0];
  if (instanced) check_array(pv, op, "pos", DType::f32, {-1, -1, 4}, "[B, V, 4]");
  else check_array(pv, op, "pos", DType::f32, {-1, 4}, "[V, 4]");
  ArrayView tv = arg_array(tri, op, "tri", DType::i32, {-1, 3}, "[T, 3]");
  const int64_t T = tv.shape[0];
  if (T > (int64_t(1) << 24))
    fail(op, "at most 2^24 triangles are supported (ids must stay exact in float32), got " +
                 std::to_string(T));
  std::vector<int32_t> rg;
  int64_t B = instanced ? pv.shape[0] : 0, tcap = T;
  if (!instanced) {
    rg = read_ranges(ranges, op, T);
    B = static_cast<int64_t>(rg.size() / 2);
    tcap = 0;
    for (int64_t b = 0; b < B; ++b) tcap = rg[b * 2 + 1] > tcap ? rg[b * 2 + 1] : tcap;
  }
  ArrayView ov = view_array(rast, op, "rast");
  if (ov.ndim() != 4) fail(op, "output 'rast' must be [B, H, W, 4]");
  const int64_t H = ov.shape[1], W = ov.shape[2];
  check_resolution(op, H, W);
  check_array(ov, op, "rast", DType::f32, {B, H, W, 4}, "[B, H, W, 4]", true);
  ArrayView dv;
  if (!rast_db.is_none()) dv = arg_array(rast_db, op, "rast_db", DType::f32, {B, H, W, 4}, "[B, H, W, 4]", true);
  const ArrayView sv = scratch_view(scratch, op, B, tcap, H, W);
  ArrayView spv;
  if (!spans.is_none()) {
    if (kCudaModule) fail(op, "'spans' (row coverage spans) is CPU only");
    spv = arg_array(spans, op, "spans", DType::i32, {B, H, 2}, "[B, H, 2]", true);
  }
  if (!instanced && !mask.is_none())
    fail(op, "'mask' (per-image draw modes) is only valid in instanced mode (pos [B, V, 4])");
  const ArrayView mv = draw_mode_view(mask, op, B, T);
  check_indices(tv, 0, V, op, "tri");
  if (B == 0) return;
  RasterParams p{pv.ptr<const float>(), tv.ptr<const int32_t>(), instanced ? nullptr : rg.data(),
                 ov.ptr<float>(), dv.data ? dv.ptr<float>() : nullptr, sv.data,
                 (int)B, (int)V, (int)T, (int)H, (int)W, instanced ? 1 : 0, (int)tcap};
  p.spans = spv.data ? spv.ptr<int32_t>() : nullptr;
  p.mask = mv.data ? mv.ptr<const uint8_t>() : nullptr;
  {
    py::gil_scoped_release nogil;
    raster_run(p, stream);
  }
}

static void rasterize_depth_forward(py::object pos, py::object tri, py::object mask, py::object depth,
                                    py::object scratch, std::uintptr_t stream) {
  const char* op = "rasterize_depth";
  ArrayView pv = arg_array(pos, op, "pos", DType::f32, {-1, -1, 4}, "[B, V, 4]");
  const int64_t B = pv.shape[0], V = pv.shape[1];
  ArrayView tv = arg_array(tri, op, "tri", DType::i32, {-1, 3}, "[T, 3]");
  const int64_t T = tv.shape[0];
  if (T > (int64_t(1) << 24))
    fail(op, "at most 2^24 triangles are supported, got " + std::to_string(T));
  const ArrayView mv = draw_mode_view(mask, op, B, T);
  ArrayView ov = view_array(depth, op, "depth");
  if (ov.ndim() != 3) fail(op, "output 'depth' must be [B, H, W]");
  const int64_t H = ov.shape[1], W = ov.shape[2];
  check_resolution(op, H, W);
  check_array(ov, op, "depth", DType::f32, {B, H, W}, "[B, H, W]", true);
  const ArrayView sv = scratch_view(scratch, op, B, T, H, W);
  check_indices(tv, 0, V, op, "tri");
  if (B == 0) return;
  RasterParams p{pv.ptr<const float>(), tv.ptr<const int32_t>(), nullptr, nullptr, nullptr, sv.data,
                 (int)B, (int)V, (int)T, (int)H, (int)W, 1, (int)T};
  p.depth = ov.ptr<float>();
  p.mask = mv.data ? mv.ptr<const uint8_t>() : nullptr;
  {
    py::gil_scoped_release nogil;
    raster_run(p, stream);
  }
}

void bind_raster(py::module_& m) {
  m.def("rasterize_depth_forward", &rasterize_depth_forward,
        "Depth-only rasterization into caller-allocated depth [B, H, W]: the nearest z/w, +inf "
        "where nothing is drawn (kernels/raster.h).",
        py::arg("pos"), py::arg("tri"), py::arg("mask"), py::arg("depth"), py::arg("scratch"),
        py::arg("stream") = 0);
  m.def("rasterize_forward", &rasterize_forward,
        "Rasterize clip-space triangles into caller-allocated rast [B, H, W, 4] (kernels/raster.h). "
        "With spans (int32 [B, H, 2], CPU only) rast is written only inside each row's span; "
        "mask (uint8 [B, T], instanced mode) holds per-image draw modes (0 none, 1 both sides, "
        "2 counter-clockwise only, 3 clockwise only).",
        py::arg("pos"), py::arg("tri"), py::arg("ranges"), py::arg("rast"), py::arg("rast_db"),
        py::arg("scratch"), py::arg("stream") = 0, py::arg("spans") = py::none(),
        py::arg("mask") = py::none());
  m.def("raster_scratch_bytes", &raster_scratch_bytes,
        "Device scratch bytes rasterize_forward needs (0 on the CPU module).", py::arg("B"),
        py::arg("tcap"), py::arg("H"), py::arg("W"));
}

}  // namespace hr
