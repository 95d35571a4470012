// fft_lanes.h: power-of-two complex FFTs along the outer axis of a [n, V] split-complex array,
// vectorised across the V contiguous lanes (CPU only; CUDA uses cuFFT through the caller).
//
// Stockham autosort (no bit reversal), radix 4 with one radix-2 pass when log2 n is odd:
//   X[k] = sum_j x[j] exp(-+2 pi i j k / n)        sign -1 forward, +1 inverse, unnormalised
// Every butterfly is a loop over the V lanes of four rows, so with V >= 16 the inner loops are
// long, unit-stride and branch-free, which compilers vectorise fully. Twiddles are made once per
// (n, direction) in double precision. Used by cpu/spectral_fused.cpp.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

// Always inlined into the caller, so that the caller's target clones (AVX-512, AVX2, ...)
// compile these loops for their instruction set rather than for baseline x86-64.
#if defined(__GNUC__)
#define HR_LANES_INLINE __attribute__((always_inline)) inline
#else
#define HR_LANES_INLINE inline
#endif

namespace hr {
namespace lanes {

// Twiddles for every Stockham level of an n-point transform: for the level of length L (n, n/4,
// ...) the entries w^p, w^2p, w^3p (radix 4) for p < L/4, w = exp(sign 2 pi i / L).
struct FftPlan {
  int n = 0;
  int sign = -1;
  std::vector<float> tw;  // per level: [L/4][3][2] (re, im)
  explicit FftPlan(int n_, int sign_) : n(n_), sign(sign_) {
    for (int L = n; L >= 4; L /= 4)
      for (int p = 0; p < L / 4; ++p)
        for (int m = 1; m <= 3; ++m) {
          const double a = sign * 2.0 * M_PI * m * p / L;
          tw.push_back(static_cast<float>(std::cos(a)));
          tw.push_back(static_cast<float>(std::sin(a)));
        }
  }
};

// One radix-4 Stockham level: L-point sub-transforms with stride s (L * s = n), x -> y.
// Row index of element (q, e) is q + s * e; every row is V lanes of (re, im) split arrays.
HR_LANES_INLINE void radix4_level(int L, int s, int V, int sign, const float* tw, const float* xr,
                         const float* xi, float* yr, float* yi) {
  const int L4 = L / 4;
  for (int p = 0; p < L4; ++p) {
    const float w1r = tw[6 * p], w1i = tw[6 * p + 1], w2r = tw[6 * p + 2], w2i = tw[6 * p + 3],
                w3r = tw[6 * p + 4], w3i = tw[6 * p + 5];
    for (int q = 0; q < s; ++q) {
      const int64_t ia = (int64_t)(q + s * p) * V, ib = (int64_t)(q + s * (p + L4)) * V,
                    ic = (int64_t)(q + s * (p + 2 * L4)) * V, id = (int64_t)(q + s * (p + 3 * L4)) * V;
      const int64_t o0 = (int64_t)(q + s * (4 * p)) * V, o1 = o0 + (int64_t)s * V,
                    o2 = o1 + (int64_t)s * V, o3 = o2 + (int64_t)s * V;
      const float* __restrict ar = xr + ia; const float* __restrict ai = xi + ia;
      const float* __restrict br = xr + ib; const float* __restrict bi = xi + ib;
      const float* __restrict cr = xr + ic; const float* __restrict ci = xi + ic;
      const float* __restrict dr = xr + id; const float* __restrict di = xi + id;
      float* __restrict y0r = yr + o0; float* __restrict y0i = yi + o0;
      float* __restrict y1r = yr + o1; float* __restrict y1i = yi + o1;
      float* __restrict y2r = yr + o2; float* __restrict y2i = yi + o2;
      float* __restrict y3r = yr + o3; float* __restrict y3i = yi + o3;
#pragma omp simd
      for (int j = 0; j < V; ++j) {
        const float apcr = ar[j] + cr[j], apci = ai[j] + ci[j];
        const float amcr = ar[j] - cr[j], amci = ai[j] - ci[j];
        const float bpdr = br[j] + dr[j], bpdi = bi[j] + di[j];
        // j * sign * (b - d): multiply (b - d) by i (forward: -i)
        const float bmdr = br[j] - dr[j], bmdi = bi[j] - di[j];
        const float jr = -sign * bmdi, ji = sign * bmdr;
        y0r[j] = apcr + bpdr;
        y0i[j] = apci + bpdi;
        const float t1r = amcr + jr, t1i = amci + ji;   // a - c + sign*i*(b - d)
        const float t2r = apcr - bpdr, t2i = apci - bpdi;
        const float t3r = amcr - jr, t3i = amci - ji;
        y1r[j] = t1r * w1r - t1i * w1i;
        y1i[j] = t1r * w1i + t1i * w1r;
        y2r[j] = t2r * w2r - t2i * w2i;
        y2i[j] = t2r * w2i + t2i * w2r;
        y3r[j] = t3r * w3r - t3i * w3i;
        y3i[j] = t3r * w3i + t3i * w3r;
      }
    }
  }
}

// Final radix-2 level (L = 2, s = n / 2), x -> y.
HR_LANES_INLINE void radix2_level(int s, int V, const float* xr, const float* xi, float* yr, float* yi) {
  for (int q = 0; q < s; ++q) {
    const float* __restrict ar = xr + (int64_t)q * V; const float* __restrict ai = xi + (int64_t)q * V;
    const float* __restrict br = xr + (int64_t)(q + s) * V; const float* __restrict bi = xi + (int64_t)(q + s) * V;
    float* __restrict y0r = yr + (int64_t)q * V; float* __restrict y0i = yi + (int64_t)q * V;
    float* __restrict y1r = yr + (int64_t)(q + s) * V; float* __restrict y1i = yi + (int64_t)(q + s) * V;
#pragma omp simd
    for (int j = 0; j < V; ++j) {
      const float a_r = ar[j], a_i = ai[j], b_r = br[j], b_i = bi[j];
      y0r[j] = a_r + b_r; y0i[j] = a_i + b_i;
      y1r[j] = a_r - b_r; y1i[j] = a_i - b_i;
    }
  }
}

// Transform (re, im) [n, V] in place, using (wr, wi) [n, V] as scratch.
HR_LANES_INLINE void fft(const FftPlan& plan, int V, float* re, float* im, float* wr, float* wi) {
  const int n = plan.n;
  float *xr = re, *xi = im, *yr = wr, *yi = wi;
  const float* tw = plan.tw.data();
  int s = 1, L = n;
  for (; L >= 4; L /= 4) {
    radix4_level(L, s, V, plan.sign, tw, xr, xi, yr, yi);
    tw += 6 * (L / 4);
    s *= 4;
    std::swap(xr, yr);
    std::swap(xi, yi);
  }
  if (L == 2) {
    radix2_level(s, V, xr, xi, yr, yi);
    std::swap(xr, yr);
    std::swap(xi, yi);
  }
  if (xr != re) {  // result landed in the scratch buffers
    for (int64_t e = 0; e < (int64_t)n * V; ++e) { re[e] = xr[e]; im[e] = xi[e]; }
  }
}

}  // namespace lanes
}  // namespace hr
