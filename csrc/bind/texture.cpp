// texture.cpp (bind): handraster._C[_cuda].texture_forward / texture_mip_build /
// texture_mip_layout - validate and launch kernels/texture.h. The packed pyramid
// [Bt, total, C] is allocated by handraster/raster/texture.py from texture_mip_layout.
#include <string>

#include "bind/arrays.h"
#include "bind/ops.h"
#include "kernels/texture.h"

namespace hr {
HR_DECLARE_LAUNCH(TextureOp)
HR_DECLARE_LAUNCH(MipDownOp)

// Level sizes: each level halves both sides (a side of 1 stays 1); the pyramid stops at 1x1,
// at a side that is odd and > 1 (it cannot be averaged 2x2), or after max_level levels.
static MipLayout make_layout(int64_t h, int64_t w, int64_t max_level, const char* op) {
  if (h < 1 || w < 1 || h > (1 << 15) || w > (1 << 15))
    fail(op, "texture sides must be in [1, 32768], got " + std::to_string(h) + " x " + std::to_string(w));
  MipLayout L{};
  L.levels = 1;
  L.h[0] = (int)h; L.w[0] = (int)w; L.offset[0] = 0;
  int64_t total = h * w;
  while (L.levels < kMaxMipLevels && (max_level < 0 || L.levels <= max_level)) {
    const int ph = L.h[L.levels - 1], pw = L.w[L.levels - 1];
    if ((ph == 1 && pw == 1) || (ph > 1 && ph % 2) || (pw > 1 && pw % 2)) break;
    L.h[L.levels] = ph > 1 ? ph / 2 : 1;
    L.w[L.levels] = pw > 1 ? pw / 2 : 1;
    L.offset[L.levels] = total;
    total += (int64_t)L.h[L.levels] * L.w[L.levels];
    ++L.levels;
  }
  L.total = total;
  return L;
}

static py::tuple mip_layout(int64_t h, int64_t w, int64_t max_level) {
  MipLayout L = make_layout(h, w, max_level, "texture_construct_mip");
  py::list sizes;
  for (int l = 0; l < L.levels; ++l) sizes.append(py::make_tuple(L.h[l], L.w[l]));
  return py::make_tuple(sizes, L.total);
}

static ArrayView check_pyramid(py::handle tex, const char* op, int64_t h, int64_t w, int64_t max_level,
                               MipLayout* L) {
  *L = make_layout(h, w, max_level, op);
  ArrayView tv = view_array(tex, op, "tex");
  if (tv.ndim() != 3) fail(op, "the packed texture must be [Bt, texels, C]");
  check_array(tv, op, "tex", DType::f32, {-1, L->total, -1}, "[Bt, texels, C]");
  return tv;
}

static void mip_build(py::object tex, int64_t h, int64_t w, int64_t max_level, std::uintptr_t stream) {
  const char* op = "texture_construct_mip";
  MipLayout L;
  ArrayView tv = check_pyramid(tex, op, h, w, max_level, &L);
  if (tv.readonly) fail(op, "the packed texture is read-only");
  const int64_t Bt = tv.shape[0], C = tv.shape[2];
  py::gil_scoped_release nogil;
  for (int l = 0; l + 1 < L.levels; ++l) {
    MipDownOp::Params p{tv.ptr<float>(), L.total, L.offset[l], L.offset[l + 1],
                        L.h[l], L.w[l], L.h[l + 1], L.w[l + 1], (int)C};
    launch<MipDownOp>(p, Bt * L.h[l + 1] * L.w[l + 1], stream);
  }
}

static void texture_forward(py::object tex, int64_t h, int64_t w, int64_t max_level, py::object uv,
                            py::object uv_da, py::object bias, py::object out, int filter,
                            int boundary, std::uintptr_t stream) {
  const char* op = "texture";
  if (filter < kTexNearest || filter > kTexMipLinear) fail(op, "unknown filter mode");
  if (boundary < kTexWrap || boundary > kTexZero) fail(op, "unknown boundary mode");
  MipLayout L;
  ArrayView tv = check_pyramid(tex, op, h, w, max_level, &L);
  if (filter < kTexMipNearest) L.levels = 1;  // plain filtering reads level 0 only (total stays)
  const int64_t Bt = tv.shape[0], C = tv.shape[2];
  ArrayView uvv = view_array(uv, op, "uv");
  if (uvv.ndim() != 4) fail(op, "argument 'uv' must be [B, H, W, 2], got " + std::to_string(uvv.ndim()) + " dimensions");
  check_array(uvv, op, "uv", DType::f32, {-1, -1, -1, 2}, "[B, H, W, 2]");
  const int64_t B = uvv.shape[0], H = uvv.shape[1], W = uvv.shape[2];
  if (Bt != 1 && Bt != B)
    fail(op, "argument 'tex' has batch " + std::to_string(Bt) + " but uv has " + std::to_string(B) + " (use 1 to share)");
  ArrayView dav = opt_array(uv_da, op, "uv_da", DType::f32, {B, H, W, 4}, "[B, H, W, 4]");
  ArrayView bv = opt_array(bias, op, "mip_level_bias", DType::f32, {B, H, W}, "[B, H, W]");
  ArrayView ov = arg_array(out, op, "out", DType::f32, {B, H, W, C}, "[B, H, W, C]", true);
  if (B * H * W == 0) return;
  TextureOp::Params p{tv.ptr<const float>(), uvv.ptr<const float>(),
                      dav.data ? dav.ptr<const float>() : nullptr,
                      bv.data ? bv.ptr<const float>() : nullptr, ov.ptr<float>(), L, H * W, (int)C,
                      Bt == B && B > 1 ? 1 : 0, filter, boundary};
  py::gil_scoped_release nogil;
  launch<TextureOp>(p, B * H * W, stream);
}

void bind_texture(py::module_& m) {
  m.def("texture_mip_layout", &mip_layout, "([(h, w) per level], texels per texture) of a mip pyramid.",
        py::arg("h"), py::arg("w"), py::arg("max_level"));
  m.def("texture_mip_build", &mip_build, "Fill levels 1.. of a packed pyramid from level 0.",
        py::arg("tex"), py::arg("h"), py::arg("w"), py::arg("max_level"), py::arg("stream") = 0);
  m.def("texture_forward", &texture_forward, "Sample a packed texture pyramid (kernels/texture.h).",
        py::arg("tex"), py::arg("h"), py::arg("w"), py::arg("max_level"), py::arg("uv"),
        py::arg("uv_da"), py::arg("bias"), py::arg("out"), py::arg("filter"), py::arg("boundary"),
        py::arg("stream") = 0);
}

}  // namespace hr
