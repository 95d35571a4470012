// png_deflate.cpp (bind): handraster._C[_cuda].png_deflate - validates and launches
// kernels/png_deflate.h, which writes each image's PNG IDAT payload (a zlib stream) into a
// caller-allocated row of `out`; handraster/data/png_native.py wraps it into PNG files.
#include <string>
#include "bind/arrays.h"
#include "bind/ops.h"
#include "kernels/png_deflate.h"

namespace hr {
HR_DECLARE_LAUNCH(PngDeflateOp)

static void png_deflate(py::object src, int kind, double inv_scale, py::object out, py::object size,
                        std::uintptr_t stream) {
  const char* op = "png_deflate";
  if (kind < 0 || kind > 2) fail(op, "kind must be 0 (uint8), 1 (uint16 as bytes) or 2 (float32 depth), got " + std::to_string(kind));
  ArrayView sv = view_array(src, op, "src");
  if (sv.ndim() != 3) fail(op, "argument 'src' must be [B, H, W], got " + std::to_string(sv.ndim()) + " dimensions");
  if (kind == 2) check_array(sv, op, "src", DType::f32, {-1, -1, -1}, "[B, H, W]");
  else check_array(sv, op, "src", DType::u8, {-1, -1, -1}, kind == 1 ? "[B, H, 2W]" : "[B, H, W]");
  const int64_t B = sv.shape[0], H = sv.shape[1];
  if (kind == 1 && sv.shape[2] % 2) fail(op, "argument 'src' (uint16 as bytes) must have an even last size, got " + std::to_string(sv.shape[2]));
  const int64_t W = kind == 1 ? sv.shape[2] / 2 : sv.shape[2];
  const int64_t rb = kind == 0 ? W : 2 * W;
  if (W < 1 || H < 1) fail(op, "argument 'src' must have H, W >= 1");
  if (rb > kPngMaxRowBytes) fail(op, "rows of " + std::to_string(rb) + " bytes exceed the limit of " + std::to_string(kPngMaxRowBytes));
  if (kind == 2 && !(inv_scale > 0 && inv_scale < 1e300)) fail(op, "inv_scale must be finite and > 0, got " + std::to_string(inv_scale));
  const int64_t need = png_deflate_bound(H * (rb + 1));
  ArrayView ov = view_array(out, op, "out");
  check_array(ov, op, "out", DType::u8, {B, -1}, "[B, cap]", true);
  if (ov.shape[1] < need) fail(op, "argument 'out' has rows of " + std::to_string(ov.shape[1]) + " bytes; at least " + std::to_string(need) + " are needed");
  ArrayView zv = arg_array(size, op, "size", DType::i64, {B}, "[B]", true);
  if (B == 0) return;
  PngDeflateOp::Params p{sv.data, ov.ptr<uint8_t>(), zv.ptr<int64_t>(), ov.shape[1], inv_scale,
                         (int)H, (int)W, kind};
  py::gil_scoped_release nogil;
  launch<PngDeflateOp>(p, B, stream);
}

void bind_png_deflate(py::module_& m) {
  m.def("png_deflate", &png_deflate,
        "PNG IDAT payloads ('Up' filter, run-length deflate) into a caller-allocated output (kernels/png_deflate.h).",
        py::arg("src"), py::arg("kind"), py::arg("inv_scale"), py::arg("out"), py::arg("size"), py::arg("stream") = 0);
  m.def("png_deflate_bound", [](int64_t n) { return png_deflate_bound(n); },
        "Output bytes per image that always suffice for n filtered bytes (H * (row bytes + 1)).", py::arg("n"));
}

}  // namespace hr
