// fft_lanes.h: power-of-two complex FFTs along the outer axis of a [n, V] split-complex array,
// vectorised across the V contiguous lanes (CPU only; CUDA uses cuFFT through the caller).
//
// Stockham autosort (no bit reversal): radix-8 levels while they fit, then radix 4, and one
// radix-2 pass last when needed (128 = 8*4*4, 256 = 8*8*4: three passes over the data instead
// of four with radix 4 alone; every pass streams the whole [n, V] array through the cache):
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

// The level sequence and its twiddles. Level i has length L_i (n, n / r_0, ...) and radix r_i;
// its twiddles are w^{p m} for p < L_i / r_i, m = 1 .. r_i - 1, w = exp(sign 2 pi i / L_i),
// stored [L_i / r_i][r_i - 1][2] (re, im). A final radix-2 level (L = 2) has no twiddles.
struct FftPlan {
  int n = 0;
  int sign = -1;
  std::vector<int> radix;  // per level: 8, 4 or 2
  std::vector<float> tw;   // all levels' twiddles, in level order
  explicit FftPlan(int n_, int sign_) : n(n_), sign(sign_) {
    int k = 0;
    while ((1 << k) < n) ++k;
    int n8 = k / 3, n4 = 0, n2 = 0;
    if (k % 3 == 2) n4 = 1;
    if (k % 3 == 1) {
      if (n8 > 0) { --n8; n4 = 2; } else { n2 = 1; }
    }
    for (int i = 0; i < n8; ++i) radix.push_back(8);
    for (int i = 0; i < n4; ++i) radix.push_back(4);
    for (int i = 0; i < n2; ++i) radix.push_back(2);
    int L = n;
    for (int r : radix) {
      if (r > 2)
        for (int p = 0; p < L / r; ++p)
          for (int m = 1; m < r; ++m) {
            const double a = sign * 2.0 * M_PI * m * p / L;
            tw.push_back(static_cast<float>(std::cos(a)));
            tw.push_back(static_cast<float>(std::sin(a)));
          }
      L /= r;
    }
  }
};

// One radix-8 Stockham level: L-point sub-transforms with stride s (L * s = n), x -> y.
// The 8-point DFT is split into two 4-point DFTs (even / odd inputs) joined by the eighth
// roots of unity; outputs m = 1..7 are then multiplied by the level's twiddles w^{p m}.
// kTwiddle false: the transform's last level (L = 8, p = 0), whose twiddles are all exactly 1,
// so skipping the multiplies changes no bit.
template <bool kTwiddle>
HR_LANES_INLINE void radix8_level_t(int L, int s, int V, int sign, const float* tw, const float* xr,
                                    const float* xi, float* yr, float* yi) {
  const int L8 = L / 8;
  const float r2 = 0.70710678118654752f, sg = static_cast<float>(sign);
  for (int p = 0; p < L8; ++p) {
    const float* w = tw + 14 * p;
    for (int q = 0; q < s; ++q) {
      const float* __restrict ir[8];
      const float* __restrict ii[8];
      float* __restrict orr[8];
      float* __restrict oi[8];
      for (int k = 0; k < 8; ++k) {
        const int64_t in = (int64_t)(q + s * (p + k * L8)) * V, out = (int64_t)(q + s * (8 * p + k)) * V;
        ir[k] = xr + in; ii[k] = xi + in; orr[k] = yr + out; oi[k] = yi + out;
      }
#pragma omp simd
      for (int j = 0; j < V; ++j) {
        // even inputs a0 a2 a4 a6 -> E0..E3, odd inputs a1 a3 a5 a7 -> O0..O3 (4-point DFTs;
        // J z = sign i z)
        const float e0r = ir[0][j] + ir[4][j], e0i = ii[0][j] + ii[4][j];
        const float e1r = ir[0][j] - ir[4][j], e1i = ii[0][j] - ii[4][j];
        const float e2r = ir[2][j] + ir[6][j], e2i = ii[2][j] + ii[6][j];
        const float e3r = ir[2][j] - ir[6][j], e3i = ii[2][j] - ii[6][j];
        const float o0r = ir[1][j] + ir[5][j], o0i = ii[1][j] + ii[5][j];
        const float o1r = ir[1][j] - ir[5][j], o1i = ii[1][j] - ii[5][j];
        const float o2r = ir[3][j] + ir[7][j], o2i = ii[3][j] + ii[7][j];
        const float o3r = ir[3][j] - ir[7][j], o3i = ii[3][j] - ii[7][j];
        const float E0r = e0r + e2r, E0i = e0i + e2i, E2r = e0r - e2r, E2i = e0i - e2i;
        const float E1r = e1r - sg * e3i, E1i = e1i + sg * e3r;  // e1 + J e3
        const float E3r = e1r + sg * e3i, E3i = e1i - sg * e3r;  // e1 - J e3
        const float O0r = o0r + o2r, O0i = o0i + o2i, O2r = o0r - o2r, O2i = o0i - o2i;
        const float O1r = o1r - sg * o3i, O1i = o1i + sg * o3r;
        const float O3r = o1r + sg * o3i, O3i = o1i - sg * o3r;
        // T_m = omega8^m O_m: (1 + J) / sqrt2, J, (-1 + J) / sqrt2
        const float T1r = r2 * (O1r - sg * O1i), T1i = r2 * (O1i + sg * O1r);
        const float T2r = -sg * O2i, T2i = sg * O2r;
        const float T3r = r2 * (-O3r - sg * O3i), T3i = r2 * (-O3i + sg * O3r);
        const float Xr[8] = {E0r + O0r, E1r + T1r, E2r + T2r, E3r + T3r,
                             E0r - O0r, E1r - T1r, E2r - T2r, E3r - T3r};
        const float Xi[8] = {E0i + O0i, E1i + T1i, E2i + T2i, E3i + T3i,
                             E0i - O0i, E1i - T1i, E2i - T2i, E3i - T3i};
        orr[0][j] = Xr[0];
        oi[0][j] = Xi[0];
        for (int m = 1; m < 8; ++m) {
          if (kTwiddle) {
            const float wr = w[2 * (m - 1)], wi = w[2 * (m - 1) + 1];
            orr[m][j] = Xr[m] * wr - Xi[m] * wi;
            oi[m][j] = Xr[m] * wi + Xi[m] * wr;
          } else {
            orr[m][j] = Xr[m];
            oi[m][j] = Xi[m];
          }
        }
      }
    }
  }
}

