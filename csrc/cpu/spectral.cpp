// spectral.cpp: CPU launchers of the spectral ops (kernels/spectral.h, kernels/philox.h).
//
// SpectralMultiplyOp on the CPU runs one task per (image, draw channel, mirrored row pair
// {u, (H - u) % H}): the draws of both full-spectrum rows are made once, in SIMD batches of
// Philox blocks, then the Hermitian-symmetrised multiplier of both half-spectrum rows is formed
// and applied. The math (pasta_freq, sigma, normal4) is the shared HR_HD code of the kernel
// headers; only the loop order differs from the CUDA work items. Hot loops are compiled for
// AVX-512, AVX2 and baseline x86-64 and picked at load time (GCC target_clones).
#include <omp.h>
#include <algorithm>
#include <vector>
#include "cpu/launch_cpu.h"
#include "kernels/spectral.h"

HR_INSTANTIATE_CPU(hr::SpectralMultiplyOp)
HR_INSTANTIATE_CPU(hr::PhiloxOp)

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HR_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define HR_SIMD_CLONES
#endif

namespace hr {
namespace {

constexpr int kBlocks = 32;  // Philox blocks per SIMD batch

// Draws of full-spectrum row u: z[v] for v in [0, 4 * ceil(W / 4)).
HR_SIMD_CLONES void draw_row(uint64_t seed, int u, int W, uint32_t c, uint32_t n, float* z) {
  const int nqf = (W + 3) / 4;
  const uint32_t first = static_cast<uint32_t>(u) * static_cast<uint32_t>(nqf);
  float t0[kBlocks], t1[kBlocks], t2[kBlocks], t3[kBlocks];
  for (int j0 = 0; j0 < nqf; j0 += kBlocks) {
    const int cnt = std::min(kBlocks, nqf - j0);
#pragma omp simd
    for (int l = 0; l < cnt; ++l) {
      normal4_wide(seed, first + static_cast<uint32_t>(j0 + l), c, n, kSpectralStream, &t0[l],
                   &t1[l], &t2[l], &t3[l]);
    }
    float* zo = z + 4 * j0;
    for (int l = 0; l < cnt; ++l) {
      zo[4 * l] = t0[l]; zo[4 * l + 1] = t1[l]; zo[4 * l + 2] = t2[l]; zo[4 * l + 3] = t3[l];
    }
  }
}

// m[v] = 1 + (sig_r[v] z_r[v] + sig_m[-v] z_m[-v]) / 2 for v in [0, Wh), indices mod W, where
// row m is the mirror of row r; then every channel row of the half spectrum is scaled by m.
HR_SIMD_CLONES void scale_row(const float* sig_r, const float* z_r, const float* sig_m,
                              const float* z_m, int W, int Wh, float* m, float* const* rows,
                              int nrows) {
  m[0] = 1.0f + 0.5f * (sig_r[0] * z_r[0] + sig_m[0] * z_m[0]);
#pragma omp simd
  for (int v = 1; v < Wh; ++v)
    m[v] = 1.0f + 0.5f * (sig_r[v] * z_r[v] + sig_m[W - v] * z_m[W - v]);
  for (int r = 0; r < nrows; ++r) {
    float* s = rows[r];
#pragma omp simd
    for (int v = 0; v < Wh; ++v) {
      s[2 * v] *= m[v];
      s[2 * v + 1] *= m[v];
    }
  }
}

}  // namespace

void spectral_multiply_launch(const SpectralMultiplyOp::Params& p, StreamHandle) {
  const int H = p.H, W = p.W, Wh = p.Wh;
  std::vector<float> sig(static_cast<size_t>(H) * W);  // sigma in fft2 layout, shared by all
  for (int u = 0; u < H; ++u)
    for (int v = 0; v < W; ++v) sig[static_cast<size_t>(u) * W + v] = SpectralMultiplyOp::sigma(u, v, p);
  const int npairs = H / 2 + 1;  // u = 0 .. H/2 with partner (H - u) % H
  const int64_t ntasks = static_cast<int64_t>(p.B) * p.Cz * npairs;
  const int64_t plane = static_cast<int64_t>(H) * Wh * 2;  // floats per channel of spec
  const int zw = 4 * ((W + 3) / 4);
  const bool parallel = ntasks * W >= kSerialBelow && omp_get_max_threads() > 1;
#pragma omp parallel if (parallel)
  {
    std::vector<float> zbuf(2 * static_cast<size_t>(zw)), mbuf(Wh);
    std::vector<float*> rows(p.C);
#pragma omp for schedule(static)
    for (int64_t t = 0; t < ntasks; ++t) {
      const int u = static_cast<int>(t % npairs);
      const int c = static_cast<int>((t / npairs) % p.Cz);
      const int b = static_cast<int>(t / (static_cast<int64_t>(npairs) * p.Cz));
      const int um = (H - u) % H;
      if (um < u) continue;  // odd H: u = H/2 + ... pairs already covered by their partner
      const float *zu, *zm;
      if (p.z) {
        const float* zc = p.z + (static_cast<int64_t>(b) * p.Cz + c) * H * W;
        zu = zc + static_cast<int64_t>(u) * W;
        zm = zc + static_cast<int64_t>(um) * W;
      } else {
        const uint32_t n = static_cast<uint32_t>(p.ids ? p.ids[b] : b);
        draw_row(p.seed, u, W, c, n, zbuf.data());
        if (um != u) draw_row(p.seed, um, W, c, n, zbuf.data() + zw);
        zu = zbuf.data();
        zm = um != u ? zbuf.data() + zw : zu;
      }
      const int c0 = p.Cz == 1 ? 0 : c, nrows = p.Cz == 1 ? p.C : 1;
      for (int side = 0; side < (um != u ? 2 : 1); ++side) {
        const int r = side == 0 ? u : um, rm = side == 0 ? um : u;
        for (int k = 0; k < nrows; ++k)
          rows[k] = p.spec + (static_cast<int64_t>(b) * p.C + c0 + k) * plane +
                    static_cast<int64_t>(r) * Wh * 2;
        scale_row(sig.data() + static_cast<size_t>(r) * W, side == 0 ? zu : zm,
                  sig.data() + static_cast<size_t>(rm) * W, side == 0 ? zm : zu, W, Wh,
                  mbuf.data(), rows.data(), nrows);
      }
    }
  }
}

}  // namespace hr
