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
#include "cpu/spectral_rows.h"
#include "kernels/spectral.h"

HR_INSTANTIATE_CPU(hr::SpectralMultiplyOp)
HR_INSTANTIATE_CPU(hr::PhiloxOp)

// The launcher below does its own ISA multiversioning (target_clones), so only the baseline
// compile of the per-ISA builds (cpu/launch_cpu.h) defines it.
#if !defined(HR_CPU_ISA) || HR_CPU_ISA == 0

namespace hr {
namespace {

constexpr int64_t kSpectralSerialBelow = 4096;  // row items below which one thread is faster

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
  const std::vector<float> sig = sigma_table(p);  // shared by all tasks
  const int npairs = H / 2 + 1;  // u = 0 .. H/2 with partner (H - u) % H
  const int64_t ntasks = static_cast<int64_t>(p.B) * p.Cz * npairs;
  const int64_t plane = static_cast<int64_t>(H) * Wh * 2;  // floats per channel of spec
  const int zw = 4 * ((W + 3) / 4);
  const bool parallel = ntasks * W >= kSpectralSerialBelow && omp_get_max_threads() > 1;
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
      const float *zu, *zm;
      row_draws(p, b, c, u, zbuf.data(), &zu, &zm);
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

#endif  // HR_CPU_ISA == 0
