// philox.h: four standard normals per Philox4x32-10 block, and a tiny op that exposes raw
// blocks and their normals so tests can compare the native generator bit for bit with its
// numpy twin (handraster/_reference/rng.py).
//
//   r        = Philox4x32_10(key = (seed_lo, seed_hi), counter = (c0, c1, c2, c3))   (rng.h)
//   u_j      = (r_j >> 8) * 2^-24 + 2^-25       j = 0..3, in (0, 1] (rng.h; 1 after rounding)
//   n0, n1   = sqrt(-2 ln u0) * (cos, sin)(2 pi u1)             Box-Muller, as rng.h normal2
//   n2, n3   = sqrt(-2 ln u2) * (cos, sin)(2 pi u3)
// so one block yields four independent N(0, 1) draws. ln and (cos, sin)(2 pi u) are branch-free
// polynomials (Cephes' logf and sinf/cosf minimax coefficients after exact range reduction)
// rather than libm calls, so that the CPU loops vectorise: they agree with rng.h's normal2 of
// the same words to ~1e-6 absolute; the Philox words and uniforms are bit-identical.
#pragma once
#include <cstring>
#include "common/hr.h"
#include "common/rng.h"

namespace hr {

HR_HD uint32_t float_bits(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
HR_HD float bits_float(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }

// ln x for normal floats x > 0. x = m 2^e with m in [sqrt(1/2), sqrt(2)), then Cephes' logf
// polynomial in m - 1; relative error ~1e-7.
HR_HD float fast_log(float x) {
  const uint32_t bits = float_bits(x);
  int e = static_cast<int>((bits >> 23) & 0xffu) - 126;
  float m = bits_float((bits & 0x007fffffu) | 0x3f000000u);  // [0.5, 1)
  const int small = m < 0.707106781186547524f ? 1 : 0;       // branch-free: loops vectorise
  e -= small;
  m = m + static_cast<float>(small) * m - 1.0f;
  const float z = m * m;
  float y = 7.0376836292E-2f;
  y = y * m - 1.1514610310E-1f;
  y = y * m + 1.1676998740E-1f;
  y = y * m - 1.2420140846E-1f;
  y = y * m + 1.4249322787E-1f;
  y = y * m - 1.6668057665E-1f;
  y = y * m + 2.0000714765E-1f;
  y = y * m - 2.4999993993E-1f;
  y = y * m + 3.3333331174E-1f;
  y = y * m * z;
  const float fe = static_cast<float>(e);
  y += -2.12194440e-4f * fe;
  y += -0.5f * z;
  return (m + y) + 0.693359375f * fe;
}

// (sin, cos)(2 pi u) for u in (0, 1): u -> v = u - round(u) in [-1/2, 1/2], quadrant
// q = round(4 v), w = v - q / 4 in [-1/8, 1/8] (all exact), polynomials on a = 2 pi w in
// [-pi/4, pi/4], then a rotation by q quarter turns.
HR_HD void fast_sincos_2pi(float u, float* s, float* c) {
  const float v = u - static_cast<float>(static_cast<int>(u + 0.5f));
  const int qi = static_cast<int>(4.0f * v + 2.5f) - 2;
  const float a = (v - 0.25f * static_cast<float>(qi)) * 6.283185307179586f;
  const float a2 = a * a;
  const float sp = ((-1.9515295891E-4f * a2 + 8.3321608736E-3f) * a2 - 1.6666654611E-1f) * a2 * a + a;
  const float cp = ((2.443315711809948E-5f * a2 - 1.388731625493765E-3f) * a2 +
                    4.166664568298827E-2f) * a2 * a2 - 0.5f * a2 + 1.0f;
  const int q = qi & 3;
  *s = q == 0 ? sp : (q == 1 ? cp : (q == 2 ? -sp : -cp));
  *c = q == 0 ? cp : (q == 1 ? -sp : (q == 2 ? -cp : sp));
}

// Box-Muller on two words (rng.h's normal2 with the polynomials above).
HR_HD void fast_normal2(uint32_t w0, uint32_t w1, float* n0, float* n1) {
  const float rad = sqrtf(-2.0f * fast_log(u32_to_uniform(w0)));
  float s, c;
  fast_sincos_2pi(u32_to_uniform(w1), &s, &c);
  *n0 = rad * c;
  *n1 = rad * s;
}

// The same Philox4x32-10 as rng.h with the state held in 64-bit integers (values < 2^32), for
// CPU SIMD loops: every lane is then one 64-bit lane, and the 32x32->64 products need no
// even/odd shuffles (1.6x faster with AVX-512 than rng.h's form, bit-identical; tested).
// GPUs prefer rng.h's 32-bit form, so CUDA code keeps using it.
HR_HD u32x4 philox4x32_10_wide(uint64_t seed, uint32_t c0_, uint32_t c1_, uint32_t c2_,
                                uint32_t c3_) {
  const uint64_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, mask = 0xFFFFFFFFu;
  uint64_t c0 = c0_, c1 = c1_, c2 = c2_, c3 = c3_, k0 = seed & mask, k1 = seed >> 32;
  for (int r = 0; r < 10; ++r) {
    // (u32) casts tell the compiler the factors are 32-bit: one 32x32->64 multiply
    // (vpmuludq), not an emulated 64x64 one.
    const uint64_t p0 = M0 * static_cast<uint32_t>(c0), p1 = M1 * static_cast<uint32_t>(c2);
    const uint64_t n0 = (p1 >> 32) ^ c1 ^ k0, n2 = (p0 >> 32) ^ c3 ^ k1;
    c1 = p1 & mask;
    c3 = p0 & mask;
    c0 = n0;
    c2 = n2;
    k0 = (k0 + 0x9E3779B9u) & mask;
    k1 = (k1 + 0xBB67AE85u) & mask;
  }
  return u32x4{{static_cast<uint32_t>(c0), static_cast<uint32_t>(c1), static_cast<uint32_t>(c2),
                static_cast<uint32_t>(c3)}};
}

// normal4 with the wide Philox (CPU SIMD loops); identical results.
HR_HD void normal4_wide(uint64_t seed, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                        float* n0, float* n1, float* n2, float* n3) {
  u32x4 r = philox4x32_10_wide(seed, c0, c1, c2, c3);
  fast_normal2(r.v[0], r.v[1], n0, n1);
  fast_normal2(r.v[2], r.v[3], n2, n3);
}

// Four outputs by separate pointers (not one array) so that SIMD loops over blocks can write
// them to four lane arrays.
HR_HD void normal4(uint64_t seed, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, float* n0,
                   float* n1, float* n2, float* n3) {
  u32x4 r = philox4x32_10(static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), c0, c1,
                          c2, c3);
  fast_normal2(r.v[0], r.v[1], n0, n1);
  fast_normal2(r.v[2], r.v[3], n2, n3);
}

struct PhiloxOp {
  struct Params {
    const int64_t* counters;  // [N, 4] counter words, each in [0, 2^32)
    int64_t* words;           // [N, 4] out: the block's four uint32 words
    float* normals;           // [N, 4] out: normal4_wide of the block
    uint64_t seed;            // key = (seed_lo, seed_hi)
    int64_t N;
  };

  static HR_HD void run(int64_t i, const Params& p) {
    const int64_t* c = p.counters + i * 4;
    u32x4 r = philox4x32_10(static_cast<uint32_t>(p.seed), static_cast<uint32_t>(p.seed >> 32),
                            static_cast<uint32_t>(c[0]), static_cast<uint32_t>(c[1]),
                            static_cast<uint32_t>(c[2]), static_cast<uint32_t>(c[3]));
    for (int j = 0; j < 4; ++j) p.words[i * 4 + j] = static_cast<int64_t>(r.v[j]);
    float* n = p.normals + i * 4;
    // Words from rng.h's Philox, normals through the wide form: the test compares both with
    // the twin, so a difference between the two Philox forms cannot pass unnoticed.
    normal4_wide(p.seed, static_cast<uint32_t>(c[0]), static_cast<uint32_t>(c[1]),
                 static_cast<uint32_t>(c[2]), static_cast<uint32_t>(c[3]), n, n + 1, n + 2, n + 3);
  }
};

}  // namespace hr
