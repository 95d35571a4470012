// png_deflate.h: the zlib stream of a greyscale PNG's image data (the IDAT payload), one
// image per work item, for the depth and part-mask members of every written sample.
//
// Filtered stream (PNG filter type 2, 'Up'), row r of H: the byte 2, then
//   f[r][j] = raw[r][j] - raw[r-1][j]  (mod 256),  raw[-1] = 0,
// where raw is the row as PNG bytes: uint8 pixels as they are, 16-bit pixels big-endian.
// kind 0: uint8 [H,W]; kind 1: uint16 [H,W] (given as its little-endian bytes [H,2W]);
// kind 2: float32 metres [H,W] quantised to 16 bits as data/encode.py's quantize_depth does:
//   q = clip(rint(d * inv_scale), 0, 65535)  (round half to even; NaN -> 0).
// Deflate (RFC 1951): the stream is cut into maximal runs of one byte value; a run of n bytes
// is its first byte as a literal, then matches at distance 1 of min(rest, 258) bytes while
// >= 3 remain, then literals (what zlib's Z_RLE strategy emits). One final dynamic-Huffman
// block (deflate_huffman.h), or stored blocks when those would be smaller. zlib framing:
// header 78 01, adler32 trailer, updated per run of n bytes v: a += n v, b += n a + v n(n+1)/2.
//
// Why: rendered depth and masks are ~93% background zeros. zlib at level 1 hashes every one of
// those bytes (~2.3 ns each, ~0.3 ms per 256x256 16-bit image); runs are found here with
// 8-byte compares, and on these images Z_RLE's output is smaller than level 1's (measured:
// depth 6.1 vs 6.4 KB, mask 1.0 vs 1.5 KB at 256x256).
#pragma once
#include <cstdint>
#include <cstring>
#include "common/hr.h"
#include "kernels/deflate_huffman.h"