HR_LANES_INLINE void radix8_level(int L, int s, int V, int sign, const float* tw, const float* xr,
                                  const float* xi, float* yr, float* yi) {
  if (L == 8) radix8_level_t<false>(L, s, V, sign, tw, xr, xi, yr, yi);
  else radix8_level_t<true>(L, s, V, sign, tw, xr, xi, yr, yi);
}

// One radix-4 Stockham level: L-point sub-transforms with stride s (L * s = n), x -> y.
// Row index of element (q, e) is q + s * e; every row is V lanes of (re, im) split arrays.
// kTwiddle false: the last level (L = 4), twiddles exactly 1 (as for radix 8).
template <bool kTwiddle>
HR_LANES_INLINE void radix4_level_t(int L, int s, int V, int sign, const float* tw, const float* xr,
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
        if (kTwiddle) {
          y1r[j] = t1r * w1r - t1i * w1i;
          y1i[j] = t1r * w1i + t1i * w1r;
          y2r[j] = t2r * w2r - t2i * w2i;
          y2i[j] = t2r * w2i + t2i * w2r;
          y3r[j] = t3r * w3r - t3i * w3i;
          y3i[j] = t3r * w3i + t3i * w3r;
        } else {
          y1r[j] = t1r; y1i[j] = t1i;
          y2r[j] = t2r; y2i[j] = t2i;
          y3r[j] = t3r; y3i[j] = t3i;
        }
      }
    }
  }
}

HR_LANES_INLINE void radix4_level(int L, int s, int V, int sign, const float* tw, const float* xr,
                                  const float* xi, float* yr, float* yi) {
  if (L == 4) radix4_level_t<false>(L, s, V, sign, tw, xr, xi, yr, yi);
  else radix4_level_t<true>(L, s, V, sign, tw, xr, xi, yr, yi);
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

// Transform (re, im) [n, V], using (wr, wi) [n, V] as the other half of the ping-pong;
// returns true when the result is in (wr, wi) (an odd number of levels), so callers that
// can take it from either pair save a copy pass.
HR_LANES_INLINE bool fft_pingpong(const FftPlan& plan, int V, float* re, float* im, float* wr, float* wi) {
  const int n = plan.n;
  float *xr = re, *xi = im, *yr = wr, *yi = wi;
  const float* tw = plan.tw.data();
  int s = 1, L = n;
  for (int r : plan.radix) {
    if (r == 8) {
      radix8_level(L, s, V, plan.sign, tw, xr, xi, yr, yi);
      tw += 14 * (L / 8);
    } else if (r == 4) {
      radix4_level(L, s, V, plan.sign, tw, xr, xi, yr, yi);
      tw += 6 * (L / 4);
    } else {
      radix2_level(s, V, xr, xi, yr, yi);  // only ever last: L == 2
    }
    s *= r;
    L /= r;
    std::swap(xr, yr);
    std::swap(xi, yi);
  }
  (void)n;
  return xr != re;
}

// Transform (re, im) [n, V] in place, using (wr, wi) [n, V] as scratch.
HR_LANES_INLINE void fft(const FftPlan& plan, int V, float* re, float* im, float* wr, float* wi) {
  if (fft_pingpong(plan, V, re, im, wr, wi))
    for (int64_t e = 0; e < (int64_t)plan.n * V; ++e) { re[e] = wr[e]; im[e] = wi[e]; }
}

}  // namespace lanes
}  // namespace hr
