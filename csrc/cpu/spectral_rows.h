// spectral_rows.h: CPU helpers shared by the two CPU launchers of PASTA's multiplier
// (cpu/spectral.cpp: half spectrum from the array library's FFT; cpu/spectral_fused.cpp: the
// whole augmentation with the lane FFTs). The math is kernels/spectral.h's.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>
#include "kernels/spectral.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// Hot loops are compiled for AVX-512, AVX2 and baseline x86-64, picked at load time.
#define HR_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define HR_SIMD_CLONES
#endif

namespace hr {

constexpr int kDrawBlocks = 32;  // Philox blocks per SIMD batch

// Draws of full-spectrum row u, draw channel c, image n: z[v] for v in [0, 4 * ceil(W / 4)).
HR_SIMD_CLONES static void draw_row(uint64_t seed, int u, int W, uint32_t c, uint32_t n, float* z) {
  const int nqf = (W + 3) / 4;
  const uint32_t first = static_cast<uint32_t>(u) * static_cast<uint32_t>(nqf);
  // Philox words and Box-Muller in two loops: fewer live vectors each, no spills (~6% faster).
  uint32_t w0[kDrawBlocks], w1[kDrawBlocks], w2[kDrawBlocks], w3[kDrawBlocks];
  float t0[kDrawBlocks], t1[kDrawBlocks], t2[kDrawBlocks], t3[kDrawBlocks];
  for (int j0 = 0; j0 < nqf; j0 += kDrawBlocks) {
    const int cnt = std::min(kDrawBlocks, nqf - j0);
#pragma omp simd
    for (int l = 0; l < cnt; ++l) {
      const u32x4 r =
          philox4x32_10_wide(seed, first + static_cast<uint32_t>(j0 + l), c, n, kSpectralStream);
      w0[l] = r.v[0]; w1[l] = r.v[1]; w2[l] = r.v[2]; w3[l] = r.v[3];
    }
#pragma omp simd
    for (int l = 0; l < cnt; ++l) {  // = normal4_wide of each block
      fast_normal2(w0[l], w1[l], &t0[l], &t1[l]);
      fast_normal2(w2[l], w3[l], &t2[l], &t3[l]);
    }
    float* zo = z + 4 * j0;
    for (int l = 0; l < cnt; ++l) {
      zo[4 * l] = t0[l]; zo[4 * l + 1] = t1[l]; zo[4 * l + 2] = t2[l]; zo[4 * l + 3] = t3[l];
    }
  }
}

// sigma [H, W] in fft2 layout for the parameters p.
static inline std::vector<float> sigma_table(const SpectralMultiplyOp::Params& p) {
  std::vector<float> sig(static_cast<size_t>(p.H) * p.W);
  for (int u = 0; u < p.H; ++u)
    for (int v = 0; v < p.W; ++v) sig[static_cast<size_t>(u) * p.W + v] = SpectralMultiplyOp::sigma(u, v, p);
  return sig;
}

// Rows u and (H - u) % H of the draws for image b, draw channel c: from the caller's z array
// or from Philox into buf [2 * 4 * ceil(W / 4)]. Returns (z_u, z_mirror).
static inline void row_draws(const SpectralMultiplyOp::Params& p, int b, int c, int u, float* buf,
                             const float** zu, const float** zm) {
  const int um = (p.H - u) % p.H;
  if (p.z) {
    const float* zc = p.z + (static_cast<int64_t>(b) * p.Cz + c) * p.H * p.W;
    *zu = zc + static_cast<int64_t>(u) * p.W;
    *zm = zc + static_cast<int64_t>(um) * p.W;
    return;
  }
  const int zw = 4 * ((p.W + 3) / 4);
  const uint32_t n = static_cast<uint32_t>(p.ids ? p.ids[b] : b);
  draw_row(p.seed, u, p.W, c, n, buf);
  if (um != u) draw_row(p.seed, um, p.W, c, n, buf + zw);
  *zu = buf;
  *zm = um != u ? buf + zw : buf;
}

}  // namespace hr
