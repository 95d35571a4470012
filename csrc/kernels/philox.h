// philox.h: four standard normals per Philox4x32-10 block, and a tiny op that exposes raw
// blocks and their normals so tests can compare the native generator bit for bit with its
// numpy twin (handraster/_reference/rng.py).
//
//   r        = Philox4x32_10(key = (seed_lo, seed_hi), counter = (c0, c1, c2, c3))
//   u_j      = (r_j >> 8) * 2^-24 + 2^-25                       j = 0..3, in (0, 1)
//   n0, n1   = sqrt(-2 ln u0) * (cos, sin)(2 pi u1)             Box-Muller (rng.h normal2)
//   n2, n3   = sqrt(-2 ln u2) * (cos, sin)(2 pi u3)
// n0 and n1 are exactly rng.h's normal2 of the block; n2, n3 are the same transform applied
// to words 2 and 3, so one block yields four independent N(0, 1) draws.
#pragma once
#include "common/hr.h"
#include "common/rng.h"

namespace hr {

HR_HD void normal4(uint64_t seed, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                   float* n) {
  u32x4 r = philox4x32_10(static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), c0, c1,
                          c2, c3);
  normal2(r, &n[0], &n[1]);
  u32x4 hi = u32x4{{r.v[2], r.v[3], 0u, 0u}};
  normal2(hi, &n[2], &n[3]);
}

struct PhiloxOp {
  struct Params {
    const int64_t* counters;  // [N, 4] counter words, each in [0, 2^32)
    int64_t* words;           // [N, 4] out: the block's four uint32 words
    float* normals;           // [N, 4] out: normal4 of the block
    uint64_t seed;            // key = (seed_lo, seed_hi)
    int64_t N;
  };

  static HR_HD void run(int64_t i, const Params& p) {
    const int64_t* c = p.counters + i * 4;
    u32x4 r = philox4x32_10(static_cast<uint32_t>(p.seed), static_cast<uint32_t>(p.seed >> 32),
                            static_cast<uint32_t>(c[0]), static_cast<uint32_t>(c[1]),
                            static_cast<uint32_t>(c[2]), static_cast<uint32_t>(c[3]));
    for (int j = 0; j < 4; ++j) p.words[i * 4 + j] = static_cast<int64_t>(r.v[j]);
    normal4(p.seed, static_cast<uint32_t>(c[0]), static_cast<uint32_t>(c[1]),
            static_cast<uint32_t>(c[2]), static_cast<uint32_t>(c[3]), p.normals + i * 4);
  }
};

}  // namespace hr
