// spectral_fused.cpp: the whole PASTA augmentation per image on the CPU, for power-of-two
// H and W: real FFT, multiplier, inverse, clip, with every intermediate in per-thread buffers
// that stay in cache (the array-library path streams five 50 MB arrays through memory per
// 64-image batch). Same result as real(ifft2(F m)), m = 1 + sigma z (kernels/spectral.h).
//
// Layout. The real transform runs along axis 0 first, so the half spectrum is rows u = 0..H/2
// (all columns v) instead of the library's columns 0..W/2; m_sym is the same function of (u, v):
//   z[n]  = x[2n] + i x[2n+1]                     rows as vectors over the W columns, n < M=H/2
//   Z     = FFT_M(z)          along axis 0        (fft_lanes.h, lanes = columns)
//   X[u]  = (Z[u] + Z*[M-u]) / 2 - i e^{-2 pi i u / H} (Z[u] - Z*[M-u]) / 2,   u = 0..M
//   S     = FFT_W(X^T)        along the columns   (transposed: lanes = u, padded to KP)
//   S    *= m_sym(u, v)                            m_sym from kernels/spectral.h's sigma, draws
//   X'    = IFFT_W(S)^T;  Z'[u] = (X'[u] + X'*[M-u]) + i e^{+2 pi i u / H} (X'[u] - X'*[M-u])
//   z'    = IFFT_M(Z');   out[2n] = clip(Re z'[n] / (H W)), out[2n+1] = clip(Im z'[n] / (H W))
// The input range check (0 <= x <= 1, no NaN) is counted per image on the way in.
#include "cpu/spectral_fused.h"

#include <omp.h>
#include <algorithm>
#include <cmath>
#include <vector>
#include "cpu/fft_lanes.h"
#include "cpu/spectral_buffers.h"
#include "cpu/spectral_rows.h"

// Own ISA multiversioning (target_clones): defined only in the baseline compile of the
// per-ISA builds (cpu/launch_cpu.h).
#if !defined(HR_CPU_ISA) || HR_CPU_ISA == 0

