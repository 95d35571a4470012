// rng.h: counter-based random numbers (Philox4x32-10, Salmon et al. SC'11), all HR_HD.
// A draw is a pure function of (key, counter): kernels key it by (seed, stream) and count by
// the element index, so any element of any sample can be recomputed alone, in any order, on
// CPU or CUDA, with identical bits. The numpy twin is handraster/_reference/rng.py.
//   key     = (seed_lo, seed_hi)                64-bit seed
//   counter = (c0, c1, c2, c3)                  e.g. (element, channel, image, stream)
//   out     = Philox4x32_10(key, counter)       four uint32
// uniform(u) = (u >> 8) * 2^-24 + 2^-25  in (0, 1), never 0 or 1 (safe for log).
// normal: Box-Muller on two uniforms: sqrt(-2 ln u1) * cos(2 pi u2) (and sin for the second).
#pragma once
#include <cmath>
#include "common/hr.h"

namespace hr {

struct u32x4 { uint32_t v[4]; };

HR_HD uint32_t mulhilo32(uint32_t a, uint32_t b, uint32_t* hi) {
  uint64_t p = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
  *hi = static_cast<uint32_t>(p >> 32);
  return static_cast<uint32_t>(p);
}

HR_HD u32x4 philox4x32_10(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, uint32_t c2,
                          uint32_t c3) {
  const uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
  const uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, hi1;
    uint32_t lo0 = mulhilo32(M0, c0, &hi0);
    uint32_t lo1 = mulhilo32(M1, c2, &hi1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += W0; k1 += W1;
  }
  return u32x4{{c0, c1, c2, c3}};
}

HR_HD float u32_to_uniform(uint32_t u) {
  return static_cast<float>(u >> 8) * (1.0f / 16777216.0f) + (1.0f / 33554432.0f);
}

// Two independent standard normals from one Philox block (uses words 0 and 1).
HR_HD void normal2(const u32x4& r, float* n0, float* n1) {
  float u1 = u32_to_uniform(r.v[0]);
  float u2 = u32_to_uniform(r.v[1]);
  float rad = sqrtf(-2.0f * logf(u1));
  float th = 6.283185307179586f * u2;
  *n0 = rad * cosf(th);
  *n1 = rad * sinf(th);
}

// One standard normal for (seed, counter) - the common case in kernels.
HR_HD float normal_at(uint64_t seed, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3) {
  u32x4 r = philox4x32_10(static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), c0, c1,
                          c2, c3);
  float a, b;
  normal2(r, &a, &b);
  return a;
}

HR_HD float uniform_at(uint64_t seed, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3) {
  u32x4 r = philox4x32_10(static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), c0, c1,
                          c2, c3);
  return u32_to_uniform(r.v[0]);
}

}  // namespace hr
