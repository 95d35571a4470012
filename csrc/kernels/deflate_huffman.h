// deflate_huffman.h: the pieces of a DEFLATE (RFC 1951) encoder that png_deflate.h needs,
// all HR_HD and allocation-free: an LSB-first bit writer, length-limited Huffman code lengths,
// canonical codes, the length-code table, and the dynamic block header.
//
// Code lengths: Huffman's construction on the used symbols sorted by (frequency, symbol)
// (two-queue merge), then, when a length exceeds the limit (15 for literal/length codes, 7 for
// the code-length code), the lengths are clamped and the Kraft sum repaired: one code moves
// from the longest length below the limit to two codes one longer while one code at the limit
// goes, which lowers sum(2^(limit - len)) by exactly 1 per step. Lengths are then handed out
// by count, the shortest to the most frequent symbols. Everything is a function of the
// frequencies alone, so the encoder is deterministic on every machine.
#pragma once
#include <cstdint>
#include "common/hr.h"

namespace hr {
namespace deflate {

constexpr int kLitLen = 286;   // literal/length alphabet (0-255, 256 end of block, 257-285)
constexpr int kCodeLen = 19;   // code-length alphabet

struct BitWriter {
  uint8_t* out;
  int64_t pos;
  uint64_t acc;
  int nbits;
  HR_HD void put(uint32_t bits, int n) {  // n <= 24
    acc |= (uint64_t)bits << nbits;
    nbits += n;
    while (nbits >= 8) {
      out[pos++] = (uint8_t)acc;
      acc >>= 8;
      nbits -= 8;
    }
  }
  HR_HD void align() {
    if (nbits > 0) put(0, 8 - nbits);
  }
};

// Length 3..258 -> symbol 257..285, extra bits and their value.
HR_HD void length_code(int len, int* sym, int* nextra, int* extra) {
  if (len == 258) {
    *sym = 285, *nextra = 0, *extra = 0;
    return;
  }
  if (len < 11) {
    *sym = 254 + len, *nextra = 0, *extra = 0;
    return;
  }
  // Lengths 11..257: groups of 4 codes, group g (g = 1..5) with g extra bits.
  int base = 11, g = 1;
  while (len >= base + (4 << g)) {
    base += 4 << g;
    ++g;
  }
  const int k = (len - base) >> g;
  *sym = 265 + 4 * (g - 1) + k;
  *nextra = g;
  *extra = (len - base) & ((1 << g) - 1);
}

HR_HD uint32_t reverse_bits(uint32_t c, int n) {
  uint32_t r = 0;
  for (int i = 0; i < n; ++i, c >>= 1) r = (r << 1) | (c & 1u);
  return r;
}

// Code lengths (<= limit) for freq[0..n); unused symbols get 0. n <= kLitLen.
HR_HD void code_lengths(const uint32_t* freq, int n, int limit, uint8_t* len) {
  uint64_t key[kLitLen];  // (frequency << 9 | symbol), sorted ascending
  int m = 0;
  for (int s = 0; s < n; ++s) {
    len[s] = 0;
    if (freq[s]) key[m++] = ((uint64_t)freq[s] << 9) | (uint64_t)s;
  }
  if (m == 0) return;
  if (m == 1) {
    len[key[0] & 511] = 1;
    return;
  }
  const int gaps[] = {57, 23, 10, 4, 1};  // shell sort: keys are unique, so the order is total
  for (int gi = 0; gi < 5; ++gi) {
    const int gap = gaps[gi];
    for (int i = gap; i < m; ++i) {
      const uint64_t k = key[i];
      int j = i;
      for (; j >= gap && key[j - gap] > k; j -= gap) key[j] = key[j - gap];
      key[j] = k;
    }
  }
  // Two-queue Huffman: nodes 0..m-1 leaves (sorted), m..2m-2 internal, created in order.
  uint64_t w[2 * kLitLen];
  int16_t parent[2 * kLitLen];
  for (int i = 0; i < m; ++i) w[i] = key[i] >> 9;
  int leaf = 0, inner = m;
  for (int node = m; node < 2 * m - 1; ++node) {
    int pick[2];
    for (int t = 0; t < 2; ++t) {
      if (leaf < m && (inner >= node || w[leaf] <= w[inner])) pick[t] = leaf++;
      else pick[t] = inner++;
    }
    w[node] = w[pick[0]] + w[pick[1]];
    parent[pick[0]] = parent[pick[1]] = (int16_t)node;
  }
  uint8_t depth[2 * kLitLen];
  int count[2 * kLitLen + 1];
  // All of it: the Kraft sum below reads count[1..limit] even when 2m < limit.
  for (int d = 0; d <= 2 * kLitLen; ++d) count[d] = 0;
  depth[2 * m - 2] = 0;
  for (int node = 2 * m - 3; node >= 0; --node) depth[node] = (uint8_t)(depth[parent[node]] + 1);
  for (int i = 0; i < m; ++i) count[depth[i]]++;
  // Clamp to the limit and repair the Kraft sum (see the header comment).
  for (int d = limit + 1; d <= 2 * m; ++d) count[limit] += count[d], count[d] = 0;
  uint64_t kraft = 0;
  for (int d = 1; d <= limit; ++d) kraft += (uint64_t)count[d] << (limit - d);
  while (kraft > (1ull << limit)) {
    count[limit]--;
    for (int d = limit - 1; d > 0; --d) {
      if (count[d]) {
        count[d]--;
        count[d + 1] += 2;
        break;
      }
    }
    kraft--;
  }
  // Least frequent first: the longest lengths.
  int i = 0;
  for (int d = limit; d >= 1; --d)
    for (int c = 0; c < count[d]; ++c) len[key[i++] & 511] = (uint8_t)d;
}

// Canonical codes (RFC 1951 3.2.2), bit-reversed for the LSB-first writer.
HR_HD void canonical_codes(const uint8_t* len, int n, uint16_t* code) {
  int count[16] = {0};
  for (int s = 0; s < n; ++s) count[len[s]]++;
  count[0] = 0;
  uint32_t next[16];
  uint32_t c = 0;
  for (int b = 1; b < 16; ++b) {
    c = (c + count[b - 1]) << 1;
    next[b] = c;
  }
  for (int s = 0; s < n; ++s)
    code[s] = len[s] ? (uint16_t)reverse_bits(next[len[s]]++, len[s]) : 0;
}

// The code-length sequence lens[0..n) as symbols 0-18 (16: repeat previous 3-6 times,
// 17: 3-10 zeros, 18: 11-138 zeros); sym[k], extra[k]; returns the symbol count.
HR_HD int rle_lengths(const uint8_t* lens, int n, uint8_t* sym, uint8_t* extra) {
  int k = 0;
  for (int i = 0; i < n;) {
    const uint8_t v = lens[i];
    int r = 1;
    while (i + r < n && lens[i + r] == v) ++r;
    i += r;
    if (v == 0) {
      while (r >= 11) { const int t = r < 138 ? r : 138; sym[k] = 18, extra[k++] = (uint8_t)(t - 11); r -= t; }
      if (r >= 3) { sym[k] = 17, extra[k++] = (uint8_t)(r - 3); r = 0; }
      while (r-- > 0) sym[k] = 0, extra[k++] = 0;
    } else {
      sym[k] = v, extra[k++] = 0;
      --r;
      while (r >= 3) { const int t = r < 6 ? r : 6; sym[k] = 16, extra[k++] = (uint8_t)(t - 3); r -= t; }
      while (r-- > 0) sym[k] = v, extra[k++] = 0;
    }
  }
  return k;
}

// The dynamic block header for literal/length lengths ll[0..nll) and distance lengths
// d[0..nd); written when `bw` is non-null, its size in bits returned either way.
HR_HD int64_t dynamic_header(const uint8_t* ll, int nll, const uint8_t* d, int nd, BitWriter* bw) {
  uint8_t all[kLitLen + 30];
  for (int i = 0; i < nll; ++i) all[i] = ll[i];
  for (int i = 0; i < nd; ++i) all[nll + i] = d[i];
  uint8_t sym[kLitLen + 30], extra[kLitLen + 30];
  const int k = rle_lengths(all, nll + nd, sym, extra);
  uint32_t freq[kCodeLen] = {0};
  for (int i = 0; i < k; ++i) freq[sym[i]]++;
  // zlib's inflate rejects an incomplete code-length code: with one symbol in use, give a
  // second (unused) symbol a count so that both get one-bit codes.
  int used = 0;
  for (int s = 0; s < kCodeLen; ++s) used += freq[s] != 0;
  if (used == 1) freq[freq[0] ? 1 : 0] = 1;
  uint8_t clen[kCodeLen];
  code_lengths(freq, kCodeLen, 7, clen);
  uint16_t ccode[kCodeLen];
  canonical_codes(clen, kCodeLen, ccode);
  const int order[kCodeLen] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
  int hclen = kCodeLen;
  while (hclen > 4 && clen[order[hclen - 1]] == 0) --hclen;
  int64_t bits = 3 + 5 + 5 + 4 + 3 * hclen;
  for (int i = 0; i < k; ++i) bits += clen[sym[i]] + (sym[i] == 16 ? 2 : sym[i] == 17 ? 3 : sym[i] == 18 ? 7 : 0);
  if (bw) {
    bw->put(1 | (2 << 1), 3);  // BFINAL = 1, BTYPE = 2 (dynamic Huffman)
    bw->put((uint32_t)(nll - 257), 5);
    bw->put((uint32_t)(nd - 1), 5);
    bw->put((uint32_t)(hclen - 4), 4);
    for (int i = 0; i < hclen; ++i) bw->put(clen[order[i]], 3);
    for (int i = 0; i < k; ++i) {
      bw->put(ccode[sym[i]], clen[sym[i]]);
      if (sym[i] >= 16) bw->put(extra[i], sym[i] == 16 ? 2 : sym[i] == 17 ? 3 : 7);
    }
  }
  return bits;
}

}  // namespace deflate
}  // namespace hr
