// spectral.h: the elementwise part of amplitude-spectrum augmentation (PASTA, Chattopadhyay
// et al. ICCV 2023), applied to the half spectrum of a real-input FFT. The FFTs themselves
// are done by the array library (numpy/scipy/torch on CPU, cuFFT on GPU).
//
// PASTA perturbs the amplitude of every full-spectrum bin (u, v) of x [H, W]:
//   F = fft2(x),  A' = |F| (1 + sigma(u, v) z(u, v)),  out = real(ifft2(A' e^{i angle F}))
// which equals real(ifft2(F m)) with the real multiplier m = 1 + sigma z. Since F is Hermitian,
//   real(ifft2(F m)) = irfft2(F_half m_sym),  m_sym(u, v) = (m(u, v) + m(-u, -v)) / 2
// on the half spectrum v = 0 .. W/2 (indices mod H, W). So no atan2, no full complex FFT.
//
// sigma follows PASTA's reference grid exactly. Per axis of length N, PASTA builds
//   N odd:  -(N//2) .. N//2          N even: [-N/2+1 .. 0] ++ [0 .. N/2-1]
// and applies fftshift, so the frequency seen at array index u is (h = N // 2)
//   N even: f(u) = u < h ? u : u - N + 1        N odd: f(u) = u < h ? u + 1 : u - N + 1
//   r = sqrt(f(u)^2 + f(v)^2),  r_max = sqrt(((H-1)//2)^2 + ((W-1)//2)^2)
//   sigma = (alpha r / r_max)^k + beta         (alpha r / r_max := 0 when r_max = 0)
// The grid is not symmetric under (u, v) -> (-u, -v), hence sigma at both indices below.
//
// z(u, v) for image n (ids[b], or b) and draw channel c (0 in "const" mode) is either read
// from a caller's full-spectrum array or drawn from Philox (philox.h normal4):
//   block = u * ceil(W / 4) + v / 4,  z = normal4(seed, block, c, n, kSpectralStream)[v % 4]
// The numpy twin of the whole op is handraster/_reference/spectral.py.
//
// CUDA runs SpectralMultiplyOp::run per 4-bin work item. The CPU launcher (cpu/spectral.cpp)
// works on pairs of mirrored rows {u, -u} instead, so every draw is made once and the loops
// vectorise; it calls the same sigma, pasta_freq and normal4 (wide Philox form). For
// power-of-two sizes the CPU module also offers the whole augmentation fused per image with its
// own FFTs (cpu/spectral_fused.cpp), the same math on the other half spectrum.
#pragma once
#include <cmath>
#include "common/hr.h"
#include "common/launch.h"
#include "kernels/philox.h"

namespace hr {

constexpr uint32_t kSpectralStream = 0x50415354u;  // "PAST": separates these draws from others

HR_HD int pasta_freq(int u, int N) {
  const int h = N / 2;
  if (N % 2 == 0) return u < h ? u : u - N + 1;
  return u < h ? u + 1 : u - N + 1;
}

struct SpectralMultiplyOp {
  struct Params {
    float* spec;           // [B, C, H, Wh, 2] complex64 half spectrum (rfft2), scaled in place
    const float* z;        // [B, Cz, H, W] full-spectrum N(0,1) draws, or nullptr (Philox)
    const int64_t* ids;    // [B] image ids for the Philox counter, or nullptr (ids = 0..B-1)
    uint64_t seed;         // Philox key
    float scale;           // alpha / r_max (0 when r_max = 0)
    float beta;            // constant sigma offset
    float k;               // exponent
    int B, C, Cz;          // Cz = C ("per_channel") or 1 ("const": one draw map for all channels)
    int H, W, Wh;          // image size; Wh = W / 2 + 1
    int nq;                // ceil(Wh / 4): work items per half-spectrum row
  };

  static HR_HD float sigma(int u, int v, const Params& p) {
    float fy = static_cast<float>(pasta_freq(u, p.H));
    float fx = static_cast<float>(pasta_freq(v, p.W));
    float r2 = fx * fx + fy * fy;
    if (p.k == 2.0f) return p.scale * p.scale * r2 + p.beta;  // the default: no sqrt, no pow
    return powf(p.scale * sqrtf(r2), p.k) + p.beta;
  }

  // One work item = four consecutive half-spectrum bins of one row:
  // i = ((b * Cz + c) * H + u) * nq + q, bins v = 4q .. min(4q + 3, Wh - 1).
  static HR_HD void run(int64_t i, const Params& p) {
    const int q = static_cast<int>(i % p.nq);
    int64_t t = i / p.nq;
    const int u = static_cast<int>(t % p.H);
    t /= p.H;
    const int c = static_cast<int>(t % p.Cz);
    const int b = static_cast<int>(t / p.Cz);
    const int um = (p.H - u) % p.H;  // mirror row
    const int v0 = 4 * q;
    const int nv = (p.Wh - v0) < 4 ? (p.Wh - v0) : 4;
    float zd[4], zm[4];
    if (p.z) {
      const float* zc = p.z + (static_cast<int64_t>(b) * p.Cz + c) * p.H * p.W;
      for (int j = 0; j < nv; ++j) {
        const int v = v0 + j, vm = (p.W - v) % p.W;
        zd[j] = zc[static_cast<int64_t>(u) * p.W + v];
        zm[j] = zc[static_cast<int64_t>(um) * p.W + vm];
      }
    } else {
      const uint32_t n = static_cast<uint32_t>(p.ids ? p.ids[b] : b);
      const uint32_t nqf = static_cast<uint32_t>((p.W + 3) / 4);
      normal4(p.seed, static_cast<uint32_t>(u) * nqf + static_cast<uint32_t>(q), c, n,
              kSpectralStream, zd, zd + 1, zd + 2, zd + 3);
      // The mirrored columns W - v span at most two blocks of the mirror row.
      float blk[4];
      int cached = -1;
      for (int j = 0; j < nv; ++j) {
        const int vm = (p.W - (v0 + j)) % p.W;
        if ((vm >> 2) != cached) {
          cached = vm >> 2;
          normal4(p.seed, static_cast<uint32_t>(um) * nqf + static_cast<uint32_t>(cached), c, n,
                  kSpectralStream, blk, blk + 1, blk + 2, blk + 3);
        }
        zm[j] = blk[vm & 3];
      }
    }
    float m[4];
    for (int j = 0; j < nv; ++j) {
      const int v = v0 + j, vm = (p.W - v) % p.W;
      m[j] = 1.0f + 0.5f * (sigma(u, v, p) * zd[j] + sigma(um, vm, p) * zm[j]);
    }
    const int c_begin = p.Cz == 1 ? 0 : c, c_end = p.Cz == 1 ? p.C : c + 1;
    for (int ch = c_begin; ch < c_end; ++ch) {
      float* s = p.spec + (((static_cast<int64_t>(b) * p.C + ch) * p.H + u) * p.Wh + v0) * 2;
      for (int j = 0; j < nv; ++j) {
        s[2 * j] *= m[j];
        s[2 * j + 1] *= m[j];
      }
    }
  }
};

// Backend launcher (cpu/spectral.cpp, cuda/spectral.cu): scales p.spec in place.
void spectral_multiply_launch(const SpectralMultiplyOp::Params& p, StreamHandle stream);

}  // namespace hr