namespace hr {

constexpr int64_t kPngMaxRowBytes = 16384;  // W <= 16384 (8-bit) or 8192 (16-bit)

// Output bytes that always suffice for n filtered bytes (stored blocks + framing + slack).
HR_HD int64_t png_deflate_bound(int64_t n) { return n + 5 * (n / 65535 + 1) + 2 + 4 + 16; }

namespace pngd {

// Pixels [x0, x1) of row r of image `img` as PNG bytes into raw (bpp bytes per pixel).
template <int KIND>
HR_HD void raw_pixels(const void* img, int r, int W, int x0, int x1, double inv_scale, uint8_t* raw) {
  if (KIND == 0) {
    memcpy(raw + x0, static_cast<const uint8_t*>(img) + (int64_t)r * W + x0, x1 - x0);
  } else if (KIND == 1) {
    const uint8_t* s = static_cast<const uint8_t*>(img) + (int64_t)r * 2 * W;
    for (int x = x0; x < x1; ++x) raw[2 * x] = s[2 * x + 1], raw[2 * x + 1] = s[2 * x];
  } else {
    const float* s = static_cast<const float*>(img) + (int64_t)r * W;
    for (int x = x0; x < x1; ++x) {
      double q = (double)s[x] * inv_scale;
      q = q > 0.0 ? q : 0.0;  // also NaN -> 0
      q = q < 65535.0 ? q : 65535.0;
      // rint for 0 <= q < 2^52 under round-to-nearest-even: the add rounds away the fraction.
      const uint32_t u = (uint32_t)((q + 4503599627370496.0) - 4503599627370496.0);
      raw[2 * x] = (uint8_t)(u >> 8), raw[2 * x + 1] = (uint8_t)u;
    }
  }
}

// [x0, x1) = the pixels of row r whose source bytes are not all zero (x0 = x1 = 0: none).
// Outside it the PNG bytes are 0 (a float with zero bits is +0 m, quantised to 0).
template <int KIND>
HR_HD void nonzero_span(const void* img, int r, int W, int* x0, int* x1) {
  const int bpp = KIND == 0 ? 1 : KIND == 1 ? 2 : 4;
  const uint8_t* s = static_cast<const uint8_t*>(img) + (int64_t)r * W * bpp;
  const int64_t n = (int64_t)W * bpp;
  // Most rows are background: one branch-free OR over the row (vectorised) settles those.
  uint64_t any = 0;
  const int64_t nw = n / 8;
  for (int64_t k = 0; k < nw; ++k) {
    uint64_t w;
    memcpy(&w, s + 8 * k, 8);
    any |= w;
  }
  for (int64_t k = 8 * nw; k < n; ++k) any |= s[k];
  if (!any) {
    *x0 = *x1 = 0;
    return;
  }
  int64_t a = 0, b = n;
  for (uint64_t w; a + 8 <= n; a += 8) {
    memcpy(&w, s + a, 8);
    if (w) break;
  }
  while (a < n && !s[a]) ++a;
  if (a == n) {
    *x0 = *x1 = 0;
    return;
  }
  for (uint64_t w; b - 8 >= a; b -= 8) {
    memcpy(&w, s + b - 8, 8);
    if (w) break;
  }
  while (!s[b - 1]) --b;
  *x0 = (int)(a / bpp), *x1 = (int)((b + bpp - 1) / bpp);
}

struct Adler {  // a, b reduced mod 65521 only when large (runs are mostly 1-2 bytes)
  uint64_t a = 1, b = 0;
  HR_HD void run(uint32_t v, int64_t n) {
    if (n < 4096 && a < (1ull << 40)) {
      b += (uint64_t)n * a + (uint64_t)v * (uint64_t)(n * (n + 1) / 2);
      a += (uint64_t)n * v;
      if (b >= (1ull << 60)) a %= 65521, b %= 65521;
      return;
    }
    a %= 65521, b %= 65521;
    const uint64_t M = 65521, nm = (uint64_t)n % M;
    const uint64_t tri = (n % 2 == 0) ? ((uint64_t)(n / 2) % M) * ((uint64_t)(n + 1) % M)
                                      : nm * ((uint64_t)((n + 1) / 2) % M);
    b = (b + nm * a + (uint64_t)v * (tri % M)) % M;
    a = (a + nm * v) % M;
  }
};

// Pass 1: symbol frequencies, extra bits and the checksum.
struct Count {
  uint32_t freq[deflate::kLitLen];
  int64_t extra_bits = 0, matches = 0;
  Adler adler;
  HR_HD void literal(int v) { freq[v]++; }
  HR_HD void match(int len) {
    int s, ne, e;
    deflate::length_code(len, &s, &ne, &e);
    freq[s]++, extra_bits += ne, matches++;
  }
};

// Pass 2: the codes.
struct Emit {
  deflate::BitWriter* bw;
  const uint16_t* code;
  const uint8_t* len;
  HR_HD void literal(int v) { bw->put(code[v], len[v]); }
  HR_HD void match(int L) {
    int s, ne, e;
    deflate::length_code(L, &s, &ne, &e);
    bw->put(code[s], len[s]);
    if (ne) bw->put((uint32_t)e, ne);
    bw->put(0, 1);  // distance code 0 (distance 1): the only distance code, one bit
  }
};

template <class Sink>
HR_HD void emit_run(int v, int64_t n, Sink& s) {
  s.literal(v);
  int64_t rest = n - 1;
  for (; rest >= 3; rest -= rest < 258 ? rest : 258) s.match(rest < 258 ? (int)rest : 258);
  for (; rest > 0; --rest) s.literal(v);
}

// Walks the filtered stream of one image as maximal runs, calling sink.run(v, n); the last
// run stays open across rows. Only each row's non-zero span (union with the previous row's) is
// quantised, filtered and scanned: the rest of the filtered row is zeros.
struct RunState {
  int v = -1;
  int64_t n = 0;
};
template <class Sink>
HR_HD void put_run(RunState& st, int v, int64_t n, Sink& sink) {
  if (n <= 0) return;
  if (v == st.v) {
    st.n += n;
  } else {
    if (st.n) sink.run(st.v, st.n);
    st.v = v, st.n = n;
  }
}

template <int KIND, class Sink>
HR_HD void walk(const void* img, int H, int W, double inv_scale, Sink& sink, uint8_t* rowa, uint8_t* rowb,
                uint8_t* f) {
  const int bpp = KIND == 0 ? 1 : 2;
  uint8_t *cur = rowa, *prev = rowb;
  int cs0 = 0, cs1 = 0, ps0 = 0, ps1 = 0;  // non-zero spans held in cur (row r - 2) and prev
  memset(rowa, 0, (size_t)W * bpp);
  memset(rowb, 0, (size_t)W * bpp);
  RunState st;
  for (int r = 0; r < H; ++r) {
    int s0, s1;
    nonzero_span<KIND>(img, r, W, &s0, &s1);
    if (cs1 > cs0) memset(cur + cs0 * bpp, 0, (size_t)(cs1 - cs0) * bpp);
    if (s1 > s0) raw_pixels<KIND>(img, r, W, s0, s1, inv_scale, cur);
    int u0 = s0 < ps0 ? s0 : ps0, u1 = s1 > ps1 ? s1 : ps1;
    if (s1 <= s0) u0 = ps0, u1 = ps1;
    if (ps1 <= ps0) u0 = s0, u1 = s1;
    put_run(st, 2, 1, sink);
    if (u1 > u0) {
      const int b0 = u0 * bpp, b1 = u1 * bpp;
      put_run(st, 0, b0, sink);
      for (int j = b0; j < b1; ++j) f[j] = (uint8_t)(cur[j] - prev[j]);
      for (int j = b0; j < b1;) {
        const uint8_t v = f[j];
        int k = j + 1;
        if (k < b1 && f[k] == v) {  // a longer run (zeros inside the hand): 8 bytes a step
          const uint64_t pat = 0x0101010101010101ull * v;
          for (uint64_t w; k + 8 <= b1; k += 8) {
            memcpy(&w, f + k, 8);
            if (w != pat) break;
          }
          while (k < b1 && f[k] == v) ++k;
        }
        put_run(st, v, k - j, sink);
        j = k;
      }
      put_run(st, 0, (int64_t)(W * bpp - b1), sink);
    } else {
      put_run(st, 0, (int64_t)W * bpp, sink);
    }
    cs0 = ps0, cs1 = ps1;  // cur becomes prev and prev (row r - 1) is reused for row r + 1
    ps0 = s1 > s0 ? s0 : 0, ps1 = s1 > s0 ? s1 : 0;
    uint8_t* t = cur;
    cur = prev, prev = t;
  }
  if (st.n) sink.run(st.v, st.n);
}

template <class S>
struct Runs {  // adapts a Count/Emit sink to walk()'s run callback
  S* s;
  HR_HD void run(int v, int64_t n) { emit_run(v, n, *s); }
};
struct CountRuns {
  Count* c;
  HR_HD void run(int v, int64_t n) { c->adler.run((uint32_t)v, n); emit_run(v, n, *c); }
};
struct StoreRuns {  // stored blocks: raw bytes with a 5-byte header every 65535
  deflate::BitWriter* bw;
  int64_t done, total;
  HR_HD void run(int v, int64_t n) {
    for (int64_t k = 0; k < n; ++k, ++done) {
      if (done % 65535 == 0) {
        const int64_t left = total - done;
        const uint32_t len = (uint32_t)(left < 65535 ? left : 65535);
        bw->put(left <= 65535 ? 1u : 0u, 3);
        bw->align();
        bw->put(len & 0xffff, 16);
        bw->put(~len & 0xffff, 16);
      }
      bw->out[bw->pos++] = (uint8_t)v;
    }
  }
};

template <int KIND>
HR_HD int64_t encode(const void* img, int H, int W, double inv_scale, uint8_t* out) {
  const int rb = KIND == 0 ? W : 2 * W;
  uint8_t rowa[kPngMaxRowBytes], rowb[kPngMaxRowBytes], f[kPngMaxRowBytes + 1];
  Count cnt;
  for (int s = 0; s < deflate::kLitLen; ++s) cnt.freq[s] = 0;
  cnt.freq[256] = 1;  // end of block
  CountRuns cr{&cnt};
  walk<KIND>(img, H, W, inv_scale, cr, rowa, rowb, f);
  uint8_t len[deflate::kLitLen];
  deflate::code_lengths(cnt.freq, deflate::kLitLen, 15, len);
  int nll = deflate::kLitLen;
  while (nll > 257 && len[nll - 1] == 0) --nll;
  const uint8_t dlen[1] = {1};
  int64_t bits = deflate::dynamic_header(len, nll, dlen, 1, nullptr) + cnt.extra_bits + cnt.matches;
  for (int s = 0; s < nll; ++s) bits += (int64_t)cnt.freq[s] * len[s];
  const int64_t n = (int64_t)H * (rb + 1);
  const int64_t stored = n + 5 * ((n + 65534) / 65535 > 0 ? (n + 65534) / 65535 : 1);
  deflate::BitWriter bw{out, 0, 0, 0};
  bw.put(0x78, 8);
  bw.put(0x01, 8);
  if ((bits + 7) / 8 <= stored) {
    uint16_t code[deflate::kLitLen];
    deflate::canonical_codes(len, nll, code);
    deflate::dynamic_header(len, nll, dlen, 1, &bw);
    Emit em{&bw, code, len};
    Runs<Emit> er{&em};
    walk<KIND>(img, H, W, inv_scale, er, rowa, rowb, f);
    bw.put(code[256], len[256]);
  } else {
    StoreRuns st{&bw, 0, n};
    walk<KIND>(img, H, W, inv_scale, st, rowa, rowb, f);
  }
  bw.align();
  const uint32_t adler = (uint32_t)(((cnt.adler.b % 65521) << 16) | (cnt.adler.a % 65521));
  for (int k = 3; k >= 0; --k) out[bw.pos++] = (uint8_t)(adler >> (8 * k));
  return bw.pos;
}

}  // namespace pngd

struct PngDeflateOp {
  struct Params {
    const void* src;   // [B, H, W] uint8 (kind 0) | [B, H, 2W] uint8 = uint16 LE (1) | [B, H, W] float32 (2)
    uint8_t* out;      // [B, cap] zlib stream of image b in out[b, :size[b]]
    int64_t* size;     // [B] bytes of image b's stream
    int64_t cap;       // bytes per output row (>= png_deflate_bound(H * (row bytes + 1)))
    double inv_scale;  // kind 2: 1 / depth_scale (units per metre)
    int H, W, kind;
  };
  static constexpr int64_t kCost = 1 << 20;  // per image: always worth a thread
  static HR_HD void run(int64_t b, const Params& p) {
    const int64_t px = (int64_t)p.H * p.W;
    uint8_t* out = p.out + b * p.cap;
    if (p.kind == 0) p.size[b] = pngd::encode<0>(static_cast<const uint8_t*>(p.src) + b * px, p.H, p.W, 0, out);
    else if (p.kind == 1) p.size[b] = pngd::encode<1>(static_cast<const uint8_t*>(p.src) + 2 * b * px, p.H, p.W, 0, out);
    else p.size[b] = pngd::encode<2>(static_cast<const float*>(p.src) + b * px, p.H, p.W, p.inv_scale, out);
  }
};

}  // namespace hr
