// background.h: one output row of the scene's background (ShadeOp, shade.h), per mode.
//
//   photo (mode 0):  out(col, row) = bilinear(photo, A (col, row, 1))           A: [2, 3]
//                    source coordinates in 16.16 fixed point: x(col) = x(0) + col * dx, the
//                    same integers as stepping x += dx along the row; RGBA8 fetch with 8-bit
//                    weights (bilinear_rgba8_fixed), clamped to the edge (the CPU loads each
//                    source row's texel pair at once, bilinear_rgba8_pairs: the same bytes).
//   environment (1): d = normalize(R Kinv (col, row, 1)),  (x, y) = equirect_xy(d)
//                    out = sRGB(soft_clip(exposure * bilinear_wrapx(env, x, y)))
//                    (x, y) exact every kEnvSeg / 2 columns, in between the quadratic through
//                    each kEnvSeg-pixel segment's start, middle and end (env_coords: within
//                    ~3e-4 texels; exact next to the seam, near the poles, in partial segments)
//   solid (2):       out = (r, g, b)
//
// Why a header of its own: the background is most of a sample's shading time (every pixel
// has one; the hand covers ~15 % of them), so its loops are shaped for the CPU's vector
// units: chunks of kBgChunk pixels, each stage a branch-free `omp simd` loop (gathers for
// the texel fetches) writing small stack arrays, then a scalar loop for the 3-byte stores.
// The rare environment pixels brighter than soft_clip's knee take the scalar encode_srgb.
// The photo path also prefetches the source texels of row + kBgPrefetchRows: a rotated crop
// walks diagonally through a photo that is usually not in cache, which the hardware
// prefetcher cannot follow. CUDA runs the same loops (one thread per row).
#pragma once
#include <cstring>
#include "common/hr.h"
#include "common/math.h"
#include "kernels/shade_common.h"

