// spectral_buffers.h: memory helpers of the fused CPU PASTA path (cpu/spectral_fused.cpp):
// per-thread scratch on huge pages kept between calls, the per-thread sigma table, 8 x 8
// register-tile transposes, and the streaming writer of float output rows.
#pragma once
#include <sys/mman.h>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>
#include "cpu/fft_lanes.h"
#include "cpu/spectral_rows.h"

namespace hr {
namespace fused {

// Two split-complex buffers, each [W, KP] floats (>= [M + 1, W]), that take turns holding
// Z, X and T and serving as the FFTs' ping-pong scratch, plus the multiplier and a draw row:
// ~0.75 MB at 256^2 in one block on transparent huge pages: the FFT passes stride over all of
// it, and on 4 KB pages they miss the TLB (a kept 4 KB-paged block measured 4% slower than
// fresh per-call vectors that landed on huge pages, faulting them in on every call).
struct Scratch {
  struct Buf {
    float* p = nullptr;
    float* data() const { return p; }
  };
  Buf ar, ai, br, bi, m, draws;
  void* block = nullptr;
  Scratch(int H, int W, int KP) {
    constexpr size_t kHuge = size_t(2) << 20;
    // one cache line between buffers, so that equal offsets do not share an L1 set
    const size_t n = static_cast<size_t>(W) * KP + 16, nd = 2 * 4 * ((W + 3) / 4);
    const size_t bytes = ((5 * n + nd) * sizeof(float) + kHuge - 1) / kHuge * kHuge;
    block = std::aligned_alloc(kHuge, bytes);
    if (!block) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(block, bytes, MADV_HUGEPAGE);  // a hint: without THP it stays on 4 KB pages
#endif
    float* f = static_cast<float*>(block);
    Buf* bufs[5] = {&ar, &ai, &br, &bi, &m};
    for (int k = 0; k < 5; ++k) {
      bufs[k]->p = f + k * n;
      std::fill(bufs[k]->p, bufs[k]->p + n, k == 4 ? 1.f : 0.f);
    }
    draws.p = f + 5 * n;
    (void)H;
  }
  ~Scratch() { std::free(block); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// Kept per thread between calls (OpenMP's worker threads persist): allocated per call, the
// ~0.7 MB of scratch per thread and the 256 KB sigma table were mapped, faulted in and zeroed
// by the kernel every time (~200 page faults per 64-image call at 256^2).
inline Scratch& thread_scratch(int H, int W, int KP) {
  static thread_local std::unique_ptr<Scratch> s;
  static thread_local int sh = -1, sw = -1;
  if (!s || sh != H || sw != W) {
    s.reset();
    s = std::make_unique<Scratch>(H, W, KP);
    sh = H;
    sw = W;
  }
  return *s;
}

inline const std::vector<float>& thread_sigma(const SpectralMultiplyOp::Params& p) {
  static thread_local std::vector<float> sig;
  static thread_local SpectralMultiplyOp::Params key{};
  if (sig.empty() || key.H != p.H || key.W != p.W || key.scale != p.scale || key.beta != p.beta ||
      key.k != p.k) {
    sig = sigma_table(p);
    key = p;
  }
  return sig;
}

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#define HR_HAVE_SHUFFLEVECTOR 1
typedef float v8f __attribute__((vector_size(32)));
// In-register 8 x 8 transpose (the classic unpack / shuffle / 128-bit-permute network, written
// with GCC vector extensions so that each target clone gets its own instructions).
HR_LANES_INLINE void transpose8(const float* src, int ld_src, float* dst, int ld_dst) {
  v8f r[8], t[8], u[8];
  for (int i = 0; i < 8; ++i) __builtin_memcpy(&r[i], src + static_cast<size_t>(i) * ld_src, 32);
  for (int i = 0; i < 8; i += 2) {
    t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int i = 0; i < 8; i += 4)
    for (int j = 0; j < 2; ++j) {
      u[i + j] = __builtin_shufflevector(t[i + j], t[i + j + 2], 0, 1, 8, 9, 4, 5, 12, 13);
      u[i + j + 2] = __builtin_shufflevector(t[i + j], t[i + j + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    }
  // u[0] holds columns 0 (low half) and 4 (high half) of rows 0-3, u[4] the same of rows 4-7;
  // u[2]: columns 1 and 5, u[1]: columns 2 and 6, u[3]: columns 3 and 7.
  const int col_of[4] = {0, 2, 1, 3};
  for (int j = 0; j < 4; ++j) {
    const v8f lo = __builtin_shufflevector(u[j], u[j + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    const v8f hi = __builtin_shufflevector(u[j], u[j + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    __builtin_memcpy(dst + static_cast<size_t>(col_of[j]) * ld_dst, &lo, 32);
    __builtin_memcpy(dst + static_cast<size_t>(col_of[j] + 4) * ld_dst, &hi, 32);
  }
}
#endif

// dst[c * ld_dst + r] = src[r * ld_src + c] for r < rows, c < cols: 8 x 8 register tiles where
// they fit, scalar at the ragged edges.
HR_LANES_INLINE void transpose(const float* __restrict src, int ld_src, float* __restrict dst,
                               int ld_dst, int rows, int cols) {
  int r8 = 0, c8 = 0;
#ifdef HR_HAVE_SHUFFLEVECTOR
  r8 = rows / 8 * 8;
  c8 = cols / 8 * 8;
  // Pairs of 8-row tiles: each destination row then gets 16 floats (a whole 64-byte line) at
  // once instead of two halves written a full sweep apart.
  for (int r0 = 0; r0 < r8; r0 += 16)
    for (int c0 = 0; c0 < c8; c0 += 8)
      for (int h = r0; h < std::min(r0 + 16, r8); h += 8)
        transpose8(src + static_cast<size_t>(h) * ld_src + c0, ld_src,
                   dst + static_cast<size_t>(c0) * ld_dst + h, ld_dst);
#endif
  for (int r = 0; r < rows; ++r)
    for (int c = (r < r8 ? c8 : 0); c < cols; ++c)
      dst[static_cast<size_t>(c) * ld_dst + r] = src[static_cast<size_t>(r) * ld_src + c];
}


#ifdef HR_X86_GCC
// Output rows 2n, 2n + 1 (e [2, W]) = clip01(a * scale), clip01(b * scale) with streaming
// stores. The result usually lands in memory no cache holds (a 50 MB batch, fresh or recycled),
// where plain stores first read every line in. max(0, v) then min(1, v) return v for NaN, as
// clip01 does (the second operand wins): bit-identical to the loop below.
__attribute__((target("avx512f"))) inline void stream_rows(const float* a, const float* b, float* e,
                                                    int W, float scale) {
  const __m512 s = _mm512_set1_ps(scale), zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.f);
  for (int w = 0; w < W; w += 16) {
    _mm512_stream_ps(e + w, _mm512_min_ps(one, _mm512_max_ps(zero, _mm512_mul_ps(_mm512_loadu_ps(a + w), s))));
    _mm512_stream_ps(e + W + w, _mm512_min_ps(one, _mm512_max_ps(zero, _mm512_mul_ps(_mm512_loadu_ps(b + w), s))));
  }
}

// AVX-512 available (cpu_isa_level), whole 16-float rows, 64-byte aligned output.
inline bool stream_rows_ok(const float* out, int W) {
  static const bool avx512 = cpu_isa_level() >= 3;
  return avx512 && W % 16 == 0 && reinterpret_cast<uintptr_t>(out) % 64 == 0;
}
#endif

}  // namespace fused
}  // namespace hr