namespace hr {
using namespace fused;  // cpu/spectral_buffers.h
namespace {

// m_sym in the transposed layout m[v * KP + u], u = 0..M, for image b, draw channel c: rows
// u of m_sym are formed in s.br (free between planes) and transposed into s.m.
HR_SIMD_CLONES void fill_multiplier(const SpectralMultiplyOp::Params& p, const float* sig, int b,
                                    int c, int KP, Scratch& s) {
  const int H = p.H, W = p.W, M = H / 2;
  for (int u = 0; u <= M; ++u) {
    const int um = (H - u) % H;
    const float *zu, *zm;
    row_draws(p, b, c, u, s.draws.data(), &zu, &zm);
    const float* su = sig + static_cast<size_t>(u) * W;
    const float* sm = sig + static_cast<size_t>(um) * W;
    float* __restrict row = s.br.data() + static_cast<size_t>(u) * W;
    row[0] = 1.0f + 0.5f * (su[0] * zu[0] + sm[0] * zm[0]);
#pragma omp simd
    for (int v = 1; v < W; ++v) row[v] = 1.0f + 0.5f * (su[v] * zu[v] + sm[W - v] * zm[W - v]);
  }
  transpose(s.br.data(), W, s.m.data(), KP, M + 1, W);
}

// Where a plane's values come from and go to: a float32 plane [H, W] (x, out), or channel c of
// an interleaved uint8 image [H, W, cs] (xb, ob at the channel's first byte): value = byte / 255
// in, byte = (uint8)(clip(value) * 255 + 0.5) out, as AmplitudeSpectrum.apply_hwc converts.
HR_LANES_INLINE float clip01(float v) {  // two selects (vectorise); NaN passes through
  v = v < 0.f ? 0.f : v;
  return v > 1.f ? 1.f : v;
}

struct PlaneIO {
  const float* x = nullptr;
  float* out = nullptr;
  const uint8_t* xb = nullptr;
  uint8_t* ob = nullptr;
  int cs = 1;  // bytes between horizontally adjacent pixels (the channel count)
};

// One channel plane; returns the number of input values outside [0, 1] (always 0 for bytes).
HR_SIMD_CLONES int64_t augment_plane(const PlaneIO& io, int H, int W, int KP,
                                     const lanes::FftPlan& fM, const lanes::FftPlan& iM,
                                     const lanes::FftPlan& fW, const lanes::FftPlan& iW,
                                     const float* twr, const float* twi, Scratch& s) {
  const int M = H / 2;
  int64_t bad = 0;
  // Two buffer pairs: each stage reads the pair holding the data and writes the other; an
  // FFT leaves its result in either pair (fft_pingpong), so no stage ever copies back.
  float *zr = s.ar.data(), *zi = s.ai.data(), *xr = s.br.data(), *xi = s.bi.data();
  for (int n = 0; io.xb && n < M; ++n) {  // pack even/odd byte rows as (re, im)
    const int cs = io.cs;
    const uint8_t* e = io.xb + static_cast<size_t>(2 * n) * W * cs;
    const uint8_t* o = e + static_cast<size_t>(W) * cs;
    float* __restrict a = zr + static_cast<size_t>(n) * W;
    float* __restrict b = zi + static_cast<size_t>(n) * W;
    if (cs == 3) {  // RGB: a constant stride vectorises as shuffles, not gathers (~1.5x)
#pragma omp simd
      for (int w = 0; w < W; ++w) {
        a[w] = static_cast<float>(e[w * 3]) / 255.f;
        b[w] = static_cast<float>(o[w * 3]) / 255.f;
      }
      continue;
    }
#pragma omp simd
    for (int w = 0; w < W; ++w) {
      a[w] = static_cast<float>(e[w * cs]) / 255.f;
      b[w] = static_cast<float>(o[w * cs]) / 255.f;
    }
  }
  for (int n = 0; !io.xb && n < M; ++n) {  // pack even/odd rows as (re, im), counting bad inputs
    const float* e = io.x + static_cast<size_t>(2 * n) * W;
    const float* o = e + W;
    float* __restrict a = zr + static_cast<size_t>(n) * W;
    float* __restrict b = zi + static_cast<size_t>(n) * W;
    int nb = 0;
#pragma omp simd reduction(+ : nb)
    for (int w = 0; w < W; ++w) {
      const float ev = e[w], ov = o[w];
      a[w] = ev;
      b[w] = ov;
      // bitwise & (no short circuit) keeps the loop branch-free; NaN fails both tests
      nb += 2 - ((ev >= 0.f) & (ev <= 1.f)) - ((ov >= 0.f) & (ov <= 1.f));
    }
    bad += nb;
  }
  if (lanes::fft_pingpong(fM, W, zr, zi, xr, xi)) { std::swap(zr, xr); std::swap(zi, xi); }
  for (int u = 0; u <= M; ++u) {  // unpack the real transform along axis 0: Z -> X
    const float* ar = zr + static_cast<size_t>(u % M) * W;
    const float* ai = zi + static_cast<size_t>(u % M) * W;
    const float* br = zr + static_cast<size_t>((M - u) % M) * W;
    const float* bi = zi + static_cast<size_t>((M - u) % M) * W;
    const float c = twr[u], sn = twi[u];  // e^{-2 pi i u / H} = (c, -sn)
    float* __restrict yr = xr + static_cast<size_t>(u) * W;
    float* __restrict yi = xi + static_cast<size_t>(u) * W;
#pragma omp simd
    for (int w = 0; w < W; ++w) {
      const float er = 0.5f * (ar[w] + br[w]), ei = 0.5f * (ai[w] - bi[w]);
      const float dr = 0.5f * (ar[w] - br[w]), di = 0.5f * (ai[w] + bi[w]);  // (A - B*) / 2
      // O = -i (A - B*) / 2 = (di, -dr); X = E + (c - i sn) O
      const float orr = di, oi = -dr;
      yr[w] = er + c * orr + sn * oi;
      yi[w] = ei + c * oi - sn * orr;
    }
  }
  float *tr = zr, *ti = zi;             // T takes Z's buffers
  transpose(xr, W, tr, KP, M + 1, W);  // X [M+1, W] -> T [W, KP]
  transpose(xi, W, ti, KP, M + 1, W);
  for (int v = 0; v < W; ++v)  // padding lanes u > M: zeros, not whatever the buffer held
    for (int u = M + 1; u < KP; ++u) tr[static_cast<size_t>(v) * KP + u] = ti[static_cast<size_t>(v) * KP + u] = 0.f;
  if (lanes::fft_pingpong(fW, KP, tr, ti, xr, xi)) { std::swap(tr, xr); std::swap(ti, xi); }
  const float* m = s.m.data();
  const int64_t tk = static_cast<int64_t>(W) * KP;
#pragma omp simd
  for (int64_t e = 0; e < tk; ++e) {
    tr[e] *= m[e];
    ti[e] *= m[e];
  }
  if (lanes::fft_pingpong(iW, KP, tr, ti, xr, xi)) { std::swap(tr, xr); std::swap(ti, xi); }
  transpose(tr, KP, xr, W, W, M + 1);  // and back: T -> X
  transpose(ti, KP, xi, W, W, M + 1);
  zr = tr;  // Z takes T's buffers
  zi = ti;
  for (int u = 0; u < M; ++u) {  // repack for the inverse real transform along axis 0: X -> Z
    const float* ar = xr + static_cast<size_t>(u) * W;
    const float* ai = xi + static_cast<size_t>(u) * W;
    const float* br = xr + static_cast<size_t>(M - u) * W;
    const float* bi = xi + static_cast<size_t>(M - u) * W;
    const float c = twr[u], sn = twi[u];  // e^{+2 pi i u / H} = (c, sn)
    float* __restrict yr = zr + static_cast<size_t>(u) * W;
    float* __restrict yi = zi + static_cast<size_t>(u) * W;
#pragma omp simd
    for (int w = 0; w < W; ++w) {
      const float er = ar[w] + br[w], ei = ai[w] - bi[w];   // A + B*
      const float dr = ar[w] - br[w], di = ai[w] + bi[w];   // A - B*
      const float orr = c * dr - sn * di, oi = c * di + sn * dr;  // e^{+i} (A - B*)
      yr[w] = er - oi;  // E + i O
      yi[w] = ei + orr;
    }
  }
  if (lanes::fft_pingpong(iM, W, zr, zi, xr, xi)) { std::swap(zr, xr); std::swap(zi, xi); }
  const float scale = 1.0f / (static_cast<float>(H) * static_cast<float>(W));
  for (int n = 0; io.ob && n < M; ++n) {  // bytes: clip, scale, round half up
    const float* a = zr + static_cast<size_t>(n) * W;
    const float* b = zi + static_cast<size_t>(n) * W;
    const int cs = io.cs;
    uint8_t* __restrict e = io.ob + static_cast<size_t>(2 * n) * W * cs;
    uint8_t* __restrict o = e + static_cast<size_t>(W) * cs;
#pragma omp simd
    for (int w = 0; w < W; ++w) {
      e[w * cs] = static_cast<uint8_t>(clip01(a[w] * scale) * 255.f + 0.5f);
      o[w * cs] = static_cast<uint8_t>(clip01(b[w] * scale) * 255.f + 0.5f);
    }
  }
#ifdef HR_X86_GCC
  if (!io.ob && stream_rows_ok(io.out, W)) {
    for (int n = 0; n < M; ++n)
      stream_rows(zr + static_cast<size_t>(n) * W, zi + static_cast<size_t>(n) * W,
                  io.out + static_cast<size_t>(2 * n) * W, W, scale);
    _mm_sfence();  // streaming stores are weakly ordered: complete them before returning
    return bad;
  }
#endif
  for (int n = 0; !io.ob && n < M; ++n) {
    const float* a = zr + static_cast<size_t>(n) * W;
    const float* b = zi + static_cast<size_t>(n) * W;
    float* __restrict e = io.out + static_cast<size_t>(2 * n) * W;
    float* __restrict o = e + W;
#pragma omp simd
    for (int w = 0; w < W; ++w) {
      e[w] = clip01(a[w] * scale);
      o[w] = clip01(b[w] * scale);
    }
  }
  return bad;
}

}  // namespace

bool pasta_fused_supported(int H, int W) {
  auto pow2 = [](int n) { return n >= 2 && (n & (n - 1)) == 0; };
  return pow2(H) && pow2(W);
}

namespace {

// Runs every selected image (which[0..n), or all p.B when which is null) through augment_plane;
// io_of(b, c) gives the plane IO of image b, channel c; bad[b] (if given) gets its bad count.
template <typename IoOf>
void run_images(const SpectralMultiplyOp::Params& p, const int64_t* which, int64_t n, int64_t* bad,
                IoOf io_of) {
  const int H = p.H, W = p.W, M = H / 2, KP = (M + 1 + 15) / 16 * 16;
  const std::vector<float>& sig = thread_sigma(p);
  const lanes::FftPlan fM(M, -1), iM(M, 1), fW(W, -1), iW(W, 1);
  std::vector<float> twr(M + 1), twi(M + 1);  // cos, sin of 2 pi u / H
  for (int u = 0; u <= M; ++u) {
    twr[u] = static_cast<float>(std::cos(2.0 * M_PI * u / H));
    twi[u] = static_cast<float>(std::sin(2.0 * M_PI * u / H));
  }
  // Tasks: whole images (the const-mode multiplier is then made once per image), or
  // (image, channel) planes when there are too few images to keep every thread busy.
  const int nthreads = omp_get_max_threads();
  const bool per_plane = n < 2 * nthreads;
  const int64_t ntasks = per_plane ? n * p.C : n;
  if (bad)
    for (int64_t t = 0; t < n; ++t) bad[which ? which[t] : t] = 0;
#pragma omp parallel if (ntasks > 1 && nthreads > 1)
  {
    Scratch& s = thread_scratch(H, W, KP);
    int last_b = -1, last_c = -1;
#pragma omp for schedule(dynamic, 1)
    for (int64_t t = 0; t < ntasks; ++t) {
      const int64_t k = per_plane ? t / p.C : t;
      const int b = static_cast<int>(which ? which[k] : k);
      const int c_begin = per_plane ? static_cast<int>(t % p.C) : 0;
      const int c_end = per_plane ? c_begin + 1 : p.C;
      int64_t nbad = 0;
      for (int c = c_begin; c < c_end; ++c) {
        const int cz = p.Cz == 1 ? 0 : c;
        if (b != last_b || cz != last_c) {
          fill_multiplier(p, sig.data(), b, cz, KP, s);
          last_b = b;
          last_c = cz;
        }
        nbad += augment_plane(io_of(b, c), H, W, KP, fM, iM, fW, iW, twr.data(), twi.data(), s);
      }
      if (bad) {
#pragma omp atomic
        bad[b] += nbad;
      }
    }
  }
}

}  // namespace

void pasta_fused_cpu(const float* x, float* out, int64_t* bad, const SpectralMultiplyOp::Params& p) {
  const int64_t plane = static_cast<int64_t>(p.H) * p.W;
  run_images(p, nullptr, p.B, bad, [&](int b, int c) {
    PlaneIO io;
    io.x = x + (static_cast<int64_t>(b) * p.C + c) * plane;
    io.out = out + (static_cast<int64_t>(b) * p.C + c) * plane;
    return io;
  });
}

void pasta_fused_u8_cpu(uint8_t* rgb, const int64_t* which, int64_t n, const SpectralMultiplyOp::Params& p) {
  const int64_t image = static_cast<int64_t>(p.H) * p.W * p.C;
  run_images(p, which, n, nullptr, [&](int b, int c) {
    PlaneIO io;  // in place: a channel's bytes are all read (pack) before any is written
    io.xb = rgb + b * image + c;
    io.ob = rgb + b * image + c;
    io.cs = p.C;
    return io;
  });
}

}  // namespace hr

#endif  // HR_CPU_ISA == 0