namespace hr {

constexpr int kBgChunk = 64;         // pixels per vectorised chunk (stack arrays)
constexpr int kBgPrefetchRows = 8;   // how far ahead the photo path prefetches (rows)
constexpr int kEnvSeg = 16;          // environment pixels per interpolated coordinate segment
constexpr int kEnvBlock = 256;       // environment pixels per grid of exact coordinates
constexpr int kEnvPts = 48;          // grid points per block: 2 kEnvBlock / kEnvSeg + 1, padded to 16
constexpr float kEnvPoleY = 0.9f;    // |d.y| above which a segment's coordinates are exact

// Stores packed RGBA (R low) as 3 bytes per pixel.
HR_HD void store_rgb_packed(const uint32_t* c, int n, uint8_t* out) {
  for (int j = 0; j < n; ++j) {
    out[3 * j] = (uint8_t)c[j];
    out[3 * j + 1] = (uint8_t)(c[j] >> 8);
    out[3 * j + 2] = (uint8_t)(c[j] >> 16);
  }
}

// 16.16 fixed-point source coordinate of column 0 and the per-column step for one row.
HR_HD void photo_row_start(const float* A, int row, int32_t* xf, int32_t* yf, int32_t* dxf, int32_t* dyf) {
  *xf = (int32_t)floorf((A[1] * row + A[2]) * 65536.f + 0.5f);
  *yf = (int32_t)floorf((A[4] * row + A[5]) * 65536.f + 0.5f);
  *dxf = (int32_t)floorf(A[0] * 65536.f + 0.5f);
  *dyf = (int32_t)floorf(A[3] * 65536.f + 0.5f);
}

#if !HR_DEVICE_CODE
// bilinear_rgba8_fixed with each row's two texels in one 64-bit load (half the gather elements
// of the vectorised photo loop; 20 % less time there): x0 is kept <= w - 2, and where the clamp
// put x on the last column (fx = 0 there) the pair (w - 2, w - 1) with fx = 256 gives the same
// bytes (p * 256 >> 8 = p in every stage). Needs w >= 2. CPU only: the loads are unaligned.
HR_HD uint32_t bilinear_rgba8_pairs(const uint32_t* img, int h, int w, int32_t xf, int32_t yf) {
  const int32_t xmax = (w - 1) << 16, ymax = (h - 1) << 16;
  xf = xf < 0 ? 0 : (xf > xmax ? xmax : xf);
  yf = yf < 0 ? 0 : (yf > ymax ? ymax : yf);
  int x0 = xf >> 16;
  x0 = x0 < w - 2 ? x0 : w - 2;
  const int y0 = yf >> 16;
  const int y1 = y0 + 1 < h ? y0 + 1 : y0;
  const uint32_t fx = (uint32_t)(xf - (x0 << 16)) >> 8, fy = (uint32_t)(yf >> 8) & 0xFFu;  // fx in [0, 256]
  uint64_t q0, q1;
  memcpy(&q0, img + y0 * w + x0, 8);
  memcpy(&q1, img + y1 * w + x0, 8);
  // fx = 256 at the clamped right edge: 255 * 256 still fits blend_rgba8's 16-bit lanes
  return blend_rgba8((uint32_t)q0, (uint32_t)(q0 >> 32), (uint32_t)q1, (uint32_t)(q1 >> 32), fx, fy);
}
#endif

HR_HD void photo_row(const uint32_t* img, int h, int w, const float* A, int row, int H, int W,
                     uint8_t* out) {
  int32_t xf, yf, dxf, dyf;
#if !HR_DEVICE_CODE
  if (row + kBgPrefetchRows < H) {  // source texels of a later row, one line per 8 pixels
    photo_row_start(A, row + kBgPrefetchRows, &xf, &yf, &dxf, &dyf);
    for (int col = 0; col < W; col += 8) {
      const int32_t x = xf + col * dxf, y = yf + col * dyf;
      const int px = x < 0 ? 0 : ((x >> 16) < w ? (x >> 16) : w - 1);
      const int py = y < 0 ? 0 : ((y >> 16) < h - 1 ? (y >> 16) : (h > 1 ? h - 2 : 0));
      __builtin_prefetch(img + (int64_t)py * w + px);
      __builtin_prefetch(img + (int64_t)(py + 1 < h ? py + 1 : py) * w + px);
    }
  }
#endif
  photo_row_start(A, row, &xf, &yf, &dxf, &dyf);
  uint32_t c[kBgChunk];
  for (int c0 = 0; c0 < W; c0 += kBgChunk) {
    const int n = W - c0 < kBgChunk ? W - c0 : kBgChunk;
    const int32_t x0 = xf + c0 * dxf, y0 = yf + c0 * dyf;
#if !HR_DEVICE_CODE
    if (w >= 2) {
#pragma omp simd
      for (int j = 0; j < n; ++j) c[j] = bilinear_rgba8_pairs(img, h, w, x0 + j * dxf, y0 + j * dyf);
      store_rgb_packed(c, n, out + 3 * c0);
      continue;
    }
#endif
#pragma omp simd
    for (int j = 0; j < n; ++j) c[j] = bilinear_rgba8_fixed(img, h, w, x0 + j * dxf, y0 + j * dyf);
    store_rgb_packed(c, n, out + 3 * c0);
  }
}

// soft_clip's linear part as a LUT index, or -1 where the scalar encode_srgb must decide.
HR_HD int32_t srgb_index_or_knee(float lin) {
  const float c = lin > 0.f ? lin : 0.f;
  const int32_t k = (int32_t)((c < 0.8f ? c : 0.8f) * 4095.f + 0.5f);  // converted unconditionally:
  return c <= 0.8f ? k : -1;                                        // a select, not a branch
}

// Exact equirect coordinates (and |d.y|) of the kEnvPts grid points of a block of up to
// kEnvBlock pixels starting at column c0: point m at column c0 + m kEnvSeg / 2, the last
// point at c0 + n. One vectorised loop (the padding points past the end cost a vector lane).
HR_HD void env_grid(vec3 d0, vec3 dd, int h, int w, int c0, int n, float* gx, float* gy, float* ga) {
#pragma GCC ivdep  // not omp simd: that keeps equirect_xy's out-parameters in per-lane stack arrays
  for (int m = 0; m < kEnvPts; ++m) {
    const int c = c0 + m * (kEnvSeg / 2);
    const vec3 d = normalize(d0 + dd * float(c < c0 + n ? c : c0 + n));
    float x, y;
    equirect_xy(d, h, w, &x, &y);
    gx[m] = x; gy[m] = y; ga[m] = fabsf(d.y);
  }
}

// The equirect coordinates of pixels [c0, c0 + n) of the row, n <= kBgChunk, c0 a multiple of
// kEnvSeg from the block's start; g*: the block's grid from that start. Between grid points the
// quadratic through the start, middle and end of each kEnvSeg-pixel segment: the mapping is
// smooth at a few pixels per degree and the quadratic is within ~3e-4 texels of the exact
// coordinates (fast_atan2's own error is ~1e-3 texels). Segments that cross the seam (x wraps)
// or come near a pole (|d.y| > kEnvPoleY: the mapping bends fast there) are exact per pixel.
HR_HD void env_coords(vec3 d0, vec3 dd, int h, int w, int c0, int n, const float* gx, const float* gy,
                      const float* ga, float* xs, float* ys) {
  const float half = 0.5f * float(w);
  for (int s0 = 0; s0 < n; s0 += kEnvSeg) {
    const int L = n - s0 < kEnvSeg ? n - s0 : kEnvSeg;
    const int g = s0 / (kEnvSeg / 2);
    const float xa = gx[g], xm = gx[g + 1], xb = gx[g + 2];
    const float ya = gy[g], ym = gy[g + 1], yb = gy[g + 2];
    const bool exact = L < kEnvSeg || fabsf(xb - xa) > half || fabsf(xm - xa) > half || ga[g] > kEnvPoleY ||
                       ga[g + 1] > kEnvPoleY || ga[g + 2] > kEnvPoleY;
    float* xo = xs + s0;
    float* yo = ys + s0;
    if (exact) {
#pragma omp simd
      for (int k = 0; k < L; ++k) {
        float x, y;
        equirect_xy(normalize(d0 + dd * float(c0 + s0 + k)), h, w, &x, &y);
        xo[k] = x; yo[k] = y;
      }
    } else {  // q(s) = a + s (b - a) + 2 s (s - 1) (a - 2 m + b), through s = 0, 1/2, 1
      const float sx = xb - xa, sy = yb - ya, qx = 2.f * (xa - 2.f * xm + xb), qy = 2.f * (ya - 2.f * ym + yb);
#pragma omp simd
      for (int k = 0; k < kEnvSeg; ++k) {
        const float s = float(k) * (1.f / kEnvSeg), t = s * (s - 1.f);
        xo[k] = xa + s * sx + t * qx;
        yo[k] = ya + s * sy + t * qy;
      }
    }
  }
}

HR_HD void env_row(const float* env, int h, int w, const float* Kinv, const float* Rot, float exposure,
                   const uint8_t* lut, int row, int W, uint8_t* out) {
  const vec3 d0 = matvec3(Rot, matvec3(Kinv, vec3{0.f, float(row), 1.f}));
  const vec3 dd = matvec3(Rot, matvec3(Kinv, vec3{1.f, 0.f, 0.f}));
  float gx[kEnvPts], gy[kEnvPts], ga[kEnvPts];
  float xs[kBgChunk], ys[kBgChunk];
  float cr[kBgChunk], cg[kBgChunk], cb[kBgChunk];
  int32_t kr[kBgChunk], kg[kBgChunk], kb[kBgChunk];
  for (int c0 = 0; c0 < W; c0 += kBgChunk) {
    const int n = W - c0 < kBgChunk ? W - c0 : kBgChunk;
    const int cb0 = c0 - c0 % kEnvBlock;  // the grid's block
    if (c0 == cb0) env_grid(d0, dd, h, w, cb0, W - cb0 < kEnvBlock ? W - cb0 : kEnvBlock, gx, gy, ga);
    const int g = (c0 - cb0) / (kEnvSeg / 2);
    env_coords(d0, dd, h, w, c0, n, gx + g, gy + g, ga + g, xs, ys);
    int32_t knee = 0;
#pragma omp simd reduction(|:knee)
    for (int j = 0; j < n; ++j) {
      const vec3 c = bilinear_rgbf_wrapx(env, h, w, xs[j], ys[j]) * exposure;
      cr[j] = c.x; cg[j] = c.y; cb[j] = c.z;
      kr[j] = srgb_index_or_knee(c.x);
      kg[j] = srgb_index_or_knee(c.y);
      kb[j] = srgb_index_or_knee(c.z);
      knee |= kr[j] | kg[j] | kb[j];  // negative when any channel is above the knee
    }
    uint8_t* o = out + 3 * c0;
    if (knee >= 0) {  // the common case: every channel through the LUT, no branches
      for (int j = 0; j < n; ++j) {
        o[3 * j] = lut[kr[j]]; o[3 * j + 1] = lut[kg[j]]; o[3 * j + 2] = lut[kb[j]];
      }
      continue;
    }
    for (int j = 0; j < n; ++j) {
      o[3 * j] = kr[j] >= 0 ? lut[kr[j]] : encode_srgb(lut, cr[j]);
      o[3 * j + 1] = kg[j] >= 0 ? lut[kg[j]] : encode_srgb(lut, cg[j]);
      o[3 * j + 2] = kb[j] >= 0 ? lut[kb[j]] : encode_srgb(lut, cb[j]);
    }
  }
}

HR_HD void solid_row(const float* rgb, int W, uint8_t* out) {
  const uint8_t r = (uint8_t)rgb[0], g = (uint8_t)rgb[1], b = (uint8_t)rgb[2];
  for (int col = 0; col < W; ++col) {
    out[col * 3] = r; out[col * 3 + 1] = g; out[col * 3 + 2] = b;
  }
}

}  // namespace hr
