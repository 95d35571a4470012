// spectral_rows.h: CPU helpers shared by the two CPU launchers of PASTA's multiplier
// (cpu/spectral.cpp: half spectrum from the array library's FFT; cpu/spectral_fused.cpp: the
// whole augmentation with the lane FFTs). The math is kernels/spectral.h's.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>
#include "cpu/launch_cpu.h"
#include "kernels/spectral.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define HR_X86_GCC 1
// Hot loops are compiled for AVX-512, AVX2 and baseline x86-64, picked at load time.
#define HR_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define HR_SIMD_CLONES
#endif

namespace hr {

constexpr int kDrawBlocks = 32;  // Philox blocks per SIMD batch

// Draws of full-spectrum row u, draw channel c, image n: z[v] for v in [0, 4 * ceil(W / 4)).
// Portable form: compiled per ISA by target_clones.
HR_SIMD_CLONES static void draw_row_generic(uint64_t seed, int u, int W, uint32_t c, uint32_t n, float* z) {
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

#ifdef HR_X86_GCC
// The same draws with Philox written in AVX-512 intrinsics. GCC vectorises
// philox4x32_10_wide's u64 products as full 64 x 64 multiplies under plain AVX-512F (three
// vpmuludq, two shifts, two adds each: the u32 casts do not survive), so here every product
// is one vpmuludq and each three-way xor one vpternlogq; high halves left in the lanes are
// never read (vpmuludq reads the low 32 bits). Words bit-identical; Box-Muller is the same
// fast_normal2 loop as above, fed by full-width stores so its loads forward.
__attribute__((target("avx512f"))) static void draw_row_avx512(uint64_t seed, int u, int W,
                                                               uint32_t c, uint32_t n, float* z) {
  const int nqf = (W + 3) / 4;
  const uint32_t first = static_cast<uint32_t>(u) * static_cast<uint32_t>(nqf);
  alignas(64) uint32_t w[4][kDrawBlocks];
  alignas(64) float t[4][kDrawBlocks];
  __m512i k0[10], k1[10];
  uint32_t a = static_cast<uint32_t>(seed), b = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r, a += 0x9E3779B9u, b += 0xBB67AE85u) {
    k0[r] = _mm512_set1_epi64(a);
    k1[r] = _mm512_set1_epi64(b);
  }
  const __m512i M0 = _mm512_set1_epi64(0xD2511F53u), M1 = _mm512_set1_epi64(0xCD9E8D57u);
  const __m512i cw = _mm512_set1_epi64(c), nw = _mm512_set1_epi64(n);
  const __m512i sw = _mm512_set1_epi64(kSpectralStream), lane = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
  for (int j0 = 0; j0 < nqf; j0 += kDrawBlocks) {
    const int cnt = std::min(kDrawBlocks, nqf - j0);
    for (int g = 0; g < cnt; g += 16) {  // two 8-lane halves -> one 16-word store per component
      __m256i out[2][4];
      for (int h = 0; h < 2; ++h) {
        __m512i x0 = _mm512_add_epi64(_mm512_set1_epi64(first + static_cast<uint32_t>(j0 + g + 8 * h)), lane);
        __m512i x1 = cw, x2 = nw, x3 = sw;
        for (int r = 0; r < 10; ++r) {
          const __m512i p0 = _mm512_mul_epu32(x0, M0), p1 = _mm512_mul_epu32(x2, M1);
          x0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), x1, k0[r], 0x96);
          x2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), x3, k1[r], 0x96);
          x1 = p1;
          x3 = p0;
        }
        out[h][0] = _mm512_cvtepi64_epi32(x0);
        out[h][1] = _mm512_cvtepi64_epi32(x1);
        out[h][2] = _mm512_cvtepi64_epi32(x2);
        out[h][3] = _mm512_cvtepi64_epi32(x3);
      }
      for (int k = 0; k < 4; ++k)
        _mm512_store_si512(reinterpret_cast<__m512i*>(&w[k][g]),
                           _mm512_inserti64x4(_mm512_castsi256_si512(out[0][k]), out[1][k], 1));
    }
#pragma omp simd
    for (int l = 0; l < cnt; ++l) {  // = normal4_wide of each block
      fast_normal2(w[0][l], w[1][l], &t[0][l], &t[1][l]);
      fast_normal2(w[2][l], w[3][l], &t[2][l], &t[3][l]);
    }
    float* zo = z + 4 * j0;
    for (int l = 0; l < cnt; ++l) {
      zo[4 * l] = t[0][l]; zo[4 * l + 1] = t[1][l]; zo[4 * l + 2] = t[2][l]; zo[4 * l + 3] = t[3][l];
    }
  }
}
#endif

// Picks the draw_row form for the running CPU (cpu_isa_level, so HANDRASTER_CPU_ISA caps it).
static inline void draw_row(uint64_t seed, int u, int W, uint32_t c, uint32_t n, float* z) {
#ifdef HR_X86_GCC
  static const bool avx512 = cpu_isa_level() >= 3;
  if (avx512) return draw_row_avx512(seed, u, W, c, n, z);
#endif
  draw_row_generic(seed, u, W, c, n, z);
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
