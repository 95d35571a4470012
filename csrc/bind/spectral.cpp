// spectral.cpp (bind): handraster._C[_cuda].spectral_multiply and .philox_blocks - validate
// and launch the ops of kernels/spectral.h and kernels/philox.h. The FFTs around
// spectral_multiply are done by the caller (handraster/augment/spectral.py).
#include <cmath>
#include <string>
#include <vector>
#include "bind/arrays.h"
#include "bind/ops.h"
#include "kernels/spectral.h"
#if !HR_BACKEND_CUDA
#include "cpu/spectral_fused.h"
#endif

namespace hr {
HR_DECLARE_LAUNCH(SpectralMultiplyOp)
HR_DECLARE_LAUNCH(PhiloxOp)

// Every value of an int64 array must lie in [0, 2^32) (Philox counter words are uint32).
static void check_u32_values(const ArrayView& a, const char* op, const char* arg) {
  const int64_t n = a.numel();
  if (n == 0) return;
  std::vector<int64_t> host(n);
  copy_to_host(host.data(), a.data, n * sizeof(int64_t));
  for (int64_t i = 0; i < n; ++i)
    if (host[i] < 0 || host[i] > 0xFFFFFFFFLL)
      fail(op, std::string("argument '") + arg + "' has value " + std::to_string(host[i]) +
                   " at flat position " + std::to_string(i) + "; every value must lie in [0, 2^32)");
}

static void check_param(double x, const char* op, const char* arg) {
  if (!std::isfinite(x) || x < 0)
    fail(op, std::string("argument '") + arg + "' must be finite and >= 0, got " + std::to_string(x));
}

// Checks z, ids and the scalar parameters and fills the rest of p; the sizes
// (B, C, H, W, Wh, nq) must be set before.
static void fill_params(SpectralMultiplyOp::Params& p, const char* op, py::object z, py::object ids,
                        uint64_t seed, double alpha, double beta, double k, const std::string& mode) {
  if (mode != "per_channel" && mode != "const")
    fail(op, "mode must be 'per_channel' or 'const', got '" + mode + "'");
  p.Cz = mode == "const" ? 1 : p.C;
  ArrayView zv = opt_array(z, op, "z", DType::f32, {p.B, p.Cz, p.H, p.W},
                           mode == "const" ? "[B, 1, H, W]" : "[B, C, H, W]");
  ArrayView iv = opt_array(ids, op, "ids", DType::i64, {p.B}, "[B]");
  if (iv.data) check_u32_values(iv, op, "ids");
  check_param(alpha, op, "alpha");
  check_param(beta, op, "beta");
  check_param(k, op, "k");
  const double mx = (p.W - 1) / 2, my = (p.H - 1) / 2;
  const double rmax = std::sqrt(mx * mx + my * my);
  p.z = zv.data ? zv.ptr<const float>() : nullptr;
  p.ids = iv.data ? iv.ptr<const int64_t>() : nullptr;
  p.seed = seed;
  p.scale = rmax > 0 ? static_cast<float>(alpha / rmax) : 0.0f;
  p.beta = static_cast<float>(beta);
  p.k = static_cast<float>(k);
}

static void spectral_multiply(py::object spec, int W, py::object z, py::object ids, uint64_t seed,
                              double alpha, double beta, double k, const std::string& mode,
                              std::uintptr_t stream, bool flat_items) {
  const char* op = "spectral_multiply";
  ArrayView sv = view_array(spec, op, "spec");
  if (sv.ndim() != 5)
    fail(op, "argument 'spec' must be float32 with shape [B, C, H, W // 2 + 1, 2] (the complex "
             "half spectrum viewed as real pairs), got " + std::to_string(sv.ndim()) + " dimensions");
  const int64_t B = sv.shape[0], C = sv.shape[1], H = sv.shape[2], Wh = sv.shape[3];
  if (W < 1 || W / 2 + 1 != Wh)
    fail(op, "W = " + std::to_string(W) + " does not match the half-spectrum width " +
                 std::to_string(Wh) + " (expected W // 2 + 1 == " + std::to_string(Wh) + ")");
  if (H < 1 || C < 1) fail(op, "the spectrum must have H >= 1 and C >= 1");
  check_array(sv, op, "spec", DType::f32, {B, C, H, Wh, 2}, "[B, C, H, W // 2 + 1, 2]", true);
  SpectralMultiplyOp::Params p{};
  p.spec = sv.ptr<float>();
  p.B = (int)B; p.C = (int)C; p.H = (int)H; p.W = W; p.Wh = (int)Wh;
  p.nq = (int)((Wh + 3) / 4);
  fill_params(p, op, z, ids, seed, alpha, beta, k, mode);
  const int64_t n = B * p.Cz * H * p.nq;
  if (n == 0) return;
  py::gil_scoped_release nogil;
  if (flat_items)  // the CUDA work items, run by the generic launcher (tests use it on CPU)
    launch<SpectralMultiplyOp>(p, n, stream);
  else
    spectral_multiply_launch(p, stream);
}

#if !HR_BACKEND_CUDA
static void pasta_fused(py::object images, py::object out, py::object z, py::object ids,
                        uint64_t seed, double alpha, double beta, double k, const std::string& mode,
                        py::object bad) {
  const char* op = "pasta_fused";
  ArrayView xv = view_array(images, op, "images");
  if (xv.ndim() != 4) fail(op, "argument 'images' must be float32 [B, C, H, W], got " +
                                   std::to_string(xv.ndim()) + " dimensions");
  const int64_t B = xv.shape[0], C = xv.shape[1], H = xv.shape[2], W = xv.shape[3];
  check_array(xv, op, "images", DType::f32, {B, C, H, W}, "[B, C, H, W]");
  if (!pasta_fused_supported((int)H, (int)W))
    fail(op, "H and W must be powers of two >= 2, got " + std::to_string(H) + " x " + std::to_string(W));
  ArrayView ov = arg_array(out, op, "out", DType::f32, {B, C, H, W}, "[B, C, H, W]", true);
  ArrayView bv = arg_array(bad, op, "bad", DType::i64, {B}, "[B]", true);
  SpectralMultiplyOp::Params p{};
  p.B = (int)B; p.C = (int)C; p.H = (int)H; p.W = (int)W; p.Wh = (int)(W / 2 + 1);
  p.nq = (p.Wh + 3) / 4;
  fill_params(p, op, z, ids, seed, alpha, beta, k, mode);
  if (B == 0 || C == 0) return;
  py::gil_scoped_release nogil;
  pasta_fused_cpu(xv.ptr<const float>(), ov.ptr<float>(), bv.ptr<int64_t>(), p);
}

// In place on uint8 [B, H, W, C] renders: only the images listed in `which` (all when None).
static void pasta_fused_u8(py::object rgb, py::object which, py::object ids, uint64_t seed,
                           double alpha, double beta, double k, const std::string& mode) {
  const char* op = "pasta_fused_u8";
  ArrayView xv = view_array(rgb, op, "rgb");
  if (xv.ndim() != 4) fail(op, "argument 'rgb' must be uint8 [B, H, W, C], got " +
                                   std::to_string(xv.ndim()) + " dimensions");
  const int64_t B = xv.shape[0], H = xv.shape[1], W = xv.shape[2], C = xv.shape[3];
  check_array(xv, op, "rgb", DType::u8, {B, H, W, C}, "[B, H, W, C]", true);  // in place: writable
  if (!pasta_fused_supported((int)H, (int)W))
    fail(op, "H and W must be powers of two >= 2, got " + std::to_string(H) + " x " + std::to_string(W));
  ArrayView wv = opt_array(which, op, "which", DType::i64, {-1}, "[n]");
  const int64_t n = wv.data ? wv.shape[0] : B;
  for (int64_t i = 0; i < (wv.data ? n : 0); ++i)  // check_indices reads int32; these are int64
    if (wv.ptr<const int64_t>()[i] < 0 || wv.ptr<const int64_t>()[i] >= B)
      fail(op, "argument 'which' has value " + std::to_string(wv.ptr<const int64_t>()[i]) +
                   " at position " + std::to_string(i) + "; every value must lie in [0, " +
                   std::to_string(B) + ")");
  SpectralMultiplyOp::Params p{};
  p.B = (int)B; p.C = (int)C; p.H = (int)H; p.W = (int)W; p.Wh = (int)(W / 2 + 1);
  p.nq = (p.Wh + 3) / 4;
  fill_params(p, op, py::none(), ids, seed, alpha, beta, k, mode);
  if (n == 0 || C == 0) return;
  py::gil_scoped_release nogil;
  pasta_fused_u8_cpu(xv.ptr<uint8_t>(), wv.data ? wv.ptr<const int64_t>() : nullptr, n, p);
}
#endif

static void philox_blocks(py::object counters, uint64_t seed, py::object words, py::object normals,
                          std::uintptr_t stream) {
  const char* op = "philox_blocks";
  ArrayView cv = view_array(counters, op, "counters");
  const int64_t N = cv.ndim() == 2 ? cv.shape[0] : -1;
  check_array(cv, op, "counters", DType::i64, {N, 4}, "[N, 4]");
  check_u32_values(cv, op, "counters");
  ArrayView wv = arg_array(words, op, "words", DType::i64, {N, 4}, "[N, 4]", true);
  ArrayView nv = arg_array(normals, op, "normals", DType::f32, {N, 4}, "[N, 4]", true);
  PhiloxOp::Params p{cv.ptr<const int64_t>(), wv.ptr<int64_t>(), nv.ptr<float>(), seed, N};
  if (N == 0) return;
  py::gil_scoped_release nogil;
  launch<PhiloxOp>(p, N, stream);
}

void bind_spectral(py::module_& m) {
  m.def("spectral_multiply", &spectral_multiply,
        "Scale a complex half spectrum in place by PASTA's Hermitian-symmetrised amplitude "
        "multiplier (see kernels/spectral.h).",
        py::arg("spec"), py::arg("W"), py::arg("z"), py::arg("ids"), py::arg("seed"),
        py::arg("alpha"), py::arg("beta"), py::arg("k"), py::arg("mode"), py::arg("stream") = 0,
        py::arg("flat_items") = false);
#if !HR_BACKEND_CUDA
  m.def("pasta_fused", &pasta_fused,
        "The whole PASTA augmentation on CPU for power-of-two sizes (cpu/spectral_fused.cpp): "
        "images -> out, per-image counts of inputs outside [0, 1] -> bad.",
        py::arg("images"), py::arg("out"), py::arg("z"), py::arg("ids"), py::arg("seed"),
        py::arg("alpha"), py::arg("beta"), py::arg("k"), py::arg("mode"), py::arg("bad"));
  m.def("pasta_fused_u8", &pasta_fused_u8,
        "PASTA in place on uint8 [B, H, W, C] renders (byte / 255 in, round half up out) for "
        "power-of-two sizes, only the images listed in `which` (all when None).",
        py::arg("rgb"), py::arg("which"), py::arg("ids"), py::arg("seed"), py::arg("alpha"),
        py::arg("beta"), py::arg("k"), py::arg("mode"));
#endif
  m.def("philox_blocks", &philox_blocks,
        "Raw Philox4x32-10 blocks and their four normals (kernels/philox.h), for tests.",
        py::arg("counters"), py::arg("seed"), py::arg("words"), py::arg("normals"),
        py::arg("stream") = 0);
}

}  // namespace hr
